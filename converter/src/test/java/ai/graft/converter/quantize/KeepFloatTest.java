package ai.graft.converter.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.OnnxTensors;
import ai.graft.converter.graph.Graphs;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.sdk.InputException;
import ai.graft.sdk.Preprocessing;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Layers kept in float: by name, and chosen by the sensitivity pass. */
class KeepFloatTest {
    private static final Preprocessing UNIT = Preprocessing.unit(TinyModels.SIZE, TinyModels.SIZE);

    @TempDir static Path dir;
    private static List<Path> images;

    @BeforeAll
    static void makeImages() throws Exception {
        images = TinyModels.images(dir.resolve("calib"), 12, 5);
    }

    private static Int8Result quantize(ModelProto m, Int8Options o) throws Exception {
        return Int8Quantizer.quantize(m, "tiny", "image", images, UNIT, o);
    }

    @Test
    void keptLayer_computesInFloatOnEightBitWeights() throws Exception {
        Int8Result r =
                quantize(
                        TinyModels.classifier(TinyModels.Middle.POOL, 1),
                        Int8Options.builder().keepFloat(Set.of("c1")).build());
        assertEquals(List.of("c1"), r.keptFloat());
        assertEquals(1, r.kernels().integerOps().get("QLinearConv"), r.kernels().describe());
        assertEquals(1, r.kernels().floatOps().values().stream().mapToInt(i -> i).sum());
        ModelProto q = r.model();
        NodeProto c1 = named(q, "c1");
        NodeProto weight = producer(q, c1.getInput(1));
        assertEquals("DequantizeLinear", weight.getOpType());
        TensorProto w = Graphs.initializers(q.getGraph()).get(weight.getInput(0));
        int max = 0;
        for (long v : OnnxTensors.toLongs(w)) {
            max = Math.max(max, (int) Math.abs(v));
        }
        assertEquals(127, max, "float compute cannot saturate: the full 8 bits");
        assertEquals("c1_b", c1.getInput(2), "the bias stays float");
        assertEquals("image", c1.getInput(0));
    }

    @Test
    void keptLastConv_leavesItsReluFloatAndReadsItsInputBeforeThePair() throws Exception {
        ModelProto q =
                quantize(
                                TinyModels.classifier(TinyModels.Middle.POOL, 1),
                                Int8Options.builder().keepFloat(Set.of("c2")).build())
                        .model();
        assertEquals("pool_out", named(q, "c2").getInput(0));
        assertEquals("c2_out", named(q, "r2").getInput(0));
        assertFalse(quantizedTensors(q).contains("c2_out"), quantizedTensors(q).toString());
    }

    @Test
    void keptFirstLayer_leavesTheImageFloatAndQuantizesAfterItsRelu() throws Exception {
        Int8Result r =
                quantize(
                        TinyModels.classifier(TinyModels.Middle.POOL, 1),
                        Int8Options.builder().keepFloat(Set.of("c1")).build());
        List<String> quantized = quantizedTensors(r.model());
        assertFalse(quantized.contains("image"), quantized.toString());
        assertFalse(quantized.contains("c1_out"), quantized.toString());
        assertTrue(quantized.contains("r1_out"), quantized.toString());
        assertEquals(1, r.kernels().integerOps().get("QLinearConv"), r.kernels().describe());
    }

    @Test
    void keepFloat_refusesAnUnknownNode() {
        InputException e =
                assertThrows(
                        InputException.class,
                        () ->
                                quantize(
                                        TinyModels.classifier(TinyModels.Middle.POOL, 1),
                                        Int8Options.builder().keepFloat(Set.of("conv9")).build()));
        assertTrue(
                e.getMessage().startsWith("No node 'conv9' to keep float in tiny"), e.getMessage());
        assertTrue(e.getMessage().contains("[c1, c2, fc]"), e.getMessage());
    }

    @Test
    void fallback_keepsTheLayerWhoseQuantizationChangesTheAnswer() throws Exception {
        ModelProto m = Int8Quantizer.withoutNoOps(TinyModels.classifier(TinyModels.Middle.POOL, 1));
        ModelProto wrong = reversed(m);
        // A stand-in quantizer whose model is right only when c2 is float: c2 is the sensitive one.
        Set<String> kept =
                FloatFallback.choose(
                        m,
                        "image",
                        Set.of(),
                        images,
                        UNIT,
                        plan -> plan.weightedNodes().contains("c2") ? wrong : m,
                        3,
                        1.0);
        assertEquals(Set.of("c2"), kept);
    }

    @Test
    void fallback_keepsNothingWhenTheModelAlreadyAgrees() throws Exception {
        ModelProto m = Int8Quantizer.withoutNoOps(TinyModels.classifier(TinyModels.Middle.POOL, 1));
        Set<String> kept =
                FloatFallback.choose(m, "image", Set.of("c1"), images, UNIT, plan -> m, 3, 1.0);
        assertEquals(Set.of("c1"), kept);
    }

    @Test
    void fallback_keepsNoneWhenNoAttemptWithinItsLimitHelps() throws Exception {
        ModelProto m = Int8Quantizer.withoutNoOps(TinyModels.classifier(TinyModels.Middle.POOL, 1));
        ModelProto wrong = reversed(m);
        // No single layer restores the answer here; two are allowed, and they are kept.
        Set<String> kept =
                FloatFallback.choose(
                        m,
                        "image",
                        Set.of(),
                        images,
                        UNIT,
                        plan -> plan.weightedNodes().isEmpty() ? m : wrong,
                        2,
                        1.0);
        assertEquals(Set.of(), kept, "no attempt did better than the fully quantized model");
    }

    /** The model with its logits negated: its best class is always the original's worst. */
    private static ModelProto reversed(ModelProto m) {
        GraphProto.Builder g = m.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            if (t.getName().startsWith("fc_")) {
                float[] v = OnnxTensors.toFloats(t);
                for (int j = 0; j < v.length; j++) {
                    v[j] = -v[j];
                }
                g.setInitializer(i, OnnxTensors.fromFloats(t.getName(), OnnxTensors.dims(t), v));
            }
        }
        return m.toBuilder().setGraph(g).build();
    }

    private static List<String> quantizedTensors(ModelProto q) {
        return q.getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals("QuantizeLinear"))
                .map(n -> n.getInput(0))
                .toList();
    }

    private static NodeProto named(ModelProto m, String name) {
        return m.getGraph().getNodeList().stream()
                .filter(n -> n.getName().equals(name))
                .findFirst()
                .orElseThrow();
    }

    private static NodeProto producer(ModelProto m, String tensor) {
        return m.getGraph().getNodeList().stream()
                .filter(n -> n.getOutputList().contains(tensor))
                .findFirst()
                .orElseThrow();
    }
}
