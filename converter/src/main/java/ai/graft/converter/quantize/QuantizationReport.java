package ai.graft.converter.quantize;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link ModelQuantizer} did and how the result compares with the original.
 *
 * @param precision the new precision
 * @param method the calibration method, or null for float16
 * @param perChannel whether weights have per-channel scales (false for float16)
 * @param images the images that calibrated (INT8) or checked (float16) the model
 * @param skipped messages for images that could not be read
 * @param fingerprint the images' SHA-256 fingerprint, or null without images
 * @param quantizedTensors activation tensors with a QuantizeLinear/DequantizeLinear pair
 * @param floatNodes nodes left in float beside quantized tensors ({@code "OpType name"})
 * @param kernels what ONNX Runtime runs, or null for float16
 * @param agreement top-1 agreement and largest score difference against the original
 * @param accuracy accuracy of both models on labelled images, or null without them
 * @param originalBytes the original file's size
 * @param bytes the new model's size
 * @param keptFloat weighted nodes kept in float, asked for or chosen as the most sensitive (empty
 *     for float16)
 */
public record QuantizationReport(
        Precision precision,
        CalibrationMethod method,
        boolean perChannel,
        int images,
        List<String> skipped,
        String fingerprint,
        int quantizedTensors,
        List<String> floatNodes,
        KernelReport kernels,
        ClassifierParity.Agreement agreement,
        ClassifierParity.Accuracy accuracy,
        long originalBytes,
        long bytes,
        List<String> keptFloat) {
    /** Makes the lists unmodifiable. */
    public QuantizationReport {
        skipped = List.copyOf(skipped);
        floatNodes = List.copyOf(floatNodes);
        keptFloat = List.copyOf(keptFloat);
    }

    /**
     * The accuracy lost, in points (percent of images), when labelled images were given.
     *
     * @return original minus reduced accuracy times 100, or NaN without labelled images
     */
    public double accuracyLossPoints() {
        return accuracy == null ? Double.NaN : (accuracy.original() - accuracy.reduced()) * 100;
    }

    /**
     * The share of images whose best class changed, in percent.
     *
     * @return 100 times one minus the top-1 agreement
     */
    public double disagreementPercent() {
        return (1 - agreement.top1Agreement()) * 100;
    }

    /**
     * Whether the model stays within a tolerance: the accuracy loss in points when labelled images
     * were given, else the top-1 disagreement in percent.
     *
     * @param tolerance the largest loss accepted, in points or percent
     * @return true when the loss is at most {@code tolerance}
     */
    public boolean within(double tolerance) {
        double loss = accuracy != null ? accuracyLossPoints() : disagreementPercent();
        return loss <= tolerance;
    }

    /**
     * The provenance written into the model card under {@link ModelQuantizer#CARD_KEY}.
     *
     * @return precision, method, weight scales, layers kept float, calibration image count and
     *     fingerprint
     */
    public Map<String, Object> provenance() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("precision", precision.label());
        if (method != null) {
            m.put("method", method.cliName());
            m.put("weights", perChannel ? "per-channel" : "per-tensor");
            m.put("keptFloat", keptFloat);
        }
        m.put("images", images);
        m.put("fingerprint", fingerprint);
        return m;
    }

    /**
     * Every figure, as plain values for JSON.
     *
     * @return a map in a stable order
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = provenance();
        m.put("skipped", skipped);
        if (kernels != null) {
            m.put("quantizedTensors", quantizedTensors);
            m.put("floatNodes", floatNodes);
            m.put("integerOps", kernels.integerOps());
            m.put("floatOps", kernels.floatOps());
            m.put("allInteger", kernels.allInteger());
        }
        m.put("checkedImages", agreement.images());
        m.put("top1Agreement", agreement.top1Agreement());
        m.put("maxScoreDiff", agreement.maxScoreDiff());
        if (accuracy != null) {
            m.put("evalImages", accuracy.images());
            m.put("accuracyOriginal", accuracy.original());
            m.put("accuracyQuantized", accuracy.reduced());
        }
        m.put("originalBytes", originalBytes);
        m.put("bytes", bytes);
        return m;
    }
}
