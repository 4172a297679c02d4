package ai.graft.converter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.graph.Attributes;
import ai.graft.converter.graph.Graphs;
import ai.graft.converter.graph.ValueInfos;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link ModelEditor#foldBatchNorm} on Conv + BatchNormalization (+ Relu) graphs made in code: what
 * can be folded computes what the original does in ONNX Runtime, and what cannot stays as it is.
 */
class ModelEditorFoldBatchNormTest {
    private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    private static final int SIZE = 6;

    /** How the BatchNormalization is fed, for the models that must keep it. */
    enum Feed {
        /** Conv -> BN only: foldable. */
        CONV,
        /** The Conv output is also read by an Add. */
        CONV_TWO_CONSUMERS,
        /** The Conv output is also a graph output. */
        CONV_GRAPH_OUTPUT,
        /** A Relu, not a Conv, feeds the BN. */
        RELU
    }

    @ParameterizedTest(name = "in {0}, out {1}, group {2}, bias {3}")
    @CsvSource({
        "3, 5, 1, true",
        "3, 5, 1, false",
        "4, 6, 2, true",
        "4, 6, 2, false",
        "4, 4, 4, false",
    })
    void foldBatchNorm_convBatchNormReluMatchesOriginalWithin1e5(
            int in, int out, int group, boolean bias) throws Exception {
        ModelProto m = model(in, out, group, bias, Feed.CONV, 1);
        ModelProto folded = ModelEditor.foldBatchNorm(m);

        assertEquals(List.of("Conv", "Relu"), ops(folded));
        NodeProto conv = folded.getGraph().getNode(0);
        assertEquals(3, conv.getInputCount(), "the folded Conv has a bias: " + conv);
        assertEquals(group, Attributes.getInt(conv, "group", 1));
        assertEquals(List.of("x"), conv.getInputList().subList(0, 1));
        assertFalse(Graphs.initializers(folded.getGraph()).containsKey("bn.mean"));
        OnnxModels.check(folded, "folded");
        ParityReport r =
                ParityChecker.compare(
                        m,
                        "original",
                        folded,
                        "folded",
                        ParityOptions.builder().seed(3).batchSize(2).randomRuns(3).build());
        assertTrue(r.maxAbsDiff() < 1e-5, r.toJson());
    }

    @ParameterizedTest
    @CsvSource({"CONV_TWO_CONSUMERS", "CONV_GRAPH_OUTPUT", "RELU"})
    void foldBatchNorm_leavesABatchNormItCannotFold(Feed feed) {
        ModelProto m = model(3, 3, 1, true, feed, 2);
        assertSame(m, ModelEditor.foldBatchNorm(m));
    }

    @Test
    void foldBatchNorm_foldsOnlyTheConvWhoseOutputNothingElseReads() throws Exception {
        // A foldable pair followed by a BN fed by a Relu: the first folds, the second stays.
        ModelProto first = model(3, 3, 1, false, Feed.CONV, 3);
        GraphProto g = first.getGraph();
        GraphProto.Builder b = g.toBuilder().clearOutput();
        addBatchNorm(b, new Random(4), "bn2", "y", 3, "z");
        b.addOutput(ValueInfos.of("z", FLOAT, new long[] {-1, 3, SIZE, SIZE}, "N"));
        ModelProto m = first.toBuilder().setGraph(b).build();

        ModelProto folded = ModelEditor.foldBatchNorm(m);
        assertEquals(List.of("Conv", "Relu", "BatchNormalization"), ops(folded));
        ParityReport r =
                ParityChecker.compare(
                        m, "original", folded, "folded", ParityOptions.builder().seed(5).build());
        assertTrue(r.maxAbsDiff() < 1e-5, r.toJson());
    }

    /**
     * x [N, in, 6, 6] -> Conv 3x3 pad 1 -> BatchNormalization (epsilon 1e-3, every parameter away
     * from the identity) -> Relu -> y, with the BN fed as {@code feed} says.
     */
    private static ModelProto model(
            int in, int out, int group, boolean bias, Feed feed, long seed) {
        Random r = new Random(seed);
        GraphProto.Builder g = GraphProto.newBuilder().setName("conv-bn");
        g.addInput(ValueInfos.of("x", FLOAT, new long[] {-1, in, SIZE, SIZE}, "N"));
        String bnIn = "c";
        if (feed == Feed.RELU) {
            g.addNode(Graphs.node("Relu", "pre", List.of("x"), List.of("x_relu")));
            bnIn = "x_relu";
        } else {
            g.addInitializer(
                    OnnxTensors.fromFloats(
                            "w",
                            new long[] {out, in / group, 3, 3},
                            TinyModels.random(r, out * (in / group) * 9, 0.4)));
            List<String> convIn = new ArrayList<>(List.of("x", "w"));
            if (bias) {
                g.addInitializer(
                        OnnxTensors.fromFloats(
                                "b", new long[] {out}, TinyModels.random(r, out, 0.2)));
                convIn.add("b");
            }
            g.addNode(
                    Graphs.node("Conv", "conv", convIn, List.of("c")).toBuilder()
                            .addAttribute(Attributes.ofInts("kernel_shape", 3, 3))
                            .addAttribute(Attributes.ofInts("pads", 1, 1, 1, 1))
                            .addAttribute(Attributes.ofInt("group", group))
                            .build());
        }
        addBatchNorm(g, r, "bn", bnIn, feed == Feed.RELU ? in : out, "n");
        g.addNode(Graphs.node("Relu", "relu", List.of("n"), List.of("y")));
        int channels = feed == Feed.RELU ? in : out;
        g.addOutput(ValueInfos.of("y", FLOAT, new long[] {-1, channels, SIZE, SIZE}, "N"));
        if (feed == Feed.CONV_TWO_CONSUMERS) {
            g.addNode(Graphs.node("Add", "add", List.of("c", "c"), List.of("twice")));
            g.addOutput(ValueInfos.of("twice", FLOAT, new long[] {-1, out, SIZE, SIZE}, "N"));
        } else if (feed == Feed.CONV_GRAPH_OUTPUT) {
            g.addOutput(ValueInfos.of("c", FLOAT, new long[] {-1, out, SIZE, SIZE}, "N"));
        }
        return TinyModels.model(g.build(), 8, 13);
    }

    private static void addBatchNorm(
            GraphProto.Builder g, Random r, String name, String in, int channels, String out) {
        float[] scale = TinyModels.random(r, channels, 0.8);
        float[] var = new float[channels];
        for (int c = 0; c < channels; c++) {
            var[c] = 0.2f + r.nextFloat() * 2;
        }
        long[] dims = {channels};
        g.addInitializer(OnnxTensors.fromFloats(name + ".scale", dims, scale));
        g.addInitializer(
                OnnxTensors.fromFloats(name + ".bias", dims, TinyModels.random(r, channels, 0.3)));
        g.addInitializer(
                OnnxTensors.fromFloats(name + ".mean", dims, TinyModels.random(r, channels, 0.5)));
        g.addInitializer(OnnxTensors.fromFloats(name + ".var", dims, var));
        g.addNode(
                Graphs.node(
                                "BatchNormalization",
                                name,
                                List.of(
                                        in,
                                        name + ".scale",
                                        name + ".bias",
                                        name + ".mean",
                                        name + ".var"),
                                List.of(out))
                        .toBuilder()
                        .addAttribute(Attributes.ofFloat("epsilon", 1e-3f))
                        .build());
    }

    private static List<String> ops(ModelProto m) {
        return m.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();
    }
}
