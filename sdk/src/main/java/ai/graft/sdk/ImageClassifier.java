package ai.graft.sdk;

import ai.graft.sdk.internal.OrtEnvironments;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.awt.image.BufferedImage;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.bytedeco.javacv.Frame;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Classifies images with an ONNX image classifier on ONNX Runtime: decode, preprocess, run, and
 * turn the output into the top categories with their labels and probabilities.
 *
 * <pre>{@code
 * try (ImageClassifier classifier = ImageClassifier.createFromFile(Path.of("model.onnx"))) {
 *     Classification result = classifier.classify(Path.of("cat.jpg"));
 *     Category best = result.top().get(0);
 *     System.out.printf("%s %.3f%n", best.label(), best.score());
 * }
 * }</pre>
 *
 * <p><b>What the model must say.</b> Labels and preprocessing come from the options when given
 * there, else from the model card ({@code graft.*} metadata, see {@link ModelCard}); without a
 * card, labels come from Ultralytics' {@code names} metadata, else from {@code
 * <model-stem>.labels.txt} or {@code labels.txt} beside the model, and preprocessing from
 * Ultralytics' {@code imgsz} ({@link Preprocessing#unit}). When neither says, {@link #create}
 * refuses the model rather than guess. The model's input shape decides the layout (NCHW or NHWC, by
 * the rule of {@link InputShape}) and, for a one-channel input, gray; a change to the preprocessing
 * that this forces is logged.
 *
 * <p><b>Scores.</b> The output (named by the options, else by the card's {@code graft.output.name},
 * else the model's first output) must be {@code [N, classes]} or {@code [N, classes, 1, 1]}. When
 * the card says {@code logits} it gets a softmax, when it says {@code probabilities} it is used as
 * it is; without a card each row is taken as probabilities when all its values lie in [0, 1] and
 * they sum to 1 within 1e-3, and as logits (softmax) otherwise.
 *
 * <p><b>Unsafe and damaged models.</b> Before ONNX Runtime opens a file, {@link #create} checks it
 * with {@link ModelFiles#check}: weights kept in other files must lie inside the model's folder,
 * every weight must fit its declared shape, and the input must have a size an image model can have
 * (at most {@value ModelFiles#MAX_IMAGE_SIDE} pixels a side, one run's input at most 2 GiB). A
 * dynamic batch is split into runs that keep to that bound.
 *
 * <p><b>Threads.</b> One classifier may be used from many threads at once: they share one ONNX
 * Runtime session, and each call borrows its own preprocessor and tensor buffer from a pool.
 *
 * <p>A classifier holds native memory: close it. Using it after {@link #close()} throws {@link
 * IllegalStateException}.
 */
public final class ImageClassifier implements AutoCloseable {
    // The hot path, top to bottom: image -> input buffer (Worker.fill) -> tensor and ONNX Runtime
    // (run) -> categories (Scores.top). What the model is bound to (session, input, preprocessing,
    // output, labels) is decided once at load by ModelResolver, as a ModelBinding.

    private final Path modelPath;
    private final ImageClassifierOptions options;
    private final OrtEnvironment env;

    /** What load decided: session, input, preprocessing, output, labels, card. */
    private final ModelBinding model;

    private final Scores scores;
    private final WorkerPool workers;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean closed;

    /**
     * Loads a model with the default options: labels and preprocessing from the model (see the
     * class description).
     *
     * @param model the {@code .onnx} file
     * @return a classifier; close it
     * @throws ModelException when the file is missing, not ONNX, unsafe or damaged (see {@link
     *     ModelFiles}), not an image classifier, or lacks labels or preprocessing; the message
     *     names the file and what to do
     */
    public static ImageClassifier createFromFile(Path model) throws ModelException {
        return create(model, ImageClassifierOptions.defaults());
    }

    /**
     * Loads a model.
     *
     * @param model the {@code .onnx} file
     * @param options device, filters and overrides
     * @return a classifier; close it
     * @throws ModelException when the file is missing, not ONNX, unsafe or damaged (external data
     *     outside its folder, a weight that does not fit its shape, an input size no image model
     *     has: see {@link ModelFiles}), not an image classifier, or lacks labels or preprocessing,
     *     or they do not fit the model; the message names the file
     * @throws UnknownLabelException when an allowed or denied value is neither one of the model's
     *     labels nor a class index
     * @throws IllegalArgumentException when the options name an input or output the model does not
     *     have
     */
    public static ImageClassifier create(Path model, ImageClassifierOptions options)
            throws ModelException {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(options, "options");
        if (!Files.exists(model)) {
            throw new ModelException("Model file not found: " + model);
        }
        if (Files.isDirectory(model)) {
            throw new ModelException("Model path is a directory, expected an .onnx file: " + model);
        }
        if (!Files.isReadable(model)) {
            throw new ModelException("Model file is not readable: " + model);
        }
        try {
            if (Files.size(model) == 0) {
                throw new ModelException(
                        "Model file " + model + " is empty; expected an ONNX model (.onnx)");
            }
        } catch (java.io.IOException e) {
            throw new ModelException("Could not read model file " + model + ": " + e, e);
        }
        // ONNX Runtime follows external data wherever it points, and reports internal errors
        // for some malformed models: check the file first.
        ModelFiles.check(model);
        return new ImageClassifier(model, options);
    }

    private ImageClassifier(Path modelPath, ImageClassifierOptions options) throws ModelException {
        this.modelPath = modelPath;
        this.options = options;
        this.env = OrtEnvironments.get();
        this.model = ModelResolver.bind(env, modelPath, options);
        try {
            this.scores = Scores.create(model, options);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
        this.workers = new WorkerPool(() -> new Worker(model, options.maxImagePixels()));
    }

    // ---------------------------------------------------------------------------------------
    // Classification

    /**
     * Classifies an image file.
     *
     * @param image the file
     * @return the classification
     * @throws ImageException when the file is missing, does not decode, or is too large
     * @throws IllegalStateException when the classifier is closed
     */
    public Classification classify(Path image) throws ImageException {
        return classify(ImageInput.of(image));
    }

    /**
     * Classifies an encoded image held in memory.
     *
     * @param encoded the bytes of a JPEG, PNG or other file OpenCV decodes
     * @param name a name for messages
     * @return the classification
     * @throws ImageException when the bytes do not decode or the image is too large
     * @throws IllegalStateException when the classifier is closed
     */
    public Classification classify(byte[] encoded, String name) throws ImageException {
        return classify(ImageInput.of(encoded, name));
    }

    /**
     * Classifies an AWT image.
     *
     * @param image the image
     * @return the classification
     * @throws ImageException when the image cannot be converted
     * @throws IllegalStateException when the classifier is closed
     */
    public Classification classify(BufferedImage image) throws ImageException {
        return classify(ImageInput.of(image));
    }

    /**
     * Classifies an OpenCV image (8-bit BGR, gray or BGRA, or 16-bit); the {@code Mat} is only
     * read.
     *
     * @param image the image
     * @return the classification
     * @throws ImageException when the image is empty or of an unsupported type
     * @throws IllegalStateException when the classifier is closed
     */
    public Classification classify(Mat image) throws ImageException {
        return classify(ImageInput.of(image));
    }

    /**
     * Classifies a JavaCV frame, for example one from a {@code FrameGrabber}, before the next grab.
     *
     * @param frame the frame
     * @return the classification
     * @throws ImageException when the frame holds no image
     * @throws IllegalStateException when the classifier is closed
     */
    public Classification classify(Frame frame) throws ImageException {
        return classify(ImageInput.of(frame));
    }

    /**
     * Classifies an image.
     *
     * @param image the image
     * @return the classification
     * @throws ImageException when the image cannot be read, decoded or converted
     * @throws IllegalStateException when the classifier is closed, or the model's output is an
     *     embedding (use {@link #embed})
     */
    public Classification classify(ImageInput image) throws ImageException {
        Objects.requireNonNull(image, "image");
        return classifyBatch(List.of(image)).get(0);
    }

    /**
     * Classifies several images with one ONNX Runtime run (when the model's batch dimension is
     * fixed at 1, with one run per image instead). In the results, each image's decode and
     * preprocess times are its own; the run's inference and postprocess times are shared out
     * evenly, and {@code latencyMs} is the sum of the image's stages.
     *
     * @param images the images
     * @return one classification per image, in order
     * @throws ImageException when an image cannot be read, decoded or converted (the message names
     *     it)
     * @throws IllegalStateException when the classifier is closed, or the model's output is an
     *     embedding
     */
    public List<Classification> classifyBatch(List<ImageInput> images) throws ImageException {
        Objects.requireNonNull(images, "images");
        if (model.outputKind() == OutputKind.EMBEDDING || model.labels() == null) {
            checkOpen();
            throw new IllegalStateException(
                    "Model "
                            + modelPath
                            + " outputs an embedding ('"
                            + model.outputName()
                            + "'), not class scores; use embed(...)");
        }
        List<Classification> results = new ArrayList<>(images.size());
        int maxBatch = model.maxBatch();
        for (int from = 0; from < images.size(); from += maxBatch) {
            int to = (int) Math.min(images.size(), (long) from + maxBatch);
            results.addAll(runChunk(images.subList(from, to)));
        }
        return results;
    }

    /** Classifies at most one run's images: fill the input, run, score each row. */
    private List<Classification> runChunk(List<ImageInput> images) throws ImageException {
        int n = images.size();
        if (n == 0) {
            return List.of();
        }
        lock.readLock().lock();
        try {
            checkOpen();
            Worker w = workers.borrow();
            try {
                Worker.Filled input = w.fill(images, model.rowsFor(n));
                long t0 = System.nanoTime();
                float[] out = run(w, input, model.outputName());
                double inferMs = (System.nanoTime() - t0) / 1e6 / n;
                int width = out.length / input.rows();
                if (width != model.numClasses()) {
                    throw new IllegalStateException(
                            "Model "
                                    + modelPath
                                    + " returned "
                                    + width
                                    + " values per image from '"
                                    + model.outputName()
                                    + "', expected "
                                    + model.numClasses());
                }
                List<Classification> results = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    long p0 = System.nanoTime();
                    List<Category> top = scores.top(out, i * width, w.scores());
                    double postMs = (System.nanoTime() - p0) / 1e6;
                    StageTimings st =
                            new StageTimings(
                                    input.decodeMs()[i], input.preprocessMs()[i], inferMs, postMs);
                    results.add(new Classification(top, st.totalMs(), st));
                }
                return results;
            } finally {
                workers.release(w);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The output {@link #embed(ImageInput, String)} reads: the one named, else the card's {@code
     * graft.embedding.output}; lets a caller check the name before it has images.
     *
     * @param outputName the output's name; null for the card's
     * @return the output's name
     * @throws IllegalArgumentException when the model has no such output, or none is named and the
     *     card names none
     */
    public String embeddingOutput(String outputName) {
        ModelSignature signature = model.signature();
        String name = outputName != null ? outputName : model.card().embeddingOutputName();
        if (name == null) {
            throw new IllegalArgumentException(
                    "No output named and the model card names no embedding output"
                            + " (graft.embedding.output); expected one of "
                            + signature.outputNames());
        }
        if (!signature.outputNames().contains(name)) {
            throw new IllegalArgumentException(
                    "Unknown output '" + name + "', expected one of " + signature.outputNames());
        }
        return name;
    }

    /**
     * The flattened values of a named output for one image, for example a feature vector for
     * retrieval or for training a small head.
     *
     * @param image the image
     * @param outputName the output's name; null for the card's {@code graft.embedding.output}
     * @return the output's values for this image, flattened in row-major order
     * @throws ImageException when the image cannot be read, decoded or converted
     * @throws IllegalArgumentException when the model has no such output, or none is named and the
     *     card names none
     * @throws IllegalStateException when the classifier is closed
     */
    public float[] embed(ImageInput image, String outputName) throws ImageException {
        Objects.requireNonNull(image, "image");
        String name = embeddingOutput(outputName);
        lock.readLock().lock();
        try {
            checkOpen();
            Worker w = workers.borrow();
            try {
                Worker.Filled input = w.fill(List.of(image), model.rowsFor(1));
                float[] out = run(w, input, name);
                return input.rows() == 1 ? out : Arrays.copyOf(out, out.length / input.rows());
            } finally {
                workers.release(w);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Times ONNX Runtime alone: one image is preprocessed once, then its tensor is run {@code
     * warmup + runs} times. Used by {@link ClassifierBenchmark}.
     *
     * @return the milliseconds of each of the {@code runs} timed runs
     */
    double[] timeInferenceOnly(ImageInput image, int warmup, int runs) throws ImageException {
        lock.readLock().lock();
        try {
            checkOpen();
            Worker w = workers.borrow();
            try {
                Worker.Filled input = w.fill(List.of(image), model.rowsFor(1));
                double[] ms = new double[runs];
                try (OnnxTensor t = inputTensor(w, input)) {
                    Map<String, OnnxTensor> feed = Map.of(model.inputName(), t);
                    Set<String> want = Set.of(model.outputName());
                    for (int i = 0; i < warmup + runs; i++) {
                        long t0 = System.nanoTime();
                        try (OrtSession.Result r = model.session().run(feed, want)) {
                            if (i >= warmup) {
                                ms[i - warmup] = (System.nanoTime() - t0) / 1e6;
                            }
                        }
                    }
                } catch (OrtException e) {
                    throw new IllegalStateException(
                            "ONNX Runtime failed to run model " + modelPath + ": " + e.getMessage(),
                            e);
                }
                return ms;
            } finally {
                workers.release(w);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The input tensor over the worker's filled buffer (float16 in the worker's own buffer). */
    private OnnxTensor inputTensor(Worker w, Worker.Filled input) throws OrtException {
        FloatBuffer buf = input.buffer();
        return InputTensors.create(
                env,
                buf,
                model.inputShape(input.rows()),
                model.fp16Input(),
                model.fp16Input() ? w.halfBuffer(buf.remaining()) : null);
    }

    /** Runs the model on a filled input and returns the named output's values, as floats. */
    private float[] run(Worker w, Worker.Filled input, String output) {
        try (OnnxTensor t = inputTensor(w, input);
                OrtSession.Result r =
                        model.session().run(Map.of(model.inputName(), t), Set.of(output))) {
            OnnxValue v = r.get(0);
            if (!(v instanceof OnnxTensor ot)) {
                throw new IllegalStateException(
                        "Output '" + output + "' of model " + modelPath + " is not a tensor");
            }
            if (ot.getInfo().type == OnnxJavaType.DOUBLE) {
                DoubleBuffer db = ot.getDoubleBuffer();
                float[] f = new float[db.remaining()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) db.get(i);
                }
                return f;
            }
            FloatBuffer fb = ot.getFloatBuffer();
            if (fb == null) {
                throw new IllegalStateException(
                        "Output '"
                                + output
                                + "' of model "
                                + modelPath
                                + " holds "
                                + ot.getInfo().type
                                + ", expected floats");
            }
            float[] f = new float[fb.remaining()];
            fb.get(f);
            return f;
        } catch (OrtException e) {
            throw new IllegalStateException(
                    "ONNX Runtime failed to run model " + modelPath + ": " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Accessors and closing

    /**
     * The effective model card: the labels, preprocessing and output used, after the options'
     * overrides and the conventions for models without a card; the model's own provenance in {@link
     * ModelCard#extra()}. Its {@link ModelCard#output()} is null when the kind is decided per row
     * (see the class description).
     *
     * @return the card
     */
    public ModelCard card() {
        return model.card();
    }

    /**
     * The device in use: {@link Device#CUDA} or {@link Device#CPU}, after any fallback.
     *
     * @return the device, never {@link Device#AUTO}
     */
    public Device device() {
        return model.device();
    }

    /**
     * The model's inputs, outputs and metadata.
     *
     * @return the signature
     */
    public ModelSignature signature() {
        return model.signature();
    }

    /**
     * The options this classifier was created with.
     *
     * @return the options
     */
    public ImageClassifierOptions options() {
        return options;
    }

    /**
     * The model file.
     *
     * @return the path given to {@link #create}
     */
    public Path modelPath() {
        return modelPath;
    }

    /**
     * The preprocessing used, after fitting it to the model's input (also in {@link #card()}).
     *
     * @return the preprocessing
     */
    public Preprocessing preprocessing() {
        return model.preprocessing();
    }

    /**
     * The labels used, index = class index (also in {@link #card()}).
     *
     * @return an unmodifiable list; null for an embedding model
     */
    public List<String> labels() {
        return model.labels();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("ImageClassifier for " + modelPath + " is closed");
        }
    }

    /**
     * Releases the ONNX Runtime session and the per-thread buffers. Waits for calls in progress to
     * finish. Calling it again does nothing.
     */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            workers.close();
            model.close();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "ImageClassifier["
                + modelPath
                + ", "
                + model.device()
                + (closed ? ", closed" : "")
                + "]";
    }
}
