package ai.graft.converter.quantize;

import ai.graft.sdk.Category;
import ai.graft.sdk.Classification;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ImageClassifierOptions;
import ai.graft.sdk.ImageException;
import ai.graft.sdk.InputException;
import java.nio.file.Path;
import java.util.List;

/**
 * How closely a reduced-precision classifier follows its original, measured through the SDK itself
 * (the same decoding, preprocessing, output reading and softmax as at inference): top-1 agreement
 * and the largest score difference on some images, and the accuracy of both on labelled ones.
 */
public final class ClassifierParity {
    private ClassifierParity() {}

    /**
     * Agreement of two classifiers.
     *
     * @param images images compared
     * @param top1Agreement share of images with the same best class, in [0, 1]
     * @param maxScoreDiff the largest difference of a class score (a probability), over all classes
     *     and images
     */
    public record Agreement(int images, double top1Agreement, double maxScoreDiff) {}

    /**
     * Accuracy of both classifiers on labelled images.
     *
     * @param images images evaluated
     * @param original the original's top-1 accuracy, in [0, 1]
     * @param reduced the reduced model's top-1 accuracy, in [0, 1]
     */
    public record Accuracy(int images, double original, double reduced) {}

    /**
     * Compares two classifiers on images. Unreadable images are left out.
     *
     * @param original the original model
     * @param reduced the reduced model
     * @param images the images
     * @return the agreement
     * @throws GraftException when a model cannot be loaded
     */
    static Agreement agreement(Path original, Path reduced, List<Path> images)
            throws GraftException {
        try (ImageClassifier a = open(original, null);
                ImageClassifier b = open(reduced, a)) {
            int n = 0;
            int same = 0;
            double maxDiff = 0;
            for (Path image : images) {
                Classification x;
                Classification y;
                try {
                    x = a.classify(image);
                    y = b.classify(image);
                } catch (ImageException e) {
                    continue;
                }
                n++;
                same += x.best().index() == y.best().index() ? 1 : 0;
                float[] sx = scores(x, a.labels().size());
                float[] sy = scores(y, a.labels().size());
                for (int i = 0; i < sx.length; i++) {
                    maxDiff = Math.max(maxDiff, Math.abs(sx[i] - sy[i]));
                }
            }
            return new Agreement(n, n == 0 ? Double.NaN : (double) same / n, maxDiff);
        }
    }

    /**
     * Top-1 accuracy of both classifiers on labelled images.
     *
     * @param original the original model
     * @param reduced the reduced model
     * @param images the images with their labels
     * @return the accuracies
     * @throws InputException when a label is not one of the model's, or no image can be read
     * @throws GraftException when a model cannot be loaded
     */
    static Accuracy accuracy(Path original, Path reduced, List<LabelledImage> images)
            throws GraftException {
        try (ImageClassifier a = open(original, null);
                ImageClassifier b = open(reduced, a)) {
            int n = 0;
            int rightA = 0;
            int rightB = 0;
            for (LabelledImage image : images) {
                int truth = a.labels().indexOf(image.label());
                if (truth < 0) {
                    throw new InputException(
                            "Class '"
                                    + image.label()
                                    + "' of "
                                    + image.file()
                                    + " is not one of the model's labels; the evaluation folder"
                                    + " needs one subfolder per class, named as the model's labels");
                }
                try {
                    rightA += a.classify(image.file()).best().index() == truth ? 1 : 0;
                    rightB += b.classify(image.file()).best().index() == truth ? 1 : 0;
                } catch (ImageException e) {
                    continue;
                }
                n++;
            }
            if (n == 0) {
                throw new InputException(
                        "None of the " + images.size() + " evaluation images could be read");
            }
            return new Accuracy(n, (double) rightA / n, (double) rightB / n);
        }
    }

    /**
     * Opens a classifier that returns every class; the reduced model takes the original's labels
     * and preprocessing, which a model without a card found beside its file, not in it.
     */
    private static ImageClassifier open(Path model, ImageClassifier like) throws GraftException {
        ImageClassifierOptions.Builder o = ImageClassifierOptions.builder().topK(Integer.MAX_VALUE);
        if (like != null) {
            o.labels(like.labels()).preprocessing(like.preprocessing());
        }
        return ImageClassifier.create(model, o.build());
    }

    private static float[] scores(Classification c, int classes) {
        float[] s = new float[classes];
        for (Category cat : c.top()) {
            s[cat.index()] = cat.score();
        }
        return s;
    }
}
