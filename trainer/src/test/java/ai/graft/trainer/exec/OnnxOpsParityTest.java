package ai.graft.trainer.exec;

import static ai.graft.trainer.exec.Oracle.assertParity;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.OnnxTensors;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.sdk.ModelException;
import org.junit.jupiter.api.Test;

/** Each operator family on a tiny graph made in code, against ONNX Runtime on the same graph. */
class OnnxOpsParityTest {
    private static final long[] IMAGE = {2, 4, 9, 9};

    private static String[] in(String... names) {
        return names;
    }

    @Test
    void conv_groupsPadsStridesDilationsMatchOrt() throws Exception {
        assertParity(
                new TinyGraph(13)
                        .input("x", IMAGE)
                        .weight("w", -1, 1, 6, 2, 3, 3)
                        .weight("b", -1, 1, 6)
                        .node(
                                "Conv",
                                in("x", "w", "b"),
                                in("y"),
                                "group",
                                2L,
                                "pads",
                                new long[] {1, 2, 1, 2},
                                "strides",
                                new long[] {2, 1},
                                "dilations",
                                new long[] {1, 2})
                        .output("y")
                        .build(),
                IMAGE,
                -1,
                1);
    }

    @Test
    void conv_asymmetricPadsAndNoBiasMatchOrt() throws Exception {
        assertParity(
                new TinyGraph(13)
                        .input("x", IMAGE)
                        .weight("w", -1, 1, 3, 4, 3, 2)
                        .node("Conv", in("x", "w"), in("y"), "pads", new long[] {0, 1, 2, 0})
                        .output("y")
                        .build(),
                IMAGE,
                -1,
                1);
    }

    @Test
    void conv_autoPadSameUpperAndLowerMatchOrt() throws Exception {
        for (String mode : new String[] {"SAME_UPPER", "SAME_LOWER"}) {
            assertParity(
                    new TinyGraph(13)
                            .input("x", IMAGE)
                            .weight("w", -1, 1, 4, 1, 4, 4)
                            .node(
                                    "Conv",
                                    in("x", "w"),
                                    in("y"),
                                    "auto_pad",
                                    mode,
                                    "group",
                                    4L,
                                    "strides",
                                    new long[] {2, 2})
                            .output("y")
                            .build(),
                    IMAGE,
                    -1,
                    1);
        }
    }

    @Test
    void maxPool_ceilModeAndPadsMatchOrt() throws Exception {
        assertParity(
                new TinyGraph(13)
                        .input("x", 1, 2, 8, 8)
                        .node(
                                "MaxPool",
                                "x",
                                "y",
                                "kernel_shape",
                                new long[] {3, 3},
                                "strides",
                                new long[] {2, 2},
                                "ceil_mode",
                                1L)
                        .output("y")
                        .build(),
                new long[] {1, 2, 8, 8},
                -1,
                1);
        assertParity(
                new TinyGraph(13)
                        .input("x", IMAGE)
                        .node(
                                "MaxPool",
                                "x",
                                "y",
                                "kernel_shape",
                                new long[] {3, 3},
                                "strides",
                                new long[] {2, 2},
                                "pads",
                                new long[] {1, 0, 0, 1})
                        .output("y")
                        .build(),
                IMAGE,
                -1,
                1);
    }

    @Test
    void pools_ceilModeWindowStartingInPaddingMatchOrt() throws Exception {
        for (String op : new String[] {"MaxPool", "AveragePool"}) {
            assertParity(
                    new TinyGraph(13)
                            .input("x", 1, 2, 7, 7)
                            .node(
                                    op,
                                    "x",
                                    "y",
                                    "kernel_shape",
                                    new long[] {2, 2},
                                    "strides",
                                    new long[] {2, 2},
                                    "pads",
                                    new long[] {1, 1, 1, 1},
                                    "ceil_mode",
                                    1L)
                            .output("y")
                            .build(),
                    new long[] {1, 2, 7, 7},
                    -1,
                    1);
        }
    }

    @Test
    void maxPool_opset7HasNoCeilModeMatchesOrt() throws Exception {
        assertParity(
                new TinyGraph(7)
                        .input("x", 1, 2, 8, 8)
                        .node(
                                "MaxPool",
                                "x",
                                "y",
                                "kernel_shape",
                                new long[] {3, 3},
                                "strides",
                                new long[] {2, 2},
                                "pads",
                                new long[] {1, 1, 1, 1})
                        .output("y")
                        .build(),
                new long[] {1, 2, 8, 8},
                -1,
                1);
    }

