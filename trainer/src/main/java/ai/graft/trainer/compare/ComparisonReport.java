package ai.graft.trainer.compare;

import ai.graft.converter.AtomicFiles;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.OnnxRuntime;
import ai.graft.trainer.eval.TradeoffPlot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a comparison's reports, each atomically: {@value Comparison#MARKDOWN} (the choice and why,
 * one table row per model, the failures), {@value Comparison#JSON} (the same figures for scripts)
 * and {@value Comparison#PLOT} ({@link TradeoffPlot}).
 */
final class ComparisonReport {
    private ComparisonReport() {}

    static void write(ComparisonResult r) throws GraftException {
        Path out = r.outDir();
        try {
            text(out.resolve(Comparison.JSON), r.toJson() + "\n");
            text(out.resolve(Comparison.MARKDOWN), r.toMarkdown());
            TradeoffPlot.draw(
                    points(r),
                    r.maxLatencyMs(),
                    "Top-1 accuracy against latency (" + r.split().test().size() + " test images)",
                    out.resolve(Comparison.PLOT));
        } catch (IOException e) {
            throw new GraftException(
                    "Cannot write the comparison's reports in " + out + ": " + e.getMessage(), e);
        }
    }

    private static void text(Path file, String content) throws IOException {
        AtomicFiles.write(file, content.getBytes(StandardCharsets.UTF_8));
    }

    private static List<TradeoffPlot.Point> points(ComparisonResult r) {
        Measurement best = r.choice().best();
        return r.measurements().stream()
                .filter(Measurement::ok)
                .map(
                        m ->
                                new TradeoffPlot.Point(
                                        m.name(),
                                        m.p50LatencyMs(),
                                        m.top1(),
                                        m.sizeMb(),
                                        r.paretoFront().contains(m),
                                        m == best))
                .toList();
    }

    static Map<String, Object> toMap(ComparisonResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("complete", r.complete());
        m.put("planned", r.planned());
        TestSplit s = r.split();
        Map<String, Object> split = new LinkedHashMap<>();
        split.put("trainingData", s.trainingData().toString());
        split.put("testMade", s.made());
        split.put("testSource", s.source());
        split.put("trainImages", s.trainImages());
        split.put("valImages", s.valImages());
        split.put("testImages", s.test().size());
        split.put("testFingerprint", s.fingerprint());
        split.put("classes", s.test().classes());
        m.put("split", split);
        Map<String, Object> budgets = new LinkedHashMap<>();
        budgets.put("maxLatencyMs", r.maxLatencyMs());
        budgets.put("maxSizeMb", r.maxSizeMb());
        m.put("budgets", budgets);
        Measurement best = r.choice().best();
        m.put("best", best == null ? null : best.name());
        m.put("reason", r.choice().reason());
        m.put("paretoFront", r.paretoFront().stream().map(Measurement::name).toList());
        List<Object> models = new ArrayList<>();
        for (Measurement x : r.measurements()) {
            models.add(model(x, r));
        }
        m.put("models", models);
        m.put("machine", machine());
        return m;
    }

    private static Map<String, Object> model(Measurement x, ComparisonResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", x.name());
        m.put("backbone", x.backbone());
        m.put("strategy", x.strategy());
        m.put("precision", x.precision().cliName());
        m.put("ok", x.ok());
        m.put("error", x.error());
        m.put("model", x.model() == null ? null : x.model().toString());
        if (x.ok()) {
            m.put("testImages", x.testImages());
            m.put("top1", x.top1());
            m.put("top1LossPointsVsFp32", lossPoints(x, r));
            m.put("top5", x.top5());
            m.put("macroF1", x.macroF1());
            m.put("p50LatencyMs", x.p50LatencyMs());
            m.put("p95LatencyMs", x.p95LatencyMs());
            m.put("imagesPerSecond", x.imagesPerSecond());
            m.put("fileBytes", x.fileBytes());
            m.put("sizeMb", x.sizeMb());
            m.put("parameters", x.parameters());
            m.put("multiplyAdds", x.multiplyAdds());
            m.put("trainSeconds", x.trainSeconds());
            m.put("valAccuracy", x.valAccuracy());
            m.put("paretoFront", r.paretoFront().contains(x));
            m.put("withinBudgets", Ranking.fits(x, r.maxLatencyMs(), r.maxSizeMb()));
        }
        return m;
    }

    /**
     * The top-1 points a quantized model loses against its own fp32 model on the same test images
     * (negative when it gains), or null for an fp32 model or when the fp32 one was not measured.
     */
    static Double lossPoints(Measurement x, ComparisonResult r) {
        if (x.precision() == Precision.FP32) {
            return null;
        }
        for (Measurement m : r.measurements()) {
            if (m.ok()
                    && m.precision() == Precision.FP32
                    && m.backbone().equals(x.backbone())
                    && m.strategy().equals(x.strategy())) {
                return 100 * (m.top1() - x.top1());
            }
        }
        return null;
    }

    private static Map<String, Object> machine() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("processors", Runtime.getRuntime().availableProcessors());
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        m.put("java", System.getProperty("java.version"));
        m.put("onnxruntime", OnnxRuntime.version());
        return m;
    }

    static String markdown(ComparisonResult r) {
        StringBuilder md = new StringBuilder("# Model comparison\n\n");
        TestSplit s = r.split();
        if (!r.complete()) {
            md.append(
                    String.format(
                            Locale.ROOT,
                            "**Partial: %d of %d measurements done so far.**%n%n",
                            r.measurements().size(),
                            r.planned()));
        }
        md.append(
                String.format(
                        Locale.ROOT,
                        "Every model is measured on the same %d test images (%s; fingerprint"
                                + " `%s`), which neither training nor the choice of the best epoch"
                                + " saw. The runs trained on %d images and chose their epoch on %d"
                                + " validation images; the validation accuracy is shown for"
                                + " contrast only: it chose the epoch, so it is optimistic.%n%n",
                        s.test().size(),
                        s.source(),
                        s.fingerprint(),
                        s.trainImages(),
                        s.valImages()));
        md.append("## Choice\n\n").append(r.choice().reason()).append("\n\n");
        md.append("## Models\n\n");
        md.append(
                "| model | precision | top-1 | loss vs fp32 (points) | top-5 | macro F1 | p50 ms |"
                        + " p95 ms | images/s | MB | parameters | multiply-adds | train s | val acc"
                        + " | front | within budgets |\n");
        md.append(
                "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|:---:|\n");
        for (Measurement x : r.measurements()) {
            if (!x.ok()) {
                continue;
            }
            md.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %s | %.4f | %s | %s | %.4f | %.2f | %.2f | %.1f | %.2f | %,d |"
                                    + " %s | %s | %s | %s | %s |%n",
                            x.name(),
                            x.precision().cliName(),
                            x.top1(),
                            lossPoints(x, r) == null
                                    ? "-"
                                    : String.format(Locale.ROOT, "%.2f", lossPoints(x, r)),
                            x.top5() == null ? "-" : String.format(Locale.ROOT, "%.4f", x.top5()),
                            x.macroF1(),
                            x.p50LatencyMs(),
                            x.p95LatencyMs(),
                            x.imagesPerSecond(),
                            x.sizeMb(),
                            x.parameters(),
                            x.multiplyAdds() < 0
                                    ? "unknown"
                                    : String.format(Locale.ROOT, "%,d", x.multiplyAdds()),
                            Double.isNaN(x.trainSeconds())
                                    ? "-"
                                    : String.format(Locale.ROOT, "%.1f", x.trainSeconds()),
                            x.valAccuracy() == null
                                    ? "-"
                                    : String.format(Locale.ROOT, "%.4f", x.valAccuracy()),
                            r.paretoFront().contains(x) ? "yes" : "",
                            Ranking.fits(x, r.maxLatencyMs(), r.maxSizeMb()) ? "yes" : "no"));
        }
        List<Measurement> failed = r.measurements().stream().filter(x -> !x.ok()).toList();
        if (!failed.isEmpty()) {
            md.append("\n## Failed\n\n");
            for (Measurement x : failed) {
                md.append("- ").append(x.name()).append(": ").append(x.error()).append('\n');
            }
        }
        Map<String, Object> machine = machine();
        md.append(
                String.format(
                        Locale.ROOT,
                        "%nLatency and images/s: end to end through the SDK (read, decode,"
                                + " preprocess, infer), one image at a time, on this machine (%s"
                                + " processors, %s, ONNX Runtime %s). Top-5 only with 5 or more"
                                + " classes. int8 and fp16 models are the quantizer's, calibrated"
                                + " on the training images and kept whatever they lose: the loss"
                                + " against the same model in fp32 is in its own column. The plot:"
                                + " %s.%n",
                        machine.get("processors"),
                        machine.get("os"),
                        machine.get("onnxruntime"),
                        Comparison.PLOT));
        return md.toString();
    }
}
