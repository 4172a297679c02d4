package ai.graft.converter.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.graph.ShapeArithmetic.SliceRange;
import org.junit.jupiter.api.Test;

/** Slice's clamping, as the ONNX Slice-13 documentation states it. */
class ShapeArithmeticSliceTest {
    private static void assertRange(long start, long step, long count, SliceRange actual) {
        assertEquals(new SliceRange(start, step, count), actual);
    }

    @Test
    void slice_readsForwardWithinTheAxis() {
        assertRange(0, 1, 5, ShapeArithmetic.slice(5, 0, 5, 1));
        assertRange(1, 2, 2, ShapeArithmetic.slice(5, 1, 4, 2));
        assertRange(1, 2, 2, ShapeArithmetic.slice(5, 1, 5, 2));
        assertRange(3, 1, 2, ShapeArithmetic.slice(5, -2, 5, 1));
        assertRange(0, 1, 4, ShapeArithmetic.slice(5, 0, -1, 1));
    }

    @Test
    void slice_clampsStartsAndEndsBeyondTheAxis() {
        assertRange(0, 1, 5, ShapeArithmetic.slice(5, 0, Long.MAX_VALUE, 1));
        assertRange(0, 1, 5, ShapeArithmetic.slice(5, -100, 100, 1));
        assertRange(0, 1, 5, ShapeArithmetic.slice(5, Long.MIN_VALUE, Long.MAX_VALUE, 1));
        assertRange(5, 1, 0, ShapeArithmetic.slice(5, 100, 200, 1));
        assertRange(3, 1, 0, ShapeArithmetic.slice(5, 3, 1, 1));
    }

    @Test
    void slice_readsBackwardDownToTheStartWithEndsBelowIt() {
        assertRange(4, -1, 5, ShapeArithmetic.slice(5, 4, -6, -1));
        // ONNX recommends INT_MIN as the end of a backward slice of unknown length.
        assertRange(4, -1, 5, ShapeArithmetic.slice(5, -1, Long.MIN_VALUE, -1));
        assertRange(4, -2, 3, ShapeArithmetic.slice(5, Long.MAX_VALUE, Long.MIN_VALUE, -2));
        assertRange(3, -1, 2, ShapeArithmetic.slice(5, 3, 1, -1));
        assertRange(1, -1, 0, ShapeArithmetic.slice(5, 1, 3, -1));
    }

    @Test
    void slice_clampsABackwardStartBelowTheAxisToItsFirstElement() {
        // ONNX: a backward start is clamped into [0, dim - 1], its end into [-1, dim - 1].
        assertRange(0, -1, 1, ShapeArithmetic.slice(5, -10, -10, -1));
        assertRange(0, -1, 1, ShapeArithmetic.slice(5, Long.MIN_VALUE, Long.MIN_VALUE, -1));
    }

    @Test
    void slice_takesOneElementForStepsLongerThanTheAxis() {
        assertRange(0, Long.MAX_VALUE, 1, ShapeArithmetic.slice(5, 0, 5, Long.MAX_VALUE));
        assertRange(2, 1L << 62, 1, ShapeArithmetic.slice(5, 2, Long.MAX_VALUE, 1L << 62));
        assertRange(4, Long.MIN_VALUE, 1, ShapeArithmetic.slice(5, 4, -6, Long.MIN_VALUE));
        assertRange(4, -Long.MAX_VALUE, 1, ShapeArithmetic.slice(5, -1, -6, -Long.MAX_VALUE));
    }

    @Test
    void slice_ofAnEmptyAxisReadsNothing() {
        assertEquals(0, ShapeArithmetic.slice(0, 0, 1, 1).count());
        assertEquals(0, ShapeArithmetic.slice(0, -1, Long.MIN_VALUE, -1).count());
        assertEquals(0, ShapeArithmetic.slice(0, 0, -1, -1).count());
    }

    @Test
    void slice_refusesAStepOfZero() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class, () -> ShapeArithmetic.slice(5, 0, 5, 0));
        assertTrue(e.getMessage().contains("Slice step must not be 0"), e.getMessage());
    }
}
