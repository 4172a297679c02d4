package ai.graft.converter.graph;

import ai.graft.converter.onnx.proto.OnnxProto.AttributeProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import com.google.protobuf.ByteString;
import java.util.Set;

/**
 * Reads, builds and edits the attributes of ONNX nodes: the one place that knows how an {@link
 * AttributeProto} spells an int, a float, a string, a tensor or a list of them.
 *
 * <pre>{@code
 * NodeProto conv = Graphs.node("Conv", "conv1", List.of("x", "w"), List.of("y")).toBuilder()
 *         .addAttribute(Attributes.ofInts("kernel_shape", 3, 3))
 *         .addAttribute(Attributes.ofInt("group", 1))
 *         .build();
 * long group = Attributes.getInt(conv, "group", 1);           // 1
 * long[] pads = Attributes.getInts(conv, "pads");             // null: absent
 * }</pre>
 *
 * <p>Readers return the default, or {@code null} for arrays, when the node lacks the attribute, and
 * refuse one whose declared type is another (an int read from a FLOAT attribute would silently be
 * 0), as the ONNX checker does; an attribute without a declared type (old exporters wrote none) is
 * read as asked. Thread-safe: stateless.
 */
public final class Attributes {
    private Attributes() {}

    /**
     * The attribute of a node with a name.
     *
     * @param n the node
     * @param name the attribute's name
     * @return the attribute, or {@code null} when the node has none of that name
     */
    public static AttributeProto find(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    /**
     * The attribute of a node with a name, refused when it declares another type.
     *
     * @throws IllegalArgumentException naming the node, the attribute and both types
     */
    private static AttributeProto find(
            NodeProto n, String name, AttributeProto.AttributeType expected) {
        AttributeProto a = find(n, name);
        if (a != null
                && a.getType() != AttributeProto.AttributeType.UNDEFINED
                && a.getType() != expected) {
            throw new IllegalArgumentException(
                    n.getOpType()
                            + " node '"
                            + n.getName()
                            + "': attribute '"
                            + name
                            + "' is "
                            + a.getType()
                            + ", expected "
                            + expected);
        }
        return a;
    }

    /**
     * Whether a node has an attribute.
     *
     * @param n the node
     * @param name the attribute's name
     * @return true when present
     */
    public static boolean has(NodeProto n, String name) {
        return find(n, name) != null;
    }

    /**
     * An integer attribute.
     *
     * @param n the node
     * @param name the attribute's name
     * @param dflt the value when absent
     * @return the value
     */
    public static long getInt(NodeProto n, String name, long dflt) {
        AttributeProto a = find(n, name, AttributeProto.AttributeType.INT);
        return a == null ? dflt : a.getI();
    }

    /**
     * A float attribute.
     *
     * @param n the node
     * @param name the attribute's name
     * @param dflt the value when absent
     * @return the value
     */
    public static float getFloat(NodeProto n, String name, float dflt) {
        AttributeProto a = find(n, name, AttributeProto.AttributeType.FLOAT);
        return a == null ? dflt : a.getF();
    }

    /**
     * A string attribute, decoded as UTF-8.
     *
     * @param n the node
     * @param name the attribute's name
     * @param dflt the value when absent
     * @return the value
     */
    public static String getString(NodeProto n, String name, String dflt) {
        AttributeProto a = find(n, name, AttributeProto.AttributeType.STRING);
        return a == null ? dflt : a.getS().toStringUtf8();
    }

    /**
     * A list-of-integers attribute.
     *
     * @param n the node
     * @param name the attribute's name
     * @return a new array, or {@code null} when absent
     */
    public static long[] getInts(NodeProto n, String name) {
        return ints(find(n, name, AttributeProto.AttributeType.INTS));
    }

    /**
     * A list-of-floats attribute.
     *
     * @param n the node
     * @param name the attribute's name
     * @return a new array, or {@code null} when absent
     */
    public static float[] getFloats(NodeProto n, String name) {
        return floats(find(n, name, AttributeProto.AttributeType.FLOATS));
    }

    /**
     * A tensor attribute (a Constant's {@code value}, a ConstantOfShape's fill).
     *
     * @param n the node
     * @param name the attribute's name
     * @return the tensor, or {@code null} when absent
     */
    public static TensorProto getTensor(NodeProto n, String name) {
        AttributeProto a = find(n, name, AttributeProto.AttributeType.TENSOR);
        return a == null ? null : a.getT();
    }

    /**
     * The integers of an attribute.
     *
     * @param a the attribute, or {@code null}
     * @return a new array, or {@code null} for a null attribute
     */
    public static long[] ints(AttributeProto a) {
        return a == null ? null : a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * The floats of an attribute.
     *
     * @param a the attribute, or {@code null}
     * @return a new array, or {@code null} for a null attribute
     */
    public static float[] floats(AttributeProto a) {
        if (a == null) {
            return null;
        }
        float[] v = new float[a.getFloatsCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.getFloats(i);
        }
        return v;
    }

    /**
     * An integer attribute.
     *
     * @param name its name
     * @param v its value
     * @return the attribute
     */
    public static AttributeProto ofInt(String name, long v) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.INT)
                .setI(v)
                .build();
    }

    /**
     * A float attribute.
     *
     * @param name its name
     * @param v its value
     * @return the attribute
     */
    public static AttributeProto ofFloat(String name, float v) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.FLOAT)
                .setF(v)
                .build();
    }

    /**
     * A string attribute, encoded as UTF-8.
     *
     * @param name its name
     * @param v its value
     * @return the attribute
     */
    public static AttributeProto ofString(String name, String v) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(v))
                .build();
    }

    /**
     * A list-of-integers attribute.
     *
     * @param name its name
     * @param v its values
     * @return the attribute
     */
    public static AttributeProto ofInts(String name, long... v) {
        AttributeProto.Builder b =
                AttributeProto.newBuilder()
                        .setName(name)
                        .setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            b.addInts(x);
        }
        return b.build();
    }

    /**
     * A list-of-floats attribute.
     *
     * @param name its name
     * @param v its values
     * @return the attribute
     */
    public static AttributeProto ofFloats(String name, float... v) {
        AttributeProto.Builder b =
                AttributeProto.newBuilder()
                        .setName(name)
                        .setType(AttributeProto.AttributeType.FLOATS);
        for (float f : v) {
            b.addFloats(f);
        }
        return b.build();
    }

    /**
     * A tensor attribute.
     *
     * @param name its name
     * @param t its value
     * @return the attribute
     */
    public static AttributeProto ofTensor(String name, TensorProto t) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.TENSOR)
                .setT(t)
                .build();
    }

    /**
     * Sets an attribute of a node under construction, replacing one of the same name in place.
     *
     * @param b the node
     * @param a the attribute
     * @return {@code b}
     */
    public static NodeProto.Builder set(NodeProto.Builder b, AttributeProto a) {
        for (int i = 0; i < b.getAttributeCount(); i++) {
            if (b.getAttribute(i).getName().equals(a.getName())) {
                b.setAttribute(i, a);
                return b;
            }
        }
        return b.addAttribute(a);
    }

    /**
     * Removes attributes of a node under construction; names it lacks are ignored.
     *
     * @param b the node
     * @param names the attributes' names
     * @return {@code b}
     */
    public static NodeProto.Builder remove(NodeProto.Builder b, String... names) {
        Set<String> drop = Set.of(names);
        for (int i = b.getAttributeCount() - 1; i >= 0; i--) {
            if (drop.contains(b.getAttribute(i).getName())) {
                b.removeAttribute(i);
            }
        }
        return b;
    }
}
