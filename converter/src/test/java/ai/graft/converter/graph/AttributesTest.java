package ai.graft.converter.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.OnnxTensors;
import ai.graft.converter.onnx.proto.OnnxProto.AttributeProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import com.google.protobuf.ByteString;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Attributes: building each kind, reading it back, defaults, duplicates and edits. */
class AttributesTest {
    private static NodeProto node(AttributeProto... attributes) {
        return Graphs.node("Op", "n", List.of("x"), List.of("y")).toBuilder()
                .addAllAttribute(List.of(attributes))
                .build();
    }

    private static List<String> names(NodeProto.Builder b) {
        return b.getAttributeList().stream().map(AttributeProto::getName).toList();
    }

    @Test
    void ofAndGet_roundTripEachKindWithItsDeclaredType() {
        TensorProto t = OnnxTensors.fromLongs("", new long[] {2}, new long[] {7, 8});
        NodeProto n =
                node(
                        Attributes.ofInt("group", -3),
                        Attributes.ofFloat("alpha", 0.25f),
                        Attributes.ofString("mode", "naïve"),
                        Attributes.ofInts("pads", 1, 2, -1),
                        Attributes.ofFloats("scales", 1.5f, 2f),
                        Attributes.ofTensor("value", t));
        assertEquals(-3, Attributes.getInt(n, "group", 1));
        assertEquals(0.25f, Attributes.getFloat(n, "alpha", 1f));
        assertEquals("naïve", Attributes.getString(n, "mode", "x"));
        assertArrayEquals(new long[] {1, 2, -1}, Attributes.getInts(n, "pads"));
        assertArrayEquals(new float[] {1.5f, 2f}, Attributes.getFloats(n, "scales"));
        assertEquals(t, Attributes.getTensor(n, "value"));

        assertEquals(AttributeProto.AttributeType.INT, Attributes.find(n, "group").getType());
        assertEquals(AttributeProto.AttributeType.FLOAT, Attributes.find(n, "alpha").getType());
        assertEquals(AttributeProto.AttributeType.STRING, Attributes.find(n, "mode").getType());
        assertEquals(AttributeProto.AttributeType.INTS, Attributes.find(n, "pads").getType());
        assertEquals(AttributeProto.AttributeType.FLOATS, Attributes.find(n, "scales").getType());
        assertEquals(AttributeProto.AttributeType.TENSOR, Attributes.find(n, "value").getType());
        assertEquals(ByteString.copyFromUtf8("naïve"), Attributes.find(n, "mode").getS());
    }

    @Test
    void get_ofAnAbsentAttributeIsTheDefaultOrNull() {
        NodeProto n = node(Attributes.ofInt("group", 2));
        assertFalse(Attributes.has(n, "axis"));
        assertNull(Attributes.find(n, "axis"));
        assertEquals(-1, Attributes.getInt(n, "axis", -1));
        assertEquals(0.5f, Attributes.getFloat(n, "axis", 0.5f));
        assertEquals("none", Attributes.getString(n, "axis", "none"));
        assertNull(Attributes.getInts(n, "axis"));
        assertNull(Attributes.getFloats(n, "axis"));
        assertNull(Attributes.getTensor(n, "axis"));
        assertNull(Attributes.ints(null));
        assertNull(Attributes.floats(null));
    }

    @Test
    void get_ofAnEmptyListIsAnEmptyArrayNotNull() {
        NodeProto n = node(Attributes.ofInts("axes"), Attributes.ofFloats("scales"));
        assertTrue(Attributes.has(n, "axes"));
        assertArrayEquals(new long[0], Attributes.getInts(n, "axes"));
        assertArrayEquals(new float[0], Attributes.getFloats(n, "scales"));
    }

    @Test
    void getInts_returnsACopyTheCallerMayChange() {
        NodeProto n = node(Attributes.ofInts("pads", 1, 2));
        Attributes.getInts(n, "pads")[0] = 9;
        Attributes.getFloats(node(Attributes.ofFloats("s", 1f)), "s")[0] = 9;
        assertArrayEquals(new long[] {1, 2}, Attributes.getInts(n, "pads"));
    }

    @Test
    void get_readsAnUntypedAttributeAndRefusesOneOfAnotherType() {
        // Attributes written without a type (early IR versions) still read.
        AttributeProto untyped = AttributeProto.newBuilder().setName("axis").setI(2).build();
        assertEquals(2, Attributes.getInt(node(untyped), "axis", 0));
        // A reader of another kind would see that kind's field, unset: protobuf's zero.
        NodeProto n = node(Attributes.ofFloat("alpha", 0.25f), Attributes.ofInt("k", 3));
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class, () -> Attributes.getInt(n, "alpha", 7));
        assertTrue(e.getMessage().contains("'alpha' is FLOAT, expected INT"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Attributes.getFloat(n, "k", 7f));
        assertThrows(IllegalArgumentException.class, () -> Attributes.getString(n, "k", "dflt"));
        assertThrows(IllegalArgumentException.class, () -> Attributes.getInts(n, "k"));
        assertThrows(IllegalArgumentException.class, () -> Attributes.getTensor(n, "k"));
    }

    @Test
    void find_ofADuplicatedNameIsTheFirst() {
        NodeProto n = node(Attributes.ofInt("axis", 1), Attributes.ofInt("axis", 2));
        assertEquals(1, Attributes.getInt(n, "axis", 0));
        assertSame(n.getAttribute(0), Attributes.find(n, "axis"));
    }

    @Test
    void set_replacesTheFirstOfTheNameInPlaceOrAppends() {
        NodeProto.Builder b =
                node(
                        Attributes.ofInt("a", 1),
                        Attributes.ofInt("axis", 1),
                        Attributes.ofInt("axis", 2))
                        .toBuilder();
        assertSame(b, Attributes.set(b, Attributes.ofInts("axis", 5)));
        assertEquals(List.of("a", "axis", "axis"), names(b));
        assertArrayEquals(new long[] {5}, Attributes.getInts(b.build(), "axis"));
        assertEquals(2, b.getAttribute(2).getI());

        Attributes.set(b, Attributes.ofString("mode", "linear"));
        assertEquals(List.of("a", "axis", "axis", "mode"), names(b));
    }

    @Test
    void remove_dropsEveryAttributeOfTheNamesAndIgnoresOthers() {
        NodeProto.Builder b =
                node(
                        Attributes.ofInt("axis", 1),
                        Attributes.ofInt("keep", 1),
                        Attributes.ofInt("axis", 2),
                        Attributes.ofInt("pads", 0))
                        .toBuilder();
        assertSame(b, Attributes.remove(b, "axis", "pads", "absent"));
        assertEquals(List.of("keep"), names(b));
        Attributes.remove(b);
        assertEquals(List.of("keep"), names(b));
    }
}
