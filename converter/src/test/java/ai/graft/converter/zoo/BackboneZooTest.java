package ai.graft.converter.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.ModelInspector;
import ai.graft.converter.ModelSummary;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.OnnxTensors;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.sdk.OnnxRuntime;
import ai.graft.sdk.TestData;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BackboneZooTest {

    @Test
    void names_listsTheArchitectures() {
        assertEquals(
                List.of(
                        "resnet18",
                        "resnet50",
                        "mobilenet_v2",
                        "efficientnet_b0",
                        "vgg16",
                        "alexnet",
                        "googlenet",
                        "squeezenet1_1",
                        "smallcnn"),
                BackboneZoo.names());
    }

    @Test
    void smallCnn_isSmallAndTakesSmallInputs() {
        ModelSummary s = ModelInspector.inspect(BackboneZoo.build("smallcnn", 10, 48, 3));
        // convolutions 9 * (3*16 + 16*32 + 32*64 + 64*128) = 97,200; BatchNorm 4 * 240 = 960
        // (scale, bias, running mean and variance); fc 128 * 10 + 10 = 1,290
        assertEquals(99_450, s.parameterCount(), s.toString());
        assertEquals(9.0e6, s.multiplyAdds(), 0.5e6);
        assertThrows(IllegalArgumentException.class, () -> BackboneZoo.build("smallcnn", 10, 7, 3));
        assertThrows(
                IllegalArgumentException.class, () -> BackboneZoo.build("resnet18", 10, 28, 3));
    }

    @Test
    void build_rejectsUnknownNameListingKnownOnes() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> BackboneZoo.build("resnet19", 10, 224, 1));
        assertTrue(e.getMessage().contains("'resnet19'"), e.getMessage());
        assertTrue(e.getMessage().contains("squeezenet1_1"), e.getMessage());
        assertTrue(e.getMessage().contains("resnet18"), e.getMessage());
    }

    @Test
    void build_rejectsBadClassCountAndInputSize() {
        assertThrows(
                IllegalArgumentException.class, () -> BackboneZoo.build("resnet18", 0, 224, 1));
        assertThrows(IllegalArgumentException.class, () -> BackboneZoo.build("resnet18", 2, 16, 1));
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> BackboneZoo.build("alexnet", 2, 40, 1));
        assertTrue(e.getMessage().contains("too small for alexnet"), e.getMessage());
    }

    @Test
    void build_followsConventions() throws Exception {
        ModelProto m = BackboneZoo.build("resnet18", 7, 96, 3);
        OnnxModels.check(m, "resnet18");
        assertEquals(7, m.getIrVersion());
        assertEquals(13, OnnxModels.opset(m));
        var in = m.getGraph().getInput(0);
        assertEquals("input", in.getName());
        var dims = in.getType().getTensorType().getShape().getDimList();
        assertEquals("N", dims.get(0).getDimParam());
        assertEquals(
                List.of(3L, 96L, 96L),
                dims.subList(1, 4).stream().map(d -> d.getDimValue()).toList());
        var out = m.getGraph().getOutput(0);
        assertEquals("logits", out.getName());
        assertEquals(7, out.getType().getTensorType().getShape().getDim(1).getDimValue());
        NodeProto bn =
                m.getGraph().getNodeList().stream()
                        .filter(n -> n.getOpType().equals("BatchNormalization"))
                        .findFirst()
                        .orElseThrow();
        assertEquals(
                List.of("bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var"),
                bn.getInputList().subList(1, 5));
        assertEquals(1e-5f, bn.getAttribute(0).getF());
        assertEquals(0.9f, bn.getAttribute(1).getF());
        NodeProto gemm = m.getGraph().getNode(m.getGraph().getNodeCount() - 1);
        assertEquals("Gemm", gemm.getOpType());
        assertEquals(List.of("fc.weight", "fc.bias"), gemm.getInputList().subList(1, 3));
        Map<String, TensorProto> inits = initializers(m);
        assertArrayEquals(new long[] {7, 512}, OnnxTensors.dims(inits.get("fc.weight")));
        assertArrayEquals(
                new long[] {64, 64, 3, 3}, OnnxTensors.dims(inits.get("layer1.0.conv1.weight")));
    }

    @Test
    void build_initialisesAsTorchvision() {
        ModelProto m = BackboneZoo.build("resnet18", 10, 64, 5);
        Map<String, TensorProto> inits = initializers(m);
        // kaiming_normal_(fan_out, relu): std = sqrt(2 / (64 * 7 * 7))
        float[] w = OnnxTensors.toFloats(inits.get("conv1.weight"));
        assertEquals(Math.sqrt(2.0 / (64 * 49)), std(w), 0.03 * Math.sqrt(2.0 / (64 * 49)));
        assertEquals(0, mean(w), 0.002);
        for (float v : OnnxTensors.toFloats(inits.get("bn1.weight"))) {
            assertEquals(1f, v);
        }
        for (float v : OnnxTensors.toFloats(inits.get("layer2.0.bn1.running_var"))) {
            assertEquals(1f, v);
        }
        for (float v : OnnxTensors.toFloats(inits.get("layer2.0.bn1.running_mean"))) {
            assertEquals(0f, v);
        }
        // nn.Linear default: U(+-1/sqrt(512))
        float bound = (float) (1 / Math.sqrt(512));
        for (float v : OnnxTensors.toFloats(inits.get("fc.weight"))) {
            assertTrue(Math.abs(v) <= bound, "fc.weight " + v);
        }
        ModelProto sq = BackboneZoo.build("squeezenet1_1", 100, 64, 5);
        float[] fin = OnnxTensors.toFloats(initializers(sq).get("classifier.1.weight"));
        assertEquals(0.01, std(fin), 0.0005);
        // kaiming_uniform_: U(+-sqrt(6 / fan_in)), std = sqrt(2 / fan_in), fan_in = 64 * 9
        float[] e3 = OnnxTensors.toFloats(initializers(sq).get("features.12.expand3x3.weight"));
        assertEquals(Math.sqrt(2.0 / (64 * 9)), std(e3), 0.03 * Math.sqrt(2.0 / (64 * 9)));
    }

    @Test
    void build_isDeterministicPerSeed() {
        byte[] a = OnnxModels.toBytes(BackboneZoo.build("squeezenet1_1", 10, 64, 11));
        byte[] b = OnnxModels.toBytes(BackboneZoo.build("squeezenet1_1", 10, 64, 11));
        byte[] c = OnnxModels.toBytes(BackboneZoo.build("squeezenet1_1", 10, 64, 12));
        assertArrayEquals(a, b);
        assertNotEquals(java.util.Arrays.hashCode(a), java.util.Arrays.hashCode(c));
    }

    /** Operator sequence and parameter shapes (and names where the export kept them). */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "squeezenet1_1, squeezenet1_1.onnx, false",
        "resnet18, resnet18_bn.onnx, false",
        "mobilenet_v2, mobilenet_v2.onnx, true",
        "efficientnet_b0, efficientnet_b0_bn.onnx, false",
        "googlenet, googlenet.onnx, true"
    })
    void build_matchesTorchvisionExport(String name, String file, boolean folded) throws Exception {
        ModelProto reference = OnnxModels.read(TestData.require("models/reference/" + file));
        GraphSignature expected = GraphSignature.of(reference, folded);
        reference = null; // let the reference's weights go before building ours
        GraphSignature actual = GraphSignature.of(BackboneZoo.build(name, 10, 224, 1), folded);
        assertNull(actual.firstDifference(expected), name + " differs from " + file);
        assertTrue(expected.ops().size() > 20);
    }

    /** Published multiply-adds at 224 x 224 with 1000 classes (torchvision's model docs). */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "squeezenet1_1, 0.35",
        "resnet18, 1.82",
        "mobilenet_v2, 0.30",
        "resnet50, 4.1",
        "vgg16, 15.5",
        "alexnet, 0.71",
        "efficientnet_b0, 0.39",
        "googlenet, 1.5"
    })
    void build_hasPublishedMultiplyAdds(String name, double giga) {
        long macs = ModelInspector.inspect(BackboneZoo.build(name, 1000, 224, 1)).multiplyAdds();
        assertEquals(giga, macs / 1e9, giga * 0.10, name + " multiply-adds " + macs);
    }

    /** Every model runs in ONNX Runtime; the big ones at 64 x 64 to stay fast. */
    @ParameterizedTest(name = "{0} at {2}")
    @CsvSource({
        "squeezenet1_1, 10, 224",
        "resnet18, 10, 224",
        "mobilenet_v2, 3, 224",
        "efficientnet_b0, 5, 224",
        "googlenet, 10, 160",
        "alexnet, 4, 224",
        "alexnet, 4, 64",
        "resnet50, 10, 64",
        "vgg16, 2, 64",
        "smallcnn, 10, 28",
        "smallcnn, 5, 48"
    })
    void build_runsInOnnxRuntime(String name, int classes, int size) throws Exception {
        byte[] bytes = OnnxModels.toBytes(BackboneZoo.build(name, classes, size, 7));
        OrtEnvironment env = OnnxRuntime.environment();
        float[] input = new float[2 * 3 * size * size];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) r.nextGaussian();
        }
        try (OrtSession session = env.createSession(bytes, new OrtSession.SessionOptions());
                OnnxTensor x =
                        OnnxTensor.createTensor(
                                env, FloatBuffer.wrap(input), new long[] {2, 3, size, size});
                OrtSession.Result result = session.run(Map.of("input", x))) {
            float[][] logits = (float[][]) result.get("logits").orElseThrow().getValue();
            assertEquals(2, logits.length);
            assertEquals(classes, logits[0].length);
            boolean differ = false;
            for (int i = 0; i < classes; i++) {
                assertTrue(Float.isFinite(logits[0][i]) && Float.isFinite(logits[1][i]));
                differ |= logits[0][i] != logits[1][i];
            }
            assertTrue(differ, name + ": both images gave the same logits");
        }
    }

    private static Map<String, TensorProto> initializers(ModelProto m) {
        Map<String, TensorProto> map = new java.util.HashMap<>();
        for (TensorProto t : m.getGraph().getInitializerList()) {
            map.put(t.getName(), t);
        }
        return map;
    }

    private static double mean(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double std(float[] v) {
        double m = mean(v);
        double s = 0;
        for (float x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / v.length);
    }
}
