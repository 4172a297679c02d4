package ai.graft.converter.quantize;

import ai.graft.converter.OnnxTensors;
import ai.graft.converter.graph.Attributes;
import ai.graft.converter.graph.Graphs;
import ai.graft.converter.onnx.proto.OnnxProto.AttributeProto;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.TypeProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;
import ai.graft.sdk.ModelException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Converts a float32 model to float16: weights and activations in float16, with a Cast after each
 * float32 input and before each float32 output, so that a caller (the SDK) feeds and reads it as
 * before. Inputs that the operator schemas require in float32 whatever the data type (Resize's roi
 * and scales, Upsample's scales) stay float32.
 *
 * <pre>{@code
 * ModelProto half = Float16Converter.convert(OnnxModels.read(Path.of("model.onnx")), "model.onnx");
 * }</pre>
 *
 * <p>Thread-safe: stateless.
 */
public final class Float16Converter {
    private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    private static final int FLOAT16 = TensorProto.DataType.FLOAT16_VALUE;

    /** Operator inputs that stay float32 in a float16 model, by input index. */
    private static final Map<String, Set<Integer>> FLOAT32_INPUTS =
            Map.of("Resize", Set.of(1, 2), "Upsample", Set.of(1));

    private Float16Converter() {}

    /**
     * Converts a model.
     *
     * @param model the float32 model
     * @param name its name for messages
     * @return the float16 model with float32 inputs and outputs
     * @throws ModelException when the model is already float16 or quantized
     */
    public static ModelProto convert(ModelProto model, String name) throws ModelException {
        ModelChecks.requireFloat32(model, name);
        GraphProto g = model.getGraph();
        Set<String> keep32 = new HashSet<>();
        for (NodeProto n : g.getNodeList()) {
            for (int i : FLOAT32_INPUTS.getOrDefault(n.getOpType(), Set.of())) {
                if (i < n.getInputCount()) {
                    keep32.add(n.getInput(i));
                }
            }
        }
        Set<String> names = Graphs.names(g);
        GraphProto.Builder b = g.toBuilder().clearNode().clearInitializer().clearValueInfo();
        for (TensorProto t : g.getInitializerList()) {
            b.addInitializer(
                    t.getDataType() == FLOAT && !keep32.contains(t.getName())
                            ? OnnxTensors.fromFloatsAsHalf(
                                    t.getName(), OnnxTensors.dims(t), OnnxTensors.toFloats(t))
                            : t);
        }
        Map<String, String> renamed = new HashMap<>();
        Set<String> initializers = Graphs.initializers(g).keySet();
        b.clearInput();
        for (ValueInfoProto v : g.getInputList()) {
            if (initializers.contains(v.getName())) {
                b.addInput(isFloat(v) && !keep32.contains(v.getName()) ? toHalf(v) : v);
                continue;
            }
            b.addInput(v);
            if (isFloat(v)) {
                String half = Graphs.unique(names, v.getName() + "_float16");
                b.addNode(cast(v.getName(), half, FLOAT16, names));
                renamed.put(v.getName(), half);
            }
        }
        Map<String, String> outputs = new HashMap<>();
        for (ValueInfoProto v : g.getOutputList()) {
            if (isFloat(v)) {
                outputs.put(v.getName(), Graphs.unique(names, v.getName() + "_float16"));
            }
        }
        for (NodeProto n : g.getNodeList()) {
            NodeProto.Builder nb = n.toBuilder();
            for (int i = 0; i < n.getInputCount(); i++) {
                String in = n.getInput(i);
                nb.setInput(i, renamed.getOrDefault(in, outputs.getOrDefault(in, in)));
            }
            for (int i = 0; i < n.getOutputCount(); i++) {
                String half = outputs.get(n.getOutput(i));
                if (half != null) {
                    nb.setOutput(i, half);
                }
            }
            b.addNode(toHalf(nb, keep32));
        }
        for (Map.Entry<String, String> e : outputs.entrySet()) {
            b.addNode(cast(e.getValue(), e.getKey(), FLOAT, names));
        }
        return model.toBuilder().setGraph(b).build();
    }

    /** Float constants, casts to float and float fill values of one node, in float16. */
    private static NodeProto.Builder toHalf(NodeProto.Builder nb, Set<String> keep32) {
        String op = nb.getOpType();
        boolean keep = nb.getOutputCount() > 0 && keep32.contains(nb.getOutput(0));
        if (op.equals("Cast") && Attributes.getInt(nb.build(), "to", 0) == FLOAT && !keep) {
            Attributes.set(nb, Attributes.ofInt("to", FLOAT16));
        }
        if ((op.equals("Constant") || op.equals("ConstantOfShape")) && !keep) {
            for (int i = 0; i < nb.getAttributeCount(); i++) {
                AttributeProto a = nb.getAttribute(i);
                if (a.hasT() && a.getT().getDataType() == FLOAT) {
                    TensorProto t = a.getT();
                    nb.setAttribute(
                            i,
                            a.toBuilder()
                                    .setT(
                                            OnnxTensors.fromFloatsAsHalf(
                                                    t.getName(),
                                                    OnnxTensors.dims(t),
                                                    OnnxTensors.toFloats(t))));
                }
            }
        }
        return nb;
    }

    private static NodeProto cast(String from, String to, int type, Set<String> names) {
        return Attributes.set(
                        Graphs.node(
                                "Cast",
                                Graphs.unique(names, to + "_Cast"),
                                List.of(from),
                                List.of(to))
                                .toBuilder(),
                        Attributes.ofInt("to", type))
                .build();
    }

    private static boolean isFloat(ValueInfoProto v) {
        return v.getType().getTensorType().getElemType() == FLOAT;
    }

    private static ValueInfoProto toHalf(ValueInfoProto v) {
        TypeProto.Builder t = v.getType().toBuilder();
        t.getTensorTypeBuilder().setElemType(FLOAT16);
        return v.toBuilder().setType(t).build();
    }
}