    @Test
    void averagePool_countIncludePadAndAsymmetricPadsMatchOrt() throws Exception {
        for (long countPad : new long[] {0, 1}) {
            for (long[] pads : new long[][] {{1, 1, 1, 1}, {0, 1, 1, 0}}) {
                assertParity(
                        new TinyGraph(13)
                                .input("x", IMAGE)
                                .node(
                                        "AveragePool",
                                        "x",
                                        "y",
                                        "kernel_shape",
                                        new long[] {3, 3},
                                        "strides",
                                        new long[] {2, 2},
                                        "pads",
                                        pads,
                                        "count_include_pad",
                                        countPad)
                                .output("y")
                                .build(),
                        IMAGE,
                        -1,
                        1);
            }
        }
    }

    @Test
    void globalPools_matchOrt() throws Exception {
        for (String op : new String[] {"GlobalAveragePool", "GlobalMaxPool"}) {
            assertParity(
                    new TinyGraph(13).input("x", IMAGE).node(op, "x", "y").output("y").build(),
                    IMAGE,
                    -1,
                    1);
        }
    }

    @Test
    void batchNormalization_inferenceMatchesOrt() throws Exception {
        assertParity(
                new TinyGraph(13)
                        .input("x", IMAGE)
                        .weight("s", 0.5f, 2, 4)
                        .weight("b", -1, 1, 4)
                        .weight("m", -0.5f, 0.5f, 4)
                        .weight("v", 0.2f, 3, 4)
                        .node(
                                "BatchNormalization",
                                in("x", "s", "b", "m", "v"),
                                in("y"),
                                "epsilon",
                                1e-3f)
                        .output("y")
                        .build(),
                IMAGE,
                -2,
                2);
    }

    @Test
    void activations_matchOrt() throws Exception {
        Object[][] cases = {
            {"Relu", new Object[0]},
            {"Sigmoid", new Object[0]},
            {"Tanh", new Object[0]},
            {"LeakyRelu", new Object[] {"alpha", 0.1f}},
            {"Elu", new Object[] {"alpha", 0.7f}},
            {"HardSigmoid", new Object[] {"alpha", 0.3f, "beta", 0.4f}},
            {"HardSigmoid", new Object[0]},
            {"HardSwish", new Object[0]},
            {"Abs", new Object[0]},
            {"Neg", new Object[0]},
            {"Exp", new Object[0]},
        };
        for (Object[] c : cases) {
            assertParity(
                    new TinyGraph(14)
                            .input("x", IMAGE)
                            .node((String) c[0], "x", "y", (Object[]) c[1])
                            .output("y")
                            .build(),
                    IMAGE,
                    -4,
                    4);
        }
    }

    @Test
    void clip_inputBoundsAndOpset6AttributesMatchOrt() throws Exception {
        assertParity(
                new TinyGraph(13)
                        .input("x", IMAGE)
                        .floats("lo", new long[0], new float[] {0f})
                        .floats("hi", new long[0], new float[] {6f})
                        .node("Clip", in("x", "lo", "hi"), in("y"))
                        .output("y")
                        .build(),
                IMAGE,
                -10,
                10);
        assertParity(
                new TinyGraph(13)
                        .input("x", IMAGE)
                        .floats("lo", new long[0], new float[] {-1f})
                        .node("Clip", in("x", "lo"), in("y"))
                        .output("y")
                        .build(),
                IMAGE,
                -10,
                10);
        assertParity(
                new TinyGraph(6)
                        .input("x", IMAGE)
                        .node("Clip", "x", "y", "min", -2f, "max", 3f)
                        .output("y")
                        .build(),
                IMAGE,
                -10,
                10);
    }

