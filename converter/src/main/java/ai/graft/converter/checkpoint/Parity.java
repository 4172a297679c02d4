package ai.graft.converter.checkpoint;

import ai.graft.sdk.GraftException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How far an exported model's logits are from the trainer's on the same inputs, and whether that is
 * close enough to write the file. Made by {@link #of}, combined over batches with {@link #worst}.
 *
 * <pre>{@code
 * Parity p = Parity.of(trainerLogits, exportedLogits);
 * p.check(Path.of("model.onnx")); // throws when the export is off
 * }</pre>
 *
 * @param maxAbsDiff the largest absolute difference of two logits (infinite when one is NaN)
 * @param logitScale the largest absolute logit of the reference
 */
public record Parity(double maxAbsDiff, double logitScale) {
    /**
     * The largest accepted difference between the exported model's logits and the trainer's, as a
     * fraction of the largest logit (at least 1).
     */
    public static final double TOLERANCE = 1e-3;

    /** Parity over no logits at all: the start of {@link #worst}. */
    public static final Parity NONE = new Parity(0, 0);

    /**
     * Compares reference logits with the exported model's.
     *
     * @param reference the trainer's logits
     * @param got the exported model's logits, as many
     * @return the largest difference and the largest reference logit
     * @throws IllegalStateException when the counts differ
     */
    public static Parity of(float[] reference, float[] got) {
        if (reference.length != got.length) {
            throw new IllegalStateException(
                    "Logit counts differ: " + reference.length + " and " + got.length);
        }
        double max = 0;
        double scale = 0;
        for (int i = 0; i < reference.length; i++) {
            double d = Math.abs(reference[i] - got[i]);
            // NaN must fail the check, so it counts as infinitely far.
            max = Math.max(max, Double.isNaN(d) ? Double.POSITIVE_INFINITY : d);
            scale = Math.max(scale, Math.abs(reference[i]));
        }
        return new Parity(max, scale);
    }

    /**
     * The parity of this comparison and another together.
     *
     * @param other a comparison on other inputs
     * @return the larger difference and the larger scale
     */
    public Parity worst(Parity other) {
        return new Parity(
                Math.max(maxAbsDiff, other.maxAbsDiff), Math.max(logitScale, other.logitScale));
    }

    /**
     * Refuses an export whose logits differ by more than {@link #TOLERANCE} of the logit scale.
     *
     * @param target the file that would be written, named in the message
     * @throws GraftException when the difference is over the tolerance
     */
    public void check(Path target) throws GraftException {
        double allowed = TOLERANCE * Math.max(1, logitScale);
        if (!(maxAbsDiff <= allowed)) {
            throw new GraftException(
                    String.format(
                            Locale.ROOT,
                            "The exported model's logits differ from the trainer's by up to %.3g"
                                    + " (largest logit %.3g, tolerance %.3g); %s was not written."
                                    + " This is a bug: please report it with the backbone.",
                            maxAbsDiff,
                            logitScale,
                            allowed,
                            target));
        }
    }
}
