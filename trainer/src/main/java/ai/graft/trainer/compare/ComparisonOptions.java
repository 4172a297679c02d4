package ai.graft.trainer.compare;

import ai.graft.converter.zoo.BackboneZoo;
import ai.graft.sdk.Device;
import ai.graft.sdk.Preprocessing;
import ai.graft.trainer.Strategy;
import ai.graft.trainer.TrainingDefaults;
import ai.graft.trainer.TrainingOptions;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * What a comparison weighs and how: the backbones, strategies and precisions whose every
 * combination is trained and measured, the budgets that pick the best model, and the training
 * settings all runs share. Immutable; build with {@link #builder(Path, List, Path)}, whose {@link
 * Builder#build()} validates.
 *
 * <pre>{@code
 * ComparisonOptions options =
 *         ComparisonOptions.builder(Path.of("photos"), List.of("squeezenet.onnx", "smallcnn"),
 *                         Path.of("compare"))
 *                 .strategies(List.of(Strategy.FEATURES, Strategy.FINETUNE))
 *                 .maxLatencyMs(20.0)
 *                 .build();
 * }</pre>
 *
 * <p>Settings left unset take each strategy's own defaults ({@link TrainingDefaults}), as {@code
 * graft train} does.
 */
public final class ComparisonOptions {
    /** Timed classifications per model unless told otherwise. */
    public static final int DEFAULT_LATENCY_RUNS = 50;

    private final Path data;
    private final List<String> backbones;
    private final Path outDir;
    private final List<Strategy> strategies;
    private final List<Precision> precisions;
    private final Double maxLatencyMs;
    private final Double maxSizeMb;
    private final String preprocess;
    private final int imageSize;
    private final Integer epochs;
    private final long seed;
    private final double valFraction;
    private final int minPerClass;
    private final int perClass;
    private final Device device;
    private final int threads;
    private final int latencyRuns;

    private ComparisonOptions(Builder b) {
        data = b.data;
        backbones = List.copyOf(b.backbones);
        outDir = b.outDir;
        strategies = List.copyOf(b.strategies);
        precisions = List.copyOf(b.precisions);
        maxLatencyMs = b.maxLatencyMs;
        maxSizeMb = b.maxSizeMb;
        preprocess = b.preprocess;
        imageSize = b.imageSize;
        epochs = b.epochs;
        seed = b.seed;
        valFraction = b.valFraction;
        minPerClass = b.minPerClass;
        perClass = b.perClass;
        device = b.device;
        threads = b.threads;
        latencyRuns = b.latencyRuns;
    }

    /**
     * Starts options with the defaults: strategy {@code features}, precision {@code fp32}, no
     * budgets.
     *
     * @param data a folder of class folders (or train/val/test), a CSV manifest or an IDX folder
     * @param backbones ONNX files or zoo architecture names; a file whose model card's labels are
     *     the data's classes is a finished model, measured without training
     * @param outDir where each combination's run, the split and the reports go
     * @return the builder
     */
    public static Builder builder(Path data, List<String> backbones, Path outDir) {
        return new Builder(data, backbones, outDir);
    }

    /**
     * @return the dataset path
     */
    public Path data() {
        return data;
    }

    /**
     * @return the backbones (files or zoo names), in the order given
     */
    public List<String> backbones() {
        return backbones;
    }

    /**
     * @return the output folder
     */
    public Path outDir() {
        return outDir;
    }

    /**
     * @return the strategies each backbone trains with
     */
    public List<Strategy> strategies() {
        return strategies;
    }

    /**
     * @return the precisions each model is measured in
     */
    public List<Precision> precisions() {
        return precisions;
    }

    /**
     * @return the largest median latency (ms) the best model may have, or null for no budget
     */
    public Double maxLatencyMs() {
        return maxLatencyMs;
    }

    /**
     * @return the largest file (MB, 10^6 bytes) the best model may have, or null for no budget
     */
    public Double maxSizeMb() {
        return maxSizeMb;
    }

    /**
     * @return the seed of the splits and of every run
     */
    public long seed() {
        return seed;
    }

