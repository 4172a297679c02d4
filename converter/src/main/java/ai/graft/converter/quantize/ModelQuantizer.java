package ai.graft.converter.quantize;

import ai.graft.converter.GraftJson;
import ai.graft.converter.ModelEditor;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.ParityChecker;
import ai.graft.converter.ParityOptions;
import ai.graft.converter.ParityReport;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ImageException;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.OutputKind;
import ai.graft.sdk.Preprocessing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Makes an INT8 (QDQ) or float16 version of a classifier that Graft can run, keeps its model card
 * with what was done added under {@value #CARD_KEY}, and measures it against the original through
 * the SDK before anyone keeps it.
 *
 * <pre>{@code
 * QuantizationResult r = ModelQuantizer.quantize(Path.of("model.onnx"), Precision.INT8_QDQ,
 *         Int8Options.defaults(), calibrationImages, List.of());
 * if (r.report().within(2)) {
 *     OnnxModels.write(r.model(), Path.of("model-int8.onnx"));
 * }
 * }</pre>
 *
 * <p>The model must be an image classifier the SDK can run ({@link ImageClassifier#create} accepts
 * it and it outputs classes, not an embedding); the calibration images go through its preprocessing
 * exactly as at inference. Thread-safe: stateless.
 */
public final class ModelQuantizer {
    /** The model-card key of the quantization provenance (a JSON object). */
    public static final String CARD_KEY = "graft.quantization";

    /** Random batches a float16 model is checked on when no image is given. */
    private static final int RANDOM_RUNS = 4;

    private ModelQuantizer() {}

    /**
     * What {@link #quantize} made.
     *
     * @param model the new model, with the card and its provenance
     * @param report what was done and how it compares
     */
    public record QuantizationResult(ModelProto model, QuantizationReport report) {}

    /**
     * Quantizes a classifier.
     *
     * @param model the float32 {@code .onnx} classifier
     * @param precision {@link Precision#INT8_QDQ} or {@link Precision#FP16}
     * @param options INT8 options (ignored for float16)
     * @param images calibration images for INT8 (required); images to check float16 on (without
     *     them, float16 is checked on seeded random inputs)
     * @param eval labelled images for the accuracy of both, or empty
     * @return the model and the report
     * @throws ModelException when the model is not a classifier, already quantized or float16
     * @throws ImageException when INT8 gets no readable image
     * @throws GraftException when a model cannot be read or run
     */
    public static QuantizationResult quantize(
            Path model,
            Precision precision,
            Int8Options options,
            List<Path> images,
            List<LabelledImage> eval)
            throws GraftException {
        if (precision == Precision.FP32) {
            throw new IllegalArgumentException("Quantize to int8 QDQ or fp16, not fp32");
        }
        String input;
        Preprocessing preprocessing;
        try (ImageClassifier c = ImageClassifier.createFromFile(model)) {
            if (c.labels() == null || c.card().output() == OutputKind.EMBEDDING) {
                throw new ModelException(
                        "Model " + model + " is not a classifier (it outputs an embedding)");
            }
            input = c.signature().inputName();
            preprocessing = c.preprocessing();
        }
        ModelProto original = OnnxModels.read(model);
        ModelProto reduced;
        Int8Result int8 = null;
        List<Path> used = images;
        if (precision == Precision.INT8_QDQ) {
            if (images.isEmpty()) {
                throw new ImageException("INT8 quantization needs calibration images; none given");
            }
            int8 =
                    Int8Quantizer.quantize(
                            original, model.toString(), input, images, preprocessing, options);
            reduced = int8.model();
            used = int8.images();
        } else {
            reduced = Float16Converter.convert(original, model.toString());
        }
        Path tmp = null;
        try {
            String fingerprint = used.isEmpty() ? null : ImageFingerprint.of(used);
            tmp = Files.createTempFile("graft-quantized", ".onnx");
            Files.write(tmp, OnnxModels.toBytes(reduced));
            ClassifierParity.Agreement agreement =
                    used.isEmpty()
                            ? randomAgreement(original, reduced)
                            : ClassifierParity.agreement(model, tmp, used);
            ClassifierParity.Accuracy accuracy =
                    eval.isEmpty() ? null : ClassifierParity.accuracy(model, tmp, eval);
            QuantizationReport report =
                    new QuantizationReport(
                            precision,
                            int8 == null ? null : options.method(),
                            int8 != null && options.perChannel(),
                            used.size(),
                            int8 == null ? List.of() : int8.skipped(),
                            fingerprint,
                            int8 == null ? 0 : int8.quantizedTensors(),
                            int8 == null ? List.of() : int8.floatNodes(),
                            int8 == null ? null : int8.kernels(),
                            agreement,
                            accuracy,
                            Files.size(model),
                            0,
                            int8 == null ? List.of() : int8.keptFloat());
            ModelProto withCard =
                    ModelEditor.withMetadata(reduced, provenance(reduced, report.provenance()));
            report = withSize(report, OnnxModels.toBytes(withCard).length);
            return new QuantizationResult(withCard, report);
        } catch (IOException e) {
            throw new ImageException(
                    "Could not read the images or write a temporary model: " + e, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    // A leftover temporary file does not change the result.
                }
            }
        }
    }

    /**
     * Agreement on seeded random inputs, for a float16 model checked without images: the check
     * still runs, on what the random inputs exercise.
     */
    private static ClassifierParity.Agreement randomAgreement(ModelProto a, ModelProto b)
            throws GraftException {
        ParityReport r =
                ParityChecker.compare(
                        a,
                        "original",
                        b,
                        "reduced",
                        ParityOptions.builder().randomRuns(RANDOM_RUNS).build());
        ParityReport.Output o = r.outputs().get(0);
        return new ClassifierParity.Agreement(
                r.randomRuns() * r.batchSize(), o.top1Agreement(), o.maxAbsDiff());
    }

    /** The model's graft.* metadata with the quantization provenance added. */
    private static Map<String, String> provenance(ModelProto model, Map<String, Object> what) {
        Map<String, String> meta = ModelEditor.metadata(model);
        meta.keySet().removeIf(k -> !k.startsWith("graft."));
        meta.put(CARD_KEY, GraftJson.write(what));
        return meta;
    }

    private static QuantizationReport withSize(QuantizationReport r, long bytes) {
        return new QuantizationReport(
                r.precision(),
                r.method(),
                r.perChannel(),
                r.images(),
                r.skipped(),
                r.fingerprint(),
                r.quantizedTensors(),
                r.floatNodes(),
                r.kernels(),
                r.agreement(),
                r.accuracy(),
                r.originalBytes(),
                bytes,
                r.keptFloat());
    }
}
