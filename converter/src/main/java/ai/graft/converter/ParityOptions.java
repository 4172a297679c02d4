package ai.graft.converter;

import ai.graft.sdk.Preprocessing;
import java.nio.file.Path;
import java.util.List;

/**
 * How {@link ParityChecker} feeds two models. Immutable; build with {@link #builder()}.
 *
 * <pre>{@code
 * ParityOptions o = ParityOptions.builder().seed(7).batchSize(2).build();
 * }</pre>
 */
public final class ParityOptions {
    private final long seed;
    private final int batchSize;
    private final int randomRuns;
    private final List<Path> images;
    private final Preprocessing preprocessing;
    private final int intraOpThreads;

    private ParityOptions(Builder b) {
        this.seed = b.seed;
        this.batchSize = b.batchSize;
        this.randomRuns = b.randomRuns;
        this.images = List.copyOf(b.images);
        this.preprocessing = b.preprocessing;
        this.intraOpThreads = b.intraOpThreads;
    }

    /**
     * Starts options with the defaults: seed 0, batch size 1, one random run, no images, ONNX
     * Runtime's default thread count.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The defaults.
     *
     * @return options as {@link #builder()} starts them
     */
    public static ParityOptions defaults() {
        return builder().build();
    }

    /**
     * @return the seed of the random inputs
     */
    public long seed() {
        return seed;
    }

    /**
     * @return the batch size used where the batch dimension is symbolic
     */
    public int batchSize() {
        return batchSize;
    }

    /**
     * @return how many random batches are run
     */
    public int randomRuns() {
        return randomRuns;
    }

    /**
     * @return real images run one at a time, after the random batches
     */
    public List<Path> images() {
        return images;
    }

    /**
     * @return how images are preprocessed; null when there are none
     */
    public Preprocessing preprocessing() {
        return preprocessing;
    }

    /**
     * @return ONNX Runtime intra-op threads, 0 for its default
     */
    public int intraOpThreads() {
        return intraOpThreads;
    }

    /** Builds {@link ParityOptions}; {@link #build()} validates. */
    public static final class Builder {
        private long seed;
        private int batchSize = 1;
        private int randomRuns = 1;
        private List<Path> images = List.of();
        private Preprocessing preprocessing;
        private int intraOpThreads;

        private Builder() {}

        /**
         * @param seed the seed of the random inputs (standard normal values)
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * @param batchSize the batch size where the batch dimension is symbolic, at least 1
         * @return this builder
         */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /**
         * @param randomRuns how many random batches to run, at least 0
         * @return this builder
         */
        public Builder randomRuns(int randomRuns) {
            this.randomRuns = randomRuns;
            return this;
        }

        /**
         * Real images to run as well, preprocessed as the model expects.
         *
         * @param images the image files
         * @param preprocessing their preprocessing
         * @return this builder
         */
        public Builder images(List<Path> images, Preprocessing preprocessing) {
            this.images = images;
            this.preprocessing = preprocessing;
            return this;
        }

        /**
         * @param threads ONNX Runtime intra-op threads, 0 for its default
         * @return this builder
         */
        public Builder intraOpThreads(int threads) {
            this.intraOpThreads = threads;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the options
         * @throws IllegalArgumentException for a batch size below 1, negative runs or threads,
         *     images without preprocessing, or nothing to run
         */
        public ParityOptions build() {
            if (batchSize < 1) {
                throw new IllegalArgumentException(
                        "Batch size must be at least 1, got " + batchSize);
            }
            if (randomRuns < 0 || intraOpThreads < 0) {
                throw new IllegalArgumentException("Random runs and threads must not be negative");
            }
            if (images == null) {
                throw new IllegalArgumentException("Images must not be null");
            }
            if (!images.isEmpty() && preprocessing == null) {
                throw new IllegalArgumentException("Images need a preprocessing");
            }
            if (randomRuns == 0 && images.isEmpty()) {
                throw new IllegalArgumentException(
                        "Nothing to compare: no random runs and no images");
            }
            return new ParityOptions(this);
        }
    }
}
