package ai.graft.spark;

import ai.graft.converter.FeatureTransform;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@link SparkHeadTrainer#train} produced.
 *
 * @param model the deployable model file
 * @param classes the class names, index = class index
 * @param trainImages training images used
 * @param valImages validation images used
 * @param skipped why images could not be read (each message names its image), at most the first 100
 * @param skippedCount how many images could not be read
 * @param trainAccuracy the head's accuracy on the training embeddings
 * @param valAccuracy the head's accuracy on the validation embeddings
 * @param iterations L-BFGS iterations of the final fit
 * @param featureTransform what the head reads of each embedding
 * @param regParam the L2 regularisation of the final fit: the given one, or the one chosen by
 *     cross-validation
 * @param regParamPath each strength cross-validation tried with its mean held-out log loss, in the
 *     order tried; empty when the strength was given
 * @param parityMaxAbsDiff the largest difference between the file's logits (ONNX Runtime) and the
 *     MLlib head's on a few validation images
 * @param seconds the run's wall time
 */
public record HeadTrainingResult(
        Path model,
        List<String> classes,
        long trainImages,
        long valImages,
        List<String> skipped,
        long skippedCount,
        double trainAccuracy,
        double valAccuracy,
        int iterations,
        FeatureTransform featureTransform,
        double regParam,
        List<RegParamPoint> regParamPath,
        double parityMaxAbsDiff,
        double seconds) {
    /** Copies the lists. */
    public HeadTrainingResult {
        classes = List.copyOf(classes);
        skipped = List.copyOf(skipped);
        regParamPath = List.copyOf(regParamPath);
    }

    /**
     * One strength of the cross-validated search.
     *
     * @param regParam the L2 regularisation
     * @param cvLogLoss the mean log loss of the held-out folds
     */
    public record RegParamPoint(double regParam, double cvLogLoss) {}
}
