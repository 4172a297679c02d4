package ai.graft.cli;

import ai.graft.converter.ParityChecker;
import ai.graft.converter.ParityOptions;
import ai.graft.converter.ParityReport;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.Preprocessing;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code graft verify}: how closely two models agree, in ONNX Runtime. */
@Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = {
            "Run two models on the same inputs with ONNX Runtime and report the largest absolute"
                    + " and relative difference of each output they share.",
            "Random inputs always; real images too with --images."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:compared, and within --tolerance when given",
            "1:differences above --tolerance",
            "2:invalid usage",
            "3:a model cannot be used, or the models do not match"
        })
public final class VerifyCommand implements Subcommand {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "A", description = "The first model.")
    Path a;

    @Parameters(index = "1", paramLabel = "B", description = "The second model.")
    Path b;

    @Option(
            names = "--images",
            paramLabel = "DIR",
            description = "Also compare on these images (a folder or a file).")
    Path images;

    @Option(
            names = "--preprocess",
            paramLabel = "NAME|JSON",
            defaultValue = "imagenet",
            description = "How to preprocess --images (default: ${DEFAULT-VALUE}).")
    String preprocess;

    @Option(
            names = "--size",
            paramLabel = "PIXELS",
            defaultValue = "224",
            description = "Input size for --images (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(
            names = "--runs",
            paramLabel = "N",
            defaultValue = "3",
            description =
                    "Random batches to run; 0 compares on --images only (default:"
                            + " ${DEFAULT-VALUE}).")
    int runs;

    @Option(
            names = "--tolerance",
            paramLabel = "ABS",
            description =
                    "Fail (exit 1) when the largest absolute difference exceeds this (0 or"
                            + " more).")
    Double tolerance;

    @Option(names = "--json", description = "Print the report as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws GraftException {
        Flags.nonNegative(spec, "--tolerance", tolerance);
        Flags.atLeast(spec, "--runs", runs, 0, null);
        if (runs == 0 && images == null) {
            throw Flags.usage(
                    spec,
                    "--runs 0 leaves nothing to compare; give --images DIR, or --runs 1 or more");
        }
        Flags.atLeast(spec, "--size", size, 1, null);
        ParityOptions.Builder options = ParityOptions.builder().randomRuns(runs);
        if (images != null) {
            List<Path> files = ImageFiles.expand(List.of(images));
            options.images(files, Preprocessing.parse(preprocess, size, size));
        }
        ParityReport report = ParityChecker.compare(a, b, options.build());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(report.toJson());
        } else {
            out.printf(
                    Locale.ROOT,
                    "%s vs %s: %d random batch(es) of %d, %d image(s)%n",
                    report.modelA(),
                    report.modelB(),
                    report.randomRuns(),
                    report.batchSize(),
                    report.images());
            for (ParityReport.Output o : report.outputs()) {
                out.printf(
                        Locale.ROOT,
                        "  %-24s max abs diff %.3g, max rel diff %.3g, top-1 agreement %s%n",
                        o.name(),
                        o.maxAbsDiff(),
                        o.maxRelDiff(),
                        Double.isNaN(o.top1Agreement())
                                ? "n/a"
                                : String.format(Locale.ROOT, "%.3f", o.top1Agreement()));
            }
        }
        if (tolerance != null && report.maxAbsDiff() > tolerance) {
            spec.commandLine()
                    .getErr()
                    .printf(
                            Locale.ROOT,
                            "graft verify: max abs diff %.3g exceeds --tolerance %.3g%n",
                            report.maxAbsDiff(),
                            tolerance);
            return ExitCodes.FAILURE;
        }
        return ExitCodes.OK;
    }
}
