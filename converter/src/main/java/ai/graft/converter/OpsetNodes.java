package ai.graft.converter;

import ai.graft.converter.OpsetConverter.Conversion;
import ai.graft.converter.onnx.proto.OnnxProto.AttributeProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Set;

/**
 * Small readers and builders that {@link OpsetConverter}'s rewrites share: node labels for
 * messages, attribute edits, constant tensors and the non-negative axis rewrite.
 */
final class OpsetNodes {
    static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    static final int DOUBLE = TensorProto.DataType.DOUBLE_VALUE;
    static final int FLOAT16 = TensorProto.DataType.FLOAT16_VALUE;

    private OpsetNodes() {}

    static String label(NodeProto n) {
        if (!n.getName().isEmpty()) {
            return "'" + n.getName() + "'";
        }
        return n.getOutputCount() > 0 ? "(output '" + n.getOutput(0) + "')" : "(unnamed)";
    }

    static String nodeName(NodeProto n) {
        if (!n.getName().isEmpty()) {
            return n.getName();
        }
        return n.getOutputCount() > 0 ? n.getOutput(0) : "";
    }

    static NodeProto.Builder remove(NodeProto.Builder b, String... names) {
        Set<String> drop = Set.of(names);
        for (int i = b.getAttributeCount() - 1; i >= 0; i--) {
            if (drop.contains(b.getAttribute(i).getName())) {
                b.removeAttribute(i);
            }
        }
        return b;
    }

    static NodeProto.Builder set(NodeProto.Builder b, AttributeProto a) {
        for (int i = 0; i < b.getAttributeCount(); i++) {
            if (b.getAttribute(i).getName().equals(a.getName())) {
                b.setAttribute(i, a);
                return b;
            }
        }
        return b.addAttribute(a);
    }

    static AttributeProto stringAttr(String name, String value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(value))
                .build();
    }

    static AttributeProto floatsAttr(String name, float[] v) {
        AttributeProto.Builder b =
                AttributeProto.newBuilder()
                        .setName(name)
                        .setType(AttributeProto.AttributeType.FLOATS);
        for (float f : v) {
            b.addFloats(f);
        }
        return b.build();
    }

    static float[] floats(AttributeProto a) {
        if (a == null) {
            return null;
        }
        float[] v = new float[a.getFloatsCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.getFloats(i);
        }
        return v;
    }

    static TensorProto floatsTensor(float[] v) {
        return OnnxTensors.fromFloats("", new long[] {v.length}, v);
    }

    /** A scalar of a floating-point type, or null for other types. */
    static TensorProto scalar(String name, int type, double value) {
        if (type == FLOAT) {
            return OnnxTensors.fromFloats(name, new long[0], new float[] {(float) value});
        }
        if (type == DOUBLE) {
            return TensorProto.newBuilder()
                    .setName(name)
                    .setDataType(DOUBLE)
                    .setRawData(
                            ByteString.copyFrom(
                                    ByteBuffer.allocate(8)
                                            .order(ByteOrder.LITTLE_ENDIAN)
                                            .putDouble(value)
                                            .array()))
                    .build();
        }
        if (type == FLOAT16) {
            return TensorProto.newBuilder()
                    .setName(name)
                    .setDataType(FLOAT16)
                    .setRawData(
                            ByteString.copyFrom(
                                    ByteBuffer.allocate(2)
                                            .order(ByteOrder.LITTLE_ENDIAN)
                                            .putShort(OnnxTensors.floatToHalf((float) value))
                                            .array()))
                    .build();
        }
        return null;
    }

    /** Makes a negative axis attribute non-negative below opset 11. */
    static NodeProto axis(Conversion c, NodeProto n, String attr, long dflt)
            throws UnsupportedOperatorException {
        if (!c.down(11)) {
            return n;
        }
        long axis = Graphs.intAttr(n, attr, dflt);
        if (axis >= 0) {
            return n;
        }
        int rank = c.rank(n.getInput(0));
        if (rank < 0) {
            throw c.refuse(
                    n,
                    attr
                            + " "
                            + axis
                            + " is negative, which needs opset 11, and the rank of '"
                            + n.getInput(0)
                            + "' is unknown");
        }
        return set(n.toBuilder(), Graphs.intAttr(attr, axis + rank)).build();
    }
}
