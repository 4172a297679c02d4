package ai.graft.converter.quantize;

import ai.graft.converter.OnnxTensors;
import ai.graft.converter.graph.Attributes;
import ai.graft.converter.graph.Graphs;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes the QDQ model of a {@link QdqPlan}: a QuantizeLinear/DequantizeLinear pair after every
 * quantized tensor (one pair per tensor, shared by its consumers), int8 weights and int32 biases
 * behind DequantizeLinear, and the float weights they replace removed. A layer kept in float gets
 * its weight in 8 bits behind DequantizeLinear too (the file stays small), and computes in float.
 */
final class QdqWriter {
    private final GraphProto g;
    private final QdqPlan plan;
    private final Map<String, TensorRange> ranges;
    private final ActivationType type;
    private final boolean perChannel;
    private final int weightMax;
    private final Set<String> names;
    private final Map<String, TensorProto> inits;
    private final GraphProto.Builder out;
    private final Map<String, String[]> paramNames = new HashMap<>();
    private final Map<String, ActivationParams> params = new HashMap<>();
    private final Map<String, String> dequantized = new HashMap<>();

    private QdqWriter(
            ModelProto model,
            QdqPlan plan,
            Map<String, TensorRange> ranges,
            ActivationType type,
            boolean perChannel,
            int weightMax) {
        this.g = model.getGraph();
        this.plan = plan;
        this.ranges = ranges;
        this.type = type;
        this.perChannel = perChannel;
        this.weightMax = weightMax;
        this.names = Graphs.names(g);
        this.inits = Graphs.initializers(g);
        this.out = g.toBuilder().clearNode();
    }

    /**
     * Writes the quantized model.
     *
     * @param model the float model the plan was made for (opset 13 or later)
     * @param plan where the pairs go
     * @param ranges the calibrated range of every tensor in {@link QdqPlan#calibrated()}
     * @param type the activations' 8-bit type
     * @param perChannel one weight scale per output channel (else one per tensor)
     * @param weightMax the largest weight magnitude: 127, or 63 for 7-bit weights
     * @return the QDQ model
     * @throws IllegalArgumentException when a calibrated range is missing
     */
    static ModelProto write(
            ModelProto model,
            QdqPlan plan,
            Map<String, TensorRange> ranges,
            ActivationType type,
            boolean perChannel,
            int weightMax) {
        return new QdqWriter(model, plan, ranges, type, perChannel, weightMax).write(model);
    }

