package ai.graft.cli;

import ai.graft.sdk.Device;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ImageClassifierOptions;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.UnknownLabelException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The classifier options shared by {@code predict}, {@code benchmark} and {@code stream}. */
public final class ClassifierOptions {
    private static final String LABELS_FILE = "a text file with one label per line";

    /** The command this mixin is part of, for usage errors. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(
            names = {"-m", "--model"},
            required = true,
            paramLabel = "MODEL",
            description = "The ONNX model file.")
    Path model;

    @Option(
            names = "--labels",
            paramLabel = "FILE",
            description = "Class labels, one a line (overrides the model card).")
    Path labels;

    @Option(
            names = "--preprocess",
            paramLabel = "NAME|JSON",
            description =
                    "imagenet, caffe, raw, unit, or a JSON object as in the model card"
                            + " (overrides the card).")
    String preprocess;

    @Option(
            names = {"-k", "--top-k"},
            paramLabel = "K",
            defaultValue = "5",
            description = "How many categories to report (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(
            names = "--threshold",
            paramLabel = "SCORE",
            defaultValue = "0",
            description = "Drop categories scoring below this, from 0 to 1.")
    float threshold;

    @Option(
            names = "--device",
            paramLabel = "DEVICE",
            defaultValue = "CPU",
            description =
                    "cpu, cuda or auto: cuda falls back to cpu with a warning saying why, auto"
                            + " with one line saying why. CUDA needs the GPU build (-Pcuda;"
                            + " GRAFT_CUDA=1 ./graft).")
    String device;

    @Option(
            names = "--threads",
            paramLabel = "N",
            defaultValue = "0",
            description = "ONNX Runtime intra-op threads (0: its default).")
    int threads;

    @Option(
            names = "--output",
            paramLabel = "NAME",
            description = "The model output to read (default: the card's, else the first).")
    String output;

    @Option(
            names = "--allow",
            paramLabel = "LABEL|INDEX",
            description =
                    "Report only this class: a label exactly as the model spells it, commas and"
                            + " all (quote it: --allow 'fox squirrel, eastern fox squirrel,"
                            + " Sciurus niger'), or a class index (--allow 335). Repeat for"
                            + " several. A value that is a label is that label, even when it is"
                            + " a number; otherwise a number is a class index.")
    List<String> allow;

    @Option(
            names = "--deny",
            paramLabel = "LABEL|INDEX",
            description =
                    "Never report this class: a label or a class index, as for --allow. Repeat"
                            + " for several; --deny wins over --allow.")
    List<String> deny;

    @Option(
            names = "--max-pixels",
            paramLabel = "N",
            defaultValue = "100000000",
            description = "Refuse images larger than this many pixels (default: ${DEFAULT-VALUE}).")
    long maxPixels;

    /**
     * Checks the flags' values, naming the flag of the first invalid one.
     *
     * @throws CommandLine.ParameterException naming the flag (an {@link IllegalArgumentException}
     *     outside picocli)
     */
    void validate() {
        Flags.atLeast(mixee, "--top-k", topK, 1, null);
        Flags.score(mixee, "--threshold", threshold);
        Flags.atLeast(mixee, "--threads", threads, 0, "0: ONNX Runtime's default");
        Flags.atLeast(mixee, "--max-pixels", maxPixels, 1, null);
        if (labels != null) {
            Flags.existingFile(mixee, "--labels", labels, LABELS_FILE);
        }
        for (String value : allow == null ? List.<String>of() : allow) {
            if (value.isEmpty()) {
                throw Flags.usage(mixee, "--allow needs a label or a class index, got ''");
            }
        }
        for (String value : deny == null ? List.<String>of() : deny) {
            if (value.isEmpty()) {
                throw Flags.usage(mixee, "--deny needs a label or a class index, got ''");
            }
        }
    }

    /**
     * Builds the SDK options from the parsed flags.
     *
     * @return the options
     * @throws CommandLine.ParameterException naming the flag whose value is invalid
     * @throws IllegalArgumentException for a value only the SDK can judge
     */
    public ImageClassifierOptions toOptions() {
        validate();
        ImageClassifierOptions.Builder builder =
                ImageClassifierOptions.builder()
                        .device(parseDevice(device))
                        .intraOpThreads(threads)
                        .topK(topK)
                        .scoreThreshold(threshold)
                        .maxImagePixels(maxPixels);
        if (labels != null) {
            builder.labelsFile(labels);
        }
        if (preprocess != null) {
            builder.preprocessing(preprocess);
        }
        if (output != null) {
            builder.outputName(output);
        }
        if (allow != null) {
            builder.allowLabels(allow);
        }
        if (deny != null) {
            builder.denyLabels(deny);
        }
        return builder.build();
    }

    /**
     * Opens the classifier these flags describe.
     *
     * @return the classifier; the caller closes it
     * @throws ModelException if the model cannot be used
     * @throws CommandLine.ParameterException naming the flag whose value is invalid, including an
     *     {@code --allow} or {@code --deny} value that names no class of the model
     */
    public ImageClassifier open() throws ModelException {
        return open(toOptions());
    }

    /**
     * Opens the model of these flags with options derived from {@link #toOptions()} (a command that
     * adjusts them, such as {@code stream}'s thread count, passes its own).
     *
     * @param options the options
     * @return the classifier; the caller closes it
     * @throws ModelException if the model cannot be used
     * @throws CommandLine.ParameterException for an {@code --allow} or {@code --deny} value that
     *     names no class of the model
     */
    public ImageClassifier open(ImageClassifierOptions options) throws ModelException {
        try {
            return ImageClassifier.create(model, options);
        } catch (UnknownLabelException e) {
            String flag = e.filter() == UnknownLabelException.Filter.ALLOW ? "--allow" : "--deny";
            throw Flags.usage(
                    mixee,
                    "Unknown label '"
                            + e.label()
                            + "' for "
                            + flag
                            + ": "
                            + e.reason()
                            + (e.label().contains(",")
                                    ? ". Repeat " + flag + " for each class"
                                    : "")
                            + ". graft inspect "
                            + model
                            + " lists the labels");
        }
    }

    static Device parseDevice(String value) {
        try {
            return Device.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "Unknown device '" + value + "', expected one of cpu, cuda, auto");
        }
    }
}
