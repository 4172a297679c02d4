package ai.graft.sdk;

/**
 * Where the time of one classification went, in milliseconds.
 *
 * @param decodeMs reading and decoding the image (or converting a {@code Mat}, {@code Frame} or
 *     {@code BufferedImage}) to 8-bit BGR
 * @param preprocessMs resize, crop, colour conversion and normalisation into the input tensor
 * @param inferenceMs ONNX Runtime's {@code run}, including creating the input tensor and copying
 *     the output
 * @param postprocessMs softmax, label lookup, filters and top-k
 */
public record StageTimings(
        double decodeMs, double preprocessMs, double inferenceMs, double postprocessMs) {

    /**
     * The sum of the four stages.
     *
     * @return milliseconds
     */
    public double totalMs() {
        return decodeMs + preprocessMs + inferenceMs + postprocessMs;
    }
}
