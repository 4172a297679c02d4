package ai.graft.cli;

import ai.graft.converter.GraftJson;
import ai.graft.converter.ModelEditor;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.ParityChecker;
import ai.graft.converter.ParityOptions;
import ai.graft.converter.ParityReport;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.opset.OpsetConverter;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ModelException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code graft convert}: edit a model for deployment, each edit verified before the file is kept.
 */
@Command(
        name = "convert",
        mixinStandardHelpOptions = true,
        description = {
            "Rewrite a model: float16 weights to float32, a dynamic batch dimension, batch"
                    + " normalization folded into convolutions, a feature extractor cut at the"
                    + " feature node, or another opset of the default ONNX domain. With no edit"
                    + " flag the model is rewritten unchanged.",
            "Each edit is checked with ONNX Runtime against the model before it (the opset"
                    + " conversion of a feature extractor against the extractor) before anything"
                    + " is written; a failed check, or a model with an operator outside the"
                    + " supported set, writes nothing and exits with 3."
        })
public final class ConvertCommand implements Subcommand {
    @Spec CommandSpec spec;

    @picocli.CommandLine.Parameters(
            index = "0",
            paramLabel = "MODEL",
            description = "The ONNX model file.")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output file.")
    Path out;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    boolean json;

    @Option(names = "--fp32", description = "Convert float16 weights and types to float32.")
    boolean fp32;

    @Option(names = "--dynamic-batch", description = "Make the batch dimension dynamic.")
    boolean dynamicBatch;

    @Option(names = "--fold-bn", description = "Fold BatchNormalization into the Conv before it.")
    boolean foldBn;

    @Option(
            names = "--features",
            arity = "0..1",
            fallbackValue = "",
            paramLabel = "NODE",
            description =
                    "Cut at the feature node (found automatically, or named) and output the"
                            + " pooled embedding as 'features'.")
    String features;

    @Option(
            names = "--opset",
            paramLabel = "N",
            description =
                    "Convert to opset N of the default ONNX domain ("
                            + OnnxModels.MIN_OPSET
                            + " to "
                            + OnnxModels.MAX_OPSET
                            + "), up or down, with the IR version that goes with it.")
    Integer opset;

    @Option(
            names = "--tolerance",
            paramLabel = "ABS",
            description =
                    "Largest absolute output difference accepted by the check, 0 or more"
                            + " (default: 1e-4, or 1e-2 when the original computes in float16).")
    Double tolerance;

    @Override
    public Integer call() throws GraftException {
        PrintWriter stdout = spec.commandLine().getOut();
        Flags.nonNegative(spec, "--tolerance", tolerance);
        // Before the work: a missing folder would otherwise surface only at the write.
        Flags.writableIn(spec, "--out", out);
        if (opset != null && (opset < OnnxModels.MIN_OPSET || opset > OnnxModels.MAX_OPSET)) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(),
                    "--opset "
                            + opset
                            + " is not supported; expected "
                            + OnnxModels.MIN_OPSET
                            + " to "
                            + OnnxModels.MAX_OPSET);
        }
        ModelProto original = OnnxModels.read(model);
        // Every edit below, and the tools after it, know only these operators.
        OpsetConverter.checkOperators(original, model.toString());
        boolean float16 = hasFloat16(original);
        ModelProto edited = original;
        List<String> done = new ArrayList<>();
        if (fp32) {
            edited = ModelEditor.float16ToFloat32(edited);
            done.add("float16 to float32");
        }
        if (foldBn) {
            edited = ModelEditor.foldBatchNorm(edited);
            done.add("batch normalization folded");
        }
        if (dynamicBatch || features != null) {
            edited = ModelEditor.dynamicBatch(edited);
            done.add("dynamic batch");
        }
        if (opset != null && features == null) {
            edited = convertOpset(edited, done);
        }
        // Edits that keep the outputs are checked against the original.
        double limit = tolerance != null ? tolerance : (float16 ? 1e-2 : 1e-4);
        double diff = check(original, model.toString(), edited, limit, "the original");
        if (features != null) {
            edited = ModelEditor.cutAtFeatures(edited, features.isEmpty() ? null : features);
            done.add("cut at the feature node");
            if (opset != null) {
                // The cut changes the outputs: its opset conversion is checked against it.
                ModelProto cut = edited;
                edited = convertOpset(cut, done);
                diff =
                        Math.max(
                                diff,
                                check(
                                        cut,
                                        "the feature extractor",
                                        edited,
                                        limit,
                                        "the feature extractor before the opset conversion"));
            }
        }
        OnnxModels.write(edited, out);
        if (json) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("path", out.toString());
            result.put("edits", done);
            result.put("maxAbsDiff", diff);
            result.put(
                    "comparedWith",
                    features != null && opset != null ? "the checks" : "the original");
            stdout.println(GraftJson.write(result));
            return ExitCodes.OK;
        }
        stdout.printf(
                Locale.ROOT,
                "%s: %s; max abs diff %s %.3g%n",
                out,
                done.isEmpty() ? "rewritten unchanged" : String.join(", ", done),
                features != null && opset != null ? "of the checks" : "to the original",
                diff);
        return ExitCodes.OK;
    }

    private ModelProto convertOpset(ModelProto m, List<String> done) throws ModelException {
        long from = OnnxModels.opset(m);
        ModelProto converted = OpsetConverter.convert(m, model.toString(), opset);
        done.add(
                String.format(
                        Locale.ROOT,
                        "opset %d to %d (IR version %d)",
                        from,
                        opset,
                        converted.getIrVersion()));
        return converted;
    }

    /** Runs both models on the same random inputs; refuses a difference above the limit. */
    private double check(
            ModelProto before, String name, ModelProto after, double limit, String what)
            throws GraftException {
        ParityReport report =
                ParityChecker.compare(
                        before,
                        name,
                        after,
                        "edited",
                        ParityOptions.builder().randomRuns(2).build());
        if (report.maxAbsDiff() > limit) {
            throw new ModelException(
                    String.format(
                            Locale.ROOT,
                            "Converted %s differs from %s by %.3g (more than %.3g);"
                                    + " nothing was written",
                            model,
                            what,
                            report.maxAbsDiff(),
                            limit));
        }
        return report.maxAbsDiff();
    }

    private static boolean hasFloat16(ModelProto model) {
        for (TensorProto t : model.getGraph().getInitializerList()) {
            if (t.getDataType() == TensorProto.DataType.FLOAT16_VALUE) {
                return true;
            }
        }
        return false;
    }
}
