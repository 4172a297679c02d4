package ai.graft.samples.consumer;

import ai.graft.sdk.Category;
import ai.graft.sdk.Classification;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ImageClassifier;
import java.nio.file.Path;

/**
 * An application that depends on {@code graft-sdk} alone, as the project's README shows it: the
 * README's five lines, run on each image given. It prints {@code IMAGE: LABEL SCORE} per image (the
 * score to 6 decimals, so that runs on two machines can be compared).
 *
 * <pre>
 * java -jar graft-consumer-linux-arm64.jar model.onnx cat.jpg dog.jpg
 * </pre>
 */
public final class ClassifyImage {
    private ClassifyImage() {}

    /**
     * Classifies each image with a model that carries its card.
     *
     * @param args the model file, then one or more images
     * @throws Exception when the model or an image cannot be used (the message names it)
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: ClassifyImage MODEL.onnx IMAGE...");
            System.exit(2);
        }
        try (ImageClassifier classifier = ImageClassifier.createFromFile(Path.of(args[0]))) {
            for (int i = 1; i < args.length; i++) {
                Category best = best(classifier, Path.of(args[i]));
                System.out.printf("%s: %s %.6f%n", args[i], best.label(), best.score());
            }
        }
    }

    /**
     * The README's example once the model is loaded: classifies one image and returns the best
     * category.
     *
     * @param classifier the loaded model
     * @param image the image file
     * @return the best category
     * @throws GraftException when the image cannot be read or decoded
     */
    static Category best(ImageClassifier classifier, Path image) throws GraftException {
        Classification result = classifier.classify(image);
        return result.top().get(0);
    }
}
