package ai.graft.converter.opset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.OnnxModels;
import ai.graft.converter.OnnxTensors;
import ai.graft.converter.ParityChecker;
import ai.graft.converter.ParityOptions;
import ai.graft.converter.ParityReport;
import ai.graft.converter.TinyModels;
import ai.graft.converter.UnsupportedOperatorException;
import ai.graft.converter.graph.Attributes;
import ai.graft.converter.graph.Graphs;
import ai.graft.converter.graph.ValueInfos;
import ai.graft.converter.onnx.proto.OnnxProto.AttributeProto;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;
import ai.graft.converter.zoo.BackboneZoo;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.TestData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Opset conversion, each converted operator checked with ONNX Runtime against the original, up and
 * down; real models from ../shared/data.
 */
class OpsetConverterTest {
    private static final double TOLERANCE = 1e-5;
    private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;

    /** A tiny graph under construction. */
    private static final class G {
        private final GraphProto.Builder g = GraphProto.newBuilder().setName("tiny");
        private final Random random = new Random(5);

        G input(String name, long... shape) {
            g.addInput(ValueInfos.of(name, FLOAT, shape, null));
            return this;
        }

        G output(String name) {
            g.addOutput(ValueInfoProto.newBuilder().setName(name).build());
            return this;
        }

        G floats(String name, long[] dims, float... values) {
            g.addInitializer(OnnxTensors.fromFloats(name, dims, values));
            return this;
        }

        G randomFloats(String name, long... dims) {
            int n = 1;
            for (long d : dims) {
                n *= (int) d;
            }
            return floats(name, dims, TinyModels.random(random, n, 0.5));
        }

        G longs(String name, long... values) {
            g.addInitializer(OnnxTensors.fromLongs(name, new long[] {values.length}, values));
            return this;
        }

        G node(String op, List<String> in, String out, AttributeProto... attrs) {
            return node(op, in, List.of(out), attrs);
        }

        G node(String op, List<String> in, List<String> out, AttributeProto... attrs) {
            NodeProto.Builder n = Graphs.node(op, op + "_" + out.get(0), in, out).toBuilder();
            for (AttributeProto a : attrs) {
                n.addAttribute(a);
            }
            g.addNode(n);
            return this;
        }

        ModelProto build(int opset) {
            return TinyModels.model(g.build(), OpsetConverter.irVersion(opset), opset);
        }
    }

    private static AttributeProto i(String name, long v) {
        return Attributes.ofInt(name, v);
    }

    private static AttributeProto f(String name, float v) {
        return Attributes.ofFloat(name, v);
    }

    private static AttributeProto ints(String name, long... v) {
        return Attributes.ofInts(name, v);
    }

    private static AttributeProto floats(String name, float... v) {
        return Attributes.ofFloats(name, v);
    }

    private static AttributeProto s(String name, String v) {
        return Attributes.ofString(name, v);
    }

    private static AttributeProto tensor(String name, TensorProto t) {
        return Attributes.ofTensor(name, t);
    }

    private static double parity(ModelProto a, ModelProto b) throws GraftException {
        ParityReport r =
                ParityChecker.compare(
                        a,
                        "original",
                        b,
                        "converted",
                        ParityOptions.builder().seed(11).randomRuns(2).build());
        assertFalse(r.outputs().isEmpty(), r.toJson());
        return r.maxAbsDiff();
    }

    /** Converts, checks opset and IR version, and checks the outputs against the original. */
    private static ModelProto convert(ModelProto original, ModelProto source, int to)
            throws GraftException {
        ModelProto converted = OpsetConverter.convert(source, "tiny", to);
        assertEquals(to, OnnxModels.opset(converted));
        assertEquals(OpsetConverter.irVersion(to), converted.getIrVersion());
        double d = parity(original, converted);
        assertTrue(
                d <= TOLERANCE,
                "opset " + OnnxModels.opset(source) + " -> " + to + ": max abs diff " + d);
        return converted;
    }

    /** Converts the model to each opset and back from there, each result checked. */
    private static void roundTrip(ModelProto model, int... opsets) throws GraftException {
        int own = (int) OnnxModels.opset(model);
        for (int to : opsets) {
            ModelProto there = convert(model, model, to);
            convert(model, there, own);
        }
    }

    private static List<String> ops(ModelProto m) {
        return m.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();
    }