    @Test
    void arithmetic_broadcastsLikeOrt() throws Exception {
        for (String op : new String[] {"Add", "Sub", "Mul", "Div"}) {
            assertParity(
                    new TinyGraph(13)
                            .input("x", IMAGE)
                            .weight("c", 0.5f, 2, 4, 1, 1)
                            .floats("k", new long[0], new float[] {3f})
                            .node(op, in("x", "c"), in("t"))
                            .node(op, in("k", "t"), in("y"))
                            .output("y")
                            .build(),
                    IMAGE,
                    -3,
                    3);
        }
        assertParity(
                new TinyGraph(13)
                        .input("x", IMAGE)
                        .floats("p", new long[0], new float[] {2f})
                        .node("Pow", in("x", "p"), in("y"))
                        .output("y")
                        .build(),
                IMAGE,
                -3,
                3);
        assertParity(
                new TinyGraph(13)
                        .input("x", IMAGE)
                        .weight("c", 0.5f, 2, 9)
                        .node("Sum", in("x", "c", "x"), in("y"))
                        .output("y")
                        .build(),
                IMAGE,
                -3,
                3);
    }

    @Test
    void moreElementwise_matchOrt() throws Exception {
        for (String op : new String[] {"Reciprocal", "Erf", "Softplus", "Sqrt"}) {
            assertParity(
                    new TinyGraph(13).input("x", IMAGE).node(op, "x", "y").output("y").build(),
                    IMAGE,
                    0.1f,
                    3);
        }
        for (String op : new String[] {"Max", "Min", "Mean"}) {
            assertParity(
                    new TinyGraph(13)
                            .input("x", IMAGE)
                            .weight("c", -1, 1, 4, 1, 1)
                            .weight("d", -1, 1, 9)
                            .node(op, in("x", "c", "d"), in("y"))
                            .output("y")
                            .build(),
                    IMAGE,
                    -1,
                    1);
        }
        assertParity(
                new TinyGraph(13)
                        .input("x", 4, 1, 1)
                        .longs("s", 2, 1, 3, 5)
                        .node("Expand", in("x", "s"), in("y"))
                        .output("y")
                        .build(),
                new long[] {4, 1, 1},
                -1,
                1);
    }

    @Test
    void gemmAndMatMul_matchOrt() throws Exception {
        long[] shape = {3, 5};
        assertParity(
                new TinyGraph(13)
                        .input("x", shape)
                        .weight("w", -1, 1, 4, 5)
                        .weight("b", -1, 1, 4)
                        .node("Gemm", in("x", "w", "b"), in("y"), "transB", 1L)
                        .output("y")
                        .build(),
                shape,
                -1,
                1);
        assertParity(
                new TinyGraph(13)
                        .input("x", shape)
                        .weight("w", -1, 1, 3, 4)
                        .weight("c", -1, 1, 5, 4)
                        .node(
                                "Gemm",
                                in("x", "w", "c"),
                                in("y"),
                                "transA",
                                1L,
                                "alpha",
                                0.5f,
                                "beta",
                                2f)
                        .output("y")
                        .build(),
                shape,
                -1,
                1);
        assertParity(
                new TinyGraph(13)
                        .input("x", 2, 3, 5)
                        .weight("w", -1, 1, 5, 4)
                        .node("MatMul", in("x", "w"), in("y"))
                        .output("y")
                        .build(),
                new long[] {2, 3, 5},
                -1,
                1);
    }

    @Test
    void reshapeFamily_matchesOrt() throws Exception {
        assertParity(
                new TinyGraph(13)
                        .input("x", IMAGE)
                        .longs("s", 0, -1, 3)
                        .longs("ax", 1, 3)
                        .longs("sq", 3)
                        .node("Reshape", in("x", "s"), in("r"))
                        .node("Unsqueeze", in("r", "ax"), in("u"))
                        .node("Transpose", "u", "t", "perm", new long[] {4, 0, 2, 3, 1})
                        .node("Squeeze", in("t", "sq"), in("q"))
                        .node("Flatten", "q", "y", "axis", 2L)
                        .output("y")
                        .build(),
                IMAGE,
                -1,
                1);
        assertParity(
                new TinyGraph(11)
                        .input("x", IMAGE)
                        .node("Unsqueeze", "x", "u", "axes", new long[] {0, -1})
                        .node("Squeeze", "u", "q", "axes", new long[] {0})
                        .node("Transpose", "q", "y")
                        .output("y")
                        .build(),
                IMAGE,
                -1,
                1);
    }

