package ai.graft.cli;

import ai.graft.converter.GraftJson;
import ai.graft.converter.ModelEditor;
import ai.graft.converter.ModelInspector;
import ai.graft.converter.ModelSummary;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.TensorInfo;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.InputShape;
import ai.graft.sdk.LabelsFile;
import ai.graft.sdk.ModelCard;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.OutputKind;
import ai.graft.sdk.Preprocessing;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code graft annotate}: write a model card into a model, so that it needs no flags. */
@Command(
        name = "annotate",
        mixinStandardHelpOptions = true,
        description = {
            "Write a model card (labels, preprocessing, output kind) into an ONNX model's"
                    + " metadata, after which predict needs no flags.",
            "The file is written atomically: a failure leaves the previous file as it was."
        })
public final class AnnotateCommand implements Subcommand {
    private static final Set<String> PASS_THROUGH =
            Set.of("Reshape", "Flatten", "Squeeze", "Identity", "Dropout", "Unsqueeze");

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "The ONNX model file.")
    Path model;

    @Option(
            names = "--labels",
            required = true,
            paramLabel = "FILE",
            description = "Class labels: one a line, or a JSON array.")
    Path labels;

    @Option(
            names = "--preprocess",
            required = true,
            paramLabel = "NAME|JSON",
            description = "imagenet, caffe, raw, unit, or a JSON object.")
    String preprocess;

    @Option(
            names = "--output-kind",
            paramLabel = "KIND",
            description =
                    "logits or probabilities (default: probabilities when the output comes from a"
                            + " Softmax, else logits).")
    String outputKind;

    @Option(
            names = "--out",
            paramLabel = "FILE",
            description = "Where to write the annotated model (default: MODEL itself).")
    Path out;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws GraftException {
        Flags.existingFile(
                spec, "--labels", labels, "a text file with one label per line, or a JSON array");
        if (out != null) {
            Flags.writableIn(spec, "--out", out);
        }
        ModelProto proto = OnnxModels.read(model);
        ModelSummary summary = ModelInspector.inspect(proto);
        if (summary.inputs().size() != 1 || summary.outputs().isEmpty()) {
            throw new ModelException(
                    "Model "
                            + model
                            + " has "
                            + summary.inputs().size()
                            + " inputs and "
                            + summary.outputs().size()
                            + " outputs; annotate expects one image input and a class output");
        }
        TensorInfo input = summary.inputs().get(0);
        TensorInfo output = summary.outputs().get(0);
        if (input.dims().size() != 4) {
            throw new ModelException(
                    "Model "
                            + model
                            + " takes input '"
                            + input.name()
                            + "' "
                            + input.dims()
                            + ", not an image; annotate expects one image input [N, 3, H, W] (or"
                            + " [N, H, W, 3])");
        }
        List<String> labelList = LabelsFile.read(labels);
        long classes = classesOf(output);
        if (classes > 0 && classes != labelList.size()) {
            throw new ModelException(
                    "Labels file "
                            + labels
                            + " has "
                            + labelList.size()
                            + " labels but output '"
                            + output.name()
                            + "' of "
                            + model
                            + " has "
                            + classes
                            + " classes");
        }
        // The SDK's rule for layout and size, so that the SDK uses this card as it is written.
        InputShape geometry = InputShape.of(input.shape());
        Preprocessing preprocessing;
        try {
            preprocessing =
                    geometry.fit(
                            Preprocessing.parse(preprocess, geometry.width(), geometry.height()),
                            "Model " + model);
        } catch (IllegalArgumentException | ModelException e) {
            throw new IllegalArgumentException(
                    "Invalid --preprocess '" + preprocess + "': " + e.getMessage(), e);
        }
        OutputKind kind =
                outputKind != null
                        ? parseKind(outputKind)
                        : (endsInSoftmax(proto, output.name())
                                ? OutputKind.PROBABILITIES
                                : OutputKind.LOGITS);
        ModelCard previous = ModelCard.fromMetadata(summary.metadata());
        Map<String, String> extra = new LinkedHashMap<>(previous.extra());
        ModelCard card =
                new ModelCard(
                        ModelCard.VERSION, labelList, preprocessing, kind, output.name(), extra);
        Path target = out == null ? model : out;
        OnnxModels.write(ModelEditor.withMetadata(proto, card.toMetadata()), target);
        PrintWriter stdout = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("path", target.toString());
            result.put("labels", labelList.size());
            result.put("preprocess", GraftJson.readObject(preprocessing.toJson()));
            result.put("output", output.name());
            result.put("outputKind", kind.name().toLowerCase(Locale.ROOT));
            stdout.println(GraftJson.write(result));
            return ExitCodes.OK;
        }
        stdout.printf(
                Locale.ROOT,
                "%s: card written: %d labels, preprocessing %s, output '%s' (%s)%n",
                target,
                labelList.size(),
                preprocessing.toJson(),
                output.name(),
                kind.name().toLowerCase(Locale.ROOT));
        return ExitCodes.OK;
    }

    private static long classesOf(TensorInfo output) {
        long[] shape = output.shape();
        return shape.length >= 2 ? shape[1] : -1;
    }

    private static OutputKind parseKind(String value) {
        switch (value.toLowerCase(Locale.ROOT)) {
            case "logits":
                return OutputKind.LOGITS;
            case "probabilities":
                return OutputKind.PROBABILITIES;
            default:
                throw new IllegalArgumentException(
                        "Unknown --output-kind '" + value + "', expected logits or probabilities");
        }
    }

    /** Whether the output is a Softmax's, looking through reshapes. */
    static boolean endsInSoftmax(ModelProto model, String output) {
        Map<String, NodeProto> producers = new LinkedHashMap<>();
        for (NodeProto node : model.getGraph().getNodeList()) {
            for (String o : node.getOutputList()) {
                producers.put(o, node);
            }
        }
        String tensor = output;
        for (int hops = 0; hops < 16; hops++) {
            NodeProto node = producers.get(tensor);
            if (node == null) {
                return false;
            }
            if (node.getOpType().equals("Softmax")) {
                return true;
            }
            if (!PASS_THROUGH.contains(node.getOpType()) || node.getInputCount() == 0) {
                return false;
            }
            tensor = node.getInput(0);
        }
        return false;
    }
}