    private ModelProto write(ModelProto model) {
        for (ValueInfoProto v : Graphs.realInputs(g)) {
            if (plan.quantized().contains(v.getName())) {
                addPair(v.getName());
            }
        }
        List<NodeProto> nodes = g.getNodeList();
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            NodeProto.Builder b = n.toBuilder();
            // A layer kept in float reads its input before the pair: after a DequantizeLinear,
            // ONNX Runtime would fuse it into an integer kernel after all.
            for (int j = 0; j < n.getInputCount() && !plan.isWeightOnly(i); j++) {
                String d = dequantized.get(n.getInput(j));
                if (d != null) {
                    b.setInput(j, d);
                }
            }
            if (plan.isWeighted(i)) {
                quantizeWeights(n, b);
            } else if (plan.isWeightOnly(i)) {
                // Float compute: the full 8 bits cannot saturate, and the float bias stays.
                TensorProto w = inits.get(n.getInput(1));
                b.setInput(
                        1,
                        dequantize(
                                WeightQuantizer.weight(
                                        w,
                                        freshBase(w.getName()),
                                        perChannel ? channelAxis(n) : -1,
                                        WeightQuantizer.QMAX),
                                w.getName()));
            }
            out.addNode(b);
            for (String o : n.getOutputList()) {
                if (plan.quantized().contains(o)) {
                    addPair(o);
                }
            }
        }
        GraphProto pruned = Graphs.prune(out.build());
        // Weights are no longer graph inputs (IR 4 and later need not list them).
        GraphProto.Builder gb = pruned.toBuilder().clearInput();
        Map<String, TensorProto> left = Graphs.initializers(pruned);
        for (ValueInfoProto v : pruned.getInputList()) {
            if (!left.containsKey(v.getName())) {
                gb.addInput(v);
            }
        }
        return model.toBuilder().setGraph(gb).build();
    }

    /** Adds QuantizeLinear and DequantizeLinear after a tensor. */
    private void addPair(String tensor) {
        String[] p = activationParams(tensor);
        String q = Graphs.unique(names, tensor + "_quantized");
        String dq = Graphs.unique(names, tensor + "_dequantized");
        out.addNode(
                Graphs.node(
                        "QuantizeLinear",
                        Graphs.unique(names, tensor + "_QuantizeLinear"),
                        List.of(tensor, p[0], p[1]),
                        List.of(q)));
        out.addNode(
                Graphs.node(
                        "DequantizeLinear",
                        Graphs.unique(names, tensor + "_DequantizeLinear"),
                        List.of(q, p[0], p[1]),
                        List.of(dq)));
        dequantized.put(tensor, dq);
    }

    /** The scale and zero-point initializers of a tensor, made once per range source. */
    private String[] activationParams(String tensor) {
        String source = plan.rangeSource(tensor);
        return paramNames.computeIfAbsent(
                source,
                s -> {
                    ActivationParams ap = params(s);
                    String scale = Graphs.unique(names, s + "_scale");
                    String zp = Graphs.unique(names, s + "_zero_point");
                    out.addInitializer(
                            OnnxTensors.fromFloats(scale, new long[0], new float[] {ap.scale()}));
                    out.addInitializer(
                            OnnxTensors.fromInts(
                                    zp, new long[0], type.onnxType(), new int[] {ap.zeroPoint()}));
                    return new String[] {scale, zp};
                });
    }

    private ActivationParams params(String source) {
        return params.computeIfAbsent(
                source,
                s -> {
                    TensorRange r = ranges.get(s);
                    if (r == null) {
                        throw new IllegalArgumentException(
                                "No calibrated range for tensor '" + s + "'");
                    }
                    return ActivationParams.of(r, type);
                });
    }

    /** Replaces a weighted node's weight and bias by dequantized int8 and int32 initializers. */
    private void quantizeWeights(NodeProto n, NodeProto.Builder b) {
        TensorProto w = inits.get(n.getInput(1));
        int axis = perChannel ? channelAxis(n) : -1;
        WeightQuantizer.Quantized qw =
                WeightQuantizer.weight(w, freshBase(w.getName()), axis, weightMax);
        b.setInput(1, dequantize(qw, w.getName()));
        if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
            TensorProto bias = inits.get(n.getInput(2));
            float inputScale = params(plan.rangeSource(n.getInput(0))).scale();
            WeightQuantizer.Quantized qb =
                    WeightQuantizer.bias(bias, freshBase(bias.getName()), inputScale, qw);
            b.setInput(2, dequantize(qb, bias.getName()));
        }
    }

    private String dequantize(WeightQuantizer.Quantized q, String base) {
        out.addInitializer(q.values()).addInitializer(q.scale()).addInitializer(q.zeroPoint());
        String dq = Graphs.unique(names, base + "_dequantized");
        NodeProto node =
                Graphs.node(
                        "DequantizeLinear",
                        Graphs.unique(names, base + "_DequantizeLinear"),
                        List.of(q.values().getName(), q.scale().getName(), q.zeroPoint().getName()),
                        List.of(dq));
        if (q.axis() >= 0) {
            node = Attributes.set(node.toBuilder(), Attributes.ofInt("axis", q.axis())).build();
        }
        out.addNode(node);
        return dq;
    }

    /**
     * A base name whose {@code _quantized}, {@code _scale} and {@code _zero_point} forms are all
     * unused (a weight shared by two nodes is quantized for each); the three are then taken.
     */
    private String freshBase(String base) {
        String b = base;
        for (int i = 1; taken(b); i++) {
            b = base + "_" + i;
        }
        for (String suffix : List.of("_quantized", "_scale", "_zero_point")) {
            names.add(b + suffix);
        }
        return b;
    }

    private boolean taken(String base) {
        return names.contains(base + "_quantized")
                || names.contains(base + "_scale")
                || names.contains(base + "_zero_point");
    }

    /** The weight axis of the output channels: Conv's first, MatMul's last, Gemm's by transB. */
    private static int channelAxis(NodeProto n) {
        return switch (n.getOpType()) {
            case "Conv" -> 0;
            case "Gemm" -> Attributes.getInt(n, "transB", 0) == 1 ? 0 : 1;
            default -> 1;
        };
    }
}
