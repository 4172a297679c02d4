package ai.graft.converter.quantize;

import ai.graft.converter.OnnxModels;
import ai.graft.converter.graph.ValueInfos;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ImageException;
import ai.graft.sdk.Images;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.OnnxRuntime;
import ai.graft.sdk.Preprocessing;
import ai.graft.sdk.TensorWriter;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Measures the ranges of inner tensors on calibration images: the tensors become extra graph
 * outputs, the images are decoded and preprocessed by the SDK exactly as at inference, and ONNX
 * Runtime runs them in batches where the model's batch dimension allows. A first pass finds each
 * tensor's smallest and largest value; for {@link CalibrationMethod#PERCENTILE} and {@link
 * CalibrationMethod#ENTROPY} a second pass fills a {@link Histogram} over that range. Memory holds
 * one batch's outputs and one histogram per tensor, whatever the number of images.
 */
final class Calibrator {
    /**
     * Images per run where the batch is dynamic: enough to use the cores, few enough for memory.
     */
    static final int MAX_BATCH = 4;

    /**
     * What a calibration measured.
     *
     * @param ranges the range of every requested tensor
     * @param images the images that were read, in order
     * @param skipped one message per image that could not be read
     */
    record Result(Map<String, TensorRange> ranges, List<Path> images, List<String> skipped) {}

    private final OrtEnvironment env = OnnxRuntime.environment();
    private final OrtSession session;
    private final String input;
    private final Preprocessing preprocessing;
    private final Set<String> tensors;
    private final int batch;

    private Calibrator(
            OrtSession session, String input, Preprocessing p, Set<String> tensors, int batch) {
        this.session = session;
        this.input = input;
        this.preprocessing = p;
        this.tensors = tensors;
        this.batch = batch;
    }

