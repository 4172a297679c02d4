package ai.graft.cli;

import ai.graft.converter.GraftJson;
import ai.graft.converter.checkpoint.Checkpoint;
import ai.graft.sdk.Device;
import ai.graft.sdk.GraftException;
import ai.graft.trainer.FeatureTrainer;
import ai.graft.trainer.Strategy;
import ai.graft.trainer.TrainingOptions;
import ai.graft.trainer.TrainingResult;
import ai.graft.trainer.tune.GraphTrainer;
import ai.graft.trainer.tune.TrainingMonitor;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
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
                    + " (cached in OUT/cache) and a linear softmax head is trained on them.",
            "Strategies 'finetune' (the head and the last --unfreeze stages, the backbone at a"
                    + " smaller learning rate), 'full' (every layer) and 'scratch' (a zoo"
                    + " architecture with fresh weights) train the whole graph on augmented images"
                    + " and write a checkpoint each epoch (OUT/checkpoints/last.ckpt); after an"
                    + " interruption, run the same command with --resume to continue."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:trained and exported",
            "1:training failed",
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
            defaultValue = "features",
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
                            + " 224).")
    String preprocess;

    @Option(
            names = "--features",
            paramLabel = "NODE",
            description =
                    "Feature tensor or node to cut at (default: the final classifier's input).")
    String features;

    @Option(
            names = "--epochs",
            description = "Most epochs (default: features 150, finetune 10, full 15, scratch 30).")
    Integer epochs;

    @Option(
            names = "--lr",
            description =
                    "Peak learning rate, of the head for the graph strategies (default: 0.01;"
                            + " 0.001 with --optimizer adamw). A graph run that diverges is set"
                            + " back and continues at half the rate, saying so.")
    Double learningRate;

    @Option(
            names = "--weight-decay",
            description =
                    "Weight decay of weight matrices and kernels (default: adamw 0.05, sgd 1e-4,"
                            + " sgd with scratch 5e-4).")
    Double weightDecay;

    @Option(
            names = "--batch-size",
            description = "Mini-batch size (default: features 64, others 32).")
    Integer batchSize;

    @Option(
            names = "--warmup-epochs",
            description =
                    "Epochs of linear learning-rate warm-up (default: features 5, scratch 2,"
                            + " others 1).")
    Integer warmupEpochs;

    @Option(
            names = "--patience",
            description =
                    "Stop after this many epochs without a better validation accuracy, 0 never"
                            + " (default: features 40, finetune 4, full 5, scratch 10).")
    Integer patience;

    @Option(
            names = "--unfreeze",
            paramLabel = "N",
            description =
                    "finetune: how many backbone stages, counted back from the features, train"
                            + " with the head (a stage is a block: a Fire module of SqueezeNet, a"
                            + " residual block of ResNet; default: 3).")
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
                            + " hinge loss) (default: softmax).")
    String head;

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
            defaultValue = "0.1",
            description = "Factor per decay of the step schedule (default: ${DEFAULT-VALUE}).")
    double stepGamma;

    @Option(
            names = "--momentum",
            defaultValue = "0.9",
            description = "SGD momentum (default: ${DEFAULT-VALUE}).")
    double momentum;

    @Option(
            names = "--backbone-lr-factor",
            description =
                    "The backbone's learning rate as a fraction of the head's (default: 0.1;"
                            + " scratch 1).")
    Double backboneLrFactor;

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
            defaultValue = "0.1",
            description = "Label smoothing (default: ${DEFAULT-VALUE}).")
    double labelSmoothing;

    @Option(
            names = "--class-weights",
            description = "Weigh classes by inverse frequency (for imbalanced sets).")
    boolean classWeights;

    @Option(
            names = "--seed",
            defaultValue = "42",
            description =
                    "Seed of the split, sampling, shuffling and a zoo architecture's fresh weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--val-fraction",
            defaultValue = "0.2",
            description =
                    "Validation share when the data has no val/ split (default:"
                            + " ${DEFAULT-VALUE}).")
    double valFraction;

    @Option(
            names = "--min-per-class",
            defaultValue = "2",
            description = "Fewest images a class may have (default: ${DEFAULT-VALUE}).")
    int minPerClass;

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
                            + " PyTorch sees (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(
            names = "--json",
            description = "Print a JSON summary as the last line of standard output.")
    boolean json;

    @Override
    public Integer call() throws GraftException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TrainingOptions options = options();
        TrainingResult result;
        try (StatusLine status = new StatusLine(err)) {
            if (options.strategy().trainsGraph()) {
                result =
                        GraphTrainer.train(
                                options,
                                new TrainingMonitor() {
                                    @Override
                                    public void log(String line) {
                                        status.log(line);
                                    }

                                    @Override
                                    public void status(String line) {
                                        status.status(line);
                                    }
                                });
            } else {
                result = FeatureTrainer.train(options, status::show);
            }
        }
        if (json) {
            out.println(toJson(result));
        } else {
            out.printf(
                    Locale.ROOT,
                    "%s: validation accuracy %.4f on %d images (best epoch %d of %d), %.1f s%n",
                    result.model(),
                    result.valAccuracy(),
                    result.evaluation().samples(),
                    result.bestEpoch(),
                    result.epochs(),
                    result.seconds());
        }
        out.flush();
        return ExitCodes.OK;
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
                        .valFraction(valFraction)
                        .minPerClass(minPerClass)
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
        if (schedule != null) {
            b.schedule(TrainingOptions.Schedule.fromName(schedule));
        }
        if (stepEpochs != null) {
            b.stepEpochs(stepEpochs);
        }
        if (backboneLrFactor != null) {
            b.backboneLrFactor(backboneLrFactor);
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
        m.put("seconds", r.seconds());
        m.put("reports", r.outDir().toString());
        return GraftJson.write(m);
    }

    /**
     * Progress: on a terminal one line redrawn in place (epoch lines overwrite each other), in a
     * pipe every message as a plain line on standard error.
     */
    static final class StatusLine implements AutoCloseable {
        private final PrintWriter err;
        private final boolean terminal;
        private int lastLength;

        StatusLine(PrintWriter err) {
            this(err, System.console() != null && System.getenv("GRAFT_NO_PROGRESS") == null);
        }

        StatusLine(PrintWriter err, boolean terminal) {
            this.err = err;
            this.terminal = terminal;
        }

        /**
         * A line to keep: on a terminal it replaces the transient status and stays; in a pipe it is
         * printed.
         */
        synchronized void log(String message) {
            if (terminal) {
                String padded =
                        message.length() < lastLength
                                ? message + " ".repeat(lastLength - message.length())
                                : message;
                err.print("\r" + padded + "\n");
                lastLength = 0;
            } else {
                err.println(message);
            }
            err.flush();
        }

        /** A transient line (a progress bar): redrawn in place on a terminal, dropped in a pipe. */
        synchronized void status(String message) {
            if (!terminal) {
                return;
            }
            String padded =
                    message.length() < lastLength
                            ? message + " ".repeat(lastLength - message.length())
                            : message;
            err.print("\r" + padded);
            lastLength = message.length();
            err.flush();
        }

        synchronized void show(String message) {
            if (!terminal) {
                err.println(message);
                err.flush();
                return;
            }
            boolean transientLine = message.startsWith("epoch ") || message.contains("embedded ");
            String padded =
                    message.length() < lastLength
                            ? message + " ".repeat(lastLength - message.length())
                            : message;
            if (transientLine) {
                err.print("\r" + padded);
                lastLength = message.length();
            } else {
                err.print("\r" + padded + "\n");
                lastLength = 0;
            }
            err.flush();
        }

        @Override
        public void close() {
            if (terminal && lastLength > 0) {
                err.print("\r" + " ".repeat(lastLength) + "\r");
                err.flush();
            }
        }
    }
}
