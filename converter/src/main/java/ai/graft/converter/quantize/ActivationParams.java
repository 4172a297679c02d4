package ai.graft.converter.quantize;

/**
 * The scale and zero point of a quantized activation: {@code real = (q - zeroPoint) * scale}.
 *
 * <p>The range is first widened to hold 0, so that 0 (padding, a ReLU's floor) is exact. After a
 * ReLU the range starts at 0 and the zero point is the type's smallest value, which is what lets
 * ONNX Runtime drop the ReLU into the quantization that follows it.
 *
 * @param scale the step between two quantized values, positive
 * @param zeroPoint the quantized value of 0, within the type's range
 * @param type the quantized type
 */
record ActivationParams(float scale, int zeroPoint, ActivationType type) {
    /**
     * Asymmetric parameters that cover a range.
     *
     * @param range the calibrated range
     * @param type the quantized type
     * @return the parameters
     */
    static ActivationParams of(TensorRange range, ActivationType type) {
        double lo = Math.min(0, range.min());
        double hi = Math.max(0, range.max());
        if (hi - lo < 1e-12) {
            // A tensor that is always 0: any positive scale represents it exactly.
            return new ActivationParams(1f, type.qmin(), type);
        }
        float scale = (float) ((hi - lo) / (type.qmax() - type.qmin()));
        long zp = Math.round(type.qmin() - lo / scale);
        int zero = (int) Math.max(type.qmin(), Math.min(type.qmax(), zp));
        return new ActivationParams(scale, zero, type);
    }
}
