package ai.graft.trainer.tune;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.graft.converter.GraftJson;
import ai.graft.converter.HeadOptions;
import ai.graft.converter.ModelEditor;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.OnnxTensors;
import ai.graft.converter.checkpoint.Checkpoint;
import ai.graft.converter.checkpoint.EpochMetrics;
import ai.graft.converter.checkpoint.ModelExport;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.Preprocessing;
import ai.graft.trainer.Backbone;
import ai.graft.trainer.Strategy;
import ai.graft.trainer.TrainingOptions;
import ai.graft.trainer.TrainingResult;
import ai.graft.trainer.TrainingSteps;
import ai.graft.trainer.data.Augmentation;
import ai.graft.trainer.data.Batch;
import ai.graft.trainer.data.BatchLoader;
import ai.graft.trainer.data.DatasetException;
import ai.graft.trainer.data.Datasets;
import ai.graft.trainer.data.ImageDataset;
import ai.graft.trainer.data.Skipped;
import ai.graft.trainer.data.Splits;
import ai.graft.trainer.eval.TrainingSummary;
import ai.graft.trainer.exec.OnnxBlock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * The graph strategies, {@code finetune}, {@code full} and {@code scratch}: the backbone is cut at
 * its feature node, a new linear head for the dataset's classes is appended ({@link
 * ModelEditor#appendHead}), and the whole graph trains as one DJL block ({@link OnnxBlock}) on the
 * PyTorch engine, on augmented images, with the chosen parts frozen:
 *
 * <ul>
 *   <li>{@code finetune}: the head and the last {@link TrainingOptions#unfreeze()} stages (see
 *       {@code Stages}: for SqueezeNet a stage is a Fire module), the backbone at {@link
 *       TrainingOptions#backboneLrFactor()} times the head's learning rate; earlier stages and
 *       their batch-norm statistics stay frozen;
 *   <li>{@code full}: every layer, from the pretrained weights;
 *   <li>{@code scratch}: every layer of a zoo architecture with fresh weights.
 * </ul>
 *
 * <p>The loop: SGD with momentum or AdamW, linear warm-up then a cosine or step schedule, label
 * smoothing, optional class weights, validation after each epoch, early stopping on validation
 * accuracy (the best epoch is kept), and a {@link Checkpoint} after each epoch ({@code
 * OUT/checkpoints/last.ckpt}) from which {@link TrainingOptions#resume()} continues to the same
 * result as an uninterrupted run: the data order and augmentation of an epoch and the engine's
 * random generator (dropout) are seeded from the run's seed and the epoch number.
 *
 * <p>At the end the best epoch is exported ({@link ModelExport}: values written into the graph's
 * initializers, batch norms folded, model card), checked against the trainer's own forward pass in
 * inference mode on validation images, written atomically to {@code OUT/model.onnx}, evaluated on
 * the validation set through the SDK, and reported ({@code report.md}, {@code report.json}, metrics
 * CSV and JSON, plots).
 *
 * <pre>{@code
 * TrainingOptions options =
 *         TrainingOptions.builder(Path.of("hymenoptera"), "squeezenet1.1.onnx", Path.of("out"))
 *                 .strategy(Strategy.FINETUNE)
 *                 .preprocess("caffe")
 *                 .build();
 * TrainingResult result = GraphTrainer.train(options, TrainingMonitor.of(System.err::println));
 * try (ImageClassifier model = ImageClassifier.createFromFile(result.model())) {
 *     System.out.println(model.classify(Path.of("bee.jpg")).top().get(0).label());
 * }
 * }</pre>
 *
 * <p>Devices: {@code cpu}; {@code gpu} trains data-parallel on every GPU PyTorch sees (each batch
 * split across them, gradients summed by DJL's parameter server); {@code auto} takes the GPUs when
 * there are any. Not thread-safe for one output folder: two runs must not share {@code OUT}.
 */
public final class GraphTrainer {
    /** The exported model's file name in the output folder. */
    public static final String MODEL_FILE = "model.onnx";

    private static final String ENGINE = "PyTorch";
    private static final String HEAD_PREFIX = "head.";
    private static final int PARITY_IMAGES = 16;

    /** How far above its start the loss may rise before a run counts as diverging. */
    static final double DIVERGENCE_RATIO = 1.5;

    /** The most times the learning rate is halved; a run that diverges again then stops. */
    static final int MAX_RATE_CUTS = 3;

    /** The new head's start on pretrained features: PyTorch's random start times this. */
    static final float HEAD_INIT_SCALE = 0.01f;

    private GraphTrainer() {}

    /**
     * Exports a checkpoint's best epoch as a deployable ONNX file (what {@code graft export
     * CHECKPOINT --out model.onnx} does); needs neither DJL nor PyTorch. See {@link
     * ModelExport#export}.
     *
     * @param checkpoint a checkpoint written by a graph strategy
     * @param out the {@code .onnx} file to write
     * @return what was written
     * @throws GraftException when the checkpoint cannot be read, the parity check fails or the file
     *     cannot be written
     */
    public static ModelExport.Result export(Path checkpoint, Path out) throws GraftException {
        return ModelExport.export(checkpoint, out);
    }

    /**
     * Trains, checkpoints, exports, checks and evaluates.
     *
     * @param options what to train; the strategy must be finetune, full or scratch
     * @param monitor receives log lines and the per-batch status
     * @return the result
     * @throws DatasetException when the data cannot be read or has no validation images
     * @throws ModelException when the backbone or the checkpoint cannot be used
     * @throws GraftException when the export fails its parity check or a file cannot be written
     * @throws IllegalArgumentException when the options do not fit the strategy or the checkpoint
     */
    public static TrainingResult train(TrainingOptions options, TrainingMonitor monitor)
            throws GraftException {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(monitor, "monitor");
        if (!options.strategy().trainsGraph()) {
            throw new IllegalArgumentException(
                    "GraphTrainer trains finetune, full and scratch, not "
                            + options.strategy().cliName());
        }
        return new Run(options, monitor).train();
    }

    /** One training run's state. */
    private static final class Run {
        private final TrainingOptions o;
        private final TrainingMonitor monitor;
        private final long start = System.nanoTime();
        private String resumedSha;

        Run(TrainingOptions options, TrainingMonitor monitor) {
            this.o = options;
            this.monitor = monitor;
        }

        TrainingResult train() throws GraftException {
            Splits splits = TrainingSteps.openData(o, monitor::log);
            ImageDataset train = splits.train();
            ImageDataset val = splits.val();
            List<String> classes = train.classes();
            String fingerprint =
                    sha256(
                            (train.fingerprint() + "\n" + val.fingerprint())
                                    .getBytes(StandardCharsets.UTF_8));
            Map<String, Object> hyper = hyperparameters(o);

            Checkpoint resumed = null;
            ModelProto graph;
            String backboneName;
            String backboneSha;
            Preprocessing pre;
            if (o.resume() != null) {
                resumed = Checkpoint.read(o.resume());
                checkResumable(resumed, classes, fingerprint, hyper);
                graph = resumed.model();
                backboneName = resumed.run().backbone();
                backboneSha = resumed.run().backboneSha256();
                resumedSha = backboneSha;
                pre = resumed.run().preprocessing();
                monitor.log(
                        "resuming from "
                                + o.resume()
                                + " after epoch "
                                + resumed.state().epoch()
                                + (resumed.state().finished() ? " (finished: exporting)" : ""));
            } else {
                Path existing = o.checkpointDir().resolve(Checkpoint.FILE_NAME);
                if (Files.isRegularFile(existing)) {
                    monitor.log(
                            "note: starting afresh; "
                                    + existing
                                    + " from an earlier run will be replaced (--resume continues"
                                    + " it instead)");
                }
                Backbone backbone = openBackbone();
                backboneName = backbone.name();
                backboneSha = backbone.sha256();
                pre = backbone.preprocessing();
                graph = withNewHead(backbone, classes.size());
                monitor.log(
                        "backbone: "
                                + backbone.name()
                                + " cut at its features, new head for "
                                + classes.size()
                                + " classes, preprocessing "
                                + pre.toJson());
            }

            OnnxBlock block = newBlock(graph);
            Set<String> head = headParameters(graph, block);
            List<Stages.Stage> stages =
                    Stages.of(
                            graph.getGraph(),
                            ModelEditor.FEATURES,
                            n -> block.isTrainable(n) && !head.contains(n));
            int trained =
                    o.strategy() == Strategy.FINETUNE
                            ? Math.min(o.unfreeze(), stages.size())
                            : stages.size();
            Set<String> frozen = new HashSet<>();
            Set<String> frozenBatchNorms = new HashSet<>();
            for (Stages.Stage s : stages.subList(0, stages.size() - trained)) {
                frozen.addAll(s.parameters());
                frozenBatchNorms.addAll(s.batchNorms());
            }
            BlockFactory blocks =
                    values -> {
                        OnnxBlock b = newBlock(values);
                        b.freezeParameters(true, p -> frozen.contains(p.getName()));
                        b.freezeBatchNorm(true, frozenBatchNorms::contains);
                        return b;
                    };
            block.freezeParameters(true, p -> frozen.contains(p.getName()));
            block.freezeBatchNorm(true, frozenBatchNorms::contains);
            Device[] devices = devices(o.device());
            logStages(stages, trained, graph, block, frozen, devices);
            ModelProto initial = resumed == null ? graph : null;

            List<String> stageNames = stages.stream().map(Stages.Stage::name).toList();
            Checkpoint.Run run =
                    new Checkpoint.Run(
                            o.strategy().cliName(),
                            backboneName,
                            backboneSha,
                            o.featureNode(),
                            classes,
                            pre,
                            fingerprint,
                            train.size(),
                            val.size(),
                            o.seed(),
                            hyper,
                            resumed != null ? resumed.run().versions() : TrainingSteps.versions(),
                            stageNames,
                            trained);

            Loop loop;
            List<Skipped> skipped;
            try (BatchLoader trainLoader =
                            new BatchLoader(
                                    train,
                                    channelsLast(pre),
                                    o.augment()
                                            ? Augmentation.forInput(pre.width(), pre.height())
                                            : Augmentation.none(),
                                    o.batchSize(),
                                    true,
                                    o.seed(),
                                    o.threads());
                    BatchLoader valLoader =
                            new BatchLoader(
                                    val,
                                    pre,
                                    Augmentation.none(),
                                    o.batchSize(),
                                    false,
                                    o.seed(),
                                    o.threads())) {
                loop =
                        new Loop(
                                o,
                                monitor,
                                graph,
                                block,
                                blocks,
                                () -> initial != null ? initial : initialGraph(classes.size()),
                                head,
                                devices,
                                run,
                                resumed);
                loop.run(trainLoader, valLoader, train);
                skipped = new ArrayList<>(trainLoader.skipped());
                skipped.addAll(valLoader.skipped());
                Checkpoint last = loop.last();
                for (Skipped s : skipped) {
                    monitor.log("skipped " + s.id() + ": " + s.reason());
                }
                return finish(last, valLoader, train, val, devices[0], skipped);
            }
        }

        /**
         * The backbone cut at its features with a new head: a run's starting point. On pretrained
         * features the head starts near zero (PyTorch's random start times {@link
         * #HEAD_INIT_SCALE}, so predictions start near uniform), as Big Transfer (Kolesnikov et
         * al., 2020) starts its heads at zero: a head at the usual random scale on unnormalised
         * features (SqueezeNet's, with Caffe preprocessing, have a mean squared norm near 8,600)
         * starts confidently wrong, and its first full-rate steps on a tiny set overshoot. Not
         * exactly zero: DJL refuses a first step whose gradients sum to zero, and a zero head's do.
         * A fresh architecture keeps the usual random start.
         */
        private ModelProto withNewHead(Backbone backbone, int classes) {
            ModelProto graph =
                    ModelEditor.appendHead(
                            backbone.featureModel(),
                            HeadOptions.builder(classes)
                                    .seed(o.seed())
                                    .inputName(ModelEditor.FEATURES)
                                    .outputName(ModelExport.LOGITS)
                                    .parameterPrefix(HEAD_PREFIX)
                                    .keepOutputs(true)
                                    .build());
            return o.strategy() == Strategy.SCRATCH ? graph : scaledHead(graph, HEAD_INIT_SCALE);
        }

        /**
         * A resumed run's starting point, rebuilt from the backbone as the first run built it (for
         * setting back a divergence whose best epoch is no better).
         */
        private ModelProto initialGraph(int classes) throws GraftException {
            Backbone b = Backbone.open(o.backbone(), o.preprocess(), o.featureNode(), o.seed());
            if (!b.sha256().equals(resumedSha)) {
                throw new ModelException(
                        "Cannot set the run back to its start: the backbone "
                                + o.backbone()
                                + " is not the one the checkpoint was trained from");
            }
            return withNewHead(b, classes);
        }

        private Backbone openBackbone() throws ModelException {
            boolean file = Files.isRegularFile(Path.of(o.backbone()));
            if (o.strategy() == Strategy.SCRATCH && file) {
                throw new IllegalArgumentException(
                        "Strategy scratch trains a zoo architecture from fresh weights; '"
                                + o.backbone()
                                + "' is a file. Name an architecture of "
                                + ai.graft.converter.zoo.BackboneZoo.names()
                                + ", or use --strategy full to train every layer of the file");
            }
            Backbone b = Backbone.open(o.backbone(), o.preprocess(), o.featureNode(), o.seed());
            if (!file && o.strategy() != Strategy.SCRATCH) {
                monitor.log(
                        "note: "
                                + o.backbone()
                                + " is a zoo architecture with fresh weights, so nothing"
                                + " pretrained transfers; this is the scratch baseline");
            }
            return b;
        }

        /** Exports the best epoch, checks it, evaluates it and writes the reports. */
        private TrainingResult finish(
                Checkpoint c,
                BatchLoader valLoader,
                ImageDataset train,
                ImageDataset val,
                Device device,
                List<Skipped> skipped)
                throws GraftException {
            Path out = o.outDir();
            Path modelFile = out.resolve(MODEL_FILE);
            ModelProto exported = ModelExport.inferenceModel(c);
            double[] parity = parity(c.best(), exported, valLoader, device);
            ModelExport.checkParity(parity, modelFile);
            ModelExport.write(exported, modelFile);
            monitor.log(
                    String.format(
                            Locale.ROOT,
                            "exported %s: best epoch %d (parity: max |logit difference| %.2e,"
                                    + " largest logit %.3g)",
                            modelFile,
                            c.state().bestEpoch(),
                            parity[0],
                            parity[1]));
            Checkpoint.Run run = c.run();
            Checkpoint.State state = c.state();
            TrainingSummary summary =
                    new TrainingSummary(
                            run.backbone(),
                            run.strategy(),
                            run.dataFingerprint(),
                            run.trainSamples(),
                            run.valSamples(),
                            state.epoch(),
                            state.bestEpoch(),
                            run.seed(),
                            run.hyperparameters(),
                            run.versions(),
                            skipped,
                            state.adjustments().isEmpty()
                                    ? note(run)
                                    : note(run) + " " + String.join(" ", state.adjustments()));
            return TrainingSteps.evaluateAndWrite(
                    modelFile,
                    out,
                    train,
                    val,
                    o,
                    summary,
                    run.classes(),
                    state.history(),
                    0,
                    0,
                    parity[0],
                    start,
                    monitor::log);
        }

        /**
         * The trainer's logits (a fresh block of the best values, in inference mode) against ONNX
         * Runtime's on the exported file, on the first validation images.
         */
        private double[] parity(
                ModelProto best, ModelProto exported, BatchLoader valLoader, Device device)
                throws GraftException {
            List<float[]> inputs = new ArrayList<>();
            List<long[]> shapes = new ArrayList<>();
            int images = 0;
            Iterator<Batch> it = valLoader.epoch(0);
            while (it.hasNext() && images < PARITY_IMAGES) {
                Batch b = it.next();
                inputs.add(b.data());
                shapes.add(b.shape());
                images += b.size();
            }
            OnnxBlock reference = OnnxBlock.create(best, List.of(ModelExport.LOGITS));
            byte[] exportedBytes = OnnxModels.toBytes(exported);
            double max = 0;
            double scale = 0;
            try (NDManager manager = NDManager.newBaseManager(device, ENGINE)) {
                reference.initialize(manager, DataType.FLOAT32, new Shape(shapes.get(0)));
                ParameterStore store = new ParameterStore(manager, false);
                for (int k = 0; k < inputs.size(); k++) {
                    float[] expected;
                    try (NDManager sub = manager.newSubManager()) {
                        NDArray x = sub.create(inputs.get(k), new Shape(shapes.get(k)));
                        expected =
                                reference
                                        .forward(store, new NDList(x), false)
                                        .head()
                                        .toFloatArray();
                    }
                    float[] got =
                            ModelExport.OrtLogits.run(exportedBytes, inputs.get(k), shapes.get(k));
                    double[] d = ModelExport.compare(expected, got);
                    max = Math.max(max, d[0]);
                    scale = Math.max(scale, d[1]);
                }
            }
            return new double[] {max, scale};
        }

        private void logStages(
                List<Stages.Stage> stages,
                int trained,
                ModelProto graph,
                OnnxBlock block,
                Set<String> frozen,
                Device[] devices) {
            long total = 0;
            long training = 0;
            for (TensorProto t : graph.getGraph().getInitializerList()) {
                if (block.isTrainable(t.getName())) {
                    long n = OnnxTensors.elementCount(t);
                    total += n;
                    if (!frozen.contains(t.getName())) {
                        training += n;
                    }
                }
            }
            List<String> names =
                    stages.subList(stages.size() - trained, stages.size()).stream()
                            .map(Stages.Stage::name)
                            .toList();
            String what =
                    switch (o.strategy()) {
                        case FINETUNE ->
                                trained == 0
                                        ? "the head alone"
                                        : "the head and the last "
                                                + trained
                                                + " of "
                                                + stages.size()
                                                + " stages "
                                                + names;
                        case FULL -> "every layer (" + stages.size() + " stages) and the head";
                        default -> "every layer of a fresh " + o.backbone();
                    };
            monitor.log(
                    String.format(
                            Locale.ROOT,
                            "%s: training %s, %,d of %,d parameters; %s, learning rate %.3g"
                                    + " (backbone x %.3g), %s schedule, on %s",
                            o.strategy().cliName(),
                            what,
                            training,
                            total,
                            o.optimizer().cliName(),
                            o.learningRate(),
                            o.backboneLrFactor(),
                            o.schedule().cliName(),
                            devices.length == 1 ? devices[0] : Arrays.toString(devices)));
        }

        private void checkResumable(
                Checkpoint c, List<String> classes, String fingerprint, Map<String, Object> hyper) {
            Checkpoint.Run run = c.run();
            List<String> problems = new ArrayList<>();
            if (!run.strategy().equals(o.strategy().cliName())) {
                problems.add("strategy " + run.strategy() + ", not " + o.strategy().cliName());
            }
            if (!run.classes().equals(classes)) {
                problems.add("classes " + run.classes() + ", not " + classes);
            }
            if (!run.dataFingerprint().equals(fingerprint)) {
                problems.add("other data (the data fingerprint differs)");
            }
            if (run.seed() != o.seed()) {
                problems.add("seed " + run.seed() + ", not " + o.seed());
            }
            // Compared as the checkpoint gives them back: through JSON.
            Map<String, Object> now = GraftJson.readObject(GraftJson.write(hyper));
            if (!now.equals(run.hyperparameters())) {
                Map<String, Object> was = new TreeMap<>(run.hyperparameters());
                Map<String, Object> is = new TreeMap<>(now);
                for (String k : is.keySet()) {
                    if (!Objects.equals(was.get(k), is.get(k))) {
                        problems.add(k + " " + was.get(k) + ", not " + is.get(k));
                    }
                }
                for (String k : was.keySet()) {
                    if (!is.containsKey(k)) {
                        problems.add(k + " " + was.get(k) + ", not unset");
                    }
                }
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(
                        "Cannot resume from "
                                + o.resume()
                                + ": it was trained with "
                                + String.join("; ", problems)
                                + ". Resume with the settings of the interrupted run, or start"
                                + " afresh without --resume");
            }
        }
    }

    /** Makes a training block, frozen as the run asks, from a graph with given values. */
    @FunctionalInterface
    private interface BlockFactory {
        OnnxBlock create(ModelProto values) throws ModelException;
    }

    /** The run's starting point (the backbone with its fresh head), made when first needed. */
    @FunctionalInterface
    private interface InitialGraph {
        ModelProto get() throws GraftException;
    }

    private static OnnxBlock newBlock(ModelProto graph) throws ModelException {
        return OnnxBlock.create(graph, List.of(ModelExport.LOGITS));
    }

    /**
     * One pass over the training data: its mean loss and accuracy (over the steps taken), where the
     * steps stand, the steps skipped for a non-finite loss or gradient, and the loss of the run's
     * very first batch (before any step; NaN unless the pass began the run).
     */
    private record TrainPass(
            double loss,
            double accuracy,
            long images,
            long step,
            int skippedSteps,
            double firstLoss) {}

    /** One pass over the validation data: plain cross-entropy and accuracy. */
    private record ValPass(double loss, double accuracy) {}

    /**
     * The epochs: training, validation, early stopping, checkpoints, and the divergence guard.
     *
     * <p>An epoch has diverged when its training loss and its validation loss both end above {@link
     * #DIVERGENCE_RATIO} times the larger of the first epoch's training loss and {@code ln K}
     * (chance for K classes), or when either is not finite (every step of the epoch had a NaN or
     * infinite loss or gradient), or when steps were skipped for such values and the validation
     * loss ends above the limit: on a small set one step too large sends the head's logits far past
     * the data, and the run does not recover. The guard then sets the weights back to the best
     * epoch's (to the run's start when the best epoch is no better), drops the optimizer's
     * momentum, halves the learning rate, and says so in the log and the report; after {@link
     * #MAX_RATE_CUTS} halvings a run that still diverges stops and says what to change. A diverged
     * epoch is never the best one. Checkpoints carry the scale, so {@code --resume} continues on
     * the same curve.
     */
    private static final class Loop {
        private final TrainingOptions o;
        private final TrainingMonitor monitor;
        private final ModelProto graph;
        private final OnnxBlock block;
        private final BlockFactory blocks;
        private final InitialGraph initial;
        private final Set<String> head;
        private final Device[] devices;
        private final Checkpoint.Run run;
        private final Checkpoint resumed;
        private Checkpoint last;

        Loop(
                TrainingOptions o,
                TrainingMonitor monitor,
                ModelProto graph,
                OnnxBlock block,
                BlockFactory blocks,
                InitialGraph initial,
                Set<String> head,
                Device[] devices,
                Checkpoint.Run run,
                Checkpoint resumed) {
            this.o = o;
            this.monitor = monitor;
            this.graph = graph;
            this.block = block;
            this.blocks = blocks;
            this.initial = initial;
            this.head = head;
            this.devices = devices;
            this.run = run;
            this.resumed = resumed;
        }

        Checkpoint last() {
            return last;
        }

        void run(BatchLoader trainLoader, BatchLoader valLoader, ImageDataset train)
                throws GraftException {
            if (resumed != null && resumed.state().finished()) {
                last =
                        new Checkpoint(
                                run,
                                resumed.state(),
                                resumed.model(),
                                resumed.best(),
                                resumed.optimizerState());
                return;
            }
            Engine engine = Engine.getEngine(ENGINE);
            noGradients();
            Map<String, float[][]> savedOptimizer =
                    resumed == null ? Map.of() : resumed.optimizerState();
            int epoch = resumed == null ? 0 : resumed.state().epoch();
            long step = resumed == null ? 0 : resumed.state().step();
            int bestEpoch = resumed == null ? 0 : resumed.state().bestEpoch();
            double bestAcc = resumed == null ? -1 : resumed.state().bestValAccuracy();
            double bestLoss =
                    resumed == null ? Double.POSITIVE_INFINITY : resumed.state().bestValLoss();
            int sinceBest = resumed == null ? 0 : resumed.state().sinceBest();
            List<EpochMetrics> history =
                    new ArrayList<>(resumed == null ? List.of() : resumed.state().history());
            ModelProto best = resumed == null ? graph : resumed.best();
            double rateScale = resumed == null ? 1.0 : resumed.state().rateScale();
            double startLoss = resumed == null ? Double.NaN : resumed.state().startLoss();
            List<String> adjustments =
                    new ArrayList<>(resumed == null ? List.of() : resumed.state().adjustments());

            float[] classWeights = classWeights(train.countsPerClass(), o.classWeights());
            SmoothedCrossEntropy loss =
                    new SmoothedCrossEntropy((float) o.labelSmoothing(), classWeights);
            int stepsPerEpoch = trainLoader.batchesPerEpoch();
            LearningRates rates = LearningRates.of(o, stepsPerEpoch);
            Path file = o.checkpointDir().resolve(Checkpoint.FILE_NAME);
            OnnxBlock current = block;
            boolean setBack;
            do {
                setBack = false;
                try (Model model =
                        Model.newInstance("graft-" + o.strategy().cliName(), devices[0], ENGINE)) {
                    model.setBlock(current);
                    GraphOptimizer optimizer = optimizer(current, model.getNDManager());
                    DefaultTrainingConfig config =
                            new DefaultTrainingConfig(loss)
                                    .optOptimizer(optimizer)
                                    .optDevices(devices);
                    Preprocessing pre = run.preprocessing();
                    try (Trainer trainer = model.newTrainer(config)) {
                        trainer.initialize(new Shape(ModelExport.inputShape(pre, 1)));
                        if (!savedOptimizer.isEmpty()) {
                            optimizer.restoreState(savedOptimizer, shapes(current));
                        }
                        while (epoch < o.epochs()) {
                            epoch++;
                            engine.setRandomSeed(epochSeed(o.seed(), epoch));
                            long t0 = System.nanoTime();
                            TrainPass tr =
                                    trainEpoch(
                                            trainer,
                                            current,
                                            optimizer,
                                            loss,
                                            rates,
                                            rateScale,
                                            trainLoader,
                                            epoch,
                                            step,
                                            stepsPerEpoch);
                            // Skipped images are known once every one has been read.
                            Datasets.requireReadable(
                                    train, trainLoader.skipped(), o.minPerClass(), o.data());
                            step = tr.step();
                            if (Double.isNaN(startLoss)) {
                                startLoss = tr.firstLoss();
                            }
                            double trainSeconds = (System.nanoTime() - t0) / 1e9;
                            ValPass va = validate(trainer, valLoader);
                            double seconds = (System.nanoTime() - t0) / 1e9;
                            EpochMetrics m =
                                    new EpochMetrics(
                                            epoch,
                                            tr.loss(),
                                            tr.accuracy(),
                                            va.loss(),
                                            va.accuracy(),
                                            rates.at(Math.max(0, step - 1)) * rateScale,
                                            tr.images() / Math.max(trainSeconds, 1e-9),
                                            seconds);
                            history.add(m);
                            logEpoch(m, seconds, epoch >= o.epochs(), history);
                            ModelProto now = withValues(graph, current.parameterValues());
                            double limit =
                                    divergenceLimit(
                                            startLoss, history.get(0), run.classes().size());
                            // Steps skipped for non-finite values leave the training loss of the
                            // others: then the validation loss alone speaks.
                            boolean diverged =
                                    !Double.isFinite(tr.loss())
                                            || !Double.isFinite(va.loss())
                                            || ((tr.loss() > limit || tr.skippedSteps() > 0)
                                                    && va.loss() > limit);
                            if (diverged && cuts(rateScale) < MAX_RATE_CUTS && epoch < o.epochs()) {
                                // Set back: the best epoch, unless it too is past the limit.
                                boolean bestSound = bestEpoch > 0 && bestLoss <= limit;
                                ModelProto back = bestSound ? best : initial.get();
                                rateScale /= 2;
                                String what =
                                        String.format(
                                                Locale.ROOT,
                                                "Epoch %d diverged (training loss %.4g,"
                                                        + " validation loss %.4g, above %.4g):"
                                                        + " set back to %s and halved the"
                                                        + " learning rate to %.3g.",
                                                epoch,
                                                tr.loss(),
                                                va.loss(),
                                                limit,
                                                bestSound
                                                        ? "epoch " + bestEpoch + "'s weights"
                                                        : "the starting weights",
                                                o.learningRate() * rateScale);
                                adjustments.add(what);
                                monitor.log(what);
                                sinceBest = 0;
                                Checkpoint.State state =
                                        new Checkpoint.State(
                                                epoch,
                                                step,
                                                false,
                                                bestEpoch,
                                                bestAcc,
                                                bestLoss,
                                                sinceBest,
                                                history,
                                                rateScale,
                                                adjustments,
                                                startLoss);
                                // Momentum carried the divergence: the optimizer starts afresh.
                                last = new Checkpoint(run, state, back, best, Map.of());
                                last.write(file);
                                current = blocks.create(back);
                                savedOptimizer = Map.of();
                                setBack = true;
                                break;
                            }
                            boolean better = !diverged && va.accuracy() > bestAcc + 1e-12;
                            if (better
                                    || (!diverged
                                            && Math.abs(va.accuracy() - bestAcc) <= 1e-12
                                            && va.loss() < bestLoss)) {
                                sinceBest = better ? 0 : sinceBest + 1;
                                bestAcc = va.accuracy();
                                bestLoss = va.loss();
                                bestEpoch = epoch;
                                best = now;
                            } else {
                                sinceBest++;
                            }
                            boolean stop = o.patience() > 0 && sinceBest >= o.patience();
                            if (diverged) {
                                String kept =
                                        bestEpoch > 0
                                                ? "epoch " + bestEpoch
                                                : "the starting weights";
                                String what =
                                        cuts(rateScale) >= MAX_RATE_CUTS
                                                ? String.format(
                                                        Locale.ROOT,
                                                        "Epoch %d diverged again after %d halvings"
                                                                + " of the learning rate (now"
                                                                + " %.3g): stopped, keeping %s."
                                                                + " Try a smaller --lr (%.3g),"
                                                                + " fewer trained stages"
                                                                + " (--unfreeze 1), or --strategy"
                                                                + " features, which suits small"
                                                                + " sets.",
                                                        epoch,
                                                        MAX_RATE_CUTS,
                                                        o.learningRate() * rateScale,
                                                        kept,
                                                        o.learningRate() * rateScale / 4)
                                                : String.format(
                                                        Locale.ROOT,
                                                        "Epoch %d, the last, diverged (training"
                                                                + " loss %.4g, validation loss"
                                                                + " %.4g, above %.4g): keeping %s."
                                                                + " Try a smaller --lr (%.3g).",
                                                        epoch,
                                                        tr.loss(),
                                                        va.loss(),
                                                        limit,
                                                        kept,
                                                        o.learningRate() * rateScale / 2);
                                adjustments.add(what);
                                monitor.log(what);
                                stop = true;
                            }
                            boolean finished = stop || epoch >= o.epochs();
                            Checkpoint.State state =
                                    new Checkpoint.State(
                                            epoch,
                                            step,
                                            finished,
                                            bestEpoch,
                                            bestAcc,
                                            bestLoss,
                                            sinceBest,
                                            history,
                                            rateScale,
                                            adjustments,
                                            startLoss);
                            last = new Checkpoint(run, state, now, best, optimizer.saveState());
                            last.write(file);
                            if (stop && !diverged) {
                                monitor.log(
                                        String.format(
                                                Locale.ROOT,
                                                "early stop: no better validation accuracy for"
                                                        + " %d epochs; keeping epoch %d",
                                                o.patience(),
                                                bestEpoch));
                            }
                            if (finished) {
                                break;
                            }
                        }
                    }
                }
            } while (setBack);
            if (last == null) {
                // Resumed from a checkpoint whose epoch count already reached the asked epochs.
                last =
                        new Checkpoint(
                                run,
                                resumed.state(),
                                resumed.model(),
                                resumed.best(),
                                resumed.optimizerState());
            }
        }

        private void logEpoch(
                EpochMetrics m, double seconds, boolean lastEpoch, List<EpochMetrics> history) {
            double eta = (o.epochs() - m.epoch()) * mean(history, resumed);
            monitor.log(
                    String.format(
                            Locale.ROOT,
                            "epoch %d/%d: loss %.4f, accuracy %.4f, val loss %.4f,"
                                    + " val accuracy %.4f, lr %.2e, %.1f images/s, %.1f s%s",
                            m.epoch(),
                            o.epochs(),
                            m.trainLoss(),
                            m.trainAccuracy(),
                            m.valLoss(),
                            m.valAccuracy(),
                            m.learningRate(),
                            m.imagesPerSecond(),
                            seconds,
                            lastEpoch ? "" : ", ETA " + clock(eta)));
        }

        /**
         * One pass over the training data, at {@code rateScale} times the schedule's rate.
         *
         * @return the pass; its loss is NaN when every step had a non-finite loss or gradient
         * @throws DatasetException when no training image could be read
         */
        private TrainPass trainEpoch(
                Trainer trainer,
                OnnxBlock block,
                GraphOptimizer optimizer,
                SmoothedCrossEntropy loss,
                LearningRates rates,
                double rateScale,
                BatchLoader loader,
                int epoch,
                long step,
                int stepsPerEpoch)
                throws DatasetException {
            double lossSum = 0;
            double firstLoss = Double.NaN;
            long correct = 0;
            long seen = 0;
            int batches = 0;
            long skippedImages = 0;
            int skippedSteps = 0;
            long t0 = System.nanoTime();
            Iterator<Batch> it = loader.epoch(epoch - 1);
            while (it.hasNext()) {
                Batch b = it.next();
                double rate = rates.at(step) * rateScale;
                optimizer.setLearningRate(rate);
                optimizer.setStep(step);
                float totalWeight = loss.weightOf(b.labels());
                try (NDManager sub = trainer.getManager().newSubManager()) {
                    NDArray x = trainingInput(sub, b, run.preprocessing());
                    NDArray y = sub.create(b.labels());
                    List<NDArray[]> parts = split(x, y, sub);
                    double batchLoss = 0;
                    long batchCorrect = 0;
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        for (NDArray[] part : parts) {
                            NDArray logits = trainer.forward(new NDList(part[0])).head();
                            NDArray l = loss.weightedSum(logits, part[1]).div(totalWeight);
                            gc.backward(l);
                            batchLoss += l.getFloat();
                            batchCorrect += correct(logits, part[1]);
                        }
                    }
                    boolean oneDevice = devices.length == 1;
                    // On several devices DJL sums their gradients in its own step, and the loss
                    // check alone applies.
                    if (step == 0) {
                        firstLoss = batchLoss;
                    }
                    if (Double.isFinite(batchLoss)
                            && (!oneDevice || gradientsFinite(block.getParameters().values()))) {
                        trainer.step();
                        lossSum += batchLoss * b.size();
                        correct += batchCorrect;
                    } else {
                        // A step on an infinite or NaN gradient would ruin every weight for
                        // good: leave the weights as they are, as mixed-precision training does.
                        clearGradients(block.getParameters().values());
                        skippedImages += b.size();
                        skippedSteps++;
                        monitor.log(
                                String.format(
                                        Locale.ROOT,
                                        "epoch %d, step %d: the loss or a gradient is not finite"
                                                + " (loss %s); step skipped, weights unchanged",
                                        epoch,
                                        batches + 1,
                                        batchLoss));
                    }
                }
                step++;
                batches++;
                seen += b.size();
                double elapsed = (System.nanoTime() - t0) / 1e9;
                double left = elapsed / batches * Math.max(0, stepsPerEpoch - batches);
                monitor.status(
                        String.format(
                                Locale.ROOT,
                                "epoch %d/%d %s %d/%d loss %.4f acc %.4f %.1f img/s ETA %s",
                                epoch,
                                o.epochs(),
                                bar(batches, stepsPerEpoch),
                                batches,
                                stepsPerEpoch,
                                lossSum / seen,
                                (double) correct / seen,
                                seen / Math.max(elapsed, 1e-9),
                                clock(left)));
            }
            if (seen == 0) {
                throw new DatasetException(
                        "No training image of "
                                + o.data()
                                + " could be read"
                                + firstSkipped(loader)
                                + "; replace or remove the unreadable files");
            }
            long used = seen - skippedImages;
            if (used == 0) {
                // Every step had a non-finite loss or gradient: the divergence guard takes it.
                return new TrainPass(Double.NaN, Double.NaN, seen, step, skippedSteps, firstLoss);
            }
            return new TrainPass(
                    lossSum / used, (double) correct / used, seen, step, skippedSteps, firstLoss);
        }

        /** Splits a batch across the devices (one part per device that gets rows). */
        private List<NDArray[]> split(NDArray x, NDArray y, NDManager sub) {
            List<NDArray[]> parts = new ArrayList<>();
            long n = x.getShape().get(0);
            if (devices.length == 1) {
                parts.add(
                        new NDArray[] {
                            x.toDevice(devices[0], false), y.toDevice(devices[0], false)
                        });
                return parts;
            }
            long from = 0;
            for (int d = 0; d < devices.length && from < n; d++) {
                long to = from + (n - from + (devices.length - d) - 1) / (devices.length - d);
                NDArray xp = x.get(from + ":" + to).toDevice(devices[d], false);
                NDArray yp = y.get(from + ":" + to).toDevice(devices[d], false);
                xp.attach(sub);
                yp.attach(sub);
                parts.add(new NDArray[] {xp, yp});
                from = to;
            }
            return parts;
        }

        /**
         * The validation set in inference mode on the first device: plain cross-entropy (no
         * smoothing, no weights) and accuracy.
         */
        private ValPass validate(Trainer trainer, BatchLoader loader) throws DatasetException {
            double lossSum = 0;
            long correct = 0;
            long seen = 0;
            Iterator<Batch> it = loader.epoch(0);
            while (it.hasNext()) {
                Batch b = it.next();
                try (NDManager sub = trainer.getManager().newSubManager()) {
                    NDArray x = sub.create(b.data(), new Shape(b.shape()));
                    NDArray y = sub.create(b.labels());
                    NDArray logits = trainer.evaluate(new NDList(x)).head();
                    NDArray logp = logits.logSoftmax(1);
                    NDArray picked =
                            logp.mul(
                                            y.toType(DataType.INT64, false)
                                                    .oneHot((int) logits.getShape().get(1))
                                                    .toType(logp.getDataType(), false))
                                    .sum();
                    lossSum -= picked.getFloat();
                    correct += correct(logits, y);
                    seen += b.size();
                }
            }
            if (seen == 0) {
                throw new DatasetException(
                        "No validation image of "
                                + o.data()
                                + " could be read"
                                + firstSkipped(loader)
                                + "; replace or remove the unreadable files");
            }
            return new ValPass(lossSum / seen, (double) correct / seen);
        }

        /** The first file the loader could not read and why, as " (FILE: REASON)", or "". */
        private static String firstSkipped(BatchLoader loader) {
            List<Skipped> skipped = loader.skipped();
            return skipped.isEmpty()
                    ? ""
                    : " (" + skipped.get(0).id() + ": " + skipped.get(0).reason() + ")";
        }

        private GraphOptimizer optimizer(OnnxBlock block, NDManager stateManager) {
            Map<String, String> names = new HashMap<>();
            Map<String, Float> factors = new HashMap<>();
            Set<String> decayed = new HashSet<>();
            for (Parameter p : block.getParameters().values()) {
                names.put(p.getId(), p.getName());
                if (!head.contains(p.getName())) {
                    factors.put(p.getId(), (float) o.backboneLrFactor());
                }
                // Weight decay on weights (matrices, kernels), not on biases and batch-norm affine
                // parameters, as is usual.
                if (p.getShape() != null && p.getShape().dimension() >= 2) {
                    decayed.add(p.getId());
                }
            }
            return new GraphOptimizer(
                    o.optimizer(),
                    (float) o.momentum(),
                    (float) o.weightDecay(),
                    names,
                    factors,
                    decayed,
                    stateManager,
                    devices[0]);
        }

        private static Map<String, Shape> shapes(OnnxBlock block) {
            Map<String, Shape> out = new HashMap<>();
            for (Parameter p : block.getParameters().values()) {
                out.put(p.getName(), p.getArray().getShape());
            }
            return out;
        }
    }

    // ---------------------------------------------------------------- helpers

    /** How many times the learning rate has been halved. */
    static int cuts(double rateScale) {
        return (int) Math.round(-Math.log(rateScale) / Math.log(2));
    }

    /**
     * The loss above which an epoch counts as diverged: {@link #DIVERGENCE_RATIO} times the larger
     * of the run's starting loss and {@code ln K}, the loss of uniform predictions.
     *
     * @param startLoss the loss of the run's first batch, before any step; when it is not finite or
     *     unknown (a checkpoint of an older version), the first epoch's mean loss stands in
     * @param firstEpoch the run's first epoch
     * @param classes the number of classes K
     * @return the limit
     */
    static double divergenceLimit(double startLoss, EpochMetrics firstEpoch, int classes) {
        double start = Double.isFinite(startLoss) ? startLoss : firstEpoch.trainLoss();
        double chance = Math.log(Math.max(2, classes));
        return DIVERGENCE_RATIO * (Double.isFinite(start) ? Math.max(start, chance) : chance);
    }

    /** Outside a gradient collector, PyTorch must not record graphs (its mode is per thread). */
    private static void noGradients() {
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
    }

    private static long correct(NDArray logits, NDArray labels) {
        NDArray predicted = logits.argMax(1).toType(DataType.INT64, false);
        NDArray truth = labels.toType(DataType.INT64, false).toDevice(predicted.getDevice(), false);
        return predicted.eq(truth).toType(DataType.INT64, false).sum().getLong();
    }

    /** The graph with the given float32 values written into its initializers. */
    static ModelProto withValues(ModelProto model, Map<String, float[]> values) {
        GraphProto.Builder g = model.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            float[] v = values.get(t.getName());
            // Backbones are float32 after opening (float16 is converted); other types stay as read.
            if (v != null && t.getDataType() == TensorProto.DataType.FLOAT_VALUE) {
                g.setInitializer(i, OnnxTensors.fromFloats(t.getName(), OnnxTensors.dims(t), v));
            }
        }
        return model.toBuilder().setGraph(g).build();
    }

    /**
     * The graph with the head's float initializers (those read by the nodes after the features)
     * multiplied by {@code factor}.
     */
    static ModelProto scaledHead(ModelProto model, float factor) {
        Set<String> downstream = new HashSet<>(Set.of(ModelEditor.FEATURES));
        Set<String> head = new HashSet<>();
        for (var n : model.getGraph().getNodeList()) {
            if (n.getInputList().stream().anyMatch(downstream::contains)) {
                downstream.addAll(n.getOutputList());
                head.addAll(n.getInputList());
            }
        }
        GraphProto.Builder g = model.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            if (head.contains(t.getName()) && t.getDataType() == TensorProto.DataType.FLOAT_VALUE) {
                float[] v = OnnxTensors.toFloats(t);
                for (int k = 0; k < v.length; k++) {
                    v[k] *= factor;
                }
                g.setInitializer(i, OnnxTensors.fromFloats(t.getName(), OnnxTensors.dims(t), v));
            }
        }
        return model.toBuilder().setGraph(g).build();
    }

    /** The head's initializers: those of the graph that the feature extractor does not read. */
    private static Set<String> headParameters(ModelProto graph, OnnxBlock block) {
        Set<String> head = new HashSet<>();
        GraphProto g = graph.getGraph();
        // The head reads the features: its nodes come after the node producing them.
        Set<String> downstream = new HashSet<>();
        downstream.add(ModelEditor.FEATURES);
        for (var n : g.getNodeList()) {
            boolean after = n.getInputList().stream().anyMatch(downstream::contains);
            if (after) {
                downstream.addAll(n.getOutputList());
                for (String in : n.getInputList()) {
                    if (block.parameter(in) != null) {
                        head.add(in);
                    }
                }
            }
        }
        return head;
    }

    /** Inverse class frequency, {@code n / (K * count)}, or 1 for every class. */
    static float[] classWeights(int[] counts, boolean weighted) {
        float[] w = new float[counts.length];
        long n = 0;
        for (int c : counts) {
            n += c;
        }
        for (int k = 0; k < counts.length; k++) {
            w[k] = weighted && counts[k] > 0 ? (float) n / (counts.length * counts[k]) : 1f;
        }
        return w;
    }

    /** The engine's seed for an epoch: a mix of the run's seed and the epoch number. */
    static int epochSeed(long seed, int epoch) {
        long z = seed + 0x9E3779B97F4A7C15L * (epoch + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (int) (z & 0x7FFFFFFF);
    }

    private static Device[] devices(ai.graft.sdk.Device wanted) throws GraftException {
        if (wanted == ai.graft.sdk.Device.CPU) {
            // Not even asking for GPUs: the probe logs warnings on machines without CUDA.
            return new Device[] {Device.cpu()};
        }
        Engine engine = Engine.getEngine(ENGINE);
        return devices(wanted, engine.getGpuCount(), engine.getVersion());
    }

    /**
     * The devices a run trains on.
     *
     * @param wanted CPU, CUDA (every GPU) or AUTO (the GPUs when there are any, else the CPU)
     * @param gpus how many GPUs PyTorch sees
     * @param engineVersion PyTorch's version, for the message
     * @return the devices, the first one holding the parameters
     * @throws GraftException when GPUs are asked for and PyTorch sees none
     */
    static Device[] devices(ai.graft.sdk.Device wanted, int gpus, String engineVersion)
            throws GraftException {
        Device[] all = new Device[gpus];
        for (int i = 0; i < gpus; i++) {
            all[i] = Device.gpu(i);
        }
        switch (wanted) {
            case CPU:
                return new Device[] {Device.cpu()};
            case CUDA:
                if (gpus == 0) {
                    throw new GraftException(
                            "--device gpu: PyTorch sees no GPU (this install has PyTorch "
                                    + engineVersion
                                    + " CPU natives; set PYTORCH_FLAVOR and"
                                    + " PYTORCH_LIBRARY_PATH for CUDA ones), or use --device cpu");
                }
                return all;
            default:
                return gpus > 0 ? all : new Device[] {Device.cpu()};
        }
    }

    /** What shapes the training; a resumed run must have the same. */
    static Map<String, Object> hyperparameters(TrainingOptions o) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("epochs", o.epochs());
        h.put("optimizer", o.optimizer().cliName());
        h.put("learningRate", o.learningRate());
        h.put("backboneLrFactor", o.backboneLrFactor());
        if (o.optimizer() == TrainingOptions.Optimizer.SGD) {
            h.put("momentum", o.momentum());
        }
        h.put("weightDecay", o.weightDecay());
        h.put("schedule", o.schedule().cliName());
        if (o.schedule() == TrainingOptions.Schedule.STEP) {
            h.put("stepEpochs", o.stepEpochs());
            h.put("stepGamma", o.stepGamma());
        }
        h.put("warmupEpochs", o.warmupEpochs());
        h.put("labelSmoothing", o.labelSmoothing());
        h.put("classWeights", o.classWeights());
        h.put("batchSize", o.batchSize());
        h.put("patience", o.patience());
        if (o.strategy() == Strategy.FINETUNE) {
            h.put("unfreeze", o.unfreeze());
        }
        h.put("augment", o.augment());
        h.put("valFraction", o.valFraction());
        h.put("perClass", o.perClass());
        h.put("featureNode", o.featureNode());
        h.put("preprocess", o.preprocess());
        return h;
    }

    private static String note(Checkpoint.Run run) {
        return switch (run.strategy()) {
            case "finetune" ->
                    String.format(
                            Locale.ROOT,
                            "Fine-tuned: a new linear head and the last %d of %d backbone stages trained"
                                    + " on augmented images; earlier stages frozen.",
                            run.trainedStages(),
                            run.stages().size());
            case "full" ->
                    "Every layer trained from the pretrained weights, with a new linear" + " head.";
            default ->
                    "Trained from scratch: the architecture with fresh weights (the baseline"
                            + " that transfer learning must beat).";
        };
    }

    /** Mean seconds per epoch of this process (resumed epochs excluded, they ran elsewhere). */
    private static double mean(List<EpochMetrics> history, Checkpoint resumed) {
        int skip = resumed == null ? 0 : resumed.state().history().size();
        double sum = 0;
        int n = 0;
        for (int i = skip; i < history.size(); i++) {
            sum += history.get(i).seconds();
            n++;
        }
        return n == 0 ? 0 : sum / n;
    }

    private static String bar(int done, int total) {
        int width = 20;
        int filled = total <= 0 ? width : (int) Math.min(width, (long) done * width / total);
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
    }

    /** Seconds as {@code m:ss} or {@code h:mm:ss}. */
    static String clock(double seconds) {
        long s = Math.round(Math.max(0, seconds));
        long h = s / 3600;
        long m = (s % 3600) / 60;
        long sec = s % 60;
        return h > 0
                ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, sec)
                : String.format(Locale.ROOT, "%d:%02d", m, sec);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * The layout the training batches are prepared in: NHWC for a model that takes NCHW, so that
     * {@link #trainingInput} hands the engine an NCHW tensor stored channels-last, on which
     * PyTorch's CPU convolutions (oneDNN) train about a quarter faster than on a contiguous NCHW
     * one (SqueezeNet 1.1, batch 32, 2 cores: 1.80 s a step against 1.41 s). The values are the
     * same; only their order in memory differs.
     */
    static Preprocessing channelsLast(Preprocessing pre) {
        return pre.layout() == Preprocessing.Layout.NCHW
                ? pre.toBuilder().layout(Preprocessing.Layout.NHWC).build()
                : pre;
    }

    /**
     * A training batch as the model's input: a batch prepared by {@link #channelsLast} for a model
     * whose preprocessing is {@code pre} (NHWC data for an NCHW model) becomes a channels-last NCHW
     * view of it, with no copy; any other batch is taken as it is.
     */
    static NDArray trainingInput(NDManager manager, Batch b, Preprocessing pre) {
        NDArray x = manager.create(b.data(), new Shape(b.shape()));
        return pre.layout() == Preprocessing.Layout.NCHW ? x.transpose(0, 3, 1, 2) : x;
    }

    /**
     * Whether every gradient of {@code params} is finite (no NaN, no infinity).
     *
     * @param params the parameters; those without an array or a gradient are skipped
     * @return true when all are finite
     */
    static boolean gradientsFinite(Collection<Parameter> params) {
        NDManager scope = null;
        NDArray total = null;
        try {
            for (Parameter p : params) {
                NDArray a = p.isInitialized() ? p.getArray() : null;
                if (a == null || !a.hasGradient()) {
                    continue;
                }
                if (scope == null) {
                    scope = NDManager.subManagerOf(a);
                }
                NDArray g = a.getGradient();
                g.attach(scope);
                NDArray sum = g.abs().sum();
                total = total == null ? sum : total.add(sum);
            }
            // One read of one number: a single wait for the device per step.
            return total == null || Float.isFinite(total.getFloat());
        } finally {
            if (scope != null) {
                scope.close();
            }
        }
    }

    /**
     * Sets every gradient of {@code params} to zero, NaN and infinite values included (subtracting
     * a gradient from itself would keep them).
     *
     * @param params the parameters
     */
    static void clearGradients(Collection<Parameter> params) {
        for (Parameter p : params) {
            NDArray a = p.isInitialized() ? p.getArray() : null;
            if (a != null && a.hasGradient()) {
                try (NDArray g = a.getGradient()) {
                    g.set(new NDIndex("..."), 0);
                }
            }
        }
    }
}
