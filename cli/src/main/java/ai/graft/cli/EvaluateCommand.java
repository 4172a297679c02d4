package ai.graft.cli;

import ai.graft.converter.GraftJson;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ImageClassifier;
import ai.graft.trainer.TrainingMonitor;
import ai.graft.trainer.data.ClassNames;
import ai.graft.trainer.data.DatasetException;
import ai.graft.trainer.data.Datasets;
import ai.graft.trainer.data.ImageDataset;
import ai.graft.trainer.data.Skipped;
import ai.graft.trainer.data.Splits;
import ai.graft.trainer.eval.ClassMetrics;
import ai.graft.trainer.eval.EvaluationResult;
import ai.graft.trainer.eval.Evaluator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code graft evaluate}: measure a classifier on a folder of labelled images, through the SDK. */
@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        description = {
            "Measure an ONNX classifier on labelled images: accuracy, top-5 accuracy (5 or more"
                    + " classes), per-class precision, recall and F1, and the confusion matrix.",
            "DIR holds one sub-folder per class, named as the model's labels (as in training);"
                    + " model labels without a folder are fine. Images run through the SDK, so"
                    + " what is measured is what ships. Files that do not decode are skipped and"
                    + " listed on stderr; they never stop the run."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:evaluated (skipped files, if any, listed on stderr)",
            "1:evaluation failed",
            "2:invalid usage or data (for example a class folder the model has no label for)",
            "3:unusable model"
        })
public final class EvaluateCommand implements Subcommand {
    /** Needs graft-trainer. */
    @Override
    public boolean needsTrainer() {
        return true;
    }

    /** Widest confusion matrix printed as text; larger ones are in the --json output. */
    static final int TEXT_MATRIX_LIMIT = 20;

    @Spec CommandSpec spec;

    @Mixin ClassifierOptions classifier;

    @Option(
            names = "--data",
            required = true,
            paramLabel = "DIR",
            description =
                    "Folder with one sub-folder of images per class; or a dataset with a test"
                            + " split (a test/ folder, an IDX folder's t10k files, a CSV with a"
                            + " split column), whose test set is measured.")
    Path data;

    @Option(
            names = "--class-names",
            paramLabel = "FILE",
            description =
                    "Names of the data's classes, one per line in class order, for data whose"
                            + " classes are numbers (IDX files, a CSV of numeric labels), as given"
                            + " to train.")
    Path classNames;

    @Option(
            names = "--json",
            description =
                    "Print the result as one JSON object on the last line of standard output.")
    boolean json;

