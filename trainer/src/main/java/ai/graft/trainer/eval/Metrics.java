package ai.graft.trainer.eval;

import ai.graft.trainer.data.Skipped;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The arithmetic of evaluation: from true classes and per-class scores to accuracy, top-5 accuracy,
 * per-class precision, recall and F1, and the confusion matrix.
 *
 * <pre>{@code
 * EvaluationResult r = Metrics.compute(List.of("cat", "dog"), truth, scores, List.of(), 0);
 * System.out.println(r.accuracy());
 * }</pre>
 *
 * <p><b>Ranking.</b> An image's prediction is its highest-scoring class; equal scores rank the
 * lower class index first. A {@link Float#NaN} score means the classifier did not report that class
 * (it was below the top-K or the score threshold): it ranks below every reported score and never
 * counts as a hit. An image with no reported score at all has no prediction: it counts as wrong and
 * appears in no column of the confusion matrix.
 */
public final class Metrics {
    private Metrics() {}

    /**
     * Computes the metrics of one evaluation.
     *
     * @param classes the class names, index = class index = score column
     * @param truth each image's true class index
     * @param scores each image's score per class (higher is better; NaN: not reported)
     * @param skipped files that could not be evaluated, carried into the result
     * @param ips images per second of the evaluation, carried into the result
     * @return the result; top-5 accuracy is null when there are fewer than 5 classes
     * @throws IllegalArgumentException when there are no classes or no images, the arrays differ in
     *     length, a score row does not have one value per class, or a true class is out of range
     */
    public static EvaluationResult compute(
            List<String> classes,
            int[] truth,
            float[][] scores,
            List<Skipped> skipped,
            double ips) {
        Objects.requireNonNull(classes, "classes");
        Objects.requireNonNull(truth, "truth");
        Objects.requireNonNull(scores, "scores");
        int k = classes.size();
        int n = truth.length;
        if (k == 0) {
            throw new IllegalArgumentException("No classes to evaluate");
        }
        if (n == 0) {
            throw new IllegalArgumentException("No images to evaluate");
        }
        if (scores.length != n) {
            throw new IllegalArgumentException(
                    "Expected one score row per image: "
                            + n
                            + " images, "
                            + scores.length
                            + " rows");
        }
        int[][] confusion = new int[k][k];
        int[] support = new int[k];
        int[] predictedCount = new int[k];
        int correct = 0;
        int top5 = 0;
        for (int i = 0; i < n; i++) {
            int t = truth[i];
            float[] row = scores[i];
            if (t < 0 || t >= k) {
                throw new IllegalArgumentException(
                        "True class " + t + " of image " + i + " is not in [0, " + k + ")");
            }
            if (row == null || row.length != k) {
                throw new IllegalArgumentException(
                        "Score row "
                                + i
                                + " has "
                                + (row == null ? "no" : String.valueOf(row.length))
                                + " values, expected one per class ("
                                + k
                                + ")");
            }
            support[t]++;
            int predicted = argmax(row);
            if (predicted >= 0) {
                confusion[t][predicted]++;
                predictedCount[predicted]++;
            }
            if (predicted == t) {
                correct++;
            }
            if (k >= 5 && rank(row, t) < 5) {
                top5++;
            }
        }
        List<ClassMetrics> perClass = new ArrayList<>(k);
        for (int c = 0; c < k; c++) {
            int tp = confusion[c][c];
            int fp = predictedCount[c] - tp;
            int fn = support[c] - tp;
            perClass.add(
                    new ClassMetrics(
                            classes.get(c),
                            support[c],
                            ratio(tp, tp + fp),
                            ratio(tp, tp + fn),
                            ratio(2 * tp, 2 * tp + fp + fn)));
        }
        return new EvaluationResult(
                n,
                (double) correct / n,
                k >= 5 ? (double) top5 / n : null,
                perClass,
                classes,
                confusion,
                skipped,
                ips);
    }

    /**
     * Keeps only some classes of a result: rows and columns of the confusion matrix and entries of
     * the per-class list. Overall figures are unchanged, so this is only exact when every dropped
     * class has no images and no predictions (its row and column are zero), which it checks.
     *
     * @param r the result
     * @param keep indices of the classes to keep, ascending
     * @return the narrowed result
     * @throws IllegalArgumentException when a dropped class has images or predictions
     */
    static EvaluationResult select(EvaluationResult r, int[] keep) {
        int[][] full = r.confusion();
        int k = full.length;
        boolean[] kept = new boolean[k];
        for (int c : keep) {
            kept[c] = true;
        }
        for (int c = 0; c < k; c++) {
            if (kept[c]) {
                continue;
            }
            for (int j = 0; j < k; j++) {
                if (full[c][j] != 0 || full[j][c] != 0) {
                    throw new IllegalArgumentException(
                            "Cannot drop class '"
                                    + r.classes().get(c)
                                    + "': it has images or predictions");
                }
            }
        }
        int[][] confusion = new int[keep.length][keep.length];
        List<ClassMetrics> perClass = new ArrayList<>(keep.length);
        List<String> classes = new ArrayList<>(keep.length);
        for (int a = 0; a < keep.length; a++) {
            for (int b = 0; b < keep.length; b++) {
                confusion[a][b] = full[keep[a]][keep[b]];
            }
            perClass.add(r.perClass().get(keep[a]));
            classes.add(r.classes().get(keep[a]));
        }
        return new EvaluationResult(
                r.samples(),
                r.accuracy(),
                r.top5Accuracy(),
                perClass,
                classes,
                confusion,
                r.skipped(),
                r.imagesPerSecond());
    }

    /** The highest reported score's index (lowest index on ties), or -1 when none is reported. */
    static int argmax(float[] row) {
        int best = -1;
        for (int j = 0; j < row.length; j++) {
            if (!Float.isNaN(row[j]) && (best < 0 || row[j] > row[best])) {
                best = j;
            }
        }
        return best;
    }

    /**
     * The 0-based rank of class {@code t} in a score row: how many classes rank above it (higher
     * score, or equal score and lower index); {@code row.length} when its score is unreported.
     */
    static int rank(float[] row, int t) {
        float s = row[t];
        if (Float.isNaN(s)) {
            return row.length;
        }
        int above = 0;
        for (int j = 0; j < row.length; j++) {
            if (!Float.isNaN(row[j]) && (row[j] > s || (row[j] == s && j < t))) {
                above++;
            }
        }
        return above;
    }

    private static double ratio(int numerator, int denominator) {
        return denominator == 0 ? Double.NaN : (double) numerator / denominator;
    }
}
