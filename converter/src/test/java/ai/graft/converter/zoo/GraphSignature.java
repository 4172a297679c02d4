package ai.graft.converter.zoo;

import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A normalised view of a graph for comparing a zoo model with a {@code torch.onnx.export} of the
 * same torchvision architecture: the sequence of operator types, and the parameters in the order
 * the nodes first use them.
 *
 * <p>What the comparison ignores, and why:
 *
 * <ul>
 *   <li>Identity and Constant nodes: the exporter adds Identity nodes where it de-duplicated equal
 *       initializers (all-zero biases), and Constant nodes for Clip bounds; the zoo writes
 *       Constants for Clip bounds, Dropout ratios and adaptive-pooling matrices.
 *   <li>Dropout nodes: the exporter drops them in eval mode; the zoo keeps them as torchvision has
 *       them.
 *   <li>Reshape versus Flatten: both are counted as Flatten.
 *   <li>Parameter order in the initializer list: the exporter lists some first (the classifier) and
 *       hides de-duplicated ones behind Identity nodes, so parameters are listed in the order the
 *       nodes use them, an Identity output counting as the initializer it copies (under the
 *       Identity output's name, which is the real parameter name).
 *   <li>Names the exporter made up ({@code onnx::Conv_538}, for folded parameters): only their
 *       shapes are compared.
 *   <li>With {@code foldedBatchNorm} (the reference had batch normalization folded into the
 *       convolutions): BatchNormalization nodes and their parameters, and Conv biases (folding adds
 *       one), are left out on both sides.
 * </ul>
 */
record GraphSignature(List<String> ops, List<String> paramNames, List<List<Long>> paramShapes) {

    static GraphSignature of(ModelProto model, boolean foldedBatchNorm) {
        GraphProto g = model.getGraph();
        Map<String, TensorProto> inits = new HashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            inits.put(t.getName(), t);
        }
        Map<String, TensorProto> aliases = new HashMap<>();
        for (NodeProto n : g.getNodeList()) {
            if (n.getOpType().equals("Identity") && inits.containsKey(n.getInput(0))) {
                aliases.put(n.getOutput(0), inits.get(n.getInput(0)));
            }
        }
        List<String> ops = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<List<Long>> shapes = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (NodeProto n : g.getNodeList()) {
            String op = n.getOpType();
            if (op.equals("Identity") || op.equals("Constant") || op.equals("Dropout")) {
                continue;
            }
            if (foldedBatchNorm && op.equals("BatchNormalization")) {
                continue;
            }
            ops.add(op.equals("Reshape") ? "Flatten" : op);
            int paramInputs =
                    foldedBatchNorm && op.equals("Conv")
                            ? Math.min(2, n.getInputCount())
                            : n.getInputCount();
            for (int i = 0; i < paramInputs; i++) {
                String in = n.getInput(i);
                TensorProto t = inits.containsKey(in) ? inits.get(in) : aliases.get(in);
                if (t == null || !seen.add(in) || (op.equals("Reshape") && i == 1)) {
                    continue;
                }
                names.add(in.startsWith("onnx::") ? "?" : in);
                shapes.add(t.getDimsList());
            }
        }
        return new GraphSignature(ops, names, shapes);
    }

    /**
     * Describes the first difference from another signature, or returns null when they match (names
     * compared only where both are real).
     */
    String firstDifference(GraphSignature other) {
        for (int i = 0; i < Math.min(ops.size(), other.ops.size()); i++) {
            if (!ops.get(i).equals(other.ops.get(i))) {
                return "operator " + i + ": " + ops.get(i) + " vs " + other.ops.get(i);
            }
        }
        if (ops.size() != other.ops.size()) {
            return "operator count " + ops.size() + " vs " + other.ops.size();
        }
        for (int i = 0; i < Math.min(paramShapes.size(), other.paramShapes.size()); i++) {
            String a = paramNames.get(i);
            String b = other.paramNames.get(i);
            if (!paramShapes.get(i).equals(other.paramShapes.get(i))
                    || (!a.equals("?") && !b.equals("?") && !a.equals(b))) {
                return "parameter "
                        + i
                        + ": "
                        + a
                        + " "
                        + paramShapes.get(i)
                        + " vs "
                        + b
                        + " "
                        + other.paramShapes.get(i);
            }
        }
        if (paramShapes.size() != other.paramShapes.size()) {
            return "parameter count " + paramShapes.size() + " vs " + other.paramShapes.size();
        }
        return null;
    }
}
