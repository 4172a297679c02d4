package ai.graft.converter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link ModelInspector} found in a model.
 *
 * @param irVersion the ONNX IR version
 * @param opsets opset version per domain ({@code ""} is the default ONNX domain)
 * @param producerName the exporter's name ({@code pytorch}, {@code onnx-caffe2}...), may be empty
 * @param producerVersion the exporter's version, may be empty
 * @param graphName the graph's name, may be empty
 * @param inputs the inputs a caller feeds (initializers listed as inputs are left out)
 * @param outputs the graph outputs
 * @param operators how often each operator occurs in the main graph, most frequent first
 * @param parameterCount elements of all floating-point initializers
 * @param multiplyAdds multiply-accumulate operations of Conv, ConvTranspose, Gemm and MatMul for
 *     one input of the declared size (a symbolic batch counts as 1); -1 if some of those had
 *     unknown shapes
 * @param featureNode the classifier's input, or null if none was found
 * @param metadata the model's metadata_props, in file order
 * @param unknownOps operators whose output shapes were not inferred (empty when all were)
 */
public record ModelSummary(
        long irVersion,
        Map<String, Long> opsets,
        String producerName,
        String producerVersion,
        String graphName,
        List<TensorInfo> inputs,
        List<TensorInfo> outputs,
        Map<String, Integer> operators,
        long parameterCount,
        long multiplyAdds,
        FeatureNode featureNode,
        Map<String, String> metadata,
        List<String> unknownOps) {
    /** Copies the collections into unmodifiable ones, keeping their order. */
    public ModelSummary {
        opsets = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(opsets));
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        operators = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(operators));
        metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        unknownOps = List.copyOf(unknownOps);
    }

    /**
     * The opset version of the default ONNX domain.
     *
     * @return the version, or -1 if not imported
     */
    public long opset() {
        Long v = opsets.get("");
        return v == null ? opsets.getOrDefault("ai.onnx", -1L) : v;
    }

    /**
     * This summary as compact JSON, with the record's component names as keys.
     *
     * @return JSON text
     */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("irVersion", irVersion);
        m.put("opsets", opsets);
        m.put("producerName", producerName);
        m.put("producerVersion", producerVersion);
        m.put("graphName", graphName);
        m.put("inputs", tensors(inputs));
        m.put("outputs", tensors(outputs));
        m.put("operators", operators);
        m.put("parameterCount", parameterCount);
        m.put("multiplyAdds", multiplyAdds);
        m.put("featureNode", featureNode == null ? null : featureNode.toMap());
        m.put("metadata", metadata);
        m.put("unknownOps", unknownOps);
        return GraftJson.write(m);
    }

    private static List<Object> tensors(List<TensorInfo> list) {
        List<Object> out = new ArrayList<>();
        list.forEach(t -> out.add(t.toMap()));
        return out;
    }
}