    @Test
    void shapeSubgraph_isComputedFromActualShapes() throws Exception {
        // Channel shuffle as torch exports it: Shape -> Gather -> Div -> Unsqueeze -> Concat ->
        // Reshape, with a dynamic batch dimension.
        TinyGraph g =
                new TinyGraph(15)
                        .input("x", -1, 4, 9, 9)
                        .longs("i0", 0)
                        .longs("ax", 0)
                        .longs("two", 2)
                        .longs("minus1", -1)
                        .node("Shape", "x", "s")
                        .node("Gather", in("s", "i0"), in("n"), "axis", 0L)
                        .node("Shape", "x", "s1", "start", 1L, "end", 2L)
                        .node("Div", in("s1", "two"), in("half"))
                        .node("Cast", "half", "halfc", "to", 7L)
                        .node("Concat", in("n", "two", "halfc", "minus1"), in("shape"), "axis", 0L)
                        .node("Reshape", in("x", "shape"), in("r"))
                        .node("Transpose", "r", "t", "perm", new long[] {0, 2, 1, 3})
                        .node("Concat", in("n", "minus1"), in("flat"), "axis", 0L)
                        .node("Reshape", in("t", "flat"), in("y"));
        g.output("y");
        assertParity(g.build(), IMAGE, -1, 1);
        assertParity(g.build(), new long[] {3, 4, 9, 9}, -1, 1);
    }

    @Test
    void sliceGatherSplitConcat_matchOrt() throws Exception {
        assertParity(
                new TinyGraph(13)
                        .input("x", IMAGE)
                        .longs("st", 1, -1)
                        .longs("en", Long.MAX_VALUE, -8)
                        .longs("ax", 1, 3)
                        .longs("sp", 2, -2)
                        .longs("idx", 2, 0)
                        .node("Slice", in("x", "st", "en", "ax", "sp"), in("s"))
                        .node("Gather", in("x", "idx"), in("g"), "axis", 1L)
                        .node("Split", in("x"), in("a", "b"), "axis", 1L)
                        .node("Slice", in("g", "st", "en", "ax", "sp"), in("gs"))
                        .node("Slice", in("b", "st", "en", "ax", "sp"), in("bs"))
                        .node("Concat", in("s", "gs", "bs"), in("y"), "axis", 1L)
                        .output("y")
                        .build(),
                IMAGE,
                -1,
                1);
        assertParity(
                new TinyGraph(9)
                        .input("x", IMAGE)
                        .node(
                                "Slice",
                                "x",
                                "y",
                                "starts",
                                new long[] {1, 2},
                                "ends",
                                new long[] {3, 100},
                                "axes",
                                new long[] {1, 2})
                        .output("y")
                        .build(),
                IMAGE,
                -1,
                1);
    }

    @Test
    void softmax_opset7AndOpset13AxisSemanticsMatchOrt() throws Exception {
        for (int opset : new int[] {7, 13}) {
            assertParity(
                    new TinyGraph(opset)
                            .input("x", IMAGE)
                            .node("Softmax", "x", "y")
                            .output("y")
                            .build(),
                    IMAGE,
                    -3,
                    3);
            assertParity(
                    new TinyGraph(opset)
                            .input("x", IMAGE)
                            .node("LogSoftmax", "x", "y", "axis", 1L)
                            .output("y")
                            .build(),
                    IMAGE,
                    -3,
                    3);
        }
    }

    @Test
    void lrn_oddAndEvenSizesMatchOrt() throws Exception {
        // ONNX Runtime runs odd sizes only.
        for (long size : new long[] {5, 3}) {
            assertParity(
                    new TinyGraph(13)
                            .input("x", 2, 7, 5, 5)
                            .node(
                                    "LRN", "x", "y", "size", size, "alpha", 1e-2f, "beta", 0.75f,
                                    "bias", 2f)
                            .output("y")
                            .build(),
                    new long[] {2, 7, 5, 5},
                    -3,
                    3);
        }
    }

    @Test
    void pad_constantReflectEdgeMatchOrt() throws Exception {
        for (String mode : new String[] {"constant", "reflect", "edge"}) {
            assertParity(
                    new TinyGraph(13)
                            .input("x", IMAGE)
                            .longs("p", 0, 0, 1, 2, 0, 0, 3, 0)
                            .floats("v", new long[0], new float[] {1.5f})
                            .node("Pad", in("x", "p", "v"), in("y"), "mode", mode)
                            .output("y")
                            .build(),
                    IMAGE,
                    -1,
                    1);
        }
        assertParity(
                new TinyGraph(2)
                        .input("x", IMAGE)
                        .node("Pad", "x", "y", "pads", new long[] {0, 0, 2, 1, 0, 0, 0, 2})
                        .output("y")
                        .build(),
                IMAGE,
                -1,
                1);
    }

