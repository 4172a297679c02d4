package ai.graft.sdk;

import ai.graft.sdk.internal.ImageDecoder;
import ai.graft.sdk.internal.Labels;
import ai.graft.sdk.internal.OrtEnvironments;
import ai.graft.sdk.internal.Preprocessor;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.platform.Fp16Conversions;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * refuses the model rather than guess. The model's input shape decides the layout (NCHW or NHWC)
 * and, for a one-channel input, gray; a change to the preprocessing that this forces is logged.
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
    private static final Logger LOG = LoggerFactory.getLogger(ImageClassifier.class);

    private static final String HOW_TO_SUPPLY =
            "Supply them with --labels FILE / --preprocess imagenet|caffe|raw|unit|JSON"
                    + " (ImageClassifierOptions.labelsFile / .preprocessing), put a labels.txt"
                    + " beside the model, or write a card into the model with `graft annotate`.";

    private final Path modelPath;
    private final ImageClassifierOptions options;
    private final OrtEnvironment env;
    private final OrtSession.SessionOptions sessionOptions;
    private final OrtSession session;
    private final Device device;
    private final ModelSignature signature;
    private final ModelCard card;
    private final String inputName;

    /** Whether the input is float16: preprocessed floats are converted before each run. */
    private final boolean fp16Input;

    /** Most images per ORT run: the batch dimension when the model fixes it, else unlimited. */
    private final int maxBatch;

    /** The batch size the model's input fixes (> 1), padded up to; 0 when dynamic. */
    private final int fixedBatch;

    private final String outputName;
    private final int numClasses;
    private final OutputKind outputKind;
    private final List<String> labels;
    private final boolean[] allowed;
    private final Preprocessing preprocessing;
    private final int imageFloats;
    private final long[] imageDims;

    private final ConcurrentLinkedDeque<Worker> idle = new ConcurrentLinkedDeque<>();
    private final List<Worker> workers = new ArrayList<>();
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

    private ImageClassifier(Path model, ImageClassifierOptions options) throws ModelException {
        this.modelPath = model;
        this.options = options;
        this.env = OrtEnvironments.get();
        Opened opened = open(model, options);
        this.sessionOptions = opened.options;
        this.session = opened.session;
        this.device = opened.device;
        try {
            Resolved r = resolve();
            this.signature = r.signature;
            this.inputName = r.inputName;
            this.fp16Input = r.fp16Input;
            this.maxBatch = r.maxBatch;
            this.fixedBatch = r.fixedBatch;
            this.preprocessing = r.preprocessing;
            this.imageFloats =
                    preprocessing.channels() * preprocessing.width() * preprocessing.height();
            this.imageDims =
                    preprocessing.layout() == Preprocessing.Layout.NCHW
                            ? new long[] {
                                preprocessing.channels(),
                                preprocessing.height(),
                                preprocessing.width()
                            }
                            : new long[] {
                                preprocessing.height(),
                                preprocessing.width(),
                                preprocessing.channels()
                            };
            this.outputName = r.outputName;
            this.outputKind = r.outputKind;
            int classes = r.numClasses;
            if (classes <= 0 && r.outputKind != OutputKind.EMBEDDING) {
                classes = probeOutputWidth();
            }
            this.numClasses = classes;
            this.labels = resolveLabels(r);
            this.card =
                    new ModelCard(
                            r.sourceCard.version() > 0 ? r.sourceCard.version() : ModelCard.VERSION,
                            labels,
                            preprocessing,
                            outputKind,
                            outputName,
                            r.sourceCard.extra());
            this.allowed = allowedMask();
        } catch (ModelException | RuntimeException e) {
            closeQuietly();
            throw e;
        }
        LOG.debug(
                "Loaded {} on {}: input {} {}, output {} ({} classes), preprocessing {}",
                model,
                device,
                inputName,
                Arrays.toString(signature.inputShape()),
                outputName,
                numClasses,
                preprocessing);
    }

    // ---------------------------------------------------------------------------------------
    // Loading

    private record Opened(OrtSession.SessionOptions options, OrtSession session, Device device) {}

    private Opened open(Path model, ImageClassifierOptions o) throws ModelException {
        Device wanted = o.device();
        if (wanted == Device.CUDA || wanted == Device.AUTO) {
            OrtSession.SessionOptions so = null;
            try {
                so = baseOptions(o);
                so.addCUDA(o.deviceId());
                OrtSession s = env.createSession(model.toString(), so);
                return new Opened(so, s, Device.CUDA);
            } catch (OrtException | RuntimeException | LinkageError e) {
                if (so != null) {
                    so.close();
                }
                if (isNotOnnx(e)) {
                    throw notOnnx(model, e);
                }
                String reason = e.getMessage() == null ? e.toString() : e.getMessage().strip();
                if (wanted == Device.CUDA) {
                    LOG.warn(
                            "CUDA device {} cannot be used for {}, running on CPU instead: {}",
                            o.deviceId(),
                            model,
                            reason);
                } else {
                    LOG.debug("CUDA not available for {}, using CPU: {}", model, reason);
                }
            }
        }
        OrtSession.SessionOptions so = null;
        try {
            so = baseOptions(o);
            OrtSession s = env.createSession(model.toString(), so);
            return new Opened(so, s, Device.CPU);
        } catch (OrtException e) {
            if (so != null) {
                so.close();
            }
            if (isNotOnnx(e)) {
                throw notOnnx(model, e);
            }
            throw new ModelException(
                    "ONNX Runtime cannot load model " + model + ": " + e.getMessage(), e);
        }
    }

    private static OrtSession.SessionOptions baseOptions(ImageClassifierOptions o)
            throws OrtException {
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        try {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (o.intraOpThreads() > 0) {
                so.setIntraOpNumThreads(o.intraOpThreads());
            }
            return so;
        } catch (OrtException e) {
            so.close();
            throw e;
        }
    }

    private static boolean isNotOnnx(Throwable e) {
        String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        return m.contains("protobuf parsing failed") || m.contains("no graph was found");
    }

    private static ModelException notOnnx(Path model, Throwable e) {
        return new ModelException(
                "Not an ONNX model: "
                        + model
                        + " (ONNX Runtime could not parse it: "
                        + String.valueOf(e.getMessage()).strip()
                        + "). Expected an .onnx file exported by PyTorch, TensorFlow, Ultralytics"
                        + " or Graft.",
                e);
    }

    private record Resolved(
            ModelSignature signature,
            String inputName,
            int maxBatch,
            int fixedBatch,
            Preprocessing preprocessing,
            String outputName,
            int numClasses,
            OutputKind outputKind,
            ModelCard sourceCard,
            Map<String, String> metadata,
            boolean fp16Input) {}

    private Resolved resolve() throws ModelException {
        Map<String, NodeInfo> inputs;
        Map<String, NodeInfo> outputs;
        Map<String, String> metadata;
        String producer;
        String graphName;
        try {
            inputs = session.getInputInfo();
            outputs = session.getOutputInfo();
            var md = session.getMetadata();
            metadata = md.getCustomMetadata();
            producer = md.getProducerName();
            graphName = md.getGraphName();
        } catch (OrtException e) {
            throw new ModelException("Cannot read the inputs and outputs of model " + modelPath, e);
        }

        // --- input
        String in = options.inputName();
        if (in != null && !inputs.containsKey(in)) {
            throw new IllegalArgumentException(
                    "Unknown input '" + in + "', expected one of " + inputs.keySet());
        }
        if (in == null) {
            List<String> images = new ArrayList<>();
            for (Map.Entry<String, NodeInfo> e : inputs.entrySet()) {
                if (isImageInput(e.getValue())) {
                    images.add(e.getKey());
                }
            }
            if (images.size() == 1) {
                in = images.get(0);
            } else if (images.isEmpty()) {
                throw new ModelException(
                        "Model "
                                + modelPath
                                + " has no image input: expected a 4-D float (or float16) tensor"
                                + " [N, 3, H, W]"
                                + " (or [N, H, W, 3], or 1 channel for gray), but its inputs are "
                                + describe(inputs));
            } else {
                throw new ModelException(
                        "Model "
                                + modelPath
                                + " has several image inputs "
                                + images
                                + "; choose one with ImageClassifierOptions.inputName");
            }
        } else if (!isImageInput(inputs.get(in))) {
            throw new ModelException(
                    "Input '"
                            + in
                            + "' of model "
                            + modelPath
                            + " is not an image: expected a 4-D float tensor [N, 3, H, W], got "
                            + describe(Map.of(in, inputs.get(in))));
        }
        if (inputs.size() > 1) {
            throw new ModelException(
                    "Model "
                            + modelPath
                            + " has "
                            + inputs.size()
                            + " inputs "
                            + describe(inputs)
                            + "; Graft feeds one image input and cannot supply the others");
        }
        long[] inShape = ((TensorInfo) inputs.get(in).getInfo()).getShape();
        boolean fp16 = ((TensorInfo) inputs.get(in).getInfo()).type == OnnxJavaType.FLOAT16;
        int elementType = fp16 ? 10 : 1; // TensorProto.DataType FLOAT16, FLOAT
        int elementBytes = fp16 ? 2 : 4;
        ModelFiles.checkInputShape(modelPath.toString(), in, inShape, elementType);
        // Within the bounds just checked, a fixed batch fits an int.
        int fixedBatch = inShape[0] > 1 ? (int) inShape[0] : 0;

        // --- outputs and signature
        List<String> outNames = new ArrayList<>(outputs.keySet());
        List<long[]> outShapes = new ArrayList<>();
        for (NodeInfo n : outputs.values()) {
            outShapes.add(n.getInfo() instanceof TensorInfo t ? t.getShape() : new long[0]);
        }
        ModelSignature sig =
                new ModelSignature(in, inShape, outNames, outShapes, metadata, producer, graphName);

        // --- model input geometry
        Preprocessing.Layout modelLayout = null;
        int modelChannels = -1;
        if (inShape[1] == 1 || inShape[1] == 3) {
            modelLayout = Preprocessing.Layout.NCHW;
            modelChannels = (int) inShape[1];
        } else if (inShape[3] == 1 || inShape[3] == 3) {
            modelLayout = Preprocessing.Layout.NHWC;
            modelChannels = (int) inShape[3];
        }
        Preprocessing.Layout sizeLayout =
                modelLayout != null ? modelLayout : Preprocessing.Layout.NCHW;
        long mh = sizeLayout == Preprocessing.Layout.NCHW ? inShape[2] : inShape[1];
        long mw = sizeLayout == Preprocessing.Layout.NCHW ? inShape[3] : inShape[2];
        int modelH = mh > 0 && mh <= Integer.MAX_VALUE ? (int) mh : 0;
        int modelW = mw > 0 && mw <= Integer.MAX_VALUE ? (int) mw : 0;

        // --- card
        Map<String, String> cardProps = metadata;
        if (options.preprocessing() != null || options.preprocessingSpec() != null) {
            // Overridden: the card's preprocessing need not even be readable.
            cardProps = new java.util.LinkedHashMap<>(metadata);
            cardProps.remove(ModelCard.KEY_PREPROCESS);
        }
        ModelCard src;
        try {
            src = ModelCard.fromMetadata(cardProps, modelW, modelH);
        } catch (ModelException e) {
            throw new ModelException(
                    "Model "
                            + modelPath
                            + " has an invalid model card: "
                            + e.getMessage()
                            + (modelW == 0 || modelH == 0
                                    ? " (the model's input size is dynamic, so the card must give"
                                            + " width and height)"
                                    : ""),
                    e);
        }

        // --- output
        String out = options.outputName();
        if (out != null && !outputs.containsKey(out)) {
            throw new IllegalArgumentException(
                    "Unknown output '" + out + "', expected one of " + outNames);
        }
        if (out == null && src.outputName() != null) {
            out = src.outputName();
            if (!outputs.containsKey(out)) {
                throw new ModelException(
                        "Model card of "
                                + modelPath
                                + " names output '"
                                + out
                                + "' (graft.output.name), but the model's outputs are "
                                + outNames);
            }
        }
        if (out == null) {
            out = outNames.get(0);
        }
        OutputKind kind = src.output();
        if (options.outputName() != null
                && src.outputName() != null
                && !options.outputName().equals(src.outputName())) {
            // The card's kind describes its own output, not the one chosen instead.
            kind = null;
        }
        NodeInfo outInfo = outputs.get(out);
        int classes = -1;
        if (kind != OutputKind.EMBEDDING) {
            classes = classesOf(out, outInfo);
        }

        // --- preprocessing
        Preprocessing p = choosePreprocessing(src, metadata, modelW, modelH);
        if (p == null) {
            boolean labelsKnown =
                    options.labels() != null
                            || options.labelsFile() != null
                            || src.labels() != null
                            || metadata.get("names") != null
                            || besideLabels() != null;
            throw new ModelException(
                    "Model "
                            + modelPath
                            + (labelsKnown
                                    ? " does not say how to preprocess images"
                                    : " has no labels and does not say how to preprocess images")
                            + ": it has no Graft model card (graft.* metadata) and no Ultralytics"
                            + (labelsKnown ? " imgsz" : " names/imgsz")
                            + " metadata, and none was given. Graft does not guess. "
                            + HOW_TO_SUPPLY);
        }
        p = fitToModel(p, modelLayout, modelChannels, modelW, modelH);
        // A dynamic input takes its size from the preprocessing: the same bounds apply to it.
        long rows = Math.max(1, fixedBatch);
        long[] runShape =
                p.layout() == Preprocessing.Layout.NCHW
                        ? new long[] {rows, p.channels(), p.height(), p.width()}
                        : new long[] {rows, p.height(), p.width(), p.channels()};
        ModelFiles.checkInputShape(
                modelPath + " (with preprocessing " + p.toJson() + ")", in, runShape, elementType);
        // A dynamic batch is split so that one run's input fits one buffer.
        long imageBytes = (long) elementBytes * p.channels() * p.height() * p.width();
        int maxBatch =
                inShape[0] > 0
                        ? (int) inShape[0]
                        : (int)
                                Math.min(
                                        Integer.MAX_VALUE, ModelFiles.MAX_INPUT_BYTES / imageBytes);

        return new Resolved(
                sig, in, maxBatch, fixedBatch, p, out, classes, kind, src, metadata, fp16);
    }

    private static boolean isImageInput(NodeInfo n) {
        if (!(n.getInfo() instanceof TensorInfo t)) {
            return false;
        }
        return (t.type == OnnxJavaType.FLOAT || t.type == OnnxJavaType.FLOAT16)
                && t.getShape().length == 4;
    }

    private static String describe(Map<String, NodeInfo> nodes) {
        StringBuilder sb = new StringBuilder("[");
        for (Map.Entry<String, NodeInfo> e : nodes.entrySet()) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append(e.getKey()).append(' ');
            if (e.getValue().getInfo() instanceof TensorInfo t) {
                sb.append(t.onnxType.name().replace("ONNX_TENSOR_ELEMENT_DATA_TYPE_", ""))
                        .append(' ')
                        .append(Arrays.toString(t.getShape()));
            } else {
                sb.append(e.getValue().getInfo());
            }
        }
        return sb.append(']').toString();
    }

    private int classesOf(String out, NodeInfo info) throws ModelException {
        if (!(info.getInfo() instanceof TensorInfo t)) {
            throw new ModelException(
                    "Output '"
                            + out
                            + "' of model "
                            + modelPath
                            + " is not a tensor ("
                            + info.getInfo()
                            + "); choose another output with ImageClassifierOptions.outputName");
        }
        if (t.type != OnnxJavaType.FLOAT
                && t.type != OnnxJavaType.FLOAT16
                && t.type != OnnxJavaType.BFLOAT16
                && t.type != OnnxJavaType.DOUBLE) {
            throw new ModelException(
                    "Output '"
                            + out
                            + "' of model "
                            + modelPath
                            + " holds "
                            + t.type
                            + ", expected float scores");
        }
        long[] s = t.getShape();
        boolean ok =
                s.length == 2
                        || (s.length == 4 && (s[2] == 1 || s[2] < 0) && (s[3] == 1 || s[3] < 0));
        if (!ok) {
            throw new ModelException(
                    "Output '"
                            + out
                            + "' of model "
                            + modelPath
                            + " has shape "
                            + Arrays.toString(s)
                            + ", expected [N, classes] or [N, classes, 1, 1]; choose another"
                            + " output with ImageClassifierOptions.outputName");
        }
        return s[1] > 0 && s[1] <= Integer.MAX_VALUE ? (int) s[1] : -1;
    }

    private Preprocessing choosePreprocessing(
            ModelCard src, Map<String, String> metadata, int modelW, int modelH)
            throws ModelException {
        if (options.preprocessing() != null) {
            return options.preprocessing();
        }
        if (options.preprocessingSpec() != null) {
            try {
                return Preprocessing.parse(options.preprocessingSpec(), modelW, modelH);
            } catch (IllegalArgumentException e) {
                if (modelW == 0 || modelH == 0) {
                    throw new ModelException(
                            "Model "
                                    + modelPath
                                    + " has a dynamic input size and the preprocessing '"
                                    + options.preprocessingSpec()
                                    + "' does not give one ("
                                    + e.getMessage()
                                    + "); give it as JSON, e.g."
                                    + " {\"width\":224,\"height\":224,...}",
                            e);
                }
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
        if (src.preprocessing() != null) {
            return src.preprocessing();
        }
        String imgsz = metadata.get("imgsz");
        if (imgsz != null) {
            try {
                int[] hw = Labels.parseUltralyticsImgsz(imgsz);
                LOG.debug("Preprocessing of {} from Ultralytics imgsz {}", modelPath, imgsz);
                return Preprocessing.unit(hw[1], hw[0]);
            } catch (IllegalArgumentException e) {
                throw new ModelException(
                        "Model "
                                + modelPath
                                + " has invalid Ultralytics metadata imgsz: "
                                + e.getMessage(),
                        e);
            }
        }
        return null;
    }

    private Preprocessing fitToModel(
            Preprocessing p,
            Preprocessing.Layout modelLayout,
            int modelChannels,
            int modelW,
            int modelH)
            throws ModelException {
        Preprocessing.Builder b = null;
        if (modelLayout != null && modelLayout != p.layout()) {
            LOG.info(
                    "Model {} takes {} input; using layout {} instead of {}",
                    modelPath,
                    modelLayout,
                    modelLayout,
                    p.layout());
            b = p.toBuilder().layout(modelLayout);
        }
        if (modelChannels == 1 && p.channels() == 3) {
            float[] mean = p.mean();
            float[] std = p.std();
            if (mean[0] != mean[1] || mean[0] != mean[2] || std[0] != std[1] || std[0] != std[2]) {
                throw new ModelException(
                        "Model "
                                + modelPath
                                + " takes 1 channel (gray), but the preprocessing is "
                                + p.colorOrder()
                                + " with a different mean or std per channel; give a GRAY"
                                + " preprocessing, e.g. {\"color\":\"GRAY\",...}");
            }
            LOG.info("Model {} takes 1 channel; converting images to GRAY", modelPath);
            b =
                    (b == null ? p.toBuilder() : b)
                            .colorOrder(Preprocessing.ColorOrder.GRAY)
                            .mean(mean[0])
                            .std(std[0]);
        } else if (modelChannels == 3 && p.channels() == 1) {
            throw new ModelException(
                    "Model "
                            + modelPath
                            + " takes 3 channels, but the preprocessing is GRAY (1 channel); give"
                            + " an RGB or BGR preprocessing");
        }
        if (b != null) {
            p = b.build();
        }
        if ((modelW > 0 && modelW != p.width()) || (modelH > 0 && modelH != p.height())) {
            throw new ModelException(
                    "Model "
                            + modelPath
                            + " takes "
                            + modelW
                            + "x"
                            + modelH
                            + " images (width x height), but the preprocessing makes "
                            + p.width()
                            + "x"
                            + p.height()
                            + "; give a preprocessing of the model's size");
        }
        return p;
    }

    private List<String> resolveLabels(Resolved r) throws ModelException {
        List<String> l;
        String source;
        if (options.labels() != null) {
            l = options.labels();
            source = "the labels option";
        } else if (options.labelsFile() != null) {
            l = Labels.read(options.labelsFile());
            source = "labels file " + options.labelsFile();
        } else if (r.sourceCard.labels() != null) {
            l = r.sourceCard.labels();
            source = "the model card (graft.labels)";
        } else if (r.metadata.get("names") != null) {
            try {
                l = Labels.parseUltralyticsNames(r.metadata.get("names"));
            } catch (IllegalArgumentException e) {
                throw new ModelException(
                        "Model "
                                + modelPath
                                + " has invalid Ultralytics metadata names: "
                                + e.getMessage(),
                        e);
            }
            source = "Ultralytics metadata (names)";
        } else {
            Path beside = besideLabels();
            if (beside != null) {
                l = Labels.read(beside);
                source = "labels file " + beside;
            } else if (outputKind == OutputKind.EMBEDDING) {
                return null;
            } else {
                throw new ModelException(
                        "Model "
                                + modelPath
                                + " has no labels: no Graft model card (graft.labels), no"
                                + " Ultralytics names metadata, no "
                                + stem(modelPath)
                                + ".labels.txt or labels.txt beside it, and no labels were given."
                                + " Graft does not guess. "
                                + HOW_TO_SUPPLY);
            }
        }
        if (numClasses > 0 && l.size() != numClasses) {
            throw new ModelException(
                    "Model "
                            + modelPath
                            + " has "
                            + numClasses
                            + " classes (output '"
                            + outputName
                            + "'), but "
                            + source
                            + " holds "
                            + l.size()
                            + " labels; give one label per class");
        }
        return l;
    }

    private Path besideLabels() {
        Path dir = modelPath.toAbsolutePath().getParent();
        if (dir == null) {
            return null;
        }
        Path specific = dir.resolve(stem(modelPath) + ".labels.txt");
        if (Files.isRegularFile(specific)) {
            return specific;
        }
        Path generic = dir.resolve("labels.txt");
        return Files.isRegularFile(generic) ? generic : null;
    }

    private static String stem(Path p) {
        String n = p.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    private boolean[] allowedMask() {
        if (labels == null) {
            return null;
        }
        boolean[] mask = new boolean[labels.size()];
        Arrays.fill(mask, options.allowLabels().isEmpty());
        for (String a : options.allowLabels()) {
            for (int i : indicesOf(a, UnknownLabelException.Filter.ALLOW)) {
                mask[i] = true;
            }
        }
        for (String d : options.denyLabels()) {
            for (int i : indicesOf(d, UnknownLabelException.Filter.DENY)) {
                mask[i] = false;
            }
        }
        return mask;
    }

    /**
     * The classes a filter value names: every class with exactly that label, else, when the value
     * is a decimal number, the class with that index. A label that is itself a number therefore
     * wins over the index.
     */
    private int[] indicesOf(String value, UnknownLabelException.Filter filter) {
        int[] found = new int[0];
        for (int i = 0; i < labels.size(); i++) {
            if (labels.get(i).equals(value)) {
                found = Arrays.copyOf(found, found.length + 1);
                found[found.length - 1] = i;
            }
        }
        if (found.length > 0) {
            return found;
        }
        boolean number = value.length() <= 9 && value.chars().allMatch(c -> c >= '0' && c <= '9');
        if (number && Integer.parseInt(value) < labels.size()) {
            return new int[] {Integer.parseInt(value)};
        }
        List<String> close = new ArrayList<>();
        List<String> described = new ArrayList<>();
        for (int i : Labels.closest(labels, value, 3)) {
            close.add(labels.get(i));
            described.add("'" + labels.get(i) + "' (class " + i + ")");
        }
        StringBuilder reason = new StringBuilder();
        if (number) {
            reason.append(modelPath)
                    .append(" has no label '")
                    .append(value)
                    .append("', and class index ")
                    .append(value)
                    .append(" is out of range.");
        } else {
            reason.append(modelPath).append(" has no class with that label.");
        }
        if (!described.isEmpty()) {
            reason.append(" Did you mean ").append(String.join(" or ", described)).append('?');
        }
        if (value.contains(",")) {
            reason.append(
                    " A label with commas must be one of the model's labels whole; to name"
                            + " several classes, give each separately.");
        }
        reason.append(" Expected a label spelled exactly as the model spells it, or a class index")
                .append(" from 0 to ")
                .append(labels.size() - 1);
        throw new UnknownLabelException(filter, value, reason.toString(), close);
    }

    /** Runs the model once on zeros to learn an output width the model leaves dynamic. */
    private int probeOutputWidth() throws ModelException {
        int n = fixedBatch > 0 ? fixedBatch : 1;
        FloatBuffer buf = newBuffer(n * imageFloats);
        try (OnnxTensor t = inputTensor(buf, n, null);
                OrtSession.Result r = session.run(Map.of(inputName, t), Set.of(outputName))) {
            OnnxValue v = r.get(0);
            if (!(v instanceof OnnxTensor ot)) {
                throw new ModelException(
                        "Output '" + outputName + "' of model " + modelPath + " is not a tensor");
            }
            long[] s = ot.getInfo().getShape();
            if (s.length < 2 || s[1] <= 0) {
                throw new ModelException(
                        "Output '"
                                + outputName
                                + "' of model "
                                + modelPath
                                + " has shape "
                                + Arrays.toString(s)
                                + ", expected [N, classes] or [N, classes, 1, 1]");
            }
            return (int) s[1];
        } catch (OrtException e) {
            throw new ModelException(
                    "Model " + modelPath + " fails on a test input: " + e.getMessage(), e);
        }
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
        if (outputKind == OutputKind.EMBEDDING || labels == null) {
            checkOpen();
            throw new IllegalStateException(
                    "Model "
                            + modelPath
                            + " outputs an embedding ('"
                            + outputName
                            + "'), not class scores; use embed(...)");
        }
        List<Classification> results = new ArrayList<>(images.size());
        for (int from = 0; from < images.size(); from += maxBatch) {
            int to = (int) Math.min(images.size(), (long) from + maxBatch);
            results.addAll(runChunk(images.subList(from, to)));
        }
        return results;
    }

    private List<Classification> runChunk(List<ImageInput> images) throws ImageException {
        int n = images.size();
        if (n == 0) {
            return List.of();
        }
        lock.readLock().lock();
        try {
            checkOpen();
            Worker w = borrow();
            try {
                int rows = fixedBatch > 0 ? fixedBatch : n;
                double[] decodeMs = new double[n];
                double[] preMs = new double[n];
                FloatBuffer buf = w.buffer(rows * imageFloats);
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    Decoded d = decode(w, images.get(i));
                    long t1 = System.nanoTime();
                    try {
                        w.preprocessor.write(d.mat, buf);
                    } finally {
                        d.close();
                    }
                    decodeMs[i] = (t1 - t0) / 1e6;
                    preMs[i] = (System.nanoTime() - t1) / 1e6;
                }
                while (buf.position() < rows * imageFloats) {
                    buf.put(0f);
                }
                buf.flip();
                long t2 = System.nanoTime();
                float[] out = run(w, buf, rows, outputName);
                long t3 = System.nanoTime();
                double inferMs = (t3 - t2) / 1e6 / n;
                int width = out.length / rows;
                if (width != numClasses) {
                    throw new IllegalStateException(
                            "Model "
                                    + modelPath
                                    + " returned "
                                    + width
                                    + " values per image from '"
                                    + outputName
                                    + "', expected "
                                    + numClasses);
                }
                List<Classification> results = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    long p0 = System.nanoTime();
                    List<Category> top = postprocess(out, i * width, w.scores);
                    double postMs = (System.nanoTime() - p0) / 1e6;
                    StageTimings st = new StageTimings(decodeMs[i], preMs[i], inferMs, postMs);
                    results.add(new Classification(top, st.totalMs(), st));
                }
                return results;
            } finally {
                release(w);
            }
        } finally {
            lock.readLock().unlock();
        }
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
        String name = outputName != null ? outputName : card.embeddingOutputName();
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
        lock.readLock().lock();
        try {
            checkOpen();
            Worker w = borrow();
            try {
                int rows = fixedBatch > 0 ? fixedBatch : 1;
                FloatBuffer buf = w.buffer(rows * imageFloats);
                Decoded d = decode(w, image);
                try {
                    w.preprocessor.write(d.mat, buf);
                } finally {
                    d.close();
                }
                while (buf.position() < rows * imageFloats) {
                    buf.put(0f);
                }
                buf.flip();
                float[] out = run(w, buf, rows, name);
                return rows == 1 ? out : Arrays.copyOf(out, out.length / rows);
            } finally {
                release(w);
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
            Worker w = borrow();
            try {
                int rows = fixedBatch > 0 ? fixedBatch : 1;
                FloatBuffer buf = w.buffer(rows * imageFloats);
                Decoded d = decode(w, image);
                try {
                    w.preprocessor.write(d.mat, buf);
                } finally {
                    d.close();
                }
                while (buf.position() < rows * imageFloats) {
                    buf.put(0f);
                }
                buf.flip();
                double[] ms = new double[runs];
                try (OnnxTensor t = inputTensor(buf, rows, w)) {
                    Map<String, OnnxTensor> feed = Map.of(inputName, t);
                    Set<String> want = Set.of(outputName);
                    for (int i = 0; i < warmup + runs; i++) {
                        long t0 = System.nanoTime();
                        try (OrtSession.Result r = session.run(feed, want)) {
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
                release(w);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    private long[] inputShape(int rows) {
        return new long[] {rows, imageDims[0], imageDims[1], imageDims[2]};
    }

    /** The input tensor over {@code buf} (no copy), or over its float16 conversion. */
    private OnnxTensor inputTensor(FloatBuffer buf, int rows, Worker w) throws OrtException {
        if (!fp16Input) {
            return OnnxTensor.createTensor(env, buf, inputShape(rows));
        }
        int n = buf.remaining();
        ShortBuffer half = w != null ? w.halfBuffer(n) : newHalfBuffer(n);
        for (int i = 0; i < n; i++) {
            half.put(i, Fp16Conversions.floatToFp16(buf.get(buf.position() + i)));
        }
        half.limit(n);
        return OnnxTensor.createTensor(env, half, inputShape(rows), OnnxJavaType.FLOAT16);
    }

    private float[] run(Worker w, FloatBuffer input, int rows, String output) {
        try (OnnxTensor t = inputTensor(input, rows, w);
                OrtSession.Result r = session.run(Map.of(inputName, t), Set.of(output))) {
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

    private List<Category> postprocess(float[] out, int offset, float[] scratch) {
        float[] p = scratch;
        System.arraycopy(out, offset, p, 0, numClasses);
        boolean probabilities;
        if (outputKind == OutputKind.PROBABILITIES) {
            probabilities = true;
        } else if (outputKind == OutputKind.LOGITS) {
            probabilities = false;
        } else {
            probabilities = looksLikeProbabilities(p, numClasses);
        }
        if (!probabilities) {
            softmax(p, numClasses);
        }
        int k = Math.min(options.topK(), numClasses);
        float threshold = options.scoreThreshold();
        int[] best = new int[k];
        int count = 0;
        for (int i = 0; i < numClasses; i++) {
            float s = p[i];
            if (!(s >= threshold) || !allowed[i]) {
                continue;
            }
            // Insertion into the sorted top-k: O(classes * k), fast for the usual small k.
            if (count == k && s <= p[best[k - 1]]) {
                continue;
            }
            int j = count < k ? count++ : k - 1;
            while (j > 0 && p[best[j - 1]] < s) {
                best[j] = best[j - 1];
                j--;
            }
            best[j] = i;
        }
        List<Category> top = new ArrayList<>(count);
        for (int j = 0; j < count; j++) {
            int i = best[j];
            float s = Math.min(1f, Math.max(0f, p[i]));
            top.add(new Category(i, labels.get(i), s));
        }
        return top;
    }

    /**
     * The rule used when the card does not say what the output holds: probabilities when every
     * value is in [0, 1] and they sum to 1 within 1e-3.
     */
    static boolean looksLikeProbabilities(float[] v, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            if (!(v[i] >= 0f && v[i] <= 1f)) {
                return false;
            }
            sum += v[i];
        }
        return Math.abs(sum - 1.0) <= 1e-3;
    }

    static void softmax(float[] v, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            if (v[i] > max) {
                max = v[i];
            }
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double e = Math.exp(v[i] - max);
            v[i] = (float) e;
            sum += e;
        }
        for (int i = 0; i < n; i++) {
            v[i] = (float) (v[i] / sum);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Images

    private record Decoded(Mat mat, boolean owned) {
        void close() {
            if (owned) {
                mat.close();
            }
        }
    }

    private Decoded decode(Worker w, ImageInput image) throws ImageException {
        // A reduced decode must still cover the whole crop, also for a non-square input size.
        int minShortSide =
                Math.max(
                        preprocessing.resizeShorter(),
                        Math.max(preprocessing.width(), preprocessing.height()));
        switch (image.kind()) {
            case FILE:
                return new Decoded(w.decoder.decode((Path) image.source(), minShortSide), true);
            case BYTES:
                return new Decoded(
                        w.decoder.decode((byte[]) image.source(), image.name(), minShortSide),
                        true);
            case BUFFERED_IMAGE:
                try {
                    return new Decoded(
                            ImageDecoder.fromBufferedImage((BufferedImage) image.source()), true);
                } catch (RuntimeException e) {
                    throw new ImageException(
                            "Cannot convert " + image.name() + ": " + e.getMessage(), e);
                }
            case MAT:
                return fromMat((Mat) image.source(), image.name());
            case FRAME:
                Frame f = (Frame) image.source();
                if (f.image == null || f.imageWidth <= 0 || f.imageHeight <= 0) {
                    throw new ImageException(
                            "Frame holds no image (an audio frame, or the end of a stream?)");
                }
                Mat m;
                try {
                    m = w.converter().convert(f);
                } catch (RuntimeException e) {
                    throw new ImageException(
                            "Cannot convert frame of depth "
                                    + f.imageDepth
                                    + " with "
                                    + f.imageChannels
                                    + " channels: "
                                    + e.getMessage(),
                            e);
                }
                if (m == null) {
                    throw new ImageException("Frame holds no image");
                }
                // The converter's Mat wraps the frame's pixels and is reused: fromMat never owns
                // it.
                return fromMat(m, image.name());
            default:
                throw new IllegalStateException("Unknown input kind " + image.kind());
        }
    }

    private static Decoded fromMat(Mat m, String name) throws ImageException {
        if (m.isNull() || m.empty()) {
            throw new ImageException("Image " + name + " is empty");
        }
        if (m.type() == opencv_core.CV_8UC3) {
            return new Decoded(m, false);
        }
        try {
            return new Decoded(ImageDecoder.toBgr8(m), true);
        } catch (RuntimeException e) {
            throw new ImageException(
                    "Image "
                            + name
                            + " has an unsupported type ("
                            + m.channels()
                            + " channels, depth "
                            + m.depth()
                            + "), expected 8-bit BGR, gray or BGRA: "
                            + e.getMessage(),
                    e);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Per-thread resources

    /** What one call needs for itself: never used by two threads at once. */
    private final class Worker {
        final Preprocessor preprocessor = new Preprocessor(preprocessing);
        final ImageDecoder decoder = new ImageDecoder(options.maxImagePixels());
        final float[] scores = new float[Math.max(numClasses, 1)];
        private OpenCVFrameConverter.ToMat converter;
        private FloatBuffer buffer;
        private ShortBuffer half;

        ShortBuffer halfBuffer(int n) {
            if (half == null || half.capacity() < n) {
                half = newHalfBuffer(n);
            }
            half.clear();
            return half;
        }

        FloatBuffer buffer(int floats) {
            if (buffer == null || buffer.capacity() < floats) {
                buffer = newBuffer(floats);
            }
            buffer.clear();
            buffer.limit(floats);
            return buffer;
        }

        OpenCVFrameConverter.ToMat converter() {
            if (converter == null) {
                converter = new OpenCVFrameConverter.ToMat();
            }
            return converter;
        }

        void close() {
            try {
                preprocessor.close();
            } catch (RuntimeException e) {
                LOG.warn("Failed to close a preprocessor of {}", modelPath, e);
            }
            if (converter != null) {
                try {
                    converter.close();
                } catch (RuntimeException e) {
                    LOG.warn("Failed to close a frame converter of {}", modelPath, e);
                }
            }
        }
    }

    private static ShortBuffer newHalfBuffer(int n) {
        return ByteBuffer.allocateDirect(n * Short.BYTES)
                .order(ByteOrder.nativeOrder())
                .asShortBuffer();
    }

    private static FloatBuffer newBuffer(int floats) {
        return ByteBuffer.allocateDirect(floats * Float.BYTES)
                .order(ByteOrder.nativeOrder())
                .asFloatBuffer();
    }

    private Worker borrow() {
        Worker w = idle.pollFirst();
        if (w == null) {
            w = new Worker();
            synchronized (workers) {
                workers.add(w);
            }
        }
        return w;
    }

    private void release(Worker w) {
        idle.addFirst(w);
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
        return card;
    }

    /**
     * The device in use: {@link Device#CUDA} or {@link Device#CPU}, after any fallback.
     *
     * @return the device, never {@link Device#AUTO}
     */
    public Device device() {
        return device;
    }

    /**
     * The model's inputs, outputs and metadata.
     *
     * @return the signature
     */
    public ModelSignature signature() {
        return signature;
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
        return preprocessing;
    }

    /**
     * The labels used, index = class index (also in {@link #card()}).
     *
     * @return an unmodifiable list; null for an embedding model
     */
    public List<String> labels() {
        return labels;
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
            closeQuietly();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void closeQuietly() {
        closed = true;
        synchronized (workers) {
            for (Worker w : workers) {
                w.close();
            }
            workers.clear();
        }
        idle.clear();
        try {
            session.close();
        } catch (OrtException | RuntimeException e) {
            LOG.warn("Failed to close the ONNX Runtime session of {}", modelPath, e);
        }
        try {
            sessionOptions.close();
        } catch (RuntimeException e) {
            LOG.warn("Failed to close the session options of {}", modelPath, e);
        }
    }

    @Override
    public String toString() {
        return "ImageClassifier[" + modelPath + ", " + device + (closed ? ", closed" : "") + "]";
    }
}
