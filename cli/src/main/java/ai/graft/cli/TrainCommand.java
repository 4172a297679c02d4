package ai.graft.cli;

import ai.graft.converter.FeatureTransform;
import ai.graft.converter.GraftJson;
import ai.graft.converter.checkpoint.Checkpoint;
import ai.graft.converter.quantize.Precision;
import ai.graft.sdk.Device;
import ai.graft.sdk.GraftException;
import ai.graft.trainer.Strategy;
import ai.graft.trainer.Trainer;
import ai.graft.trainer.TrainingDefaults;
import ai.graft.trainer.TrainingMonitor;
import ai.graft.trainer.TrainingOptions;
import ai.graft.trainer.TrainingResult;
import ai.graft.trainer.eval.QuantizationCheck;
import ai.graft.trainer.eval.Reports;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code graft train}: transfer learning from a pretrained backbone to a folder of images. */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        description = {
            "Train a classifier on labelled images from a pretrained ONNX backbone and export one"
                    + " ONNX file (OUT/model.onnx) with its labels, preprocessing and provenance,"
                    + " plus reports (OUT/report.md, report.json, curves, confusion matrix).",
            "Strategy 'features': the backbone is frozen, each image's embedding is computed once"
                    + " (cached in OUT/cache; an interrupted run resumes where it stopped) and a"
                    + " linear softmax head is solved on them (L-BFGS, its L2 strength chosen by"
                    + " cross-validation; --epochs, --lr, --weight-decay, --batch-size,"
                    + " --warmup-epochs, --patience and --label-smoothing do not apply).",
            "Strategies 'finetune' (the head and the last --unfreeze stages, the backbone at a"
                    + " smaller learning rate), 'full' (every layer) and 'scratch' (a zoo"
                    + " architecture with fresh weights) train the whole graph on augmented images"
                    + " and write a checkpoint each epoch (OUT/checkpoints/last.ckpt); after an"
                    + " interruption, run the same command with --resume to continue."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:trained and exported",
            "1:training failed; or the --quantize model lost more than the tolerance or could not"
                    + " be made (model.onnx is kept and report.md says why)",
            "2:invalid usage or data (a missing or malformed dataset, a class with too few"
                    + " readable images)",
            "3:unusable backbone"
        })
public final class TrainCommand implements Subcommand {
    /** Needs graft-trainer. */
    @Override
    public boolean needsTrainer() {
        return true;
    }

    @Spec CommandSpec spec;

    @Option(
            names = "--data",
            required = true,
            paramLabel = "PATH",
            description =
                    "Folder of class folders (or train/ val/ test/), a CSV manifest (path,label)"
                            + " or an IDX folder.")
    Path data;

    @Option(
            names = "--backbone",
            required = true,
            paramLabel = "MODEL",
            description =
                    "An ONNX classifier file, or a zoo architecture name (fresh weights; see"
                            + " 'graft zoo').")
    String backbone;

