package ai.graft.cli;

import ai.graft.converter.GraftJson;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.quantize.CalibrationMethod;
import ai.graft.converter.quantize.Int8Options;
import ai.graft.converter.quantize.LabelledImage;
import ai.graft.converter.quantize.ModelQuantizer;
import ai.graft.converter.quantize.Precision;
import ai.graft.converter.quantize.QuantizationReport;
import ai.graft.converter.quantize.Tolerance;
import ai.graft.sdk.GraftException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code graft quantize}: an INT8 (QDQ) or float16 version of a classifier, checked first. */
@Command(
        name = "quantize",
        mixinStandardHelpOptions = true,
        description = {
            "Make an INT8 (QDQ, calibrated on your images) or float16 version of a classifier,"
                    + " keeping its model card and recording what was done in it.",
            "Before the file is written the new model is compared with the original through the"
                    + " SDK: top-1 agreement and largest score difference on the calibration"
                    + " images, and with --eval the accuracy of both. A model that loses more than"
                    + " --tolerance is refused unless --force."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:written",
            "1:the new model loses more than --tolerance; nothing written",
            "2:invalid usage, or no readable calibration image",
            "3:the model is not a classifier, is already quantized or float16, or cannot be run"
        })
public final class QuantizeCommand implements Subcommand {
    /** The most layers {@code --keep-float auto} keeps in float. */
    static final int AUTO_FLOAT_LAYERS = 4;

    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "MODEL", description = "The float32 ONNX classifier.")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output file.")
    Path out;

    @ArgGroup(multiplicity = "1")
    Target target;

    /** Exactly one precision. */
    static final class Target {
        @Option(names = "--int8", required = true, description = "Static INT8 in QDQ form.")
        boolean int8;

        @Option(names = "--fp16", required = true, description = "Float16 weights and activations.")
        boolean fp16;
    }

    @Option(
            names = "--calibrate",
            paramLabel = "DIR",
            description =
                    "Calibration images (a folder, searched recursively); required with --int8."
                            + " With --fp16 the images to check on (else seeded random inputs).")
    Path calibrate;

    @Option(
            names = "--images",
            paramLabel = "N",
            defaultValue = "200",
            description =
                    "Use at most N calibration images, spread evenly over the sorted list"
                            + " (default: ${DEFAULT-VALUE}).")
    int maxImages;

    @Option(
            names = "--method",
            paramLabel = "METHOD",
            defaultValue = "entropy",
            description =
                    "How activation ranges are chosen: minmax, percentile (99.99 %%) or entropy"
                            + " (default: ${DEFAULT-VALUE}).")
    String method;

    @ArgGroup(exclusive = true)
    WeightScales scales;

    /** Per-channel or per-tensor weight scales. */
    static final class WeightScales {
        @Option(
                names = "--per-channel",
                description = "One weight scale per output channel (the default).")
        boolean perChannel;

        @Option(names = "--per-tensor", description = "One weight scale per weight tensor.")
        boolean perTensor;
    }

    @Option(
            names = "--keep-float",
            paramLabel = "auto|N|NODE,...",
            defaultValue = "auto",
            description =
                    "Layers kept in float32 with --int8. auto: when the INT8 model disagrees with"
                            + " the original on more calibration images than the tolerance allows,"
                            + " keep up to "
                            + AUTO_FLOAT_LAYERS
                            + " of the most sensitive layers in float (found by quantizing all"
                            + " but one in turn); N: up to N of them (0: quantize every layer);"
                            + " or the names of the nodes to keep (default: ${DEFAULT-VALUE}).")
    String keepFloat;

    @Option(
            names = "--eval",
            paramLabel = "DIR",
            description =
                    "Labelled images (one subfolder per class, named as the model's labels):"
                            + " report the accuracy of both models, and judge by it.")
    Path eval;

    @Option(
            names = "--tolerance",
            paramLabel = "PCT",
            description =
                    "Largest loss accepted: points of accuracy with --eval (default 1), else"
                            + " percent of images whose best class changes (default 2).")
    Double tolerance;

    @Option(names = "--force", description = "Write the model even when it loses more.")
    boolean force;

    @Option(names = "--json", description = "Print the report as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws GraftException {
        Flags.nonNegative(spec, "--tolerance", tolerance);
        Flags.atLeast(spec, "--images", maxImages, 1, null);
        Flags.writableIn(spec, "--out", out);
        CalibrationMethod calibration;
        try {
            calibration = CalibrationMethod.fromCliName(method);
        } catch (IllegalArgumentException e) {
            throw Flags.usage(spec, "--method " + e.getMessage());
        }
        if (target.int8 && calibrate == null) {
            throw Flags.usage(spec, "--int8 needs --calibrate DIR, a folder of images");
        }
        List<Path> images = calibrate == null ? List.of() : calibrationImages();
        List<LabelledImage> labelled = eval == null ? List.of() : labelledImages();
        Int8Options.Builder options =
                Int8Options.builder()
                        .method(calibration)
                        .perChannel(scales == null || !scales.perTensor)
                        .targetAgreement(
                                1
                                        - (tolerance != null && eval == null
                                                        ? Math.min(tolerance, 100)
                                                        : Tolerance.DISAGREEMENT_PERCENT)
                                                / 100);
        keepFloat(options);
        ModelQuantizer.QuantizationResult result =
                ModelQuantizer.quantize(
                        model,
                        target.int8 ? Precision.INT8_QDQ : Precision.FP16,
                        options.build(),
                        images,
                        labelled);
        QuantizationReport report = result.report();
        double limit = tolerance != null ? tolerance : Tolerance.defaultFor(report);
        boolean within = report.within(limit);
        boolean write = within || force;
        if (write) {
            OnnxModels.write(result.model(), out);
        }
        print(report, limit, within, write);
        return write ? ExitCodes.OK : ExitCodes.FAILURE;
    }

    private void print(QuantizationReport r, double limit, boolean within, boolean written) {
        PrintWriter stdout = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("path", out.toString());
            m.put("written", written);
            m.put("withinTolerance", within);
            m.put("tolerance", limit);
            m.put("toleranceOf", Tolerance.unitOf(r));
            m.putAll(r.toMap());
            stdout.println(GraftJson.write(m));
            return;
        }
        stdout.printf(
                Locale.ROOT,
                "%s: %s%s, %d image(s)%s; %.2f MB (%.0f %% of the original)%n",
                out,
                r.precision().label(),
                r.method() == null
                        ? ""
                        : ", "
                                + r.method().cliName()
                                + ", "
                                + (r.perChannel() ? "per-channel" : "per-tensor"),
                r.images(),
                r.skipped().isEmpty() ? "" : " (" + r.skipped().size() + " unreadable skipped)",
                r.bytes() / 1e6,
                100.0 * r.bytes() / r.originalBytes());
        if (r.kernels() != null) {
            stdout.println("  ONNX Runtime: " + r.kernels().describe());
            if (!r.keptFloat().isEmpty()) {
                stdout.println("  layers kept in float32: " + String.join(", ", r.keptFloat()));
            }
            if (!r.floatNodes().isEmpty()) {
                stdout.println("  kept in float: " + String.join(", ", r.floatNodes()));
            }
        }
        stdout.printf(
                Locale.ROOT,
                "  top-1 agreement %.1f %% on %d %s, largest score difference %.4f%n",
                100 * r.agreement().top1Agreement(),
                r.agreement().images(),
                r.images() == 0 ? "random inputs" : "image(s)",
                r.agreement().maxScoreDiff());
        if (r.accuracy() != null) {
            stdout.printf(
                    Locale.ROOT,
                    "  accuracy on %d labelled image(s): original %.2f %%, new %.2f %%%n",
                    r.accuracy().images(),
                    100 * r.accuracy().original(),
                    100 * r.accuracy().reduced());
        }
        if (!within) {
            spec.commandLine()
                    .getErr()
                    .printf(
                            Locale.ROOT,
                            "graft quantize: the new model loses %.2f %s (more than --tolerance"
                                    + " %.2f); %s%n",
                            r.accuracy() != null ? r.accuracyLossPoints() : r.disagreementPercent(),
                            r.accuracy() != null ? "points of accuracy" : "% top-1 agreement",
                            limit,
                            written ? "written anyway (--force)" : "nothing written");
        }
    }

    /** Sets the layers kept in float from --keep-float: auto, a count, or node names. */
    private void keepFloat(Int8Options.Builder options) {
        String v = keepFloat.strip();
        if (v.equalsIgnoreCase("auto")) {
            options.fallbackNodes(AUTO_FLOAT_LAYERS);
        } else if (v.matches("\\d+")) {
            options.fallbackNodes(Integer.parseInt(v));
        } else if (v.isEmpty()) {
            throw Flags.usage(spec, "--keep-float needs auto, a count or node names");
        } else {
            options.fallbackNodes(0).keepFloat(Set.copyOf(Arrays.asList(v.split("\\s*,\\s*"))));
        }
    }

    /** The calibration images: at most --images, spread evenly over the sorted list. */
    private List<Path> calibrationImages() {
        if (!Files.isDirectory(calibrate)) {
            throw Flags.usage(spec, "--calibrate " + calibrate + " is not a folder of images");
        }
        List<Path> all = ImageFiles.expand(List.of(calibrate));
        if (all.isEmpty()) {
            throw Flags.usage(
                    spec,
                    "--calibrate "
                            + calibrate
                            + " holds no image file ("
                            + String.join(", ", ImageFiles.EXTENSIONS.stream().sorted().toList())
                            + ")");
        }
        if (all.size() <= maxImages) {
            return all;
        }
        List<Path> picked = new ArrayList<>();
        for (int i = 0; i < maxImages; i++) {
            picked.add(all.get((int) ((long) i * all.size() / maxImages)));
        }
        return picked;
    }

    /** The evaluation images, labelled by the name of their class folder. */
    private List<LabelledImage> labelledImages() {
        if (!Files.isDirectory(eval)) {
            throw Flags.usage(spec, "--eval " + eval + " is not a folder of class folders");
        }
        List<LabelledImage> out = new ArrayList<>();
        try (Stream<Path> classes = Files.list(eval)) {
            for (Path c : classes.filter(Files::isDirectory).sorted().toList()) {
                for (Path image : ImageFiles.expand(List.of(c))) {
                    out.add(new LabelledImage(image, c.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list folder " + eval, e);
        }
        if (out.isEmpty()) {
            throw Flags.usage(spec, "--eval " + eval + " has no class folder with images");
        }
        return out;
    }
}
