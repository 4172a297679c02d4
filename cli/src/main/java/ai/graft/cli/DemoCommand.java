package ai.graft.cli;

import ai.graft.converter.GraftJson;
import ai.graft.sdk.GraftException;
import ai.graft.trainer.TrainingMonitor;
import ai.graft.trainer.demo.Demo;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code graft demo}: transfer learning against training from scratch, on images it makes. */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Show transfer learning with no data and no download: make a synthetic set of shape"
                    + " images, train a small zoo backbone on 6 shapes, transfer it to 5 new"
                    + " shapes with a few images each, and compare with the same architecture"
                    + " trained from scratch on those images; both measured on held-out images"
                    + " through the SDK. The transferred model (one ONNX file with its card)"
                    + " then classifies a few images.",
            "A few minutes on two CPU cores."
        })
public final class DemoCommand implements Subcommand {
    /** Needs graft-trainer. */
    @Override
    public boolean needsTrainer() {
        return true;
    }

    @Spec CommandSpec spec;

    @Option(
            names = "--out",
            defaultValue = "graft-demo",
            paramLabel = "DIR",
            description = "Where the images, models and reports go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(
            names = "--per-class",
            defaultValue = "8",
            paramLabel = "N",
            description = "Training images per new shape (default: ${DEFAULT-VALUE}).")
    int perClass;

    @Option(
            names = "--seed",
            defaultValue = "7",
            description = "Seed of the images and the weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Print the figures as one JSON object (last line).")
    boolean json;

    @Override
    public Integer call() throws GraftException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Demo.Options d = Demo.Options.defaults(this.out);
        Demo.Options options =
                new Demo.Options(
                        d.outDir(),
                        d.architecture(),
                        d.imageSize(),
                        d.sourcePerClass(),
                        d.sourceEpochs(),
                        perClass,
                        d.testPerClass(),
                        d.targetEpochs(),
                        seed);
        Demo.Result r;
        try (Progress progress = new Progress(err)) {
            r = Demo.run(options, TrainingMonitor.of(progress::log, progress::status));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the demo images under " + this.out, e);
        }
        out.printf(
                Locale.ROOT,
                "%nTest accuracy on %d images of 5 new shapes, %d training images each:%n"
                        + "  transferred from the pretrained %s  %.3f%n"
                        + "  trained from scratch                 %.3f%n"
                        + "(the backbone reached %.3f on its own task; %.0f s in all)%n"
                        + "The transferred model: %s%n",
                r.testImages(),
                perClass,
                options.architecture(),
                r.transferAccuracy(),
                r.scratchAccuracy(),
                r.sourceAccuracy(),
                r.seconds(),
                r.transferModel());
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("transferAccuracy", r.transferAccuracy());
            m.put("scratchAccuracy", r.scratchAccuracy());
            m.put("sourceAccuracy", r.sourceAccuracy());
            m.put("testImages", r.testImages());
            m.put("model", r.transferModel().toString());
            m.put("seconds", r.seconds());
            out.println(GraftJson.write(m));
        }
        return 0;
    }
}