    /**
     * @return the validation share when the data has no validation split
     */
    public double valFraction() {
        return valFraction;
    }

    /**
     * @return the fewest images a class may have
     */
    public int minPerClass() {
        return minPerClass;
    }

    /**
     * @return timed classifications per model for its latency
     */
    public int latencyRuns() {
        return latencyRuns;
    }

    /**
     * The training options of one combination: the shared settings, with the image size applied to
     * a zoo architecture's preprocessing (a file keeps its own input size).
     *
     * @param backbone the backbone file or zoo name
     * @param strategy the strategy
     * @param trainingData the data to train on (the split without its test images)
     * @param runDir the combination's own output folder
     * @return the validated options
     * @throws IllegalArgumentException when the trainer refuses the combination
     */
    public TrainingOptions training(
            String backbone, Strategy strategy, Path trainingData, Path runDir) {
        String pre = preprocess;
        if (imageSize > 0 && BackboneZoo.names().contains(backbone)) {
            pre =
                    Preprocessing.parse(pre == null ? "imagenet" : pre, imageSize, imageSize)
                            .toJson();
        }
        TrainingOptions.Builder b =
                TrainingOptions.builder(trainingData, backbone, runDir)
                        .strategy(strategy)
                        .preprocess(pre)
                        .seed(seed)
                        .valFraction(valFraction)
                        .minPerClass(minPerClass)
                        .perClass(perClass)
                        .device(device)
                        .threads(threads);
        if (epochs != null && strategy.trainsGraph()) {
            // features solves its head: it has no epochs
            b.epochs(epochs);
        }
        return b.build();
    }

    /** Builds {@link ComparisonOptions}; {@link #build()} validates. */
    public static final class Builder {
        private final Path data;
        private final List<String> backbones;
        private final Path outDir;
        private List<Strategy> strategies = List.of(Strategy.FEATURES);
        private List<Precision> precisions = List.of(Precision.FP32);
        private Double maxLatencyMs;
        private Double maxSizeMb;
        private String preprocess;
        private int imageSize;
        private Integer epochs;
        private long seed = TrainingDefaults.SEED;
        private double valFraction = TrainingDefaults.VAL_FRACTION;
        private int minPerClass = TrainingDefaults.MIN_PER_CLASS;
        private int perClass;
        private Device device = Device.CPU;
        private int threads;
        private int latencyRuns = DEFAULT_LATENCY_RUNS;

        private Builder(Path data, List<String> backbones, Path outDir) {
            this.data = data;
            this.backbones = backbones;
            this.outDir = outDir;
        }

        /**
         * @param strategies the strategies each backbone trains with, at least one, no repeats
         * @return this builder
         */
        public Builder strategies(List<Strategy> strategies) {
            this.strategies = strategies;
            return this;
        }

        /**
         * @param precisions the precisions each model is measured in, at least one, no repeats
         * @return this builder
         */
        public Builder precisions(List<Precision> precisions) {
            this.precisions = precisions;
            return this;
        }

        /**
         * @param maxLatencyMs the largest median end-to-end latency of the best model, above 0;
         *     null for no budget
         * @return this builder
         */
        public Builder maxLatencyMs(Double maxLatencyMs) {
            this.maxLatencyMs = maxLatencyMs;
            return this;
        }

        /**
         * @param maxSizeMb the largest file of the best model in MB (10^6 bytes), above 0; null for
         *     no budget
         * @return this builder
         */
        public Builder maxSizeMb(Double maxSizeMb) {
            this.maxSizeMb = maxSizeMb;
            return this;
        }

        /**
         * @param preprocess a preprocessing preset or JSON for every backbone; null to use each
         *     backbone's card (a zoo architecture's default: imagenet)
         * @return this builder
         */
        public Builder preprocess(String preprocess) {
            this.preprocess = preprocess;
            return this;
        }

        /**
         * @param imageSize the input side of the zoo architectures, 0 for each one's default
         * @return this builder
         */
        public Builder imageSize(int imageSize) {
            this.imageSize = imageSize;
            return this;
        }

