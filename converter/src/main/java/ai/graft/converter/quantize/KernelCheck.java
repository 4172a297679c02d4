package ai.graft.converter.quantize;

import ai.graft.converter.OnnxModels;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.OnnxRuntime;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Whether ONNX Runtime really runs a QDQ model on integer kernels: it loads the model at its
 * default optimisation level, saves the graph it will execute, and counts the fused integer
 * operators (QLinearConv, QGemm, QLinearConcat...) against float Conv, Gemm and MatMul left behind
 * DequantizeLinear. A QDQ file is only a promise; ONNX Runtime fuses a pair into an integer kernel
 * only when the layout, the types and the opset fit.
 */
public final class KernelCheck {
    private static final Set<String> INTEGER =
            Set.of(
                    "ConvInteger",
                    "MatMulInteger",
                    "MatMulIntegerToFloat",
                    "QGemm",
                    "DynamicQuantizeMatMul");

    private static final Set<String> FLOAT =
            Set.of("Conv", "FusedConv", "NchwcConv", "Gemm", "FusedGemm", "MatMul", "FusedMatMul");

    private KernelCheck() {}

    /**
     * Counts the kernels ONNX Runtime (CPU) runs for a model.
     *
     * @param model the model
     * @return the integer and float operators of the optimised graph
     * @throws ModelException when ONNX Runtime cannot load the model
     */
    public static KernelReport check(ModelProto model) throws ModelException {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("graft-kernels");
            Path optimized = dir.resolve("optimized.onnx");
            try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
                so.setOptimizedModelFilePath(optimized.toString());
                OnnxRuntime.environment().createSession(OnnxModels.toBytes(model), so).close();
            }
            return count(ModelProto.parseFrom(Files.readAllBytes(optimized)));
        } catch (OrtException | IOException e) {
            throw new ModelException(
                    "ONNX Runtime could not load the quantized model: " + e.getMessage(), e);
        } finally {
            deleteQuietly(dir);
        }
    }

    /**
     * Counts integer and float compute operators of an (optimised) graph.
     *
     * @param optimized the graph ONNX Runtime saved
     * @return the counts
     */
    static KernelReport count(ModelProto optimized) {
        Map<String, Integer> integer = new TreeMap<>();
        Map<String, Integer> floats = new TreeMap<>();
        for (NodeProto n : optimized.getGraph().getNodeList()) {
            String op = n.getOpType();
            if (op.startsWith("QLinear") || INTEGER.contains(op)) {
                integer.merge(op, 1, Integer::sum);
            } else if (FLOAT.contains(op)) {
                floats.merge(op, 1, Integer::sum);
            }
        }
        return new KernelReport(sorted(integer), sorted(floats));
    }

    private static Map<String, Integer> sorted(Map<String, Integer> m) {
        Map<String, Integer> out = new LinkedHashMap<>();
        m.entrySet().stream()
                .sorted(
                        Comparator.<Map.Entry<String, Integer>>comparingInt(e -> -e.getValue())
                                .thenComparing(Map.Entry::getKey))
                .forEach(e -> out.put(e.getKey(), e.getValue()));
        return out;
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // A leftover file in the temporary folder is harmless; the check's answer stands.
        }
    }
}