    @Override
    public Integer call() throws GraftException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        // Bad data is a DatasetException, which Graft maps to exit code 2 as for train.
        ImageDataset dataset = evaluationSet(data);
        if (classNames != null) {
            dataset = ClassNames.apply(dataset, classNames);
        }
        // Top-5 accuracy needs the five best categories whatever --top-k says.
        OptionSpec topK = spec.findOption("--top-k");
        if (topK.<Integer>getValue() < 5) {
            topK.setValue(5);
        }
        EvaluationResult result;
        String device;
        try (ImageClassifier model = classifier.open();
                Progress progress = new Progress(err)) {
            device = model.device().name();
            try {
                // The count of images done is shown; the closing line is not, as the result
                // printed on standard output says it.
                result =
                        Evaluator.evaluate(
                                model, dataset, TrainingMonitor.of(line -> {}, progress::status));
            } catch (DatasetException e) {
                // The evaluator knows the images, not the folder: name it.
                throw new DatasetException(e.getMessage() + " (--data " + data + ")", e);
            }
        }
        for (Skipped s : result.skipped()) {
            err.println("skipped " + s.id() + ": " + s.reason());
        }
        err.flush();
        if (json) {
            out.println(toJson(result, data, dataset.classes().size()));
        } else {
            out.print(toText(result, data, dataset.classes().size(), device));
        }
        out.flush();
        return ExitCodes.OK;
    }

    static String toJson(EvaluationResult r, Path data, int dataClasses) {
        // The result's own object, with the data's path and class count first.
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data", data.toString());
        m.put("dataClasses", dataClasses);
        m.putAll(GraftJson.readObject(r.toJson()));
        return GraftJson.write(m);
    }

    /** The human-readable report: summary, per-class table and confusion matrix. */
    static String toText(EvaluationResult r, Path data, int dataClasses, String device) {
        StringBuilder sb = new StringBuilder();
        long correct = Math.round(r.accuracy() * r.samples());
        sb.append(
                String.format(
                        Locale.ROOT,
                        "Evaluated %d images of %d classes in %s (%d skipped), %.1f images/s on"
                                + " %s%n%n",
                        r.samples(),
                        dataClasses,
                        data,
                        r.skipped().size(),
                        r.imagesPerSecond(),
                        device));
        sb.append(
                String.format(
                        Locale.ROOT,
                        "Accuracy           %.4f  (%d of %d)%n",
                        r.accuracy(),
                        correct,
                        r.samples()));
        sb.append(
                r.top5Accuracy() == null
                        ? "Top-5 accuracy     -       (fewer than 5 classes)\n"
                        : String.format(
                                Locale.ROOT, "Top-5 accuracy     %.4f%n", r.top5Accuracy()));
        sb.append(String.format(Locale.ROOT, "Balanced accuracy  %s%n", num(r.macroRecall())));
        sb.append(String.format(Locale.ROOT, "Macro F1           %s%n%n", num(r.macroF1())));

        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"class", "images", "precision", "recall", "F1"});
        for (ClassMetrics c : r.perClass()) {
            rows.add(
                    new String[] {
                        c.label(),
                        Integer.toString(c.support()),
                        num(c.precision()),
                        num(c.recall()),
                        num(c.f1())
                    });
        }
        table(sb, rows);
        sb.append('\n');

        List<String> classes = r.classes();
        int n = classes.size();
        if (n > TEXT_MATRIX_LIMIT) {
            sb.append("Confusion matrix: ")
                    .append(n)
                    .append(" classes, too wide to print; see --json (\"confusion\").\n");
            return sb.toString();
        }
        sb.append("Confusion matrix (rows: true class, columns: predicted class)\n");
        List<String[]> matrix = new ArrayList<>();
        String[] header = new String[n + 1];
        header[0] = "true \\ predicted";
        for (int j = 0; j < n; j++) {
            header[j + 1] = classes.get(j);
        }
        matrix.add(header);
        int[][] m = r.confusion();
        for (int i = 0; i < n; i++) {
            String[] line = new String[n + 1];
            line[0] = classes.get(i);
            for (int j = 0; j < n; j++) {
                line[j + 1] = Integer.toString(m[i][j]);
            }
            matrix.add(line);
        }
        table(sb, matrix);
        return sb.toString();
    }

    /** Aligned columns: the first left-aligned, the others right-aligned. */
    private static void table(StringBuilder sb, List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] row : rows) {
            for (int c = 0; c < cols; c++) {
                width[c] = Math.max(width[c], row[c].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < cols; c++) {
                if (c == 0) {
                    line.append(row[c]).append(" ".repeat(width[c] - row[c].length()));
                } else {
                    line.append("  ").append(" ".repeat(width[c] - row[c].length())).append(row[c]);
                }
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }

    /**
     * What to measure on: a folder of class folders as it is; a dataset with a test split (a {@code
     * test/} folder, the {@code t10k} files of an IDX folder, CSV rows marked {@code test}) its
     * test set; else all of a CSV manifest or IDX pair.
     */
    static ImageDataset evaluationSet(Path data) throws DatasetException {
        if (Files.isDirectory(data) && !Files.isDirectory(data.resolve("test")) && !hasIdx(data)) {
            return Datasets.classFolders(data);
        }
        Splits splits = Datasets.open(data, 0, 0, 0);
        return splits.test() != null ? splits.test() : splits.train();
    }

    private static boolean hasIdx(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.anyMatch(f -> f.getFileName().toString().contains("-idx3-ubyte"));
        } catch (IOException e) {
            return false;
        }
    }
}
