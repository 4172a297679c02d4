package ai.graft.trainer;

import ai.graft.converter.FeatureTransform;
import ai.graft.trainer.data.ImageDataset;
import ai.graft.trainer.data.PixelVectors;
import ai.graft.trainer.eval.TransferCheck;
import java.util.Locale;

/**
 * The raw-pixel baseline of {@link TransferCheck}: each image shrunk to {@value #SIDE}x{@value
 * #SIDE} pixels, and a linear softmax classifier fitted on those values the way the {@code
 * features} strategy fits its head on embeddings (L-BFGS, the L2 strength chosen by
 * cross-validation on the training pixels), measured on the validation images.
 */
final class PixelBaseline {
    /** The side of the pixel images. */
    static final int SIDE = 32;

    /** The most images of each split read for the baseline (a seeded subset beyond). */
    static final int LIMIT = 2000;

    private PixelBaseline() {}

    private static float[] flat(float[][] rows) {
        int dim = rows.length == 0 ? 0 : rows[0].length;
        float[] out = new float[rows.length * dim];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * dim, dim);
        }
        return out;
    }

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
        int dim = tr.rows()[0].length;
        LinearHead.Result r =
                LinearHead.fit(
                        flat(tr.rows()),
                        tr.size(),
                        dim,
                        tr.labels(),
                        train.classes().size(),
                        LinearHead.Loss.SOFTMAX,
                        FeatureTransform.NONE,
                        o.classWeights(),
                        o.seed(),
                        TrainingMonitor.SILENT);
        double[][] logits = r.logits(flat(va.rows()), va.size());
        int right = 0;
        for (int i = 0; i < logits.length; i++) {
            int best = 0;
            for (int k = 1; k < logits[i].length; k++) {
                if (logits[i][k] > logits[i][best]) {
                    best = k;
                }
            }
            right += best == va.labels()[i] ? 1 : 0;
        }
        double baseline = (double) right / va.size();
        TransferCheck check =
                new TransferCheck(
                        modelAccuracy,
                        baseline,
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
                        baseline,
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
