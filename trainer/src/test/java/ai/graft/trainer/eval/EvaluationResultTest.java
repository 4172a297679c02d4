package ai.graft.trainer.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.GraftJson;
import ai.graft.trainer.data.Skipped;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvaluationResultTest {
    static EvaluationResult sample() {
        // truth a a b, predicted a b b; "c|d" has no images and is never predicted.
        float[][] scores = {{0.9f, 0.1f, 0f}, {0.2f, 0.8f, 0f}, {0.1f, 0.9f, 0f}};
        return Metrics.compute(
                List.of("a", "b", "c|d"),
                new int[] {0, 0, 1},
                scores,
                List.of(new Skipped("a/broken.jpg", "Cannot decode a/broken.jpg")),
                42.0);
    }

    @Test
    @SuppressWarnings("unchecked")
    void toJson_isOneObjectWithAccuracyPerClassAndConfusion() {
        String json = sample().toJson();
        assertFalse(json.contains("\n"), "one line");
        Map<String, Object> m = GraftJson.readObject(json);
        assertEquals(2.0 / 3, (Double) m.get("accuracy"), 1e-12);
        assertEquals(3, m.get("samples"));
        assertTrue(m.containsKey("top5Accuracy"));
        assertNull(m.get("top5Accuracy"));
        assertEquals(42.0, m.get("imagesPerSecond"));
        assertEquals(List.of("a", "b", "c|d"), m.get("classes"));
        List<Object> per = (List<Object>) m.get("perClass");
        assertEquals(3, per.size());
        Map<String, Object> a = (Map<String, Object>) per.get(0);
        assertEquals("a", a.get("label"));
        assertEquals(2, a.get("support"));
        assertEquals(1.0, a.get("precision"));
        assertEquals(0.5, (Double) a.get("recall"), 1e-12);
        Map<String, Object> cd = (Map<String, Object>) per.get(2);
        assertTrue(cd.containsKey("recall"));
        assertNull(cd.get("recall"), "undefined recall is JSON null");
        assertEquals(
                List.of(List.of(1, 1, 0), List.of(0, 1, 0), List.of(0, 0, 0)), m.get("confusion"));
        assertEquals(
                List.of(Map.of("id", "a/broken.jpg", "reason", "Cannot decode a/broken.jpg")),
                m.get("skipped"));
        // F1 of a (P 1, R 1/2) and of b (P 1/2, R 1) are both 2/3; c|d has no images.
        assertEquals(2.0 / 3, (Double) m.get("macroF1"), 1e-12);
    }

    @Test
    void toMarkdown_hasSummaryPerClassAndConfusionTables() {
        String md = sample().toMarkdown();
        assertTrue(md.startsWith("## Evaluation\n"), md);
        assertTrue(md.contains("| Accuracy | 0.6667 |"), md);
        assertTrue(md.contains("| Top-5 accuracy | n/a (fewer than 5 classes) |"), md);
        assertTrue(md.contains("| a | 2 | 1.0000 | 0.5000 | 0.6667 |"), md);
        // A pipe in a label is escaped so that it does not split the cell; undefined is a dash.
        assertTrue(md.contains("| c\\|d | 0 | - | - | - |"), md);
        assertTrue(md.contains("| true \\ predicted | a | b | c\\|d |"), md);
        assertTrue(md.contains("| **a** | 1 | 1 | 0 |"), md);
        assertTrue(md.contains("- `a/broken.jpg`: Cannot decode a/broken.jpg"), md);
        String withoutSkipped = sample().markdown(3, false);
        assertTrue(withoutSkipped.startsWith("### Evaluation"), withoutSkipped);
        assertFalse(withoutSkipped.contains("broken.jpg"), withoutSkipped);
    }

    @Test
    void toMarkdown_leavesOutTheMatrixTableForManyClasses() {
        int k = EvaluationResult.MARKDOWN_MATRIX_LIMIT + 1;
        List<String> classes = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            classes.add("class" + i);
        }
        float[][] scores = new float[1][k];
        scores[0][3] = 1;
        EvaluationResult r = Metrics.compute(classes, new int[] {3}, scores, null, 0);
        assertEquals(1.0, r.top5Accuracy());
        String md = r.toMarkdown();
        assertTrue(md.contains(k + " classes are too many for a table"), md);
        assertFalse(md.contains("true \\ predicted"), md);
        assertTrue(md.contains("| Top-5 accuracy | 1.0000 |"), md);
    }

    @Test
    void constructor_copiesAndChecksShapes() {
        int[][] m = {{1, 0}, {0, 1}};
        List<ClassMetrics> per =
                List.of(new ClassMetrics("a", 1, 1, 1, 1), new ClassMetrics("b", 1, 1, 1, 1));
        EvaluationResult r = new EvaluationResult(2, 1, null, per, List.of("a", "b"), m, null, 0);
        m[0][0] = 99;
        assertEquals(1, r.confusion()[0][0], "the constructor copies the matrix");
        r.confusion()[0][0] = 99;
        assertEquals(1, r.confusion()[0][0], "the accessor returns a copy");
        assertEquals(List.of(), r.skipped());
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                new EvaluationResult(
                                        2,
                                        1,
                                        null,
                                        per,
                                        List.of("a", "b"),
                                        new int[][] {{1, 0}},
                                        null,
                                        0));
        assertTrue(e.getMessage().contains("2 classes"), e.getMessage());
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                new EvaluationResult(
                                        2,
                                        1,
                                        null,
                                        per,
                                        List.of("a", "b"),
                                        new int[][] {{1, 0}, {1}},
                                        null,
                                        0));
        assertTrue(e.getMessage().contains("row 1 has 1 columns"), e.getMessage());
    }
}
