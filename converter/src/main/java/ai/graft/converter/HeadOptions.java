package ai.graft.converter;

/**
 * How {@link ModelEditor#appendHead} grows a new classification head. Immutable; build with {@link
 * #builder(int)}.
 *
 * <pre>{@code
 * HeadOptions head = HeadOptions.builder(2).seed(42).softmax(false).build();
 * ModelProto classifier = ModelEditor.appendHead(featureExtractor, head);
 * }</pre>
 */
public final class HeadOptions {
    /** The layer type of the head. */
    public enum Kind {
        /**
         * A Gemm (fully connected) layer on a {@code [N, C]} input; 4-D inputs are pooled first.
         */
        LINEAR,
        /** A 1x1 Conv on a {@code [N, C, H, W]} input, then global average pooling and Flatten. */
        CONV_1X1
    }

    /** How the new weights start. */
    public enum Init {
        /**
         * As PyTorch initializes {@code nn.Linear} and {@code nn.Conv2d}: Kaiming-uniform with
         * {@code a = sqrt(5)}, so weight and bias are drawn from U(-1/sqrt(fanIn), 1/sqrt(fanIn)).
         */
        KAIMING_UNIFORM,
        /**
         * All weights and biases zero (a head that starts by predicting the uniform distribution).
         */
        ZERO
    }

    private final int classes;
    private final Kind kind;
    private final Init init;
    private final long seed;
    private final boolean softmax;
    private final String inputName;
    private final String outputName;
    private final String parameterPrefix;
    private final boolean keepOutputs;

    private HeadOptions(Builder b) {
        this.classes = b.classes;
        this.kind = b.kind;
        this.init = b.init;
        this.seed = b.seed;
        this.softmax = b.softmax;
        this.inputName = b.inputName;
        this.outputName = b.outputName;
        this.parameterPrefix = b.parameterPrefix;
        this.keepOutputs = b.keepOutputs;
    }

    /**
     * Starts options for a head with {@code classes} outputs.
     *
     * @param classes the number of classes, at least 1
     * @return a builder with the defaults: LINEAR, KAIMING_UNIFORM, seed 0, no softmax, input
     *     {@code features}, output {@code logits}, parameters named {@code head.weight} and {@code
     *     head.bias}, existing outputs kept
     */
    public static Builder builder(int classes) {
        return new Builder(classes);
    }

    /**
     * @return the number of classes
     */
    public int classes() {
        return classes;
    }

    /**
     * @return the layer type
     */
    public Kind kind() {
        return kind;
    }

    /**
     * @return how weights start
     */
    public Init init() {
        return init;
    }

    /**
     * @return the random seed of the initialization
     */
    public long seed() {
        return seed;
    }

    /**
     * @return whether a Softmax follows the head (output = probabilities)
     */
    public boolean softmax() {
        return softmax;
    }

    /**
     * @return the tensor the head reads
     */
    public String inputName() {
        return inputName;
    }

    /**
     * @return the name of the head's output
     */
    public String outputName() {
        return outputName;
    }

    /**
     * @return the prefix of the new initializers' names
     */
    public String parameterPrefix() {
        return parameterPrefix;
    }

    /**
     * @return whether the model's existing outputs stay (after the new one)
     */
    public boolean keepOutputs() {
        return keepOutputs;
    }

    /** Builds {@link HeadOptions}; {@link #build()} validates. */
    public static final class Builder {
        private final int classes;
        private Kind kind = Kind.LINEAR;
        private Init init = Init.KAIMING_UNIFORM;
        private long seed;
        private boolean softmax;
        private String inputName = "features";
        private String outputName = "logits";
        private String parameterPrefix = "head.";
        private boolean keepOutputs = true;

        private Builder(int classes) {
            this.classes = classes;
        }

        /**
         * @param kind the layer type
         * @return this builder
         */
        public Builder kind(Kind kind) {
            this.kind = kind;
            return this;
        }

        /**
         * @param init how weights start
         * @return this builder
         */
        public Builder init(Init init) {
            this.init = init;
            return this;
        }

        /**
         * @param seed the random seed of the initialization
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * @param softmax whether a Softmax follows the head
         * @return this builder
         */
        public Builder softmax(boolean softmax) {
            this.softmax = softmax;
            return this;
        }

        /**
         * @param inputName the tensor the head reads
         * @return this builder
         */
        public Builder inputName(String inputName) {
            this.inputName = inputName;
            return this;
        }

        /**
         * @param outputName the name of the head's output
         * @return this builder
         */
        public Builder outputName(String outputName) {
            this.outputName = outputName;
            return this;
        }

        /**
         * @param parameterPrefix prefix of the new initializers' names ({@code weight}, {@code
         *     bias} follow)
         * @return this builder
         */
        public Builder parameterPrefix(String parameterPrefix) {
            this.parameterPrefix = parameterPrefix;
            return this;
        }

        /**
         * @param keepOutputs whether the model's existing outputs stay, after the new one
         * @return this builder
         */
        public Builder keepOutputs(boolean keepOutputs) {
            this.keepOutputs = keepOutputs;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the options
         * @throws IllegalArgumentException if classes is below 1 or a name is empty
         */
        public HeadOptions build() {
            if (classes < 1) {
                throw new IllegalArgumentException("A head needs at least 1 class, got " + classes);
            }
            if (kind == null || init == null) {
                throw new IllegalArgumentException("Head kind and init must not be null");
            }
            for (String s : new String[] {inputName, outputName}) {
                if (s == null || s.isEmpty()) {
                    throw new IllegalArgumentException("Head input and output names must be set");
                }
            }
            if (parameterPrefix == null) {
                throw new IllegalArgumentException("Head parameter prefix must not be null");
            }
            return new HeadOptions(this);
        }
    }
}
