package ai.graft.converter;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a linear head grown on a feature extractor reads of each embedding before standardising it
 * ({@code graft train --strategy features} and {@code graft spark train}): the signed square root
 * ({@code sign(x) sqrt(|x|)}, "power normalisation", which damps the few large activations of
 * pooled ReLU features so that the many small ones weigh too; the exported graph computes it with
 * {@link ModelEditor#appendSignedSqrt}), or the embedding as it is.
 */
public enum FeatureTransform {
    /** {@code sign(x) sqrt(|x|)}. */
    SQRT,
    /** The embedding as it is. */
    NONE;

    /**
     * Parses a command-line name.
     *
     * @param name {@code sqrt} or {@code none} (any case)
     * @return the transform
     * @throws IllegalArgumentException naming the value and the accepted ones
     */
    public static FeatureTransform fromName(String name) {
        for (FeatureTransform t : values()) {
            if (t.name().equalsIgnoreCase(name == null ? "" : name.trim())) {
                return t;
            }
        }
        throw new IllegalArgumentException(
                "Unknown feature transform '"
                        + name
                        + "', expected one of "
                        + Arrays.stream(values()).map(FeatureTransform::cliName).toList());
    }

    /**
     * @return the lower-case name
     */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The transform of one value, as the exported graph computes it.
     *
     * @param v the value
     * @return the transformed value
     */
    public double apply(double v) {
        if (this == NONE) {
            return v;
        }
        return v >= 0 ? Math.sqrt(v) : -Math.sqrt(-v);
    }
}
