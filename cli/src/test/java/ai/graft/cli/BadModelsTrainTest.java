package ai.graft.cli;

import static ai.graft.cli.CliRun.graft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.testing.BadModels;
import ai.graft.trainer.tune.TinyNets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer's part of the reliability suite: {@code train --backbone} and {@code evaluate
 * --model} refuse the bad models of {@link BadModels} with exit code 3 and a message naming the
 * file, and a backbone whose weights lie in a file beside it trains.
 */
class BadModelsTrainTest {
    /** Kinds that make a file unusable as a backbone (the others are valid ONNX). */
    private static final Set<BadModels.Kind> DAMAGED =
            EnumSet.of(
                    BadModels.Kind.UNREADABLE,
                    BadModels.Kind.EXTERNAL_DATA,
                    BadModels.Kind.DIMENSIONS,
                    BadModels.Kind.WEIGHTS);

    @TempDir static Path dir;
    private static Path data;

    @BeforeAll
    static void makeData() throws Exception {
        data = TinyNets.colourFolders(dir.resolve("colours"), 8, 4);
    }

    private static CliRun train(Path backbone, Path out) {
        return graft(
                "train",
                "--data",
                data.toString(),
                "--backbone",
                backbone.toString(),
                "--preprocess",
                "unit",
                "--strategy",
                "features",
                "--out",
                out.toString(),
                "--json");
    }

    @Test
    void train_withABackboneWhoseWeightsLieBesideItTrainsAModelThatClassifies() throws Exception {
        Path backbone = BadModels.writeWithExternalData(dir.resolve("backbone"));
        Path out = dir.resolve("trained");
        CliRun run = train(backbone, out);
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        try (ImageClassifier c = ImageClassifier.createFromFile(out.resolve("model.onnx"));
                Stream<Path> blue = Files.list(data.resolve("val/blue"))) {
            for (Path image : blue.toList()) {
                assertEquals("blue", c.classify(image).top().get(0).label(), image.toString());
            }
        }
    }

    @Test
    void trainAndEvaluate_refuseEveryBadModelWithExitThreeNamingTheFile() {
        List<BadModels.Case> cases = BadModels.writeAll(dir.resolve("bad"));
        List<String> failures = new ArrayList<>();
        int runs = 0;
        for (BadModels.Case c : cases) {
            CliRun evaluate =
                    graft("evaluate", "--model", c.model().toString(), "--data", data.toString());
            expectRefusal(failures, "evaluate " + c, c, evaluate);
            runs++;
            if (DAMAGED.contains(c.kind())) {
                expectRefusal(
                        failures, "train --backbone " + c, c, train(c.model(), dir.resolve("out")));
                runs++;
            }
        }
        assertTrue(failures.isEmpty(), runs + " runs, failed:\n" + String.join("\n", failures));
        assertEquals(2 * cases.size() - 3, runs);
        assertFalse(Files.exists(dir.resolve("out/model.onnx")), "a bad backbone trained");
    }

    private static void expectRefusal(
            List<String> failures, String where, BadModels.Case c, CliRun run) {
        if (run.exitCode() != ExitCodes.BAD_MODEL) {
            failures.add(where + ": exit " + run.exitCode() + ", " + run.err());
        } else if (!run.err().contains(c.model().toString()) || !run.err().contains(c.expected())) {
            failures.add(
                    where + ": message lacks the file or '" + c.expected() + "': " + run.err());
        } else if (run.err().contains("\tat ") || run.err().contains("Exception in thread")) {
            failures.add(where + ": stack trace: " + run.err());
        }
    }
}