    @Option(
            names = "--strategy",
            defaultValue = TrainingDefaults.STRATEGY,
            paramLabel = "NAME",
            description =
                    "Transfer-learning strategy: features, finetune, full or scratch (default:"
                            + " ${DEFAULT-VALUE}).")
    String strategy;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            description = "Output folder: model.onnx, reports, cache/.")
    Path out;

    @Option(
            names = "--preprocess",
            paramLabel = "NAME|JSON",
            description =
                    "Backbone preprocessing: imagenet, caffe, raw, unit or a JSON object. Needed"
                            + " when the backbone's model card has none (zoo default: imagenet"
                            + " 224, 299 for inception_v3).")
    String preprocess;

    @Option(
            names = "--features",
            paramLabel = "NODE",
            description =
                    "Feature tensor or node to cut at (default: the final classifier's input).")
    String features;

    @Option(
            names = "--epochs",
            description =
                    "Most epochs of the graph strategies (default: finetune "
                            + TrainingDefaults.FINETUNE_EPOCHS
                            + ", full "
                            + TrainingDefaults.FULL_EPOCHS
                            + ", scratch "
                            + TrainingDefaults.SCRATCH_EPOCHS
                            + ").")
    Integer epochs;

    @Option(
            names = "--lr",
            description =
                    "Peak learning rate, of the head for the graph strategies (default: "
                            + TrainingDefaults.LEARNING_RATE
                            + "; "
                            + TrainingDefaults.ADAMW_LEARNING_RATE
                            + " with --optimizer adamw). A graph run that diverges is set back and"
                            + " continues at half the rate, saying so.")
    Double learningRate;

    @Option(
            names = "--weight-decay",
            description =
                    "Weight decay of weight matrices and kernels (default: adamw "
                            + TrainingDefaults.ADAMW_WEIGHT_DECAY
                            + ", sgd "
                            + TrainingDefaults.SGD_WEIGHT_DECAY
                            + ", sgd with scratch "
                            + TrainingDefaults.SCRATCH_SGD_WEIGHT_DECAY
                            + ").")
    Double weightDecay;

    @Option(
            names = "--batch-size",
            description =
                    "Mini-batch size of the graph strategies (default: "
                            + TrainingDefaults.GRAPH_BATCH_SIZE
                            + ").")
    Integer batchSize;

    @Option(
            names = "--warmup-epochs",
            description =
                    "Epochs of linear learning-rate warm-up of the graph strategies (default:"
                            + " scratch "
                            + TrainingDefaults.SCRATCH_WARMUP_EPOCHS
                            + ", others "
                            + TrainingDefaults.GRAPH_WARMUP_EPOCHS
                            + ").")
    Integer warmupEpochs;

    @Option(
            names = "--patience",
            description =
                    "Stop after this many epochs without a better validation accuracy, 0 never"
                            + " (default: finetune "
                            + TrainingDefaults.FINETUNE_PATIENCE
                            + ", full "
                            + TrainingDefaults.FULL_PATIENCE
                            + ", scratch "
                            + TrainingDefaults.SCRATCH_PATIENCE
                            + ").")
    Integer patience;

    @Option(
            names = "--unfreeze",
            paramLabel = "N",
            description =
                    "finetune: how many backbone stages, counted back from the features, train"
                            + " with the head (a stage is a block: a Fire module of SqueezeNet, a"
                            + " residual block of ResNet; default: "
                            + TrainingDefaults.UNFREEZE
                            + ").")
    Integer unfreeze;

    @Option(
            names = "--optimizer",
            paramLabel = "sgd|adamw",
            description = "Optimizer of the graph strategies (default: sgd; features: adamw).")
    String optimizer;

    @Option(
            names = "--head",
            paramLabel = "softmax|svm",
            description =
                    "Head of strategy features: softmax regression, or a linear SVM (multiclass"
                            + " squared hinge loss) (default: softmax).")
    String head;

    @Option(
            names = "--feature-transform",
            paramLabel = "sqrt|none",
            description =
                    "What the head of strategy features reads of each embedding before"
                            + " standardising it: its signed square root (power normalisation,"
                            + " computed by the exported model), or the embedding as it is"
                            + " (default: sqrt).")
    String featureTransform;

    @Option(
            names = "--schedule",
            paramLabel = "cosine|step",
            description =
                    "Learning-rate schedule after warm-up: cosine, or step (x --step-gamma every"
                            + " --step-epochs epochs) (default: cosine).")
    String schedule;

    @Option(
            names = "--step-epochs",
            description = "Epochs between decays of the step schedule (default: a third of them).")
    Integer stepEpochs;

    @Option(
            names = "--step-gamma",
            defaultValue = "" + TrainingDefaults.STEP_GAMMA,
            description = "Factor per decay of the step schedule (default: ${DEFAULT-VALUE}).")
    double stepGamma;

    @Option(
            names = "--momentum",
            defaultValue = "" + TrainingDefaults.MOMENTUM,
            description = "SGD momentum (default: ${DEFAULT-VALUE}).")
    double momentum;

    @Option(
            names = "--backbone-lr-factor",
            description =
                    "The backbone's learning rate as a fraction of the head's (default: "
                            + TrainingDefaults.BACKBONE_LR_FACTOR
                            + "; scratch "
                            + TrainingDefaults.SCRATCH_BACKBONE_LR_FACTOR
                            + ").")
    Double backboneLrFactor;

    @Option(
            names = "--layer-decay",
            description =
                    "Layer-wise learning-rate decay for finetune and full, in (0, 1]: stage i of"
                            + " the backbone's L (a transformer's encoder blocks) trains at the"
                            + " backbone's rate times DECAY^(L-i) (default: 1, none; 0.65 to 0.75"
                            + " is usual for a ViT).")
    Double layerDecay;

    @Option(
            names = "--no-augment",
            description = "Train the graph strategies on unaugmented images.")
    boolean noAugment;

    @Option(
            names = "--checkpoint-dir",
            paramLabel = "DIR",
            description = "Where the graph strategies write last.ckpt (default: OUT/checkpoints).")
    Path checkpointDir;

    @Option(
            names = "--resume",
            arity = "0..1",
            fallbackValue = "",
            paramLabel = "CHECKPOINT",
            description =
                    "Continue an interrupted run (same command and settings) from its checkpoint"
                            + " (default: CHECKPOINT-DIR/last.ckpt).")
    String resume;

    @Option(
            names = "--threads",
            defaultValue = "0",
            description = "Threads reading images, 0 for one per core (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(
            names = "--label-smoothing",
            defaultValue = "" + TrainingDefaults.LABEL_SMOOTHING,
            description = "Label smoothing (default: ${DEFAULT-VALUE}).")
    double labelSmoothing;

    @Option(
            names = "--class-weights",
            description = "Weigh classes by inverse frequency (for imbalanced sets).")
    boolean classWeights;

    @Option(
            names = "--seed",
            defaultValue = "" + TrainingDefaults.SEED,
            description =
                    "Seed of the split, sampling, shuffling and a zoo architecture's fresh weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin SplitOptions split;

    @Option(
            names = "--per-class",
            defaultValue = "0",
            description =
                    "Most training images per class, 0 for all; validation is cut to the same"
                            + " proportion (default: ${DEFAULT-VALUE}).")
    int perClass;

    @Option(
            names = "--class-names",
            paramLabel = "FILE",
            description =
                    "Names of the classes, one per line in class order, for data whose classes"
                            + " are numbers (IDX files, a CSV of numeric labels); they become the"
                            + " model's labels.")
    Path classNames;

    @Option(
            names = "--device",
            defaultValue = "cpu",
            paramLabel = "cpu|gpu|auto",
            description =
                    "features: where the backbone computes embeddings (the head trains on the"
                            + " CPU); graph strategies: where they train, gpu meaning every GPU"
                            + " PyTorch sees (refusing to start without one), auto the GPUs when"
                            + " there are any, else the CPU with the reason in one line. GPUs need"
                            + " the GPU build (-Pcuda; GRAFT_CUDA=1 ./graft) (default:"
                            + " ${DEFAULT-VALUE}).")
    String device;

    @Option(
            names = "--quantize",
            paramLabel = "int8|fp16",
            description =
                    "After the export, also write OUT/model-int8.onnx (static QDQ, calibrated on up"
                            + " to 200 training images) or OUT/model-fp16.onnx, with both models'"
                            + " validation accuracy, size and agreement in the report. One that"
                            + " loses more than 1 point of validation accuracy is not written:"
                            + " model.onnx stays, the report says why and the exit code is 1.")
    String quantize;

    @Option(
            names = "--json",
            description = "Print a JSON summary as the last line of standard output.")
    boolean json;

    @Override
    public Integer call() throws GraftException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        split.check(spec);
        if (layerDecay != null && !(layerDecay > 0 && layerDecay <= 1)) {
            throw Flags.usage(spec, "--layer-decay must be in (0, 1], got " + layerDecay);
        }
        TrainingOptions options = options();
        TrainingResult result;
        try (Progress progress = new Progress(err)) {
            result = Trainer.train(options, TrainingMonitor.of(progress::log, progress::status));
        }
        if (json) {
            out.println(toJson(result));
        } else {
            out.printf(
                    Locale.ROOT,
                    "%s: validation accuracy %.4f on %d images%s, %.1f s%n",
                    result.model(),
                    result.valAccuracy(),
                    result.evaluation().samples(),
                    result.epochs() > 0
                            ? String.format(
                                    Locale.ROOT,
                                    " (best epoch %d of %d)",
                                    result.bestEpoch(),
                                    result.epochs())
                            : "",
                    result.seconds());
            if (result.quantized() != null) {
                out.println(result.quantized().line());
            }
        }
        out.flush();
        QuantizationCheck q = result.quantized();
        if (q != null && !q.kept()) {
            err.println(
                    "graft train: no "
                            + q.precision().label()
                            + " model was kept, "
                            + result.model()
                            + " stands alone: "
                            + q.line()
                            + " (see "
                            + result.outDir().resolve(Reports.REPORT_MD)
                            + ")");
            err.flush();
            return ExitCodes.FAILURE;
        }
        return ExitCodes.OK;
    }

    /** The --quantize precision: int8 or fp16. */
    private Precision quantizePrecision() {
        return switch (quantize.trim().toLowerCase(Locale.ROOT)) {
            case "int8" -> Precision.INT8_QDQ;
            case "fp16" -> Precision.FP16;
            default ->
                    throw Flags.usage(
                            spec,
                            "--quantize: unknown precision '"
                                    + quantize
                                    + "', expected int8 or fp16");
        };
    }

    TrainingOptions options() {
        TrainingOptions.Builder b =
                TrainingOptions.builder(data, backbone, this.out)
                        .strategy(Strategy.fromName(strategy))
                        .preprocess(preprocess)
                        .featureNode(features)
                        .labelSmoothing(labelSmoothing)
                        .classWeights(classWeights)
                        .seed(seed)
                        .valFraction(split.valFraction)
                        .minPerClass(split.minPerClass)
                        .perClass(perClass)
                        .classNames(classNames)
                        .device(parseDevice(device))
                        .momentum(momentum)
                        .stepGamma(stepGamma)
                        .augment(!noAugment)
                        .threads(threads)
                        .checkpointDir(checkpointDir);
        // Unset options take the strategy's defaults.
        if (epochs != null) {
            b.epochs(epochs);
        }
        if (learningRate != null) {
            b.learningRate(learningRate);
        }
        if (weightDecay != null) {
            b.weightDecay(weightDecay);
        }
        if (batchSize != null) {
            b.batchSize(batchSize);
        }
        if (warmupEpochs != null) {
            b.warmupEpochs(warmupEpochs);
        }
        if (patience != null) {
            b.patience(patience);
        }
        if (unfreeze != null) {
            b.unfreeze(unfreeze);
        }
        if (optimizer != null) {
            b.optimizer(TrainingOptions.Optimizer.fromName(optimizer));
        }
        if (head != null) {
            b.head(TrainingOptions.Head.fromName(head));
        }
        if (featureTransform != null) {
            b.featureTransform(FeatureTransform.fromName(featureTransform));
        }
        if (schedule != null) {
            b.schedule(TrainingOptions.Schedule.fromName(schedule));
        }
        if (stepEpochs != null) {
            b.stepEpochs(stepEpochs);
        }
        if (backboneLrFactor != null) {
            b.backboneLrFactor(backboneLrFactor);
        }
        if (layerDecay != null) {
            b.layerDecay(layerDecay);
        }
        if (quantize != null) {
            b.quantize(quantizePrecision());
        }
        if (resume != null) {
            Path dir =
                    checkpointDir != null
                            ? checkpointDir
                            : out.resolve(TrainingOptions.CHECKPOINT_DIR);
            b.resume(resume.isBlank() ? dir.resolve(Checkpoint.FILE_NAME) : Path.of(resume));
        }
        return b.build();
    }

    static Device parseDevice(String value) {
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "cpu":
                return Device.CPU;
            case "gpu":
            case "cuda":
                return Device.CUDA;
            case "auto":
                return Device.AUTO;
            default:
                throw new IllegalArgumentException(
                        "Unknown device '" + value + "', expected one of cpu, gpu, auto");
        }
    }

    String toJson(TrainingResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", r.model().toString());
        m.put("strategy", strategy);
        m.put("valAccuracy", r.valAccuracy());
        m.put("valSamples", r.evaluation().samples());
        m.put("trainSamples", r.trainSamples());
        m.put("classes", r.classes());
        m.put("bestEpoch", r.bestEpoch());
        m.put("epochs", r.epochs());
        m.put("skipped", r.skipped().size());
        m.put("embeddingsComputed", r.embeddingsComputed());
        m.put("embeddingsReused", r.embeddingsReused());
        m.put("parityMaxAbsDiff", r.parityMaxAbsDiff());
        m.put("quantized", r.quantized() == null ? null : r.quantized().toMap());
        m.put("seconds", r.seconds());
        m.put("reports", r.outDir().toString());
        return GraftJson.write(m);
    }
}
