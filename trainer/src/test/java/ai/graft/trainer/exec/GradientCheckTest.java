package ai.graft.trainer.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Autograd through the operators that the executor composes from several DJL operations agrees with
 * central finite differences.
 */
class GradientCheckTest {
    private static final long[] SHAPE = {2, 4, 7, 7};

    /** Checks d(sum(y * r))/dx at a few elements of x. */
    private static void assertGradient(ModelProto model, boolean training) throws Exception {
        OnnxBlock block = OnnxBlock.create(model);
        try (NDManager manager = NDManager.newBaseManager()) {
            block.initialize(manager, DataType.FLOAT32, new Shape(SHAPE));
            ParameterStore store = new ParameterStore(manager, false);
            float[] input = Oracle.random(SHAPE, -1, 1, 5);
            NDArray x = manager.create(input, new Shape(SHAPE));
            Shape outShape;
            try (NDManager probe = manager.newSubManager()) {
                outShape =
                        block.forward(store, new NDList(x.duplicate()), training).head().getShape();
            }
            NDArray r = manager.create(Oracle.random(outShape.getShape(), -1, 1, 6), outShape);
            float[] analytic;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                x.setRequiresGradient(true);
                NDArray y = block.forward(store, new NDList(x), training).head();
                gc.backward(y.mul(r).sum());
                analytic = x.getGradient().toFloatArray();
            }
            Random pick = new Random(9);
            float h = 1e-2f;
            for (int k = 0; k < 8; k++) {
                int i = pick.nextInt(input.length);
                double up = loss(block, store, manager, input, i, h, r, training);
                double down = loss(block, store, manager, input, i, -h, r, training);
                double numeric = (up - down) / (2 * h);
                assertEquals(
                        numeric,
                        analytic[i],
                        1e-2 + 2e-2 * Math.abs(numeric),
                        "gradient at element " + i);
            }
        }
    }

    private static double loss(
            OnnxBlock block,
            ParameterStore store,
            NDManager manager,
            float[] input,
            int i,
            float h,
            NDArray r,
            boolean training) {
        float[] moved = input.clone();
        moved[i] += h;
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = scope.create(moved, new Shape(SHAPE));
            NDArray y = block.forward(store, new NDList(x), training).head();
            double sum = 0;
            float[] yv = y.toFloatArray();
            float[] rv = r.toFloatArray();
            for (int k = 0; k < yv.length; k++) {
                sum += (double) yv[k] * rv[k];
            }
            return sum;
        }
    }

    private static String[] in(String... names) {
        return names;
    }

    @Test
    void lrn_gradientMatchesFiniteDifferences() throws Exception {
        assertGradient(
                new TinyGraph(13)
                        .input("x", SHAPE)
                        .node("LRN", "x", "y", "size", 3L, "alpha", 0.5f, "bias", 1f)
                        .output("y")
                        .build(),
                false);
    }

    @Test
    void averagePoolExcludingAsymmetricPadding_gradientMatchesFiniteDifferences() throws Exception {
        assertGradient(
                new TinyGraph(13)
                        .input("x", SHAPE)
                        .node(
                                "AveragePool",
                                "x",
                                "y",
                                "kernel_shape",
                                new long[] {3, 3},
                                "strides",
                                new long[] {2, 2},
                                "pads",
                                new long[] {0, 1, 1, 0},
                                "ceil_mode",
                                1L)
                        .output("y")
                        .build(),
                false);
    }

    @Test
    void padReflectSliceGatherSoftmax_gradientMatchesFiniteDifferences() throws Exception {
        assertGradient(
                new TinyGraph(13)
                        .input("x", SHAPE)
                        .longs("p", 0, 0, 1, 2, 0, 0, 2, 1)
                        .longs("st", -1)
                        .longs("en", 0)
                        .longs("ax", 3)
                        .longs("sp", -2)
                        .longs("idx", 3, 1)
                        .node("Pad", in("x", "p"), in("pd"), "mode", "reflect")
                        .node("Slice", in("pd", "st", "en", "ax", "sp"), in("s"))
                        .node("Gather", in("s", "idx"), in("g"), "axis", 1L)
                        .node("Softmax", "g", "y", "axis", 1L)
                        .output("y")
                        .build(),
                false);
    }

    @Test
    void batchNormInTraining_gradientMatchesFiniteDifferences() throws Exception {
        assertGradient(
                new TinyGraph(13)
                                .input("x", SHAPE)
                                .weight("s", 0.5f, 2, 4)
                                .weight("b", -1, 1, 4)
                                .weight("m", -0.5f, 0.5f, 4)
                                .weight("v", 0.5f, 2, 4)
                                .node("BatchNormalization", in("x", "s", "b", "m", "v"), in("n"))
                                .node("HardSwish", "n", "y")
                                .output("y")
                                .build()
                                .toBuilder()
                                .setOpsetImport(
                                        0,
                                        ai.graft.converter.onnx.proto.OnnxProto.OperatorSetIdProto
                                                .newBuilder()
                                                .setVersion(14))
                                .build(),
                true);
    }

    @Test
    void gemmGeneralForm_gradientMatchesFiniteDifferences() throws Exception {
        assertGradient(
                new TinyGraph(13)
                        .input("x", SHAPE)
                        .longs("shape", 14, -1)
                        .weight("w", -1, 1, 14, 5)
                        .weight("c", -1, 1, 1, 5)
                        .node("Reshape", in("x", "shape"), in("f"))
                        .node(
                                "Gemm",
                                in("f", "w", "c"),
                                in("y"),
                                "transA",
                                1L,
                                "alpha",
                                0.5f,
                                "beta",
                                2f)
                        .output("y")
                        .build(),
                false);
    }
}
