package ai.graft.converter;

import ai.graft.converter.onnx.proto.OnnxProto.AttributeProto;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorShapeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TypeProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Small graph queries and rewrites shared by the inspector and the editor. */
final class Graphs {
    private Graphs() {}

    static Map<String, TensorProto> initializers(GraphProto g) {
        Map<String, TensorProto> m = new LinkedHashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            m.put(t.getName(), t);
        }
        return m;
    }

    /** Graph inputs that are not initializers: what a caller feeds. */
    static List<ValueInfoProto> realInputs(GraphProto g) {
        Set<String> inits = initializers(g).keySet();
        List<ValueInfoProto> out = new ArrayList<>();
        for (ValueInfoProto v : g.getInputList()) {
            if (!inits.contains(v.getName())) {
                out.add(v);
            }
        }
        return out;
    }

    /** The node producing each tensor. */
    static Map<String, NodeProto> producers(GraphProto g) {
        Map<String, NodeProto> m = new HashMap<>();
        for (NodeProto n : g.getNodeList()) {
            for (String o : n.getOutputList()) {
                if (!o.isEmpty()) {
                    m.put(o, n);
                }
            }
        }
        return m;
    }

    /** The nodes consuming each tensor, in graph order. */
    static Map<String, List<NodeProto>> consumers(GraphProto g) {
        Map<String, List<NodeProto>> m = new HashMap<>();
        for (NodeProto n : g.getNodeList()) {
            for (String i : n.getInputList()) {
                if (!i.isEmpty()) {
                    m.computeIfAbsent(i, k -> new ArrayList<>()).add(n);
                }
            }
        }
        return m;
    }

    /** Every tensor name in use: inputs, initializers, node outputs. */
    static Set<String> names(GraphProto g) {
        Set<String> s = new HashSet<>();
        g.getInputList().forEach(v -> s.add(v.getName()));
        g.getInitializerList().forEach(t -> s.add(t.getName()));
        for (NodeProto n : g.getNodeList()) {
            s.addAll(n.getOutputList());
            s.add(n.getName());
        }
        return s;
    }

    static String unique(Set<String> used, String base) {
        String name = base;
        for (int i = 1; used.contains(name); i++) {
            name = base + "_" + i;
        }
        used.add(name);
        return name;
    }

    /** Tensors computed from the real inputs (as opposed to constants and weights). */
    static Set<String> dependsOnInputs(GraphProto g) {
        Set<String> live = new HashSet<>();
        realInputs(g).forEach(v -> live.add(v.getName()));
        for (NodeProto n : g.getNodeList()) {
            boolean any = false;
            for (String i : n.getInputList()) {
                any |= live.contains(i);
            }
            if (any) {
                live.addAll(n.getOutputList());
            }
        }
        return live;
    }

    /** Inputs of a node and of its subgraphs (names a subgraph takes from the outer scope). */
    static List<String> allInputs(NodeProto n) {
        List<String> in = new ArrayList<>(n.getInputList());
        for (AttributeProto a : n.getAttributeList()) {
            if (a.hasG()) {
                in.addAll(outerNames(a.getG()));
            }
            for (GraphProto sub : a.getGraphsList()) {
                in.addAll(outerNames(sub));
            }
        }
        return in;
    }

    private static Set<String> outerNames(GraphProto g) {
        Set<String> local = names(g);
        Set<String> outer = new HashSet<>();
        for (NodeProto n : g.getNodeList()) {
            for (String i : allInputs(n)) {
                if (!local.contains(i)) {
                    outer.add(i);
                }
            }
        }
        for (ValueInfoProto v : g.getOutputList()) {
            if (!local.contains(v.getName())) {
                outer.add(v.getName());
            }
        }
        return outer;
    }

    /**
     * Removes nodes whose outputs nothing needs, then initializers, initializer inputs and
     * value_info entries that no remaining node uses. Real inputs are kept.
     */
    static GraphProto prune(GraphProto g) {
        Set<String> needed = new HashSet<>();
        g.getOutputList().forEach(v -> needed.add(v.getName()));
        List<NodeProto> nodes = g.getNodeList();
        boolean[] keep = new boolean[nodes.size()];
        for (int i = nodes.size() - 1; i >= 0; i--) {
            NodeProto n = nodes.get(i);
            for (String o : n.getOutputList()) {
                if (needed.contains(o)) {
                    keep[i] = true;
                    break;
                }
            }
            if (keep[i]) {
                needed.addAll(allInputs(n));
            }
        }
        GraphProto.Builder b = g.toBuilder().clearNode().clearInitializer().clearValueInfo();
        Set<String> produced = new HashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (keep[i]) {
                b.addNode(nodes.get(i));
                produced.addAll(nodes.get(i).getOutputList());
            }
        }
        Set<String> inits = new HashSet<>();
        for (TensorProto t : g.getInitializerList()) {
            if (needed.contains(t.getName())) {
                b.addInitializer(t);
                inits.add(t.getName());
            }
        }
        Set<String> allInits = initializers(g).keySet();
        b.clearInput();
        for (ValueInfoProto v : g.getInputList()) {
            if (!allInits.contains(v.getName()) || inits.contains(v.getName())) {
                b.addInput(v);
            }
        }
        for (ValueInfoProto v : g.getValueInfoList()) {
            if (produced.contains(v.getName())) {
                b.addValueInfo(v);
            }
        }
        return b.build();
    }

    /** Adds an initializer; IR versions below 4 also need it listed as a graph input. */
    static void addInitializer(GraphProto.Builder b, TensorProto t, long irVersion) {
        b.addInitializer(t);
        if (irVersion < 4) {
            b.addInput(valueInfo(t.getName(), t.getDataType(), OnnxTensors.dims(t), null));
        }
    }

    /** A tensor value info; a negative dim is symbolic, named {@code dimParam} (or unknown). */
    static ValueInfoProto valueInfo(String name, int elemType, long[] shape, String dimParam) {
        TypeProto.Tensor.Builder tt = TypeProto.Tensor.newBuilder().setElemType(elemType);
        if (shape != null) {
            TensorShapeProto.Builder sb = TensorShapeProto.newBuilder();
            for (long d : shape) {
                TensorShapeProto.Dimension.Builder db = TensorShapeProto.Dimension.newBuilder();
                if (d >= 0) {
                    db.setDimValue(d);
                } else if (dimParam != null) {
                    db.setDimParam(dimParam);
                }
                sb.addDim(db);
            }
            tt.setShape(sb);
        }
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(TypeProto.newBuilder().setTensorType(tt))
                .build();
    }

    static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.INT)
                .setI(v)
                .build();
    }

    static AttributeProto floatAttr(String name, float v) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.FLOAT)
                .setF(v)
                .build();
    }

    static AttributeProto intsAttr(String name, long... v) {
        AttributeProto.Builder b =
                AttributeProto.newBuilder()
                        .setName(name)
                        .setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            b.addInts(x);
        }
        return b.build();
    }

    static AttributeProto attr(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    static long intAttr(NodeProto n, String name, long dflt) {
        AttributeProto a = attr(n, name);
        return a == null ? dflt : a.getI();
    }

    static float floatAttr(NodeProto n, String name, float dflt) {
        AttributeProto a = attr(n, name);
        return a == null ? dflt : a.getF();
    }

    static long[] intsAttr(NodeProto n, String name) {
        AttributeProto a = attr(n, name);
        return a == null ? null : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    static String stringAttr(NodeProto n, String name, String dflt) {
        AttributeProto a = attr(n, name);
        return a == null ? dflt : a.getS().toStringUtf8();
    }

    static NodeProto node(String op, String name, List<String> in, List<String> out) {
        return NodeProto.newBuilder()
                .setOpType(op)
                .setName(name)
                .addAllInput(in)
                .addAllOutput(out)
                .build();
    }

    /** Breadth-first walk of names, for "did you mean" lists. */
    static List<String> someNames(GraphProto g, int max) {
        List<String> out = new ArrayList<>();
        Deque<NodeProto> q = new ArrayDeque<>(g.getNodeList());
        while (!q.isEmpty() && out.size() < max) {
            NodeProto n = q.pollLast();
            if (!n.getName().isEmpty()) {
                out.add(n.getName());
            } else if (n.getOutputCount() > 0) {
                out.add(n.getOutput(0));
            }
        }
        return out;
    }
}
