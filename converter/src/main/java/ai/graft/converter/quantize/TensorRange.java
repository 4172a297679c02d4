package ai.graft.converter.quantize;

/**
 * The float range that an activation is quantized over.
 *
 * @param min the smallest value represented
 * @param max the largest value represented, at least {@code min}
 */
public record TensorRange(float min, float max) {
    /**
     * Validates the range.
     *
     * @param min the smallest value
     * @param max the largest value
     * @throws IllegalArgumentException when a bound is not finite or {@code max < min}
     */
    public TensorRange {
        if (!Float.isFinite(min) || !Float.isFinite(max) || max < min) {
            throw new IllegalArgumentException("Invalid range [" + min + ", " + max + "]");
        }
    }
}
