package ai.graft.trainer.eval;

import ai.graft.converter.GraftJson;
import ai.graft.trainer.data.Skipped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * How well a classifier did on a labelled set: overall and top-5 accuracy, per-class precision,
 * recall and F1, and the confusion matrix. Immutable: the lists are unmodifiable and {@link
 * #confusion()} returns a copy.
 *
 * @param samples images evaluated (skipped files not counted)
 * @param accuracy share of images whose best category is their class, in [0, 1]
 * @param top5Accuracy share of images whose class is among the five best categories; null when the
 *     model has fewer than 5 classes
 * @param perClass the metrics of each class, in the order of {@code classes}
 * @param classes the class names, index = row and column of {@code confusion}
 * @param confusion image counts, {@code [true class][predicted class]}
 * @param skipped files that could not be read, with the reason
 * @param imagesPerSecond throughput of the evaluation, decoding included
 */
public record EvaluationResult(
        int samples,
        double accuracy,
        Double top5Accuracy,
        List<ClassMetrics> perClass,
        List<String> classes,
        int[][] confusion,
        List<Skipped> skipped,
        double imagesPerSecond) {

    /** Most classes whose confusion matrix {@link #toMarkdown()} writes out as a table. */
    static final int MARKDOWN_MATRIX_LIMIT = 40;

    /**
     * Checks that the parts fit together and copies them.
     *
     * @throws IllegalArgumentException when {@code perClass} or {@code confusion} does not have one
     *     entry (row, column) per class
     */
    public EvaluationResult {
        classes = List.copyOf(classes);
        perClass = List.copyOf(perClass);
        skipped = skipped == null ? List.of() : List.copyOf(skipped);
        Objects.requireNonNull(confusion, "confusion");
        int n = classes.size();
        if (perClass.size() != n || confusion.length != n) {
            throw new IllegalArgumentException(
                    "Expected per-class metrics and confusion rows for "
                            + n
                            + " classes, got "
                            + perClass.size()
                            + " and "
                            + confusion.length);
        }
        int[][] copy = new int[n][];
        for (int i = 0; i < n; i++) {
            if (confusion[i].length != n) {
                throw new IllegalArgumentException(
                        "Confusion row "
                                + i
                                + " has "
                                + confusion[i].length
                                + " columns, expected "
                                + n);
            }
            copy[i] = confusion[i].clone();
        }
        confusion = copy;
    }

    /**
     * The confusion matrix.
     *
     * @return a copy: {@code [true class][predicted class]} image counts
     */
    @Override
    public int[][] confusion() {
        int[][] copy = new int[confusion.length][];
        for (int i = 0; i < confusion.length; i++) {
            copy[i] = confusion[i].clone();
        }
        return copy;
    }

    /**
     * The mean F1 over the classes that have images (each class counts the same, however many
     * images it has).
     *
     * @return the macro-averaged F1, NaN when no class has images
     */
    public double macroF1() {
        double sum = 0;
        int count = 0;
        for (ClassMetrics c : perClass) {
            if (c.support() > 0) {
                sum += c.f1();
                count++;
            }
        }
        return count == 0 ? Double.NaN : sum / count;
    }

    /**
     * The mean recall over the classes that have images (balanced accuracy).
     *
     * @return the macro-averaged recall, NaN when no class has images
     */
    public double macroRecall() {
        double sum = 0;
        int count = 0;
        for (ClassMetrics c : perClass) {
            if (c.support() > 0) {
                sum += c.recall();
                count++;
            }
        }
        return count == 0 ? Double.NaN : sum / count;
    }

    /**
     * The result as one compact JSON object: {@code samples}, {@code accuracy}, {@code
     * top5Accuracy} (null under 5 classes), {@code macroRecall}, {@code macroF1}, {@code
     * imagesPerSecond}, {@code classes}, {@code perClass} (objects with {@code label}, {@code
     * support}, {@code precision}, {@code recall}, {@code f1}; undefined values null), {@code
     * confusion} (rows: true class) and {@code skipped} (objects with {@code id}, {@code reason}).
     *
     * @return JSON text on one line
     */
    public String toJson() {
        return GraftJson.write(toMap());
    }

    /** The JSON object of {@link #toJson()}, for embedding in larger reports. */
    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("samples", samples);
        m.put("accuracy", accuracy);
        m.put("top5Accuracy", top5Accuracy);
        m.put("macroRecall", macroRecall());
        m.put("macroF1", macroF1());
        m.put("imagesPerSecond", imagesPerSecond);
        m.put("classes", classes);
        List<Object> per = new ArrayList<>();
        for (ClassMetrics c : perClass) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("label", c.label());
            e.put("support", c.support());
            e.put("precision", c.precision());
            e.put("recall", c.recall());
            e.put("f1", c.f1());
            per.add(e);
        }
        m.put("perClass", per);
        List<Object> rows = new ArrayList<>();
        for (int[] row : confusion) {
            rows.add(row.clone());
        }
        m.put("confusion", rows);
        m.put("skipped", skippedList(skipped));
        return m;
    }

    static List<Object> skippedList(List<Skipped> skipped) {
        List<Object> list = new ArrayList<>();
        for (Skipped s : skipped) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("id", s.id());
            e.put("reason", s.reason());
            list.add(e);
        }
        return list;
    }

    /**
     * The result as Markdown: a summary table, a per-class table, the confusion matrix (as a table
     * up to 40 classes) and the skipped files.
     *
     * @return Markdown text, starting with a level-2 heading
     */
    public String toMarkdown() {
        return markdown(2, true);
    }

    /**
     * The Markdown of {@link #toMarkdown()} with its top heading at {@code level}, optionally
     * without the list of skipped files (when a larger report lists them once).
     */
    String markdown(int level, boolean withSkipped) {
        String h = "#".repeat(level);
        String h2 = "#".repeat(level + 1);
        StringBuilder md = new StringBuilder();
        md.append(h).append(" Evaluation\n\n");
        md.append("| Metric | Value |\n|---|---:|\n");
        md.append("| Images evaluated | ").append(samples).append(" |\n");
        md.append("| Accuracy | ").append(fixed(accuracy)).append(" |\n");
        md.append("| Top-5 accuracy | ")
                .append(top5Accuracy == null ? "n/a (fewer than 5 classes)" : fixed(top5Accuracy))
                .append(" |\n");
        md.append("| Balanced accuracy (macro recall) | ")
                .append(fixed(macroRecall()))
                .append(" |\n");
        md.append("| Macro F1 | ").append(fixed(macroF1())).append(" |\n");
        md.append("| Images per second | ")
                .append(String.format(Locale.ROOT, "%.1f", imagesPerSecond))
                .append(" |\n");
        md.append("| Skipped files | ").append(skipped.size()).append(" |\n\n");

        md.append(h2).append(" Per class\n\n");
        md.append("| Class | Images | Precision | Recall | F1 |\n|---|---:|---:|---:|---:|\n");
        for (ClassMetrics c : perClass) {
            md.append("| ")
                    .append(cell(c.label()))
                    .append(" | ")
                    .append(c.support())
                    .append(" | ")
                    .append(fixed(c.precision()))
                    .append(" | ")
                    .append(fixed(c.recall()))
                    .append(" | ")
                    .append(fixed(c.f1()))
                    .append(" |\n");
        }
        md.append('\n');

        md.append(h2).append(" Confusion matrix\n\n");
        int n = classes.size();
        if (n > MARKDOWN_MATRIX_LIMIT) {
            md.append(n)
                    .append(" classes are too many for a table here; the matrix is in the JSON")
                    .append(" report (`confusion`, rows: true class).\n\n");
        } else {
            md.append("Rows: true class; columns: predicted class; cells: images.\n\n");
            md.append("| true \\ predicted |");
            for (String c : classes) {
                md.append(' ').append(cell(c)).append(" |");
            }
            md.append("\n|---|");
            md.append("---:|".repeat(n));
            md.append('\n');
            for (int i = 0; i < n; i++) {
                md.append("| **").append(cell(classes.get(i))).append("** |");
                for (int j = 0; j < n; j++) {
                    md.append(' ').append(confusion[i][j]).append(" |");
                }
                md.append('\n');
            }
            md.append('\n');
        }
        if (withSkipped && !skipped.isEmpty()) {
            md.append(h2).append(" Skipped files\n\n");
            appendSkipped(md, skipped);
        }
        return md.toString();
    }

    static void appendSkipped(StringBuilder md, List<Skipped> skipped) {
        for (Skipped s : skipped) {
            md.append("- `")
                    .append(s.id().replace("`", "'"))
                    .append("`: ")
                    .append(s.reason().replace('\n', ' '))
                    .append('\n');
        }
        md.append('\n');
    }

    /** A number with 4 decimals, or a dash when undefined. */
    static String fixed(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }

    /** Text safe inside a Markdown table cell. */
    static String cell(String s) {
        return s.replace("\\", "\\\\").replace("|", "\\|").replace('\n', ' ');
    }
}
