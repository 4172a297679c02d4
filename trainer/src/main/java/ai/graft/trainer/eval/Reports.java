package ai.graft.trainer.eval;

import ai.graft.converter.AtomicFiles;
import ai.graft.converter.GraftJson;
import ai.graft.converter.checkpoint.EpochMetrics;
import ai.graft.sdk.GraftException;
import ai.graft.trainer.data.Skipped;
import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes the report of a training run into its output folder, each file atomically:
 *
 * <ul>
 *   <li>{@value #REPORT_JSON}: the summary, the validation evaluation and the per-epoch history, as
 *       one JSON object;
 *   <li>{@value #REPORT_MD}: the same for people, with the plots;
 *   <li>{@value #METRICS_CSV} and {@value #METRICS_JSON}: one row (object) per epoch;
 *   <li>{@value #LEARNING_CURVES} and {@value #CONFUSION_MATRIX}: the plots ({@link Plots}).
 * </ul>
 *
 * <pre>{@code
 * Reports.write(out, summary, evaluation, history, transferCheck, null);
 * }</pre>
 */
public final class Reports {
    /** The JSON report's file name. */
    public static final String REPORT_JSON = "report.json";

    /** The Markdown report's file name. */
    public static final String REPORT_MD = "report.md";

    /** The per-epoch CSV's file name. */
    public static final String METRICS_CSV = "metrics.csv";

    /** The per-epoch JSON's file name. */
    public static final String METRICS_JSON = "metrics.json";

    /** The learning-curves plot's file name. */
    public static final String LEARNING_CURVES = "learning-curves.png";

    /** The confusion-matrix plot's file name. */
    public static final String CONFUSION_MATRIX = "confusion-matrix.png";

    /** The header of {@value #METRICS_CSV}. */
    static final String CSV_HEADER =
            "epoch,train_loss,train_accuracy,val_loss,val_accuracy,learning_rate,"
                    + "images_per_second,seconds";

    /** Most epochs listed one per row in the Markdown report (all are in the CSV and JSON). */
    static final int MARKDOWN_EPOCH_LIMIT = 200;

    private Reports() {}

    /**
     * Writes the six report files into {@code outDir}, creating it when needed, with the finding of
     * a {@link TransferCheck} and the quantized model beside the float one ({@link
     * QuantizationCheck}).
     *
     * @param outDir the output folder
     * @param s what the run was
     * @param val the evaluation of the kept model on the validation set; null when there was none
     *     (then no confusion matrix is drawn)
     * @param epochs the per-epoch metrics, in order
     * @param transfer the model against the raw-pixel baseline; null when not measured
     * @param quantized the quantized model against the float one; null when none was asked for
     * @throws GraftException when a file cannot be written; the message names it
     */
    public static void write(
            Path outDir,
            TrainingSummary s,
            EvaluationResult val,
            List<EpochMetrics> epochs,
            TransferCheck transfer,
            QuantizationCheck quantized)
            throws GraftException {
        Objects.requireNonNull(outDir, "outDir");
        Objects.requireNonNull(s, "s");
        Objects.requireNonNull(epochs, "epochs");
        Path file = outDir;
        try {
            Files.createDirectories(outDir);
            file = outDir.resolve(METRICS_CSV);
            writeText(file, metricsCsv(epochs));
            file = outDir.resolve(METRICS_JSON);
            writeText(file, GraftJson.write(epochList(epochs)) + "\n");
            file = outDir.resolve(LEARNING_CURVES);
            Plots.learningCurves(epochs, file);
            if (val != null) {
                file = outDir.resolve(CONFUSION_MATRIX);
                Plots.confusionMatrix(val, file);
            }
            file = outDir.resolve(REPORT_JSON);
            writeText(file, reportJson(s, val, epochs, transfer, quantized) + "\n");
            file = outDir.resolve(REPORT_MD);
            writeText(file, reportMarkdown(s, val, epochs, transfer, quantized));
        } catch (IOException e) {
            throw new GraftException("Cannot write the report file " + file + ": " + e, e);
        }
    }

    static String metricsCsv(List<EpochMetrics> epochs) {
        StringBuilder csv = new StringBuilder(CSV_HEADER).append('\n');
        for (EpochMetrics e : epochs) {
            csv.append(e.epoch());
            for (double v :
                    new double[] {
                        e.trainLoss(),
                        e.trainAccuracy(),
                        e.valLoss(),
                        e.valAccuracy(),
                        e.learningRate(),
                        e.imagesPerSecond(),
                        e.seconds()
                    }) {
                // An unmeasured value is an empty field, which CSV readers take as missing.
                csv.append(',').append(Double.isFinite(v) ? Double.toString(v) : "");
            }
            csv.append('\n');
        }
        return csv.toString();
    }

    static List<Object> epochList(List<EpochMetrics> epochs) {
        List<Object> list = new ArrayList<>();
        for (EpochMetrics e : epochs) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("epoch", e.epoch());
            m.put("trainLoss", e.trainLoss());
            m.put("trainAccuracy", e.trainAccuracy());
            m.put("valLoss", e.valLoss());
            m.put("valAccuracy", e.valAccuracy());
            m.put("learningRate", e.learningRate());
            m.put("imagesPerSecond", e.imagesPerSecond());
            m.put("seconds", e.seconds());
            list.add(m);
        }
        return list;
    }

    static String reportJson(
            TrainingSummary s,
            EvaluationResult val,
            List<EpochMetrics> epochs,
            TransferCheck transfer,
            QuantizationCheck quantized) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("backbone", s.backbone());
        m.put("strategy", s.strategy());
        m.put("dataFingerprint", s.dataFingerprint());
        m.put("trainSamples", s.trainSamples());
        m.put("valSamples", s.valSamples());
        m.put("epochs", s.epochs());
        m.put("bestEpoch", s.bestEpoch());
        m.put("seed", s.seed());
        m.put("note", s.note());
        m.put("hyperparameters", jsonSafe(s.hyperparameters()));
        m.put("versions", jsonSafe(s.versions()));
        m.put("validation", val == null ? null : val.toMap());
        m.put("transfer", transfer == null ? null : transfer.toMap());
        m.put("quantized", quantized == null ? null : quantized.toMap());
        m.put("history", epochList(epochs));
        m.put("skipped", EvaluationResult.skippedList(allSkipped(s, val)));
        return GraftJson.write(m);
    }

    static String reportMarkdown(
            TrainingSummary s,
            EvaluationResult val,
            List<EpochMetrics> epochs,
            TransferCheck transfer,
            QuantizationCheck quantized) {
        StringBuilder md = new StringBuilder("# Training report\n\n");
        md.append("| | |\n|---|---|\n");
        row(md, "Backbone", s.backbone());
        row(md, "Strategy", s.strategy());
        row(md, "Training images", Integer.toString(s.trainSamples()));
        row(md, "Validation images", Integer.toString(s.valSamples()));
        row(md, "Epochs", s.epochs() + " (best: " + s.bestEpoch() + ")");
        if (val != null) {
            row(md, "Validation accuracy", EvaluationResult.fixed(val.accuracy()));
        }
        row(md, "Seed", Long.toString(s.seed()));
        row(
                md,
                "Data fingerprint",
                s.dataFingerprint() == null ? "-" : "`" + s.dataFingerprint() + "`");
        md.append('\n');
        if (s.note() != null && !s.note().isBlank()) {
            md.append(s.note().strip()).append("\n\n");
        }
        if (transfer != null) {
            md.append("## Did transfer help?\n\n").append(transfer.sentence()).append("\n\n");
        }
        if (quantized != null) {
            md.append("## Quantized model (")
                    .append(quantized.precision().label())
                    .append(")\n\n")
                    .append(quantized.markdown())
                    .append('\n');
        }

        md.append("## Learning curves\n\n");
        md.append("![Learning curves: loss and accuracy per epoch](")
                .append(LEARNING_CURVES)
                .append(")\n\n");

        if (val == null) {
            md.append("## Evaluation\n\nNo validation set was evaluated.\n\n");
        } else {
            md.append(val.markdown(2, false));
            md.append("![Confusion matrix](").append(CONFUSION_MATRIX).append(")\n\n");
        }

        md.append("## Per epoch\n\n");
        if (epochs.isEmpty()) {
            md.append("No epochs were recorded.\n\n");
        } else if (epochs.size() > MARKDOWN_EPOCH_LIMIT) {
            md.append(epochs.size())
                    .append(" epochs: see ")
                    .append(METRICS_CSV)
                    .append(" or ")
                    .append(METRICS_JSON)
                    .append(".\n\n");
        } else {
            md.append(
                    "| Epoch | Train loss | Train accuracy | Val loss | Val accuracy |"
                            + " Learning rate | Images/s | Seconds |\n");
            md.append("|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (EpochMetrics e : epochs) {
                md.append("| ")
                        .append(e.epoch())
                        .append(e.epoch() == s.bestEpoch() ? " (best)" : "")
                        .append(" | ")
                        .append(EvaluationResult.fixed(e.trainLoss()))
                        .append(" | ")
                        .append(EvaluationResult.fixed(e.trainAccuracy()))
                        .append(" | ")
                        .append(EvaluationResult.fixed(e.valLoss()))
                        .append(" | ")
                        .append(EvaluationResult.fixed(e.valAccuracy()))
                        .append(" | ")
                        .append(
                                Double.isNaN(e.learningRate())
                                        ? "-"
                                        : String.format(Locale.ROOT, "%.3g", e.learningRate()))
                        .append(" | ")
                        .append(number(e.imagesPerSecond(), 1))
                        .append(" | ")
                        .append(number(e.seconds(), 2))
                        .append(" |\n");
            }
            md.append('\n');
        }

        if (!s.hyperparameters().isEmpty()) {
            md.append("## Hyperparameters\n\n| Name | Value |\n|---|---|\n");
            for (Map.Entry<String, Object> e : s.hyperparameters().entrySet()) {
                Object v = jsonSafe(e.getValue());
                row(md, e.getKey(), v instanceof String str ? str : GraftJson.write(v));
            }
            md.append('\n');
        }
        if (!s.versions().isEmpty()) {
            md.append("## Versions\n\n| Component | Version |\n|---|---|\n");
            for (Map.Entry<String, String> e : s.versions().entrySet()) {
                row(md, e.getKey(), String.valueOf(e.getValue()));
            }
            md.append('\n');
        }

        List<Skipped> skipped = allSkipped(s, val);
        md.append("## Skipped files\n\n");
        if (skipped.isEmpty()) {
            md.append("None: every file was read.\n");
        } else {
            md.append(skipped.size())
                    .append(skipped.size() == 1 ? " file" : " files")
                    .append(" could not be read and took no part:\n\n");
            EvaluationResult.appendSkipped(md, skipped);
        }
        return md.toString();
    }

    /** The training run's skipped files and the evaluation's, each once. */
    private static List<Skipped> allSkipped(TrainingSummary s, EvaluationResult val) {
        Set<Skipped> all = new LinkedHashSet<>(s.skipped());
        if (val != null) {
            all.addAll(val.skipped());
        }
        return new ArrayList<>(all);
    }

    private static void row(StringBuilder md, String name, String value) {
        md.append("| ")
                .append(EvaluationResult.cell(name))
                .append(" | ")
                .append(EvaluationResult.cell(value == null ? "-" : value))
                .append(" |\n");
    }

    private static String number(double v, int decimals) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** The value with anything {@link Json#write} cannot take turned into its string form. */
    static Object jsonSafe(Object v) {
        if (v == null
                || v instanceof String
                || v instanceof Number
                || v instanceof Boolean
                || v instanceof float[]
                || v instanceof double[]
                || v instanceof int[]
                || v instanceof long[]) {
            return v;
        }
        if (v instanceof Path) {
            return v.toString(); // a Path is an Iterable of its names: keep it whole
        }
        if (v instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.put(String.valueOf(e.getKey()), jsonSafe(e.getValue()));
            }
            return out;
        }
        if (v instanceof Iterable<?> it) {
            List<Object> out = new ArrayList<>();
            for (Object o : it) {
                out.add(jsonSafe(o));
            }
            return out;
        }
        if (v.getClass().isArray()) {
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < Array.getLength(v); i++) {
                out.add(jsonSafe(Array.get(v, i)));
            }
            return out;
        }
        return v.toString();
    }

    private static void writeText(Path file, String text) throws IOException {
        AtomicFiles.write(file, text.getBytes(StandardCharsets.UTF_8));
    }
}
