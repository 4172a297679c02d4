package ai.graft.trainer;

import ai.graft.converter.AtomicFiles;
import ai.graft.converter.FeatureTransform;
import ai.graft.converter.GraftJson;
import ai.graft.converter.ModelEditor;
import ai.graft.converter.ModelInspector;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ImageClassifierOptions;
import ai.graft.sdk.ImageException;
import ai.graft.sdk.ModelCard;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.OutputKind;
import ai.graft.trainer.data.DatasetException;
import ai.graft.trainer.data.Datasets;
import ai.graft.trainer.data.ImageDataset;
import ai.graft.trainer.data.Sample;
import ai.graft.trainer.data.Skipped;
import ai.graft.trainer.data.Splits;
import ai.graft.trainer.eval.TrainingSummary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code features} pipeline behind {@link Trainer#train}: the backbone is cut at its feature
 * node, each image's embedding is computed once with the SDK (and cached under {@code OUT/cache}),
 * a linear head (softmax or SVM) is trained on the embeddings with DJL on PyTorch, and the head is
 * grown onto the backbone as one ONNX file, {@code OUT/model.onnx}, whose model card carries the
 * labels, the preprocessing and the training provenance. Before the file is written its logits are
 * checked against the trainer's head; then it is evaluated on the validation set through the SDK
 * and the reports are written to {@code OUT}.
 *
 * <p>Not thread-safe for one output folder: two runs must not share {@code OUT}.
 */
final class FeatureTrainer {
    /** The cache folder's name in the output folder. */
    static final String CACHE_DIR = "cache";

    /** The largest accepted difference between exported and trainer logits. */
    private static final double PARITY_TOLERANCE = 1e-4;

    private static final int PARITY_IMAGES = 8;

    private FeatureTrainer() {}

    /**
     * Trains, exports, checks and evaluates.
     *
     * @param options what to train; the strategy must be features
     * @param monitor receives one line per step and per epoch, and the embedding's progress
     * @return the result
     * @throws DatasetException when the data cannot be read or has no validation images
     * @throws ModelException when the backbone cannot be used
     * @throws GraftException when the exported model fails its parity check or a file cannot be
     *     written
     */
    static TrainingResult train(TrainingOptions options, TrainingMonitor monitor)
            throws GraftException {
        if (options.strategy() != Strategy.FEATURES) {
            throw new IllegalArgumentException("Unsupported strategy " + options.strategy());
        }
        long start = System.nanoTime();
        Splits splits = TrainingSteps.openData(options, monitor);
        ImageDataset train = splits.train();
        ImageDataset val = splits.val();
        List<String> classes = train.classes();

        Backbone backbone =
                Backbone.open(options.backbone(), options.preprocess(), options.featureNode());
        Path out = options.outDir();
        Path cacheDir = out.resolve(CACHE_DIR);
        String modelKey =
                backbone.sha256()
                        + "\n"
                        + options.featureNode()
                        + "\n"
                        + backbone.preprocessing().toJson();
        String modelHash =
                Backbone.sha256(modelKey.getBytes(StandardCharsets.UTF_8)).substring(0, 16);
        Path featureFile = cacheDir.resolve("features-" + modelHash + ".onnx");
        try {
            Files.createDirectories(cacheDir);
        } catch (IOException e) {
            throw new GraftException("Cannot create " + cacheDir + ": " + e.getMessage(), e);
        }
        writeFeatureModel(backbone.featureModel(), featureFile, monitor);
        monitor.log(
                "backbone: "
                        + backbone.name()
                        + " cut at its features ("
                        + featureFile
                        + "), preprocessing "
                        + backbone.preprocessing().toJson());

        int threads =
                options.threads() > 0
                        ? options.threads()
                        : Runtime.getRuntime().availableProcessors();
        EmbeddingCache.Embeddings trainEmb;
        EmbeddingCache.Embeddings valEmb;
        int computed;
        int reused;
        try (EmbeddingCache cache =
                new EmbeddingCache(
                        cacheDir,
                        modelKey,
                        featureDimension(backbone.featureModel()),
                        () ->
                                EmbeddingCache.Extractor.of(
                                        ImageClassifier.create(
                                                featureFile,
                                                ImageClassifierOptions.builder()
                                                        .device(options.device())
                                                        .intraOpThreads(threads > 1 ? 1 : 0)
                                                        .build())))) {
            trainEmb = cache.get(train, "train", threads, monitor);
            valEmb = cache.get(val, "val", threads, monitor);
            computed = cache.computed();
            reused = cache.reused();
        }
        List<Skipped> skipped = new ArrayList<>(trainEmb.skipped());
        skipped.addAll(valEmb.skipped());
        for (Skipped s : skipped) {
            monitor.log("skipped " + s.id() + ": " + s.reason());
        }
        // Only now is it known which images could not be read: they do not count.
        Datasets.requireReadable(train, trainEmb.skipped(), options.minPerClass(), options.data());
        if (valEmb.size() == 0) {
            throw new DatasetException(
                    "No validation image of "
                            + options.data()
                            + " could be read ("
                            + valEmb.skipped().get(0).id()
                            + ": "
                            + valEmb.skipped().get(0).reason()
                            + "); replace or remove the unreadable files");
        }

        long headStart = System.nanoTime();
        LinearHead.Result head =
                LinearHead.fit(
                        trainEmb.vectors(),
                        trainEmb.size(),
                        trainEmb.dimension(),
                        trainEmb.labels(),
                        classes.size(),
                        options.head() == TrainingOptions.Head.SVM
                                ? LinearHead.Loss.SQUARED_HINGE
                                : LinearHead.Loss.SOFTMAX,
                        options.featureTransform(),
                        options.classWeights(),
                        options.seed(),
                        monitor);
        double valAccuracy = accuracy(head, valEmb);
        monitor.log(
                String.format(
                        Locale.ROOT,
                        "head: validation accuracy %.4f (L2 strength %.2e)",
                        valAccuracy,
                        head.l2()));

        String fingerprint =
                Backbone.sha256(
                        (train.fingerprint() + "\n" + val.fingerprint())
                                .getBytes(StandardCharsets.UTF_8));
        Map<String, Object> hyper = hyperparameters(options, backbone, head);
        Map<String, String> versions = TrainingSteps.versions();
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("strategy", options.strategy().cliName());
        training.put("dataFingerprint", fingerprint);
        training.put("backboneSha256", backbone.sha256());
        training.put("trainSamples", trainEmb.size());
        training.put("valSamples", valEmb.size());
        training.put("solver", "lbfgs");
        training.put("featureTransform", head.transform().cliName());
        training.put("l2", head.l2());
        training.put("cvL2", head.cvL2());
        training.put("cvAccuracy", head.chosen().cvAccuracy());
        training.put("headValAccuracy", valAccuracy);
        training.put("hyperparameters", hyper);
        training.put("versions", versions);
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put(ModelCard.KEY_EMBEDDING_OUTPUT, ModelEditor.FEATURES);
        extra.put("graft.backbone", backbone.name());
        extra.put("graft.strategy", options.strategy().cliName());
        extra.put("graft.training", GraftJson.write(training));
        extra.put("graft.created", Instant.now().toString());
        ModelCard card =
                new ModelCard(
                        ModelCard.VERSION,
                        classes,
                        backbone.preprocessing(),
                        OutputKind.LOGITS,
                        HeadExport.LOGITS,
                        extra);
        ModelProto classifier = HeadExport.classifier(backbone.featureModel(), head, card);
        Path modelFile = out.resolve(Trainer.MODEL_FILE);
        double parity = exportChecked(classifier, modelFile, head, valEmb, val);
        monitor.log(
                String.format(
                        Locale.ROOT,
                        "exported %s (parity: max |logit difference| %.2e); the head took %.1f s"
                                + " from the cached embeddings to the exported file",
                        modelFile,
                        parity,
                        (System.nanoTime() - headStart) / 1e9));

        TrainingSummary summary =
                new TrainingSummary(
                        backbone.name(),
                        options.strategy().cliName(),
                        fingerprint,
                        trainEmb.size(),
                        valEmb.size(),
                        0,
                        0,
                        options.seed(),
                        hyper,
                        versions,
                        skipped,
                        note(options, head));
        return TrainingSteps.evaluateAndWrite(
                modelFile, out, train, val, options, summary, classes, List.of(), computed, reused,
                parity, start, monitor);
    }

    /**
     * Writes the classifier next to its final place, compares its logits in ONNX Runtime (through
     * the SDK, with no overrides) with the trainer's head on the cached embeddings of a few
     * validation images, and moves it into place only when they agree.
     */
    private static double exportChecked(
            ModelProto classifier,
            Path modelFile,
            LinearHead.Result head,
            EmbeddingCache.Embeddings valEmb,
            ImageDataset val)
            throws GraftException {
        return OnnxModels.writeChecked(
                classifier,
                modelFile,
                "the trainer's",
                PARITY_TOLERANCE,
                candidate -> {
                    Map<String, Sample> byId = new HashMap<>();
                    for (Sample s : val.samples()) {
                        byId.put(s.id(), s);
                    }
                    int n = Math.min(PARITY_IMAGES, valEmb.size());
                    double[][] expected = head.logits(valEmb.vectors(), n);
                    double max = 0;
                    try (ImageClassifier model = ImageClassifier.createFromFile(candidate)) {
                        for (int i = 0; i < n; i++) {
                            Sample s = byId.get(valEmb.ids().get(i));
                            float[] got = model.embed(s.input(), HeadExport.LOGITS);
                            for (int k = 0; k < got.length; k++) {
                                max = Math.max(max, Math.abs(got[k] - expected[i][k]));
                            }
                        }
                    } catch (ImageException e) {
                        throw new GraftException(
                                "Parity check could not read a validation image: " + e.getMessage(),
                                e);
                    }
                    return max;
                });
    }

    /**
     * Writes the feature extractor into the cache folder unless the file there already holds
     * exactly it; a file that differs (damaged, or left by another version) is replaced, saying so.
     */
    private static void writeFeatureModel(
            ModelProto featureModel, Path featureFile, TrainingMonitor monitor)
            throws GraftException {
        byte[] expected = OnnxModels.toBytes(featureModel);
        if (Files.isRegularFile(featureFile)) {
            try {
                if (Arrays.equals(Files.readAllBytes(featureFile), expected)) {
                    return;
                }
            } catch (IOException e) {
                // unreadable: replaced below like a damaged one
            }
            monitor.log(
                    "the cached feature extractor "
                            + featureFile
                            + " does not match the backbone (damaged?); rewriting it");
        }
        try {
            AtomicFiles.write(featureFile, expected);
        } catch (IOException e) {
            throw new GraftException(
                    "Cannot write the feature extractor " + featureFile + ": " + e.getMessage(), e);
        }
    }

    /** The head's top-1 accuracy on the embeddings. */
    private static double accuracy(LinearHead.Result head, EmbeddingCache.Embeddings e) {
        double[][] logits = head.logits(e.vectors(), e.size());
        int right = 0;
        for (int i = 0; i < logits.length; i++) {
            int best = 0;
            for (int k = 1; k < logits[i].length; k++) {
                if (logits[i][k] > logits[i][best]) {
                    best = k;
                }
            }
            right += best == e.labels()[i] ? 1 : 0;
        }
        return (double) right / Math.max(1, logits.length);
    }

    /** How the model was made, with the regularisation path as a table (Markdown). */
    private static String note(TrainingOptions o, LinearHead.Result head) {
        StringBuilder s =
                new StringBuilder(
                        "Frozen backbone; a linear "
                                + (o.head() == TrainingOptions.Head.SVM
                                        ? "SVM head (multiclass squared hinge loss; its margins"
                                                + " are exported as logits)"
                                        : "softmax head")
                                + " solved (L-BFGS) on cached embeddings ("
                                + (head.transform() == FeatureTransform.SQRT
                                        ? "signed square roots, standardised; the exported graph"
                                                + " computes the roots, the standardisation is"
                                                + " folded into its Gemm"
                                        : "standardised, folded into the exported Gemm")
                                + "), its L2 strength chosen by the lowest held-out loss of "
                                + LinearHead.FOLDS
                                + "-fold cross-validation on the training embeddings.");
        s.append(
                String.format(
                        Locale.ROOT,
                        " Chosen L2 strength: %.0e on the folds, %.2e on all training"
                                + " embeddings (%d L-BFGS iterations).\n\n",
                        head.cvL2(),
                        head.l2(),
                        head.iterations()));
        s.append("| L2 strength | CV accuracy | CV loss | Iterations |\n|---:|---:|---:|---:|\n");
        for (LinearHead.PathPoint p : head.path()) {
            s.append(
                    String.format(
                            Locale.ROOT,
                            "| %.0e%s | %.4f | %.4f | %d |\n",
                            p.l2(),
                            p.l2() == head.cvL2() ? " (chosen)" : "",
                            p.cvAccuracy(),
                            p.cvLoss(),
                            p.iterations()));
        }
        return s.toString();
    }

    /** The width of the extractor's {@code features} output, or 0 when its model does not say. */
    static int featureDimension(ModelProto featureModel) {
        try {
            long[] shape = ModelInspector.shapes(featureModel, 1).get(ModelEditor.FEATURES);
            return shape != null && shape.length == 2 && shape[1] > 0 && shape[1] <= 1 << 24
                    ? (int) shape[1]
                    : 0;
        } catch (RuntimeException e) {
            return 0; // shape inference does not know every operator; the cache then skips the
            // check
        }
    }

    private static Map<String, Object> hyperparameters(
            TrainingOptions o, Backbone backbone, LinearHead.Result head) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("head", o.head().cliName());
        h.put(
                "loss",
                o.head() == TrainingOptions.Head.SVM ? "squared-hinge" : "softmax-cross-entropy");
        h.put("solver", "lbfgs");
        h.put("featureTransform", head.transform().cliName());
        h.put("l2", head.l2());
        h.put("cvL2", head.cvL2());
        h.put("cvFolds", LinearHead.FOLDS);
        h.put("cvLimit", LinearHead.CV_LIMIT);
        List<Object> path = new ArrayList<>();
        for (LinearHead.PathPoint p : head.path()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("l2", p.l2());
            m.put("cvAccuracy", p.cvAccuracy());
            m.put("cvLoss", p.cvLoss());
            m.put("iterations", p.iterations());
            path.add(m);
        }
        h.put("regularisationPath", path);
        h.put("iterations", head.iterations());
        h.put("converged", head.converged());
        h.put("classWeights", o.classWeights());
        h.put("valFraction", o.valFraction());
        h.put("perClass", o.perClass());
        h.put("featureNode", o.featureNode());
        h.put("preprocessing", GraftJson.readObject(backbone.preprocessing().toJson()));
        return h;
    }
}
