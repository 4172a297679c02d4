package ai.graft.cli;

import ai.graft.converter.FeatureNode;
import ai.graft.converter.GraftJson;
import ai.graft.converter.ModelInspector;
import ai.graft.converter.ModelSummary;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.TensorInfo;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.quantize.Precision;
import ai.graft.sdk.ModelCard;
import ai.graft.sdk.ModelException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code graft inspect}: what a model takes, gives, contains and carries in its card. */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description = {
            "Show a model's inputs, outputs, opset, operators, parameter count, multiply-adds,"
                    + " feature node and model card."
        })
public final class InspectCommand implements Subcommand {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "The ONNX model file.")
    Path model;

    @Option(
            names = "--features",
            paramLabel = "NODE",
            description = "Name the feature node instead of finding it.")
    String featureNode;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() throws ModelException {
        ModelProto proto = OnnxModels.read(model);
        ModelSummary summary =
                featureNode == null
                        ? ModelInspector.inspect(proto)
                        : ModelInspector.inspect(proto, featureNode);
        Precision precision = Precision.of(proto);
        ModelCard card = ModelCard.fromMetadata(summary.metadata());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> object = GraftJson.readObject(summary.toJson());
            object.put("file", model.toString());
            object.put("bytes", size(model));
            object.put("precision", precision.label());
            object.put("card", card.isEmpty() ? null : cardMap(card));
            out.println(GraftJson.write(object));
        } else {
            print(out, summary, card, precision);
        }
        return ExitCodes.OK;
    }

    private void print(PrintWriter out, ModelSummary s, ModelCard card, Precision precision) {
        line(out, "model", String.format(Locale.ROOT, "%s (%.1f MB)", model, size(model) / 1e6));
        String producer =
                s.producerName().isEmpty()
                        ? ""
                        : ", producer " + (s.producerName() + " " + s.producerVersion()).trim();
        line(out, "format", "ONNX IR " + s.irVersion() + ", opset " + s.opset() + producer);
        for (TensorInfo input : s.inputs()) {
            line(out, "input", tensor(input));
        }
        for (TensorInfo output : s.outputs()) {
            line(out, "output", tensor(output));
        }
        line(out, "precision", precision.label());
        line(out, "parameters", String.format(Locale.ROOT, "%,d", s.parameterCount()));
        line(
                out,
                "multiply-adds",
                s.multiplyAdds() < 0
                        ? "unknown (some shapes could not be inferred)"
                        : String.format(
                                Locale.ROOT,
                                "%,d (%.2f G)",
                                s.multiplyAdds(),
                                s.multiplyAdds() / 1e9));
        List<String> ops = new ArrayList<>();
        s.operators().forEach((op, n) -> ops.add(op + " " + n));
        line(out, "operators", String.join(", ", ops));
        FeatureNode f = s.featureNode();
        line(
                out,
                "features",
                f == null
                        ? "not found (name one with --features NODE)"
                        : f.tensor()
                                + " "
                                + java.util.Arrays.toString(f.shape())
                                + (f.classifier().isEmpty() ? "" : ", read by " + f.classifier()));
        if (card.isEmpty()) {
            line(
                    out,
                    "card",
                    "none: predict needs --labels and --preprocess (or write a card with graft"
                            + " annotate)");
        } else {
            cardMap(card)
                    .forEach((key, value) -> line(out, "card " + key, cardText(card, key, value)));
        }
        s.metadata()
                .forEach(
                        (key, value) -> {
                            if (!key.startsWith(ModelCard.PREFIX)) {
                                line(out, "metadata " + key, abbreviate(value, 100));
                            }
                        });
    }

    private static Map<String, Object> cardMap(ModelCard card) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", card.version());
        if (card.labels() != null) {
            m.put("classes", card.labels().size());
            m.put("labels", card.labels());
        }
        if (card.preprocessing() != null) {
            m.put("preprocess", GraftJson.readObject(card.preprocessing().toJson()));
        }
        if (card.output() != null) {
            m.put("output", card.output().name().toLowerCase(Locale.ROOT));
        }
        if (card.outputName() != null) {
            m.put("outputName", card.outputName());
        }
        card.extra().forEach(m::put);
        return m;
    }

    /**
     * A card value as text: the preprocessing in the JSON form that {@code annotate} prints and the
     * card stores, lists and objects as JSON (labels may hold commas), text as it is.
     */
    private static String cardText(ModelCard card, String key, Object value) {
        if (key.equals("preprocess")) {
            return card.preprocessing().toJson();
        }
        return value instanceof String text ? text : GraftJson.write(value);
    }

    private static void line(PrintWriter out, String key, String value) {
        out.printf(Locale.ROOT, "%-14s %s%n", key + ":", abbreviate(value, 200));
    }

    private static String tensor(TensorInfo t) {
        return t.name() + " " + t.elementType() + " " + t.dims();
    }

    private static String abbreviate(String value, int max) {
        return value.length() <= max ? value : value.substring(0, max - 3) + "...";
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }
}
