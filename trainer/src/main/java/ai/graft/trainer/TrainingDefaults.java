package ai.graft.trainer;

/**
 * The defaults of {@link TrainingOptions}, written once: the options' builder applies them, their
 * javadoc and the command line's help show them. Constants, so that {@code graft train --help} can
 * name them in its annotations and javadoc with {@code {@value}}.
 *
 * <p>They reach a good model without tuning:
 *
 * <ul>
 *   <li>{@code features}: no settings: the linear head is solved (L-BFGS), its L2 strength chosen
 *       by cross-validation (see {@code LinearHead}); the epoch, learning-rate, batch and label
 *       smoothing settings below are for the graph strategies and are refused for {@code features}.
 *   <li>{@code finetune}: the last {@value #UNFREEZE} stages and the head, {@value
 *       #FINETUNE_EPOCHS} epochs of SGD with momentum {@value #MOMENTUM} (learning rate {@value
 *       #LEARNING_RATE} for the head, {@value #BACKBONE_LR_FACTOR} times that for the backbone,
 *       weight decay {@value #SGD_WEIGHT_DECAY}), mini-batches of {@value #GRAPH_BATCH_SIZE},
 *       {@value #GRAPH_WARMUP_EPOCHS} warm-up epoch then cosine, early stopping after {@value
 *       #FINETUNE_PATIENCE} epochs.
 *   <li>{@code full}: as finetune with every stage training, {@value #FULL_EPOCHS} epochs, early
 *       stopping after {@value #FULL_PATIENCE}.
 *   <li>{@code scratch}: {@value #SCRATCH_EPOCHS} epochs of SGD (learning rate {@value
 *       #LEARNING_RATE} for every layer, weight decay {@value #SCRATCH_SGD_WEIGHT_DECAY}), {@value
 *       #SCRATCH_WARMUP_EPOCHS} warm-up epochs, early stopping after {@value #SCRATCH_PATIENCE}
 *       epochs.
 * </ul>
 *
 * <p>The graph strategies use label smoothing {@value #LABEL_SMOOTHING}, keep the best epoch, and
 * split off a validation set of {@value #VAL_FRACTION} of the images (seed {@value #SEED}) when the
 * data has none. AdamW's defaults for the graph strategies, when chosen, are learning rate {@value
 * #ADAMW_LEARNING_RATE} and weight decay {@value #ADAMW_WEIGHT_DECAY}.
 */
public final class TrainingDefaults {
    /** The strategy, by its command-line name ({@link Strategy#cliName()}). */
    public static final String STRATEGY = "features";

    /** Epochs of {@code features}. */
    public static final int FEATURES_EPOCHS = 150;

    /** Epochs of {@code finetune}. */
    public static final int FINETUNE_EPOCHS = 10;

    /** Epochs of {@code full}. */
    public static final int FULL_EPOCHS = 15;

    /** Epochs of {@code scratch}. */
    public static final int SCRATCH_EPOCHS = 30;

    /** Mini-batch size of {@code features}. */
    public static final int FEATURES_BATCH_SIZE = 64;

    /** Mini-batch size of the graph strategies. */
    public static final int GRAPH_BATCH_SIZE = 32;

    /** Warm-up epochs of {@code features}. */
    public static final int FEATURES_WARMUP_EPOCHS = 5;

    /** Warm-up epochs of {@code finetune} and {@code full}. */
    public static final int GRAPH_WARMUP_EPOCHS = 1;

    /** Warm-up epochs of {@code scratch}. */
    public static final int SCRATCH_WARMUP_EPOCHS = 2;

    /** Early-stopping patience of {@code features}. */
    public static final int FEATURES_PATIENCE = 40;

    /** Early-stopping patience of {@code finetune}. */
    public static final int FINETUNE_PATIENCE = 4;

    /** Early-stopping patience of {@code full}. */
    public static final int FULL_PATIENCE = 5;

    /** Early-stopping patience of {@code scratch}. */
    public static final int SCRATCH_PATIENCE = 10;

    /** Peak learning rate of {@code features} and of SGD. */
    public static final double LEARNING_RATE = 0.01;

    /** Peak learning rate of AdamW in the graph strategies. */
    public static final double ADAMW_LEARNING_RATE = 0.001;

    /** Weight decay of AdamW. */
    public static final double ADAMW_WEIGHT_DECAY = 0.05;

    /** Weight decay of SGD in {@code finetune} and {@code full}. */
    public static final double SGD_WEIGHT_DECAY = 1e-4;

    /** Weight decay of SGD in {@code scratch}. */
    public static final double SCRATCH_SGD_WEIGHT_DECAY = 5e-4;

    /**
     * The backbone's learning rate as a fraction of the head's, in {@code finetune} and {@code
     * full}.
     */
    public static final double BACKBONE_LR_FACTOR = 0.1;

    /** The backbone's learning-rate fraction in {@code scratch}: every layer is new. */
    public static final double SCRATCH_BACKBONE_LR_FACTOR = 1.0;

    /** Backbone stages that train with the head in {@code finetune}. */
    public static final int UNFREEZE = 3;

    /** SGD's momentum. */
    public static final double MOMENTUM = 0.9;

    /** The step schedule's factor per decay. */
    public static final double STEP_GAMMA = 0.1;

    /** Label smoothing of every strategy. */
    public static final double LABEL_SMOOTHING = 0.1;

    /** The seed of the split, the sampling, the shuffling and fresh weights. */
    public static final long SEED = 42;

    /** The validation share when the data has no validation split. */
    public static final double VAL_FRACTION = 0.2;

    /** The fewest images a class may have. */
    public static final int MIN_PER_CLASS = 2;

    private TrainingDefaults() {}
}
