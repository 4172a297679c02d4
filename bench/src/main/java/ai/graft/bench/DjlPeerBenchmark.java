package ai.graft.bench;

import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.metric.Metrics;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.modality.cv.transform.CenterCrop;
import ai.djl.modality.cv.transform.Normalize;
import ai.djl.modality.cv.transform.ResizeShort;
import ai.djl.modality.cv.transform.ToTensor;
import ai.djl.modality.cv.translator.ImageClassificationTranslator;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The peer that Graft's classifier throughput is measured against: DJL's usual image classification
 * pipeline, set up the way DJL's documentation and examples do it.
 *
 * <p>The model runs on DJL's OnnxRuntime engine, loaded through {@link Criteria} with {@code
 * optEngine("OnnxRuntime")} and an {@link ImageClassificationTranslator}. Images are decoded by
 * DJL's default {@link ImageFactory} (ImageIO into a {@code BufferedImage}) and the image
 * operations ({@code ResizeShort}, {@code CenterCrop}, {@code ToTensor}, {@code Normalize}) run as
 * DJL {@code NDArray} operations on the PyTorch engine, which the OnnxRuntime engine uses as its
 * alternative engine for everything ONNX Runtime itself cannot do.
 *
 * <p>The translator is adapted to Caffe-style models such as SqueezeNet 1.1 from the ONNX model zoo
 * (BGR, 0-255, mean B 103.939 G 116.779 R 123.68, no std): {@code ResizeShort(256)}, {@code
 * CenterCrop(224, 224)}, {@code ToTensor} (HWC RGB 0-255 to CHW RGB 0-1), a channel flip to BGR,
 * and {@code Normalize(mean / 255, 1 / 255)}, which gives {@code pixel - mean} on the 0-255 scale.
 * The model's output is used as given (it is already softmax probabilities).
 *
 * <p>Not thread-safe: one instance runs one sequential, batch-1 benchmark.
 *
 * <pre>{@code
 * DjlPeerBenchmark.configureEngines(2);
 * try (DjlPeerBenchmark peer = DjlPeerBenchmark.create(model, labels, 2)) {
 *     DjlPeerBenchmark.Report report =
 *             peer.run(images, new DjlPeerBenchmark.Options(10, 400, System.err::println));
 *     System.out.println(report.imagesPerSecond());
 * }
 * }</pre>
 */
public final class DjlPeerBenchmark implements AutoCloseable {

    /** Shorter side after DJL's {@code ResizeShort}, as in DJL's ImageNet examples. */
    public static final int RESIZE_SHORT = 256;

    /** Model input width and height after {@code CenterCrop}. */
    public static final int CROP = 224;

    /** Caffe mean, in the model's channel order B, G, R, on the 0-255 scale. */
    private static final float[] CAFFE_MEAN_BGR = {103.939f, 116.779f, 123.68f};

    /**
     * How to run the benchmark.
     *
     * @param warmup images classified before timing starts
     * @param minClassifications the timed run cycles through the list until at least this many
     *     classifications were made (at least one pass over the list)
     * @param progress receives a line now and then; null for none
     */
    public record Options(int warmup, int minClassifications, Consumer<String> progress) {
        /** Validates the values. */
        public Options {
            if (warmup < 0 || minClassifications < 0) {
                throw new IllegalArgumentException(
                        "warmup and minClassifications must be >= 0, got "
                                + warmup
                                + " and "
                                + minClassifications);
            }
        }
    }

    /**
     * What one run measured. Times are means per classified image, in milliseconds.
     *
     * @param images distinct files in the list
     * @param classified timed classifications that succeeded
     * @param failed timed classifications that failed (decode or inference errors)
     * @param seconds wall time of the timed part
     * @param imagesPerSecond {@code classified / seconds}
     * @param decodeMs read the file and decode it ({@code ImageFactory.fromFile})
     * @param preprocessMs DJL's "Preprocess" metric: the translator's pipeline and batchify
     * @param inferenceMs DJL's "Inference" metric: the ONNX Runtime run
     * @param postprocessMs DJL's "Postprocess" metric plus taking the top 5
     * @param p50LatencyMs median end-to-end latency of one image
     * @param p95LatencyMs 95th percentile end-to-end latency of one image
     * @param threads the intra-op thread count given to ONNX Runtime and PyTorch
     */
    public record Report(
            int images,
            int classified,
            int failed,
            double seconds,
            double imagesPerSecond,
            double decodeMs,
            double preprocessMs,
            double inferenceMs,
            double postprocessMs,
            double p50LatencyMs,
            double p95LatencyMs,
            int threads) {}

    /**
     * The best class of one image.
     *
     * @param index class index in the model's output
     * @param label the label of that index
     * @param score its probability
     */
    public record Top1(int index, String label, double score) {}

