package ai.graft.cli;

import ai.graft.converter.zoo.BackboneZoo;
import ai.graft.sdk.GraftException;
import ai.graft.trainer.Strategy;
import ai.graft.trainer.TrainingDefaults;
import ai.graft.trainer.TrainingMonitor;
import ai.graft.trainer.compare.Comparison;
import ai.graft.trainer.compare.ComparisonOptions;
import ai.graft.trainer.compare.ComparisonResult;
import ai.graft.trainer.compare.Measurement;
import ai.graft.trainer.compare.Precision;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code graft compare}: pick the model by accuracy, latency and size. */
@Command(
        name = "compare",
        mixinStandardHelpOptions = true,
        description = {
            "Train every combination of backbone and strategy on one split and measure each model"
                    + " on the same held-out test images (the data's test split, or half of each"
                    + " validation class held out and written to OUT/split.csv): top-1, top-5 (5+"
                    + " classes), macro F1, latency p50/p95 and images/s through the SDK on this"
                    + " machine, file size, parameters, multiply-adds, training time. Names the"
                    + " most accurate model within the budgets and says why.",
            "Each run trains in OUT/<backbone>-<strategy>/; one that fails is reported and the"
                    + " others still run. OUT/compare.md, compare.json and compare.png (accuracy"
                    + " against latency, marker area = file size, Pareto front) are rewritten after"
                    + " every run, so an interruption keeps what finished. A backbone file whose"
                    + " card's labels are the data's classes is a finished model: measured only."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every combination measured",
            "1:some combination failed (the others are in the reports)",
            "2:invalid usage or data"
        })
