package ai.graft.converter.quantize;

import ai.graft.converter.OnnxTensors;
import ai.graft.converter.graph.Attributes;
import ai.graft.converter.graph.Graphs;
import ai.graft.converter.graph.ShapeInference;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a QDQ model gets QuantizeLinear/DequantizeLinear pairs, decided from the float graph alone,
 * in the layout that ONNX Runtime's QDQ fusions turn into integer kernels (the layout of its own
 * Python quantizer, {@code qdq_quantizer.py}):
 *
 * <ul>
 *   <li>Conv, Gemm and MatMul with constant weights: the activation input is quantized, the weight
 *       is int8 and the bias int32 (QLinearConv, QGemm, QLinearMatMul); so is the output of a Conv,
 *       and of a Gemm or MatMul that a quantized operator reads (else QGemm and
 *       MatMulIntegerToFloat give float, and the logits keep their precision).
 *   <li>A Relu or Clip right after one of those (or after Add), and used only there: the output of
 *       the pair is quantized and the tensor between them is not, so that the activation folds into
 *       the quantization (ONNX Runtime's Relu/Clip-Quantize fusion).
 *   <li>Add, Mul, Concat, AveragePool, GlobalAveragePool, LeakyRelu, Sigmoid: inputs and output,
 *       each with its own range (QLinearAdd, QLinearConcat, QLinearGlobalAveragePool...).
 *   <li>MaxPool, Reshape, Flatten, Squeeze, Unsqueeze, Transpose: the output takes the input's
 *       scale and zero point, so that ONNX Runtime drops the pairs and runs them on 8-bit data.
 *   <li>Every other operator stays float: its quantized inputs are dequantized for it, and it is
 *       listed in {@link #floatNodes()}; so does a cheap operator (a pooling, an Add) whose output
 *       only float operators read. Graph outputs stay float, so that scores keep their precision.
 * </ul>
 */
final class QdqPlan {
    /** Operators whose output takes the quantization of their input. */
    static final Set<String> SHARED =
            Set.of("MaxPool", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose");

    /** Operators quantized on every activation input and their output. */
    static final Set<String> OWN_RANGE =
            Set.of(
                    "Add",
                    "Mul",
                    "Concat",
                    "AveragePool",
                    "GlobalAveragePool",
                    "LeakyRelu",
                    "Sigmoid",
                    "Relu",
                    "Clip");

    private static final Set<String> ACTIVATIONS = Set.of("Relu", "Clip");
    private static final Set<String> FOLDS_ACTIVATION = Set.of("Conv", "Gemm", "MatMul", "Add");

    private final Set<String> quantized = new LinkedHashSet<>();
    private final Map<String, String> sharesWith = new LinkedHashMap<>();
    private final Set<Integer> weighted = new HashSet<>();
    private final List<String> weightedKeys = new ArrayList<>();
    private final Set<Integer> weightOnly = new HashSet<>();
    private final List<String> floatNodes = new ArrayList<>();

    private QdqPlan() {}

    /**
     * Plans the quantization of a float model, every node that can be quantized being quantized.
     *
     * @param model the model, opset 13 or later, Dropout and Identity removed
     * @return the plan
     */
    static QdqPlan of(ModelProto model) {
        return of(model, Set.of());
    }

    /**
     * Plans the quantization of a float model with some nodes kept in float. A Relu or Clip right
     * after a kept node stays float with it, and so does a cheap operator that then has no
     * quantized neighbour to serve, so that no pair is spent on a tensor that only float nodes
     * read.
     *
     * @param model the model, opset 13 or later, Dropout and Identity removed
     * @param keepFloat the {@link #key keys} of nodes to keep in float
     * @return the plan
     */
    static QdqPlan of(ModelProto model, Set<String> keepFloat) {
        GraphProto g = model.getGraph();
        QdqPlan plan = new QdqPlan();
        Map<String, TensorProto> inits = Graphs.initializers(g);
        Map<String, List<NodeProto>> consumers = Graphs.consumers(g);
        Set<String> outputs = new HashSet<>();
        g.getOutputList().forEach(v -> outputs.add(v.getName()));
        Set<String> activations = floatActivations(model);
        List<NodeProto> nodes = g.getNodeList();
        Map<String, Integer> producer = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String o : nodes.get(i).getOutputList()) {
                producer.put(o, i);
            }
        }
        Map<Integer, List<Integer>> dataOf = new LinkedHashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            boolean kept = keepFloat.contains(key(n));
            if (kept && isWeighted(n, inits)) {
                plan.weightOnly.add(i);
            }
            List<Integer> data = kept ? null : dataInputs(n, inits, activations);
            Integer from = n.getInputCount() > 0 ? producer.get(n.getInput(0)) : null;
            if (data != null
                    && ACTIVATIONS.contains(n.getOpType())
                    && from != null
                    && !dataOf.containsKey(from)) {
                // An activation after a float node has nothing to fold into: it stays float, and
                // the operator after it quantizes its output.
                data = null;
            }
            if (data != null) {
                dataOf.put(i, data);
                if (isWeighted(n, inits)) {
                    plan.weighted.add(i);
                    plan.weightedKeys.add(key(n));
                }
            }
        }
        // A cheap operator whose output only float nodes read would add error and save nothing (a
        // final pooling before a float Softmax keeps its logits in float); dropping one can leave
        // the one before it in the same place, hence the repetition.
        for (boolean changed = true; changed; ) {
            changed = false;
            for (int i : List.copyOf(dataOf.keySet())) {
                NodeProto n = nodes.get(i);
                if (!plan.weighted.contains(i)
                        && !foldsInto(n, i, nodes, producer, dataOf)
                        && !readByQuantized(n.getOutput(0), consumers, nodes, dataOf)) {
                    dataOf.remove(i);
                    changed = true;
                }
            }
        }
        for (Map.Entry<Integer, List<Integer>> e : dataOf.entrySet()) {
            for (int d : e.getValue()) {
                plan.quantized.add(nodes.get(e.getKey()).getInput(d));
            }
        }
        Set<String> folded = new HashSet<>();
        for (int i : dataOf.keySet()) {
            NodeProto n = nodes.get(i);
            String out = n.getOutput(0);
            List<NodeProto> users = consumers.getOrDefault(out, List.of());
            if (FOLDS_ACTIVATION.contains(n.getOpType())
                    && users.size() == 1
                    && ACTIVATIONS.contains(users.get(0).getOpType())
                    && !outputs.contains(out)
                    && dataOf.containsKey(nodes.indexOf(users.get(0)))) {
                folded.add(out);
                continue;
            }
            boolean carriesFold = n.getInputCount() > 0 && folded.contains(n.getInput(0));
            if (!carriesFold
                    && !readByQuantized(out, consumers, nodes, dataOf)
                    && !n.getOpType().equals("Conv")
                    && plan.weighted.contains(i)) {
                // QGemm and MatMulIntegerToFloat give float outputs: logits keep their precision.
                continue;
            }
            if (!outputs.contains(out) && activations.contains(out)) {
                plan.quantized.add(out);
                if (SHARED.contains(n.getOpType())) {
                    plan.sharesWith.put(out, n.getInput(0));
                }
            }
        }
        plan.quantized.removeAll(folded);
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            if (dataOf.containsKey(i)) {
                continue;
            }
            boolean touches = false;
            for (String t : n.getInputList()) {
                touches |= plan.quantized.contains(t);
            }
            for (String t : n.getOutputList()) {
                touches |= plan.quantized.contains(t);
            }
            if (touches) {
                plan.floatNodes.add(
                        n.getOpType() + (n.getName().isEmpty() ? "" : " " + n.getName()));
            }
        }
        return plan;
    }

    /**
     * How a node is named when it is kept in float: its name, or its first output where it has
     * none.
     *
     * @param n the node
     * @return the key
     */
    static String key(NodeProto n) {
        return n.getName().isEmpty() ? n.getOutput(0) : n.getName();
    }

    private static boolean foldsInto(
            NodeProto n,
            int index,
            List<NodeProto> nodes,
            Map<String, Integer> producer,
            Map<Integer, List<Integer>> dataOf) {
        Integer from = producer.get(n.getInput(0));
        return ACTIVATIONS.contains(n.getOpType())
                && from != null
                && from != index
                && dataOf.containsKey(from)
                && FOLDS_ACTIVATION.contains(nodes.get(from).getOpType());
    }

    private static boolean readByQuantized(
            String tensor,
            Map<String, List<NodeProto>> consumers,
            List<NodeProto> nodes,
            Map<Integer, List<Integer>> dataOf) {
        for (NodeProto u : consumers.getOrDefault(tensor, List.of())) {
            if (dataOf.containsKey(nodes.indexOf(u))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Tensors that get a QuantizeLinear/DequantizeLinear pair, in graph order.
     *
     * @return the names
     */
    Set<String> quantized() {
        return quantized;
    }

    /**
     * The tensor whose scale and zero point a quantized tensor takes: itself, or the input of the
     * MaxPool/Reshape/... chain it comes from.
     *
     * @param tensor a quantized tensor
     * @return the tensor whose range sets its quantization
     */
    String rangeSource(String tensor) {
        String t = tensor;
        while (sharesWith.containsKey(t)) {
            t = sharesWith.get(t);
        }
        return t;
    }

    /**
     * The tensors whose range the calibration must measure.
     *
     * @return the quantized tensors that take no other tensor's quantization
     */
    Set<String> calibrated() {
        Set<String> s = new LinkedHashSet<>();
        for (String t : quantized) {
            s.add(rangeSource(t));
        }
        return s;
    }

    /**
     * Whether a node (by its index in the graph) gets int8 weights.
     *
     * @param index the node's index
     * @return true for Conv, Gemm and MatMul nodes with constant weights
     */
    boolean isWeighted(int index) {
        return weighted.contains(index);
    }

    /**
     * Whether a node (by its index in the graph) is a Conv, Gemm or MatMul kept in float: it
     * computes in float on float activations, and only its weight is stored in 8 bits.
     *
     * @param index the node's index
     * @return true for a kept node with constant weights
     */
    boolean isWeightOnly(int index) {
        return weightOnly.contains(index);
    }

    /**
     * The nodes that get int8 weights and integer kernels, by {@link #key}.
     *
     * @return the keys, in graph order
     */
    List<String> weightedNodes() {
        return weightedKeys;
    }

    /**
     * Nodes that stay float although a quantized tensor enters or leaves them, as {@code "OpType
     * name"}.
     *
     * @return the nodes, in graph order
     */
    List<String> floatNodes() {
        return floatNodes;
    }

    /** The activation inputs a node is quantized on, or null when the node stays float. */
    private static List<Integer> dataInputs(
            NodeProto n, Map<String, TensorProto> inits, Set<String> activations) {
        String op = n.getOpType();
        if (n.getInputCount() == 0 || !activations.contains(n.getInput(0))) {
            return null;
        }
        if (isWeighted(n, inits)) {
            return List.of(0);
        }
        if (op.equals("MatMul") || op.equals("Add") || op.equals("Mul")) {
            return n.getInputCount() == 2 && activations.contains(n.getInput(1))
                    ? List.of(0, 1)
                    : null;
        }
        if (op.equals("Concat")) {
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < n.getInputCount(); i++) {
                if (!activations.contains(n.getInput(i))) {
                    return null;
                }
                all.add(i);
            }
            return all;
        }
        if (op.equals("MaxPool") && n.getOutputCount() > 1 && !n.getOutput(1).isEmpty()) {
            return null; // the indices output has no quantized form
        }
        if (SHARED.contains(op) || OWN_RANGE.contains(op)) {
            return List.of(0);
        }
        return null;
    }

    /** Conv, Gemm or MatMul whose weight (and bias) are float initializers of a usable form. */
    private static boolean isWeighted(NodeProto n, Map<String, TensorProto> inits) {
        String op = n.getOpType();
        if (!Set.of("Conv", "Gemm", "MatMul").contains(op) || n.getInputCount() < 2) {
            return false;
        }
        TensorProto w = inits.get(n.getInput(1));
        if (w == null || w.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
            return false;
        }
        TensorProto bias = n.getInputCount() > 2 ? inits.get(n.getInput(2)) : null;
        boolean hasBias = n.getInputCount() > 2 && !n.getInput(2).isEmpty();
        if (hasBias && (bias == null || bias.getDataType() != TensorProto.DataType.FLOAT_VALUE)) {
            return false;
        }
        long[] wd = OnnxTensors.dims(w);
        switch (op) {
            case "Conv":
                return wd.length >= 3 && (!hasBias || bias.getDimsCount() == 1);
            case "Gemm":
                // QGemm computes alpha * A' * B' + beta * C on int32: keep the plain form.
                return wd.length == 2
                        && Attributes.getInt(n, "transA", 0) == 0
                        && Attributes.getFloat(n, "alpha", 1f) == 1f
                        && Attributes.getFloat(n, "beta", 1f) == 1f
                        && (!hasBias || bias.getDimsCount() == 1);
            default:
                return wd.length == 2;
        }
    }

    /** Float tensors computed from the real inputs: the ones a calibration can measure. */
    private static Set<String> floatActivations(ModelProto model) {
        GraphProto g = model.getGraph();
        Map<String, Integer> types = new LinkedHashMap<>(ShapeInference.infer(model, 1).types());
        for (ValueInfoProto v : g.getInputList()) {
            types.put(v.getName(), v.getType().getTensorType().getElemType());
        }
        Set<String> out = new HashSet<>();
        for (String t : Graphs.dependsOnInputs(g)) {
            Integer type = types.get(t);
            if (type != null && type == TensorProto.DataType.FLOAT_VALUE) {
                out.add(t);
            }
        }
        return out;
    }
}
