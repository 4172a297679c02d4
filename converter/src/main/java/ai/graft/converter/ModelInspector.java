package ai.graft.converter;

import ai.graft.converter.graph.Attributes;
import ai.graft.converter.graph.Graphs;
import ai.graft.converter.graph.ShapeInference;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.OperatorSetIdProto;
import ai.graft.converter.onnx.proto.OnnxProto.StringStringEntryProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorShapeProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Describes a model: inputs and outputs, operators, parameters, multiply-adds, opset, producer,
 * metadata and the feature node (the input of the final classifier).
 *
 * <pre>{@code
 * ModelSummary s = ModelInspector.inspect(OnnxModels.read(Path.of("resnet18.onnx")));
 * System.out.println(s.featureNode().tensor() + " " + s.multiplyAdds());
 * }</pre>
 *
 * <p>Thread-safe: stateless.
 */
public final class ModelInspector {
    /** Ops between the classifier and the output that the feature search walks through. */
    private static final Set<String> PASS_THROUGH =
            Set.of(
                    "Softmax",
                    "LogSoftmax",
                    "Flatten",
                    "Reshape",
                    "Identity",
                    "Dropout",
                    "Relu",
                    "Sigmoid",
                    "GlobalAveragePool",
                    "AveragePool",
                    "ReduceMean",
                    "Squeeze",
                    "Cast",
                    "Add");

    private ModelInspector() {}

    /**
     * Summarizes a model, finding its feature node automatically.
     *
     * @param model the model
     * @return the summary
     */
    public static ModelSummary inspect(ModelProto model) {
        return inspect(model, null);
    }

