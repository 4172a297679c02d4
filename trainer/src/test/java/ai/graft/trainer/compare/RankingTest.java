package ai.graft.trainer.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class RankingTest {
    private static Measurement m(String name, double top1, double f1, double p50, double mb) {
        return new Measurement(
                name,
                name,
                "features",
                Precision.FP32,
                Path.of(name + ".onnx"),
                null,
                100,
                top1,
                null,
                f1,
                p50,
                p50 * 1.5,
                1000 / p50,
                (long) (mb * 1e6),
                1000,
                2000,
                10,
                0.99);
    }

    private static final Measurement FAST = m("fast", 0.80, 0.79, 5, 1);
    private static final Measurement MID = m("mid", 0.90, 0.88, 20, 10);
    private static final Measurement SLOW = m("slow", 0.95, 0.94, 80, 100);
    private static final Measurement DOMINATED = m("dominated", 0.85, 0.84, 30, 5);
    private static final Measurement FAILED =
            Measurement.failed("broken", "broken.onnx", "features", Precision.FP32, "bad file");

    @Test
    void paretoFront_keepsModelsNoOtherBeatsOnAccuracyAndLatency_fastestFirst() {
        List<Measurement> front = Ranking.paretoFront(List.of(SLOW, DOMINATED, FAILED, FAST, MID));
        assertEquals(List.of(FAST, MID, SLOW), front);
    }

    @Test
    void paretoFront_keepsEqualModelsBoth() {
        Measurement twin = m("twin", 0.90, 0.88, 20, 10);
        assertEquals(2, Ranking.paretoFront(List.of(MID, twin)).size());
    }

    @Test
    void choose_withoutBudgets_takesTheMostAccurate() {
        Choice c = Ranking.choose(List.of(FAST, MID, SLOW, FAILED), null, null);
        assertEquals(SLOW, c.best());
        assertTrue(c.reason().contains("slow has the highest top-1 accuracy"), c.reason());
        assertTrue(c.reason().contains("of the 3 measured models (no budgets given)"), c.reason());
    }

    @Test
    void choose_withinBudgets_takesTheMostAccurateThatFits_andNamesTheBetterOneOverBudget() {
        Choice c = Ranking.choose(List.of(FAST, MID, SLOW, DOMINATED), 25.0, 50.0);
        assertEquals(MID, c.best());
        assertTrue(
                c.reason()
                        .contains(
                                "within the budgets (p50 latency at most 25 ms, file at most"
                                        + " 50 MB)"),
                c.reason());
        assertTrue(
                c.reason()
                        .contains(
                                "slow is more accurate (0.9500) but over budget: p50 80.00 ms"
                                        + " > 25 ms, 100.00 MB > 50 MB"),
                c.reason());
    }

    @Test
    void choose_sizeBudgetAlone_excludesLargeFiles() {
        assertEquals(DOMINATED, Ranking.choose(List.of(MID, SLOW, DOMINATED), null, 6.0).best());
    }

    @Test
    void choose_whenNothingFits_choosesNone_andSaysWhatCameClosest() {
        Choice c = Ranking.choose(List.of(MID, SLOW), 1.0, 0.5);
        assertNull(c.best());
        assertTrue(
                c.reason()
                        .startsWith(
                                "No model fits the budgets (p50 latency at most 1 ms, file"
                                        + " at most 0.5 MB): the fastest, mid, takes 20.00 ms"),
                c.reason());
        assertTrue(c.reason().contains("the smallest, mid, is 10.00 MB"), c.reason());
    }

    @Test
    void choose_tiedOnTop1_prefersHigherMacroF1_thenLowerLatency() {
        Measurement a = m("a", 0.90, 0.85, 10, 1);
        Measurement b = m("b", 0.90, 0.89, 30, 1);
        Measurement c = m("c", 0.90, 0.89, 20, 1);
        Choice choice = Ranking.choose(List.of(a, b, c), null, null);
        assertEquals(c, choice.best());
        assertTrue(choice.reason().contains("Tied on top-1 with b"), choice.reason());
    }

    @Test
    void choose_whenEveryCombinationFailed_saysSo() {
        Choice c = Ranking.choose(List.of(FAILED), 10.0, null);
        assertNull(c.best());
        assertEquals("No model was measured: every combination failed.", c.reason());
    }
}
