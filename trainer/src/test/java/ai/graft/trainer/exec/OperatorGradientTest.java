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
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Autograd through the executor's newer operators agrees with central finite differences, in double
 * precision on tiny tensors, for every element of every graph input (weights such as a layer norm's
 * scale are graph inputs here, so their gradients are checked too).
 */
class OperatorGradientTest {
    private static final double H = 1e-5;

    private static String[] in(String... names) {
        return names;
    }

    /** Checks d(sum(y * r))/d(input k) for every input element, inputs uniform in [lo, hi). */
    private static void assertGradients(ModelProto model, double lo, double hi, long[]... shapes)
            throws Exception {
        OnnxBlock block = OnnxBlock.create(model);
        try (NDManager manager = NDManager.newBaseManager()) {
            Shape[] s = Arrays.stream(shapes).map(Shape::new).toArray(Shape[]::new);
            block.initialize(manager, DataType.FLOAT64, s);
            ParameterStore store = new ParameterStore(manager, false);
            Random random = new Random(11);
            double[][] values = new double[shapes.length][];
            for (int k = 0; k < shapes.length; k++) {
                values[k] = new double[(int) s[k].size()];
                for (int i = 0; i < values[k].length; i++) {
                    values[k][i] = lo + (hi - lo) * random.nextDouble();
                }
            }
            double[] r;
            double[][] analytic = new double[shapes.length][];
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDList x = new NDList();
                for (int k = 0; k < shapes.length; k++) {
                    NDArray a = manager.create(values[k], s[k]);
                    a.setRequiresGradient(true);
                    x.add(a);
                }
                NDArray y = block.forward(store, x, false).head();
                r = new double[(int) y.size()];
                for (int i = 0; i < r.length; i++) {
                    r[i] = random.nextDouble() * 2 - 1;
                }
                NDArray weights = manager.create(r, y.getShape());
                gc.backward(y.toType(DataType.FLOAT64, false).mul(weights).sum());
                for (int k = 0; k < shapes.length; k++) {
                    analytic[k] = x.get(k).getGradient().toDoubleArray();
                }
            }
            for (int k = 0; k < shapes.length; k++) {
                for (int i = 0; i < values[k].length; i++) {
                    double up = loss(block, store, manager, values, s, k, i, H, r);
                    double down = loss(block, store, manager, values, s, k, i, -H, r);
                    double numeric = (up - down) / (2 * H);
                    assertEquals(
                            numeric,
                            analytic[k][i],
                            1e-6 + 1e-5 * Math.abs(numeric),
                            "gradient of input " + k + " at element " + i);
                }
            }
        }
    }

    private static double loss(
            OnnxBlock block,
            ParameterStore store,
            NDManager manager,
            double[][] values,
            Shape[] shapes,
            int k,
            int i,
            double h,
            double[] r) {
        try (NDManager scope = manager.newSubManager()) {
            NDList x = new NDList();
            for (int j = 0; j < values.length; j++) {
                double[] v = values[j];
                if (j == k) {
                    v = v.clone();
                    v[i] += h;
                }
                x.add(scope.create(v, shapes[j]));
            }
            double[] y =
                    block.forward(store, x, false)
                            .head()
                            .toType(DataType.FLOAT64, false)
                            .toDoubleArray();
            double sum = 0;
            for (int j = 0; j < y.length; j++) {
                sum += y[j] * r[j];
            }
            return sum;
        }
    }

    private static ModelProto unary(String op, Object... attributes) {
        return new TinyGraph(17)
                .input("x", 2, 3, 4)
                .node(op, in("x"), in("y"), attributes)
                .output("y")
                .build();
    }

    @Test
    void layerNormalization_gradientsOfInputScaleAndBias() throws Exception {
        for (long axis : new long[] {-1, 1}) {
            ModelProto m =
                    new TinyGraph(17)
                            .input("x", 2, 3, 4)
                            .input("s", axis == -1 ? new long[] {4} : new long[] {3, 4})
                            .input("b", axis == -1 ? new long[] {4} : new long[] {3, 4})
                            .node(
                                    "LayerNormalization",
                                    in("x", "s", "b"),
                                    in("y"),
                                    "axis",
                                    axis,
                                    "epsilon",
                                    1e-3f)
                            .output("y")
                            .build();
            assertGradients(
                    m,
                    -1,
                    1,
                    new long[] {2, 3, 4},
                    axis == -1 ? new long[] {4} : new long[] {3, 4},
                    axis == -1 ? new long[] {4} : new long[] {3, 4});
        }
    }

    @Test
    void layerNormalizationWithStatisticsOutputs_gradientOfInput() throws Exception {
        // Mean and InvStdDev requested: the composed path, not the engine's fused one.
        ModelProto m =
                new TinyGraph(17)
                        .input("x", 2, 5)
                        .input("s", 5)
                        .node(
                                "LayerNormalization",
                                in("x", "s"),
                                in("y", "mean", "inv"),
                                "epsilon",
                                1e-3f)
                        .output("y")
                        .build();
        assertGradients(m, -1, 1, new long[] {2, 5}, new long[] {5});
    }

    @Test
    void instanceAndMeanVarianceNormalization_gradients() throws Exception {
        assertGradients(
                new TinyGraph(17)
                        .input("x", 2, 3, 2, 2)
                        .input("s", 3)
                        .input("b", 3)
                        .node("InstanceNormalization", in("x", "s", "b"), in("y"))
                        .output("y")
                        .build(),
                -1,
                1,
                new long[] {2, 3, 2, 2},
                new long[] {3},
                new long[] {3});
        assertGradients(
                unary("MeanVarianceNormalization", "axes", new long[] {0, 2}),
                -1,
                1,
                new long[] {2, 3, 4});
    }

    @Test
    void batchNormalizationTrainingMode_gradientsOfInputScaleAndBias() throws Exception {
        ModelProto m =
                new TinyGraph(15)
                        .input("x", 3, 2, 2)
                        .input("s", 2)
                        .input("b", 2)
                        .weight("mean", -0.5f, 0.5f, 2)
                        .weight("var", 0.5f, 2, 2)
                        .node(
                                "BatchNormalization",
                                in("x", "s", "b", "mean", "var"),
                                in("y", "rm", "rv"),
                                "training_mode",
                                1L)
                        .output("y")
                        .build();
        assertGradients(m, -1, 1, new long[] {3, 2, 2}, new long[] {2}, new long[] {2});
    }

    @Test
    void activations_gradients() throws Exception {
        for (String op :
                new String[] {
                    "Selu",
                    "Celu",
                    "Softsign",
                    "Mish",
                    "Sin",
                    "Cos",
                    "Atan",
                    "Sinh",
                    "Cosh",
                    "Asinh",
                    "Erf"
                }) {
            assertGradients(unary(op), -1, 1, new long[] {2, 3, 4});
        }
        assertGradients(unary("Gelu"), -2, 2, new long[] {2, 3, 4});
        assertGradients(unary("Gelu", "approximate", "tanh"), -2, 2, new long[] {2, 3, 4});
        assertGradients(unary("Tan"), -1, 1, new long[] {2, 3, 4});
        for (String op : new String[] {"Asin", "Acos", "Atanh"}) {
            assertGradients(unary(op), -0.9, 0.9, new long[] {2, 3, 4});
        }
        assertGradients(unary("Acosh"), 1.2, 2, new long[] {2, 3, 4});
        assertGradients(unary("ThresholdedRelu", "alpha", 0.1f), -1, 1, new long[] {2, 3, 4});
        assertGradients(unary("Shrink", "lambd", 0.3f, "bias", 0.1f), -1, 1, new long[] {2, 3, 4});
    }

    @Test
    void preluAndWhere_gradientsOfBothOperands() throws Exception {
        assertGradients(
                new TinyGraph(17)
                        .input("x", 2, 3, 2)
                        .input("slope", 3, 1)
                        .node("PRelu", in("x", "slope"), in("y"))
                        .output("y")
                        .build(),
                -1,
                1,
                new long[] {2, 3, 2},
                new long[] {3, 1});
        assertGradients(
                new TinyGraph(17)
                        .input("a", 2, 3)
                        .input("b", 3)
                        .node("Greater", in("a", "b"), in("c"))
                        .node("Where", in("c", "a", "b"), in("y"))
                        .output("y")
                        .build(),
                -1,
                1,
                new long[] {2, 3},
                new long[] {3});
    }

    @Test
    void reductions_gradients() throws Exception {
        for (String op :
                new String[] {
                    "ReduceMin",
                    "ReduceProd",
                    "ReduceL1",
                    "ReduceL2",
                    "ReduceSumSquare",
                    "ReduceLogSumExp"
                }) {
            assertGradients(
                    unary(op, "axes", new long[] {0, 2}, "keepdims", 0L),
                    -1,
                    1,
                    new long[] {2, 3, 4});
        }
        assertGradients(
                unary("ReduceLogSum", "axes", new long[] {1}), 0.2, 1, new long[] {2, 3, 4});
    }

    @Test
    void resize_gradientsOfLinearCubicAndNearest() throws Exception {
        String[][] modes = {
            {"linear", "half_pixel"},
            {"linear", "align_corners"},
            {"cubic", "half_pixel"},
            {"cubic", "asymmetric"},
            {"nearest", "asymmetric"},
            {"linear", "pytorch_half_pixel"}
        };
        for (String[] m : modes) {
            assertGradients(
                    new TinyGraph(13)
                            .floats("roi", new long[] {0}, new float[0])
                            .floats("scales", new long[] {4}, new float[] {1, 1, 1.5f, 0.75f})
                            .input("x", 1, 2, 4, 4)
                            .node(
                                    "Resize",
                                    in("x", "roi", "scales"),
                                    in("y"),
                                    "mode",
                                    m[0],
                                    "coordinate_transformation_mode",
                                    m[1])
                            .output("y")
                            .build(),
                    -1,
                    1,
                    new long[] {1, 2, 4, 4});
        }
    }

    @Test
    void rearrangingOperators_gradients() throws Exception {
        assertGradients(
                new TinyGraph(17)
                        .input("x", 2, 3, 4)
                        .longs("axis", 1)
                        .node("CumSum", in("x", "axis"), in("y"), "exclusive", 1L, "reverse", 1L)
                        .output("y")
                        .build(),
                -1,
                1,
                new long[] {2, 3, 4});
        assertGradients(
                new TinyGraph(17)
                        .input("x", 2, 3, 4)
                        .longs("k", 1)
                        .node("Trilu", in("x", "k"), in("y"), "upper", 0L)
                        .output("y")
                        .build(),
                -1,
                1,
                new long[] {2, 3, 4});
        assertGradients(
                new TinyGraph(17)
                        .input("x", 2, 3)
                        .initializer(
                                ai.graft.converter.OnnxTensors.fromLongs(
                                        "i", new long[] {2, 2}, new long[] {2, -1, 0, 0}))
                        .node("GatherElements", in("x", "i"), in("y"), "axis", 1L)
                        .output("y")
                        .build(),
                -1,
                1,
                new long[] {2, 3});
        assertGradients(
                unary("DepthToSpace", "blocksize", 2L, "mode", "CRD"),
                -1,
                1,
                new long[] {1, 8, 2, 3});
        assertGradients(
                new TinyGraph(17)
                        .input("a", 2, 2, 3)
                        .input("b", 3, 4)
                        .node("MatMul", in("a", "b"), in("y"))
                        .output("y")
                        .build(),
                -1,
                1,
                new long[] {2, 2, 3},
                new long[] {3, 4});
    }

    @Test
    void dilatedMaxPool_gradient() throws Exception {
        assertGradients(
                new TinyGraph(17)
                        .input("x", 1, 2, 6, 6)
                        .node(
                                "MaxPool",
                                in("x"),
                                in("y"),
                                "kernel_shape",
                                new long[] {2, 2},
                                "dilations",
                                new long[] {2, 2},
                                "pads",
                                new long[] {1, 0, 0, 1},
                                "ceil_mode",
                                1L)
                        .output("y")
                        .build(),
                -1,
                1,
                new long[] {1, 2, 6, 6});
    }

    @Test
    void losses_gradientOfScores() throws Exception {
        for (String reduction : new String[] {"mean", "sum", "none"}) {
            assertGradients(
                    new TinyGraph(13)
                            .input("scores", 4, 3, 2)
                            .initializer(
                                    ai.graft.converter.OnnxTensors.fromLongs(
                                            "labels",
                                            new long[] {4, 2},
                                            new long[] {0, 2, 1, -100, 2, 2, 0, 1}))
                            .weight("w", 0.5f, 2, 3)
                            .node(
                                    "SoftmaxCrossEntropyLoss",
                                    in("scores", "labels", "w"),
                                    in("y"),
                                    "reduction",
                                    reduction,
                                    "ignore_index",
                                    -100L)
                            .output("y")
                            .build(),
                    -2,
                    2,
                    new long[] {4, 3, 2});
        }
        assertGradients(
                new TinyGraph(13)
                        .input("p", 3, 4)
                        .initializer(
                                ai.graft.converter.OnnxTensors.fromLongs(
                                        "t", new long[] {3}, new long[] {3, 0, 1}))
                        .node("NegativeLogLikelihoodLoss", in("p", "t"), in("y"))
                        .output("y")
                        .build(),
                -1,
                1,
                new long[] {3, 4});
    }

    @Test
    void einsumTopKAndWrapPad_gradients() throws Exception {
        assertGradients(
                new TinyGraph(13)
                        .input("a", 2, 2, 3)
                        .input("b", 2, 3, 4)
                        .node("Einsum", in("a", "b"), in("y"), "equation", "bij,bjk->bki")
                        .output("y")
                        .build(),
                -1,
                1,
                new long[] {2, 2, 3},
                new long[] {2, 3, 4});
        assertGradients(
                new TinyGraph(13)
                        .input("a", 2, 3, 4)
                        .node("Einsum", in("a"), in("y"), "equation", "...ij->...j")
                        .output("y")
                        .build(),
                -1,
                1,
                new long[] {2, 3, 4});
        assertGradients(
                new TinyGraph(13)
                        .input("x", 2, 5)
                        .longs("k", 3)
                        .node("TopK", in("x", "k"), in("y", "i"), "axis", 1L)
                        .output("y")
                        .build(),
                -1,
                1,
                new long[] {2, 5});
        assertGradients(
                new TinyGraph(19)
                        .input("x", 2, 3, 4)
                        .longs("p", 0, 1, 2, 0, 2, 1)
                        .node("Pad", in("x", "p"), in("y"), "mode", "wrap")
                        .output("y")
                        .build(),
                -1,
                1,
                new long[] {2, 3, 4});
    }

    @Test
    void gatherWithManyRepeatedIndices_gradientAccumulates() throws Exception {
        assertGradients(
                new TinyGraph(13)
                        .input("table", 4, 3)
                        .initializer(
                                ai.graft.converter.OnnxTensors.fromLongs(
                                        "i",
                                        new long[] {2, 4},
                                        new long[] {0, 1, 1, 3, -1, 0, 2, 2}))
                        .node("Gather", in("table", "i"), in("y"), "axis", 0L)
                        .output("y")
                        .build(),
                -1,
                1,
                new long[] {4, 3});
    }

    @Test
    void convTranspose_gradientsOfInputAndKernel() throws Exception {
        assertGradients(
                new TinyGraph(13)
                        .input("x", 1, 2, 3, 3)
                        .input("w", 2, 2, 2, 3)
                        .node(
                                "ConvTranspose",
                                in("x", "w"),
                                in("y"),
                                "group",
                                2L,
                                "strides",
                                new long[] {2, 1},
                                "pads",
                                new long[] {0, 1, 1, 0})
                        .output("y")
                        .build(),
                -1,
                1,
                new long[] {1, 2, 3, 3},
                new long[] {2, 2, 2, 3});
    }
}
