package ai.graft.trainer;

import ai.graft.converter.OnnxModels;
import ai.graft.converter.quantize.Int8Options;
import ai.graft.converter.quantize.LabelledImage;
import ai.graft.converter.quantize.ModelQuantizer;
import ai.graft.converter.quantize.Precision;
import ai.graft.converter.quantize.Tolerance;
import ai.graft.sdk.GraftException;
import ai.graft.trainer.data.DatasetException;
import ai.graft.trainer.data.ImageDataset;
import ai.graft.trainer.data.Sample;
import ai.graft.trainer.eval.QuantizationCheck;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Quantized versions of a trained or finished classifier, calibrated on training images: the link
 * between the trainer's datasets and the converter's {@link ModelQuantizer}, which does the work
 * (INT8 calibrated through the SDK's preprocessing, exactly as at inference; float16). {@code graft
 * train --quantize} keeps the quantized model only within the default {@link Tolerance} ({@link
 * #check}); {@code graft compare} keeps every one and reports its accuracy beside the float model's
 * ({@link #quantize}).
 *
 * <pre>{@code
 * ModelQuantizer.QuantizationResult r =
 *         QuantizedModels.quantize(Path.of("out/model.onnx"), Precision.INT8_QDQ, train, null);
 * OnnxModels.write(r.model(), Path.of("out").resolve(QuantizedModels.fileName(Precision.INT8_QDQ)));
 * }</pre>
 *
 * <p>Thread-safe: stateless.
 */
public final class QuantizedModels {
    /** The most training images that calibrate, spread evenly over the training set. */
    public static final int CALIBRATION_IMAGES = 200;

    private QuantizedModels() {}

    /**
     * The file name of a quantized model beside {@code model.onnx}.
     *
     * @param precision {@link Precision#INT8_QDQ} or {@link Precision#FP16}
     * @return {@code model-int8.onnx} or {@code model-fp16.onnx}
     * @throws IllegalArgumentException for {@link Precision#FP32}
     */
    public static String fileName(Precision precision) {
        return switch (precision) {
            case INT8_QDQ -> "model-int8.onnx";
            case FP16 -> "model-fp16.onnx";
            case FP32 -> throw new IllegalArgumentException("fp32 is the model itself");
        };
    }

    /**
     * Quantizes a classifier, calibrated (INT8) or checked (float16) on up to {@value
     * #CALIBRATION_IMAGES} training images, and measured against the original on labelled images
     * when they are given. Writes nothing.
     *
     * @param model the float32 classifier file
     * @param precision {@link Precision#INT8_QDQ} or {@link Precision#FP16}
     * @param train the training images
     * @param labelled images whose accuracy both models are measured on, or null
     * @return the quantized model and the quantizer's report
     * @throws DatasetException when INT8 has no training image file to calibrate on (IDX data is
     *     held in memory)
     * @throws GraftException when the quantizer refuses the model or cannot run it
     */
    public static ModelQuantizer.QuantizationResult quantize(
            Path model, Precision precision, ImageDataset train, ImageDataset labelled)
            throws GraftException {
        List<Path> images = calibrationImages(train);
        if (precision == Precision.INT8_QDQ && images.isEmpty()) {
            throw new DatasetException(
                    "INT8 calibrates on image files, and none of the "
                            + train.size()
                            + " training images is a file (IDX data is held in memory)");
        }
        return ModelQuantizer.quantize(
                model,
                precision,
                Int8Options.defaults(),
                images,
                labelled == null ? List.of() : labelledImages(labelled));
    }

    /**
     * Quantizes the exported model of a training run, measured on its validation images, and writes
     * it beside the model ({@link #fileName}) only when it stays within the default {@link
     * Tolerance}. Nothing is thrown: a refusal or a failure is in the check, and a quantized file
     * left by an earlier run is removed first, so that the folder holds no stale one.
     *
     * @param model the exported classifier
     * @param precision {@link Precision#INT8_QDQ} or {@link Precision#FP16}
     * @param train the run's training images
     * @param val the run's validation images
     * @param monitor where the finding goes
     * @return what was made, measured and kept
     */
    static QuantizationCheck check(
            Path model,
            Precision precision,
            ImageDataset train,
            ImageDataset val,
            TrainingMonitor monitor) {
        Path file = model.resolveSibling(fileName(precision));
        QuantizationCheck check;
        try {
            // A file left by an earlier run must not pass for this run's.
            Files.deleteIfExists(file);
            ModelQuantizer.QuantizationResult r = quantize(model, precision, train, val);
            double tolerance = Tolerance.defaultFor(r.report());
            boolean within = r.report().within(tolerance);
            if (within) {
                OnnxModels.write(r.model(), file);
            }
            check =
                    new QuantizationCheck(
                            model, precision, within ? file : null, r.report(), tolerance, null);
        } catch (IOException e) {
            String why = "cannot replace " + file + " (" + e + ")";
            check = new QuantizationCheck(model, precision, null, null, Double.NaN, why);
        } catch (GraftException | RuntimeException e) {
            String why = e.getMessage() != null ? e.getMessage() : e.toString();
            check = new QuantizationCheck(model, precision, null, null, Double.NaN, why);
        }
        monitor.log(
                String.format(Locale.ROOT, "quantized %s: %s", precision.label(), check.line()));
        return check;
    }

    /** Up to {@value #CALIBRATION_IMAGES} of the image files, spread evenly over the set. */
    private static List<Path> calibrationImages(ImageDataset train) {
        List<Path> files = new ArrayList<>();
        for (Sample s : train.samples()) {
            if (s.file() != null) {
                files.add(s.file());
            }
        }
        if (files.size() <= CALIBRATION_IMAGES) {
            return files;
        }
        List<Path> picked = new ArrayList<>(CALIBRATION_IMAGES);
        for (int i = 0; i < CALIBRATION_IMAGES; i++) {
            picked.add(files.get((int) ((long) i * files.size() / CALIBRATION_IMAGES)));
        }
        return picked;
    }

    /** The image files of a set with their class names (in-memory images are left out). */
    private static List<LabelledImage> labelledImages(ImageDataset set) {
        List<LabelledImage> out = new ArrayList<>();
        for (Sample s : set.samples()) {
            if (s.file() != null) {
                out.add(new LabelledImage(s.file(), set.classes().get(s.label())));
            }
        }
        return out;
    }
}
