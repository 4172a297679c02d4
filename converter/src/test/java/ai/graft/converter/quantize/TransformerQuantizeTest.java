package ai.graft.converter.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.zoo.BackboneZoo;
import ai.graft.sdk.Preprocessing;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The zoo's ViT, whose work is MatMul and Gemm on tokens rather than Conv, quantized at a small
 * size: every MatMul with a weight and every Gemm get QDQ around them and run on ONNX Runtime's
 * integer kernels.
 */
class TransformerQuantizeTest {
    private static final int SIZE = 32;

    @TempDir Path dir;

    @Test
    void vitTiny_quantizesItsWeightedMatMulsAndGemms() throws Exception {
        ModelProto m = BackboneZoo.build("vit_tiny", 10, SIZE, 1);
        Set<String> initializers = new HashSet<>();
        m.getGraph().getInitializerList().forEach(t -> initializers.add(t.getName()));
        long weighted =
                m.getGraph().getNodeList().stream()
                        .filter(n -> n.getOpType().equals("MatMul"))
                        .filter(n -> initializers.contains(n.getInput(1)))
                        .count();
        // 12 blocks: in-projection and two MLP layers
        assertEquals(36, weighted);
        List<Path> images = TinyModels.images(dir, 6, 2);

        Int8Result r =
                Int8Quantizer.quantize(
                        m,
                        "vit_tiny",
                        "input",
                        images,
                        Preprocessing.imagenet(SIZE, SIZE),
                        Int8Options.defaults());

        Set<String> dequantized = new HashSet<>();
        for (NodeProto n : r.model().getGraph().getNodeList()) {
            if (n.getOpType().equals("DequantizeLinear")) {
                dequantized.add(n.getOutput(0));
            }
        }
        long quantizedMatMuls =
                r.model().getGraph().getNodeList().stream()
                        .filter(n -> n.getOpType().equals("MatMul"))
                        .filter(
                                n ->
                                        dequantized.contains(n.getInput(0))
                                                && dequantized.contains(n.getInput(1)))
                        .count();
        assertTrue(quantizedMatMuls >= weighted, "QDQ MatMuls " + quantizedMatMuls);
        // ONNX Runtime runs them on integer kernels: the weighted MatMuls (whose Add of the bias
        // stays float) as MatMulIntegerToFloat, attention's products as QLinearMatMul, the 12
        // output projections and the head as QGemm, the patch embedding as QLinearConv
        java.util.Map<String, Integer> integer = r.kernels().integerOps();
        String kernels = r.kernels().describe();
        assertEquals(36, integer.getOrDefault("MatMulIntegerToFloat", 0), kernels);
        assertEquals(13, integer.getOrDefault("QGemm", 0), kernels);
        assertEquals(1, integer.getOrDefault("QLinearConv", 0), kernels);
        assertTrue(integer.getOrDefault("QLinearMatMul", 0) >= 12, kernels);
        assertTrue(
                r.floatNodes().stream()
                        .noneMatch(n -> n.startsWith("MatMul") || n.startsWith("Gemm")),
                r.floatNodes().toString());
    }
}
