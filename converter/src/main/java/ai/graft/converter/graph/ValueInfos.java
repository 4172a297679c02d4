package ai.graft.converter.graph;

import ai.graft.converter.onnx.proto.OnnxProto.TensorShapeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TypeProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;

/**
 * Writes and reads the type and shape of a tensor that a graph declares (its inputs, outputs and
 * value_info entries). A dimension that is not a number (symbolic, or missing) is -1 here.
 *
 * <pre>{@code
 * ValueInfoProto in = ValueInfos.of("input", TensorProto.DataType.FLOAT_VALUE,
 *         new long[] {-1, 3, 224, 224}, "N");          // [N, 3, 224, 224]
 * long[] shape = ValueInfos.shape(in);                  // {-1, 3, 224, 224}
 * }</pre>
 *
 * <p>Thread-safe: stateless.
 */
public final class ValueInfos {
    private ValueInfos() {}

    /**
     * A tensor value info.
     *
     * @param name the tensor's name
     * @param elemType its ONNX element type ({@code TensorProto.DataType})
     * @param shape its shape, a negative dimension being symbolic; {@code null} for no shape
     * @param dimParam the name of the symbolic dimensions, or {@code null} to leave them unnamed
     * @return the value info
     */
    public static ValueInfoProto of(String name, int elemType, long[] shape, String dimParam) {
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

    /**
     * The declared shape of a tensor.
     *
     * @param v the value info
     * @return a new array, -1 for symbolic or missing dimensions; {@code null} without a shape
     */
    public static long[] shape(ValueInfoProto v) {
        TypeProto.Tensor t = v.getType().getTensorType();
        if (!t.hasShape()) {
            return null;
        }
        long[] out = new long[t.getShape().getDimCount()];
        for (int i = 0; i < out.length; i++) {
            TensorShapeProto.Dimension d = t.getShape().getDim(i);
            out[i] = d.hasDimValue() ? d.getDimValue() : -1;
        }
        return out;
    }
}
