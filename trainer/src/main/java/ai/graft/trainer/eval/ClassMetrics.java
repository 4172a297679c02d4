package ai.graft.trainer.eval;

/**
 * How well a classifier does on one class.
 *
 * <p>A quantity whose denominator is zero is {@link Double#NaN} rather than a made-up 0 or 1:
 * recall for a class with no images, precision for a class that was never predicted, and F1 when
 * both hold. Reports show NaN as a dash and JSON as {@code null}.
 *
 * @param label the class name
 * @param support how many evaluated images truly belong to this class
 * @param precision of the images predicted as this class, the share that belong to it
 * @param recall of the images of this class, the share predicted as it
 * @param f1 the harmonic mean of precision and recall, {@code 2TP / (2TP + FP + FN)}
 */
public record ClassMetrics(String label, int support, double precision, double recall, double f1) {}
