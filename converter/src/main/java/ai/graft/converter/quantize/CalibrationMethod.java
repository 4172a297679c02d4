package ai.graft.converter.quantize;

import java.util.Locale;

/**
 * How the range of an activation is chosen from what the calibration images produced.
 *
 * <p>{@link #MINMAX} keeps every value, so one outlier widens the step of all the others; {@link
 * #PERCENTILE} and {@link #ENTROPY} clip the tails from a histogram, which usually keeps more
 * precision where most values lie.
 */
public enum CalibrationMethod {
    /** The smallest and largest value seen. */
    MINMAX,
    /** The range that holds a percentile (99.99 % by default) of the values, from a histogram. */
    PERCENTILE,
    /**
     * The symmetric threshold whose 8-bit version of the histogram is closest in KL divergence to
     * the original (the method of TensorRT's INT8 calibration).
     */
    ENTROPY;

    /**
     * The name on the command line and in reports.
     *
     * @return {@code minmax}, {@code percentile} or {@code entropy}
     */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The method of a command-line name.
     *
     * @param name {@code minmax}, {@code percentile} or {@code entropy}, in any case
     * @return the method
     * @throws IllegalArgumentException for any other name, listing the accepted ones
     */
    public static CalibrationMethod fromCliName(String name) {
        for (CalibrationMethod m : values()) {
            if (m.cliName().equalsIgnoreCase(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException(
                "Unknown calibration method '"
                        + name
                        + "', expected minmax, percentile or entropy");
    }
}
