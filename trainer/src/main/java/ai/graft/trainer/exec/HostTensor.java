package ai.graft.trainer.exec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.graft.converter.OnnxTensors;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import java.util.Arrays;

/**
 * A small tensor held in Java memory: a constant, a non-float initializer, or a value of a
 * shape-computing subgraph ({@code Shape -> Gather -> Unsqueeze -> Concat -> Reshape}). Integer and
 * boolean types keep exact {@code long} values (Slice ends are often {@code INT64_MAX}); floating
 * types are held as floats. Immutable.
 */
final class HostTensor {
    final int type;
    final long[] shape;
    final long[] longs;
    final float[] floats;

    private HostTensor(int type, long[] shape, long[] longs, float[] floats) {
        this.type = type;
        this.shape = shape;
        this.longs = longs;
        this.floats = floats;
    }

    static HostTensor ofLongs(int type, long[] shape, long[] values) {
        return new HostTensor(type, shape, values, null);
    }

    static HostTensor ofLongs(long[] shape, long[] values) {
        return ofLongs(TensorProto.DataType.INT64_VALUE, shape, values);
    }

    static HostTensor ofFloats(long[] shape, float[] values) {
        return new HostTensor(TensorProto.DataType.FLOAT_VALUE, shape, null, values);
    }

    static HostTensor fromProto(TensorProto tensor) {
        long[] dims = OnnxTensors.dims(tensor);
        if (isFloatType(tensor.getDataType())) {
            return new HostTensor(
                    TensorProto.DataType.FLOAT_VALUE, dims, null, OnnxTensors.toFloats(tensor));
        }
        return ofLongs(tensor.getDataType(), dims, OnnxTensors.toLongs(tensor));
    }

    static boolean isFloatType(int type) {
        return type == TensorProto.DataType.FLOAT_VALUE
                || type == TensorProto.DataType.FLOAT16_VALUE
                || type == TensorProto.DataType.BFLOAT16_VALUE
                || type == TensorProto.DataType.DOUBLE_VALUE;
    }

    boolean isFloat() {
        return floats != null;
    }

    int size() {
        return isFloat() ? floats.length : longs.length;
    }

    long longAt(int i) {
        return isFloat() ? (long) floats[i] : longs[i];
    }

    double doubleAt(int i) {
        return isFloat() ? floats[i] : longs[i];
    }

    long[] toLongs() {
        if (!isFloat()) {
            return longs;
        }
        long[] out = new long[floats.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (long) floats[i];
        }
        return out;
    }

    float[] toFloats() {
        if (isFloat()) {
            return floats;
        }
        float[] out = new float[longs.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = longs[i];
        }
        return out;
    }

    /** The same data with another shape (the element count must match). */
    HostTensor reshape(long[] newShape) {
        return new HostTensor(type, newShape, longs, floats);
    }

    /** Casts to an ONNX element type. */
    HostTensor cast(int to) {
        if (isFloatType(to)) {
            return new HostTensor(TensorProto.DataType.FLOAT_VALUE, shape, null, toFloats());
        }
        long[] values = toLongs();
        if (to == TensorProto.DataType.BOOL_VALUE) {
            values = values.clone();
            for (int i = 0; i < values.length; i++) {
                values[i] = (isFloat() ? floats[i] != 0 : longs[i] != 0) ? 1 : 0;
            }
        }
        return new HostTensor(to, shape, values, null);
    }

    /** Copies this tensor to the device of {@code manager}. */
    NDArray toNDArray(NDManager manager) {
        Shape s = new Shape(shape);
        if (isFloat()) {
            return manager.create(floats, s);
        }
        switch (type) {
            case TensorProto.DataType.BOOL_VALUE:
                boolean[] b = new boolean[longs.length];
                for (int i = 0; i < b.length; i++) {
                    b[i] = longs[i] != 0;
                }
                return manager.create(b, s);
            case TensorProto.DataType.INT32_VALUE:
            case TensorProto.DataType.INT16_VALUE:
            case TensorProto.DataType.INT8_VALUE:
            case TensorProto.DataType.UINT8_VALUE:
                int[] ints = new int[longs.length];
                for (int i = 0; i < ints.length; i++) {
                    ints[i] = (int) longs[i];
                }
                return manager.create(ints, s);
            default:
                return manager.create(longs, s);
        }
    }

    /** Copies a (small) device array to Java memory. */
    static HostTensor fromNDArray(NDArray array) {
        long[] s = array.getShape().getShape();
        DataType t = array.getDataType();
        if (t.isFloating()) {
            return ofFloats(s, array.toType(DataType.FLOAT32, false).toFloatArray());
        }
        if (t == DataType.BOOLEAN) {
            boolean[] b = array.toBooleanArray();
            long[] v = new long[b.length];
            for (int i = 0; i < b.length; i++) {
                v[i] = b[i] ? 1 : 0;
            }
            return ofLongs(TensorProto.DataType.BOOL_VALUE, s, v);
        }
        return ofLongs(s, array.toType(DataType.INT64, false).toLongArray());
    }

    @Override
    public String toString() {
        return "HostTensor"
                + Arrays.toString(shape)
                + (isFloat() ? Arrays.toString(floats) : Arrays.toString(longs));
    }
}
