package ai.graft.converter.quantize;

/**
 * How {@link Int8Quantizer} quantizes: the calibration method, per-channel or per-tensor weights,
 * and the activations' 8-bit type.
 *
 * <pre>{@code
 * Int8Options o = Int8Options.builder().method(CalibrationMethod.ENTROPY).build();
 * }</pre>
 *
 * <p>Immutable.
 */
public final class Int8Options {
    /** The default percentile of {@link CalibrationMethod#PERCENTILE}. */
    public static final double DEFAULT_PERCENTILE = 99.99;

    private final CalibrationMethod method;
    private final double percentile;
    private final boolean perChannel;
    private final ActivationType activations;
    private final boolean reduceRange;

    private Int8Options(Builder b) {
        this.method = b.method;
        this.percentile = b.percentile;
        this.perChannel = b.perChannel;
        this.activations = b.activations;
        this.reduceRange = b.reduceRange;
    }

    /**
     * A builder with the defaults: entropy calibration, per-channel 7-bit weights, uint8
     * activations.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The defaults.
     *
     * @return entropy calibration, per-channel 7-bit weights, uint8 activations
     */
    public static Int8Options defaults() {
        return builder().build();
    }

    /**
     * The calibration method.
     *
     * @return the method
     */
    public CalibrationMethod method() {
        return method;
    }

    /**
     * The percentile of {@link CalibrationMethod#PERCENTILE}.
     *
     * @return percent, in (50, 100]
     */
    public double percentile() {
        return percentile;
    }

    /**
     * Whether weights have one scale per output channel.
     *
     * @return true per channel, false per tensor
     */
    public boolean perChannel() {
        return perChannel;
    }

    /**
     * The activations' type.
     *
     * @return int8 or uint8
     */
    public ActivationType activations() {
        return activations;
    }

    /**
     * Whether weights use 7 bits ({@code [-63, 63]}) instead of 8, so that uint8 activations times
     * weights cannot saturate AVX2's 16-bit sums.
     *
     * @return true for 7-bit weights
     */
    public boolean reduceRange() {
        return reduceRange;
    }

    /**
     * Builds {@link Int8Options}.
     *
     * <p>Why uint8 activations and 7-bit weights by default: ONNX Runtime's own quantizer defaults
     * to int8 activations (S8S8), but ONNX Runtime 1.21 on an x86 CPU with AVX2 and no VNNI fuses
     * only 2 of SqueezeNet 1.1's 26 QDQ Conv into QLinearConv with int8 activations, against 26 of
     * 26 with uint8 (U8S8). U8S8 with full 8-bit weights saturates there (top-1 agreement with
     * float fell from 94 % in exact QDQ arithmetic to 82 % on the integer kernels); 7-bit weights
     * remove the saturation, the remedy ONNX Runtime's documentation gives ({@code reduce_range}).
     */
    public static final class Builder {
        private CalibrationMethod method = CalibrationMethod.ENTROPY;
        private double percentile = DEFAULT_PERCENTILE;
        private boolean perChannel = true;
        private ActivationType activations = ActivationType.UINT8;
        private boolean reduceRange = true;

        private Builder() {}

        /**
         * Sets the calibration method; default entropy.
         *
         * @param method the method
         * @return this builder
         */
        public Builder method(CalibrationMethod method) {
            this.method = method;
            return this;
        }

        /**
         * Sets the percentile of the percentile method; default {@value #DEFAULT_PERCENTILE}.
         *
         * @param percentile percent, above 50 and at most 100
         * @return this builder
         */
        public Builder percentile(double percentile) {
            this.percentile = percentile;
            return this;
        }

        /**
         * Sets per-channel (default) or per-tensor weight scales.
         *
         * @param perChannel true for one scale per output channel
         * @return this builder
         */
        public Builder perChannel(boolean perChannel) {
            this.perChannel = perChannel;
            return this;
        }

        /**
         * Sets the activations' type; default uint8.
         *
         * @param activations the type
         * @return this builder
         */
        public Builder activations(ActivationType activations) {
            this.activations = activations;
            return this;
        }

        /**
         * Sets 7-bit (default) or 8-bit weights.
         *
         * @param reduceRange true for weights in {@code [-63, 63]}
         * @return this builder
         */
        public Builder reduceRange(boolean reduceRange) {
            this.reduceRange = reduceRange;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the options
         * @throws IllegalArgumentException for a null method or type, or a percentile outside (50,
         *     100]
         */
        public Int8Options build() {
            if (method == null || activations == null) {
                throw new IllegalArgumentException(
                        "Calibration method and activation type are required");
            }
            if (!(percentile > 50 && percentile <= 100)) {
                throw new IllegalArgumentException(
                        "Percentile must be above 50 and at most 100, got " + percentile);
            }
            return new Int8Options(this);
        }
    }
}
