package ai.graft.trainer.compare;

import java.util.Arrays;
import java.util.Locale;

/**
 * The number format a compared model runs in. Each trained (or finished) model is measured once per
 * precision asked for; {@link #FP32} is the model as trained, {@link #INT8} and {@link #FP16} are
 * the quantizer's versions of it ({@code graft quantize}, through {@link
 * ai.graft.trainer.QuantizedModels}).
 */
public enum Precision {
    /** Float32 weights and activations: the exported model itself. */
    FP32,
    /** INT8 weights and activations (static QDQ quantization, calibrated). */
    INT8,
    /** Float16 weights and activations, float32 inputs and outputs. */
    FP16;

    /**
     * The name used on the command line and in reports.
     *
     * @return the lower-case name, for example {@code fp32}
     */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The quantizer's name for this precision.
     *
     * @return the converter's precision of the same number format
     */
    public ai.graft.converter.quantize.Precision quantizerPrecision() {
        return switch (this) {
            case FP32 -> ai.graft.converter.quantize.Precision.FP32;
            case INT8 -> ai.graft.converter.quantize.Precision.INT8_QDQ;
            case FP16 -> ai.graft.converter.quantize.Precision.FP16;
        };
    }

    /**
     * Parses a command-line name.
     *
     * @param name for example {@code int8}
     * @return the precision
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Precision fromName(String name) {
        for (Precision p : values()) {
            if (p.cliName().equalsIgnoreCase(name == null ? "" : name.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException(
                "Unknown precision '"
                        + name
                        + "', expected one of "
                        + Arrays.stream(values()).map(Precision::cliName).toList());
    }
}
