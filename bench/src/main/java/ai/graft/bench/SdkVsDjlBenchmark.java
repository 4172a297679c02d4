package ai.graft.bench;

import ai.graft.converter.GraftJson;
import ai.graft.sdk.Category;
import ai.graft.sdk.ClassifierBenchmark;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ImageClassifierOptions;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.Preprocessing;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Graft's SDK and DJL's usual pipeline, side by side in one process, on the same model and the same
 * images: the measurement behind the SDK's throughput target (at least 4x DJL's images/s on
 * SqueezeNet 1.1 over hymenoptera, 2 cores).
 *
 * <p>Steps: list every {@code .jpg}, {@code .jpeg} and {@code .png} under the folder; classify each
 * once with both pipelines (drops files that either cannot decode, says so, and counts top-1
 * agreement, which shows that both pipelines compute the same thing); then {@link
 * ClassifierBenchmark#run} for the SDK, with {@link Preprocessing#caffe}; then {@link
 * DjlPeerBenchmark#run} for DJL. Both are sequential, batch 1, with the same warm-up and the same
 * number of classifications, and the same intra-op thread count for ONNX Runtime (both sessions),
 * PyTorch (DJL's image operations) and OpenCV (the SDK's).
 *
 * <pre>{@code
 * java -cp ... ai.graft.bench.SdkVsDjlBenchmark \
 *     --model squeezenet1.1.onnx --images hymenoptera --labels imagenet_classes.txt --min 400
 * }</pre>
 */
public final class SdkVsDjlBenchmark {
    private static final String USAGE =
            "Usage: SdkVsDjlBenchmark --model M --images DIR [--labels F] [--min N]"
                    + " [--warmup N] [--threads N] [--concurrency N] [--json]\n"
                    + "  --model    ONNX classifier with Caffe preprocessing (BGR, 0-255, mean"
                    + " 103.939,116.779,123.68), input 224x224\n"
                    + "  --images   folder searched recursively for .jpg/.jpeg/.png\n"
                    + "  --labels   class labels, one a line (default: the model card's)\n"
                    + "  --min      timed classifications per pipeline, at least one pass"
                    + " (default 400)\n"
                    + "  --warmup   untimed classifications before each timed run (default 20)\n"
                    + "  --threads  intra-op threads for ONNX Runtime, PyTorch and OpenCV"
                    + " (default: all cores)\n"
                    + "  --concurrency N  also run Graft with N images at once, one ONNX Runtime"
                    + " thread each (default 1: not run)\n"
                    + "  --json     print a JSON object as the last line";

    private SdkVsDjlBenchmark() {}

    /**
     * Runs the comparison; exit code 0 on success, 1 on failure, 2 on invalid usage, 3 on an
     * unusable model.
     *
     * @param args see {@code --help}
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Parsed command line. */
    record Args(
            Path model,
            Path images,
            Path labels,
            int min,
            int warmup,
            int threads,
            int concurrency,
            boolean json,
            boolean help) {

        static Args parse(String[] args) {
            Path model = null;
            Path images = null;
            Path labels = null;
            int min = 400;
            int warmup = 20;
            int threads = Runtime.getRuntime().availableProcessors();
            int concurrency = 1;
            boolean json = false;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--model" -> model = Paths.get(value(args, ++i, arg));
                    case "--images" -> images = Paths.get(value(args, ++i, arg));
                    case "--labels" -> labels = Paths.get(value(args, ++i, arg));
                    case "--min" -> min = intValue(args, ++i, arg, 1);
                    case "--warmup" -> warmup = intValue(args, ++i, arg, 0);
                    case "--threads" -> threads = intValue(args, ++i, arg, 1);
                    case "--concurrency" -> concurrency = intValue(args, ++i, arg, 1);
                    case "--json" -> json = true;
                    case "-h", "--help" -> {
                        return new Args(null, null, null, 0, 0, 0, 1, false, true);
                    }
                    default -> throw new IllegalArgumentException("Unknown option '" + arg + "'");
                }
            }
            if (model == null || images == null) {
                throw new IllegalArgumentException("--model and --images are required");
            }
            return new Args(model, images, labels, min, warmup, threads, concurrency, json, false);
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException("Missing value for " + option);
            }
            return args[i];
        }

        private static int intValue(String[] args, int i, String option, int lowest) {
            String text = value(args, i, option);
            try {
                int value = Integer.parseInt(text);
                if (value >= lowest) {
                    return value;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(
                    "Invalid value for "
                            + option
                            + ": '"
                            + text
                            + "', expected an integer >= "
                            + lowest);
        }
    }

    /**
     * Runs the comparison and prints the table (and JSON) to {@code out}, progress and notes to
     * {@code err}.
     *
     * @param args command line
     * @param out where the results go
     * @param err where notes, progress and errors go
     * @return exit code: 0 success, 1 failure, 2 invalid usage or input, 3 unusable model
     */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Args a;
        try {
            a = Args.parse(args);
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println(USAGE);
            return 2;
        }
        if (a.help()) {
            out.println(USAGE);
            return 0;
        }
        if (!Files.isRegularFile(a.model())) {
            err.println("Model file not found: " + a.model());
            return 2;
        }
        if (!Files.isDirectory(a.images())) {
            err.println("Image folder not found: " + a.images());
            return 2;
        }
        // DJL's OnnxRuntime engine must create the JVM's OrtEnvironment (it passes threading
        // options, which ONNX Runtime refuses once an environment exists), and PyTorch reads its
        // thread count when it starts: both before anything else touches ONNX Runtime.
        Consumer<String> progress = System.console() != null ? err::println : s -> {};
        try {
            DjlPeerBenchmark.configureEngines(a.threads());
            String ortVersion = DjlPeerBenchmark.initEngine();
            org.bytedeco.opencv.global.opencv_core.setNumThreads(a.threads());
            List<Path> files = listImages(a.images());
            if (files.isEmpty()) {
                err.println("No .jpg, .jpeg or .png files under " + a.images());
                return 2;
            }
            ImageClassifierOptions.Builder options =
                    ImageClassifierOptions.builder()
                            .preprocessing(Preprocessing.caffe(224, 224))
                            .intraOpThreads(a.threads())
                            .topK(5);
            if (a.labels() != null) {
                options.labelsFile(a.labels());
            }
            try (ImageClassifier classifier = ImageClassifier.create(a.model(), options.build())) {
                List<String> labels = classifier.card().labels();
                if (labels == null || labels.isEmpty()) {
                    err.println(
                            "The model has no labels in its card; pass --labels FILE (one a"
                                    + " line)");
                    return 2;
                }
                try (DjlPeerBenchmark peer =
                        DjlPeerBenchmark.create(a.model(), labels, a.threads())) {
                    return compare(a, files, classifier, peer, ortVersion, progress, out, err);
                }
            }
        } catch (ModelException e) {
            err.println(e.getMessage());
            return 3;
        } catch (IOException | RuntimeException e) {
            err.println("Benchmark failed: " + e);
            return 1;
        }
    }

    private static int compare(
            Args a,
            List<Path> files,
            ImageClassifier classifier,
            DjlPeerBenchmark peer,
            String ortVersion,
            Consumer<String> progress,
            PrintStream out,
            PrintStream err)
            throws ModelException {
        // One classification of every file by both: drops what either cannot decode, and checks
        // that the two pipelines agree (a benchmark of a wrong pipeline is worthless).
        double loadBefore = loadAverage();
        List<Path> images = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        int agree = 0;
        int agreeTop5 = 0;
        for (Path file : files) {
            if (images.size() % 100 == 99) {
                progress.accept("Checking both pipelines: " + (images.size() + 1) + " images");
            }
            List<Integer> graftTop5;
            List<Integer> djlTop5;
            try {
                graftTop5 = classifier.classify(file).top().stream().map(Category::index).toList();
            } catch (Exception e) {
                skipped.add(file + " (Graft: " + e.getMessage() + ")");
                continue;
            }
            try {
                djlTop5 = DjlPeerBenchmark.topIndices(peer.classify(file), 5);
            } catch (Exception e) {
                skipped.add(file + " (DJL: " + e.getMessage() + ")");
                continue;
            }
            images.add(file);
            if (!graftTop5.isEmpty() && graftTop5.get(0).equals(djlTop5.get(0))) {
                agree++;
            }
            if (!graftTop5.isEmpty()
                    && djlTop5.contains(graftTop5.get(0))
                    && graftTop5.contains(djlTop5.get(0))) {
                agreeTop5++;
            }
        }
        if (!skipped.isEmpty()) {
            err.println("Skipped " + skipped.size() + " file(s) that Graft or DJL cannot decode:");
            skipped.forEach(s -> err.println("  " + s));
        }
        if (images.isEmpty()) {
            err.println("No image under " + a.images() + " decodes in both Graft and DJL");
            return 2;
        }

        progress.accept("Graft SDK: " + images.size() + " images ...");
        ClassifierBenchmark.Report graft =
                ClassifierBenchmark.run(
                        classifier,
                        images,
                        new ClassifierBenchmark.Options(a.warmup(), a.min(), progress));
        progress.accept("DJL: " + images.size() + " images ...");
        DjlPeerBenchmark.Report djl =
                peer.run(images, new DjlPeerBenchmark.Options(a.warmup(), a.min(), progress));

        ClassifierBenchmark.Report pipelined = null;
        if (a.concurrency() > 1) {
            progress.accept("Graft SDK, " + a.concurrency() + " at once ...");
            ImageClassifierOptions.Builder one =
                    ImageClassifierOptions.builder()
                            .preprocessing(Preprocessing.caffe(224, 224))
                            .intraOpThreads(1)
                            .labels(classifier.card().labels())
                            .topK(5);
            try (ImageClassifier concurrent = ImageClassifier.create(a.model(), one.build())) {
                pipelined =
                        ClassifierBenchmark.run(
                                concurrent,
                                images,
                                new ClassifierBenchmark.Options(
                                        a.warmup(), a.min(), progress, a.concurrency()));
            }
        }

        double loadAfter = loadAverage();

        double ratio = graft.imagesPerSecond() / djl.imagesPerSecond();
        printTable(
                out,
                a,
                images.size(),
                skipped.size(),
                agree,
                agreeTop5,
                ortVersion,
                graft,
                djl,
                ratio);
        if (pipelined != null) {
            out.printf(
                    Locale.ROOT,
                    "Graft SDK with %d images at once (1 ONNX Runtime thread each): %.2f images/s,"
                            + " p50 latency %.2f ms; ratio to DJL: %.2fx%n",
                    a.concurrency(),
                    pipelined.imagesPerSecond(),
                    pipelined.p50LatencyMs(),
                    pipelined.imagesPerSecond() / djl.imagesPerSecond());
        }
        int cores = Runtime.getRuntime().availableProcessors();
        out.printf(
                Locale.ROOT,
                "load average (1 min) before %s, after %s (includes this benchmark), %d cores%n",
                format(loadBefore),
                format(loadAfter),
                cores);
        if (loadBefore > cores) {
            err.println(
                    "Note: the machine was busy with other work when the benchmark started (load"
                            + " average above the core count); the figures are not"
                            + " representative.");
        }
        if (a.json()) {
            Map<String, Object> m = json(a, images.size(), skipped, agree, graft, djl, ratio);
            m.put("top5CrossAgreement", agreeTop5);
            if (pipelined != null) {
                m.put("concurrency", a.concurrency());
                m.put("graftConcurrentImagesPerSecond", pipelined.imagesPerSecond());
                m.put("concurrentRatio", pipelined.imagesPerSecond() / djl.imagesPerSecond());
            }
            m.put("loadAverageBefore", loadBefore);
            m.put("loadAverageAfter", loadAfter);
            out.println(GraftJson.write(m));
        }
        return 0;
    }

    /** The 1-minute load average from /proc/loadavg, or NaN where there is none. */
    private static double loadAverage() {
        try {
            String text = Files.readString(Paths.get("/proc/loadavg")).trim();
            return Double.parseDouble(text.split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    static List<Path> listImages(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .filter(
                            p -> {
                                String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
                                return name.endsWith(".jpg")
                                        || name.endsWith(".jpeg")
                                        || name.endsWith(".png");
                            })
                    .sorted()
                    .toList();
        }
    }

    private static void printTable(
            PrintStream out,
            Args a,
            int images,
            int skipped,
            int agree,
            int agreeTop5,
            String ortVersion,
            ClassifierBenchmark.Report graft,
            DjlPeerBenchmark.Report djl,
            double ratio) {
        out.printf(
                Locale.ROOT,
                "Graft SDK vs DJL %s (OnnxRuntime engine, ONNX Runtime %s; PyTorch image ops): %s%n",
                ai.djl.engine.Engine.getDjlVersion(),
                ortVersion,
                a.model().getFileName());
        out.printf(
                Locale.ROOT,
                "%d images under %s (%d skipped); %d intra-op threads for ONNX Runtime, PyTorch"
                        + " and OpenCV%n",
                images,
                a.images(),
                skipped,
                a.threads());
        out.printf(
                Locale.ROOT,
                "same top-1 in both: %d/%d; each top-1 within the other's top 5: %d/%d%n",
                agree,
                images,
                agreeTop5,
                images);
        out.printf(Locale.ROOT, "%-22s %12s %12s%n", "", "Graft SDK", "DJL");
        row(out, "images/s", graft.imagesPerSecond(), djl.imagesPerSecond());
        out.printf(
                Locale.ROOT,
                "%-22s %12d %12d%n",
                "classified",
                graft.classified(),
                djl.classified());
        out.printf(Locale.ROOT, "%-22s %12d %12d%n", "failed", graft.failed(), djl.failed());
        row(out, "decode ms", graft.decodeMs(), djl.decodeMs());
        row(out, "preprocess ms", graft.preprocessMs(), djl.preprocessMs());
        row(out, "inference ms", graft.inferenceMs(), djl.inferenceMs());
        row(out, "postprocess ms", graft.postprocessMs(), djl.postprocessMs());
        row(out, "p50 latency ms", graft.p50LatencyMs(), djl.p50LatencyMs());
        row(out, "p95 latency ms", graft.p95LatencyMs(), djl.p95LatencyMs());
        row(out, "ORT only ms", graft.ortOnlyMs(), Double.NaN);
        out.printf(
                Locale.ROOT,
                "ratio Graft/DJL: %.2fx (target >= 4x: %s)%n",
                ratio,
                ratio >= 4 ? "met" : "NOT met");
    }

    private static void row(PrintStream out, String name, double graft, double djl) {
        out.printf(Locale.ROOT, "%-22s %12s %12s%n", name, format(graft), format(djl));
    }

    private static String format(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.2f", value);
    }

    private static Map<String, Object> json(
            Args a,
            int images,
            List<String> skipped,
            int agree,
            ClassifierBenchmark.Report graft,
            DjlPeerBenchmark.Report djl,
            double ratio) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("graftImagesPerSecond", graft.imagesPerSecond());
        m.put("djlImagesPerSecond", djl.imagesPerSecond());
        m.put("ratio", ratio);
        m.put("model", a.model().toString());
        m.put("imagesDir", a.images().toString());
        m.put("images", images);
        m.put("skipped", skipped);
        m.put("top1Agreement", agree);
        m.put("threads", a.threads());
        m.put("warmup", a.warmup());
        m.put("minClassifications", a.min());
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("classified", graft.classified());
        g.put("failed", graft.failed());
        g.put("seconds", graft.seconds());
        g.put("decodeMs", graft.decodeMs());
        g.put("preprocessMs", graft.preprocessMs());
        g.put("inferenceMs", graft.inferenceMs());
        g.put("postprocessMs", graft.postprocessMs());
        g.put("ortOnlyMs", graft.ortOnlyMs());
        g.put("ortOnlyImagesPerSecond", graft.ortOnlyImagesPerSecond());
        g.put("p50LatencyMs", graft.p50LatencyMs());
        g.put("p95LatencyMs", graft.p95LatencyMs());
        g.put("rssPeakMb", graft.rssPeakMb());
        m.put("graft", g);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("classified", djl.classified());
        d.put("failed", djl.failed());
        d.put("seconds", djl.seconds());
        d.put("decodeMs", djl.decodeMs());
        d.put("preprocessMs", djl.preprocessMs());
        d.put("inferenceMs", djl.inferenceMs());
        d.put("postprocessMs", djl.postprocessMs());
        d.put("p50LatencyMs", djl.p50LatencyMs());
        d.put("p95LatencyMs", djl.p95LatencyMs());
        m.put("djl", d);
        return m;
    }
}
