package ai.graft.spark;

import ai.graft.converter.FeatureTransform;
import java.nio.file.Path;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * What {@link SparkHeadTrainer#train} trains: the backbone and how it is cut, the images, the
 * logistic regression's settings and where the model goes. Immutable; {@link Builder#build()}
 * checks the values.
 */
public final class HeadTrainingOptions {

    private final Path backbone;
    private final String preprocess;
    private final String featureNode;
    private final String images;
    private final String valImages;
    private final double valFraction;
    private final long seed;
    private final int maxIter;
    private final Double regParam;
    private final FeatureTransform featureTransform;
    private final Path outDir;
    private final SparkClassifierOptions embedding;

    private HeadTrainingOptions(Builder b) {
        this.backbone = b.backbone;
        this.preprocess = b.preprocess;
        this.featureNode = b.featureNode;
        this.images = b.images;
        this.valImages = b.valImages;
        this.valFraction = b.valFraction;
        this.seed = b.seed;
        this.maxIter = b.maxIter;
        this.regParam = b.regParam;
        this.featureTransform = b.featureTransform;
        this.outDir = b.outDir;
        this.embedding = b.embedding;
    }

    /**
     * A builder with the required values and the defaults: validation fraction 0.2, seed 42, at
     * most 200 L-BFGS iterations, the signed square roots of the embeddings, the L2 regularisation
     * (on standardised features) chosen by cross-validation on the training embeddings, default
     * embedding options.
     *
     * @param backbone the backbone file (an ONNX classifier on the driver's disk)
     * @param images the folder of class folders ({@code DIR/CLASS/IMAGE}), local or a URI; when it
     *     holds {@code train/} and {@code val/}, they are the two sets
     * @param outDir the output folder on the driver's disk; created when missing
     * @return the builder
     */
    public static Builder builder(Path backbone, String images, Path outDir) {
        return new Builder(backbone, images, outDir);
    }

    /**
     * @return the backbone file
     */
    public Path backbone() {
        return backbone;
    }

    /**
     * @return the preprocessing override, or null for the backbone's card
     */
    public String preprocess() {
        return preprocess;
    }

    /**
     * @return the feature node, or null to find it
     */
    public String featureNode() {
        return featureNode;
    }

    /**
     * @return the training images' folder
     */
    public String images() {
        return images;
    }

    /**
     * @return the validation images' folder, or null to split {@link #images()}
     */
    public String valImages() {
        return valImages;
    }

    /**
     * @return the fraction of {@link #images()} held out when there is no validation folder
     */
    public double valFraction() {
        return valFraction;
    }

    /**
     * @return the seed of the split
     */
    public long seed() {
        return seed;
    }

    /**
     * @return the most L-BFGS iterations
     */
    public int maxIter() {
        return maxIter;
    }

    /**
     * @return the fixed L2 regularisation, or empty to choose it by cross-validation on the
     *     training embeddings
     */
    public OptionalDouble regParam() {
        return regParam == null ? OptionalDouble.empty() : OptionalDouble.of(regParam);
    }

    /**
     * @return what the head reads of each embedding
     */
    public FeatureTransform featureTransform() {
        return featureTransform;
    }

    /**
     * @return the output folder
     */
    public Path outDir() {
        return outDir;
    }

    /**
     * @return how executors compute the embeddings
     */
    public SparkClassifierOptions embedding() {
        return embedding;
    }

    /** Builds {@link HeadTrainingOptions}. */
    public static final class Builder {
        private final Path backbone;
        private final String images;
        private final Path outDir;
        private String preprocess;
        private String featureNode;
        private String valImages;
        private double valFraction = 0.2;
        private long seed = 42;
        private int maxIter = 200;
        private Double regParam;
        private FeatureTransform featureTransform = FeatureTransform.SQRT;
        private SparkClassifierOptions embedding = SparkClassifierOptions.defaults();

        private Builder(Path backbone, String images, Path outDir) {
            this.backbone = Objects.requireNonNull(backbone, "backbone");
            this.images = Objects.requireNonNull(images, "images");
            this.outDir = Objects.requireNonNull(outDir, "outDir");
        }

        /**
         * @param preprocess a preset name or preprocessing JSON, or null for the backbone's card
         * @return this
         */
        public Builder preprocess(String preprocess) {
            this.preprocess = preprocess;
            return this;
        }

        /**
         * @param featureNode the feature tensor or node, or null to find it
         * @return this
         */
        public Builder featureNode(String featureNode) {
            this.featureNode = featureNode;
            return this;
        }

        /**
         * @param valImages a folder of class folders for validation, or null to split
         * @return this
         */
        public Builder valImages(String valImages) {
            this.valImages = valImages;
            return this;
        }

        /**
         * @param valFraction in (0, 1): the share of images held out when there is no validation
         *     folder
         * @return this
         */
        public Builder valFraction(double valFraction) {
            this.valFraction = valFraction;
            return this;
        }

        /**
         * @param seed the split's seed
         * @return this
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * @param maxIter 1 to 100000 L-BFGS iterations
         * @return this
         */
        public Builder maxIter(int maxIter) {
            this.maxIter = maxIter;
            return this;
        }

        /**
         * @param regParam the L2 regularisation, 0 to 1000, fixed (no search); null to choose it by
         *     cross-validation (the default)
         * @return this
         */
        public Builder regParam(Double regParam) {
            this.regParam = regParam;
            return this;
        }

        /**
         * @param featureTransform what the head reads of each embedding (default: {@link
         *     FeatureTransform#SQRT})
         * @return this
         */
        public Builder featureTransform(FeatureTransform featureTransform) {
            this.featureTransform = Objects.requireNonNull(featureTransform, "featureTransform");
            return this;
        }

        /**
         * @param embedding how executors compute the embeddings (its output name is not used: the
         *     cut backbone's output is)
         * @return this
         */
        public Builder embedding(SparkClassifierOptions embedding) {
            this.embedding = Objects.requireNonNull(embedding, "embedding");
            return this;
        }

        /**
         * Checks and builds.
         *
         * @return the options
         * @throws IllegalArgumentException when a number is out of range or a name is blank
         */
        public HeadTrainingOptions build() {
            if (!(valFraction > 0 && valFraction < 1)) {
                throw new IllegalArgumentException(
                        "validation fraction " + valFraction + " is out of range, expected (0, 1)");
            }
            if (maxIter < 1 || maxIter > 100_000) {
                throw new IllegalArgumentException(
                        "max iterations " + maxIter + " is out of range, expected 1 to 100000");
            }
            if (regParam != null && !(regParam >= 0 && regParam <= 1000)) {
                throw new IllegalArgumentException(
                        "regularisation " + regParam + " is out of range, expected 0 to 1000");
            }
            if (images.isBlank()) {
                throw new IllegalArgumentException("No images folder given");
            }
            if (valImages != null && valImages.isBlank()) {
                throw new IllegalArgumentException("The validation folder is blank");
            }
            if (featureNode != null && featureNode.isBlank()) {
                throw new IllegalArgumentException("The feature node is blank");
            }
            return new HeadTrainingOptions(this);
        }
    }
}