    /**
     * Calibrates a float model.
     *
     * @param model the float model
     * @param input the name of its image input
     * @param tensors the float tensors to measure (the image input among them or not)
     * @param images the calibration images
     * @param p the model's preprocessing
     * @param method how a range is chosen
     * @param percentile the percentile for {@link CalibrationMethod#PERCENTILE}
     * @return the ranges, and which images were used
     * @throws ImageException when none of the images can be read
     * @throws ModelException when ONNX Runtime cannot run the model
     */
    static Result run(
            ModelProto model,
            String input,
            Set<String> tensors,
            List<Path> images,
            Preprocessing p,
            CalibrationMethod method,
            double percentile)
            throws GraftException {
        ModelProto exposed = expose(model, tensors);
        long dim0 = batchDim(model, input);
        int batch = dim0 > 0 ? 1 : MAX_BATCH;
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions();
                OrtSession s =
                        OnnxRuntime.environment().createSession(OnnxModels.toBytes(exposed), so)) {
            return new Calibrator(s, input, p, tensors, batch)
                    .calibrate(images, method, percentile);
        } catch (OrtException e) {
            throw new ModelException(
                    "ONNX Runtime could not run the model for calibration: " + e.getMessage(), e);
        }
    }

    private Result calibrate(List<Path> images, CalibrationMethod method, double percentile)
            throws OrtException, ImageException {
        Map<String, float[]> minMax = new LinkedHashMap<>();
        List<Path> readable = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        forEachBatch(
                images,
                readable,
                skipped,
                outputs ->
                        outputs.forEach(
                                (name, values) -> {
                                    float[] m =
                                            minMax.computeIfAbsent(
                                                    name,
                                                    k ->
                                                            new float[] {
                                                                Float.POSITIVE_INFINITY,
                                                                Float.NEGATIVE_INFINITY
                                                            });
                                    for (int i = values.position(); i < values.limit(); i++) {
                                        float v = values.get(i);
                                        if (v < m[0]) {
                                            m[0] = v;
                                        }
                                        if (v > m[1]) {
                                            m[1] = v;
                                        }
                                    }
                                }));
        if (readable.isEmpty()) {
            throw new ImageException(
                    "None of the "
                            + images.size()
                            + " calibration image(s) could be read"
                            + (skipped.isEmpty() ? "" : ": " + skipped.get(0))
                            + "; give a folder of JPEG, PNG, BMP, GIF, TIFF or WebP images");
        }
        Map<String, TensorRange> ranges = new LinkedHashMap<>();
        if (method == CalibrationMethod.MINMAX) {
            minMax.forEach((name, m) -> ranges.put(name, range(m)));
            return new Result(ranges, readable, skipped);
        }
        Map<String, Histogram> histograms = new LinkedHashMap<>();
        minMax.forEach(
                (name, m) -> histograms.put(name, new Histogram(range(m).min(), range(m).max())));
        forEachBatch(
                readable,
                new ArrayList<>(),
                new ArrayList<>(),
                outputs -> outputs.forEach((name, values) -> histograms.get(name).add(values)));
        histograms.forEach(
                (name, h) ->
                        ranges.put(
                                name,
                                method == CalibrationMethod.PERCENTILE
                                        ? h.percentile(percentile)
                                        : h.entropy()));
        return new Result(ranges, readable, skipped);
    }

    private static TensorRange range(float[] m) {
        return m[0] <= m[1] ? new TensorRange(m[0], m[1]) : new TensorRange(0, 0);
    }

    /** What is done with one batch's tensors, by name. */
    private interface BatchConsumer {
        void accept(Map<String, FloatBuffer> outputs);
    }

    private void forEachBatch(
            List<Path> images, List<Path> readable, List<String> skipped, BatchConsumer consumer)
            throws OrtException {
        int perImage = preprocessing.channels() * preprocessing.height() * preprocessing.width();
        FloatBuffer buf = FloatBuffer.allocate(batch * perImage);
        int filled = 0;
        try (TensorWriter writer = preprocessing.newWriter()) {
            for (Path image : images) {
                try (Mat bgr =
                        Images.decode(
                                image,
                                Images.DEFAULT_MAX_PIXELS,
                                preprocessing.decodeShortSide())) {
                    writer.write(bgr, buf);
                } catch (ImageException e) {
                    skipped.add(e.getMessage());
                    continue;
                }
                readable.add(image);
                if (++filled == batch) {
                    runBatch(buf, filled, consumer);
                    filled = 0;
                }
            }
            if (filled > 0) {
                runBatch(buf, filled, consumer);
            }
        }
    }

    private void runBatch(FloatBuffer buf, int n, BatchConsumer consumer) throws OrtException {
        int perImage = preprocessing.channels() * preprocessing.height() * preprocessing.width();
        FloatBuffer in = FloatBuffer.wrap(buf.array(), 0, n * perImage);
        long[] shape =
                preprocessing.layout() == Preprocessing.Layout.NCHW
                        ? new long[] {
                            n,
                            preprocessing.channels(),
                            preprocessing.height(),
                            preprocessing.width()
                        }
                        : new long[] {
                            n,
                            preprocessing.height(),
                            preprocessing.width(),
                            preprocessing.channels()
                        };
        Map<String, FloatBuffer> outputs = new LinkedHashMap<>();
        try (OnnxTensor t = OnnxTensor.createTensor(env, in, shape);
                OrtSession.Result r = session.run(Map.of(input, t), outputNames())) {
            for (Map.Entry<String, OnnxValue> e : r) {
                outputs.put(e.getKey(), ((OnnxTensor) e.getValue()).getFloatBuffer());
            }
            if (tensors.contains(input)) {
                outputs.put(input, FloatBuffer.wrap(buf.array(), 0, n * perImage));
            }
            consumer.accept(outputs);
        }
        buf.clear();
    }

    private Set<String> outputNames() {
        Set<String> s = new HashSet<>(tensors);
        s.remove(input);
        return s;
    }

    /** The model with every measured inner tensor as an extra float output. */
    private static ModelProto expose(ModelProto model, Set<String> tensors) {
        GraphProto g = model.getGraph();
        Set<String> present = new HashSet<>();
        g.getOutputList().forEach(v -> present.add(v.getName()));
        g.getInputList().forEach(v -> present.add(v.getName()));
        GraphProto.Builder b = g.toBuilder();
        for (String t : tensors) {
            if (!present.contains(t)) {
                b.addOutput(ValueInfos.of(t, TensorProto.DataType.FLOAT_VALUE, null, null));
            }
        }
        return model.toBuilder().setGraph(b).build();
    }

    private static long batchDim(ModelProto model, String input) {
        for (ValueInfoProto v : model.getGraph().getInputList()) {
            if (v.getName().equals(input)) {
                long[] shape = ValueInfos.shape(v);
                return shape != null && shape.length > 0 ? shape[0] : -1;
            }
        }
        return -1;
    }
}
