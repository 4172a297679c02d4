package ai.graft.trainer.tune;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.graft.converter.ModelEditor;
import ai.graft.converter.OnnxTensors;
import ai.graft.converter.checkpoint.Checkpoint;
import ai.graft.converter.checkpoint.ModelExport;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.Preprocessing;
import ai.graft.trainer.Backbone;
import ai.graft.trainer.Strategy;
import ai.graft.trainer.Trainer;
import ai.graft.trainer.TrainingMonitor;
import ai.graft.trainer.TrainingOptions;
import ai.graft.trainer.TrainingResult;
import ai.graft.trainer.TrainingSteps;
import ai.graft.trainer.data.Augmentation;
import ai.graft.trainer.data.Batch;
import ai.graft.trainer.data.BatchLoader;
import ai.graft.trainer.data.DatasetException;
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
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The graph pipeline behind {@link Trainer#train}, for {@code finetune}, {@code full} and {@code
 * scratch}: the backbone is cut at its feature node, a new linear head for the dataset's classes is
 * appended ({@link StartingGraph}), and the whole graph trains as one DJL block ({@link OnnxBlock})
 * on the PyTorch engine, on augmented images, with the chosen parts frozen:
 *
 * <ul>
 *   <li>{@code finetune}: the head and the last {@link TrainingOptions#unfreeze()} stages (see
 *       {@code Stages}: for SqueezeNet a stage is a Fire module, for a ViT an encoder block, for
 *       ConvNeXt a stage of blocks), the backbone at {@link TrainingOptions#backboneLrFactor()}
 *       times the head's learning rate (times {@code layerDecay^(L - i)} for stage i of L with
 *       {@link TrainingOptions#layerDecay()}); earlier stages and their batch-norm statistics stay
 *       frozen;
 *   <li>{@code full}: every layer, from the pretrained weights;
 *   <li>{@code scratch}: every layer of a zoo architecture with fresh weights.
 * </ul>
 *
 * <p>This class sets the run up (afresh, or from {@link TrainingOptions#resume()} after {@link
 * Checkpoint.Run#checkResumable} agrees), hands the epochs to the {@link EpochLoop} (which writes
 * {@code OUT/checkpoints/last.ckpt} after each), and at the end exports the best epoch with {@link
 * ModelExport}, checked against the trainer's own forward pass in inference mode on validation
 * images, to {@code OUT/model.onnx}; the file is then evaluated on the validation set through the
 * SDK and reported ({@code report.md}, {@code report.json}, metrics CSV and JSON, plots).
 *
 * <p>Devices: {@code cpu}; {@code gpu} trains data-parallel on every GPU PyTorch sees ({@link
 * TrainingDevices}); {@code auto} takes the GPUs when there are any. Not thread-safe for one output
 * folder: two runs must not share {@code OUT}.
 */
public final class GraphTrainer {
    private static final int PARITY_IMAGES = 16;

    private GraphTrainer() {}

    /**
     * Trains, checkpoints, exports, checks and evaluates; called through {@link Trainer#train}.
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
        if (!options.strategy().trainsGraph()) {
            throw new IllegalArgumentException(
                    "GraphTrainer trains finetune, full and scratch, not "
                            + options.strategy().cliName());
        }
        return new Run(options, monitor).train();
    }

    /**
     * Where a run starts: the training graph and what it was made from.
     *
     * @param graph the backbone with its head, with the values to start from
     * @param backboneName the backbone's name
     * @param backboneSha256 the backbone's digest
     * @param preprocessing the model's preprocessing
     * @param resumed the checkpoint the run continues, or null for a fresh run
     */
    private record Start(
            ModelProto graph,
            String backboneName,
            String backboneSha256,
            Preprocessing preprocessing,
            Checkpoint resumed) {}

    /** One training run's state. */
    private static final class Run {
        private final TrainingOptions o;
        private final TrainingMonitor monitor;
        private final long start = System.nanoTime();

        Run(TrainingOptions options, TrainingMonitor monitor) {
            this.o = options;
            this.monitor = monitor;
        }

        TrainingResult train() throws GraftException {
            Splits splits = TrainingSteps.openData(o, monitor);
            ImageDataset train = splits.train();
            ImageDataset val = splits.val();
            List<String> classes = train.classes();
            String fingerprint =
                    sha256(
                            (train.fingerprint() + "\n" + val.fingerprint())
                                    .getBytes(StandardCharsets.UTF_8));
            Map<String, Object> hyper = hyperparameters(o);
            Start from = start(classes, fingerprint, hyper);
            ModelProto graph = from.graph();
            Checkpoint resumed = from.resumed();
            Preprocessing pre = from.preprocessing();

            OnnxBlock block = newBlock(graph);
            Set<String> head = StartingGraph.headParameters(graph, block);
            List<Stages.Stage> stages =
                    Stages.of(
                            graph.getGraph(),
                            ModelEditor.FEATURES,
                            n -> block.isTrainable(n) && !head.contains(n));
            int trained =
                    o.strategy() == Strategy.FINETUNE
                            ? Math.min(o.unfreeze(), stages.size())
                            : stages.size();
            Map<String, Double> layerFactors = LearningRates.layerFactors(stages, o.layerDecay());
            Set<String> frozen = new HashSet<>();
            Set<String> frozenBatchNorms = new HashSet<>();
            for (Stages.Stage s : stages.subList(0, stages.size() - trained)) {
                frozen.addAll(s.parameters());
                frozenBatchNorms.addAll(s.batchNorms());
            }
            EpochLoop.BlockFactory blocks =
                    values -> {
                        OnnxBlock b = newBlock(values);
                        b.freezeParameters(true, p -> frozen.contains(p.getName()));
                        b.freezeBatchNorm(true, frozenBatchNorms::contains);
                        return b;
                    };
            block.freezeParameters(true, p -> frozen.contains(p.getName()));
            block.freezeBatchNorm(true, frozenBatchNorms::contains);
            TrainingDevices.Choice choice = TrainingDevices.of(o.device());
            if (choice.cpuBecause() != null) {
                monitor.log("device auto: training on the CPU: " + choice.cpuBecause().message());
            }
            Device[] devices = choice.devices();
            logStages(stages, trained, graph, block, frozen, devices);

            Checkpoint.Run run =
                    new Checkpoint.Run(
                            o.strategy().cliName(),
                            from.backboneName(),
                            from.backboneSha256(),
                            o.featureNode(),
                            classes,
                            pre,
                            fingerprint,
                            train.size(),
                            val.size(),
                            o.seed(),
                            hyper,
                            resumed != null ? resumed.run().versions() : TrainingSteps.versions(),
                            stages.stream().map(Stages.Stage::name).toList(),
                            trained);
            EpochLoop.InitialGraph initial =
                    () ->
                            resumed == null
                                    ? graph
                                    : StartingGraph.rebuilt(
                                            o, classes.size(), from.backboneSha256());

            try (BatchLoader trainLoader =
                            new BatchLoader(
                                    train,
                                    ChannelsLast.loading(pre),
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
                Checkpoint last =
                        new EpochLoop(
                                        o,
                                        monitor,
                                        graph,
                                        block,
                                        blocks,
                                        initial,
                                        head,
                                        layerFactors,
                                        devices,
                                        run,
                                        resumed)
                                .run(trainLoader, valLoader, train);
                List<Skipped> skipped = new ArrayList<>(trainLoader.skipped());
                skipped.addAll(valLoader.skipped());
                for (Skipped s : skipped) {
                    monitor.log("skipped " + s.id() + ": " + s.reason());
                }
                return finish(last, valLoader, train, val, devices[0], skipped);
            }
        }

        /** The run's start: the checkpoint to resume, once it agrees, or the backbone afresh. */
        private Start start(List<String> classes, String fingerprint, Map<String, Object> hyper)
                throws GraftException {
            if (o.resume() != null) {
                Checkpoint resumed = Checkpoint.read(o.resume());
                resumed.run()
                        .checkResumable(
                                o.resume(),
                                o.strategy().cliName(),
                                classes,
                                fingerprint,
                                o.seed(),
                                hyper);
                monitor.log(
                        "resuming from "
                                + o.resume()
                                + " after epoch "
                                + resumed.state().epoch()
                                + (resumed.state().finished() ? " (finished: exporting)" : ""));
                return new Start(
                        resumed.model(),
                        resumed.run().backbone(),
                        resumed.run().backboneSha256(),
                        resumed.run().preprocessing(),
                        resumed);
            }
            Path existing = o.checkpointDir().resolve(Checkpoint.FILE_NAME);
            if (Files.isRegularFile(existing)) {
                monitor.log(
                        "note: starting afresh; "
                                + existing
                                + " from an earlier run will be replaced (--resume continues"
                                + " it instead)");
            }
            Backbone backbone = StartingGraph.openBackbone(o, monitor);
            Preprocessing pre = backbone.preprocessing();
            monitor.log(
                    "backbone: "
                            + backbone.name()
                            + " cut at its features, new head for "
                            + classes.size()
                            + " classes, preprocessing "
                            + pre.toJson());
            return new Start(
                    StartingGraph.withNewHead(o, backbone, classes.size()),
                    backbone.name(),
                    backbone.sha256(),
                    pre,
                    null);
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
            Path modelFile = out.resolve(Trainer.MODEL_FILE);
            ModelExport.Result export =
                    ModelExport.export(c, references(c.best(), valLoader, device), modelFile);
            monitor.log(
                    String.format(
                            Locale.ROOT,
                            "exported %s: best epoch %d (parity: max |logit difference| %.2e,"
                                    + " largest logit %.3g)",
                            modelFile,
                            export.bestEpoch(),
                            export.parityMaxAbsDiff(),
                            export.logitScale()));
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
                    export.parityMaxAbsDiff(),
                    start,
                    monitor);
        }

        /**
         * The export's parity references: the first validation images with the trainer's logits for
         * them (a fresh block of the best values, in inference mode).
         */
        private static List<ModelExport.Reference> references(
                ModelProto best, BatchLoader valLoader, Device device) throws GraftException {
            List<Batch> batches = new ArrayList<>();
            int images = 0;
            Iterator<Batch> it = valLoader.epoch(0);
            while (it.hasNext() && images < PARITY_IMAGES) {
                Batch b = it.next();
                batches.add(b);
                images += b.size();
            }
            OnnxBlock reference = newBlock(best);
            List<ModelExport.Reference> references = new ArrayList<>();
            try (NDManager manager = NDManager.newBaseManager(device, TrainingDevices.ENGINE)) {
                reference.initialize(manager, DataType.FLOAT32, new Shape(batches.get(0).shape()));
                ParameterStore store = new ParameterStore(manager, false);
                for (Batch b : batches) {
                    try (NDManager sub = manager.newSubManager()) {
                        NDArray x = sub.create(b.data(), new Shape(b.shape()));
                        float[] logits =
                                reference
                                        .forward(store, new NDList(x), false)
                                        .head()
                                        .toFloatArray();
                        references.add(new ModelExport.Reference(b.data(), b.shape(), logits));
                    }
                }
            }
            return references;
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
                                    + " (backbone x %.3g%s), %s schedule, on %s",
                            o.strategy().cliName(),
                            what,
                            training,
                            total,
                            o.optimizer().cliName(),
                            o.learningRate(),
                            o.backboneLrFactor(),
                            o.layerDecay() == 1
                                    ? ""
                                    : String.format(
                                            Locale.ROOT,
                                            ", layer decay %.3g over %d stages",
                                            o.layerDecay(),
                                            stages.size()),
                            o.schedule().cliName(),
                            devices.length == 1 ? devices[0] : Arrays.toString(devices)));
        }
    }

    private static OnnxBlock newBlock(ModelProto graph) throws ModelException {
        return OnnxBlock.create(graph, List.of(ModelExport.LOGITS));
    }

    /** What shapes the training; a resumed run must have the same. */
    static Map<String, Object> hyperparameters(TrainingOptions o) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("epochs", o.epochs());
        h.put("optimizer", o.optimizer().cliName());
        h.put("learningRate", o.learningRate());
        h.put("backboneLrFactor", o.backboneLrFactor());
        if (o.layerDecay() != 1) {
            h.put("layerDecay", o.layerDecay());
        }
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

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
