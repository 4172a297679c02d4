package ai.graft.converter.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.OnnxModels;
import ai.graft.converter.OnnxTensors;
import ai.graft.converter.ParityChecker;
import ai.graft.converter.ParityOptions;
import ai.graft.converter.ParityReport;
import ai.graft.converter.graph.Attributes;
import ai.graft.converter.graph.Graphs;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.sdk.ImageException;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.Preprocessing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Int8QuantizerTest {
    private static final Preprocessing UNIT = Preprocessing.unit(TinyModels.SIZE, TinyModels.SIZE);

    @TempDir static Path dir;
    private static List<Path> images;

    @BeforeAll
    static void makeImages() throws Exception {
        images = TinyModels.images(dir.resolve("calib"), 12, 3);
    }

    private static Int8Result quantize(ModelProto m, Int8Options o) throws Exception {
        return Int8Quantizer.quantize(m, "tiny", "image", images, UNIT, o);
    }

    @Test
    void convReluPoolGemm_runsOnIntegerKernelsOnly() throws Exception {
        Int8Result r =
                quantize(TinyModels.classifier(TinyModels.Middle.POOL, 1), Int8Options.defaults());
        assertTrue(r.kernels().allInteger(), r.kernels().describe());
        assertEquals(2, r.kernels().integerOps().get("QLinearConv"), r.kernels().describe());
        assertEquals(12, r.images().size());
        assertTrue(r.skipped().isEmpty());
    }

    @Test
    void concatBranch_becomesQLinearConcat() throws Exception {
        Int8Result r =
                quantize(
                        TinyModels.classifier(TinyModels.Middle.CONCAT, 2), Int8Options.defaults());
        assertEquals(1, r.kernels().integerOps().get("QLinearConcat"), r.kernels().describe());
        assertEquals(4, r.kernels().integerOps().get("QLinearConv"), r.kernels().describe());
        assertTrue(r.kernels().floatOps().isEmpty(), r.kernels().describe());
    }

    @Test
    void unsupportedOperator_staysFloatAndIsReported() throws Exception {
        Int8Result r =
                quantize(TinyModels.classifier(TinyModels.Middle.TANH, 3), Int8Options.defaults());
        assertTrue(r.floatNodes().contains("Tanh tanh"), r.floatNodes().toString());
        assertEquals(2, r.kernels().integerOps().get("QLinearConv"), r.kernels().describe());
        // Tanh computes on the dequantized values: a float node between two quantized tensors.
        NodeProto tanh = node(r.model(), "Tanh");
        assertTrue(tanh.getInput(0).endsWith("_dequantized"), tanh.toString());
    }

    @Test
    void qdqStructure_foldsReluAndSharesPoolParams() throws Exception {
        ModelProto q =
                quantize(TinyModels.classifier(TinyModels.Middle.POOL, 1), Int8Options.defaults())
                        .model();
        List<String> quantizedTensors =
                q.getGraph().getNodeList().stream()
                        .filter(n -> n.getOpType().equals("QuantizeLinear"))
                        .map(n -> n.getInput(0))
                        .toList();
        // The Relu folds into the Conv (no pair on the Conv output); the logits stay float.
        assertFalse(quantizedTensors.contains("c1_out"), quantizedTensors.toString());
        assertTrue(quantizedTensors.contains("r1_out"), quantizedTensors.toString());
        assertFalse(quantizedTensors.contains("logits"), quantizedTensors.toString());
        NodeProto pool = node(q, "MaxPool");
        NodeProto poolQ = consumer(q, pool.getOutput(0), "QuantizeLinear");
        NodeProto poolIn = producer(q, pool.getInput(0));
        assertEquals(
                poolIn.getInput(1), poolQ.getInput(1), "MaxPool output takes its input's scale");
        assertEquals(poolIn.getInput(2), poolQ.getInput(2), "and its zero point");
    }

    @Test
    void weightsAndBias_perChannelInt8AndInt32AtProductScale() throws Exception {
        ModelProto q =
                quantize(TinyModels.classifier(TinyModels.Middle.POOL, 1), Int8Options.defaults())
                        .model();
        Map<String, TensorProto> inits = Graphs.initializers(q.getGraph());
        NodeProto conv = node(q, "Conv");
        NodeProto wDq = producer(q, conv.getInput(1));
        NodeProto bDq = producer(q, conv.getInput(2));
        NodeProto xDq = producer(q, conv.getInput(0));
        TensorProto w = inits.get(wDq.getInput(0));
        assertEquals(TensorProto.DataType.INT8_VALUE, w.getDataType());
        assertEquals(0, Attributes.getInt(wDq, "axis", -1));
        float[] wScale = OnnxTensors.toFloats(inits.get(wDq.getInput(1)));
        assertEquals(8, wScale.length, "one scale per output channel");
        for (long z : OnnxTensors.toLongs(inits.get(wDq.getInput(2)))) {
            assertEquals(0, z, "symmetric weights");
        }
        // 7-bit weights by default: every value within [-63, 63], the largest of a channel at 63.
        int max = 0;
        for (long v : OnnxTensors.toLongs(w)) {
            max = Math.max(max, (int) Math.abs(v));
        }
        assertEquals(63, max);
        TensorProto b = inits.get(bDq.getInput(0));
        assertEquals(TensorProto.DataType.INT32_VALUE, b.getDataType());
        float xScale = OnnxTensors.toFloats(inits.get(xDq.getInput(1)))[0];
        float[] bScale = OnnxTensors.toFloats(inits.get(bDq.getInput(1)));
        for (int c = 0; c < 8; c++) {
            assertEquals(xScale * wScale[c], bScale[c], 1e-12, "bias scale of channel " + c);
        }
        float[] original =
                OnnxTensors.toFloats(
                        Graphs.initializers(
                                        TinyModels.classifier(TinyModels.Middle.POOL, 1).getGraph())
                                .get("c1_b"));
        long[] qb = OnnxTensors.toLongs(b);
        for (int c = 0; c < 8; c++) {
            assertEquals(original[c], qb[c] * bScale[c], bScale[c] / 2 + 1e-7, "bias " + c);
        }
    }

    @Test
    void perTensor_hasOneWeightScaleAndEightBitsWhenAsked() throws Exception {
        ModelProto q =
                quantize(
                                TinyModels.classifier(TinyModels.Middle.POOL, 1),
                                Int8Options.builder().perChannel(false).reduceRange(false).build())
                        .model();
        NodeProto wDq = producer(q, node(q, "Conv").getInput(1));
        TensorProto scale = Graphs.initializers(q.getGraph()).get(wDq.getInput(1));
        assertEquals(0, scale.getDimsCount(), "a scalar scale");
        assertFalse(Attributes.has(wDq, "axis"));
        int max = 0;
        for (long v : OnnxTensors.toLongs(Graphs.initializers(q.getGraph()).get(wDq.getInput(0)))) {
            max = Math.max(max, (int) Math.abs(v));
        }
        assertEquals(127, max);
    }

    @Test
    void quantized_followsTheFloatModel() throws Exception {
        ModelProto m = TinyModels.classifier(TinyModels.Middle.CONCAT, 2);
        for (CalibrationMethod method : CalibrationMethod.values()) {
            ModelProto q = quantize(m, Int8Options.builder().method(method).build()).model();
            ParityReport r =
                    ParityChecker.compare(
                            m,
                            "float",
                            q,
                            "int8",
                            ParityOptions.builder().randomRuns(0).images(images, UNIT).build());
            assertTrue(r.maxAbsDiff() < 0.05, method + ": " + r.toJson());
        }
    }

    @Test
    void refuses_noReadableImage() throws Exception {
        Path bad = Files.createDirectories(dir.resolve("bad"));
        Path fake = Files.writeString(bad.resolve("photo.jpg"), "not an image");
        ImageException e =
                assertThrows(
                        ImageException.class,
                        () ->
                                Int8Quantizer.quantize(
                                        TinyModels.classifier(TinyModels.Middle.POOL, 1),
                                        "tiny",
                                        "image",
                                        List.of(fake),
                                        UNIT,
                                        Int8Options.defaults()));
        assertTrue(
                e.getMessage().startsWith("None of the 1 calibration image(s) could be read"),
                e.getMessage());
    }

    @Test
    void refuses_alreadyQuantizedAndFloat16() throws Exception {
        ModelProto q =
                quantize(TinyModels.classifier(TinyModels.Middle.POOL, 1), Int8Options.defaults())
                        .model();
        ModelException e =
                assertThrows(ModelException.class, () -> quantize(q, Int8Options.defaults()));
        assertTrue(e.getMessage().contains("is already quantized"), e.getMessage());
        ModelProto half =
                Float16Converter.convert(TinyModels.classifier(TinyModels.Middle.POOL, 1), "tiny");
        e = assertThrows(ModelException.class, () -> quantize(half, Int8Options.defaults()));
        assertTrue(e.getMessage().contains("is already float16"), e.getMessage());
        assertTrue(e.getMessage().contains("graft convert --fp32"), e.getMessage());
    }

    @Test
    void kernelCheck_saysWhenNothingRunsInIntegers() throws Exception {
        KernelReport r = KernelCheck.check(TinyModels.classifier(TinyModels.Middle.POOL, 1));
        assertTrue(r.integerOps().isEmpty());
        assertFalse(r.allInteger());
        assertTrue(r.describe().startsWith("ONNX Runtime runs no integer kernel"), r.describe());
    }

    @Test
    void precision_ofEachForm() throws Exception {
        ModelProto m = TinyModels.classifier(TinyModels.Middle.POOL, 1);
        assertEquals(Precision.FP32, Precision.of(m));
        assertEquals(Precision.INT8_QDQ, Precision.of(quantize(m, Int8Options.defaults()).model()));
        assertEquals(Precision.FP16, Precision.of(Float16Converter.convert(m, "tiny")));
        assertEquals(Precision.FP32, Precision.of(OnnxModels.parse(OnnxModels.toBytes(m), "tiny")));
    }

    private static NodeProto node(ModelProto m, String op) {
        return m.getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals(op))
                .findFirst()
                .orElseThrow();
    }

    private static NodeProto producer(ModelProto m, String tensor) {
        return m.getGraph().getNodeList().stream()
                .filter(n -> n.getOutputList().contains(tensor))
                .findFirst()
                .orElseThrow();
    }

    private static NodeProto consumer(ModelProto m, String tensor, String op) {
        return m.getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals(op) && n.getInputList().contains(tensor))
                .findFirst()
                .orElseThrow();
    }
}
