package ai.graft.bench;

import ai.graft.converter.GraftJson;
import ai.graft.converter.ModelEditor;
import ai.graft.converter.OnnxModels;
import ai.graft.sdk.Category;
import ai.graft.sdk.Classification;
import ai.graft.sdk.Device;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ImageClassifierOptions;
import ai.graft.sdk.ImageInput;
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
import java.util.stream.Stream;

/**
 * The SDK on CUDA beside the SDK on the CPU, in one JVM, on the same model and images: whether the
 * scores agree (top-1 class of every image, largest difference of its score) and end-to-end
 * images/s (read, decode, preprocess, ONNX Runtime, scores) at batch 1 and batch 32. The model is
 * given a dynamic batch dimension first (in a temporary copy), so that batch 32 is one ONNX Runtime
 * run. The measurement behind {@code bench/gpu-check}'s inference ratio; with {@code --cpu-only} it
 * measures the CPU alone (a dry run on a machine without a GPU).
 *
 * <p>Exit code 0 when CUDA was used and the scores agree within {@code --tolerance}, 1 otherwise
 * (the reason on stderr), 2 on invalid usage.
 *
 * <pre>{@code
 * java -cp ... ai.graft.bench.CudaInferenceBenchmark --model squeezenet1.1.onnx \
 *         --images hymenoptera/val --labels imagenet_classes.txt --json
 * }</pre>
 */
public final class CudaInferenceBenchmark {
    private static final int[] BATCHES = {1, 32};

    private CudaInferenceBenchmark() {}

    /**
     * Runs the comparison.
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
            float tolerance,
            boolean cpuOnly,
            boolean json,
            boolean help) {

        static Args parse(String[] args) {
            Path model = null;
            Path images = null;
            Path labels = null;
            int min = 512;
            float tolerance = 1e-3f;
            boolean cpuOnly = false;
            boolean json = false;
            for (int i = 0; i < args.length; i++) {
                String arg = args[i];
                switch (arg) {
                    case "--model" -> model = Paths.get(value(args, ++i, arg));
                    case "--images" -> images = Paths.get(value(args, ++i, arg));
                    case "--labels" -> labels = Paths.get(value(args, ++i, arg));
                    case "--min" -> min = positive(value(args, ++i, arg), arg);
                    case "--tolerance" -> tolerance = fraction(value(args, ++i, arg), arg);
                    case "--cpu-only" -> cpuOnly = true;
                    case "--json" -> json = true;
                    case "-h", "--help" -> {
                        return new Args(null, null, null, 0, 0, false, false, true);
                    }
                    default -> throw new IllegalArgumentException("Unknown option '" + arg + "'");
                }
            }
            if (model == null || images == null) {
                throw new IllegalArgumentException("--model and --images are required");
            }
            return new Args(model, images, labels, min, tolerance, cpuOnly, json, false);
        }

        private static String value(String[] args, int i, String option) {
            if (i >= args.length) {
                throw new IllegalArgumentException("Missing value for " + option);
            }
            return args[i];
        }

        private static int positive(String text, String option) {
            try {
                int v = Integer.parseInt(text);
                if (v >= 1 && v <= 1_000_000) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(
                    "Invalid value for " + option + ": '" + text + "', expected 1 to 1000000");
        }

        private static float fraction(String text, String option) {
            try {
                float v = Float.parseFloat(text);
                if (v > 0 && v < 1) {
                    return v;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(
                    "Invalid value for "
                            + option
                            + ": '"
                            + text
                            + "', expected a number between 0 and 1");
        }
    }

    /**
     * Images/s of one device at one batch size.
     *
     * @param device where ONNX Runtime ran
     * @param batch images per run
     * @param images images classified while timing
     * @param imagesPerSecond end to end
     */
    record Throughput(Device device, int batch, int images, double imagesPerSecond) {}

    /**
     * How far CUDA's scores are from the CPU's.
     *
     * @param images images compared
     * @param top1Disagreements images whose best class differs
     * @param maxScoreDiff largest difference of the CPU's best class's score between the two
     */
    record Parity(int images, int top1Disagreements, double maxScoreDiff) {}

