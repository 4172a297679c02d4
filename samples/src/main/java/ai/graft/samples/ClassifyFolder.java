package ai.graft.samples;

import ai.graft.sdk.Category;
import ai.graft.sdk.Classification;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ImageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Classifies every JPEG and PNG in a folder with a model that carries its card (labels and
 * preprocessing), printing the best label of each.
 *
 * <pre>
 * java -cp ... ai.graft.samples.ClassifyFolder model.onnx photos/
 * </pre>
 */
public final class ClassifyFolder {
    private ClassifyFolder() {}

    /**
     * Runs the sample.
     *
     * @param args the model file and the folder
     * @throws Exception if the model cannot be used or the folder cannot be listed
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: ClassifyFolder MODEL.onnx FOLDER");
            System.exit(2);
        }
        List<Path> images;
        try (Stream<Path> files = Files.list(Path.of(args[1]))) {
            images =
                    files.filter(f -> f.toString().matches("(?i).*\\.(jpe?g|png)$"))
                            .sorted()
                            .collect(Collectors.toList());
        }
        try (ImageClassifier classifier = ImageClassifier.createFromFile(Path.of(args[0]))) {
            for (Path image : images) {
                try {
                    Classification result = classifier.classify(image);
                    Category best = result.top().get(0);
                    System.out.printf(
                            "%s: %s (%.3f)%n", image.getFileName(), best.label(), best.score());
                } catch (ImageException e) {
                    System.out.printf("%s: skipped, %s%n", image.getFileName(), e.getMessage());
                }
            }
        }
    }
}