    @Test
    void dropoutAndIdentity_areIdentitiesInInference() throws Exception {
        assertParity(
                new TinyGraph(7)
                        .input("x", IMAGE)
                        .node("Dropout", "x", "d", "ratio", 0.5f)
                        .node("Identity", "d", "y")
                        .output("y")
                        .build(),
                IMAGE,
                -1,
                1);
        assertParity(
                new TinyGraph(13)
                        .input("x", IMAGE)
                        .floats("r", new long[0], new float[] {0.3f})
                        .node("Dropout", in("x", "r"), in("y"))
                        .output("y")
                        .build(),
                IMAGE,
                -1,
                1);
    }

    @Test
    void reductions_matchOrt() throws Exception {
        assertParity(
                new TinyGraph(13)
                        .input("x", IMAGE)
                        .node("ReduceMean", "x", "y", "axes", new long[] {2, 3}, "keepdims", 0L)
                        .output("y")
                        .build(),
                IMAGE,
                -1,
                1);
        assertParity(
                new TinyGraph(13)
                        .input("x", IMAGE)
                        .longs("ax", 1, -1)
                        .node("ReduceSum", in("x", "ax"), in("y"))
                        .output("y")
                        .build(),
                IMAGE,
                -1,
                1);
        assertParity(
                new TinyGraph(13)
                        .input("x", IMAGE)
                        .node("ReduceMax", "x", "y", "axes", new long[] {1, 3})
                        .output("y")
                        .build(),
                IMAGE,
                -1,
                1);
    }

    @Test
    void constantNodes_feedTensorOps() throws Exception {
        assertParity(
                new TinyGraph(13)
                        .input("x", IMAGE)
                        .node(
                                "Constant",
                                new String[0],
                                in("c"),
                                "value",
                                OnnxTensors.fromFloats(
                                        "c", new long[] {4, 1, 1}, new float[] {1, 2, 3, 4}))
                        .node("Mul", in("x", "c"), in("y"))
                        .output("y")
                        .build(),
                IMAGE,
                -1,
                1);
    }

    @Test
    void create_rejectsUnsupportedOperatorNamingIt() {
        ModelException e =
                assertThrows(
                        ModelException.class,
                        () ->
                                OnnxBlock.create(
                                        new TinyGraph(13)
                                                .input("x", IMAGE)
                                                .node("GridSample", "x", "y")
                                                .output("y")
                                                .build()));
        assertTrue(e.getMessage().contains("[GridSample]"), e.getMessage());
    }

    @Test
    void create_refusesUnsupportedAttributeNamingNodeAndAttribute() {
        ModelProto model =
                new TinyGraph(13)
                        .input("x", IMAGE)
                        .floats("roi", new long[] {0}, new float[0])
                        .floats("scales", new long[] {4}, new float[] {1, 1, 2, 2})
                        .node(
                                "Resize",
                                in("x", "roi", "scales"),
                                in("y"),
                                "coordinate_transformation_mode",
                                "half_pixel_symmetric")
                        .output("y")
                        .build();
        ModelException e = assertThrows(ModelException.class, () -> OnnxBlock.create(model));
        assertTrue(
                e.getMessage()
                        .contains(
                                "Resize node 'Resize_0': coordinate_transformation_mode="
                                        + "'half_pixel_symmetric'"),
                e.getMessage());
    }

    @Test
    void forward_refusesValueDependentSettingNamingNode() throws Exception {
        // Reflect padding of 4 on an axis of 3: known only once the input's shape is.
        ModelProto model =
                new TinyGraph(13)
                        .input("x", 1, 1, 3, 3)
                        .longs("p", 0, 0, 0, 4, 0, 0, 0, 0)
                        .node("Pad", in("x", "p"), in("y"), "mode", "reflect")
                        .output("y")
                        .build();
        IllegalStateException e =
                assertThrows(
                        IllegalStateException.class,
                        () -> Oracle.djl(model, new float[9], new long[] {1, 1, 3, 3}, false));
        assertTrue(e.getCause() instanceof UnsupportedOperatorException, e.toString());
        assertTrue(
                e.getMessage().contains("Pad node 'Pad_0'")
                        && e.getMessage().contains("reflect padding of 4 on an axis of size 3"),
                e.getMessage());
    }

