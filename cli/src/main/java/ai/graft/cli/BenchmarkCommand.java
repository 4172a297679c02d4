package ai.graft.cli;

import ai.graft.converter.GraftJson;
import ai.graft.sdk.ClassifierBenchmark;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ModelException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code graft benchmark}: end-to-end throughput, time per stage, and ONNX Runtime alone. */
@Command(
        name = "benchmark",
        mixinStandardHelpOptions = true,
        description = {
            "Measure classification throughput on a folder of images: end-to-end images/s, the"
                    + " time of each stage (decode, preprocess, inference, postprocess), ONNX"
                    + " Runtime alone on a ready tensor, and resident memory."
        })
public final class BenchmarkCommand implements Subcommand {
    @Spec CommandSpec spec;

    @Mixin ClassifierOptions classifier;

    @Option(
            names = "--images",
            required = true,
            paramLabel = "DIR",
            description = "Folder of images (searched recursively), or one image.")
    Path images;

    @Option(
            names = "--warmup",
            defaultValue = "10",
            paramLabel = "N",
            description = "Classifications before timing starts (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(
            names = "--count",
            defaultValue = "0",
            paramLabel = "N",
            description =
                    "Classify at least this many images, cycling through the folder; 0 or any"
                            + " number up to the image count means each image once (default:"
                            + " ${DEFAULT-VALUE}).")
    int count;

    @Option(
            names = "--concurrency",
            defaultValue = "1",
            paramLabel = "N",
            description =
                    "Classifications at once, each on its own thread: 1 measures one caller;"
                            + " more overlaps one image's decoding with another's inference, as"
                            + " a server does (then give ONNX Runtime fewer --threads each)"
                            + " (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(
            names = "--json",
            description =
                    "Print the report as one JSON object (last line), failed images in"
                            + " \"failures\".")
    boolean json;

    @Override
    public Integer call() throws ModelException {
        classifier.validate();
        Flags.atLeast(spec, "--warmup", warmup, 0, null);
        Flags.atLeast(spec, "--count", count, 0, "0: each image once");
        Flags.atLeast(spec, "--concurrency", concurrency, 1, null);
        if (!Files.exists(images)) {
            throw Flags.usage(spec, "--images " + images + ": not found");
        }
        List<Path> files = ImageFiles.expand(List.of(images));
        if (files.isEmpty()) {
            throw new IllegalArgumentException("No images found in " + images);
        }
        PrintWriter out = spec.commandLine().getOut();
        ClassifierBenchmark.Report report;
        try (ImageClassifier model = classifier.open();
                Progress progress = new Progress(spec.commandLine().getErr())) {
            report =
                    ClassifierBenchmark.run(
                            model,
                            files,
                            new ClassifierBenchmark.Options(
                                    warmup, count, progress::status, concurrency));
        }
        PrintWriter err = spec.commandLine().getErr();
        if (!json) {
            // As predict does: each failed image with why, then a count, on stderr.
            for (ClassifierBenchmark.Failure f : report.failures()) {
                err.println(f.image() + ": error: " + f.reason());
            }
        }
        if (report.failed() > 0) {
            err.printf(
                    Locale.ROOT,
                    "graft benchmark: %d of %d images failed (%d of %d classifications)%n",
                    report.failures().size(),
                    report.images(),
                    report.failed(),
                    report.failed() + report.classified());
        }
        if (json) {
            out.println(GraftJson.write(toMap(report)));
        } else {
            print(out, report);
        }
        return report.failed() > 0 ? ExitCodes.FAILURE : ExitCodes.OK;
    }

    static Map<String, Object> toMap(ClassifierBenchmark.Report r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("images", r.images());
        m.put("classified", r.classified());
        m.put("failed", r.failed());
        m.put("seconds", PredictCommand.round(r.seconds(), 3));
        m.put("imagesPerSecond", PredictCommand.round(r.imagesPerSecond(), 2));
        m.put("ortOnlyImagesPerSecond", PredictCommand.round(r.ortOnlyImagesPerSecond(), 2));
        m.put("decodeMs", PredictCommand.round(r.decodeMs(), 3));
        m.put("preprocessMs", PredictCommand.round(r.preprocessMs(), 3));
        m.put("inferenceMs", PredictCommand.round(r.inferenceMs(), 3));
        m.put("postprocessMs", PredictCommand.round(r.postprocessMs(), 3));
        m.put("ortOnlyMs", PredictCommand.round(r.ortOnlyMs(), 3));
        m.put("p50LatencyMs", PredictCommand.round(r.p50LatencyMs(), 3));
        m.put("p95LatencyMs", PredictCommand.round(r.p95LatencyMs(), 3));
        m.put("rssStartMb", r.rssStartMb());
        m.put("rssEndMb", r.rssEndMb());
        m.put("rssPeakMb", r.rssPeakMb());
        m.put("threads", r.threads());
        m.put("concurrency", r.concurrency());
        List<Object> failures = new ArrayList<>();
        for (ClassifierBenchmark.Failure f : r.failures()) {
            Map<String, Object> failure = new LinkedHashMap<>();
            failure.put("path", f.image().toString());
            failure.put("error", f.reason());
            failures.add(failure);
        }
        m.put("failures", failures);
        return m;
    }

    private static void print(PrintWriter out, ClassifierBenchmark.Report r) {
        out.printf(
                Locale.ROOT,
                "images: %d distinct, %d classified, %d failed, %.1f s%n",
                r.images(),
                r.classified(),
                r.failed(),
                r.seconds());
        out.printf(Locale.ROOT, "end-to-end:   %8.1f images/s%n", r.imagesPerSecond());
        out.printf(
                Locale.ROOT,
                "ONNX Runtime: %8.1f images/s (%.2f ms on a ready tensor)%n",
                r.ortOnlyImagesPerSecond(),
                r.ortOnlyMs());
        out.printf(
                Locale.ROOT,
                "per image:    decode %.2f ms, preprocess %.2f ms, inference %.2f ms,"
                        + " postprocess %.3f ms%n",
                r.decodeMs(),
                r.preprocessMs(),
                r.inferenceMs(),
                r.postprocessMs());
        out.printf(
                Locale.ROOT,
                "latency:      p50 %.2f ms, p95 %.2f ms%n",
                r.p50LatencyMs(),
                r.p95LatencyMs());
        out.printf(
                Locale.ROOT,
                "memory:       resident %d MB at start, %d MB at end, %d MB peak%n",
                r.rssStartMb(),
                r.rssEndMb(),
                r.rssPeakMb());
    }
}
