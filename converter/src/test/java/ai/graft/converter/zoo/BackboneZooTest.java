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
                        "vgg19",
                        "alexnet",
                        "googlenet",
                        "inception_v3",
                        "inception_v3_aux",
                        "squeezenet1_1",
                        "mobilenet_v3_large",
                        "mobilenet_v3_small",
                        "efficientnet_v2_s",
                        "regnet_y_400mf",
                        "convnext_tiny",
                        "vit_b_16",
                        "vit_tiny",
                        "swin_t",
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
        "googlenet, googlenet.onnx, true",
        "mobilenet_v3_small, mobilenet_v3_small.onnx, true"
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

    /**
     * Parameter counts for 1000 classes, exact: torchvision's ({@code sum(p.numel() for p in
     * model.parameters())}) plus batch normalization's running mean and variance, which are
     * initializers here and buffers there; multiply-adds at 299 x 299 as counted by summing every
     * Conv2d's and Linear's output size times its fan-in over torchvision's forward pass (eval
     * mode, so without the auxiliary classifier's 5.7 M); the output's shape as inferred.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"inception_v3, 23834568, 34432, 5.713", "inception_v3_aux, 27161264, 36224, 5.719"})
    void inceptionV3_hasTorchvisionParameterCountAndMultiplyAdds(
            String name, long parameters, long runningStats, double giga) {
        ModelProto m = BackboneZoo.build(name, 1000, BackboneZoo.defaultInputSize(name), 1);
        ModelSummary s = ModelInspector.inspect(m);
        assertEquals(parameters + runningStats, s.parameterCount(), name);
        assertEquals(giga, s.multiplyAdds() / 1e9, 0.01, name + " multiply-adds");
        assertArrayEquals(new long[] {1, 1000}, ModelInspector.shapes(m, 1).get("logits"));
    }

    /**
     * VGG-19 at its default size with 1000 classes: torchvision's parameter count (143,667,240),
     * its multiply-adds counted as for Inception v3 (19.632 G), layer names and initialisation.
     * ONNX Runtime runs it only at its smallest size ({@link #build_runsInOnnxRuntime}): its
     * weights, not its input, make a session slow.
     */
    @Test
    void vgg19_isTorchvisionsConfigurationE() {
        ModelProto m = BackboneZoo.build("vgg19", 1000, 224, 1);
        ModelSummary s = ModelInspector.inspect(m);
        assertEquals(143_667_240, s.parameterCount());
        assertEquals(19.632, s.multiplyAdds() / 1e9, 0.01);
        assertArrayEquals(new long[] {1, 1000}, ModelInspector.shapes(m, 1).get("logits"));
        Map<String, TensorProto> inits = initializers(m);
        // 16 convolutions and 3 linear layers, each with weight and bias
        assertEquals(38, inits.size());
        // 16 convolutions (each with its ReLU) and 5 poolings: the last convolution is features.34
        assertArrayEquals(
                new long[] {512, 512, 3, 3}, OnnxTensors.dims(inits.get("features.34.weight")));
        assertArrayEquals(
                new long[] {256, 256, 3, 3}, OnnxTensors.dims(inits.get("features.16.weight")));
        assertArrayEquals(
                new long[] {4096, 512 * 7 * 7}, OnnxTensors.dims(inits.get("classifier.0.weight")));
        // kaiming_normal_(fan_out, relu) as VGG-16: std = sqrt(2 / (512 * 9)); linear N(0, 0.01)
        float[] w = OnnxTensors.toFloats(inits.get("features.34.weight"));
        assertEquals(Math.sqrt(2.0 / (512 * 9)), std(w), 0.03 * Math.sqrt(2.0 / (512 * 9)));
        assertEquals(0.01, std(OnnxTensors.toFloats(inits.get("classifier.6.weight"))), 0.0005);
    }

    @Test
    void inputSizes_defaultTo299AndStopAt75ForInceptionV3() {
        assertEquals(224, BackboneZoo.defaultInputSize("vgg19"));
        assertEquals(224, BackboneZoo.defaultInputSize("smallcnn"));
        assertEquals(299, BackboneZoo.defaultInputSize("inception_v3"));
        assertEquals(299, BackboneZoo.defaultInputSize("inception_v3_aux"));
        assertEquals(32, BackboneZoo.minInputSize("vgg19"));
        assertEquals(8, BackboneZoo.minInputSize("smallcnn"));
        assertEquals(63, BackboneZoo.minInputSize("alexnet"));
        assertEquals(75, BackboneZoo.minInputSize("inception_v3"));
        assertEquals(299, BackboneZoo.minInputSize("inception_v3_aux"));
        IllegalArgumentException unknown =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> BackboneZoo.defaultInputSize("inception_v4"));
        assertTrue(unknown.getMessage().contains("'inception_v4'"), unknown.getMessage());
        IllegalArgumentException small =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> BackboneZoo.build("inception_v3", 2, 74, 1));
        assertEquals(
                "Input size 74 is too small for inception_v3: it takes 75 to 4096",
                small.getMessage());
        IllegalArgumentException aux =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> BackboneZoo.build("inception_v3_aux", 2, 298, 1));
        assertTrue(aux.getMessage().contains("takes 299 to"), aux.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BackboneZoo.build("vgg19", 2, 31, 1));
    }

    @Test
    void inceptionV3_followsTorchvisionNamesShapesAndInit() {
        ModelProto m = BackboneZoo.build("inception_v3", 10, 299, 5);
        Map<String, TensorProto> inits = initializers(m);
        assertEquals("Conv2d_1a_3x3.conv.weight", m.getGraph().getInitializer(0).getName());
        assertEquals("fc.bias", m.getGraph().getInitializer(inits.size() - 1).getName());
        assertArrayEquals(
                new long[] {32, 3, 3, 3}, OnnxTensors.dims(inits.get("Conv2d_1a_3x3.conv.weight")));
        assertArrayEquals(
                new long[] {128, 128, 1, 7},
                OnnxTensors.dims(inits.get("Mixed_6b.branch7x7_2.conv.weight")));
        assertArrayEquals(
                new long[] {384, 384, 3, 1},
                OnnxTensors.dims(inits.get("Mixed_7c.branch3x3dbl_3b.conv.weight")));
        assertArrayEquals(new long[] {10, 2048}, OnnxTensors.dims(inits.get("fc.weight")));
        assertTrue(inits.keySet().stream().noneMatch(n -> n.startsWith("AuxLogits")));
        assertTrue(!inits.containsKey("Conv2d_1a_3x3.conv.bias"), "BasicConv2d has no bias");
        NodeProto bn =
                m.getGraph().getNodeList().stream()
                        .filter(n -> n.getOpType().equals("BatchNormalization"))
                        .findFirst()
                        .orElseThrow();
        assertEquals(1e-3f, bn.getAttribute(0).getF());
        // the average-pooled branches count the padding, as F.avg_pool2d does by default
        NodeProto pool =
                m.getGraph().getNodeList().stream()
                        .filter(n -> n.getOpType().equals("AveragePool"))
                        .findFirst()
                        .orElseThrow();
        assertEquals("/Mixed_5b/AveragePool", pool.getName());
        assertEquals(
                1L,
                pool.getAttributeList().stream()
                        .filter(a -> a.getName().equals("count_include_pad"))
                        .findFirst()
                        .orElseThrow()
                        .getI());
        // trunc_normal_(std=0.1) for every convolution and for fc
        float[] w = OnnxTensors.toFloats(inits.get("Mixed_7c.branch_pool.conv.weight"));
        assertEquals(0.1, std(w), 0.003);
        assertEquals(0.1, std(OnnxTensors.toFloats(inits.get("fc.weight"))), 0.003);
        float bound = (float) (1 / Math.sqrt(2048));
        for (float v : OnnxTensors.toFloats(inits.get("fc.bias"))) {
            assertTrue(Math.abs(v) <= bound, "fc.bias " + v);
        }
    }

    @Test
    void inceptionV3Aux_addsTheAuxiliaryClassifierAsASecondOutput() throws Exception {
        ModelProto plain = BackboneZoo.build("inception_v3", 4, 75, 5);
        ModelProto aux = BackboneZoo.build("inception_v3_aux", 4, 299, 5);
        Map<String, TensorProto> inits = initializers(aux);
        Map<String, TensorProto> plainInits = initializers(plain);
        List<String> added =
                inits.keySet().stream().filter(n -> !plainInits.containsKey(n)).sorted().toList();
        assertEquals(
                List.of(
                        "AuxLogits.conv0.bn.bias",
                        "AuxLogits.conv0.bn.running_mean",
                        "AuxLogits.conv0.bn.running_var",
                        "AuxLogits.conv0.bn.weight",
                        "AuxLogits.conv0.conv.weight",
                        "AuxLogits.conv1.bn.bias",
                        "AuxLogits.conv1.bn.running_mean",
                        "AuxLogits.conv1.bn.running_var",
                        "AuxLogits.conv1.bn.weight",
                        "AuxLogits.conv1.conv.weight",
                        "AuxLogits.fc.bias",
                        "AuxLogits.fc.weight"),
                added);
        assertEquals(plainInits.size() + added.size(), inits.size());
        // torchvision's init: 0.001 for the auxiliary fc; its conv1's 0.01 never reaches the
        // Conv2d, so that one is drawn with the default 0.1
        assertEquals(0.001, std(OnnxTensors.toFloats(inits.get("AuxLogits.fc.weight"))), 0.0001);
        assertEquals(
                0.1, std(OnnxTensors.toFloats(inits.get("AuxLogits.conv1.conv.weight"))), 0.003);
        assertEquals(
                List.of("logits", "aux_logits"),
                aux.getGraph().getOutputList().stream().map(o -> o.getName()).toList());
        float[][][] outputs = run(aux, 299);
        assertEquals(2, outputs.length);
        for (float[][] logits : outputs) {
            assertEquals(2, logits.length);
            assertEquals(4, logits[0].length);
            assertTrue(Float.isFinite(logits[0][0]) && logits[0][0] != logits[1][0]);
        }
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
        "vgg19, 2, 32",
        "inception_v3, 3, 299",
        "inception_v3, 3, 75",
        "smallcnn, 10, 28",
        "smallcnn, 5, 48"
    })
    void build_runsInOnnxRuntime(String name, int classes, int size) throws Exception {
        float[][] logits = run(BackboneZoo.build(name, classes, size, 7), size)[0];
        assertEquals(2, logits.length);
        assertEquals(classes, logits[0].length);
        boolean differ = false;
        for (int i = 0; i < classes; i++) {
            assertTrue(Float.isFinite(logits[0][i]) && Float.isFinite(logits[1][i]));
            differ |= logits[0][i] != logits[1][i];
        }
        assertTrue(differ, name + ": both images gave the same logits");
    }

    /** Runs a batch of two random images through ONNX Runtime; every output, in graph order. */
    private static float[][][] run(ModelProto model, int size) throws Exception {
        byte[] bytes = OnnxModels.toBytes(model);
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
            float[][][] outputs = new float[result.size()][][];
            for (int i = 0; i < outputs.length; i++) {
                outputs[i] = (float[][]) result.get(i).getValue();
            }
            return outputs;
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
