package ai.graft.trainer.compare;

import ai.graft.converter.ModelEditor;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.quantize.ModelQuantizer;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ModelCard;
import ai.graft.trainer.QuantizedModels;
import ai.graft.trainer.Strategy;
import ai.graft.trainer.Trainer;
import ai.graft.trainer.TrainingMonitor;
import ai.graft.trainer.TrainingResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * Picks the model by accuracy, latency and size: trains every combination of backbone and strategy
 * on one split, measures each resulting model in every precision on the same held-out test images
 * ({@link TestSplit}), and names the best within the budgets. A backbone file whose model card's
 * labels are the data's classes is a finished model: it is measured, not trained.
 *
 * <p>Each run trains in its own folder, {@code OUT/<backbone>-<strategy>/}, where its INT8 and FP16
 * versions are written too ({@code model-int8.onnx}, {@code model-fp16.onnx}; a finished model's in
 * {@code OUT/<name>-finished/}), calibrated on the split's training images. A quantized model is
 * measured however much accuracy it loses, and the reports show that loss beside its float model. A
 * run, a quantization or a measurement that fails is reported with why and the others still run.
 * After every combination the reports are rewritten, atomically, with what finished so far: {@value
 * #MARKDOWN}, {@value #JSON} and {@value #PLOT} (top-1 accuracy against latency, marker area for
 * the file size, the Pareto front drawn). An interrupted comparison keeps every finished run and
 * its row.
 *
 * <pre>{@code
 * ComparisonOptions options =
 *         ComparisonOptions.builder(Path.of("hymenoptera"),
 *                         List.of("squeezenet-card.onnx", "smallcnn"), Path.of("compare"))
 *                 .maxLatencyMs(20.0)
 *                 .build();
 * ComparisonResult r = Comparison.run(options, TrainingMonitor.of(System.err::println));
 * System.out.println(r.choice().reason());
 * }</pre>
 *
 * <p>Not thread-safe for one output folder: two comparisons must not share {@code OUT}.
 */
public final class Comparison {
    /** The Markdown report's file name in the output folder. */
    public static final String MARKDOWN = "compare.md";

    /** The JSON report's file name. */
    public static final String JSON = "compare.json";

    /** The plot's file name. */
    public static final String PLOT = "compare.png";

    private Comparison() {}

