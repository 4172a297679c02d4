package ai.graft.converter.zoo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.FeatureNode;
import ai.graft.converter.ModelEditor;
import ai.graft.converter.ModelInspector;
import ai.graft.converter.ModelSummary;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.OnnxTensors;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.opset.OpsetConverter;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.OnnxRuntime;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The later torchvision backbones: MobileNet V3, EfficientNet V2, RegNet Y, ConvNeXt, ViT, Swin.
 *
 * <p>Checked by hand against {@code torch.onnx.export} of torchvision 0.14.1 (PyTorch 1.13.1,
 * random weights, 224 x 224): every real parameter name and shape of the export is in the zoo's
 * graph, in the same order of use, the exporter's made-up {@code onnx::MatMul_N} tensors being the
 * {@code _t} weights, and Swin's folded {@code onnx::Add_N} bias the lookup of its {@code
 * relative_position_bias_table}. With the zoo's weights loaded into the torchvision modules (the
 * {@code _t} weights transposed back), their forward passes agree with ONNX Runtime on the zoo's
 * graphs within 5e-6 (Swin also at 100 x 100, where windows are padded). Those checks need Python
 * and are not repeated here; these tests hold what can be checked in Java.
 */
class ModernBackbonesTest {

    /**
     * torchvision's parameter counts for 1000 classes ({@code state_dict} sizes: parameters plus
     * batch normalization's running statistics), the logits' inferred shape, and the feature node
     * found without being named.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "mobilenet_v3_large, 5507432, 1280, /classifier/1/Mul",
        "mobilenet_v3_small, 2554968, 1024, /classifier/1/Mul",
        "efficientnet_v2_s, 21612360, 1280, /flatten/Flatten",
        "regnet_y_400mf, 4371296, 440, /flatten/Flatten",
        "convnext_tiny, 28589128, 768, /classifier/1/Flatten",
        "vit_b_16, 86567656, 768, /class/Gather",
        "vit_tiny, 5717416, 192, /class/Gather",
        "swin_t, 28288354, 768, /flatten/Flatten"
    })
    void build_hasTorchvisionParameterCountAndFindsItsFeatures(
            String name, long parameters, long features, String producer) {
        ModelProto m = BackboneZoo.build(name, 1000, 224, 1);
        ModelSummary s = ModelInspector.inspect(m);
        assertEquals(parameters, s.parameterCount(), name);
        assertArrayEquals(new long[] {1, 1000}, ModelInspector.shapes(m, 1).get("logits"), name);
        FeatureNode f = ModelInspector.findFeatureNode(m);
        assertNotNull(f, name);
        assertEquals(producer, f.producer(), name);
        assertArrayEquals(new long[] {1, features}, f.shape(), name);
        assertEquals("Gemm", f.classifierOp(), name);
    }

    /**
     * Multiply-adds at 224 x 224 as shape inference counts them (Conv, Gemm and MatMul, attention
     * included), against torchvision's published GFLOPS within 12 %.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "mobilenet_v3_large, 0.22",
        "regnet_y_400mf, 0.40",
        "convnext_tiny, 4.46",
        "swin_t, 4.49",
        "vit_b_16, 17.56"
    })
    void build_hasPublishedMultiplyAdds(String name, double giga) {
        long macs = ModelInspector.inspect(BackboneZoo.build(name, 1000, 224, 1)).multiplyAdds();
        assertEquals(giga, macs / 1e9, giga * 0.12, name + " multiply-adds " + macs);
    }

    /** Every new model runs in ONNX Runtime, its two images giving different features. */
    @ParameterizedTest(name = "{0} at {1}")
    @CsvSource({
        "mobilenet_v3_large, 64",
        "mobilenet_v3_small, 32",
        "efficientnet_v2_s, 64",
        "regnet_y_400mf, 64",
        "convnext_tiny, 64",
        "vit_tiny, 48",
        "swin_t, 64",
        "swin_t, 100"
    })
    void features_runInOnnxRuntime(String name, int size) throws Exception {
        ModelProto m = BackboneZoo.build(name, 3, size, 7);
        OnnxModels.check(m, name);
        float[][] logits = run(m, size);
        assertEquals(3, logits[0].length);
        ModelProto cut = ModelEditor.cutAtFeatures(m, null);
        float[][] features = run(cut, size);
        assertEquals(
                ModelInspector.findFeatureNode(m).channels(), features[0].length, name + " width");
        boolean differ = false;
        for (int i = 0; i < features[0].length; i++) {
            assertTrue(Float.isFinite(features[0][i]) && Float.isFinite(features[1][i]), name);
            differ |= features[0][i] != features[1][i];
        }
        assertTrue(differ, name + ": both images gave the same features");
    }

