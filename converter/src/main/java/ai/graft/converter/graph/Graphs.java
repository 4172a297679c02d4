package ai.graft.converter.graph;

import ai.graft.converter.OnnxTensors;
import ai.graft.converter.onnx.proto.OnnxProto.AttributeProto;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Queries and rewrites of an ONNX graph that the inspector, the editor, the opset converter, the
 * backbone zoo and the trainer share: initializers and real inputs, producers and consumers,
 * reachability and pruning, names that are still free.
 *
 * <pre>{@code
 * GraphProto g = model.getGraph();
 * Map<String, NodeProto> producers = Graphs.producers(g);
 * boolean[] needed = Graphs.needed(g, List.of("features"));   // what computes "features"
 * GraphProto smaller = Graphs.prune(g);                       // drop what no output needs
 * }</pre>
 *
 * <p>Graphs are protobuf messages and so immutable; rewrites return a new graph. Thread-safe:
 * stateless.
 */
public final class Graphs {
    private Graphs() {}

    /**
     * The initializers by name, in graph order.
     *
     * @param g the graph
     * @return a new mutable map
     */
    public static Map<String, TensorProto> initializers(GraphProto g) {
        Map<String, TensorProto> m = new LinkedHashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            m.put(t.getName(), t);
        }
        return m;
    }

    /**
     * Graph inputs that are not initializers: what a caller feeds (IR versions below 4 list every
     * initializer as an input too).
     *
     * @param g the graph
     * @return the inputs, in graph order
     */
    public static List<ValueInfoProto> realInputs(GraphProto g) {
        Set<String> inits = initializers(g).keySet();
        List<ValueInfoProto> out = new ArrayList<>();
        for (ValueInfoProto v : g.getInputList()) {
            if (!inits.contains(v.getName())) {
                out.add(v);
            }
        }
        return out;
    }

    /**
     * The node producing each tensor.
     *
     * @param g the graph
     * @return a new map from tensor name to node
     */
    public static Map<String, NodeProto> producers(GraphProto g) {
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

    /**
     * The nodes consuming each tensor, in graph order.
     *
     * @param g the graph
     * @return a new map from tensor name to nodes
     */
    public static Map<String, List<NodeProto>> consumers(GraphProto g) {
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

    /**
     * Every name in use: inputs, initializers, node outputs and node names.
     *
     * @param g the graph
     * @return a new mutable set, ready for {@link #unique}
     */
    public static Set<String> names(GraphProto g) {
        Set<String> s = new HashSet<>();
        g.getInputList().forEach(v -> s.add(v.getName()));
        g.getInitializerList().forEach(t -> s.add(t.getName()));
        for (NodeProto n : g.getNodeList()) {
            s.addAll(n.getOutputList());
            s.add(n.getName());
        }
        return s;
    }

    /**
     * A name not in {@code used}: {@code base}, else {@code base_1}, {@code base_2}... It is added
     * to {@code used}.
     *
     * @param used the names taken (see {@link #names}); updated
     * @param base the preferred name
     * @return the name
     */
    public static String unique(Set<String> used, String base) {
        String name = base;
        for (int i = 1; used.contains(name); i++) {
            name = base + "_" + i;
        }
        used.add(name);
        return name;
    }

    /**
     * Tensors computed from the real inputs (as opposed to constants and weights).
     *
     * @param g the graph, its nodes in topological order (as ONNX requires)
     * @return the real inputs and every tensor computed from them
     */
    public static Set<String> dependsOnInputs(GraphProto g) {
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

    /**
     * The inputs of a node and of its subgraphs (the names a subgraph takes from the outer scope).
     *
     * @param n the node
     * @return the names, possibly with repeats and empty (omitted) inputs
     */
    public static List<String> allInputs(NodeProto n) {
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
     * The nodes that computing some tensors runs: their producers, the producers of those nodes'
     * inputs (subgraphs' outer names included), and so on. Independent of the nodes' order.
     *
     * @param g the graph
     * @param tensors the tensors wanted
     * @return one flag per node of {@code g}, in graph order
     */
    public static boolean[] needed(GraphProto g, Collection<String> tensors) {
        List<NodeProto> nodes = g.getNodeList();
        Map<String, List<Integer>> producer = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            for (String o : nodes.get(i).getOutputList()) {
                if (!o.isEmpty()) {
                    producer.computeIfAbsent(o, k -> new ArrayList<>()).add(i);
                }
            }
        }
        boolean[] keep = new boolean[nodes.size()];
        Deque<String> todo = new ArrayDeque<>(tensors);
        Set<String> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            String t = todo.pop();
            if (!seen.add(t)) {
                continue;
            }
            for (int p : producer.getOrDefault(t, List.of())) {
                if (!keep[p]) {
                    keep[p] = true;
                    for (String in : allInputs(nodes.get(p))) {
                        if (!in.isEmpty()) {
                            todo.push(in);
                        }
                    }
                }
            }
        }
        return keep;
    }

    /**
     * The nodes that computing some tensors runs ({@link #needed}), in an order where each node
     * comes after the nodes computing its inputs, keeping the file's order among nodes that are
     * ready (Kahn's algorithm). For graphs whose nodes are not stored in topological order.
     *
     * @param g the graph
     * @param tensors the tensors wanted
     * @param available the tensors there before any node runs (inputs, initializers)
     * @return the indices of the nodes in {@code g}, in running order
     * @throws IllegalArgumentException when a needed node never becomes ready: a cycle, or an input
     *     that is neither available nor computed
     */
    public static List<Integer> schedule(
            GraphProto g, Collection<String> tensors, Set<String> available) {
        List<NodeProto> nodes = g.getNodeList();
        boolean[] needed = needed(g, tensors);
        Set<String> known = new HashSet<>(available);
        boolean[] done = new boolean[nodes.size()];
        List<Integer> order = new ArrayList<>();
        boolean progress = true;
        while (progress) {
            progress = false;
            for (int i = 0; i < nodes.size(); i++) {
                if (!needed[i] || done[i] || !known.containsAll(present(nodes.get(i)))) {
                    continue;
                }
                done[i] = true;
                progress = true;
                order.add(i);
                known.addAll(nodes.get(i).getOutputList());
            }
        }
        for (int i = 0; i < nodes.size(); i++) {
            if (needed[i] && !done[i]) {
                throw new IllegalArgumentException(
                        "Graph '"
                                + g.getName()
                                + "' has a cycle or a missing input at node '"
                                + nodes.get(i).getName()
                                + "' ("
                                + nodes.get(i).getOpType()
                                + ")");
            }
        }
        return order;
    }

    /** The inputs a node is given (omitted optional inputs are empty names). */
    private static List<String> present(NodeProto n) {
        return n.getInputList().stream().filter(in -> !in.isEmpty()).toList();
    }

    /**
     * Removes nodes whose outputs no graph output needs, then initializers, initializer inputs and
     * value_info entries that no remaining node uses. Real inputs are kept.
     *
     * @param g the graph
     * @return the pruned graph
     */
    public static GraphProto prune(GraphProto g) {
        List<String> outputs = new ArrayList<>();
        g.getOutputList().forEach(v -> outputs.add(v.getName()));
        boolean[] keep = needed(g, outputs);
        List<NodeProto> nodes = g.getNodeList();
        Set<String> used = new HashSet<>(outputs);
        GraphProto.Builder b = g.toBuilder().clearNode().clearInitializer().clearValueInfo();
        Set<String> produced = new HashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            if (keep[i]) {
                b.addNode(nodes.get(i));
                produced.addAll(nodes.get(i).getOutputList());
                used.addAll(allInputs(nodes.get(i)));
            }
        }
        Set<String> inits = new HashSet<>();
        for (TensorProto t : g.getInitializerList()) {
            if (used.contains(t.getName())) {
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

    /**
     * Adds an initializer; IR versions below 4 also need it listed as a graph input.
     *
     * @param b the graph under construction
     * @param t the initializer
     * @param irVersion the model's IR version
     */
    public static void addInitializer(GraphProto.Builder b, TensorProto t, long irVersion) {
        b.addInitializer(t);
        if (irVersion < 4) {
            b.addInput(ValueInfos.of(t.getName(), t.getDataType(), OnnxTensors.dims(t), null));
        }
    }

    /**
     * A node of the default domain without attributes.
     *
     * @param op the operator
     * @param name the node's name
     * @param in its inputs ({@code ""} for an omitted optional one)
     * @param out its outputs
     * @return the node; add attributes with {@code toBuilder()} and {@link Attributes}
     */
    public static NodeProto node(String op, String name, List<String> in, List<String> out) {
        return NodeProto.newBuilder()
                .setOpType(op)
                .setName(name)
                .addAllInput(in)
                .addAllOutput(out)
                .build();
    }

    /**
     * Some node names (or first outputs of unnamed nodes), last nodes first, for "did you mean"
     * lists in messages.
     *
     * @param g the graph
     * @param max how many at most
     * @return the names
     */
    public static List<String> someNames(GraphProto g, int max) {
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