        /**
         * @param epochs the most epochs of every graph-strategy run ({@code features} solves its
         *     head and has none); null for each strategy's default
         * @return this builder
         */
        public Builder epochs(Integer epochs) {
            this.epochs = epochs;
            return this;
        }

        /**
         * @param seed the seed of the splits and of every run
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * @param valFraction the validation share when the data has no validation split, in (0, 1)
         * @return this builder
         */
        public Builder valFraction(double valFraction) {
            this.valFraction = valFraction;
            return this;
        }

        /**
         * @param minPerClass the fewest images a class may have, at least 1
         * @return this builder
         */
        public Builder minPerClass(int minPerClass) {
            this.minPerClass = minPerClass;
            return this;
        }

        /**
         * @param perClass the most training images per class, 0 for all (the test set stays whole)
         * @return this builder
         */
        public Builder perClass(int perClass) {
            this.perClass = perClass;
            return this;
        }

        /**
         * @param device where the runs train (and {@code features} embeds)
         * @return this builder
         */
        public Builder device(Device device) {
            this.device = device;
            return this;
        }

        /**
         * @param threads threads reading images, 0 for one per core
         * @return this builder
         */
        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        /**
         * @param latencyRuns timed classifications per model, at least 1
         * @return this builder
         */
        public Builder latencyRuns(int latencyRuns) {
            this.latencyRuns = latencyRuns;
            return this;
        }

        /**
         * Validates and builds. The training settings are checked as a training run checks them,
         * once, on the first backbone and strategy.
         *
         * @return the options
         * @throws IllegalArgumentException naming the bad value
         */
        public ComparisonOptions build() {
            Objects.requireNonNull(data, "data");
            Objects.requireNonNull(outDir, "outDir");
            nonEmptyDistinct(backbones, "backbone");
            for (String b : backbones) {
                if (b == null || b.isBlank()) {
                    throw new IllegalArgumentException("A backbone name is blank in " + backbones);
                }
            }
            nonEmptyDistinct(strategies, "strategy");
            nonEmptyDistinct(precisions, "precision");
            budget(maxLatencyMs, "max latency (ms)");
            budget(maxSizeMb, "max size (MB)");
            if (imageSize < 0 || imageSize > BackboneZoo.MAX_INPUT_SIZE) {
                throw new IllegalArgumentException(
                        "Image size must be 0 (each architecture's default) or up to "
                                + BackboneZoo.MAX_INPUT_SIZE
                                + ", got "
                                + imageSize);
            }
            for (String b : backbones) {
                if (imageSize > 0
                        && BackboneZoo.names().contains(b)
                        && imageSize < BackboneZoo.minInputSize(b)) {
                    throw new IllegalArgumentException(
                            "Image size "
                                    + imageSize
                                    + " is below what "
                                    + b
                                    + " takes, "
                                    + BackboneZoo.minInputSize(b));
                }
                if (imageSize > 0
                        && BackboneZoo.names().contains(b)
                        && imageSize % BackboneZoo.inputSizeMultiple(b) != 0) {
                    throw new IllegalArgumentException(
                            "Image size "
                                    + imageSize
                                    + " is not a multiple of "
                                    + BackboneZoo.inputSizeMultiple(b)
                                    + ", which "
                                    + b
                                    + " needs (its patch side)");
                }
            }
            if (latencyRuns < 1) {
                throw new IllegalArgumentException(
                        "Latency runs must be at least 1, got " + latencyRuns);
            }
            ComparisonOptions o = new ComparisonOptions(this);
            // The shared training settings fail here, once, rather than in every run.
            o.training(backbones.get(0), strategies.get(0), data, outDir);
            return o;
        }

        private static void nonEmptyDistinct(List<?> values, String what) {
            if (values == null || values.isEmpty()) {
                throw new IllegalArgumentException("At least one " + what + " is needed");
            }
            if (new HashSet<>(values).size() != values.size()) {
                throw new IllegalArgumentException(
                        "A " + what + " is listed twice in " + values + "; list each once");
            }
        }

        private static void budget(Double value, String what) {
            if (value != null && !(value > 0 && Double.isFinite(value))) {
                throw new IllegalArgumentException(
                        what + " must be a number above 0, got " + value);
            }
        }
    }
}
