package ai.graft.trainer.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Turns a source's training pool, with the validation and test sets it may have, into {@link
 * Splits}: checks the arguments and the per-class minimum and, without a validation set, holds out
 * a seeded stratified share of each class. Also names the splits as folders and manifests write
 * them.
 */
final class StratifiedSplits {
    /** Names (lower case) of the training split, as a folder or a manifest's {@code split}. */
    static final Set<String> TRAIN_NAMES = Set.of("train");

    /** Names (lower case) of the validation split. */
    static final Set<String> VAL_NAMES = Set.of("val", "valid", "validation");

    /** Names (lower case) of the test split. */
    static final Set<String> TEST_NAMES = Set.of("test");

    private StratifiedSplits() {}

    /** Rejects a {@code valFraction} outside {@code [0, 1)} and a negative {@code minPerClass}. */
    static void checkArguments(double valFraction, int minPerClass) {
        if (!(valFraction >= 0 && valFraction < 1)) {
            throw new IllegalArgumentException(
                    "Validation fraction must be in [0, 1), got " + valFraction);
        }
        if (minPerClass < 0) {
            throw new IllegalArgumentException(
                    "Minimum images per class must be at least 0, got " + minPerClass);
        }
    }

    /**
     * Checks the training pool and, without a validation set, splits it.
     *
     * @param where for a class name, where its images are (for messages)
     */
    static Splits assemble(
            ImageDataset pool,
            ImageDataset val,
            ImageDataset test,
            double valFraction,
            long seed,
            int minPerClass,
            Function<String, Object> where)
            throws DatasetException {
        List<String> classes = pool.classes();
        if (classes.size() < 2) {
            throw new DatasetException(
                    "Only one class ('"
                            + classes.get(0)
                            + "' in "
                            + where.apply(classes.get(0))
                            + "): a classifier needs at least two classes");
        }
        int[] counts = pool.countsPerClass();
        List<String> tooFew = new ArrayList<>();
        for (int c = 0; c < counts.length; c++) {
            if (counts[c] < minPerClass) {
                tooFew.add(
                        "'"
                                + classes.get(c)
                                + "' has "
                                + counts[c]
                                + (counts[c] == 1 ? " image" : " images")
                                + " ("
                                + where.apply(classes.get(c))
                                + ")");
            }
        }
        if (!tooFew.isEmpty()) {
            throw new DatasetException(
                    (tooFew.size() == 1 ? "Class " : "Classes ")
                            + String.join(", ", tooFew)
                            + ", fewer than the minimum of "
                            + minPerClass
                            + " per class; add images or remove the class");
        }
        if (val != null || valFraction == 0) {
            return new Splits(pool, val, test);
        }
        ImageDataset[] parts = stratifiedSplit(pool, valFraction, seed, Rng.SPLIT);
        return new Splits(parts[0], parts[1], test);
    }

    /**
     * Splits each class at random (seeded) into kept and held-out samples ({@link #valCount} of
     * each class held out), keeping the dataset's order inside each part.
     *
     * @param purpose the {@link Rng} tag of the split, so that two splits of one seed differ
     * @return {kept, held out}
     */
    static ImageDataset[] stratifiedSplit(
            ImageDataset pool, double valFraction, long seed, long purpose) {
        int[][] byClass = ImageDataset.indicesByClass(pool);
        boolean[] isVal = new boolean[pool.size()];
        for (int c = 0; c < byClass.length; c++) {
            int[] idx = byClass[c].clone();
            int k = valCount(idx.length, valFraction);
            new Rng(Rng.seed(seed, purpose, c)).shuffle(idx);
            for (int i = 0; i < k; i++) {
                isVal[idx[i]] = true;
            }
        }
        List<Sample> train = new ArrayList<>();
        List<Sample> val = new ArrayList<>();
        List<Sample> samples = pool.samples();
        for (int i = 0; i < isVal.length; i++) {
            (isVal[i] ? val : train).add(samples.get(i));
        }
        return new ImageDataset[] {pool.subset(train), pool.subset(val)};
    }

    /**
     * How many of a class's {@code n} images go to validation: {@code round(n * f)}, but at least
     * one when the class has two or more (so that validation sees every class) and never all.
     */
    static int valCount(int n, double f) {
        if (f <= 0 || n < 2) {
            return 0;
        }
        long k = Math.round(n * f);
        return (int) Math.min(n - 1, Math.max(1, k));
    }
}