    /**
     * Summarizes a model.
     *
     * @param model the model
     * @param featureNode the feature tensor or node name, or null to find it
     * @return the summary
     * @throws IllegalArgumentException if {@code featureNode} names nothing in the graph
     */
    public static ModelSummary inspect(ModelProto model, String featureNode) {
        GraphProto g = model.getGraph();
        ShapeInference.Result shapes = ShapeInference.infer(model, 1);
        Map<String, Long> opsets = new LinkedHashMap<>();
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            opsets.put(o.getDomain(), o.getVersion());
        }
        Map<String, Integer> counts = new HashMap<>();
        for (NodeProto n : g.getNodeList()) {
            counts.merge(n.getOpType(), 1, Integer::sum);
        }
        Map<String, Integer> ops = new LinkedHashMap<>();
        counts.entrySet().stream()
                .sorted(
                        Comparator.<Map.Entry<String, Integer>>comparingInt(e -> -e.getValue())
                                .thenComparing(Map.Entry::getKey))
                .forEach(e -> ops.put(e.getKey(), e.getValue()));
        long params = parameterCount(g);
        Map<String, String> meta = new LinkedHashMap<>();
        for (StringStringEntryProto e : model.getMetadataPropsList()) {
            meta.put(e.getKey(), e.getValue());
        }
        FeatureNode feature;
        if (featureNode != null) {
            feature = featureNode(model, featureNode);
        } else {
            feature = findFeatureNode(model, shapes);
        }
        boolean macsKnown = true;
        for (NodeProto n : g.getNodeList()) {
            if (Set.of("Conv", "ConvTranspose", "Gemm", "MatMul").contains(n.getOpType())
                    && (n.getOutputCount() == 0 || !known(shapes.shapes().get(n.getOutput(0))))) {
                macsKnown = false;
            }
        }
        return new ModelSummary(
                model.getIrVersion(),
                opsets,
                model.getProducerName(),
                model.getProducerVersion(),
                g.getName(),
                Graphs.realInputs(g).stream().map(ModelInspector::info).toList(),
                g.getOutputList().stream().map(ModelInspector::info).toList(),
                ops,
                params,
                macsKnown ? shapes.multiplyAdds() : -1,
                feature,
                meta,
                new ArrayList<>(shapes.unknownOps()));
    }

    /**
     * Infers the shape of every tensor it can, for the declared input shapes with a symbolic first
     * dimension set to {@code batch} (other symbolic dimensions stay unknown).
     *
     * @param model the model
     * @param batch the batch size to assume, at least 1
     * @return tensor name to shape, -1 for unknown dimensions; tensors whose rank is unknown are
     *     absent
     */
    public static Map<String, long[]> shapes(ModelProto model, long batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("Batch must be at least 1, got " + batch);
        }
        return java.util.Collections.unmodifiableMap(ShapeInference.infer(model, batch).shapes());
    }

    /**
     * Finds the feature node: walking back from the first output through Softmax, Flatten, Reshape,
     * Identity, Dropout, activations, pooling and bias Adds to the last Gemm, MatMul or 1x1 Conv,
     * and taking that classifier's data input (before any Dropout or Identity).
     *
     * @param model the model
     * @return the feature node, or null if no classifier was found
     */
    public static FeatureNode findFeatureNode(ModelProto model) {
        return findFeatureNode(model, ShapeInference.infer(model, 1));
    }

    /**
     * Describes a named feature tensor or node (a node name means its first output).
     *
     * @param model the model
     * @param name a tensor name or a node name
     * @return the feature node
     * @throws IllegalArgumentException if nothing in the graph has that name
     */
    public static FeatureNode featureNode(ModelProto model, String name) {
        GraphProto g = model.getGraph();
        String tensor = resolveTensor(g, name);
        ShapeInference.Result shapes = ShapeInference.infer(model, 1);
        Map<String, NodeProto> producers = Graphs.producers(g);
        NodeProto p = producers.get(tensor);
        String classifier = "";
        String classifierOp = "";
        for (NodeProto n : g.getNodeList()) {
            if (n.getInputCount() > 0
                    && n.getInput(0).equals(tensor)
                    && isClassifier(n, Graphs.initializers(g))) {
                classifier = label(n);
                classifierOp = n.getOpType();
                break;
            }
        }
        long[] shape = shapes.shapes().get(tensor);
        return new FeatureNode(
                tensor, p == null ? "" : label(p), classifier, classifierOp, orEmpty(shape));
    }

    /** A tensor name for a tensor or node name. */
    static String resolveTensor(GraphProto g, String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("Feature node name is empty");
        }
        for (NodeProto n : g.getNodeList()) {
            if (n.getOutputList().contains(name)) {
                return name;
            }
        }
        for (ValueInfoProto v : Graphs.realInputs(g)) {
            if (v.getName().equals(name)) {
                return name;
            }
        }
        for (NodeProto n : g.getNodeList()) {
            if (n.getName().equals(name) && n.getOutputCount() > 0) {
                return n.getOutput(0);
            }
        }
        throw new IllegalArgumentException(
                "No node or tensor named '"
                        + name
                        + "' in the graph; give a node name or a tensor name, e.g. one of "
                        + Graphs.someNames(g, 8)
                        + " (graft inspect lists the feature node)");
    }

    static FeatureNode findFeatureNode(ModelProto model, ShapeInference.Result shapes) {
        GraphProto g = model.getGraph();
        Map<String, NodeProto> producers = Graphs.producers(g);
        Map<String, TensorProto> inits = Graphs.initializers(g);
        // Everything not computed from the real inputs is a constant (weights, folded shapes).
        Set<String> live = Graphs.dependsOnInputs(g);
        Set<String> constants = new java.util.HashSet<>(Graphs.names(g));
        constants.removeAll(live);
        String t = g.getOutput(0).getName();
        for (int steps = 0; steps < g.getNodeCount(); steps++) {
            NodeProto n = producers.get(t);
            if (n == null) {
                return null;
            }
            if (isClassifier(n, inits)) {
                String feature = dataInput(n, constants);
                if (feature == null) {
                    return null;
                }
                // Dropout and Identity are no-ops at inference: report the layer they copy.
                NodeProto p = producers.get(feature);
                while (p != null
                        && (p.getOpType().equals("Dropout") || p.getOpType().equals("Identity"))
                        && dataInput(p, constants) != null) {
                    feature = dataInput(p, constants);
                    p = producers.get(feature);
                }
                return new FeatureNode(
                        feature,
                        p == null ? "" : label(p),
                        label(n),
                        n.getOpType(),
                        orEmpty(shapes.shapes().get(feature)));
            }
            if (!PASS_THROUGH.contains(n.getOpType())) {
                return null;
            }
            t = dataInput(n, constants);
            if (t == null) {
                return null;
            }
        }
        return null;
    }

    private static boolean isClassifier(NodeProto n, Map<String, TensorProto> inits) {
        switch (n.getOpType()) {
            case "Gemm", "MatMul":
                return true;
            case "Conv":
                if (n.getInputCount() < 2) {
                    return false;
                }
                long[] k = Attributes.getInts(n, "kernel_shape");
                if (k == null && inits.containsKey(n.getInput(1))) {
                    long[] w = OnnxTensors.dims(inits.get(n.getInput(1)));
                    k = java.util.Arrays.copyOfRange(w, 2, w.length);
                }
                if (k == null) {
                    return false;
                }
                for (long d : k) {
                    if (d != 1) {
                        return false;
                    }
                }
                return true;
            default:
                return false;
        }
    }

    /** The one input that is not a constant, or null when there is not exactly one. */
    private static String dataInput(NodeProto n, Set<String> constants) {
        String found = null;
        for (String i : n.getInputList()) {
            if (!i.isEmpty() && !constants.contains(i)) {
                if (found != null) {
                    return null;
                }
                found = i;
            }
        }
        return found;
    }

    static String label(NodeProto n) {
        return n.getName().isEmpty() ? n.getOpType() : n.getName();
    }

    private static long[] orEmpty(long[] shape) {
        return shape == null ? new long[0] : shape.clone();
    }

    private static boolean known(long[] shape) {
        if (shape == null) {
            return false;
        }
        for (long d : shape) {
            if (d < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The model's learned values: float initializers, and the integer weights and biases a
     * quantized model dequantizes; not the scales and zero points of its QuantizeLinear and
     * DequantizeLinear nodes, nor integer shape constants.
     */
    private static long parameterCount(GraphProto g) {
        Set<String> dequantized = new HashSet<>();
        Set<String> quantization = new HashSet<>();
        for (NodeProto n : g.getNodeList()) {
            String op = n.getOpType();
            if (op.equals("DequantizeLinear") || op.equals("QuantizeLinear")) {
                if (op.equals("DequantizeLinear") && n.getInputCount() > 0) {
                    dequantized.add(n.getInput(0));
                }
                for (int i = 1; i < n.getInputCount(); i++) {
                    quantization.add(n.getInput(i));
                }
            }
        }
        long params = 0;
        for (TensorProto t : g.getInitializerList()) {
            boolean learned =
                    dequantized.contains(t.getName())
                            || (isFloat(t.getDataType()) && !quantization.contains(t.getName()));
            if (learned) {
                params += OnnxTensors.elementCount(t);
            }
        }
        return params;
    }

    static boolean isFloat(int type) {
        return type == TensorProto.DataType.FLOAT_VALUE
                || type == TensorProto.DataType.FLOAT16_VALUE
                || type == TensorProto.DataType.DOUBLE_VALUE
                || type == TensorProto.DataType.BFLOAT16_VALUE;
    }

    static TensorInfo info(ValueInfoProto v) {
        List<String> dims = new ArrayList<>();
        if (v.getType().hasTensorType() && v.getType().getTensorType().hasShape()) {
            for (TensorShapeProto.Dimension d :
                    v.getType().getTensorType().getShape().getDimList()) {
                dims.add(
                        d.hasDimValue()
                                ? Long.toString(d.getDimValue())
                                : d.hasDimParam() && !d.getDimParam().isEmpty()
                                        ? d.getDimParam()
                                        : "?");
            }
        }
        int type = v.getType().getTensorType().getElemType();
        return new TensorInfo(
                v.getName(), type == 0 ? "unknown" : OnnxTensors.typeName(type), dims);
    }
}