    @Test
    void transformerBlock_layerNormAttentionAndGeluMatchOrt() throws Exception {
        // A ViT encoder block as torchvision exports it at opset 17: LayerNormalization, batched
        // MatMul, Softmax on the last axis, exact GELU through Erf.
        long[] tokens = {2, 5, 8};
        assertParity(
                new TinyGraph(17)
                        .input("x", tokens)
                        .weight("ln_s", 0.5f, 1.5f, 8)
                        .weight("ln_b", -0.1f, 0.1f, 8)
                        .weight("wq", -0.5f, 0.5f, 8, 8)
                        .weight("wk", -0.5f, 0.5f, 8, 8)
                        .weight("wv", -0.5f, 0.5f, 8, 8)
                        .weight("w1", -0.5f, 0.5f, 8, 16)
                        .floats("sqrt2", new long[0], new float[] {1.4142135f})
                        .floats("one", new long[0], new float[] {1f})
                        .floats("half", new long[0], new float[] {0.5f})
                        .node("LayerNormalization", in("x", "ln_s", "ln_b"), in("n"), "axis", -1L)
                        .node("MatMul", in("n", "wq"), in("q"))
                        .node("MatMul", in("n", "wk"), in("k"))
                        .node("MatMul", in("n", "wv"), in("v"))
                        .node("Transpose", in("k"), in("kt"), "perm", new long[] {0, 2, 1})
                        .node("MatMul", in("q", "kt"), in("scores"))
                        .node("Softmax", in("scores"), in("p"), "axis", -1L)
                        .node("MatMul", in("p", "v"), in("att"))
                        .node("Add", in("x", "att"), in("r"))
                        .node("MatMul", in("r", "w1"), in("h"))
                        .node("Div", in("h", "sqrt2"), in("hs"))
                        .node("Erf", in("hs"), in("e"))
                        .node("Add", in("e", "one"), in("e1"))
                        .node("Mul", in("h", "e1"), in("he"))
                        .node("Mul", in("he", "half"), in("y"))
                        .output("y")
                        .build(),
                tokens,
                -1,
                1);
    }

    @Test
    void resizeAndInstanceNorm_matchOrt() throws Exception {
        for (String mode : new String[] {"nearest", "linear", "cubic"}) {
            assertParity(
                    new TinyGraph(13)
                            .input("x", IMAGE)
                            .floats("roi", new long[] {0}, new float[0])
                            .floats("scales", new long[] {4}, new float[] {1, 1, 1.5f, 0.5f})
                            .weight("s", 0.5f, 1.5f, 4)
                            .weight("b", -0.5f, 0.5f, 4)
                            .node("Resize", in("x", "roi", "scales"), in("r"), "mode", mode)
                            .node("InstanceNormalization", in("r", "s", "b"), in("y"))
                            .output("y")
                            .build(),
                    IMAGE,
                    -1,
                    1);
        }
    }

    @Test
    void gather_manyIndicesAsOneGatherMatchOrt() throws Exception {
        // A relative-position-bias lookup: a 2-D index table into axis 0, repeats and negatives.
        assertParity(
                new TinyGraph(13)
                        .input("x", 2, 4, 9, 9)
                        .initializer(
                                OnnxTensors.fromLongs(
                                        "i", new long[] {2, 3}, new long[] {8, 0, -1, 3, 3, 4}))
                        .node("Gather", in("x", "i"), in("y"), "axis", 2L)
                        .output("y")
                        .build(),
                IMAGE,
                -1,
                1);
    }

    @Test
    void convTranspose_groupsStridesDilationsPadsMatchOrt() throws Exception {
        assertParity(
                new TinyGraph(13)
                        .input("x", IMAGE)
                        .weight("w", -1, 1, 4, 3, 3, 2)
                        .weight("b", -1, 1, 6)
                        .node(
                                "ConvTranspose",
                                in("x", "w", "b"),
                                in("y"),
                                "group",
                                2L,
                                "strides",
                                new long[] {2, 3},
                                "dilations",
                                new long[] {2, 1},
                                "pads",
                                new long[] {1, 0, 2, 1},
                                "output_padding",
                                new long[] {1, 0})
                        .output("y")
                        .build(),
                IMAGE,
                -1,
                1);
    }
}
