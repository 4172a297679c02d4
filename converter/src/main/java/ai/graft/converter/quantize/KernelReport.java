package ai.graft.converter.quantize;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The compute operators of the graph that ONNX Runtime executes for a quantized model.
 *
 * @param integerOps fused integer operators (QLinearConv, QGemm, QLinearAdd, MatMulInteger...) and
 *     how often each occurs, most frequent first
 * @param floatOps float Conv, Gemm and MatMul (in any of ONNX Runtime's fused or NCHWc forms) and
 *     how often each occurs
 */
public record KernelReport(Map<String, Integer> integerOps, Map<String, Integer> floatOps) {
    /** Copies the maps into unmodifiable ones, keeping their order. */
    public KernelReport {
        integerOps = Collections.unmodifiableMap(new LinkedHashMap<>(integerOps));
        floatOps = Collections.unmodifiableMap(new LinkedHashMap<>(floatOps));
    }

    /**
     * Whether every Conv, Gemm and MatMul runs on an integer kernel.
     *
     * @return true when there are integer operators and no float compute operators
     */
    public boolean allInteger() {
        return !integerOps.isEmpty() && floatOps.isEmpty();
    }

    /**
     * One line for people: what runs in integers and what does not.
     *
     * @return for example {@code "integer kernels: QLinearConv x26, QLinearConcat x8"}
     */
    public String describe() {
        if (integerOps.isEmpty()) {
            return "ONNX Runtime runs no integer kernel: every quantized operator is dequantized"
                    + " and computed in float "
                    + counts(floatOps);
        }
        String s = "integer kernels: " + counts(integerOps);
        return floatOps.isEmpty() ? s : s + "; still float: " + counts(floatOps);
    }

    private static String counts(Map<String, Integer> m) {
        StringBuilder sb = new StringBuilder();
        m.forEach(
                (op, n) ->
                        sb.append(sb.length() == 0 ? "" : ", ").append(op).append(" x").append(n));
        return sb.toString();
    }
}
