package ai.graft.cli;

import ai.graft.sdk.Device;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ImageClassifierOptions;
import ai.graft.sdk.ModelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The classifier options shared by {@code predict}, {@code benchmark} and {@code stream}. */
public final class ClassifierOptions {
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
            description = "Drop categories scoring below this, in [0, 1].")
    float threshold;

    @Option(
            names = "--device",
            paramLabel = "DEVICE",
            defaultValue = "CPU",
            description = "cpu, cuda or auto (cuda falls back to cpu, saying why).")
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
            split = ",",
            paramLabel = "LABEL",
            description = "Report only these labels.")
    List<String> allow;

    @Option(
            names = "--deny",
            split = ",",
            paramLabel = "LABEL",
            description = "Never report these labels.")
    List<String> deny;

    @Option(
            names = "--max-pixels",
            paramLabel = "N",
            defaultValue = "100000000",
            description = "Refuse images larger than this many pixels (default: ${DEFAULT-VALUE}).")
    long maxPixels;

    /**
     * Builds the SDK options from the parsed flags.
     *
     * @return the options
     * @throws IllegalArgumentException naming the flag whose value is invalid
     */
    public ImageClassifierOptions toOptions() {
        ImageClassifierOptions.Builder builder =
                ImageClassifierOptions.builder()
                        .device(parseDevice(device))
                        .intraOpThreads(threads)
                        .topK(topK)
                        .scoreThreshold(threshold)
                        .maxImagePixels(maxPixels);
        if (labels != null) {
            if (!Files.isRegularFile(labels)) {
                throw new IllegalArgumentException(
                        "Labels file not found: " + labels + " (--labels expects a text file)");
            }
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
     */
    public ImageClassifier open() throws ModelException {
        return ImageClassifier.create(model, toOptions());
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
