package ai.graft.converter.quantize;

import ai.graft.converter.onnx.proto.OnnxProto.TensorProto.DataType;

/**
 * The 8-bit type of quantized activations. Weights are always symmetric int8.
 *
 * <p>{@link #INT8} (S8S8 with weights) is ONNX Runtime's default for QDQ models on x86 and ARM;
 * {@link #UINT8} (U8S8) is what its x86 integer kernels compute natively with AVX2's {@code
 * vpmaddubsw}, at the risk of saturating 16-bit sums when weights use the full int8 range.
 */
public enum ActivationType {
    /** Signed, -128 to 127. */
    INT8(-128, 127, DataType.INT8),
    /** Unsigned, 0 to 255. */
    UINT8(0, 255, DataType.UINT8);

    private final int qmin;
    private final int qmax;
    private final DataType onnxType;

    ActivationType(int qmin, int qmax, DataType onnxType) {
        this.qmin = qmin;
        this.qmax = qmax;
        this.onnxType = onnxType;
    }

    /**
     * The smallest quantized value.
     *
     * @return -128 or 0
     */
    public int qmin() {
        return qmin;
    }

    /**
     * The largest quantized value.
     *
     * @return 127 or 255
     */
    public int qmax() {
        return qmax;
    }

    /**
     * The ONNX element type of the zero point.
     *
     * @return {@code INT8} or {@code UINT8}
     */
    public DataType onnxType() {
        return onnxType;
    }
}
