package ai.graft.trainer.eval;

import ai.graft.converter.quantize.Precision;
import ai.graft.converter.quantize.QuantizationReport;
import ai.graft.converter.quantize.Tolerance;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The quantized model of a training run ({@code graft train --quantize}) beside the float one: how
 * the two compare on the validation images, and whether the quantized file was kept. It is kept
 * only when it loses no more than the tolerance; otherwise, or when quantization failed, the float
 * model stands alone and this says why.
 *
 * @param model the float model the quantized one was made from
 * @param precision the precision asked for
 * @param file the quantized model written beside the float one, or null when none was kept
 * @param report what the quantizer measured, or null when it failed
 * @param tolerance the largest loss accepted, in points of accuracy when the report measured
 *     accuracy, else in percent of images whose best class changed; NaN when quantization failed
 * @param error why quantization failed, or null
 */
public record QuantizationCheck(
        Path model,
        Precision precision,
        Path file,
        QuantizationReport report,
        double tolerance,
        String error) {

    /**
     * @return whether the quantized model was written
     */
    public boolean kept() {
        return file != null;
    }

    /**
     * @return the loss the tolerance is compared with: points of accuracy, or percent of changed
     *     best classes; NaN when quantization failed
     */
    public double loss() {
        if (report == null) {
            return Double.NaN;
        }
        return report.accuracy() != null
                ? report.accuracyLossPoints()
                : report.disagreementPercent();
    }

    /**
     * The finding in one line, for the log.
     *
     * @return for example {@code kept out/model-int8.onnx (validation accuracy 0.9500 against
     *     0.9500; 0.12 MB, 28 % of the float model)}
     */
    public String line() {
        if (error != null) {
            return "failed, float model kept: " + error;
        }
        String figures =
                String.format(
                        Locale.ROOT,
                        "%s; %.2f MB, %.0f %% of the float model",
                        accuracyText(),
                        report.bytes() / 1e6,
                        100.0 * report.bytes() / report.originalBytes());
        return kept()
                ? "kept " + file + " (" + figures + ")"
                : String.format(
                        Locale.ROOT,
                        "refused, float model kept: it loses %.2f %s, more than the tolerance %.2f"
                                + " (%s)",
                        loss(),
                        unit(),
                        tolerance,
                        figures);
    }

    /**
     * The finding for the report: a table of both models and a sentence.
     *
     * @return Markdown text
     */
    public String markdown() {
        Path floatFile = model.getFileName();
        if (error != null) {
            return String.format(
                    Locale.ROOT,
                    "**No %s model was kept:** quantization failed: %s. %s stands alone.%n",
                    precision.label(),
                    error,
                    floatFile);
        }
        StringBuilder md = new StringBuilder();
        md.append("| model | precision | validation accuracy | MB |\n");
        md.append("|---|---|---:|---:|\n");
        md.append(
                String.format(
                        Locale.ROOT,
                        "| %s | fp32 | %s | %.2f |%n",
                        floatFile,
                        report.accuracy() == null
                                ? "-"
                                : EvaluationResult.fixed(report.accuracy().original()),
                        report.originalBytes() / 1e6));
        md.append(
                String.format(
                        Locale.ROOT,
                        "| %s | %s | %s | %.2f |%n%n",
                        kept() ? file.getFileName() : "(not kept)",
                        precision.label(),
                        report.accuracy() == null
                                ? "-"
                                : EvaluationResult.fixed(report.accuracy().reduced()),
                        report.bytes() / 1e6));
        md.append(
                String.format(
                        Locale.ROOT,
                        "%s on %d %s: top-1 agreement %.1f %%, largest score difference %.4f.",
                        report.method() == null
                                ? "Checked"
                                : "Calibrated (" + report.method().cliName() + ") and checked",
                        report.images(),
                        report.images() == 0 ? "random inputs" : "training images",
                        100 * report.agreement().top1Agreement(),
                        report.agreement().maxScoreDiff()));
        if (report.kernels() != null) {
            md.append(" ONNX Runtime: ").append(report.kernels().describe()).append('.');
        }
        md.append(
                kept()
                        ? String.format(
                                Locale.ROOT,
                                " It loses %.2f %s, within the tolerance %.2f.%n",
                                loss(),
                                unit(),
                                tolerance)
                        : String.format(
                                Locale.ROOT,
                                "%n%n**Not kept:** the %s model loses %.2f %s, more than the"
                                        + " tolerance %.2f; %s stands alone.%n",
                                precision.label(),
                                loss(),
                                unit(),
                                tolerance,
                                floatFile));
        return md.toString();
    }

    /**
     * @return the check as a JSON-ready map: {@code model}, {@code precision}, {@code kept}, {@code
     *     file}, {@code error}, {@code tolerance}, {@code toleranceOf}, {@code loss}, then the
     *     quantizer's figures ({@link QuantizationReport#toMap()}: the accuracy of both, the
     *     agreement, the sizes)
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model.toString());
        m.put("precision", precision.label());
        m.put("kept", kept());
        m.put("file", file == null ? null : file.toString());
        m.put("error", error);
        if (report != null) {
            m.put("tolerance", tolerance);
            m.put("toleranceOf", Tolerance.unitOf(report));
            m.put("loss", loss());
            m.put("quantizer", report.toMap());
        }
        return m;
    }

    private String unit() {
        return report.accuracy() != null ? "points of accuracy" : "% of best classes changed";
    }

    private String accuracyText() {
        return report.accuracy() == null
                ? String.format(
                        Locale.ROOT,
                        "top-1 agreement %.1f %% on %d images",
                        100 * report.agreement().top1Agreement(),
                        report.agreement().images())
                : String.format(
                        Locale.ROOT,
                        "validation accuracy %.4f against %.4f",
                        report.accuracy().reduced(),
                        report.accuracy().original());
    }
}
