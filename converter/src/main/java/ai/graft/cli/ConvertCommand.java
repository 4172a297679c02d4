package ai.graft.cli;

import ai.graft.converter.ModelEditor;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.ParityChecker;
import ai.graft.converter.ParityOptions;
import ai.graft.converter.ParityReport;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ModelException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
                    + " normalization folded into convolutions, or a feature extractor cut at the"
                    + " feature node. With no edit flag the model is rewritten unchanged.",
            "Each edit that keeps the outputs is checked with ONNX Runtime against the original"
                    + " before anything is written; a failed check writes nothing."
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
            names = "--tolerance",
            paramLabel = "ABS",
            description =
                    "Largest absolute output difference accepted by the check (default: 1e-4,"
                            + " or 1e-2 when the original computes in float16).")
    Double tolerance;

    @Override
    public Integer call() throws GraftException {
        PrintWriter stdout = spec.commandLine().getOut();
        ModelProto original = OnnxModels.read(model);
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
        // Edits that keep the outputs are checked against the original.
        double limit = tolerance != null ? tolerance : (float16 ? 1e-2 : 1e-4);
        ParityReport report =
                ParityChecker.compare(
                        original,
                        model.toString(),
                        edited,
                        "edited",
                        ParityOptions.builder().randomRuns(2).build());
        if (report.maxAbsDiff() > limit) {
            throw new ModelException(
                    String.format(
                            Locale.ROOT,
                            "Converted %s differs from the original by %.3g (more than %.3g);"
                                    + " nothing was written",
                            model,
                            report.maxAbsDiff(),
                            limit));
        }
        if (features != null) {
            edited = ModelEditor.cutAtFeatures(edited, features.isEmpty() ? null : features);
            done.add("cut at the feature node");
        }
        OnnxModels.write(edited, out);
        stdout.printf(
                Locale.ROOT,
                "%s: %s; max abs diff to the original %.3g%n",
                out,
                done.isEmpty() ? "rewritten unchanged" : String.join(", ", done),
                report.maxAbsDiff());
        return ExitCodes.OK;
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
