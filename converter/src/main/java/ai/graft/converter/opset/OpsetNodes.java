package ai.graft.converter.opset;

import ai.graft.converter.OnnxTensors;
import ai.graft.converter.UnsupportedOperatorException;
import ai.graft.converter.graph.Attributes;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.opset.OpsetConverter.Conversion;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Small builders that {@link OpsetConverter}'s rewrites share: node labels for messages, constant
 * tensors and the non-negative axis rewrite. Attributes are read and written with {@link
 * Attributes}.
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
        long axis = Attributes.getInt(n, attr, dflt);
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
        return Attributes.set(n.toBuilder(), Attributes.ofInt(attr, axis + rank)).build();
    }
}
