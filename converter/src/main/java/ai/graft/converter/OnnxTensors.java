package ai.graft.converter;

import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto.DataType;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * Reads and makes ONNX {@link TensorProto} values: float, float16, double and integer tensors,
 * stored in {@code raw_data} (little-endian) or in the typed fields. External data must have been
 * resolved first ({@link OnnxModels#read} does that). Thread-safe: stateless.
 */
public final class OnnxTensors {
    private OnnxTensors() {}

    /**
     * The number of elements of a tensor: the product of its dimensions (1 for a scalar).
     *
     * @param tensor the tensor
     * @return the element count
     */
    public static long elementCount(TensorProto tensor) {
        long n = 1;
        for (long d : tensor.getDimsList()) {
            n *= d;
        }
        return n;
    }

    /**
     * The dimensions of a tensor as an array.
     *
     * @param tensor the tensor
     * @return its dims
     */
    public static long[] dims(TensorProto tensor) {
        return tensor.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * The name of an ONNX element type, lower case as in ONNX's documentation: {@code float},
     * {@code float16}, {@code int64}...
     *
     * @param elemType a {@code TensorProto.DataType} number
     * @return its name, or {@code "type<N>"} for an unknown number
     */
    public static String typeName(int elemType) {
        DataType t = DataType.forNumber(elemType);
        return t == null ? "type" + elemType : t.name().toLowerCase(Locale.ROOT);
    }

    /**
     * Checks that a tensor's data fits its declared shape and type, without reading or copying the
     * data: no negative dimension, an element count that does not overflow, and as many bytes of
     * {@code raw_data} (or values in the typed field) as the shape and type need. String tensors,
     * 4-bit types, unknown types and external data are not checked.
     *
     * @param tensor the tensor
     * @throws IllegalArgumentException naming the tensor, its shape and type, what it holds and
     *     what it needs
     */
    public static void checkData(TensorProto tensor) {
        long n = checkedCount(tensor);
        if (tensor.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            return;
        }
        int type = tensor.getDataType();
        int size = byteSize(type);
        if (size == 0) {
            return;
        }
        if (tensor.hasRawData()) {
            long have = tensor.getRawData().size();
            if (have != n * size) {
                throw new IllegalArgumentException(
                        describe(tensor) + " has " + have + " bytes of data; it needs " + n * size);
            }
            return;
        }
        int values =
                switch (type) {
                    case TensorProto.DataType.FLOAT_VALUE, TensorProto.DataType.COMPLEX64_VALUE ->
                            tensor.getFloatDataCount();
                    case TensorProto.DataType.DOUBLE_VALUE, TensorProto.DataType.COMPLEX128_VALUE ->
                            tensor.getDoubleDataCount();
                    case TensorProto.DataType.INT64_VALUE -> tensor.getInt64DataCount();
                    case TensorProto.DataType.UINT32_VALUE, TensorProto.DataType.UINT64_VALUE ->
                            tensor.getUint64DataCount();
                    default -> tensor.getInt32DataCount();
                };
        long needed =
                type == TensorProto.DataType.COMPLEX64_VALUE
                                || type == TensorProto.DataType.COMPLEX128_VALUE
                        ? 2 * n
                        : n;
        if (values != needed) {
            throw new IllegalArgumentException(
                    describe(tensor) + " has " + values + " values; it needs " + needed);
        }
    }

    /**
     * Reads a float, float16, bfloat16, double or integer tensor as floats (float16 and bfloat16
     * exactly).
     *
     * @param tensor the tensor
     * @return its values, row-major
     * @throws IllegalArgumentException for other element types, external data, or data that does
     *     not fit the declared shape (checked before anything is allocated)
     */
    public static float[] toFloats(TensorProto tensor) {
        checkInline(tensor);
        int type = tensor.getDataType();
        if (!isFloat(type)) {
            long[] longs = toLongs(tensor);
            float[] out = new float[longs.length];
            for (int i = 0; i < longs.length; i++) {
                out[i] = longs[i];
            }
            return out;
        }
        // Checked before the array is made: a shape that declares more than the data holds must
        // not allocate what it declares.
        checkData(tensor);
        int n = (int) checkedCount(tensor);
        float[] out = new float[n];
        ByteBuffer raw = tensor.hasRawData() ? raw(tensor) : null;
        switch (type) {
            case TensorProto.DataType.FLOAT_VALUE:
                if (raw != null) {
                    checkSize(tensor, raw, n, 4);
                    raw.asFloatBuffer().get(out);
                } else {
                    checkCount(tensor, tensor.getFloatDataCount(), n);
                    for (int i = 0; i < n; i++) {
                        out[i] = tensor.getFloatData(i);
                    }
                }
                return out;
            case TensorProto.DataType.FLOAT16_VALUE:
            case TensorProto.DataType.BFLOAT16_VALUE:
                boolean half = type == TensorProto.DataType.FLOAT16_VALUE;
                if (raw != null) {
                    checkSize(tensor, raw, n, 2);
                    for (int i = 0; i < n; i++) {
                        short bits = raw.getShort();
                        out[i] = half ? halfToFloat(bits) : Float.intBitsToFloat(bits << 16);
                    }
                } else {
                    // float16 values are stored one per int32_data entry, as their 16 bits.
                    checkCount(tensor, tensor.getInt32DataCount(), n);
                    for (int i = 0; i < n; i++) {
                        short bits = (short) tensor.getInt32Data(i);
                        out[i] = half ? halfToFloat(bits) : Float.intBitsToFloat(bits << 16);
                    }
                }
                return out;
            case TensorProto.DataType.DOUBLE_VALUE:
                if (raw != null) {
                    checkSize(tensor, raw, n, 8);
                    for (int i = 0; i < n; i++) {
                        out[i] = (float) raw.getDouble();
                    }
                } else {
                    checkCount(tensor, tensor.getDoubleDataCount(), n);
                    for (int i = 0; i < n; i++) {
                        out[i] = (float) tensor.getDoubleData(i);
                    }
                }
                return out;
            default:
                throw new AssertionError(type);
        }
    }

    /**
     * Reads an integer or boolean tensor (int8 to int64, uint8 to uint32, bool) as longs.
     *
     * @param tensor the tensor
     * @return its values, row-major
     * @throws IllegalArgumentException for other element types, external data, or data that does
     *     not fit the declared shape (checked before anything is allocated)
     */
    public static long[] toLongs(TensorProto tensor) {
        checkInline(tensor);
        int type = tensor.getDataType();
        if (!isInteger(type)) {
            throw new IllegalArgumentException(
                    "Tensor '"
                            + tensor.getName()
                            + "' has element type "
                            + typeName(type)
                            + "; expected an integer type");
        }
        checkData(tensor);
        int n = (int) checkedCount(tensor);
        long[] out = new long[n];
        ByteBuffer raw = tensor.hasRawData() ? raw(tensor) : null;
        switch (type) {
            case TensorProto.DataType.INT64_VALUE:
                if (raw != null) {
                    checkSize(tensor, raw, n, 8);
                    raw.asLongBuffer().get(out);
                } else {
                    checkCount(tensor, tensor.getInt64DataCount(), n);
                    for (int i = 0; i < n; i++) {
                        out[i] = tensor.getInt64Data(i);
                    }
                }
                return out;
            case TensorProto.DataType.INT32_VALUE:
            case TensorProto.DataType.INT16_VALUE:
            case TensorProto.DataType.INT8_VALUE:
            case TensorProto.DataType.UINT16_VALUE:
            case TensorProto.DataType.UINT8_VALUE:
            case TensorProto.DataType.BOOL_VALUE:
                if (raw != null) {
                    int size =
                            type == TensorProto.DataType.INT32_VALUE ? 4 : isTwoBytes(type) ? 2 : 1;
                    checkSize(tensor, raw, n, size);
                    for (int i = 0; i < n; i++) {
                        out[i] =
                                switch (type) {
                                    case TensorProto.DataType.INT32_VALUE -> raw.getInt();
                                    case TensorProto.DataType.INT16_VALUE -> raw.getShort();
                                    case TensorProto.DataType.UINT16_VALUE ->
                                            raw.getShort() & 0xFFFF;
                                    case TensorProto.DataType.INT8_VALUE -> raw.get();
                                    default -> raw.get() & 0xFF;
                                };
                    }
                } else {
                    checkCount(tensor, tensor.getInt32DataCount(), n);
                    for (int i = 0; i < n; i++) {
                        out[i] = tensor.getInt32Data(i);
                    }
                }
                return out;
            case TensorProto.DataType.UINT32_VALUE:
                if (raw != null) {
                    checkSize(tensor, raw, n, 4);
                    for (int i = 0; i < n; i++) {
                        out[i] = raw.getInt() & 0xFFFFFFFFL;
                    }
                } else {
                    checkCount(tensor, tensor.getUint64DataCount(), n);
                    for (int i = 0; i < n; i++) {
                        out[i] = tensor.getUint64Data(i);
                    }
                }
                return out;
            default:
                throw new IllegalArgumentException(
                        "Tensor '"
                                + tensor.getName()
                                + "' has element type "
                                + typeName(type)
                                + "; expected an integer type");
        }
    }

    /**
     * Makes a float tensor stored in {@code raw_data}.
     *
     * @param name its name
     * @param dims its dimensions
     * @param values its values, row-major; length must be the product of {@code dims}
     * @return the tensor
     */
    public static TensorProto fromFloats(String name, long[] dims, float[] values) {
        checkLength(dims, values.length);
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        return builder(name, dims, TensorProto.DataType.FLOAT_VALUE)
                .setRawData(ByteString.copyFrom(buf.array()))
                .build();
    }

    /**
     * Makes an int64 tensor stored in {@code raw_data}.
     *
     * @param name its name
     * @param dims its dimensions
     * @param values its values, row-major; length must be the product of {@code dims}
     * @return the tensor
     */
    public static TensorProto fromLongs(String name, long[] dims, long[] values) {
        checkLength(dims, values.length);
        ByteBuffer buf = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.asLongBuffer().put(values);
        return builder(name, dims, TensorProto.DataType.INT64_VALUE)
                .setRawData(ByteString.copyFrom(buf.array()))
                .build();
    }

    /**
     * Makes an 8-bit or 32-bit integer tensor stored in {@code raw_data}: the quantized weights,
     * biases and zero points of a quantized model.
     *
     * @param name its name
     * @param dims its dimensions
     * @param type {@code INT8}, {@code UINT8} or {@code INT32}
     * @param values its values, row-major, each within the type's range; length must be the product
     *     of {@code dims}
     * @return the tensor
     * @throws IllegalArgumentException for another type or a value out of range
     */
    public static TensorProto fromInts(
            String name, long[] dims, TensorProto.DataType type, int[] values) {
        checkLength(dims, values.length);
        int lo;
        int hi;
        int size;
        switch (type) {
            case INT8 -> {
                lo = Byte.MIN_VALUE;
                hi = Byte.MAX_VALUE;
                size = 1;
            }
            case UINT8 -> {
                lo = 0;
                hi = 255;
                size = 1;
            }
            case INT32 -> {
                lo = Integer.MIN_VALUE;
                hi = Integer.MAX_VALUE;
                size = 4;
            }
            default ->
                    throw new IllegalArgumentException(
                            "Integer tensors are INT8, UINT8 or INT32, got " + type);
        }
        ByteBuffer buf = ByteBuffer.allocate(values.length * size).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            if (v < lo || v > hi) {
                throw new IllegalArgumentException(
                        "Value " + v + " of tensor '" + name + "' is outside " + type);
            }
            if (size == 1) {
                buf.put((byte) v);
            } else {
                buf.putInt(v);
            }
        }
        return builder(name, dims, type.getNumber())
                .setRawData(ByteString.copyFrom(buf.array()))
                .build();
    }

    /**
     * Makes a float16 tensor stored in {@code raw_data}, rounding each float to nearest even.
     *
     * @param name its name
     * @param dims its dimensions
     * @param values its values as floats, row-major; length must be the product of {@code dims}
     * @return the tensor
     */
    public static TensorProto fromFloatsAsHalf(String name, long[] dims, float[] values) {
        checkLength(dims, values.length);
        ByteBuffer buf = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buf.putShort(floatToHalf(v));
        }
        return builder(name, dims, TensorProto.DataType.FLOAT16_VALUE)
                .setRawData(ByteString.copyFrom(buf.array()))
                .build();
    }

    /**
     * Converts IEEE 754 half-precision bits to a float, exactly (every float16 value, subnormals,
     * infinities and NaN included, is representable as a float).
     *
     * @param bits the 16 bits
     * @return the value
     */
    public static float halfToFloat(short bits) {
        int h = bits & 0xFFFF;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) {
            if (mant == 0) {
                return Float.intBitsToFloat(sign);
            }
            // Subnormal: value = mant * 2^-24, exact in float.
            float v = mant * 0x1p-24f;
            return sign == 0 ? v : -v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /**
     * Converts a float to IEEE 754 half-precision bits, rounding to nearest even.
     *
     * @param value the value
     * @return its 16 bits
     */
    public static short floatToHalf(float value) {
        int f = Float.floatToRawIntBits(value);
        int sign = (f >>> 16) & 0x8000;
        int exp = (f >>> 23) & 0xFF;
        int mant = f & 0x7FFFFF;
        if (exp == 0xFF) {
            return (short) (sign | 0x7C00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1F) {
            return (short) (sign | 0x7C00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            mant |= 0x800000;
            int shift = 14 - e;
            int half = mant >>> shift;
            int rem = mant & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) == 1)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rem = mant & 0x1FFF;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) == 1)) {
            half++;
        }
        return (short) (sign | half);
    }

    private static boolean isFloat(int type) {
        return type == TensorProto.DataType.FLOAT_VALUE
                || type == TensorProto.DataType.FLOAT16_VALUE
                || type == TensorProto.DataType.BFLOAT16_VALUE
                || type == TensorProto.DataType.DOUBLE_VALUE;
    }

    private static boolean isInteger(int type) {
        return switch (type) {
            case TensorProto.DataType.INT64_VALUE,
                            TensorProto.DataType.INT32_VALUE,
                            TensorProto.DataType.INT16_VALUE,
                            TensorProto.DataType.INT8_VALUE,
                            TensorProto.DataType.UINT32_VALUE,
                            TensorProto.DataType.UINT16_VALUE,
                            TensorProto.DataType.UINT8_VALUE,
                            TensorProto.DataType.BOOL_VALUE ->
                    true;
            default -> false;
        };
    }

    /** Bytes per element in {@code raw_data}, or 0 for strings, 4-bit and unknown types. */
    private static int byteSize(int type) {
        return switch (type) {
            case TensorProto.DataType.UINT8_VALUE,
                            TensorProto.DataType.INT8_VALUE,
                            TensorProto.DataType.BOOL_VALUE,
                            17, // FLOAT8E4M3FN
                            18, // FLOAT8E4M3FNUZ
                            19, // FLOAT8E5M2
                            20 ->
                    1; // FLOAT8E5M2FNUZ
            case TensorProto.DataType.UINT16_VALUE,
                            TensorProto.DataType.INT16_VALUE,
                            TensorProto.DataType.FLOAT16_VALUE,
                            TensorProto.DataType.BFLOAT16_VALUE ->
                    2;
            case TensorProto.DataType.FLOAT_VALUE,
                            TensorProto.DataType.INT32_VALUE,
                            TensorProto.DataType.UINT32_VALUE ->
                    4;
            case TensorProto.DataType.INT64_VALUE,
                            TensorProto.DataType.UINT64_VALUE,
                            TensorProto.DataType.DOUBLE_VALUE,
                            TensorProto.DataType.COMPLEX64_VALUE ->
                    8;
            case TensorProto.DataType.COMPLEX128_VALUE -> 16;
            default -> 0;
        };
    }

    /**
     * The element count, refusing negative dimensions and counts beyond what one Java array or one
     * protobuf field can hold.
     */
    private static long checkedCount(TensorProto tensor) {
        long n = 1;
        for (long d : tensor.getDimsList()) {
            if (d < 0) {
                throw new IllegalArgumentException(
                        describe(tensor) + " has a negative dimension, " + d);
            }
            n = d == 0 || n == 0 ? 0 : n <= Integer.MAX_VALUE / d ? n * d : Long.MAX_VALUE;
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    describe(tensor)
                            + " declares more than "
                            + Integer.MAX_VALUE
                            + " elements; no ONNX file holds that many");
        }
        return n;
    }

    private static String describe(TensorProto tensor) {
        return "Tensor '"
                + tensor.getName()
                + "' of shape "
                + tensor.getDimsList()
                + " and type "
                + typeName(tensor.getDataType());
    }

    private static boolean isTwoBytes(int type) {
        return type == TensorProto.DataType.INT16_VALUE
                || type == TensorProto.DataType.UINT16_VALUE;
    }

    private static TensorProto.Builder builder(String name, long[] dims, int type) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(type);
        for (long d : dims) {
            b.addDims(d);
        }
        return b;
    }

    private static void checkLength(long[] dims, int length) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        if (n != length) {
            throw new IllegalArgumentException(
                    "Shape "
                            + java.util.Arrays.toString(dims)
                            + " needs "
                            + n
                            + " values, got "
                            + length);
        }
    }

    private static ByteBuffer raw(TensorProto tensor) {
        return tensor.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void checkInline(TensorProto tensor) {
        if (tensor.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw new IllegalArgumentException(
                    "Tensor '"
                            + tensor.getName()
                            + "' has external data; read the model with OnnxModels.read first");
        }
    }

    private static void checkSize(TensorProto tensor, ByteBuffer raw, int n, int size) {
        if (raw.remaining() != (long) n * size) {
            throw new IllegalArgumentException(
                    "Tensor '"
                            + tensor.getName()
                            + "' has "
                            + raw.remaining()
                            + " bytes of raw data; its shape "
                            + tensor.getDimsList()
                            + " and type "
                            + typeName(tensor.getDataType())
                            + " need "
                            + (long) n * size);
        }
    }

    private static void checkCount(TensorProto tensor, int count, int n) {
        if (count != n) {
            throw new IllegalArgumentException(
                    "Tensor '"
                            + tensor.getName()
                            + "' has "
                            + count
                            + " values; its shape "
                            + tensor.getDimsList()
                            + " needs "
                            + n);
        }
    }
}
