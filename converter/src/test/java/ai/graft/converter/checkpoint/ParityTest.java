package ai.graft.converter.checkpoint;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.GraftException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParityTest {
    @TempDir Path dir;

    @Test
    void of_isTheLargestDifferenceAndTheLargestLogit() {
        Parity parity = Parity.of(new float[] {1, -4, 2}, new float[] {1.5f, -4, 2});
        assertEquals(0.5, parity.maxAbsDiff(), 1e-9);
        assertEquals(4, parity.logitScale(), 1e-9);
    }

    @Test
    void of_countsNanAsInfinitelyFar() {
        Parity parity = Parity.of(new float[] {1}, new float[] {Float.NaN});
        assertTrue(Double.isInfinite(parity.maxAbsDiff()));
    }

    @Test
    void worst_takesTheLargerDifferenceAndScaleOfTwoBatches() {
        Parity a = new Parity(0.5, 2);
        Parity b = new Parity(0.1, 7);
        assertEquals(new Parity(0.5, 7), a.worst(b));
        assertEquals(a, Parity.NONE.worst(a));
    }

    @Test
    void check_refusesOverToleranceAndNamesTheTarget() {
        Path target = dir.resolve("model.onnx");
        assertDoesNotThrow(() -> new Parity(0.5e-3, 0.2).check(target));
        GraftException e =
                assertThrows(GraftException.class, () -> new Parity(1e-2, 2).check(target));
        assertTrue(e.getMessage().contains(target.toString()), e.getMessage());
        assertFalse(Files.exists(target));
    }
}
