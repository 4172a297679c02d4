package ai.graft.sdk;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.platform.Fp16Conversions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/**
 * The image input tensor of a classifier's model: its shape for a number of rows, the direct
 * buffers that preprocessing writes into, and the tensor over them (float, or float16 converted
 * from the preprocessed floats).
 */
final class InputTensors {
    private InputTensors() {}

    /** The input shape for {@code rows} images preprocessed by {@code p}, in its layout. */
    static long[] shape(Preprocessing p, int rows) {
        return p.layout() == Preprocessing.Layout.NCHW
                ? new long[] {rows, p.channels(), p.height(), p.width()}
                : new long[] {rows, p.height(), p.width(), p.channels()};
    }

    /** The floats of one image preprocessed by {@code p}. */
    static int imageFloats(Preprocessing p) {
        return p.channels() * p.width() * p.height();
    }

    /** A direct buffer in native order for {@code floats} floats, as ONNX Runtime reads it. */
    static FloatBuffer newFloatBuffer(int floats) {
        return ByteBuffer.allocateDirect(floats * Float.BYTES)
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
    }

    /** A direct buffer in native order for {@code n} float16 values. */
    static ShortBuffer newHalfBuffer(int n) {
        return ByteBuffer.allocateDirect(n * Short.BYTES)
                .order(ByteOrder.nativeOrder())
                .asShortBuffer();
    }

    /**
     * The input tensor over {@code buf} (no copy), or over its float16 conversion in {@code half}.
     * The caller closes the tensor, and keeps both buffers unchanged until it has.
     *
     * @param buf the preprocessed floats, from its position to its limit
     * @param shape the tensor's shape
     * @param fp16 whether the model takes float16
     * @param half a cleared buffer of at least {@code buf.remaining()} values for the conversion,
     *     or null to allocate one; unused when {@code fp16} is false
     */
    static OnnxTensor create(
            OrtEnvironment env, FloatBuffer buf, long[] shape, boolean fp16, ShortBuffer half)
            throws OrtException {
        if (!fp16) {
            return OnnxTensor.createTensor(env, buf, shape);
        }
        int n = buf.remaining();
        ShortBuffer h = half != null ? half : newHalfBuffer(n);
        for (int i = 0; i < n; i++) {
            h.put(i, Fp16Conversions.floatToFp16(buf.get(buf.position() + i)));
        }
        h.limit(n);
        return OnnxTensor.createTensor(env, h, shape, OnnxJavaType.FLOAT16);
    }
}
