package ai.graft.converter.quantize;

import ai.graft.converter.OnnxTensors;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto.DataType;

/**
 * Quantizes constant weights and biases as ONNX Runtime's integer kernels take them.
 *
 * <p>Weights are symmetric int8 in {@code [-127, 127]} (zero point 0, scale = largest magnitude /
 * 127), per output channel or per tensor, as ONNX Runtime's quantizer makes them; or, reduced to 7
 * bits, in {@code [-63, 63]}: AVX2 without VNNI multiplies uint8 activations by int8 weights with
 * {@code vpmaddubsw}, which adds two products into a saturating 16-bit sum (255 * 127 * 2 exceeds
 * 32767, 255 * 63 * 2 does not). A bias is int32 with scale = input scale * weight scale (per
 * channel), zero point 0: the scale at which the integer kernel accumulates, so it adds to the
 * accumulator as it is.
 */
final class WeightQuantizer {
    /** The largest weight magnitude in 8 bits. */
    static final int QMAX = 127;

    /** The largest weight magnitude in 7 bits, for kernels that would saturate on 8. */
    static final int QMAX_REDUCED = 63;

    private WeightQuantizer() {}

    /**
     * A quantized weight: int8 values, scale and zero point tensors.
     *
     * @param values the int8 tensor, same dimensions as the float weight
     * @param scale float scale, a scalar or one per channel
     * @param zeroPoint int8 zeros, same shape as {@code scale}
     * @param scales the scales as floats
     * @param axis the channel axis, or -1 per tensor
     */
    record Quantized(
            TensorProto values,
            TensorProto scale,
            TensorProto zeroPoint,
            float[] scales,
            int axis) {}

    /**
     * Quantizes a float weight.
     *
     * @param weight the float initializer
     * @param name the base name of the new tensors
     * @param axis the output-channel axis for per-channel scales, or -1 for one scale
     * @param qmax {@link #QMAX}, or {@link #QMAX_REDUCED} for 7-bit weights
     * @return the int8 tensor and its scale and zero point
     */
    static Quantized weight(TensorProto weight, String name, int axis, int qmax) {
        long[] dims = OnnxTensors.dims(weight);
        float[] w = OnnxTensors.toFloats(weight);
        int channels = axis < 0 ? 1 : Math.toIntExact(dims[axis]);
        long inner = 1;
        for (int i = axis + 1; i < dims.length && axis >= 0; i++) {
            inner *= dims[i];
        }
        float[] absMax = new float[channels];
        for (int i = 0; i < w.length; i++) {
            int c = channel(i, axis, channels, inner);
            absMax[c] = Math.max(absMax[c], Math.abs(w[i]));
        }
        float[] scales = new float[channels];
        for (int c = 0; c < channels; c++) {
            scales[c] = absMax[c] > 0 ? absMax[c] / qmax : 1f;
        }
        int[] q = new int[w.length];
        for (int i = 0; i < w.length; i++) {
            int c = channel(i, axis, channels, inner);
            q[i] = (int) Math.max(-qmax, Math.min(qmax, Math.round(w[i] / scales[c])));
        }
        long[] paramDims = axis < 0 ? new long[0] : new long[] {channels};
        return new Quantized(
                OnnxTensors.fromInts(name + "_quantized", dims, DataType.INT8, q),
                OnnxTensors.fromFloats(name + "_scale", paramDims, scales),
                OnnxTensors.fromInts(
                        name + "_zero_point", paramDims, DataType.INT8, new int[channels]),
                scales,
                axis);
    }

    /**
     * Quantizes a bias to int32 at the scale of the product of input and weight.
     *
     * @param bias the float bias, one value per output channel
     * @param name the base name of the new tensors
     * @param inputScale the scale of the quantized input activation
     * @param weight the quantized weight of the same node
     * @return the int32 tensor, its scale (as the weight's: scalar or per channel) and zero point
     */
    static Quantized bias(TensorProto bias, String name, float inputScale, Quantized weight) {
        float[] b = OnnxTensors.toFloats(bias);
        float[] scales = new float[weight.scales().length];
        for (int c = 0; c < scales.length; c++) {
            scales[c] = inputScale * weight.scales()[c];
        }
        int[] q = new int[b.length];
        for (int i = 0; i < b.length; i++) {
            float s = scales[scales.length == 1 ? 0 : i];
            q[i] =
                    (int)
                            Math.max(
                                    Integer.MIN_VALUE,
                                    Math.min(Integer.MAX_VALUE, Math.round((double) b[i] / s)));
        }
        long[] paramDims = scales.length == 1 ? new long[0] : new long[] {scales.length};
        return new Quantized(
                OnnxTensors.fromInts(
                        name + "_quantized", OnnxTensors.dims(bias), DataType.INT32, q),
                OnnxTensors.fromFloats(name + "_scale", paramDims, scales),
                OnnxTensors.fromInts(
                        name + "_zero_point", paramDims, DataType.INT32, new int[scales.length]),
                scales,
                scales.length == 1 ? -1 : 0);
    }

    private static int channel(int index, int axis, int channels, long inner) {
        return axis < 0 ? 0 : (int) ((index / inner) % channels);
    }
}