    static int run(String[] argv, PrintStream out, PrintStream err) {
        Args a;
        try {
            a = Args.parse(argv);
        } catch (IllegalArgumentException e) {
            err.println("cuda-inference: " + e.getMessage() + " (see --help)");
            return 2;
        }
        if (a.help()) {
            out.println(
                    "usage: CudaInferenceBenchmark --model M.onnx --images DIR [--labels F]"
                            + " [--min N] [--tolerance T] [--cpu-only] [--json]");
            return 0;
        }
        Path dynamic = null;
        try {
            List<Path> files = images(a.images());
            if (files.isEmpty()) {
                err.println("cuda-inference: no .jpg/.jpeg/.png images in " + a.images());
                return 2;
            }
            dynamic = Files.createTempFile("graft-cuda-bench", ".onnx");
            OnnxModels.write(ModelEditor.dynamicBatch(OnnxModels.read(a.model())), dynamic);
            ImageClassifierOptions.Builder options =
                    ImageClassifierOptions.builder().preprocessing(Preprocessing.caffe(224, 224));
            if (a.labels() != null) {
                options.labelsFile(a.labels());
            }
            ImageClassifierOptions cpu = options.build();
            List<Throughput> rows = new ArrayList<>();
            Parity parity = null;
            String problem = null;
            try (ImageClassifier onCpu = ImageClassifier.create(dynamic, cpu)) {
                for (int batch : BATCHES) {
                    rows.add(measure(onCpu, files, batch, a.min()));
                }
                if (!a.cpuOnly()) {
                    try (ImageClassifier onGpu =
                            ImageClassifier.create(
                                    dynamic, cpu.toBuilder().device(Device.CUDA).build())) {
                        if (onGpu.device() != Device.CUDA) {
                            problem = "CUDA was not used (the warning above says why)";
                        } else {
                            parity = parity(onCpu, onGpu, files);
                            for (int batch : BATCHES) {
                                rows.add(measure(onGpu, files, batch, a.min()));
                            }
                            if (parity.top1Disagreements() > 0
                                    || parity.maxScoreDiff() > a.tolerance()) {
                                problem =
                                        String.format(
                                                Locale.ROOT,
                                                "CUDA's scores differ from the CPU's: %d of %d"
                                                        + " best classes, score difference up to"
                                                        + " %.2e (tolerance %.0e)",
                                                parity.top1Disagreements(),
                                                parity.images(),
                                                parity.maxScoreDiff(),
                                                a.tolerance());
                            }
                        }
                    }
                }
            }
            print(out, a, rows, parity);
            if (problem != null) {
                err.println("cuda-inference: " + problem);
                return 1;
            }
            return 0;
        } catch (GraftException | IOException e) {
            err.println("cuda-inference: " + e.getMessage());
            return 1;
        } finally {
            if (dynamic != null) {
                try {
                    Files.deleteIfExists(dynamic);
                } catch (IOException e) {
                    err.println("cuda-inference: could not delete " + dynamic);
                }
            }
        }
    }

    static List<Path> images(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(
                            p -> {
                                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                                return n.endsWith(".jpg")
                                        || n.endsWith(".jpeg")
                                        || n.endsWith(".png");
                            })
                    .sorted()
                    .toList();
        }
    }

    static Parity parity(ImageClassifier cpu, ImageClassifier gpu, List<Path> files)
            throws GraftException {
        int disagreements = 0;
        double max = 0;
        for (Path f : files) {
            Classification a = cpu.classify(f);
            Classification b = gpu.classify(f);
            Category best = a.best();
            if (best.index() != b.best().index()) {
                disagreements++;
            }
            for (Category c : b.top()) {
                if (c.index() == best.index()) {
                    max = Math.max(max, Math.abs(c.score() - best.score()));
                }
            }
        }
        return new Parity(files.size(), disagreements, max);
    }

    /** Classifies {@code min} images or more, cycling through the files, after one warm-up pass. */
    static Throughput measure(ImageClassifier c, List<Path> files, int batch, int min)
            throws GraftException {
        List<ImageInput> inputs = files.stream().map(ImageInput::of).toList();
        run(c, inputs, batch, Math.min(inputs.size(), 2 * batch));
        long start = System.nanoTime();
        int n = run(c, inputs, batch, min);
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Throughput(c.device(), batch, n, n / seconds);
    }

    private static int run(ImageClassifier c, List<ImageInput> inputs, int batch, int min)
            throws GraftException {
        int done = 0;
        int next = 0;
        while (done < min) {
            List<ImageInput> chunk = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) {
                chunk.add(inputs.get(next));
                next = (next + 1) % inputs.size();
            }
            done += c.classifyBatch(chunk).size();
        }
        return done;
    }

    private static void print(PrintStream out, Args a, List<Throughput> rows, Parity parity) {
        out.printf(Locale.ROOT, "| device | batch | images | images/s |%n|---|---|---|---|%n");
        for (Throughput t : rows) {
            out.printf(
                    Locale.ROOT,
                    "| %s | %d | %d | %.1f |%n",
                    t.device(),
                    t.batch(),
                    t.images(),
                    t.imagesPerSecond());
        }
        if (parity != null) {
            out.printf(
                    Locale.ROOT,
                    "parity: %d images, %d best-class disagreements, max score difference %.2e%n",
                    parity.images(),
                    parity.top1Disagreements(),
                    parity.maxScoreDiff());
        }
        if (a.json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", a.model().toString());
            for (Throughput t : rows) {
                m.put(
                        t.device().name().toLowerCase(Locale.ROOT) + "Batch" + t.batch(),
                        t.imagesPerSecond());
            }
            if (parity != null) {
                m.put("parityImages", parity.images());
                m.put("parityTop1Disagreements", parity.top1Disagreements());
                m.put("parityMaxScoreDiff", parity.maxScoreDiff());
            }
            out.println(GraftJson.write(m));
        }
    }
}
