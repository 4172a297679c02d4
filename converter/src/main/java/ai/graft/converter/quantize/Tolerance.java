package ai.graft.converter.quantize;

/**
 * The loss a quantized model may have before it is refused, unless the user states another: 1 point
 * of accuracy when labelled images measured both models, else 2 % of images whose best class
 * changed. {@code graft quantize} and {@code graft train --quantize} judge by the same figures.
 */
public final class Tolerance {
    /** The default tolerance with labelled images: points of accuracy. */
    public static final double ACCURACY_POINTS = 1;

    /**
     * The default tolerance without labelled images: percent of images whose best class changed.
     */
    public static final double DISAGREEMENT_PERCENT = 2;

    private Tolerance() {}

    /**
     * The default tolerance for a report, in the unit {@link QuantizationReport#within} reads it.
     *
     * @param report what the quantizer measured
     * @return {@link #ACCURACY_POINTS} when it measured accuracy, else {@link
     *     #DISAGREEMENT_PERCENT}
     */
    public static double defaultFor(QuantizationReport report) {
        return report.accuracy() != null ? ACCURACY_POINTS : DISAGREEMENT_PERCENT;
    }

    /**
     * What a tolerance of a report is measured in, in words.
     *
     * @param report what the quantizer measured
     * @return {@code accuracy points} or {@code top-1 disagreement %}
     */
    public static String unitOf(QuantizationReport report) {
        return report.accuracy() != null ? "accuracy points" : "top-1 disagreement %";
    }
}
