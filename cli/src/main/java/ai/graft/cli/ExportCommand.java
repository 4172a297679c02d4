package ai.graft.cli;

import ai.graft.converter.GraftJson;
import ai.graft.converter.checkpoint.ModelExport;
import ai.graft.sdk.GraftException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code graft export}: a training checkpoint to a deployable ONNX file. */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = {
            "Write a training checkpoint (OUT/checkpoints/last.ckpt of graft train with the"
                    + " finetune, full or scratch strategy) as one deployable ONNX file: the best"
                    + " epoch's weights in inference form (BatchNormalization folded), with its"
                    + " card (labels, preprocessing, provenance).",
            "The file is checked against the checkpoint's own graph in ONNX Runtime before it"
                    + " is written; when the check fails nothing is written and the exit code"
                    + " is non-zero."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:exported",
            "1:the parity check or the write failed (no file written)",
            "2:invalid usage",
            "3:unusable checkpoint"
        })
public final class ExportCommand implements Subcommand {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "A checkpoint file.")
    Path checkpoint;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The .onnx file.")
    Path out;

    @Option(names = "--json", description = "Print what was written as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws GraftException {
        PrintWriter out = spec.commandLine().getOut();
        // ModelExport needs neither DJL nor PyTorch: exporting works on a deploy-only install.
        ModelExport.Result r = ModelExport.export(checkpoint, this.out);
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", r.model().toString());
            m.put("bestEpoch", r.bestEpoch());
            m.put("bestValAccuracy", r.bestValAccuracy());
            m.put("parityMaxAbsDiff", r.parityMaxAbsDiff());
            m.put("logitScale", r.logitScale());
            out.println(GraftJson.write(m));
        } else {
            out.printf(
                    Locale.ROOT,
                    "exported %s: epoch %d (validation accuracy %.4f in training); parity with the"
                            + " checkpoint: max |logit difference| %.2e (logits up to %.2f)%n",
                    r.model(),
                    r.bestEpoch(),
                    r.bestValAccuracy(),
                    r.parityMaxAbsDiff(),
                    r.logitScale());
        }
        return ExitCodes.OK;
    }
}