    private final ZooModel<Image, Classifications> model;
    private final Predictor<Image, Classifications> predictor;
    private final ImageFactory imageFactory;
    private final int threads;
    private boolean closed;

    private DjlPeerBenchmark(ZooModel<Image, Classifications> model, int threads) {
        this.model = model;
        this.predictor = model.newPredictor();
        this.imageFactory = ImageFactory.getInstance();
        this.threads = threads;
    }

    /**
     * Sets the system properties that DJL reads when its engines start, so that nothing is
     * downloaded and PyTorch uses {@code threads} intra-op threads. Call before anything touches
     * DJL's engines; properties already set by the user are left alone.
     *
     * @param threads intra-op threads for PyTorch; 0 leaves PyTorch's default
     */
    public static void configureEngines(int threads) {
        setIfAbsent("ai.djl.offline", "true");
        if (System.getenv("PYTORCH_FLAVOR") == null) {
            // PyTorch natives come from the pytorch-native-cpu jar; skips DJL's CUDA probe.
            setIfAbsent("PYTORCH_FLAVOR", "cpu");
        }
        if (threads > 0) {
            setIfAbsent("ai.djl.pytorch.num_threads", Integer.toString(threads));
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /**
     * Loads DJL's OnnxRuntime engine (and so {@code OrtEnvironment}) now. DJL's engine creates the
     * ONNX Runtime environment with threading options, which ONNX Runtime refuses once an
     * environment exists; a process that also uses Graft's SDK must call this first.
     *
     * @return the engine's version
     */
    public static String initEngine() {
        try {
            return Engine.getEngine("OnnxRuntime").getVersion();
        } catch (ExceptionInInitializerError | NoClassDefFoundError e) {
            // DJL 0.35.1's OrtEngine always passes threading options to OrtEnvironment.
            throw new IllegalStateException(
                    "DJL's OnnxRuntime engine cannot start in this JVM: ONNX Runtime was used"
                            + " before it (an OrtEnvironment exists). Call"
                            + " DjlPeerBenchmark.initEngine() before anything else uses ONNX"
                            + " Runtime, or run the DJL peer in its own JVM",
                    e);
        }
    }

    /**
     * The translator: DJL's {@link ImageClassificationTranslator} with a pipeline for Caffe-style
     * models (see the class comment).
     *
     * @param labels class labels, index = class index
     * @return a new translator
     */
    public static Translator<Image, Classifications> newCaffeTranslator(List<String> labels) {
        float[] mean = new float[3];
        float[] std = new float[3];
        for (int c = 0; c < 3; c++) {
            // ToTensor scales to [0, 1]; (x/255 - m/255) / (1/255) = x - m on the 0-255 scale.
            mean[c] = CAFFE_MEAN_BGR[c] / 255f;
            std[c] = 1f / 255f;
        }
        return ImageClassificationTranslator.builder()
                .setImageSize(CROP, CROP)
                .addTransform(new ResizeShort(RESIZE_SHORT))
                .addTransform(new CenterCrop(CROP, CROP))
                .addTransform(new ToTensor())
                .addTransform(array -> array.flip(0)) // CHW RGB -> BGR
                .addTransform(new Normalize(mean, std))
                .optSynset(labels)
                .optApplySoftmax(false)
                .optTopK(5)
                .build();
    }

    /**
     * Loads {@code model} on DJL's OnnxRuntime engine, CPU, with the Caffe translator.
     *
     * @param modelFile the .onnx file
     * @param labels class labels, index = class index
     * @param threads ONNX Runtime intra-op threads; 0 leaves ONNX Runtime's default
     * @return a benchmark that owns the model and its predictor
     * @throws IOException if the model cannot be read or DJL cannot load it
     */
    public static DjlPeerBenchmark create(Path modelFile, List<String> labels, int threads)
            throws IOException {
        Objects.requireNonNull(modelFile, "modelFile");
        Objects.requireNonNull(labels, "labels");
        if (!Files.isRegularFile(modelFile)) {
            throw new IOException(
                    "Model file not found: " + modelFile + " (expected an .onnx file)");
        }
        Criteria.Builder<Image, Classifications> criteria =
                Criteria.builder()
                        .setTypes(Image.class, Classifications.class)
                        .optEngine("OnnxRuntime")
                        .optModelPath(modelFile)
                        .optTranslator(newCaffeTranslator(labels));
        if (threads > 0) {
            criteria.optOption("intraOpNumThreads", Integer.toString(threads));
        }
        try {
            return new DjlPeerBenchmark(criteria.build().loadModel(), threads);
        } catch (ModelNotFoundException | MalformedModelException e) {
            throw new IOException("DJL could not load " + modelFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads and decodes one image file with DJL's default {@link ImageFactory}.
     *
     * @param file the image file
     * @return the decoded image
     * @throws IOException if the file cannot be read or decoded
     */
    public Image decode(Path file) throws IOException {
        ensureOpen();
        return imageFactory.fromFile(file);
    }

    /**
     * Classifies one image file: decode, preprocess, infer, postprocess.
     *
     * @param file the image file
     * @return DJL's classifications (top 5)
     * @throws IOException if the file cannot be read or decoded
     * @throws TranslateException if DJL fails to preprocess, run or postprocess
     */
    public Classifications classify(Path file) throws IOException, TranslateException {
        return predictor.predict(decode(file));
    }

    /**
     * The best class of {@code classifications}, with its index (labels may repeat, ImageNet's do).
     *
     * @param classifications what {@link #classify} returned
     * @return index, label and score of the highest probability
     */
    public static Top1 top1(Classifications classifications) {
        List<Double> probabilities = classifications.getProbabilities();
        int best = 0;
        for (int i = 1; i < probabilities.size(); i++) {
            if (probabilities.get(i) > probabilities.get(best)) {
                best = i;
            }
        }
        return new Top1(best, classifications.getClassNames().get(best), probabilities.get(best));
    }

    /**
     * The indices of the {@code k} highest probabilities, best first.
     *
     * @param classifications what {@link #classify} returned
     * @param k how many
     * @return up to {@code k} class indices
     */
    public static List<Integer> topIndices(Classifications classifications, int k) {
        List<Double> probabilities = classifications.getProbabilities();
        List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < probabilities.size(); i++) {
            indices.add(i);
        }
        indices.sort((x, y) -> Double.compare(probabilities.get(y), probabilities.get(x)));
        return List.copyOf(indices.subList(0, Math.min(k, indices.size())));
    }

    /**
     * Classifies {@code images} sequentially, one at a time: first {@code options.warmup()}
     * untimed, then timed passes over the list until {@code options.minClassifications()} were
     * made. Each timed classification covers reading the file, decoding, preprocessing, inference
     * and postprocessing (top 5).
     *
     * @param images the image files
     * @param options warm-up and length
     * @return the measurements
     */
    public Report run(List<Path> images, Options options) {
        ensureOpen();
        if (images.isEmpty()) {
            throw new IllegalArgumentException("No images to benchmark");
        }
        Consumer<String> progress = options.progress() == null ? s -> {} : options.progress();
        for (int i = 0; i < options.warmup(); i++) {
            try {
                classify(images.get(i % images.size())).topK();
            } catch (IOException | TranslateException | RuntimeException e) {
                // counted in the timed part
            }
        }
        Metrics metrics = new Metrics();
        predictor.setMetrics(metrics);
        List<Double> latencies = new ArrayList<>();
        double decodeNs = 0;
        double topKNs = 0;
        int classified = 0;
        int failed = 0;
        int attempts = Math.max(options.minClassifications(), images.size());
        long start = System.nanoTime();
        for (int i = 0; classified < attempts && i < 2 * attempts; i++) {
            Path file = images.get(i % images.size());
            long t0 = System.nanoTime();
            try {
                Image image = decode(file);
                long t1 = System.nanoTime();
                Classifications result = predictor.predict(image);
                long t2 = System.nanoTime();
                result.topK();
                long t3 = System.nanoTime();
                decodeNs += t1 - t0;
                topKNs += t3 - t2;
                latencies.add((t3 - t0) / 1e6);
                classified++;
            } catch (IOException | TranslateException | RuntimeException e) {
                failed++;
                progress.accept("DJL failed on " + file + ": " + e.getMessage());
            }
            if ((i + 1) % 100 == 0) {
                progress.accept("DJL: " + (i + 1) + " classifications");
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        predictor.setMetrics(null);
        int n = Math.max(classified, 1);
        double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Report(
                images.size(),
                classified,
                failed,
                seconds,
                classified / seconds,
                decodeNs / n / 1e6,
                meanMs(metrics, "Preprocess"),
                meanMs(metrics, "Inference"),
                meanMs(metrics, "Postprocess") + topKNs / n / 1e6,
                percentile(sorted, 50),
                percentile(sorted, 95),
                threads);
    }

    private static double meanMs(Metrics metrics, String name) {
        // DJL's predictor records these in microseconds.
        return metrics.hasMetric(name) ? metrics.mean(name) / 1e3 : Double.NaN;
    }

    private static double percentile(double[] sorted, int p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("DjlPeerBenchmark is closed");
        }
    }

    /** Closes the predictor and the model. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            predictor.close();
        } finally {
            model.close();
        }
    }

    @Override
    public String toString() {
        return "DjlPeerBenchmark[engine=OnnxRuntime, threads="
                + threads
                + ", transforms="
                + Arrays.asList(
                        "ResizeShort(256)",
                        "CenterCrop(224,224)",
                        "ToTensor",
                        "flip(0) RGB->BGR",
                        "Normalize(caffe mean/255, 1/255)")
                + "]";
    }
}
