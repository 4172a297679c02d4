package ai.graft.converter.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The shape operators' arithmetic, checked against the ONNX operator documentation. */
class ShapeArithmeticTest {
    private static long[] s(long... dims) {
        return dims;
    }

    private static void assertRefused(String expected, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), "message: " + e.getMessage());
    }

    @Test
    void product_multipliesARangeAndIsUnknownWhenADimensionIs() {
        assertEquals(24, ShapeArithmetic.product(s(2, 3, 4), 0, 3));
        assertEquals(12, ShapeArithmetic.product(s(2, 3, 4), 1, 3));
        assertEquals(1, ShapeArithmetic.product(s(2, 3, 4), 2, 2));
        assertEquals(0, ShapeArithmetic.product(s(2, 0, 4), 0, 3));
        assertEquals(-1, ShapeArithmetic.product(s(2, -1, 4), 0, 3));
        assertEquals(4, ShapeArithmetic.product(s(2, -1, 4), 2, 3));
    }

    @Test
    void axis_countsNegativeAxesFromTheEndAndRefusesOthersOutOfRange() {
        assertEquals(0, ShapeArithmetic.axis(0, 3));
        assertEquals(2, ShapeArithmetic.axis(-1, 3));
        assertEquals(0, ShapeArithmetic.axis(-3, 3));
        assertRefused("Axis 3 out of range for rank 3", () -> ShapeArithmetic.axis(3, 3));
        assertRefused("Axis -4 out of range for rank 3", () -> ShapeArithmetic.axis(-4, 3));
        assertRefused("Axis 0 out of range for rank 0", () -> ShapeArithmetic.axis(0, 0));
    }

    @Test
    void broadcast_alignsFromTheRightAsNumpyDoes() {
        assertArrayEquals(s(8, 7, 6), ShapeArithmetic.broadcast(s(8, 1, 6), s(7, 1)));
        assertArrayEquals(s(2, 3, 4, 5), ShapeArithmetic.broadcast(s(2, 3, 4, 5), s(5)));
        assertArrayEquals(s(4, 3), ShapeArithmetic.broadcast(s(4, 1), s(3)));
        assertArrayEquals(s(0, 3), ShapeArithmetic.broadcast(s(0, 1), s(1, 3)));
    }

    @Test
    void broadcast_ofAScalarIsTheOtherShape() {
        // ONNX: "a scalar (rank 0) broadcasts to any shape".
        assertArrayEquals(s(2, 3), ShapeArithmetic.broadcast(s(), s(2, 3)));
        assertArrayEquals(s(2, 3), ShapeArithmetic.broadcast(s(2, 3), s()));
        assertArrayEquals(s(), ShapeArithmetic.broadcast(s(), s()));
    }

    @Test
    void broadcast_refusesDimensionsThatDifferAndAreNotOne() {
        assertNull(ShapeArithmetic.broadcast(s(2, 3), s(4)));
        assertNull(ShapeArithmetic.broadcast(s(2, 3), s(3, 3)));
        assertNull(ShapeArithmetic.broadcast(s(0), s(2)));
        assertNull(ShapeArithmetic.broadcast(null, s(2)));
        assertNull(ShapeArithmetic.broadcast(s(2), null));
    }

    @Test
    void broadcast_keepsWhatIsKnownOfUnknownDimensions() {
        assertArrayEquals(s(-1, 3), ShapeArithmetic.broadcast(s(-1, 1), s(1, 3)));
        assertArrayEquals(s(5, 3), ShapeArithmetic.broadcast(s(-1, 3), s(5, 3)));
        assertArrayEquals(s(5), ShapeArithmetic.broadcast(s(5), s(-1)));
        assertArrayEquals(s(-1), ShapeArithmetic.broadcast(s(-1), s(-1)));
    }

    @Test
    void broadcastIndex_repeatsTheElementsOfSizeOneDimensions() {
        // A [2, 1] column against [2, 3]: each row reads its one element.
        assertArrayEquals(
                new int[] {0, 0, 0, 1, 1, 1}, ShapeArithmetic.broadcastIndex(s(2, 1), s(2, 3)));
        // A [3] row against [2, 3]: each row reads the whole row.
        assertArrayEquals(
                new int[] {0, 1, 2, 0, 1, 2}, ShapeArithmetic.broadcastIndex(s(3), s(2, 3)));
        assertArrayEquals(new int[] {0, 0, 0}, ShapeArithmetic.broadcastIndex(s(), s(3)));
        assertArrayEquals(new int[] {0, 1, 2}, ShapeArithmetic.broadcastIndex(s(3), s(3)));
        assertArrayEquals(new int[0], ShapeArithmetic.broadcastIndex(s(0, 1), s(0, 3)));
    }

    @Test
    void apply_computesIntegersAsOnnxRuntimeAndTruncatesDivision() {
        assertEquals(7, ShapeArithmetic.apply("Add", 3, 4));
        assertEquals(-1, ShapeArithmetic.apply("Sub", 3, 4));
        assertEquals(12, ShapeArithmetic.apply("Mul", 3, 4));
        assertEquals(3, ShapeArithmetic.apply("Div", 7, 2));
        assertEquals(-3, ShapeArithmetic.apply("Div", -7, 2));
        assertEquals(-3, ShapeArithmetic.apply("Div", 7, -2));
        assertThrows(ArithmeticException.class, () -> ShapeArithmetic.apply("Div", 1, 0));
        assertRefused("Not an arithmetic operator: Pow", () -> ShapeArithmetic.apply("Pow", 2, 3));
    }

    @Test
    void shapeOf_takesStartAndEndLikeSlicingTheShapeWithClamping() {
        long[] shape = s(2, 3, 4, 5);
        assertArrayEquals(shape, ShapeArithmetic.shapeOf(shape, 0, 4));
        assertArrayEquals(s(3, 4), ShapeArithmetic.shapeOf(shape, 1, 3));
        assertArrayEquals(s(4, 5), ShapeArithmetic.shapeOf(shape, -2, 4));
        assertArrayEquals(s(2, 3, 4), ShapeArithmetic.shapeOf(shape, 0, -1));
        assertArrayEquals(shape, ShapeArithmetic.shapeOf(shape, -10, 10));
        assertArrayEquals(s(), ShapeArithmetic.shapeOf(shape, 3, 1));
        assertArrayEquals(s(), ShapeArithmetic.shapeOf(s(), 0, 0));
        assertArrayEquals(s(-1, 3), ShapeArithmetic.shapeOf(s(-1, 3), 0, 2));
    }

    @Test
    void reshape_copiesZerosAndInfersMinusOne() {
        assertArrayEquals(s(2, 12), ShapeArithmetic.reshape(s(2, 3, 4), s(0, -1), false));
        assertArrayEquals(s(6, 4), ShapeArithmetic.reshape(s(2, 3, 4), s(-1, 4), false));
        assertArrayEquals(s(24), ShapeArithmetic.reshape(s(2, 3, 4), s(-1), false));
        assertArrayEquals(s(2, 3, 4), ShapeArithmetic.reshape(s(2, 3, 4), s(0, 0, 0), false));
        assertArrayEquals(s(), ShapeArithmetic.reshape(s(1, 1), s(), false));
        assertArrayEquals(s(1), ShapeArithmetic.reshape(s(), s(-1), false));
    }

    @Test
    void reshape_withAllowZeroKeepsZerosAsSizes() {
        assertArrayEquals(s(0, 3), ShapeArithmetic.reshape(s(0, 3), s(0, 3), true));
        assertArrayEquals(s(3, 0), ShapeArithmetic.reshape(s(0, 3), s(3, 0), true));
    }

    @Test
    void reshape_infersMinusOneOfAnEmptyTensorFromTheOtherDimensions() {
        assertArrayEquals(s(0, 3), ShapeArithmetic.reshape(s(0, 3), s(-1, 3), false));
        assertArrayEquals(s(3, 0), ShapeArithmetic.reshape(s(0, 3), s(3, -1), false));
    }

    @Test
    void reshape_refusesAMinusOneThatZerosLeaveUndetermined() {
        // ONNX: with allowzero, a shape may not hold both 0 and -1.
        assertRefused(
                "Cannot reshape [0, 3] to [-1, 0]: -1 cannot be inferred beside a dimension of"
                        + " size 0",
                () -> ShapeArithmetic.reshape(s(0, 3), s(-1, 0), true));
        // Without allowzero the 0 copies a 0: any size fits -1 (ONNX Runtime and numpy refuse).
        assertRefused(
                "Cannot reshape [0, 3] to [0, -1]: -1 cannot be inferred",
                () -> ShapeArithmetic.reshape(s(0, 3), s(0, -1), false));
    }

    @Test
    void reshape_refusesAMinusOneThatIsNotAWholeNumber() {
        assertRefused(
                "Cannot reshape [2, 3] to [-1, 4]: 6 elements are not a whole number of blocks"
                        + " of 4",
                () -> ShapeArithmetic.reshape(s(2, 3), s(-1, 4), false));
    }

    @Test
    void reshape_refusesTwoMinusOnesAndValuesBelowMinusOne() {
        assertRefused("at most one -1", () -> ShapeArithmetic.reshape(s(2, 3), s(-1, -1), false));
        assertRefused("at least -1", () -> ShapeArithmetic.reshape(s(2, 3), s(-2, 3), false));
    }

    @Test
    void reshape_leavesUnknownWhatDependsOnAnUnknownDimension() {
        assertArrayEquals(s(-1, -1), ShapeArithmetic.reshape(s(-1, 3, 4), s(0, -1), false));
        assertArrayEquals(s(-1, 4), ShapeArithmetic.reshape(s(-1, 3, 4), s(-1, 4), false));
        assertArrayEquals(s(-1, 4), ShapeArithmetic.reshape(null, s(0, 4), false));
        assertArrayEquals(s(-1, 4), ShapeArithmetic.reshape(null, s(-1, 4), false));
    }

    @Test
    void reshape_refusesAZeroBeyondTheInputsRank() {
        assertRefused(
                "Cannot reshape [6] to [6, 0]: the 0 at position 1 has no input dimension to copy",
                () -> ShapeArithmetic.reshape(s(6), s(6, 0), false));
    }

    @Test
    void flatten_splitsTheShapeAtTheAxis() {
        assertArrayEquals(s(2, 60), ShapeArithmetic.flatten(s(2, 3, 4, 5), 1));
        assertArrayEquals(s(1, 120), ShapeArithmetic.flatten(s(2, 3, 4, 5), 0));
        assertArrayEquals(s(120, 1), ShapeArithmetic.flatten(s(2, 3, 4, 5), 4));
        assertArrayEquals(s(24, 5), ShapeArithmetic.flatten(s(2, 3, 4, 5), -1));
        assertArrayEquals(s(1, 120), ShapeArithmetic.flatten(s(2, 3, 4, 5), -4));
        assertArrayEquals(s(-1, 60), ShapeArithmetic.flatten(s(-1, 3, 4, 5), 1));
    }

    @Test
    void flatten_refusesAnAxisOutsideMinusRankToRank() {
        // ONNX: axis in [-r, r].
        assertRefused(
                "Flatten axis 5 out of range for rank 4",
                () -> ShapeArithmetic.flatten(s(2, 3, 4, 5), 5));
        assertRefused(
                "Flatten axis -5 out of range for rank 4",
                () -> ShapeArithmetic.flatten(s(2, 3, 4, 5), -5));
    }

    @Test
    void squeeze_removesTheNamedAxesOrEveryOne() {
        assertArrayEquals(s(3, 4), ShapeArithmetic.squeeze(s(1, 3, 1, 4), null));
        assertArrayEquals(s(3, 1, 4), ShapeArithmetic.squeeze(s(1, 3, 1, 4), s(0)));
        assertArrayEquals(s(1, 3, 4), ShapeArithmetic.squeeze(s(1, 3, 1, 4), s(-2)));
        assertArrayEquals(s(3, 4), ShapeArithmetic.squeeze(s(1, 3, 1, 4), s(2, 0)));
        assertArrayEquals(s(), ShapeArithmetic.squeeze(s(1), null));
        // An unknown dimension may be 1 at run time.
        assertArrayEquals(s(3), ShapeArithmetic.squeeze(s(-1, 3), s(0)));
    }

    @Test
    void squeeze_refusesAxesOfAnotherSizeRepeatedOrOutOfRange() {
        // ONNX: "If an axis is selected with shape entry not equal to one, an error is raised."
        assertRefused(
                "Cannot squeeze axes [1] of [1, 3]: axis 1 is repeated or not of size 1",
                () -> ShapeArithmetic.squeeze(s(1, 3), s(1)));
        assertRefused("axis 0", () -> ShapeArithmetic.squeeze(s(0, 3), s(0)));
        assertRefused("axis -2", () -> ShapeArithmetic.squeeze(s(1, 3), s(0, -2)));
        assertRefused("Axis 2 out of range", () -> ShapeArithmetic.squeeze(s(1, 3), s(2)));
    }

    @Test
    void unsqueeze_insertsOnesAtAxesOfTheOutput() {
        assertArrayEquals(s(1, 3, 4), ShapeArithmetic.unsqueeze(s(3, 4), s(0)));
        assertArrayEquals(s(3, 4, 1), ShapeArithmetic.unsqueeze(s(3, 4), s(-1)));
        assertArrayEquals(s(1, 3, 1, 4), ShapeArithmetic.unsqueeze(s(3, 4), s(2, 0)));
        assertArrayEquals(s(1), ShapeArithmetic.unsqueeze(s(), s(0)));
        assertArrayEquals(s(-1, 1), ShapeArithmetic.unsqueeze(s(-1), s(1)));
    }

    @Test
    void unsqueeze_refusesRepeatedAndOutOfRangeAxes() {
        assertRefused(
                "Cannot unsqueeze [3, 4]: axis -4 repeated in [0, -4]",
                () -> ShapeArithmetic.unsqueeze(s(3, 4), s(0, -4)));
        assertRefused(
                "Axis 3 out of range for rank 3", () -> ShapeArithmetic.unsqueeze(s(3, 4), s(3)));
    }

    @Test
    void gather_replacesTheAxisByTheIndicesShape() {
        assertArrayEquals(s(2, 5, 4), ShapeArithmetic.gather(s(2, 3, 4), 1, s(5)));
        assertArrayEquals(s(2, 4), ShapeArithmetic.gather(s(2, 3, 4), 1, s()));
        assertArrayEquals(s(2, 3, 6, 7), ShapeArithmetic.gather(s(2, 3, 4), -1, s(6, 7)));
        assertArrayEquals(s(5, 3), ShapeArithmetic.gather(s(-1, 3), 0, s(5)));
        assertRefused("Axis 3 out of range", () -> ShapeArithmetic.gather(s(2, 3, 4), 3, s(1)));
    }

    @Test
    void gatherIndex_readsAlongTheAxisWithNegativeIndicesFromItsEnd() {
        // data [2, 3] row-major: [[0, 1, 2], [3, 4, 5]].
        assertArrayEquals(
                new int[] {2, 0, 5, 3}, ShapeArithmetic.gatherIndex(s(2, 3), 1, s(-1, 0)));
        assertArrayEquals(
                new int[] {3, 4, 5, 0, 1, 2}, ShapeArithmetic.gatherIndex(s(2, 3), 0, s(1, -2)));
        assertArrayEquals(new int[] {1, 4}, ShapeArithmetic.gatherIndex(s(2, 3), -1, s(-2)));
        assertArrayEquals(new int[0], ShapeArithmetic.gatherIndex(s(2, 3), 0, s()));
    }

    @Test
    void gatherIndex_refusesIndicesOutsideTheAxis() {
        // ONNX: indices in [-s, s-1]; anything else is an error, not a read of a neighbour.
        assertRefused(
                "Gather index 3 out of range [-3, 2] for axis 1 of [2, 3]",
                () -> ShapeArithmetic.gatherIndex(s(2, 3), 1, s(0, 3)));
        assertRefused(
                "Gather index -4 out of range [-3, 2]",
                () -> ShapeArithmetic.gatherIndex(s(2, 3), -1, s(-4)));
        assertRefused(
                "Gather index 0 out of range [0, -1]",
                () -> ShapeArithmetic.gatherIndex(s(0, 3), 0, s(0)));
    }

    @Test
    void product_refusesAShapeWhoseElementCountOverflows() {
        long[] huge = {1L << 40, 1L << 40};
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class, () -> ShapeArithmetic.product(huge, 0, 2));
        assertTrue(e.getMessage().contains("more elements than a long counts"), e.getMessage());
        assertEquals(-1, ShapeArithmetic.product(new long[] {-1, 1L << 40, 1L << 40}, 0, 3));
    }
}
