package ai.graft.converter;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a classifier's features are: the tensor that its final classifier (a Gemm, MatMul or 1x1
 * Conv) reads. Cutting the graph there and pooling gives an embedding; a new head grows from it.
 *
 * @param tensor the feature tensor's name
 * @param producer the name (or, when unnamed, the op type) of the node producing it; empty for a
 *     graph input
 * @param classifier the name (or op type) of the classifier node that reads it; empty when the
 *     feature node was named explicitly and no classifier reads it directly
 * @param classifierOp the classifier's op type ({@code Gemm}, {@code MatMul}, {@code Conv}), or
 *     empty
 * @param shape its shape for batch 1, -1 where unknown; empty if unknown
 */
public record FeatureNode(
        String tensor, String producer, String classifier, String classifierOp, long[] shape) {
    /**
     * The number of feature channels: the size of axis 1.
     *
     * @return channels, or -1 when unknown
     */
    public long channels() {
        return shape.length > 1 ? shape[1] : -1;
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tensor", tensor);
        m.put("producer", producer);
        m.put("classifier", classifier);
        m.put("classifierOp", classifierOp);
        m.put("shape", shape);
        return m;
    }
}