public final class CompareCommand implements Subcommand {
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
            names = "--backbones",
            required = true,
            split = ",",
            paramLabel = "MODEL",
            description = "Comma-separated ONNX files or zoo architecture names (see 'graft zoo').")
    List<String> backbones;

    @Option(
            names = "--strategies",
            split = ",",
            defaultValue = "features",
            paramLabel = "NAME",
            description =
                    "Comma-separated strategies: features, finetune, full, scratch (default:"
                            + " features).")
    List<String> strategies;

    @Option(
            names = "--precisions",
            split = ",",
            defaultValue = "fp32",
            paramLabel = "NAME",
            description =
                    "Comma-separated precisions to measure each model in: fp32, int8 (static QDQ,"
                            + " calibrated on the training images), fp16. A quantized model is"
                            + " written beside its float one and measured however much it loses;"
                            + " the reports show the loss (default: ${DEFAULT-VALUE}).")
    List<String> precisions;

    @Option(
            names = "--max-latency-ms",
            paramLabel = "MS",
            description = "Latency budget: the best model's median (p50) end-to-end latency.")
    Double maxLatencyMs;

    @Option(
            names = "--max-size-mb",
            paramLabel = "MB",
            description = "Size budget: the best model's file, in MB (10^6 bytes).")
    Double maxSizeMb;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            description = "Output folder: one folder per run, split.csv, compare.md/json/png.")
    Path out;

    @Option(
            names = "--preprocess",
            paramLabel = "NAME|JSON",
            description =
                    "Preprocessing of every backbone: imagenet, caffe, raw, unit or a JSON object"
                            + " (default: each backbone's card; imagenet for a zoo architecture).")
    String preprocess;

    @Option(
            names = "--image-size",
            defaultValue = "0",
            paramLabel = "N",
            description =
                    "Input side of the zoo architectures, 0 for each one's default (a file keeps"
                            + " its own) (default: ${DEFAULT-VALUE}).")
    int imageSize;

    @Option(
            names = "--epochs",
            description =
                    "Most epochs of every graph-strategy run; features solves its head and has"
                            + " none (default: each strategy's own).")
    Integer epochs;

    @Option(
            names = "--seed",
            defaultValue = "" + TrainingDefaults.SEED,
            description = "Seed of the splits and of every run (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin SplitOptions split;

    @Option(
            names = "--per-class",
            defaultValue = "0",
            description =
                    "Most training images per class, 0 for all; the test images stay all"
                            + " (default: ${DEFAULT-VALUE}).")
    int perClass;

    @Option(
            names = "--latency-runs",
            defaultValue = "" + ComparisonOptions.DEFAULT_LATENCY_RUNS,
            paramLabel = "N",
            description =
                    "Timed classifications per model, over up to 32 test images (default:"
                            + " ${DEFAULT-VALUE}).")
    int latencyRuns;

    @Option(
            names = "--threads",
            defaultValue = "0",
            description = "Threads reading images, 0 for one per core (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(
            names = "--device",
            defaultValue = "cpu",
            paramLabel = "cpu|gpu|auto",
            description = "Where the runs train (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(
            names = "--json",
            description = "Print the comparison as JSON on the last line of standard output.")
    boolean json;

    @Override
    public Integer call() throws GraftException {
        ComparisonOptions options = options();
        ComparisonResult result;
        try (Progress progress = new Progress(spec.commandLine().getErr())) {
            result = Comparison.run(options, TrainingMonitor.of(progress::log, progress::status));
        }
        PrintWriter stdout = spec.commandLine().getOut();
        if (json) {
            stdout.println(result.toJson());
        } else {
            for (Measurement m : result.measurements()) {
                stdout.println(line(m));
            }
            stdout.println(result.choice().reason());
            stdout.println("reports: " + out.resolve(Comparison.MARKDOWN));
        }
        stdout.flush();
        return result.failed() > 0 ? ExitCodes.FAILURE : ExitCodes.OK;
    }

    private static String line(Measurement m) {
        if (!m.ok()) {
            return m.name() + ": " + m.error();
        }
        return String.format(
                Locale.ROOT,
                "%s: top-1 %.4f, macro F1 %.4f, p50 %.2f ms, p95 %.2f ms, %.1f images/s, %.2f MB",
                m.name(),
                m.top1(),
                m.macroF1(),
                m.p50LatencyMs(),
                m.p95LatencyMs(),
                m.imagesPerSecond(),
                m.sizeMb());
    }

    ComparisonOptions options() {
        if (!Files.exists(data)) {
            throw Flags.usage(
                    spec,
                    "--data "
                            + data
                            + ": not found, expected a folder of class folders, a .csv manifest or"
                            + " an IDX folder");
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw Flags.usage(spec, "--out " + out + " is a file, expected a folder");
        }
        for (String b : backbones) {
            if (!Files.isRegularFile(Path.of(b)) && !BackboneZoo.names().contains(b)) {
                throw Flags.usage(
                        spec,
                        "--backbones: '"
                                + b
                                + "' is neither an ONNX file nor a zoo architecture; expected a"
                                + " file or one of "
                                + BackboneZoo.names());
            }
        }
        Flags.positive(spec, "--max-latency-ms", maxLatencyMs);
        Flags.positive(spec, "--max-size-mb", maxSizeMb);
        Flags.atLeast(spec, "--image-size", imageSize, 0, "0: each architecture's default");
        if (epochs != null) {
            Flags.atLeast(spec, "--epochs", epochs, 1, null);
        }
        split.check(spec);
        Flags.atLeast(spec, "--per-class", perClass, 0, "0: all");
        Flags.atLeast(spec, "--latency-runs", latencyRuns, 1, null);
        Flags.atLeast(spec, "--threads", threads, 0, "0: one per core");
        try {
            return ComparisonOptions.builder(data, backbones, out)
                    .strategies(parse("--strategies", strategies, Strategy::fromName))
                    .precisions(parse("--precisions", precisions, Precision::fromName))
                    .maxLatencyMs(maxLatencyMs)
                    .maxSizeMb(maxSizeMb)
                    .preprocess(preprocess)
                    .imageSize(imageSize)
                    .epochs(epochs)
                    .seed(seed)
                    .valFraction(split.valFraction)
                    .minPerClass(split.minPerClass)
                    .perClass(perClass)
                    .latencyRuns(latencyRuns)
                    .threads(threads)
                    .device(TrainCommand.parseDevice(device))
                    .build();
        } catch (IllegalArgumentException e) {
            throw Flags.usage(spec, e.getMessage());
        }
    }

    private <T> List<T> parse(String flag, List<String> names, Function<String, T> parser) {
        List<T> values = new ArrayList<>();
        for (String name : names) {
            try {
                values.add(parser.apply(name));
            } catch (IllegalArgumentException e) {
                throw Flags.usage(spec, flag + ": " + e.getMessage());
            }
        }
        return values;
    }
}
