package ai.graft.trainer.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.trainer.data.Skipped;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsTest {
    private static final float NAN = Float.NaN;

    /** A one-hot-ish score row that predicts {@code c} among {@code k} classes. */
    private static float[] predicts(int c, int k) {
        float[] row = new float[k];
        for (int j = 0; j < k; j++) {
            row[j] = 0.1f / k;
        }
        row[c] = 0.9f;
        return row;
    }

    @Test
    void compute_matchesHandWorkedThreeClassCase() {
        // truth:     a a a a b b c
        // predicted: a a b c b a c
        int[] truth = {0, 0, 0, 0, 1, 1, 2};
        int[] predicted = {0, 0, 1, 2, 1, 0, 2};
        float[][] scores = new float[truth.length][];
        for (int i = 0; i < truth.length; i++) {
            scores[i] = predicts(predicted[i], 3);
        }
        EvaluationResult r =
                Metrics.compute(
                        List.of("a", "b", "c"),
                        truth,
                        scores,
                        List.of(new Skipped("x.jpg", "bad")),
                        12.5);

        assertEquals(7, r.samples());
        assertEquals(4.0 / 7, r.accuracy(), 1e-12);
        assertNull(r.top5Accuracy(), "top-5 is undefined under 5 classes");
        assertArrayEquals(new int[] {2, 1, 1}, r.confusion()[0]);
        assertArrayEquals(new int[] {1, 1, 0}, r.confusion()[1]);
        assertArrayEquals(new int[] {0, 0, 1}, r.confusion()[2]);

        // a: TP 2, FP 1 (the b predicted as a), FN 2 -> P 2/3, R 1/2, F1 4/7
        ClassMetrics a = r.perClass().get(0);
        assertEquals("a", a.label());
        assertEquals(4, a.support());
        assertEquals(2.0 / 3, a.precision(), 1e-12);
        assertEquals(0.5, a.recall(), 1e-12);
        assertEquals(4.0 / 7, a.f1(), 1e-12);
        // b: TP 1, FP 1, FN 1 -> 1/2, 1/2, 1/2
        ClassMetrics b = r.perClass().get(1);
        assertEquals(2, b.support());
        assertEquals(0.5, b.precision(), 1e-12);
        assertEquals(0.5, b.recall(), 1e-12);
        assertEquals(0.5, b.f1(), 1e-12);
        // c: TP 1, FP 1, FN 0 -> 1/2, 1, 2/3
        ClassMetrics c = r.perClass().get(2);
        assertEquals(1, c.support());
        assertEquals(0.5, c.precision(), 1e-12);
        assertEquals(1.0, c.recall(), 1e-12);
        assertEquals(2.0 / 3, c.f1(), 1e-12);

        assertEquals((4.0 / 7 + 0.5 + 2.0 / 3) / 3, r.macroF1(), 1e-12);
        assertEquals((0.5 + 0.5 + 1.0) / 3, r.macroRecall(), 1e-12);
        assertEquals(List.of(new Skipped("x.jpg", "bad")), r.skipped());
        assertEquals(12.5, r.imagesPerSecond());
    }

    @Test
    void compute_leavesUndefinedRatiosNaNForZeroSupportAndNeverPredictedClasses() {
        // Classes: a (has images, never predicted), b (has images, predicted), c (no images but
        // predicted once), d (no images, never predicted).
        int[] truth = {0, 0, 1, 1};
        float[][] scores = {predicts(1, 4), predicts(2, 4), predicts(1, 4), predicts(1, 4)};
        EvaluationResult r = Metrics.compute(List.of("a", "b", "c", "d"), truth, scores, null, 0);

        ClassMetrics a = r.perClass().get(0);
        assertEquals(2, a.support());
        assertTrue(Double.isNaN(a.precision()), "a was never predicted: precision undefined");
        assertEquals(0.0, a.recall());
        assertEquals(0.0, a.f1());
        ClassMetrics b = r.perClass().get(1);
        assertEquals(2.0 / 3, b.precision(), 1e-12);
        assertEquals(1.0, b.recall());
        assertEquals(0.8, b.f1(), 1e-12);
        ClassMetrics c = r.perClass().get(2);
        assertEquals(0, c.support());
        assertEquals(0.0, c.precision(), "c was predicted once, wrongly");
        assertTrue(Double.isNaN(c.recall()), "c has no images: recall undefined");
        assertEquals(0.0, c.f1(), "one false positive makes F1 0, not undefined");
        ClassMetrics d = r.perClass().get(3);
        assertEquals(0, d.support());
        assertTrue(Double.isNaN(d.precision()));
        assertTrue(Double.isNaN(d.recall()));
        assertTrue(Double.isNaN(d.f1()));
        // Macro averages count only the classes with images (a and b).
        assertEquals((0.0 + 0.8) / 2, r.macroF1(), 1e-12);
        assertEquals(0.5, r.macroRecall(), 1e-12);
        assertEquals(List.of(), r.skipped());
    }

    @Test
    void compute_countsTop5HitsByRankWithTiesToTheLowerIndex() {
        List<String> six = List.of("0", "1", "2", "3", "4", "5");
        float[][] scores = {
            {0.6f, 0.5f, 0.4f, 0.3f, 0.2f, 0.1f}, // truth 4: rank 4 -> hit
            {0.6f, 0.5f, 0.4f, 0.3f, 0.2f, 0.1f}, // truth 5: rank 5 -> miss
            {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f}, // truth 5 tied with all: 5 lower indices -> miss
            {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f}, // truth 4 tied: 4 lower indices -> hit
            {0.9f, NAN, NAN, NAN, NAN, NAN}, // truth 3 not reported -> miss, though few ranked
            {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f}, // truth 5: top-1 and top-5 hit
        };
        int[] truth = {4, 5, 5, 4, 3, 5};
        EvaluationResult r = Metrics.compute(six, truth, scores, List.of(), 0);
        assertEquals(3.0 / 6, r.top5Accuracy(), 1e-12);
        assertEquals(1.0 / 6, r.accuracy(), 1e-12);
        // Ties go to the lower index: the all-equal rows predict class 0.
        int[][] m = r.confusion();
        assertEquals(2, m[4][0]);
        assertEquals(2, m[5][0]);
        assertEquals(1, m[3][0]);
        assertEquals(1, m[5][5]);
    }

    @Test
    void compute_topFiveIsNullUnderFiveClassesAndSetFromFive() {
        float[][] four = {{0.1f, 0.2f, 0.3f, 0.4f}};
        assertNull(
                Metrics.compute(List.of("a", "b", "c", "d"), new int[] {0}, four, null, 0)
                        .top5Accuracy());
        float[][] five = {{0.1f, 0.2f, 0.3f, 0.4f, 0.5f}};
        EvaluationResult r =
                Metrics.compute(List.of("a", "b", "c", "d", "e"), new int[] {0}, five, null, 0);
        assertEquals(1.0, r.top5Accuracy(), "with exactly 5 classes every class is in the top 5");
        assertEquals(0.0, r.accuracy());
    }

    @Test
    void compute_imageWithNoReportedScoreIsWrongAndInNoColumn() {
        float[][] scores = {{NAN, NAN}, {0.2f, 0.8f}};
        EvaluationResult r = Metrics.compute(List.of("a", "b"), new int[] {0, 1}, scores, null, 0);
        assertEquals(0.5, r.accuracy());
        assertArrayEquals(new int[] {0, 0}, r.confusion()[0]);
        assertEquals(1, r.perClass().get(0).support());
        assertEquals(0.0, r.perClass().get(0).recall());
    }

    @Test
    void compute_rejectsInconsistentInputNamingTheProblem() {
        List<String> ab = List.of("a", "b");
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                Metrics.compute(
                                        ab, new int[] {0, 1}, new float[][] {{1, 0}}, null, 0));
        assertTrue(e.getMessage().contains("2 images, 1 rows"), e.getMessage());
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                Metrics.compute(
                                        ab, new int[] {0}, new float[][] {{1, 0, 0}}, null, 0));
        assertTrue(e.getMessage().contains("3 values, expected one per class (2)"), e.getMessage());
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Metrics.compute(ab, new int[] {2}, new float[][] {{1, 0}}, null, 0));
        assertTrue(e.getMessage().contains("True class 2"), e.getMessage());
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Metrics.compute(ab, new int[0], new float[0][], null, 0));
        assertTrue(e.getMessage().contains("No images"), e.getMessage());
    }

    @Test
    void select_dropsOnlyEmptyClassesAndKeepsOverallFigures() {
        float[][] scores = {predicts(0, 4), predicts(2, 4), predicts(2, 4)};
        EvaluationResult all =
                Metrics.compute(List.of("a", "b", "c", "d"), new int[] {0, 0, 2}, scores, null, 3);
        EvaluationResult some = Metrics.select(all, new int[] {0, 2});
        assertEquals(List.of("a", "c"), some.classes());
        assertArrayEquals(new int[] {1, 1}, some.confusion()[0]);
        assertArrayEquals(new int[] {0, 1}, some.confusion()[1]);
        assertEquals(all.accuracy(), some.accuracy());
        assertEquals(all.perClass().get(2), some.perClass().get(1));
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class, () -> Metrics.select(all, new int[] {0}));
        assertTrue(e.getMessage().contains("'c'"), e.getMessage());
    }
}
