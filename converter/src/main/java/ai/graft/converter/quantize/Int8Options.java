package ai.graft.converter.quantize;

import java.util.Set;

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

    /** The default of {@link Builder#fallbackNodes}. */
    public static final int DEFAULT_FALLBACK_NODES = 0;

    /** The default of {@link Builder#targetAgreement}: the 2 % disagreement a check tolerates. */
    public static final double DEFAULT_TARGET_AGREEMENT = 0.98;

    private final CalibrationMethod method;
    private final double percentile;
    private final boolean perChannel;
    private final ActivationType activations;
    private final boolean reduceRange;
    private final Set<String> keepFloat;
    private final int fallbackNodes;
    private final double targetAgreement;

    private Int8Options(Builder b) {
        this.method = b.method;
        this.percentile = b.percentile;
        this.perChannel = b.perChannel;
        this.activations = b.activations;
        this.reduceRange = b.reduceRange;
        this.keepFloat = Set.copyOf(b.keepFloat);
        this.fallbackNodes = b.fallbackNodes;
        this.targetAgreement = b.targetAgreement;
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
     * Nodes kept in float by name (or, for a node without a name, by its first output): they
     * compute in float on float inputs, with their weights stored in 8 bits. Where quantized
     * operators surround a kept layer, ONNX Runtime's QDQ propagation can still fuse it into an
     * integer kernel; {@link Int8Result#kernels()} shows what it runs.
     *
     * @return the names, unmodifiable; empty by default
     */
    public Set<String> keepFloat() {
        return keepFloat;
    }

    /**
     * The most weighted layers that the quantizer may keep in float, the most sensitive first, when
     * the fully quantized model's top-1 agreement with the float model on the calibration images is
     * below {@link #targetAgreement()}.
     *
     * @return a count, 0 for none
     */
    public int fallbackNodes() {
        return fallbackNodes;
    }

    /**
     * The top-1 agreement on the calibration images below which layers are kept in float.
     *
     * @return a share, in [0, 1]
     */
    public double targetAgreement() {
        return targetAgreement;
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
        private Set<String> keepFloat = Set.of();
        private int fallbackNodes = DEFAULT_FALLBACK_NODES;
        private double targetAgreement = DEFAULT_TARGET_AGREEMENT;

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
         * Sets nodes to keep in float, by name (or first output for a node without a name); default
         * none. Names that match no node are ignored.
         *
         * @param nodes the names
         * @return this builder
         */
        public Builder keepFloat(Set<String> nodes) {
            this.keepFloat = nodes;
            return this;
        }

        /**
         * Sets the most layers kept in float when the fully quantized model agrees too little;
         * default {@value #DEFAULT_FALLBACK_NODES}, 0 for none.
         *
         * @param nodes a count, at least 0
         * @return this builder
         */
        public Builder fallbackNodes(int nodes) {
            this.fallbackNodes = nodes;
            return this;
        }

        /**
         * Sets the top-1 agreement on the calibration images that the layers kept in float should
         * restore; default {@value #DEFAULT_TARGET_AGREEMENT}.
         *
         * @param agreement a share, in [0, 1]
         * @return this builder
         */
        public Builder targetAgreement(double agreement) {
            this.targetAgreement = agreement;
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
            if (method == null || activations == null || keepFloat == null) {
                throw new IllegalArgumentException(
                        "Calibration method, activation type and kept nodes are required");
            }
            if (!(percentile > 50 && percentile <= 100)) {
                throw new IllegalArgumentException(
                        "Percentile must be above 50 and at most 100, got " + percentile);
            }
            if (fallbackNodes < 0) {
                throw new IllegalArgumentException(
                        "Layers kept in float must be 0 or more, got " + fallbackNodes);
            }
            if (!(targetAgreement >= 0 && targetAgreement <= 1)) {
                throw new IllegalArgumentException(
                        "Target agreement must be within [0, 1], got " + targetAgreement);
            }
            return new Int8Options(this);
        }
    }
}
