package ai.graft.cli;

import ai.graft.converter.GraftJson;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.zoo.BackboneZoo;
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

/**
 * {@code graft zoo}: list the architectures, or write one with fresh weights at its default input
 * size or {@code --size}.
 */
@Command(
        name = "zoo",
        mixinStandardHelpOptions = true,
        description = {
            "List the backbone architectures, or write one as an ONNX graph with freshly"
                    + " initialised weights, laid out like torchvision's."
        })
public final class ZooCommand implements Subcommand {
    @Spec CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "Architecture.")
    String name;

    @Option(names = "--classes", defaultValue = "1000", paramLabel = "N", description = "Classes.")
    int classes;

    @Option(
            names = "--size",
            paramLabel = "PIXELS",
            description =
                    "Input side (default: the architecture's, 299 for inception_v3, else 224).")
    Integer size;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "SEED", description = "Seed.")
    long seed;

    @Option(names = "--out", paramLabel = "FILE", description = "Where to write the model.")
    Path out;

    @Option(names = "--json", description = "Print the result as one JSON object.")
    boolean json;

    @Override
    public Integer call() throws GraftException {
        PrintWriter stdout = spec.commandLine().getOut();
        if (name == null) {
            if (json) {
                stdout.println(GraftJson.write(Map.of("architectures", BackboneZoo.names())));
            } else {
                BackboneZoo.names().forEach(stdout::println);
            }
            return ExitCodes.OK;
        }
        if (out == null) {
            throw new IllegalArgumentException("Missing --out FILE: where to write " + name);
        }
        Flags.atLeast(spec, "--classes", classes, 1, null);
        int side = size != null ? size : BackboneZoo.defaultInputSize(name);
        Flags.atLeast(spec, "--size", side, 1, null);
        OnnxModels.write(BackboneZoo.build(name, classes, side, seed), out);
        if (json) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("path", out.toString());
            result.put("architecture", name);
            result.put("classes", classes);
            result.put("size", side);
            result.put("seed", seed);
            stdout.println(GraftJson.write(result));
            return ExitCodes.OK;
        }
        stdout.printf(
                Locale.ROOT,
                "%s: %s, %d classes, input %dx%d, seed %d%n",
                out,
                name,
                classes,
                side,
                side,
                seed);
        return ExitCodes.OK;
    }
}
