package ai.graft.trainer;

import ai.graft.converter.FeatureTransform;
import ai.graft.converter.quantize.Precision;
import ai.graft.sdk.Device;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * What a training run trains, from what, and how. Immutable; build with {@link #builder(Path,
 * String, Path)}, whose {@link Builder#build()} validates and fills in the defaults of the chosen
 * {@link Strategy}.
 *
 * <pre>{@code
 * TrainingOptions options =
 *         TrainingOptions.builder(Path.of("photos"), "squeezenet1.1.onnx", Path.of("out"))
 *                 .strategy(Strategy.FINETUNE)
 *                 .preprocess("caffe")
 *                 .build();
 * }</pre>
 *
 * <p>The defaults, per strategy, are those of {@link TrainingDefaults}; they reach a good model
 * without tuning. The graph strategies augment training images ({@code Augmentation.forInput}) and
 * write a checkpoint each epoch.
 *
 * <p>Small sets are where defaults fail: with 8 images a class an epoch is one step, so the warm-up
 * is no warm-up. The graph strategies therefore start the new head near zero on pretrained
 * features, and watch each epoch: when the training and validation losses both rise well above the
 * starting loss (or are not finite), the weights go back to the best epoch's (or the start), the
 * learning rate is halved, and the log and the report say so; after three halvings a run that still
 * diverges stops and names a smaller {@code --lr} to try.
 */
public final class TrainingOptions {
    /** The optimizer of the graph strategies ({@code features} always uses AdamW). */
    public enum Optimizer {
        /** Stochastic gradient descent with (heavy-ball) momentum and L2 weight decay. */
        SGD,
        /** Adam with decoupled weight decay. */
        ADAMW;

        /**
         * Parses a command-line name.
         *
         * @param name {@code sgd} or {@code adamw}
         * @return the optimizer
         * @throws IllegalArgumentException naming the accepted values
         */
        public static Optimizer fromName(String name) {
            return parse(values(), name, "optimizer");
        }

        /**
         * @return the lower-case name
         */
        public String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How the learning rate changes after the linear warm-up. */
    public enum Schedule {
        /** A half cosine from the peak down to 1 % of it at the last step. */
        COSINE,
        /** The peak, multiplied by {@link #stepGamma()} every {@link #stepEpochs()} epochs. */
        STEP;

        /**
         * Parses a command-line name.
         *
         * @param name {@code cosine} or {@code step}
         * @return the schedule
         * @throws IllegalArgumentException naming the accepted values
         */
        public static Schedule fromName(String name) {
            return parse(values(), name, "schedule");
        }

        /**
         * @return the lower-case name
         */
        public String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The head the {@code features} strategy trains on the cached embeddings. */
    public enum Head {
        /** Softmax regression (multinomial logistic regression): scores are logits. */
        SOFTMAX,
        /**
         * A linear support vector machine (multiclass hinge loss, L2 regularised through the weight
         * decay): scores are margins, which the SDK turns into softmax scores for display.
         */
        SVM;

        /**
         * Parses a command-line name.
         *
         * @param name {@code softmax} or {@code svm}
         * @return the head
         * @throws IllegalArgumentException naming the accepted values
         */
        public static Head fromName(String name) {
            return parse(values(), name, "head");
        }

        /**
         * @return the lower-case name
         */
        public String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The checkpoint folder's name in the output folder, unless another is given. */
    public static final String CHECKPOINT_DIR = "checkpoints";

    private final Path data;
    private final String backbone;
    private final Path outDir;
    private final Strategy strategy;
    private final String preprocess;
    private final String featureNode;
    private final int epochs;
    private final double learningRate;
    private final double weightDecay;
    private final double labelSmoothing;
    private final boolean classWeights;
    private final long seed;
    private final double valFraction;
    private final int minPerClass;
    private final int perClass;
    private final Path classNames;
    private final Device device;
    private final int batchSize;
    private final int warmupEpochs;
    private final int patience;
    private final int threads;
    private final int unfreeze;
    private final Optimizer optimizer;
    private final Schedule schedule;
    private final Head head;
    private final FeatureTransform featureTransform;
    private final double momentum;
    private final double backboneLrFactor;
    private final double layerDecay;
    private final int stepEpochs;
    private final double stepGamma;
    private final boolean augment;
    private final Path checkpointDir;
    private final Path resume;
    private final Precision quantize;

    private TrainingOptions(Builder b) {
        data = b.data;
        backbone = b.backbone;
        outDir = b.outDir;
        strategy = b.strategy;
        preprocess = b.preprocess;
        featureNode = b.featureNode;
        labelSmoothing = b.labelSmoothing;
        classWeights = b.classWeights;
        seed = b.seed;
        valFraction = b.valFraction;
        minPerClass = b.minPerClass;
        perClass = b.perClass;
        classNames = b.classNames;
        device = b.device;
        threads = b.threads;
        augment = b.augment;
        resume = b.resume;
        quantize = b.quantize;
        momentum = b.momentum;
        stepGamma = b.stepGamma;
        boolean graph = strategy.trainsGraph();
        optimizer = or(b.optimizer, graph ? Optimizer.SGD : Optimizer.ADAMW);
        schedule = or(b.schedule, Schedule.COSINE);
        head = or(b.head, Head.SOFTMAX);
        featureTransform = or(b.featureTransform, FeatureTransform.SQRT);
        boolean sgd = optimizer == Optimizer.SGD;
        boolean scratch = strategy == Strategy.SCRATCH;
        epochs =
                or(
                        b.epochs,
                        switch (strategy) {
                            case FEATURES -> TrainingDefaults.FEATURES_EPOCHS;
                            case FINETUNE -> TrainingDefaults.FINETUNE_EPOCHS;
                            case FULL -> TrainingDefaults.FULL_EPOCHS;
                            case SCRATCH -> TrainingDefaults.SCRATCH_EPOCHS;
                        });
        learningRate =
                or(
                        b.learningRate,
                        graph && !sgd
                                ? TrainingDefaults.ADAMW_LEARNING_RATE
                                : TrainingDefaults.LEARNING_RATE);
        weightDecay =
                or(
                        b.weightDecay,
                        !sgd
                                ? TrainingDefaults.ADAMW_WEIGHT_DECAY
                                : scratch
                                        ? TrainingDefaults.SCRATCH_SGD_WEIGHT_DECAY
                                        : TrainingDefaults.SGD_WEIGHT_DECAY);
        batchSize =
                or(
                        b.batchSize,
                        graph
                                ? TrainingDefaults.GRAPH_BATCH_SIZE
                                : TrainingDefaults.FEATURES_BATCH_SIZE);
        warmupEpochs =
                or(
                        b.warmupEpochs,
                        switch (strategy) {
                            case FEATURES -> TrainingDefaults.FEATURES_WARMUP_EPOCHS;
                            case FINETUNE, FULL -> TrainingDefaults.GRAPH_WARMUP_EPOCHS;
                            case SCRATCH -> TrainingDefaults.SCRATCH_WARMUP_EPOCHS;
                        });
        patience =
                or(
                        b.patience,
                        switch (strategy) {
                            case FEATURES -> TrainingDefaults.FEATURES_PATIENCE;
                            case FINETUNE -> TrainingDefaults.FINETUNE_PATIENCE;
                            case FULL -> TrainingDefaults.FULL_PATIENCE;
                            case SCRATCH -> TrainingDefaults.SCRATCH_PATIENCE;
                        });
        unfreeze = or(b.unfreeze, TrainingDefaults.UNFREEZE);
        backboneLrFactor =
                or(
                        b.backboneLrFactor,
                        scratch
                                ? TrainingDefaults.SCRATCH_BACKBONE_LR_FACTOR
                                : TrainingDefaults.BACKBONE_LR_FACTOR);
        layerDecay = or(b.layerDecay, 1.0);
        stepEpochs = or(b.stepEpochs, Math.max(1, (epochs + 2) / 3));
        checkpointDir = b.checkpointDir != null ? b.checkpointDir : outDir.resolve(CHECKPOINT_DIR);
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }

    /**
     * Starts options with the defaults.
     *
     * @param data a folder of class folders (or train/val/test), a CSV manifest or an IDX folder
     * @param backbone an ONNX classifier file, or an architecture name of {@code
     *     ai.graft.converter.zoo.BackboneZoo.names()} (fresh weights)
     * @param outDir where model.onnx, the reports, the embedding cache and the checkpoints go
     * @return the builder
     */
    public static Builder builder(Path data, String backbone, Path outDir) {
        return new Builder(data, backbone, outDir);
    }

    /**
     * @return the dataset path
     */
    public Path data() {
        return data;
    }

    /**
     * @return the backbone file or zoo name
     */
    public String backbone() {
        return backbone;
    }

    /**
     * @return the output folder
     */
    public Path outDir() {
        return outDir;
    }

    /**
     * @return the strategy
     */
    public Strategy strategy() {
        return strategy;
    }

    /**
     * @return a preprocessing preset name or JSON, or null to use the backbone's model card
     */
    public String preprocess() {
        return preprocess;
    }

    /**
     * @return the feature tensor or node, or null to find the input of the final classifier
     */
    public String featureNode() {
        return featureNode;
    }

    /**
     * @return the most epochs
     */
    public int epochs() {
        return epochs;
    }

    /**
     * @return the peak learning rate (of the head, for the graph strategies)
     */
    public double learningRate() {
        return learningRate;
    }

    /**
     * @return the weight decay: decoupled for AdamW, an L2 term for SGD
     */
    public double weightDecay() {
        return weightDecay;
    }

    /**
     * @return the label smoothing in [0, 1)
     */
    public double labelSmoothing() {
        return labelSmoothing;
    }

    /**
     * @return whether the loss weighs classes by inverse frequency
     */
    public boolean classWeights() {
        return classWeights;
    }

    /**
     * @return the seed of the split, the sampling, the initialisation and the shuffling
     */
    public long seed() {
        return seed;
    }

    /**
     * @return the validation fraction when the data has no val split
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
     * @return the most training images per class, 0 for all
     */
    public int perClass() {
        return perClass;
    }

    /**
     * @return the file naming the classes in class order (for numbered classes), or null
     */
    public Path classNames() {
        return classNames;
    }

    /**
     * @return where the backbone runs: embeddings for {@code features}, training otherwise
     */
    public Device device() {
        return device;
    }

    /**
     * @return the mini-batch size
     */
    public int batchSize() {
        return batchSize;
    }

    /**
     * @return the epochs of linear learning-rate warm-up
     */
    public int warmupEpochs() {
        return warmupEpochs;
    }

    /**
     * @return epochs without a better validation accuracy before stopping, 0 to never stop
     */
    public int patience() {
        return patience;
    }

    /**
     * @return threads reading images (embeddings or batches), 0 for one per core
     */
    public int threads() {
        return threads;
    }

    /**
     * @return for {@code finetune}: how many stages, counted back from the features, train with the
     *     head
     */
    public int unfreeze() {
        return unfreeze;
    }

    /**
     * @return the optimizer
     */
    public Optimizer optimizer() {
        return optimizer;
    }

    /**
     * @return the head of the {@code features} strategy (default: softmax)
     */
    public Head head() {
        return head;
    }

    /**
     * @return what the {@code features} head reads of each embedding (default: sqrt)
     */
    public FeatureTransform featureTransform() {
        return featureTransform;
    }

    /**
     * @return the learning-rate schedule after warm-up
     */
    public Schedule schedule() {
        return schedule;
    }

    /**
     * @return SGD's momentum in [0, 1)
     */
    public double momentum() {
        return momentum;
    }

    /**
     * @return the backbone's learning rate as a fraction of the head's, in (0, 1]
     */
    public double backboneLrFactor() {
        return backboneLrFactor;
    }

    /**
     * The layer-wise learning-rate decay of the graph strategies: stage i of the backbone's L
     * stages (for a transformer, its encoder blocks) trains at the backbone's rate times {@code
     * decay^(L - i)}, so the last stage at the backbone's rate and earlier ones ever slower.
     *
     * @return the decay, in (0, 1]; 1 (the default) is no decay
     */
    public double layerDecay() {
        return layerDecay;
    }

    /**
     * @return epochs between the step schedule's decays
     */
    public int stepEpochs() {
        return stepEpochs;
    }

    /**
     * @return the step schedule's factor per decay, in (0, 1]
     */
    public double stepGamma() {
        return stepGamma;
    }

    /**
     * @return whether training images are augmented (graph strategies)
     */
    public boolean augment() {
        return augment;
    }

    /**
     * @return where the graph strategies write their checkpoint each epoch
     */
    public Path checkpointDir() {
        return checkpointDir;
    }

    /**
     * @return the checkpoint to continue from, or null to start afresh
     */
    public Path resume() {
        return resume;
    }

    /**
     * @return the precision of the quantized model written beside the exported one ({@link
     *     QuantizedModels}), or null for none
     */
    public Precision quantize() {
        return quantize;
    }

    /** Builds {@link TrainingOptions}; {@link #build()} validates. */
    public static final class Builder {
        private final Path data;
        private final String backbone;
        private final Path outDir;
        private Strategy strategy = Strategy.fromName(TrainingDefaults.STRATEGY);
        private String preprocess;
        private String featureNode;
        private Integer epochs;
        private Double learningRate;
        private Double weightDecay;
        private double labelSmoothing = TrainingDefaults.LABEL_SMOOTHING;
        private boolean classWeights;
        private long seed = TrainingDefaults.SEED;
        private double valFraction = TrainingDefaults.VAL_FRACTION;
        private int minPerClass = TrainingDefaults.MIN_PER_CLASS;
        private int perClass;
        private Path classNames;
        private Device device = Device.CPU;
        private Integer batchSize;
        private Integer warmupEpochs;
        private Integer patience;
        private int threads;
        private Integer unfreeze;
        private Optimizer optimizer;
        private Schedule schedule;
        private Head head;
        private FeatureTransform featureTransform;
        private double momentum = TrainingDefaults.MOMENTUM;
        private Double backboneLrFactor;
        private Double layerDecay;
        private Integer stepEpochs;
        private double stepGamma = TrainingDefaults.STEP_GAMMA;
        private boolean augment = true;
        private Path checkpointDir;
        private Path resume;
        private Precision quantize;

        private Builder(Path data, String backbone, Path outDir) {
            this.data = data;
            this.backbone = backbone;
            this.outDir = outDir;
        }

        /**
         * @param strategy the strategy
         * @return this builder
         */
        public Builder strategy(Strategy strategy) {
            this.strategy = strategy;
            return this;
        }

        /**
         * @param preprocess a preset name (imagenet, caffe, raw, unit) or preprocessing JSON; null
         *     to use the backbone's card
         * @return this builder
         */
        public Builder preprocess(String preprocess) {
            this.preprocess = preprocess;
            return this;
        }

        /**
         * @param featureNode the feature tensor or node; null to find it
         * @return this builder
         */
        public Builder featureNode(String featureNode) {
            this.featureNode = featureNode;
            return this;
        }

        /**
         * @param epochs the most epochs, at least 1
         * @return this builder
         */
        public Builder epochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        /**
         * @param learningRate the peak learning rate, above 0
         * @return this builder
         */
        public Builder learningRate(double learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        /**
         * @param weightDecay the weight decay, at least 0
         * @return this builder
         */
        public Builder weightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        /**
         * @param labelSmoothing in [0, 1)
         * @return this builder
         */
        public Builder labelSmoothing(double labelSmoothing) {
            this.labelSmoothing = labelSmoothing;
            return this;
        }

        /**
         * @param classWeights whether the loss weighs classes by inverse frequency
         * @return this builder
         */
        public Builder classWeights(boolean classWeights) {
            this.classWeights = classWeights;
            return this;
        }

        /**
         * @param seed the seed
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * @param valFraction in (0, 1): the validation share when the data has no val split
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
         * @param perClass the most training images per class (seeded, stratified), 0 for all
         * @return this builder
         */
        public Builder perClass(int perClass) {
            this.perClass = perClass;
            return this;
        }

        /**
         * @param classNames a file naming the classes, one per line in class order, for data whose
         *     classes are numbers (IDX files, a CSV of numeric labels); null to keep the data's
         * @return this builder
         */
        public Builder classNames(Path classNames) {
            this.classNames = classNames;
            return this;
        }

        /**
         * @param device where the backbone runs
         * @return this builder
         */
        public Builder device(Device device) {
            this.device = device;
            return this;
        }

        /**
         * @param batchSize the mini-batch size, at least 1
         * @return this builder
         */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /**
         * @param warmupEpochs epochs of linear warm-up, at least 0
         * @return this builder
         */
        public Builder warmupEpochs(int warmupEpochs) {
            this.warmupEpochs = warmupEpochs;
            return this;
        }

        /**
         * @param patience epochs without a better validation accuracy before stopping; 0 never
         * @return this builder
         */
        public Builder patience(int patience) {
            this.patience = patience;
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
         * @param unfreeze for {@code finetune}: the stages that train with the head, at least 0 (0:
         *     the head alone, on augmented images)
         * @return this builder
         */
        public Builder unfreeze(int unfreeze) {
            this.unfreeze = unfreeze;
            return this;
        }

        /**
         * @param optimizer the graph strategies' optimizer
         * @return this builder
         */
        public Builder optimizer(Optimizer optimizer) {
            this.optimizer = optimizer;
            return this;
        }

        /**
         * @param head the head of the {@code features} strategy; null for the default (softmax)
         * @return this builder
         */
        public Builder head(Head head) {
            this.head = head;
            return this;
        }

        /**
         * @param featureTransform what the {@code features} head reads of each embedding; null for
         *     the default (sqrt)
         * @return this builder
         */
        public Builder featureTransform(FeatureTransform featureTransform) {
            this.featureTransform = featureTransform;
            return this;
        }

        /**
         * @param schedule the learning-rate schedule after warm-up; null for the default (cosine)
         * @return this builder
         */
        public Builder schedule(Schedule schedule) {
            this.schedule = schedule;
            return this;
        }

        /**
         * @param momentum SGD's momentum in [0, 1)
         * @return this builder
         */
        public Builder momentum(double momentum) {
            this.momentum = momentum;
            return this;
        }

        /**
         * @param backboneLrFactor the backbone's learning rate as a fraction of the head's, in (0,
         *     1]
         * @return this builder
         */
        public Builder backboneLrFactor(double backboneLrFactor) {
            this.backboneLrFactor = backboneLrFactor;
            return this;
        }

        /**
         * @param layerDecay the layer-wise learning-rate decay of the graph strategies, in (0, 1]
         *     ({@link TrainingOptions#layerDecay()}); 0.65 to 0.75 is usual for a ViT
         * @return this builder
         */
        public Builder layerDecay(double layerDecay) {
            this.layerDecay = layerDecay;
            return this;
        }

        /**
         * @param stepEpochs epochs between the step schedule's decays, at least 1
         * @return this builder
         */
        public Builder stepEpochs(int stepEpochs) {
            this.stepEpochs = stepEpochs;
            return this;
        }

        /**
         * @param stepGamma the step schedule's factor per decay, in (0, 1]
         * @return this builder
         */
        public Builder stepGamma(double stepGamma) {
            this.stepGamma = stepGamma;
            return this;
        }

        /**
         * @param augment whether training images are augmented (graph strategies)
         * @return this builder
         */
        public Builder augment(boolean augment) {
            this.augment = augment;
            return this;
        }

        /**
         * @param checkpointDir where checkpoints go; null for {@code OUT/checkpoints}
         * @return this builder
         */
        public Builder checkpointDir(Path checkpointDir) {
            this.checkpointDir = checkpointDir;
            return this;
        }

        /**
         * @param resume a checkpoint to continue from (written by an earlier run with the same
         *     settings), or null to start afresh
         * @return this builder
         */
        public Builder resume(Path resume) {
            this.resume = resume;
            return this;
        }

        /**
         * @param quantize {@link Precision#INT8_QDQ} or {@link Precision#FP16} to write a quantized
         *     model beside the exported one, calibrated on the training images; null for none
         * @return this builder
         */
        public Builder quantize(Precision quantize) {
            this.quantize = quantize;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the options
         * @throws IllegalArgumentException naming the bad value
         */
        public TrainingOptions build() {
            Objects.requireNonNull(data, "data");
            Objects.requireNonNull(outDir, "outDir");
            Objects.requireNonNull(strategy, "strategy");
            Objects.requireNonNull(device, "device");
            if (backbone == null || backbone.isBlank()) {
                throw new IllegalArgumentException(
                        "A backbone is needed: an ONNX file or a zoo architecture name");
            }
            String s = strategy.cliName();
            if (!strategy.trainsGraph()) {
                check(
                        optimizer == null || optimizer == Optimizer.ADAMW,
                        "strategy features trains its head with adamw, not " + name(optimizer));
                check(
                        schedule == null || schedule == Schedule.COSINE,
                        "strategy features uses the cosine schedule, not " + name(schedule));
                check(resume == null, "strategy features has no checkpoints to resume from");
                // The head is solved to its optimum, its L2 strength chosen by cross-validation:
                // the settings of gradient descent have nothing to act on.
                String solved =
                        " applies to the graph strategies; strategy features solves its head"
                                + " (L-BFGS, L2 strength chosen by cross-validation)";
                check(epochs == null, "epochs" + solved);
                check(learningRate == null, "learning rate" + solved);
                check(weightDecay == null, "weight decay" + solved);
                check(batchSize == null, "batch size" + solved);
                check(warmupEpochs == null, "warm-up epochs" + solved);
                check(patience == null, "patience" + solved);
                check(
                        labelSmoothing == TrainingDefaults.LABEL_SMOOTHING,
                        "label smoothing" + solved);
            }
            check(
                    head == null || head == Head.SOFTMAX || strategy == Strategy.FEATURES,
                    "head " + name(head) + " applies to strategy features, not " + s);
            check(
                    featureTransform == null || strategy == Strategy.FEATURES,
                    "feature transform "
                            + name(featureTransform)
                            + " applies to strategy features, not "
                            + s);
            check(
                    unfreeze == null || strategy == Strategy.FINETUNE,
                    "unfreeze applies to strategy finetune, not " + s);
            check(
                    layerDecay == null
                            || strategy == Strategy.FINETUNE
                            || strategy == Strategy.FULL,
                    "layer decay applies to strategies finetune and full, not " + s);
            check(
                    layerDecay == null || layerDecay > 0 && layerDecay <= 1,
                    "layer decay must be in (0, 1], got " + layerDecay);
            check(quantize != Precision.FP32, "quantize to int8 or fp16, not fp32");
            TrainingOptions o = new TrainingOptions(this);
            check(o.epochs >= 1, "epochs must be at least 1, got " + o.epochs);
            check(
                    o.learningRate > 0 && Double.isFinite(o.learningRate),
                    "learning rate must be above 0, got " + o.learningRate);
            check(
                    o.weightDecay >= 0 && Double.isFinite(o.weightDecay),
                    "weight decay must be at least 0, got " + o.weightDecay);
            check(
                    labelSmoothing >= 0 && labelSmoothing < 1,
                    "label smoothing must be in [0, 1), got " + labelSmoothing);
            check(
                    valFraction > 0 && valFraction < 1,
                    "validation fraction must be in (0, 1), got " + valFraction);
            check(minPerClass >= 1, "min per class must be at least 1, got " + minPerClass);
            check(perClass >= 0, "per class must be at least 0 (0 = all), got " + perClass);
            check(o.batchSize >= 1, "batch size must be at least 1, got " + o.batchSize);
            check(o.warmupEpochs >= 0, "warm-up epochs must be at least 0, got " + o.warmupEpochs);
            check(o.patience >= 0, "patience must be at least 0, got " + o.patience);
            check(threads >= 0, "threads must be at least 0, got " + threads);
            check(o.unfreeze >= 0, "unfreeze must be at least 0, got " + o.unfreeze);
            check(momentum >= 0 && momentum < 1, "momentum must be in [0, 1), got " + momentum);
            check(
                    o.backboneLrFactor > 0 && o.backboneLrFactor <= 1,
                    "backbone learning-rate factor must be in (0, 1], got " + o.backboneLrFactor);
            check(o.stepEpochs >= 1, "step epochs must be at least 1, got " + o.stepEpochs);
            check(
                    stepGamma > 0 && stepGamma <= 1,
                    "step gamma must be in (0, 1], got " + stepGamma);
            return o;
        }

        private static String name(Enum<?> e) {
            return e == null ? "null" : e.name().toLowerCase(Locale.ROOT);
        }

        private static void check(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException("Invalid training option: " + message);
            }
        }
    }

    private static <E extends Enum<E>> E parse(E[] values, String name, String what) {
        for (E e : values) {
            if (e.name().equalsIgnoreCase(name == null ? "" : name.trim())) {
                return e;
            }
        }
        throw new IllegalArgumentException(
                "Unknown "
                        + what
                        + " '"
                        + name
                        + "', expected one of "
                        + Arrays.stream(values)
                                .map(v -> v.name().toLowerCase(Locale.ROOT))
                                .toList());
    }
}
