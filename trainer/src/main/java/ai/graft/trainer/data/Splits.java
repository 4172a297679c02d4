package ai.graft.trainer.data;

import java.util.Objects;

/**
 * The parts of a dataset: what trains, what chooses the best epoch, and what measures the final
 * model. All three share the training set's classes (same names, same indices).
 *
 * @param train the training set
 * @param val the validation set, or {@code null} when there is none
 * @param test the test set, or {@code null} when there is none
 */
public record Splits(ImageDataset train, ImageDataset val, ImageDataset test) {
    /**
     * Validates that the parts share the training set's classes.
     *
     * @param train the training set
     * @param val the validation set, or {@code null}
     * @param test the test set, or {@code null}
     * @throws IllegalArgumentException when val or test has other classes than train
     */
    public Splits {
        Objects.requireNonNull(train, "train");
        for (ImageDataset other : new ImageDataset[] {val, test}) {
            if (other != null && !other.classes().equals(train.classes())) {
                throw new IllegalArgumentException(
                        "Splits must share the training classes "
                                + train.classes()
                                + ", got "
                                + other.classes());
            }
        }
    }

    /**
     * Keeps at most {@code perClass} training images of each class, and as many validation images
     * as the validation share asks for beside them ({@code ceil(perClass * valFraction / (1 -
     * valFraction))}, at least one): a few-shot run then validates on a set of its own size. The
     * test set is kept whole.
     *
     * @param perClass training images per class, at least 1
     * @param valFraction the share of validation images, in [0, 1)
     * @param seed the seed of the stratified choice
     * @return the smaller splits
     */
    public Splits limitPerClass(int perClass, double valFraction, long seed) {
        if (perClass < 1 || !(valFraction >= 0 && valFraction < 1)) {
            throw new IllegalArgumentException(
                    "Per-class limit must be at least 1 and the validation share in [0, 1), got "
                            + perClass
                            + " and "
                            + valFraction);
        }
        int valPerClass = Math.max(1, (int) Math.ceil(perClass * valFraction / (1 - valFraction)));
        return new Splits(
                train.limitPerClass(perClass, seed),
                val == null ? null : val.limitPerClass(valPerClass, seed),
                test);
    }
}
