package ai.graft.converter.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.OnnxTensors;
import ai.graft.converter.onnx.proto.OnnxProto.AttributeProto;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Graphs' reachability: needed, schedule and prune, in and out of topological order. */
class GraphsScheduleTest {
    private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;

    private static ValueInfoProto info(String name) {
        return ValueInfos.of(name, FLOAT, new long[] {1}, null);
    }

    private static TensorProto weight(String name) {
        return OnnxTensors.fromFloats(name, new long[] {1}, new float[] {1});
    }

    private static NodeProto node(String name, List<String> in, String out) {
        return Graphs.node("Add", name, in, List.of(out));
    }

    /**
     * x -> a (+w) -> b -> y, and a side branch a -> side (+v) -> s that no output needs; plus an
     * unused initializer u and value_info for b and s.
     */
    private static GraphProto.Builder diamond(List<NodeProto> nodes) {
        return GraphProto.newBuilder()
                .setName("g")
                .addInput(info("x"))
                .addInput(info("u"))
                .addInitializer(weight("w"))
                .addInitializer(weight("v"))
                .addInitializer(weight("u"))
                .addAllNode(nodes)
                .addValueInfo(info("b"))
                .addValueInfo(info("s"))
                .addOutput(info("y"));
    }

    private static final NodeProto A = node("A", List.of("x", "w"), "a");
    private static final NodeProto B = node("B", List.of("a", "a"), "b");
    private static final NodeProto Y = node("Y", List.of("b", "x"), "y");
    private static final NodeProto SIDE = node("SIDE", List.of("a", "v"), "s");

    private static List<String> names(GraphProto g) {
        return g.getNodeList().stream().map(NodeProto::getName).toList();
    }

    @Test
    void needed_marksWhatComputesTheTensorsWhateverTheNodeOrder() {
        GraphProto sorted = diamond(List.of(A, SIDE, B, Y)).build();
        assertArrayEquals(
                new boolean[] {true, false, true, true}, Graphs.needed(sorted, List.of("y")));
        assertArrayEquals(
                new boolean[] {true, true, false, false}, Graphs.needed(sorted, List.of("s")));

        GraphProto reversed = diamond(List.of(Y, B, SIDE, A)).build();
        assertArrayEquals(
                new boolean[] {true, true, false, true}, Graphs.needed(reversed, List.of("y")));
        assertArrayEquals(
                new boolean[] {false, false, false, false},
                Graphs.needed(reversed, List.of("x", "w", "unknown")));
        assertArrayEquals(new boolean[4], Graphs.needed(reversed, List.of()));
    }

    @Test
    void needed_followsTheOuterNamesOfSubgraphs() {
        GraphProto body =
                GraphProto.newBuilder()
                        .addNode(Graphs.node("Identity", "in", List.of("s"), List.of("t")))
                        .addOutput(info("t"))
                        .build();
        NodeProto ifNode =
                Graphs.node("If", "IF", List.of("x"), List.of("y")).toBuilder()
                        .addAttribute(
                                AttributeProto.newBuilder()
                                        .setName("then_branch")
                                        .setType(AttributeProto.AttributeType.GRAPH)
                                        .setG(body))
                        .build();
        GraphProto g = diamond(List.of(ifNode, A, SIDE)).build();
        assertArrayEquals(new boolean[] {true, true, true}, Graphs.needed(g, List.of("y")));
    }

    @Test
    void schedule_ordersNodesAfterTheirInputsKeepingFileOrderAmongReadyOnes() {
        Set<String> available = Set.of("x", "w", "v", "u");
        GraphProto reversed = diamond(List.of(Y, B, SIDE, A)).build();
        // Indices into the file: Y=0, B=1, SIDE=2, A=3.
        assertEquals(List.of(3, 1, 0), Graphs.schedule(reversed, List.of("y"), available));
        assertEquals(List.of(3, 1, 2, 0), Graphs.schedule(reversed, List.of("y", "s"), available));

        GraphProto sorted = diamond(List.of(A, SIDE, B, Y)).build();
        assertEquals(List.of(0, 2, 3), Graphs.schedule(sorted, List.of("y"), available));
        assertEquals(List.of(), Graphs.schedule(sorted, List.of("x"), available));
    }

    @Test
    void schedule_doesNotWaitForOmittedOptionalInputs() {
        NodeProto clip = Graphs.node("Clip", "CLIP", List.of("x", "", "w"), List.of("y"));
        GraphProto g = diamond(List.of(clip)).build();
        assertEquals(List.of(0), Graphs.schedule(g, List.of("y"), Set.of("x", "w")));
    }

    @Test
    void schedule_refusesACycleNamingANodeOnIt() {
        // A runs; then P waits for Q and Q for P.
        NodeProto p = node("P", List.of("a", "q"), "p");
        NodeProto q = node("Q", List.of("p"), "q");
        NodeProto y = node("Y", List.of("q"), "y");
        GraphProto g = diamond(List.of(y, p, q, A)).build();
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Graphs.schedule(g, List.of("y"), Set.of("x", "w")));
        assertTrue(
                e.getMessage().startsWith("Graph 'g' has a cycle or a missing input at node '"),
                e.getMessage());
        assertTrue(e.getMessage().contains("(Add)"), e.getMessage());
    }

    @Test
    void schedule_refusesAnInputThatIsNeitherAvailableNorComputed() {
        GraphProto g = diamond(List.of(A, B, Y)).build();
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Graphs.schedule(g, List.of("y"), Set.of("x")));
        assertTrue(
                e.getMessage().contains("cycle or a missing input at node 'A' (Add)"),
                e.getMessage());
    }

    @Test
    void prune_keepsWhatTheOutputsNeedInFileOrder() {
        GraphProto pruned = Graphs.prune(diamond(List.of(Y, SIDE, B, A)).build());
        assertEquals(List.of("Y", "B", "A"), names(pruned));
        assertEquals(
                List.of("w"),
                pruned.getInitializerList().stream().map(TensorProto::getName).toList());
        // The real input stays; the unused initializer listed as an input goes.
        assertEquals(
                List.of("x"), pruned.getInputList().stream().map(ValueInfoProto::getName).toList());
        assertEquals(
                List.of("b"),
                pruned.getValueInfoList().stream().map(ValueInfoProto::getName).toList());
        assertEquals(List.of(info("y")), pruned.getOutputList());
    }

    @Test
    void prune_keepsInitializersThatAreOutputsAndRealInputsNoNodeUses() {
        GraphProto g =
                diamond(List.of(A, B, Y)).addInput(info("unused")).addOutput(info("v")).build();
        GraphProto pruned = Graphs.prune(g);
        assertEquals(List.of("A", "B", "Y"), names(pruned));
        assertEquals(
                List.of("w", "v"),
                pruned.getInitializerList().stream().map(TensorProto::getName).toList());
        assertEquals(
                List.of("x", "unused"),
                pruned.getInputList().stream().map(ValueInfoProto::getName).toList());
    }

    @Test
    void prune_ofAGraphWhoseNodesAreAllNeededChangesNothing() {
        GraphProto g =
                diamond(List.of(A, B, Y))
                        .clearValueInfo()
                        .clearInitializer()
                        .addInitializer(weight("w"))
                        .clearInput()
                        .addInput(info("x"))
                        .build();
        assertEquals(g, Graphs.prune(g));
        assertEquals(
                Collections.emptyList(),
                Graphs.prune(g.toBuilder().clearOutput().build()).getNodeList());
    }
}
