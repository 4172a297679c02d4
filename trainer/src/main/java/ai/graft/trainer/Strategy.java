package ai.graft.trainer;

import java.util.Arrays;
import java.util.Locale;

/** How a backbone is adapted to a new set of classes. */
public enum Strategy {
    /**
     * The backbone is frozen: each image's embedding is computed once (and cached), then a linear
     * softmax head is trained on the embeddings and appended to the backbone.
     */
    FEATURES,
    /**
     * A new head and the last {@link TrainingOptions#unfreeze()} stages of the pretrained backbone
     * train together on augmented images, the backbone with a smaller learning rate than the head;
     * the earlier stages stay frozen, their batch-norm statistics too.
     */
    FINETUNE,
    /** Every layer trains, from the pretrained weights, with a new head. */
    FULL,
    /**
     * A zoo architecture ({@code ai.graft.converter.zoo.BackboneZoo}) with fresh weights trains
     * entirely: the baseline that transfer learning must beat.
     */
    SCRATCH;

    /**
     * Whether the strategy trains the whole graph (backbone and head) with DJL, with checkpoints,
     * rather than a head on cached embeddings.
     *
     * @return true for {@link #FINETUNE}, {@link #FULL} and {@link #SCRATCH}
     */
    public boolean trainsGraph() {
        return this != FEATURES;
    }

    /**
     * The name used on the command line and in model cards.
     *
     * @return the lower-case name, for example {@code features}
     */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Parses a command-line name.
     *
     * @param name for example {@code features}
     * @return the strategy
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Strategy fromName(String name) {
        for (Strategy s : values()) {
            if (s.cliName().equalsIgnoreCase(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException(
                "Unknown strategy '"
                        + name
                        + "', expected one of "
                        + Arrays.stream(values()).map(Strategy::cliName).toList());
    }
}
