package ai.graft.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.Preprocessing.Layout;
import org.junit.jupiter.api.Test;

class InputShapeTest {

    private static void assertShape(
            long[] shape, Layout layout, int channels, int width, int height) {
        assertEquals(new InputShape(layout, channels, width, height), InputShape.of(shape));
    }

    @Test
    void of_readsNchwAndNhwc() {
        assertShape(new long[] {1, 3, 224, 160}, Layout.NCHW, 3, 160, 224);
        assertShape(new long[] {1, 224, 160, 3}, Layout.NHWC, 3, 160, 224);
        assertShape(new long[] {1, 1, 28, 28}, Layout.NCHW, 1, 28, 28);
        assertShape(new long[] {1, 28, 28, 1}, Layout.NHWC, 1, 28, 28);
    }

    @Test
    void of_givesZeroForDynamicSides() {
        assertShape(new long[] {-1, 3, -1, -1}, Layout.NCHW, 3, 0, 0);
        assertShape(new long[] {-1, -1, -1, 3}, Layout.NHWC, 3, 0, 0);
        assertShape(new long[] {-1, 0, 0, 1}, Layout.NHWC, 1, 0, 0);
        assertShape(new long[] {-1, 3, 224, -1}, Layout.NCHW, 3, 0, 224);
    }

    @Test
    void of_readsAShapeThatFitsBothLayoutsAsNchw() {
        assertShape(new long[] {1, 3, 3, 3}, Layout.NCHW, 3, 3, 3);
        assertShape(new long[] {1, 1, 3, 3}, Layout.NCHW, 1, 3, 3);
        assertShape(new long[] {1, 3, 3, 1}, Layout.NCHW, 3, 1, 3);
        assertShape(new long[] {1, 1, 1, 1}, Layout.NCHW, 1, 1, 1);
    }

    @Test
    void of_leavesTheLayoutUnknownWhenNoChannelDimensionSaysIt() {
        assertShape(new long[] {1, 4, 224, 224}, null, 0, 224, 224);
        assertShape(new long[] {1, -1, 32, 48}, null, 0, 48, 32);
        assertShape(new long[] {-1, -1, -1, -1}, null, 0, 0, 0);
    }

    @Test
    void of_refusesAShapeThatIsNot4D() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class, () -> InputShape.of(new long[] {1, 3}));
        assertTrue(e.getMessage().contains("[1, 3]"), e.getMessage());
    }

    @Test
    void fitLayout_takesTheInputsLayoutOrKeepsThePreprocessing() {
        Preprocessing nchw = Preprocessing.imagenet(224, 224);
        Preprocessing fitted = InputShape.of(new long[] {1, 224, 224, 3}).fitLayout(nchw);
        assertEquals(nchw.toBuilder().layout(Layout.NHWC).build(), fitted);
        assertSame(nchw, InputShape.of(new long[] {1, 3, 224, 224}).fitLayout(nchw));
        assertSame(fitted, InputShape.of(new long[] {1, -1, 224, 224}).fitLayout(fitted));
    }

    @Test
    void constructor_refusesChannelsThatDoNotGoWithTheLayout() {
        assertThrows(IllegalArgumentException.class, () -> new InputShape(null, 3, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new InputShape(Layout.NCHW, 4, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new InputShape(Layout.NHWC, 3, -1, 1));
    }
}
