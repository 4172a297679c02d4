package ai.graft.trainer;

import ai.graft.trainer.data.ImageDataset;
import ai.graft.trainer.data.PixelVectors;
import ai.graft.trainer.eval.TransferCheck;
import java.util.Locale;

/**
 * The raw-pixel baseline of {@link TransferCheck}: each image shrunk to {@value #SIDE}x{@value
 * #SIDE} pixels, and a linear softmax classifier trained on those values the way the {@code
 * features} strategy trains its head on embeddings. Its accuracy is the best of its epochs on the
 * validation images, an optimistic figure, so that "transferred poorly" is said only when it is
 * clear.
 */
final class PixelBaseline {
    /** The side of the pixel images. */
    static final int SIDE = 32;

    /** The most images of each split read for the baseline (a seeded subset beyond). */
    static final int LIMIT = 2000;

    /** The baseline's epochs, at most. */
    static final int EPOCHS = 60;

    private PixelBaseline() {}

    /**
     * Trains and measures the baseline and compares it with the model.
     *
     * @param train the training images
     * @param val the validation images
     * @param modelAccuracy the model's accuracy on {@code val}
     * @param o the run's settings (seed, threads, class weights)
     * @param monitor where the finding goes
     * @return the comparison, or null when no image of a split could be read
     */
    static TransferCheck check(
            ImageDataset train,
            ImageDataset val,
            double modelAccuracy,
            TrainingOptions o,
            TrainingMonitor monitor) {
        long t0 = System.nanoTime();
        int threads = o.threads() > 0 ? o.threads() : Runtime.getRuntime().availableProcessors();
        PixelVectors.Result tr = PixelVectors.of(train, SIDE, LIMIT, o.seed(), threads);
        PixelVectors.Result va = PixelVectors.of(val, SIDE, LIMIT, o.seed(), threads);
        if (tr.size() == 0 || va.size() == 0) {
            return null;
        }
        TrainingOptions head =
                TrainingOptions.builder(o.data(), o.backbone(), o.outDir())
                        .strategy(Strategy.FEATURES)
                        .epochs(EPOCHS)
                        .patience(15)
                        .labelSmoothing(0)
                        .classWeights(o.classWeights())
                        .seed(o.seed())
                        .build();
        LinearHead.Result r =
                LinearHead.train(
                        tr.rows(),
                        tr.labels(),
                        va.rows(),
                        va.labels(),
                        train.classes().size(),
                        head,
                        TrainingMonitor.SILENT);
        TransferCheck check =
                new TransferCheck(
                        modelAccuracy,
                        r.bestValAccuracy(),
                        SIDE,
                        tr.size(),
                        va.size(),
                        tr.size() + va.size(),
                        tr.small() + va.small(),
                        tr.gray() + va.gray());
        monitor.log(
                String.format(
                        Locale.ROOT,
                        "raw-pixel baseline: %.4f (%.1f s); %s",
                        r.bestValAccuracy(),
                        (System.nanoTime() - t0) / 1e9,
                        check.poor()
                                ? "the backbone's features transferred poorly (see report.md)"
                                : String.format(
                                        Locale.ROOT,
                                        "transfer helped by %.1f points",
                                        check.gainPoints())));
        return check;
    }
}