    /**
     * The tiny configurations that whole-network gradient checks use are valid models that run in
     * ONNX Runtime, have the blocks they claim, and are not in the zoo's list.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(TinyBackbones.class)
    void tinyConfigurations_runInOnnxRuntimeAndStayOutOfTheZoo(TinyBackbones tiny)
            throws Exception {
        ModelProto m = tiny.build(3, 7);
        String name = m.getGraph().getName();
        OnnxModels.check(m, name);
        assertFalse(BackboneZoo.names().contains(name), name);
        Map<String, TensorProto> inits = initializers(m);
        for (String marker : tiny.markers()) {
            assertTrue(
                    inits.containsKey(marker), name + " has no " + marker + ": " + inits.keySet());
        }
        long parameters = ModelInspector.inspect(m).parameterCount();
        assertTrue(parameters < 20_000, name + " has " + parameters + " parameters");
        float[][] logits = run(m, tiny.inputSize());
        assertEquals(3, logits[0].length, name);
        assertTrue(logits[0][0] != logits[1][0], name + ": both images gave the same logits");
    }

    @Test
    void transformers_useOpset17AndNameTheirWeightsAsTorchvision() {
        ModelProto vit = BackboneZoo.build("vit_tiny", 10, 32, 3);
        assertEquals(17, OnnxModels.opset(vit));
        assertEquals(8, vit.getIrVersion());
        assertEquals(13, OnnxModels.opset(BackboneZoo.build("regnet_y_400mf", 10, 32, 3)));
        Map<String, TensorProto> inits = initializers(vit);
        String block = "encoder.layers.encoder_layer_11.";
        assertArrayEquals(
                new long[] {192, 576},
                OnnxTensors.dims(inits.get(block + "self_attention.in_proj_weight_t")));
        assertArrayEquals(
                new long[] {192, 192},
                OnnxTensors.dims(inits.get(block + "self_attention.out_proj.weight")));
        assertArrayEquals(
                new long[] {768, 192}, OnnxTensors.dims(inits.get(block + "mlp.3.weight_t")));
        assertArrayEquals(
                new long[] {1, 5, 192}, OnnxTensors.dims(inits.get("encoder.pos_embedding")));
        assertArrayEquals(new long[] {1, 1, 192}, OnnxTensors.dims(inits.get("class_token")));
        // torchvision zeroes the head and the class token: a fresh ViT's logits are all 0
        for (float v : OnnxTensors.toFloats(inits.get("heads.head.weight"))) {
            assertEquals(0f, v);
        }
        NodeProto ln =
                vit.getGraph().getNodeList().stream()
                        .filter(n -> n.getOpType().equals("LayerNormalization"))
                        .findFirst()
                        .orElseThrow();
        assertEquals(1e-6f, ln.getAttribute(1).getF());
        // xavier_uniform_ on in_proj_weight [576, 192]: std = sqrt(2 / (192 + 576))
        double xavier = Math.sqrt(2.0 / (192 + 576));
        float[] w = OnnxTensors.toFloats(inits.get(block + "self_attention.in_proj_weight_t"));
        assertEquals(xavier, std(w), 0.03 * xavier);

        ModelProto convnext = BackboneZoo.build("convnext_tiny", 10, 32, 3);
        Map<String, TensorProto> c = initializers(convnext);
        assertArrayEquals(
                new long[] {96, 1, 1}, OnnxTensors.dims(c.get("features.1.0.layer_scale")));
        assertEquals(1e-6f, OnnxTensors.toFloats(c.get("features.1.0.layer_scale"))[0]);
        assertArrayEquals(
                new long[] {96, 384}, OnnxTensors.dims(c.get("features.1.0.block.3.weight_t")));
        assertEquals(
                0.02, std(OnnxTensors.toFloats(c.get("features.5.0.block.3.weight_t"))), 0.001);

        ModelProto swin = BackboneZoo.build("swin_t", 10, 32, 3);
        Map<String, TensorProto> sw = initializers(swin);
        assertArrayEquals(
                new long[] {169, 24},
                OnnxTensors.dims(sw.get("features.7.1.attn.relative_position_bias_table")));
        assertArrayEquals(
                new long[] {384, 192}, OnnxTensors.dims(sw.get("features.2.reduction.weight_t")));
        assertTrue(!sw.containsKey("features.2.reduction.bias"), "patch merging has no bias");
    }

    /**
     * The opset converter takes the transformers up to opset 21 with the same outputs, and refuses
     * to take them below 17, naming LayerNormalization.
     */
    @Test
    void transformers_convertToLaterOpsetsAndRefuseEarlierOnes() throws Exception {
        for (String name : List.of("vit_tiny", "swin_t", "convnext_tiny")) {
            ModelProto m = ModelEditor.cutAtFeatures(BackboneZoo.build(name, 3, 32, 5), null);
            ModelProto later = OpsetConverter.convert(m, name, 21);
            assertEquals(21, OnnxModels.opset(later));
            float[][] a = run(m, 32);
            float[][] b = run(later, 32);
            for (int i = 0; i < a.length; i++) {
                assertArrayEquals(a[i], b[i], 1e-5f, name);
            }
            ModelException e =
                    assertThrows(ModelException.class, () -> OpsetConverter.convert(m, name, 16));
            assertTrue(e.getMessage().contains("LayerNormalization"), e.getMessage());
        }
    }