    private static NodeProto first(ModelProto m, String op) {
        return m.getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals(op))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + op + " in " + ops(m)));
    }

    private static UnsupportedOperatorException refused(ModelProto m, int to) {
        return assertThrows(
                UnsupportedOperatorException.class, () -> OpsetConverter.convert(m, "tiny", to));
    }

    // ------------------------------------------------------------------ attribute <-> input

    @Test
    void clip_minMaxAttributesBecomeInputsAndBack() throws GraftException {
        ModelProto m =
                new G()
                        .input("x", 2, 3, 4)
                        .node("Clip", List.of("x"), "y", f("min", -0.5f), f("max", 0.7f))
                        .node("Clip", List.of("y"), "z", f("max", 0.3f))
                        .output("z")
                        .build(7);
        roundTrip(m, 11, 12, 13, 21);
        NodeProto clip = first(OpsetConverter.convert(m, "tiny", 13), "Clip");
        assertEquals(3, clip.getInputCount());
        assertEquals(0, clip.getAttributeCount());
    }

    @Test
    void dropout_ratioAttributeBecomesInputAndUnusedMaskIsDropped() throws GraftException {
        ModelProto m =
                new G()
                        .input("x", 2, 8)
                        .node("Dropout", List.of("x"), List.of("y", "mask"), f("ratio", 0.3f))
                        .node("Relu", List.of("y"), "z")
                        .output("z")
                        .build(7);
        roundTrip(m, 9, 10, 12, 13, 21);
        NodeProto d = first(OpsetConverter.convert(m, "tiny", 13), "Dropout");
        assertEquals(2, d.getInputCount());
        assertEquals(1, d.getOutputCount());
        // As the zoo writes it: ratio from a Constant node.
        ModelProto zoo =
                new G()
                        .input("x", 2, 8)
                        .node(
                                "Constant",
                                List.of(),
                                "ratio",
                                tensor(
                                        "value",
                                        OnnxTensors.fromFloats(
                                                "", new long[0], new float[] {0.2f})))
                        .node("Dropout", List.of("x", "ratio"), "y")
                        .output("y")
                        .build(13);
        roundTrip(zoo, 7, 11, 21);
    }

    @Test
    void dropout_usedMaskIsRefusedAcrossOpset10() {
        ModelProto m =
                new G()
                        .input("x", 2, 8)
                        .node("Dropout", List.of("x"), List.of("y", "mask"))
                        .output("y")
                        .output("mask")
                        .build(7);
        UnsupportedOperatorException e = refused(m, 13);
        assertTrue(e.getMessage().contains("mask"), e.getMessage());
        assertEquals("Dropout", e.operator());
    }

    @Test
    void pad_attributesBecomeInputsAndAxesExpandBelow18() throws GraftException {
        ModelProto m =
                new G()
                        .input("x", 1, 2, 3, 4)
                        .node(
                                "Pad",
                                List.of("x"),
                                "y",
                                ints("pads", 0, 0, 1, 2, 0, 0, 2, 1),
                                f("value", 0.5f))
                        .node(
                                "Pad",
                                List.of("y"),
                                "z",
                                ints("pads", 0, 0, 1, 1, 0, 0, 1, 1),
                                s("mode", "reflect"))
                        .output("z")
                        .build(7);
        roundTrip(m, 11, 13, 18, 19, 21);
        ModelProto axes =
                new G()
                        .input("x", 1, 2, 3, 4)
                        .longs("pads", 1, 2, 2, 0)
                        .longs("axes", -1, 2)
                        .floats("value", new long[0], 1.5f)
                        .node("Pad", List.of("x", "pads", "value", "axes"), "y")
                        .output("y")
                        .build(18);
        roundTrip(axes, 7, 11, 13, 21);
        ModelProto wrap =
                new G()
                        .input("x", 1, 2, 3, 4)
                        .longs("pads", 0, 0, 1, 1, 0, 0, 1, 1)
                        .node("Pad", List.of("x", "pads"), "y", s("mode", "wrap"))
                        .output("y")
                        .build(19);
        UnsupportedOperatorException e = refused(wrap, 18);
        assertTrue(e.getMessage().contains("wrap"), e.getMessage());
        assertEquals(18, e.opset());
    }

    @Test
    void squeezeUnsqueeze_axesMoveBetweenAttributeAndInputAndLoseTheirSignBelow11()
            throws GraftException {
        ModelProto m =
                new G()
                        .input("x", 2, 1, 3)
                        .node("Squeeze", List.of("x"), "y", ints("axes", -2))
                        .node("Unsqueeze", List.of("y"), "z", ints("axes", 0, -1))
                        .output("z")
                        .build(11);
        roundTrip(m, 7, 10, 12, 13, 21);
        ModelProto seven = OpsetConverter.convert(m, "tiny", 7);
        assertEquals(List.of(1L), first(seven, "Squeeze").getAttribute(0).getIntsList());
        assertEquals(List.of(0L, 3L), first(seven, "Unsqueeze").getAttribute(0).getIntsList());
        ModelProto computed =
                new G()
                        .input("x", 2, 1, 3)
                        .input("a", 1)
                        .node("Cast", List.of("a"), "axes", i("to", 7))
                        .node("Squeeze", List.of("x", "axes"), "y")
                        .output("y")
                        .build(13);
        UnsupportedOperatorException e = refused(computed, 12);
        assertTrue(e.getMessage().contains("not constant"), e.getMessage());
    }

    @Test
    void split_splitBecomesInputAndNumOutputsFrom18() throws GraftException {
        ModelProto sizes =
                new G()
                        .input("x", 2, 6, 3)
                        .node(
                                "Split",
                                List.of("x"),
                                List.of("a", "b"),
                                i("axis", 1),
                                ints("split", 2, 4))
                        .output("a")
                        .output("b")
                        .build(7);
        roundTrip(sizes, 11, 13, 18, 21);
        ModelProto equal =
                new G()
                        .input("x", 2, 6, 3)
                        .node("Split", List.of("x"), List.of("a", "b", "c"), i("axis", -2))
                        .output("a")
                        .output("b")
                        .output("c")
                        .build(11);
        roundTrip(equal, 7, 13, 18, 21);
        assertEquals(
                3,
                Attributes.getInt(
                        first(OpsetConverter.convert(equal, "tiny", 18), "Split"),
                        "num_outputs",
                        0));
        ModelProto uneven =
                new G()
                        .input("x", 2, 7)
                        .node(
                                "Split",
                                List.of("x"),
                                List.of("a", "b", "c", "d"),
                                i("axis", 1),
                                i("num_outputs", 4))
                        .output("a")
                        .output("b")
                        .output("c")
                        .output("d")
                        .build(18);
        roundTrip(uneven, 13, 7);
    }

    @Test
    void reduce_axesBecomeAnInputAt13ForSumAnd18ForTheOthers() throws GraftException {
        ModelProto m =
                new G()
                        .input("x", 2, 3, 4)
                        .node("ReduceMean", List.of("x"), "y", ints("axes", -1), i("keepdims", 0))
                        .node("ReduceSum", List.of("y"), "z", ints("axes", 1))
                        .node("ReduceMax", List.of("x"), "w", ints("axes", 0, 2))
                        .output("z")
                        .output("w")
                        .build(11);
        roundTrip(m, 7, 12, 13, 17, 18, 21);
        ModelProto eighteen = OpsetConverter.convert(m, "tiny", 18);
        assertEquals(2, first(eighteen, "ReduceMean").getInputCount());
        assertEquals(2, first(eighteen, "ReduceSum").getInputCount());
        ModelProto thirteen = OpsetConverter.convert(m, "tiny", 13);
        assertEquals(1, first(thirteen, "ReduceMean").getInputCount());
        assertEquals(2, first(thirteen, "ReduceSum").getInputCount());
        ModelProto noop =
                new G()
                        .input("x", 2, 3)
                        // An empty axes tensor: ONNX Runtime 1.21 fails on a missing one.
                        .longs("none")
                        .node("ReduceMean", List.of("x", "none"), "y", i("noop_with_empty_axes", 1))
                        .output("y")
                        .build(18);
        ModelProto identity = convert(noop, noop, 13);
        assertEquals(List.of("Identity"), ops(identity));
    }

    @Test
    void slice_attributesBecomeInputsAndBackWithNonNegativeAxesBelow11() throws GraftException {
        ModelProto m =
                new G()
                        .input("x", 3, 5, 4)
                        .longs("starts", 1, -3)
                        .longs("ends", 3, 100)
                        .longs("axes", -1, 1)
                        .node("Slice", List.of("x", "starts", "ends", "axes"), "y")
                        .output("y")
                        .build(13);
        roundTrip(m, 7, 9, 10, 11, 21);
        NodeProto s7 = first(OpsetConverter.convert(m, "tiny", 7), "Slice");
        assertEquals(1, s7.getInputCount());
        assertEquals(List.of(2L, 1L), Attributes.find(s7, "axes").getIntsList());
        ModelProto stepped =
                new G()
                        .input("x", 3, 5, 4)
                        .longs("starts", 0)
                        .longs("ends", 5)
                        .longs("axes", 1)
                        .longs("steps", 2)
                        .node("Slice", List.of("x", "starts", "ends", "axes", "steps"), "y")
                        .output("y")
                        .build(13);
        assertTrue(refused(stepped, 9).getMessage().contains("steps"));
    }

    // ------------------------------------------------------------------ changed meanings

    @Test
    void softmax_coercedAxisIsKeptUpwardsWithFlattenAndReshape() throws GraftException {
        ModelProto m =
                new G()
                        .input("x", 2, 3, 4)
                        .node("Softmax", List.of("x"), "y", i("axis", 1))
                        .node("LogSoftmax", List.of("x"), "z")
                        .node("Hardmax", List.of("x"), "h")
                        .output("y")
                        .output("z")
                        .output("h")
                        .build(7);
        roundTrip(m, 11, 12, 13, 21);
        List<String> ops = ops(OpsetConverter.convert(m, "tiny", 13));
        assertTrue(ops.contains("Flatten") && ops.contains("Reshape"), ops.toString());
    }

    @Test
    void softmax_singleAxisIsKeptDownwardsWithTransposes() throws GraftException {
        ModelProto m =
                new G()
                        .input("x", 2, 3, 4)
                        .node("Softmax", List.of("x"), "y", i("axis", 1))
                        .node("LogSoftmax", List.of("x"), "z", i("axis", -3))
                        .node("Softmax", List.of("x"), "w")
                        .output("y")
                        .output("z")
                        .output("w")
                        .build(13);
        roundTrip(m, 7, 11, 12);
        ModelProto twelve = OpsetConverter.convert(m, "tiny", 12);
        assertEquals(
                4,
                ops(twelve).stream().filter("Transpose"::equals).count(),
                ops(twelve).toString());
    }

    @Test
    void softmax_equivalentAxisIsOnlySpelledOut() throws GraftException {
        ModelProto m =
                new G()
                        .input("x", 2, 10, 1, 1)
                        .node("Softmax", List.of("x"), "y")
                        .output("y")
                        .build(7);
        ModelProto thirteen = convert(m, m, 13);
        assertEquals(List.of("Softmax"), ops(thirteen));
        assertEquals(1, Attributes.getInt(first(thirteen, "Softmax"), "axis", -1));
    }

    @Test
    void softmax_ofUnknownRankIsRefusedDownwardsNamingTheNode() {
        GraphProto.Builder g = GraphProto.newBuilder().setName("tiny");
        g.addInput(ValueInfos.of("x", FLOAT, null, null));
        g.addNode(
                Graphs.node("Softmax", "probabilities", List.of("x"), List.of("y")).toBuilder()
                        .addAttribute(i("axis", 1)));
        g.addOutput(ValueInfoProto.newBuilder().setName("y"));
        ModelProto m = TinyModels.model(g.build(), 7, 13);
        UnsupportedOperatorException e = refused(m, 12);
        assertEquals("probabilities", e.node());
        assertEquals("Softmax", e.operator());
        assertEquals(12, e.opset());
        assertTrue(e.getMessage().contains("'probabilities'"), e.getMessage());
        assertTrue(e.getMessage().contains("opset 12"), e.getMessage());
    }

    @Test
    void batchNormalization_spatialGoesAt9AndTrainingFormsAreRefused() throws GraftException {
        G g =
                new G()
                        .input("x", 2, 3, 4, 4)
                        .randomFloats("scale", 3)
                        .randomFloats("bias", 3)
                        .randomFloats("mean", 3)
                        .floats("var", new long[] {3}, 0.5f, 1.5f, 2f);
        ModelProto m =
                g.node(
                                "BatchNormalization",
                                List.of("x", "scale", "bias", "mean", "var"),
                                "y",
                                f("epsilon", 1e-3f),
                                i("spatial", 1))
                        .output("y")
                        .build(7);
        roundTrip(m, 9, 14, 15, 21);
        assertTrue(
                Attributes.find(
                                first(OpsetConverter.convert(m, "tiny", 9), "BatchNormalization"),
                                "spatial")
                        == null);
        ModelProto perActivation =
                new G()
                        .input("x", 2, 3)
                        .randomFloats("s", 3)
                        .randomFloats("b", 3)
                        .randomFloats("m", 3)
                        .floats("v", new long[] {3}, 1, 1, 1)
                        .node(
                                "BatchNormalization",
                                List.of("x", "s", "b", "m", "v"),
                                "y",
                                i("spatial", 0))
                        .output("y")
                        .build(7);
        assertTrue(refused(perActivation, 9).getMessage().contains("spatial"));
        ModelProto training =
                new G()
                        .input("x", 2, 3, 4, 4)
                        .randomFloats("s", 3)
                        .randomFloats("b", 3)
                        .randomFloats("m", 3)
                        .floats("v", new long[] {3}, 1, 1, 1)
                        .node(
                                "BatchNormalization",
                                List.of("x", "s", "b", "m", "v"),
                                List.of("y", "running_mean", "running_var"),
                                i("training_mode", 1))
                        .output("y")
                        .build(15);
        assertTrue(refused(training, 13).getMessage().contains("training"));
    }

    @Test
    void upsample_becomesResizeWithUpsamplesMeaningAndBack() throws GraftException {
        ModelProto nearest =
                new G()
                        .input("x", 1, 2, 3, 4)
                        .node("Upsample", List.of("x"), "y", floats("scales", 1, 1, 2, 3))
                        .output("y")
                        .build(7);
        roundTrip(nearest, 8, 9, 10, 11, 13, 18, 19, 21);
        NodeProto resize = first(OpsetConverter.convert(nearest, "tiny", 13), "Resize");
        assertEquals(
                "asymmetric", Attributes.getString(resize, "coordinate_transformation_mode", ""));
        assertEquals("floor", Attributes.getString(resize, "nearest_mode", ""));
        ModelProto linear =
                new G()
                        .input("x", 1, 2, 3, 4)
                        .floats("scales", new long[] {4}, 1, 1, 2, 2)
                        .node("Upsample", List.of("x", "scales"), "y", s("mode", "linear"))
                        .output("y")
                        .build(9);
        roundTrip(linear, 7, 10, 11, 13, 21);
    }

    @Test
    void resize_withSizesConvertsDownWhereTheMeaningIsUpsamples() throws GraftException {
        ModelProto m =
                new G()
                        .input("x", 1, 2, 3, 4)
                        .longs("sizes", 1, 2, 6, 8)
                        .node(
                                "Resize",
                                List.of("x", "", "", "sizes"),
                                "y",
                                s("coordinate_transformation_mode", "asymmetric"),
                                s("nearest_mode", "floor"))
                        .output("y")
                        .build(13);
        roundTrip(m, 7, 9, 10, 11, 18, 21);
        ModelProto halfPixel =
                new G()
                        .input("x", 1, 2, 3, 4)
                        .floats("scales", new long[] {4}, 1, 1, 2, 2)
                        .node("Resize", List.of("x", "", "scales"), "y", s("mode", "linear"))
                        .output("y")
                        .build(13);
        roundTrip(halfPixel, 11, 18, 21);
        UnsupportedOperatorException e = refused(halfPixel, 10);
        assertTrue(e.getMessage().contains("half_pixel"), e.getMessage());
    }

    @Test
    void maxPool_ceilModeBecomesEndPaddingBelow10() throws GraftException {
        ModelProto m =
                new G()
                        .input("x", 1, 2, 8, 7)
                        .node(
                                "MaxPool",
                                List.of("x"),
                                "y",
                                ints("kernel_shape", 3, 3),
                                ints("strides", 2, 2),
                                i("ceil_mode", 1))
                        .node(
                                "AveragePool",
                                List.of("x"),
                                "z",
                                ints("kernel_shape", 2, 3),
                                ints("strides", 2, 2),
                                i("ceil_mode", 1))
                        .output("y")
                        .output("z")
                        .build(13);
        roundTrip(m, 7, 9, 10, 12, 19, 21);
        NodeProto pool = first(OpsetConverter.convert(m, "tiny", 7), "MaxPool");
        assertEquals(List.of(0L, 0L, 1L, 0L), Attributes.find(pool, "pads").getIntsList());
        ModelProto average =
                new G()
                        .input("x", 1, 2, 8, 8)
                        .node(
                                "AveragePool",
                                List.of("x"),
                                "y",
                                ints("kernel_shape", 3, 3),
                                ints("strides", 2, 2),
                                ints("pads", 1, 1, 1, 1),
                                i("ceil_mode", 1))
                        .output("y")
                        .build(13);
        roundTrip(average, 10);
        assertTrue(refused(average, 9).getMessage().contains("ceil_mode"));
        ModelProto dilated =
                new G()
                        .input("x", 1, 2, 8, 8)
                        .node(
                                "MaxPool",
                                List.of("x"),
                                "y",
                                ints("kernel_shape", 2, 2),
                                ints("dilations", 2, 2))
                        .output("y")
                        .build(12);
        roundTrip(dilated, 10, 21);
        assertTrue(refused(dilated, 9).getMessage().contains("dilations"));
    }

    @Test
    void hardSwish_isWrittenAsHardSigmoidTimesInputBelow14() throws GraftException {
        ModelProto m =
                new G()
                        .input("x", 2, 3, 5)
                        .node("HardSwish", List.of("x"), "y")
                        .output("y")
                        .build(14);
        roundTrip(m, 7, 13, 21);
        assertEquals(List.of("HardSigmoid", "Mul"), ops(OpsetConverter.convert(m, "tiny", 13)));
    }

    @Test
    void gemm_withoutCGetsAZeroCBelow11() throws GraftException {
        ModelProto m =
                new G()
                        .input("a", 2, 3)
                        .randomFloats("b", 4, 3)
                        .node("Gemm", List.of("a", "b"), "y", i("transB", 1), f("alpha", 0.5f))
                        .output("y")
                        .build(13);
        roundTrip(m, 7, 10, 11, 21);
        assertEquals(3, first(OpsetConverter.convert(m, "tiny", 10), "Gemm").getInputCount());
    }

    @Test
    void negativeAxesAndIndices_areMadeNonNegativeBelow11() throws GraftException {
        ModelProto m =
                new G()
                        .input("x", 2, 3, 4)
                        .input("w", 2, 3, 1)
                        .longs("last", -1)
                        .node("Concat", List.of("x", "w"), "c", i("axis", -1))
                        .node("Flatten", List.of("c"), "f", i("axis", -2))
                        .node("Gather", List.of("x", "last"), "g", i("axis", 2))
                        .node("ArgMax", List.of("x"), "a", i("axis", -1))
                        .node("Shape", List.of("x"), "s")
                        .node("Gather", List.of("s", "last"), "d")
                        .output("f")
                        .output("g")
                        .output("a")
                        .output("d")
                        .build(13);
        roundTrip(m, 7, 10, 11, 21);
        ModelProto seven = OpsetConverter.convert(m, "tiny", 7);
        assertEquals(2, Attributes.getInt(first(seven, "Concat"), "axis", -9));
        assertEquals(1, Attributes.getInt(first(seven, "Flatten"), "axis", -9));
    }

    @Test
    void shape_startAndEndBecomeASliceBelow15() throws GraftException {
        ModelProto m =
                new G()
                        .input("x", 2, 3, 4, 5)
                        .node("Shape", List.of("x"), "s", i("start", 1), i("end", -1))
                        .node("Shape", List.of("x"), "t", i("start", -2))
                        .output("s")
                        .output("t")
                        .build(15);
        roundTrip(m, 7, 10, 13, 14, 21);
        assertTrue(ops(OpsetConverter.convert(m, "tiny", 14)).contains("Slice"));
    }

    @Test
    void reshapeCastConstantAndSum_convertWhereTheirSchemasAllow() throws GraftException {
        ModelProto m =
                new G()
                        .input("x", 2, 3, 4)
                        .input("y", 2, 3, 4)
                        .longs("shape", 6, -1)
                        .node("Reshape", List.of("x", "shape"), "r", i("allowzero", 0))
                        .node(
                                "Constant",
                                List.of(),
                                "k",
                                floats("value_floats", 0.5f, -1f, 2f, 0.25f))
                        .node(
                                "Cast",
                                List.of("r"),
                                "h",
                                i("to", TensorProto.DataType.FLOAT16_VALUE))
                        .node("Cast", List.of("h"), "back", i("to", FLOAT))
                        .node("Mul", List.of("back", "k"), "m")
                        .node("Sum", List.of("x", "y", "x"), "sum")
                        .output("m")
                        .output("sum")
                        .build(14);
        roundTrip(m, 7, 12, 13, 21);
        NodeProto k = first(OpsetConverter.convert(m, "tiny", 11), "Constant");
        assertEquals("value", k.getAttribute(0).getName());
        ModelProto broadcast =
                new G()
                        .input("x", 2, 3)
                        .input("y", 3)
                        .node("Sum", List.of("x", "y"), "s")
                        .output("s")
                        .build(13);
        roundTrip(broadcast, 8, 21);
        assertTrue(refused(broadcast, 7).getMessage().contains("broadcast"));
        ModelProto bfloat16 =
                new G()
                        .input("x", 2, 3)
                        .node(
                                "Cast",
                                List.of("x"),
                                "b",
                                i("to", TensorProto.DataType.BFLOAT16_VALUE))
                        .node("Cast", List.of("b"), "y", i("to", FLOAT))
                        .output("y")
                        .build(13);
        assertTrue(refused(bfloat16, 12).getMessage().contains("bfloat16"));
    }

    // ------------------------------------------------------------------ refusals

    @Test
    void operatorIntroducedLater_isRefusedNamingNodeOperatorAndOpset() {
        ModelProto m =
                new G()
                        .input("x", 2, 4)
                        .randomFloats("gamma", 4)
                        .node("LayerNormalization", List.of("x", "gamma"), "y")
                        .output("y")
                        .build(17);
        UnsupportedOperatorException e = refused(m, 13);
        assertEquals("LayerNormalization_y", e.node());
        assertEquals("LayerNormalization", e.operator());
        assertEquals(13, e.opset());
        assertTrue(e.getMessage().contains("'LayerNormalization_y'"), e.getMessage());
        assertTrue(e.getMessage().contains("opset 17"), e.getMessage());
        assertTrue(e.getMessage().contains("to opset 13"), e.getMessage());
    }

    @Test
    void operatorOutsideTheSupportedSet_isRefused() {
        ModelProto base =
                new G()
                        .input("x", 2, 4)
                        .node("Relu", List.of("x"), "r")
                        .node("FastGelu", List.of("r"), "y")
                        .output("y")
                        .build(13);
        GraphProto.Builder g = base.getGraph().toBuilder();
        g.setNode(1, g.getNode(1).toBuilder().setName("gelu").setDomain("com.microsoft"));
        ModelProto custom = base.toBuilder().setGraph(g).build();
        UnsupportedOperatorException e =
                assertThrows(
                        UnsupportedOperatorException.class,
                        () -> OpsetConverter.checkOperators(custom, "custom.onnx"));
        assertEquals("gelu", e.node());
        assertEquals("com.microsoft:FastGelu", e.operator());
        assertEquals(13, e.opset());
        assertTrue(e.getMessage().contains("custom.onnx"), e.getMessage());
        assertTrue(e.getMessage().contains("'gelu'"), e.getMessage());
        assertTrue(e.getMessage().contains("com.microsoft"), e.getMessage());
        assertThrows(
                UnsupportedOperatorException.class,
                () -> OpsetConverter.convert(custom, "custom.onnx", 13));
        ModelProto unknown =
                new G()
                        .input("x", 2, 4)
                        .node("Frobnicate", List.of("x"), "y")
                        .output("y")
                        .build(13);
        UnsupportedOperatorException u = refused(unknown, 13);
        assertEquals("Frobnicate", u.operator());
        assertTrue(u.getMessage().contains("Frobnicate"), u.getMessage());
    }

    @Test
    void targetOutsideTheRange_isIllegal() {
        ModelProto m = new G().input("x", 2).node("Relu", List.of("x"), "y").output("y").build(13);
        assertThrows(IllegalArgumentException.class, () -> OpsetConverter.convert(m, "tiny", 6));
        assertThrows(IllegalArgumentException.class, () -> OpsetConverter.convert(m, "tiny", 22));
    }

    @Test
    void irVersion_followsTheOpsetAndIr3ListsInitializersAsInputs() throws GraftException {
        assertEquals(3, OpsetConverter.irVersion(7));
        assertEquals(3, OpsetConverter.irVersion(8));
        assertEquals(4, OpsetConverter.irVersion(9));
        assertEquals(7, OpsetConverter.irVersion(13));
        assertEquals(8, OpsetConverter.irVersion(17));
        assertEquals(10, OpsetConverter.irVersion(21));
        ModelProto m = TinyModels.classifier(3);
        ModelProto seven = convert(m, m, 7);
        Set<String> inputs = new HashSet<>();
        seven.getGraph().getInputList().forEach(v -> inputs.add(v.getName()));
        for (TensorProto t : seven.getGraph().getInitializerList()) {
            assertTrue(inputs.contains(t.getName()), t.getName() + " not an input at IR 3");
        }
        ModelProto back = convert(m, seven, 21);
        assertEquals(1, back.getGraph().getInputCount(), back.getGraph().getInputList().toString());
        assertTrue(
                OpsetConverter.supportedOperators()
                        .containsAll(List.of("Conv", "Resize", "Upsample", "HardSwish")));
    }

    // ------------------------------------------------------------------ real models

    static Stream<String> referenceModels() {
        return Stream.of(
                "efficientnet_b0_bn.onnx",
                "googlenet.onnx",
                "mobilenet_v2.onnx",
                "mobilenet_v3_small.onnx",
                "resnet18_bn.onnx",
                "shufflenet_v2_x0_5.onnx",
                "squeezenet1_1.onnx");
    }

    private static double realParity(ModelProto a, ModelProto b) throws GraftException {
        ParityReport r =
                ParityChecker.compare(
                        a,
                        "original",
                        b,
                        "converted",
                        ParityOptions.builder().seed(7).randomRuns(1).batchSize(2).build());
        assertFalse(r.outputs().isEmpty(), r.toJson());
        return r.maxAbsDiff();
    }

    @Test
    void squeezenet_convertsFrom7UpTo21AndBackTo7() throws GraftException {
        Path file = TestData.require("models/squeezenet1.1.onnx");
        ModelProto original = OnnxModels.read(file);
        ModelProto current = original;
        int[] chain = {13, 17, 21, 7};
        for (int to : chain) {
            long from = OnnxModels.opset(current);
            current = OpsetConverter.convert(current, file.toString(), to);
            assertEquals(to, OnnxModels.opset(current));
            // The file round-trips through the reader's checks.
            OnnxModels.parse(OnnxModels.toBytes(current), "converted");
            double d = realParity(original, current);
            System.out.printf(
                    Locale.ROOT,
                    "opset parity squeezenet1.1.onnx %d -> %d (ir %d): max abs diff %.3g%n",
                    from,
                    to,
                    current.getIrVersion(),
                    d);
            assertTrue(d <= TOLERANCE, from + " -> " + to + ": " + d);
        }
    }

    @ParameterizedTest
    @MethodSource("referenceModels")
    void referenceModel_convertsTo21AndToItsLowestOpset(String name) throws GraftException {
        Path file = TestData.require("models/reference/" + name);
        ModelProto original = OnnxModels.read(file);
        long own = OnnxModels.opset(original);
        ModelProto up = OpsetConverter.convert(original, name, 21);
        double dUp = realParity(original, up);
        System.out.printf(
                Locale.ROOT, "opset parity %s %d -> 21: max abs diff %.3g%n", name, own, dUp);
        assertTrue(dUp <= TOLERANCE, name + " -> 21: " + dUp);
        List<String> refusals = new ArrayList<>();
        for (int to = OnnxModels.MIN_OPSET; to <= own; to++) {
            ModelProto down;
            try {
                down = OpsetConverter.convert(original, name, to);
            } catch (UnsupportedOperatorException e) {
                refusals.add(e.getMessage());
                continue;
            }
            double d = realParity(original, down);
            System.out.printf(
                    Locale.ROOT,
                    "opset parity %s %d -> %d (lowest convertible): max abs diff %.3g%s%n",
                    name,
                    own,
                    to,
                    d,
                    refusals.isEmpty() ? "" : " after " + refusals);
            assertTrue(d <= TOLERANCE, name + " -> " + to + ": " + d);
            // Every backbone in the reference set converts all the way down.
            assertEquals(OnnxModels.MIN_OPSET, to, refusals.toString());
            return;
        }
        throw new AssertionError(name + " converts to no opset below " + own + ": " + refusals);
    }

    /**
     * VGG-16, VGG-19 and AlexNet are left out: their operators are the others', their weights slow;
     * so is Inception v3 with its auxiliary classifier, which needs 299 x 299 and adds no operator.
     */
    static Stream<String> zooBackbones() {
        return BackboneZoo.names().stream()
                .filter(
                        name ->
                                !List.of("vgg16", "vgg19", "alexnet", "inception_v3_aux")
                                        .contains(name));
    }

    @ParameterizedTest
    @MethodSource("zooBackbones")
    void zooBackbone_convertsDownTo7AndUpTo21(String name) throws GraftException {
        ModelProto original =
                BackboneZoo.build(name, 10, Math.max(64, BackboneZoo.minInputSize(name)), 1);
        // ConvNeXt, ViT and Swin are at opset 17 for LayerNormalization, which no earlier opset
        // has: they go up only (ModernBackbonesTest checks that they are refused below 17)
        int lowest = OnnxModels.opset(original) >= 17 ? 17 : OnnxModels.MIN_OPSET;
        for (int to : new int[] {lowest, OnnxModels.MAX_OPSET}) {
            ModelProto converted = OpsetConverter.convert(original, name, to);
            double d = realParity(original, converted);
            System.out.printf(
                    Locale.ROOT,
                    "opset parity zoo %s %d -> %d: max abs diff %.3g%n",
                    name,
                    OnnxModels.opset(original),
                    to,
                    d);
            assertTrue(d <= TOLERANCE, name + " -> " + to + ": " + d);
        }
    }
}
