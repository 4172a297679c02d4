package ai.graft.converter.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.OnnxTensors;
import ai.graft.converter.onnx.proto.OnnxProto.AttributeProto;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Graphs' queries: initializers, inputs, producers, consumers, names and free names. */
class GraphsTest {
    private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;

    private static TensorProto weight(String name) {
        return OnnxTensors.fromFloats(name, new long[] {2}, new float[] {1, 2});
    }

    private static ValueInfoProto input(String name) {
        return ValueInfos.of(name, FLOAT, new long[] {-1, 2}, "N");
    }

    /** x -> MatMul(w) -> h -> Relu -> y; "w" is an initializer listed as an input (IR < 4). */
    private static GraphProto mlp() {
        return GraphProto.newBuilder()
                .setName("mlp")
                .addInput(input("x"))
                .addInput(ValueInfos.of("w", FLOAT, new long[] {2}, null))
                .addInitializer(weight("w"))
                .addNode(Graphs.node("MatMul", "mm", List.of("x", "w"), List.of("h")))
                .addNode(Graphs.node("Relu", "relu", List.of("h"), List.of("y")))
                .addOutput(input("y"))
                .build();
    }

    @Test
    void initializers_mapsNamesInGraphOrder() {
        GraphProto g =
                GraphProto.newBuilder()
                        .addInitializer(weight("b"))
                        .addInitializer(weight("a"))
                        .build();
        Map<String, TensorProto> m = Graphs.initializers(g);
        assertEquals(List.of("b", "a"), List.copyOf(m.keySet()));
        assertEquals(weight("a"), m.get("a"));
        m.remove("a");
        assertEquals(2, g.getInitializerCount());
    }

    @Test
    void realInputs_leavesOutInitializersListedAsInputs() {
        List<ValueInfoProto> in = Graphs.realInputs(mlp());
        assertEquals(List.of("x"), in.stream().map(ValueInfoProto::getName).toList());
    }

    @Test
    void producers_andConsumers_indexTensorsSkippingOmittedNames() {
        NodeProto clip = Graphs.node("Clip", "clip", List.of("h", "", "max"), List.of("c"));
        NodeProto drop = Graphs.node("Dropout", "drop", List.of("h"), List.of("d", ""));
        GraphProto g = mlp().toBuilder().addNode(clip).addNode(drop).build();

        Map<String, NodeProto> producers = Graphs.producers(g);
        assertEquals("mm", producers.get("h").getName());
        assertEquals("drop", producers.get("d").getName());
        assertFalse(producers.containsKey(""));
        assertFalse(producers.containsKey("x"));

        Map<String, List<NodeProto>> consumers = Graphs.consumers(g);
        assertEquals(
                List.of("relu", "clip", "drop"),
                consumers.get("h").stream().map(NodeProto::getName).toList());
        assertEquals(1, consumers.get("max").size());
        assertFalse(consumers.containsKey(""));
        assertFalse(consumers.containsKey("y"));
    }

    @Test
    void names_holdsInputsInitializersOutputsAndNodeNames() {
        Set<String> names = Graphs.names(mlp());
        assertTrue(names.containsAll(List.of("x", "w", "h", "y", "mm", "relu")), names.toString());
        names.add("new");
        assertFalse(Graphs.names(mlp()).contains("new"));
    }

    @Test
    void unique_numbersABaseThatIsTakenAndReservesTheResult() {
        Set<String> used = new HashSet<>(Set.of("head", "head_1", "x"));
        assertEquals("head_2", Graphs.unique(used, "head"));
        assertEquals("head_3", Graphs.unique(used, "head"));
        assertEquals("free", Graphs.unique(used, "free"));
        assertEquals("free_1", Graphs.unique(used, "free"));
        assertTrue(used.containsAll(List.of("head_2", "head_3", "free", "free_1")));
    }