    @Test
    void vit_refusesAnInputSideThatIsNotAMultipleOfItsPatch() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> BackboneZoo.build("vit_b_16", 10, 100, 1));
        assertEquals(
                "Input size 100 for vit_b_16 must be a multiple of its patch side 16",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BackboneZoo.build("swin_t", 10, 31, 1));
        assertEquals(16, BackboneZoo.inputSizeMultiple("vit_tiny"));
        assertEquals(1, BackboneZoo.inputSizeMultiple("swin_t"));
    }

    @Test
    void efficientnetV2s_defaultsTo384() {
        assertEquals(384, BackboneZoo.defaultInputSize("efficientnet_v2_s"));
        assertEquals(224, BackboneZoo.defaultInputSize("vit_b_16"));
    }

    @Test
    void relativeIndex_matchesTorchvisionForA2x2Window() {
        // torchvision: (dh + 1) * 3 + (dw + 1) for tokens (0,0), (0,1), (1,0), (1,1)
        assertArrayEquals(
                new long[] {4, 3, 1, 0, 5, 4, 2, 1, 7, 6, 4, 3, 8, 7, 5, 4},
                Transformers.relativeIndex(2));
    }

    @Test
    void shiftMask_separatesTheRolledRegions() {
        // a 4 x 4 map, 2 x 2 windows, shift 1: the last window mixes four regions, the first none
        float[] mask = Transformers.shiftMask(4, 4, 2, 1, 1);
        assertEquals(4 * 4 * 4, mask.length);
        for (int i = 0; i < 16; i++) {
            assertEquals(0f, mask[i]);
        }
        float[] last = java.util.Arrays.copyOfRange(mask, 48, 64);
        for (int a = 0; a < 4; a++) {
            for (int b = 0; b < 4; b++) {
                assertEquals(a == b ? 0f : -100f, last[a * 4 + b], a + "," + b);
            }
        }
        assertNotEquals(0f, mask[16 + 1]); // second window: (0,2),(0,3) are different regions
    }

    private static float[][] run(ModelProto model, int size) throws Exception {
        OrtEnvironment env = OnnxRuntime.environment();
        float[] input = new float[2 * 3 * size * size];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) r.nextGaussian();
        }
        try (OrtSession session =
                        env.createSession(
                                OnnxModels.toBytes(model), new OrtSession.SessionOptions());
                OnnxTensor x =
                        OnnxTensor.createTensor(
                                env, FloatBuffer.wrap(input), new long[] {2, 3, size, size});
                OrtSession.Result result = session.run(Map.of("input", x))) {
            Object v = result.get(0).getValue();
            if (v instanceof float[][] f) {
                return f;
            }
            // [N, C, 1, 1] features
            float[][][][] f4 = (float[][][][]) v;
            float[][] out = new float[f4.length][f4[0].length];
            for (int i = 0; i < f4.length; i++) {
                for (int c = 0; c < f4[0].length; c++) {
                    out[i][c] = f4[i][c][0][0];
                }
            }
            return out;
        }
    }

    private static Map<String, TensorProto> initializers(ModelProto m) {
        Map<String, TensorProto> map = new HashMap<>();
        for (TensorProto t : m.getGraph().getInitializerList()) {
            map.put(t.getName(), t);
        }
        return map;
    }

    private static double std(float[] v) {
        double mean = 0;
        for (float x : v) {
            mean += x;
        }
        mean /= v.length;
        double s = 0;
        for (float x : v) {
            s += (x - mean) * (x - mean);
        }
        return Math.sqrt(s / v.length);
    }
}
