package ai.graft.cli;

import ai.graft.converter.GraftJson;
import ai.graft.sdk.Category;
import ai.graft.sdk.Classification;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ImageException;
import ai.graft.sdk.ModelException;
import java.io.PrintWriter;
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
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code graft predict}: classify image files and folders. */
@Command(
        name = "predict",
        mixinStandardHelpOptions = true,
        description = {
            "Classify images with an ONNX classifier.",
            "Folders are searched recursively. One bad image never stops the run: it is reported"
                    + " and the exit code is 1."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every input classified",
            "1:some inputs failed (summary on stderr)",
            "2:invalid usage",
            "3:unusable model"
        })
public final class PredictCommand implements Subcommand {
    @Spec CommandSpec spec;

    @Mixin ClassifierOptions classifier;

    @Option(names = "--json", description = "One JSON object per line per input.")
    boolean json;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "Image files or folders.")
    List<Path> paths;

    @Override
    public Integer call() throws ModelException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        classifier.validate();
        List<Path> files = ImageFiles.expand(paths);
        if (files.isEmpty()) {
            throw new IllegalArgumentException("No images found in " + paths);
        }
        List<String> failures = new ArrayList<>();
        try (ImageClassifier model = classifier.open()) {
            for (Path file : files) {
                try {
                    Classification result = model.classify(file);
                    out.println(json ? toJson(file, result) : toText(file, result));
                } catch (ImageException e) {
                    failures.add(file + ": " + e.getMessage());
                    if (json) {
                        out.println(errorJson(file, e.getMessage()));
                    } else {
                        err.println(file + ": error: " + e.getMessage());
                    }
                }
                out.flush();
            }
        }
        if (!failures.isEmpty()) {
            err.printf(
                    Locale.ROOT,
                    "graft predict: %d of %d inputs failed%n",
                    failures.size(),
                    files.size());
            return ExitCodes.FAILURE;
        }
        return ExitCodes.OK;
    }

    static String toText(Path file, Classification result) {
        StringBuilder line = new StringBuilder(file.toString()).append(':');
        String separator = " ";
        for (Category category : result.top()) {
            line.append(separator)
                    .append(
                            String.format(
                                    Locale.ROOT,
                                    "%d %s (%.3f)",
                                    category.index(),
                                    category.label(),
                                    category.score()));
            separator = ", ";
        }
        return line.append(String.format(Locale.ROOT, "  [%.1f ms]", result.latencyMs()))
                .toString();
    }

    static String toJson(Path file, Classification result) {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("path", file.toString());
        object.put("top", categories(result.top()));
        object.put("latencyMs", round(result.latencyMs(), 3));
        return GraftJson.write(object);
    }

    static List<Object> categories(List<Category> top) {
        List<Object> list = new ArrayList<>();
        for (Category category : top) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("index", category.index());
            entry.put("label", category.label());
            entry.put("score", round(category.score(), 6));
            list.add(entry);
        }
        return list;
    }

    static String errorJson(Path file, String message) {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("path", file.toString());
        object.put("error", message);
        return GraftJson.write(object);
    }

    static double round(double value, int digits) {
        double factor = Math.pow(10, digits);
        return Math.round(value * factor) / factor;
    }
}