    /**
     * Runs the comparison.
     *
     * @param options what to compare
     * @param monitor receives each run's lines (indented), each measurement and the status
     * @return the result; failed combinations are in it with why
     * @throws GraftException when the data cannot be read or split, or the output folder or a
     *     report cannot be written
     */
    public static ComparisonResult run(ComparisonOptions options, TrainingMonitor monitor)
            throws GraftException {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(monitor, "monitor");
        Path out = options.outDir();
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new GraftException("Cannot create " + out + ": " + e.getMessage(), e);
        }
        TestSplit split = TestSplit.prepare(options, out, monitor);
        List<Combination> combinations = combinations(options, split.test().classes());
        int planned = combinations.size() * options.precisions().size();
        ModelMeasurer measurer =
                new ModelMeasurer(
                        split.test(),
                        LatencyImages.of(split.test(), out),
                        options.latencyRuns(),
                        monitor);
        List<Measurement> done = new ArrayList<>();
        for (int i = 0; i < combinations.size(); i++) {
            Combination c = combinations.get(i);
            monitor.log(
                    String.format(
                            Locale.ROOT,
                            "[%d/%d] %s %s",
                            i + 1,
                            combinations.size(),
                            c.label(),
                            c.finished() ? "(finished model: measured only)" : c.strategyName()));
            runOne(c, options, split, measurer, done, monitor);
            ComparisonReport.write(result(options, split, done, planned));
        }
        ComparisonResult result = result(options, split, done, planned);
        ComparisonReport.write(result);
        monitor.log(result.choice().reason());
        return result;
    }

    private static void runOne(
            Combination c,
            ComparisonOptions options,
            TestSplit split,
            ModelMeasurer measurer,
            List<Measurement> done,
            TrainingMonitor monitor) {
        Path model;
        double seconds = Double.NaN;
        Double valAccuracy = null;
        try {
            if (c.finished()) {
                model = Path.of(c.backbone());
            } else {
                Path runDir = options.outDir().resolve(c.folder());
                TrainingResult r =
                        Trainer.train(
                                options.training(
                                        c.backbone(), c.strategy(), split.trainingData(), runDir),
                                TrainingMonitor.of(
                                        line -> monitor.log("    " + line), monitor::status));
                model = r.model();
                seconds = r.seconds();
                valAccuracy = r.valAccuracy();
            }
        } catch (GraftException | RuntimeException e) {
            String why = "training failed: " + message(e);
            monitor.log("    " + c.label() + " " + c.strategyName() + ": " + why);
            for (Precision p : options.precisions()) {
                done.add(Measurement.failed(c.name(p), c.backbone(), c.strategyName(), p, why));
            }
            return;
        }
        for (Precision p : options.precisions()) {
            Path measured;
            try {
                measured = inPrecision(c, model, p, split, options.outDir(), monitor);
            } catch (GraftException | RuntimeException e) {
                fail(c, p, "quantization failed: " + message(e), done, monitor);
                continue;
            }
            try {
                done.add(measurer.measure(c, p, measured, seconds, valAccuracy));
            } catch (GraftException | RuntimeException e) {
                fail(c, p, "measuring failed: " + message(e), done, monitor);
            }
        }
    }

    private static void fail(
            Combination c,
            Precision p,
            String why,
            List<Measurement> done,
            TrainingMonitor monitor) {
        monitor.log("    " + c.name(p) + ": " + why);
        done.add(Measurement.failed(c.name(p), c.backbone(), c.strategyName(), p, why));
    }

    /**
     * The model in a precision: for {@link Precision#FP32} the model itself; otherwise the
     * quantizer's version of it, calibrated (INT8) or checked (FP16) on the split's training images
     * and written to {@code OUT/<backbone>-<strategy>/model-int8.onnx} (or {@code -fp16}).
     *
     * <p>Unlike {@code graft quantize}, no tolerance refuses it: however much accuracy it loses, it
     * is measured on the test images like every other model and the report shows the loss beside
     * its float model, which is what a comparison is for. A model the quantizer cannot take (not a
     * classifier, already quantized, no image file to calibrate on) fails its row alone.
     */
    private static Path inPrecision(
            Combination c,
            Path model,
            Precision precision,
            TestSplit split,
            Path outDir,
            TrainingMonitor monitor)
            throws GraftException {
        if (precision == Precision.FP32) {
            return model;
        }
        ai.graft.converter.quantize.Precision q = precision.quantizerPrecision();
        ModelQuantizer.QuantizationResult r =
                QuantizedModels.quantize(model, q, split.train(), null);
        Path file = outDir.resolve(c.folder()).resolve(QuantizedModels.fileName(q));
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new GraftException(
                    "Cannot create " + file.getParent() + ": " + e.getMessage(), e);
        }
        OnnxModels.write(r.model(), file);
        monitor.log(
                String.format(
                        Locale.ROOT,
                        "    %s: %s on %d training images, top-1 agreement with fp32 %.1f %%",
                        c.name(precision),
                        q.label(),
                        r.report().images(),
                        100 * r.report().agreement().top1Agreement()));
        return file;
    }

    private static String message(Exception e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    private static ComparisonResult result(
            ComparisonOptions options, TestSplit split, List<Measurement> done, int planned) {
        return new ComparisonResult(
                split,
                done,
                Ranking.paretoFront(done),
                Ranking.choose(done, options.maxLatencyMs(), options.maxSizeMb()),
                options.maxLatencyMs(),
                options.maxSizeMb(),
                planned,
                options.outDir());
    }

    /**
     * Every backbone with every strategy, in the order given; a finished model once. Labels are the
     * backbones' short names, made unique.
     */
    static List<Combination> combinations(ComparisonOptions options, List<String> classes) {
        List<Combination> all = new ArrayList<>();
        Set<String> labels = new HashSet<>();
        for (String backbone : options.backbones()) {
            String label = shortName(backbone);
            for (int n = 2; !labels.add(label); n++) {
                label = shortName(backbone) + "-" + n;
            }
            if (isFinished(backbone, classes)) {
                all.add(new Combination(backbone, label, null));
                continue;
            }
            for (Strategy s : options.strategies()) {
                all.add(new Combination(backbone, label, s));
            }
        }
        return all;
    }

    private static String shortName(String backbone) {
        String name = Path.of(backbone).getFileName().toString();
        return name.toLowerCase(Locale.ROOT).endsWith(".onnx")
                ? name.substring(0, name.length() - ".onnx".length())
                : name;
    }

    /**
     * Whether a backbone is a file whose card's labels are exactly the data's classes. A file that
     * cannot be read is not: its training run then says why.
     */
    static boolean isFinished(String backbone, List<String> classes) {
        Path file = Path.of(backbone);
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try {
            ModelCard card = ModelCard.fromMetadata(ModelEditor.metadata(OnnxModels.read(file)));
            return card.labels() != null && Set.copyOf(card.labels()).equals(Set.copyOf(classes));
        } catch (GraftException e) {
            return false;
        }
    }
}
