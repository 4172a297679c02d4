package ai.graft.trainer.compare;

import java.nio.file.Path;

/**
 * One compared model at one precision: how it was made and what it measured, or why it could not
 * be. Accuracy is on the held-out test images that neither training nor the choice of the best
 * epoch saw; latency and throughput are end to end through the SDK (read, decode, preprocess,
 * infer), one image after another on this machine.
 *
 * @param name the combination's name, for example {@code squeezenet1.1/features/fp32}
 * @param backbone the backbone as given (file or zoo name)
 * @param strategy the strategy's name, or {@value #FINISHED} for a finished model measured only
 * @param precision the precision
 * @param model the measured file, or null when none was made
 * @param error why the combination failed, or null when it was measured
 * @param testImages test images classified (unreadable ones not counted)
 * @param top1 top-1 accuracy on the test images, in [0, 1]
 * @param top5 top-5 accuracy, or null under 5 classes
 * @param macroF1 the mean F1 over the classes
 * @param p50LatencyMs median end-to-end latency of one image
 * @param p95LatencyMs 95th percentile end-to-end latency
 * @param imagesPerSecond end-to-end throughput, one image at a time
 * @param fileBytes size of the model file
 * @param parameters elements of the model's floating-point weights
 * @param multiplyAdds multiply-accumulates of one image (-1 where shapes were unknown)
 * @param trainSeconds wall time of the training run, NaN for a finished model
 * @param valAccuracy accuracy on the validation images that chose the epoch (optimistic), or null
 *     for a finished model
 */
public record Measurement(
        String name,
        String backbone,
        String strategy,
        Precision precision,
        Path model,
        String error,
        int testImages,
        double top1,
        Double top5,
        double macroF1,
        double p50LatencyMs,
        double p95LatencyMs,
        double imagesPerSecond,
        long fileBytes,
        long parameters,
        long multiplyAdds,
        double trainSeconds,
        Double valAccuracy) {

    /** The strategy name of a finished model, which is measured without training. */
    public static final String FINISHED = "finished";

    /**
     * A combination that failed, with why.
     *
     * @param name the combination's name
     * @param backbone the backbone as given
     * @param strategy the strategy's name
     * @param precision the precision
     * @param error why it failed
     * @return the measurement, with no figures
     */
    public static Measurement failed(
            String name, String backbone, String strategy, Precision precision, String error) {
        return new Measurement(
                name,
                backbone,
                strategy,
                precision,
                null,
                error,
                0,
                Double.NaN,
                null,
                Double.NaN,
                Double.NaN,
                Double.NaN,
                Double.NaN,
                0,
                0,
                0,
                Double.NaN,
                null);
    }

    /**
     * Whether the model was measured.
     *
     * @return true when there is no error
     */
    public boolean ok() {
        return error == null;
    }

    /**
     * The file size in MB.
     *
     * @return {@link #fileBytes()} / 10^6
     */
    public double sizeMb() {
        return fileBytes / 1e6;
    }
}
