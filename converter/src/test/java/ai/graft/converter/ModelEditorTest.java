package ai.graft.converter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.graph.Attributes;
import ai.graft.converter.graph.Graphs;
import ai.graft.converter.graph.ValueInfos;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelEditorTest {
    private static ParityReport parity(ModelProto a, ModelProto b) throws Exception {
        return ParityChecker.compare(a, "a", b, "b", ParityOptions.builder().seed(5).build());
    }

    private static List<String> ops(ModelProto m) {
        return m.getGraph().getNodeList().stream().map(NodeProto::getOpType).toList();
    }

    @Test
    void float16ToFloat32_convertsExactlyAndDropsFloat16Casts() throws Exception {
        ModelProto fp32 = TinyModels.classifier(7);
        ModelProto fp16 = TinyModels.float16(fp32);
        ModelProto back = ModelEditor.float16ToFloat32(fp16);
        assertFalse(ops(back).contains("Cast"), ops(back).toString());
        List<String> expected = new java.util.ArrayList<>(ops(fp32));
        expected.addAll(expected.indexOf("Relu"), List.of("Constant", "Mul"));
        assertEquals(expected, ops(back));
        NodeProto constant =
                back.getGraph().getNodeList().stream()
                        .filter(n -> n.getOpType().equals("Constant"))
                        .findFirst()
                        .orElseThrow();
        assertEquals(1.0f, OnnxTensors.toFloats(Attributes.find(constant, "value").getT())[0], 0f);
        // The float16 original itself runs (ONNX Runtime inserts its own casts) and agrees.
        ParityReport halfVsBack = parity(fp16, back);
        assertTrue(halfVsBack.maxAbsDiff() < 5e-3, halfVsBack.toJson());
        for (TensorProto t : back.getGraph().getInitializerList()) {
            assertEquals(TensorProto.DataType.FLOAT_VALUE, t.getDataType());
        }
        assertEquals(1, back.getGraph().getInput(0).getType().getTensorType().getElemType());
        assertEquals(1, back.getGraph().getOutput(0).getType().getTensorType().getElemType());
        // Every weight is the float16 value, exactly.
        Map<String, TensorProto> orig = Graphs.initializers(fp32.getGraph());
        for (TensorProto t : back.getGraph().getInitializerList()) {
            float[] v = OnnxTensors.toFloats(orig.get(t.getName()));
            float[] c = OnnxTensors.toFloats(t);
            for (int i = 0; i < v.length; i++) {
                assertEquals(OnnxTensors.halfToFloat(OnnxTensors.floatToHalf(v[i])), c[i], 0f);
            }
        }
        // And the result still computes what the float32 original does, up to float16 weights.
        assertTrue(parity(fp32, back).maxAbsDiff() < 5e-3, parity(fp32, back).toJson());
    }

    @Test
    void halfConversions_areExactForEveryFloat16Value() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float f = OnnxTensors.halfToFloat((short) bits);
            if (!Float.isNaN(f)) {
                assertEquals((short) bits, OnnxTensors.floatToHalf(f), "bits " + bits);
            }
        }
        assertEquals(65504f, OnnxTensors.halfToFloat((short) 0x7BFF));
        assertEquals(0x1p-24f, OnnxTensors.halfToFloat((short) 1));
    }

    @Test
    void foldBatchNorm_removesBatchNormWithin1e5() throws Exception {
        ModelProto m = TinyModels.classifier(11);
        ModelProto folded = ModelEditor.foldBatchNorm(m);
        assertFalse(ops(folded).contains("BatchNormalization"));
        assertFalse(Graphs.initializers(folded.getGraph()).containsKey("bn.scale"));
        ParityReport r = parity(m, folded);
        assertTrue(r.maxAbsDiff() < 1e-5, r.toJson());
    }

    @Test
    void cutAtFeatures_givesPooledEmbedding() throws Exception {
        ModelProto m = TinyModels.classifier(2);
        ModelProto cut = ModelEditor.cutAtFeatures(m, null);
        assertEquals(1, cut.getGraph().getOutputCount());
        assertEquals("features", cut.getGraph().getOutput(0).getName());
        assertFalse(ops(cut).contains("Gemm"));
        assertFalse(Graphs.initializers(cut.getGraph()).containsKey("fc.w"));
        // The feature node is already [N, 4]: only a Flatten is added.
        assertEquals("Flatten", ops(cut).get(ops(cut).size() - 1));
        // Cut at the 4-D Relu output by node name: pooled and flattened.
        ModelProto cut4 = ModelEditor.cutAtFeatures(m, "relu_node");
        assertTrue(ops(cut4).contains("GlobalAveragePool"));
        ModelProto both = ModelEditor.addOutput(m, "flat");
        ParityReport r =
                ParityChecker.compare(
                        ModelEditor.renameOutput(both, "flat", "features"),
                        "a",
                        cut4,
                        "b",
                        ParityOptions.defaults());
        assertEquals(0.0, r.output("features").maxAbsDiff(), 1e-7, r.toJson());
    }

    @Test
    void cutAtFeatures_cutsAModelThatWasCutAndGivenAHeadBefore() throws Exception {
        ModelProto cut = ModelEditor.cutAtFeatures(TinyModels.classifier(2), null);
        ModelProto trained = ModelEditor.appendHead(cut, HeadOptions.builder(3).seed(1).build());
        ModelProto again = ModelEditor.cutAtFeatures(trained, null);
        assertEquals("features", again.getGraph().getOutput(0).getName());
        ParityReport r = ParityChecker.compare(cut, "a", again, "b", ParityOptions.defaults());
        assertEquals(0.0, r.output("features").maxAbsDiff(), 1e-7, r.toJson());
    }

    @Test
    void cutAtFeatures_rejectsUnknownNodeNamingIt() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> ModelEditor.cutAtFeatures(TinyModels.classifier(1), "fire42/concat"));
        assertTrue(e.getMessage().contains("fire42/concat"), e.getMessage());
    }

    @Test
    void replaceInitializer_setsValuesAndRefusesAnotherShape() {
        ModelProto cut = ModelEditor.cutAtFeatures(TinyModels.classifier(2), null);
        ModelProto head =
                ModelEditor.appendHead(
                        cut, HeadOptions.builder(2).init(HeadOptions.Init.ZERO).build());
        float[] w = {1, 2, 3, 4, 5, 6, 7, 8};
        ModelProto set = ModelEditor.replaceInitializer(head, "head.weight", new long[] {2, 4}, w);
        assertArrayEquals(
                w, OnnxTensors.toFloats(Graphs.initializers(set.getGraph()).get("head.weight")));
        assertEquals(head.getGraph().getInitializerCount(), set.getGraph().getInitializerCount());
        IllegalArgumentException shape =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                ModelEditor.replaceInitializer(
                                        head, "head.weight", new long[] {4, 2}, w));
        assertTrue(
                shape.getMessage().contains("has shape [2, 4], expected [4, 2]"),
                shape.getMessage());
        IllegalArgumentException count =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> ModelEditor.replaceInitializer(head, "head.bias", new long[] {2}, w));
        assertTrue(count.getMessage().contains("8 values"), count.getMessage());
        IllegalArgumentException missing =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                ModelEditor.replaceInitializer(
                                        head, "nope", new long[] {2}, new float[2]));
        assertTrue(missing.getMessage().contains("no initializer 'nope'"), missing.getMessage());
    }

    @Test
    void appendSignedSqrt_computesSignTimesRootOfEveryValueWithOpset7Operators() throws Exception {
        ModelProto tiny = TinyModels.classifier(2);
        // On the graph's input, which holds negative values, zeros and positive ones.
        ModelEditor.Appended a = ModelEditor.appendSignedSqrt(tiny, "input", "t.");
        assertEquals(
                List.of("Relu", "Sqrt", "Neg", "Relu", "Sqrt", "Sub"),
                ops(a.model()).subList(ops(tiny).size(), ops(a.model()).size()));
        assertEquals(tiny.getGraph().getOutputList(), a.model().getGraph().getOutputList());
        ModelProto probe = ModelEditor.addOutput(a.model(), a.output());
        float[] x = new float[3 * 8 * 8];
        for (int i = 0; i < x.length; i++) {
            x[i] = i % 7 == 0 ? 0f : (float) (Math.sin(i * 0.7) * 9);
        }
        ai.onnxruntime.OrtEnvironment env = ai.graft.sdk.OnnxRuntime.environment();
        try (ai.onnxruntime.OrtSession s =
                        env.createSession(
                                OnnxModels.toBytes(probe),
                                new ai.onnxruntime.OrtSession.SessionOptions());
                ai.onnxruntime.OnnxTensor t =
                        ai.onnxruntime.OnnxTensor.createTensor(
                                env, java.nio.FloatBuffer.wrap(x), new long[] {1, 3, 8, 8});
                ai.onnxruntime.OrtSession.Result r = s.run(Map.of("input", t))) {
            float[][][][] got = (float[][][][]) r.get(a.output()).orElseThrow().getValue();
            for (int i = 0; i < x.length; i++) {
                double expected = Math.signum(x[i]) * Math.sqrt(Math.abs(x[i]));
                assertEquals(expected, got[0][i / 64][(i / 8) % 8][i % 8], 1e-6, "value " + x[i]);
            }
        }
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> ModelEditor.appendSignedSqrt(tiny, "nope", "t."));
        assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
    }

    @Test
    void appendHead_isSeededAndSized() throws Exception {
        ModelProto cut = ModelEditor.cutAtFeatures(TinyModels.classifier(2), null);
        HeadOptions o = HeadOptions.builder(5).seed(42).softmax(true).build();
        ModelProto a = ModelEditor.appendHead(cut, o);
        ModelProto b = ModelEditor.appendHead(cut, o);
        assertEquals(a, b);
        assertNotEquals(
                a,
                ModelEditor.appendHead(cut, HeadOptions.builder(5).seed(43).softmax(true).build()));
        assertEquals("logits", a.getGraph().getOutput(0).getName());
        assertEquals("features", a.getGraph().getOutput(1).getName());
        TensorProto w = Graphs.initializers(a.getGraph()).get("head.weight");
        assertArrayEquals(new long[] {5, 4}, OnnxTensors.dims(w));
        for (float v : OnnxTensors.toFloats(w)) {
            assertTrue(Math.abs(v) <= 0.5f, "bound 1/sqrt(4)");
        }
        ModelProto zero =
                ModelEditor.appendHead(
                        cut,
                        HeadOptions.builder(5)
                                .init(HeadOptions.Init.ZERO)
                                .softmax(true)
                                .keepOutputs(false)
                                .build());
        assertEquals(1, zero.getGraph().getOutputCount());
        // A zero head gives the uniform distribution.
        ParityReport r = parity(zero, zero);
        assertEquals(0.0, r.maxAbsDiff());
        ModelProto conv =
                ModelEditor.appendHead(
                        ModelEditor.cutAtFeatures(TinyModels.classifier(2), null, "f"),
                        HeadOptions.builder(3)
                                .inputName("relu")
                                .kind(HeadOptions.Kind.CONV_1X1)
                                .build());
        assertTrue(ops(conv).contains("Conv"));
        parity(conv, conv);
    }

    @Test
    void dynamicBatch_runsWithBatch3AndFixesReshapeConstants() throws Exception {
        // input [1,3,8,8] -> Reshape to [1, 192] (a constant that hard-codes batch 1) -> MatMul.
        GraphProto.Builder g = GraphProto.newBuilder();
        g.addInput(ValueInfos.of("x", 1, new long[] {1, 3, 8, 8}, null));
        // IR 3: initializers are listed as graph inputs too.
        Graphs.addInitializer(
                g, OnnxTensors.fromLongs("shape", new long[] {2}, new long[] {1, 192}), 3);
        Graphs.addInitializer(
                g,
                OnnxTensors.fromFloats(
                        "w",
                        new long[] {192, 2},
                        TinyModels.random(new java.util.Random(1), 384, 0.1)),
                3);
        g.addNode(TinyModels.node("Reshape", List.of("x", "shape"), "flat"));
        g.addNode(TinyModels.node("MatMul", List.of("flat", "w"), "y"));
        g.addOutput(ValueInfos.of("y", 1, new long[] {1, 2}, null));
        g.addValueInfo(ValueInfos.of("flat", 1, new long[] {1, 192}, null));
        ModelProto m = TinyModels.model(g.build(), 3, 9);
        ModelProto dyn = ModelEditor.dynamicBatch(m);
        ValueInfoProto in = dyn.getGraph().getInput(0);
        assertEquals("x", in.getName());
        assertEquals(3, dyn.getGraph().getInputCount(), "old shape constant pruned, its input too");
        assertEquals("N", in.getType().getTensorType().getShape().getDim(0).getDimParam());
        assertEquals(
                "N",
                dyn.getGraph()
                        .getOutput(0)
                        .getType()
                        .getTensorType()
                        .getShape()
                        .getDim(0)
                        .getDimParam());
        assertEquals(192, ModelInspector.inspect(dyn).featureNode().channels());
        ParityReport r =
                ParityChecker.compare(
                        dyn, "dyn", dyn, "dyn", ParityOptions.builder().batchSize(3).build());
        assertArrayEquals(new long[] {3, 2}, r.output("y").shape());
    }

    @Test
    void withMetadata_replacesGraftKeysOnly() {
        Map<String, String> first = new LinkedHashMap<>();
        first.put("graft.labels", "[\"a\"]");
        first.put("graft.old", "x");
        ModelProto m = ModelEditor.withMetadata(TinyModels.classifier(1), first);
        m =
                m.toBuilder()
                        .addMetadataProps(
                                ai.graft.converter.onnx.proto.OnnxProto.StringStringEntryProto
                                        .newBuilder()
                                        .setKey("names")
                                        .setValue("{0: 'a'}"))
                        .build();
        ModelProto m2 = ModelEditor.withMetadata(m, Map.of("graft.labels", "[\"b\"]"));
        Map<String, String> meta = ModelEditor.metadata(m2);
        assertEquals(Map.of("names", "{0: 'a'}", "graft.labels", "[\"b\"]"), meta);
    }

    @Test
    void renameOutput_rejectsTakenNames() {
        assertThrows(
                IllegalArgumentException.class,
                () -> ModelEditor.renameOutput(TinyModels.classifier(1), "probs", "logits"));
        assertThrows(
                IllegalArgumentException.class,
                () -> ModelEditor.renameOutput(TinyModels.classifier(1), "nope", "x"));
    }
}