    @Test
    void unique_givesNamesNoNodeOrTensorOfTheGraphHas() {
        Set<String> used = Graphs.names(mlp());
        assertEquals("mm_1", Graphs.unique(used, "mm"));
        assertEquals("y_1", Graphs.unique(used, "y"));
        assertEquals("w_1", Graphs.unique(used, "w"));
    }

    @Test
    void dependsOnInputs_followsRealInputsButNotWeights() {
        GraphProto g =
                mlp().toBuilder()
                        .addNode(Graphs.node("Shape", "shape", List.of("w"), List.of("ws")))
                        .addNode(Graphs.node("Add", "add", List.of("ws", "y"), List.of("z")))
                        .build();
        Set<String> live = Graphs.dependsOnInputs(g);
        assertEquals(Set.of("x", "h", "y", "z"), live);
    }

    @Test
    void allInputs_addsTheOuterNamesOfSubgraphs() {
        GraphProto thenBranch =
                GraphProto.newBuilder()
                        .addNode(
                                Graphs.node(
                                        "Add", "inner", List.of("outer", "local"), List.of("t")))
                        .addNode(Graphs.node("Identity", "id", List.of("t"), List.of("local")))
                        .addOutput(input("t"))
                        .build();
        GraphProto elseBranch = GraphProto.newBuilder().addOutput(input("passed")).build();
        NodeProto ifNode =
                Graphs.node("If", "if", List.of("cond"), List.of("r")).toBuilder()
                        .addAttribute(
                                AttributeProto.newBuilder()
                                        .setName("then_branch")
                                        .setType(AttributeProto.AttributeType.GRAPH)
                                        .setG(thenBranch))
                        .addAttribute(
                                AttributeProto.newBuilder()
                                        .setName("branches")
                                        .setType(AttributeProto.AttributeType.GRAPHS)
                                        .addGraphs(elseBranch))
                        .build();
        assertEquals(Set.of("cond", "outer", "passed"), Set.copyOf(Graphs.allInputs(ifNode)));
        assertEquals(
                List.of("a", "", "a"),
                Graphs.allInputs(Graphs.node("Op", "n", List.of("a", "", "a"), List.of("b"))));
    }

    @Test
    void addInitializer_listsItAsAnInputOnlyBelowIrVersion4() {
        GraphProto.Builder old = GraphProto.newBuilder();
        Graphs.addInitializer(old, weight("w"), 3);
        assertEquals(1, old.getInitializerCount());
        assertEquals("w", old.getInput(0).getName());
        assertArrayEquals(new long[] {2}, ValueInfos.shape(old.getInput(0)));
        assertEquals(FLOAT, old.getInput(0).getType().getTensorType().getElemType());

        GraphProto.Builder current = GraphProto.newBuilder();
        Graphs.addInitializer(current, weight("w"), 4);
        assertEquals(1, current.getInitializerCount());
        assertEquals(0, current.getInputCount());
    }

    @Test
    void node_buildsADefaultDomainNodeWithoutAttributes() {
        NodeProto n = Graphs.node("Clip", "c", List.of("x", "", "hi"), List.of("y"));
        assertEquals("Clip", n.getOpType());
        assertEquals("c", n.getName());
        assertEquals("", n.getDomain());
        assertEquals(List.of("x", "", "hi"), n.getInputList());
        assertEquals(List.of("y"), n.getOutputList());
        assertEquals(0, n.getAttributeCount());
    }

    @Test
    void someNames_listsTheLastNodesFirstWithOutputsForUnnamedNodes() {
        GraphProto g =
                mlp().toBuilder()
                        .addNode(Graphs.node("Identity", "", List.of("y"), List.of("y2")))
                        .addNode(NodeProto.newBuilder().setOpType("NoOutputs"))
                        .build();
        assertEquals(List.of("y2", "relu"), Graphs.someNames(g, 2));
        assertEquals(List.of("y2", "relu", "mm"), Graphs.someNames(g, 10));
        assertEquals(List.of(), Graphs.someNames(g, 0));
    }
}
