package ai.graft.spark;

import ai.graft.sdk.ImageClassifierOptions;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;

/**
 * How executors run a model: images per ONNX Runtime run, categories kept, threads of one run, and
 * the preprocessing and output overrides. Immutable and serializable: it travels to the executors
 * with the job.
 */
public final class SparkClassifierOptions implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The largest accepted batch size. */
    public static final int MAX_BATCH_SIZE = 4096;

    /** The largest accepted top-k. */
    public static final int MAX_TOP_K = 1000;

    private final int batchSize;
    private final int topK;
    private final int intraOpThreads;
    private final String preprocessing;
    private final String outputName;
    private final List<String> labels;

    private SparkClassifierOptions(Builder b) {
        this.batchSize = b.batchSize;
        this.topK = b.topK;
        this.intraOpThreads = b.intraOpThreads;
        this.preprocessing = b.preprocessing;
        this.outputName = b.outputName;
        this.labels = b.labels;
    }

    /**
     * A builder with the defaults: batches of 32, top 5, one ONNX Runtime thread per task (Spark
     * runs one task per executor core), the model's own preprocessing and outputs.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The defaults of {@link #builder()}.
     *
     * @return the options
     */
    public static SparkClassifierOptions defaults() {
        return builder().build();
    }

    /**
     * A builder holding these options.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.batchSize = batchSize;
        b.topK = topK;
        b.intraOpThreads = intraOpThreads;
        b.preprocessing = preprocessing;
        b.outputName = outputName;
        b.labels = labels;
        return b;
    }

    /**
     * Images per ONNX Runtime run within a partition.
     *
     * @return at least 1
     */
    public int batchSize() {
        return batchSize;
    }

    /**
     * Categories kept per image.
     *
     * @return at least 1
     */
    public int topK() {
        return topK;
    }

    /**
     * ONNX Runtime's intra-op threads for each run; 0 lets ONNX Runtime choose (every core of the
     * executor's machine, which oversubscribes it when several tasks run at once).
     *
     * @return at least 0
     */
    public int intraOpThreads() {
        return intraOpThreads;
    }

    /**
     * A preprocessing preset name or JSON overriding the model's card, or null.
     *
     * @return the override or null
     */
    public String preprocessing() {
        return preprocessing;
    }

    /**
     * The output an embedding is read from, or null for the card's {@code graft.embedding.output}.
     *
     * @return the output name or null
     */
    public String outputName() {
        return outputName;
    }

    /**
     * Class labels overriding the model's, index = class index, or null. They travel with the job,
     * so that a model without a card needs no file beside it on the executors.
     *
     * @return the labels or null
     */
    public List<String> labels() {
        return labels;
    }

    /**
     * The SDK options an executor (or the driver's check) opens the model with.
     *
     * @return the options
     */
    ImageClassifierOptions sdkOptions() {
        ImageClassifierOptions.Builder b =
                ImageClassifierOptions.builder().topK(topK).intraOpThreads(intraOpThreads);
        if (preprocessing != null) {
            b.preprocessing(preprocessing);
        }
        if (labels != null) {
            b.labels(labels);
        }
        return b.build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SparkClassifierOptions other
                && batchSize == other.batchSize
                && topK == other.topK
                && intraOpThreads == other.intraOpThreads
                && Objects.equals(preprocessing, other.preprocessing)
                && Objects.equals(outputName, other.outputName)
                && Objects.equals(labels, other.labels);
    }

    @Override
    public int hashCode() {
        return Objects.hash(batchSize, topK, intraOpThreads, preprocessing, outputName, labels);
    }

    @Override
    public String toString() {
        return "SparkClassifierOptions{batchSize="
                + batchSize
                + ", topK="
                + topK
                + ", intraOpThreads="
                + intraOpThreads
                + ", preprocessing="
                + preprocessing
                + ", outputName="
                + outputName
                + ", labels="
                + (labels == null ? null : labels.size() + " labels")
                + "}";
    }

    /** Builds {@link SparkClassifierOptions}; {@link #build()} checks the values. */
    public static final class Builder {
        private int batchSize = 32;
        private int topK = 5;
        private int intraOpThreads = 1;
        private String preprocessing;
        private String outputName;
        private List<String> labels;

        private Builder() {}

        /**
         * Sets the images per run.
         *
         * @param batchSize 1 to {@value SparkClassifierOptions#MAX_BATCH_SIZE}
         * @return this
         */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Sets the categories kept per image.
         *
         * @param topK 1 to {@value SparkClassifierOptions#MAX_TOP_K}
         * @return this
         */
        public Builder topK(int topK) {
            this.topK = topK;
            return this;
        }

        /**
         * Sets ONNX Runtime's threads per run.
         *
         * @param intraOpThreads 0 (ONNX Runtime chooses) to 1024
         * @return this
         */
        public Builder intraOpThreads(int intraOpThreads) {
            this.intraOpThreads = intraOpThreads;
            return this;
        }

        /**
         * Overrides the model's preprocessing.
         *
         * @param preprocessing a preset name ({@code imagenet}, {@code caffe}, {@code raw}, {@code
         *     unit}) or a preprocessing JSON; null for the model's card
         * @return this
         */
        public Builder preprocessing(String preprocessing) {
            this.preprocessing = preprocessing;
            return this;
        }

        /**
         * Names the output an embedding is read from.
         *
         * @param outputName the output, or null for the card's
         * @return this
         */
        public Builder outputName(String outputName) {
            this.outputName = outputName;
            return this;
        }

        /**
         * Overrides the model's class labels.
         *
         * @param labels the labels, index = class index; null for the model's
         * @return this
         */
        public Builder labels(List<String> labels) {
            this.labels = labels == null ? null : List.copyOf(labels);
            return this;
        }

        /**
         * Checks and builds.
         *
         * @return the options
         * @throws IllegalArgumentException when a number is out of range or a name is blank
         */
        public SparkClassifierOptions build() {
            if (batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
                throw new IllegalArgumentException(
                        "batch size "
                                + batchSize
                                + " is out of range, expected 1 to "
                                + MAX_BATCH_SIZE);
            }
            if (topK < 1 || topK > MAX_TOP_K) {
                throw new IllegalArgumentException(
                        "top-k " + topK + " is out of range, expected 1 to " + MAX_TOP_K);
            }
            if (intraOpThreads < 0 || intraOpThreads > 1024) {
                throw new IllegalArgumentException(
                        "intra-op threads "
                                + intraOpThreads
                                + " is out of range, expected 0 (ONNX Runtime chooses) to 1024");
            }
            if (preprocessing != null && preprocessing.isBlank()) {
                throw new IllegalArgumentException(
                        "preprocessing is blank; expected a preset name or JSON, or none");
            }
            if (outputName != null && outputName.isBlank()) {
                throw new IllegalArgumentException(
                        "output name is blank; expected an output of the model, or none");
            }
            if (labels != null && labels.isEmpty()) {
                throw new IllegalArgumentException("labels are empty; expected one a class");
            }
            return new SparkClassifierOptions(this);
        }
    }
}
