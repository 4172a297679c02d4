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
     * A test set held out of the validation images, for data that has none: a seeded stratified
     * {@code share} of each validation class (at least one image of a class that has two or more,
     * never all of them) becomes the test set, and the rest stays the validation set. Training
     * never sees the test images, nor does the choice of the best epoch, so they measure the final
     * model without the optimism of the images that chose it.
     *
     * @param share the share of each validation class held out, in (0, 1)
     * @param seed the seed of the stratified choice (its own stream: not the validation split's)
     * @return these splits when they have a test set already; else new splits with one
     * @throws IllegalArgumentException when {@code share} is out of range, or when a test set must
     *     be made and there are no validation images
     */
    public Splits withTestFromValidation(double share, long seed) {
        if (!(share > 0 && share < 1)) {
            throw new IllegalArgumentException(
                    "Test share of the validation images must be in (0, 1), got " + share);
        }
        if (test != null) {
            return this;
        }
        if (val == null || val.size() == 0) {
            throw new IllegalArgumentException(
                    "No validation images to hold a test set out of; give the data a test split");
        }
        ImageDataset[] parts = StratifiedSplits.stratifiedSplit(val, share, seed, Rng.TEST);
        return new Splits(train, parts[0], parts[1]);
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
