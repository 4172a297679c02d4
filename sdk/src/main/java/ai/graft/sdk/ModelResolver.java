package ai.graft.sdk;

import ai.graft.sdk.internal.Labels;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, once per model, how an {@link ImageClassifier} uses it, and returns that as a {@link
 * ModelBinding}: opens the session ({@link SessionOpener}), chooses the image input and the output,
 * reads the model card and Ultralytics metadata, chooses the preprocessing and fits it to the
 * input's shape ({@link InputShape}), finds the labels, and runs the model once on zeros when the
 * output's width is dynamic. Every refusal is a {@link ModelException} that names the file and what
 * to do; the order in which sources are tried is the one the classifier's javadoc gives.
 */
final class ModelResolver {
    // Logged as the classifier, the type applications configure logging for.
    private static final Logger LOG = LoggerFactory.getLogger(ImageClassifier.class);

    private static final String HOW_TO_SUPPLY =
            "Supply them with --labels FILE / --preprocess imagenet|caffe|raw|unit|JSON"
                    + " (ImageClassifierOptions.labelsFile / .preprocessing), put a labels.txt"
                    + " beside the model, or write a card into the model with `graft annotate`.";

    private final Path modelPath;
    private final ImageClassifierOptions options;
    private final OrtEnvironment env;
    private final OrtSession session;

    private ModelResolver(
            Path modelPath, ImageClassifierOptions options, OrtEnvironment env, OrtSession s) {
        this.modelPath = modelPath;
        this.options = options;
        this.env = env;
        this.session = s;
    }

    /**
     * Opens and binds a model that {@link ModelFiles#check} has passed.
     *
     * @return the binding; the caller closes it
     * @throws ModelException when the model cannot be used as the options ask (the session is
     *     closed again)
     * @throws IllegalArgumentException when the options name an input or output the model does not
     *     have
     */
    static ModelBinding bind(OrtEnvironment env, Path model, ImageClassifierOptions options)
            throws ModelException {
        SessionOpener.Opened opened = SessionOpener.open(env, model, options);
        try {
            ModelBinding b =
                    new ModelResolver(model, options, env, opened.session()).resolve(opened);
            LOG.debug(
                    "Loaded {} on {}: input {} {}, output {} ({} classes), preprocessing {}",
                    model,
                    b.device(),
                    b.inputName(),
                    Arrays.toString(b.signature().inputShape()),
                    b.outputName(),
                    b.numClasses(),
                    b.preprocessing());
            return b;
        } catch (ModelException | RuntimeException e) {
            opened.close();
            throw e;
        }
    }

    private ModelBinding resolve(SessionOpener.Opened opened) throws ModelException {
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
        String in = chooseInput(inputs);
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

        // --- model input geometry: the rule graft annotate applies too
        InputShape geometry = InputShape.of(inShape);
        int modelW = geometry.width();
        int modelH = geometry.height();

        // --- card
        Map<String, String> cardProps = metadata;
        if (options.preprocessing() != null || options.preprocessingSpec() != null) {
            // Overridden: the card's preprocessing need not even be readable.
            cardProps = new LinkedHashMap<>(metadata);
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
        int classes = -1;
        if (kind != OutputKind.EMBEDDING) {
            classes = classesOf(out, outputs.get(out));
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
        p = fitToModel(p, geometry);
        // A dynamic input takes its size from the preprocessing: the same bounds apply to it.
        long[] runShape = InputTensors.shape(p, Math.max(1, fixedBatch));
        ModelFiles.checkInputShape(
                modelPath + " (with preprocessing " + p.toJson() + ")", in, runShape, elementType);
        // A dynamic batch is split so that one run's input fits one buffer.
        long imageBytes = (long) elementBytes * InputTensors.imageFloats(p);
        int maxBatch =
                inShape[0] > 0
                        ? (int) inShape[0]
                        : (int)
                                Math.min(
                                        Integer.MAX_VALUE, ModelFiles.MAX_INPUT_BYTES / imageBytes);

        if (classes <= 0 && kind != OutputKind.EMBEDDING) {
            classes = probeOutputWidth(in, fp16, p, fixedBatch, out);
        }
        List<String> labels = resolveLabels(src, metadata, classes, kind, out);
        ModelCard card =
                new ModelCard(
                        src.version() > 0 ? src.version() : ModelCard.VERSION,
                        labels,
                        p,
                        kind,
                        out,
                        src.extra());
        return new ModelBinding(
                opened, sig, in, fp16, fixedBatch, maxBatch, p, out, kind, classes, labels, card);
    }

    /** The image input: the one the options name, else the model's only 4-D float input. */
    private String chooseInput(Map<String, NodeInfo> inputs) throws ModelException {
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
        return in;
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

    /** The number of classes the output declares; -1 when dynamic. */
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

    /** The options' preprocessing, else the card's, else Ultralytics' imgsz; null when none. */
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

    /** {@link InputShape#fit}, with what it changed logged. */
    private Preprocessing fitToModel(Preprocessing p, InputShape geometry) throws ModelException {
        Preprocessing fitted = geometry.fit(p, "Model " + modelPath);
        if (fitted.layout() != p.layout()) {
            LOG.info(
                    "Model {} takes {} input; using layout {} instead of {}",
                    modelPath,
                    geometry.layout(),
                    geometry.layout(),
                    p.layout());
        }
        if (fitted.channels() != p.channels()) {
            LOG.info("Model {} takes 1 channel; converting images to GRAY", modelPath);
        }
        return fitted;
    }

    /**
     * The labels from the options, else the card, else Ultralytics' names, else a labels file
     * beside the model; null for an embedding without any.
     */
    private List<String> resolveLabels(
            ModelCard src,
            Map<String, String> metadata,
            int numClasses,
            OutputKind outputKind,
            String outputName)
            throws ModelException {
        List<String> l;
        String source;
        if (options.labels() != null) {
            l = options.labels();
            source = "the labels option";
        } else if (options.labelsFile() != null) {
            l = Labels.read(options.labelsFile());
            source = "labels file " + options.labelsFile();
        } else if (src.labels() != null) {
            l = src.labels();
            source = "the model card (graft.labels)";
        } else if (metadata.get("names") != null) {
            try {
                l = Labels.parseUltralyticsNames(metadata.get("names"));
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

    /** Runs the model once on zeros to learn an output width the model leaves dynamic. */
    private int probeOutputWidth(
            String inputName, boolean fp16, Preprocessing p, int fixedBatch, String outputName)
            throws ModelException {
        int n = fixedBatch > 0 ? fixedBatch : 1;
        var zeros = InputTensors.newFloatBuffer(n * InputTensors.imageFloats(p));
        try (OnnxTensor t = InputTensors.create(env, zeros, InputTensors.shape(p, n), fp16, null);
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
}
