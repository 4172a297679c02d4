package ai.graft.cli;

import static ai.graft.cli.CliRun.graft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.testing.BadModels;
import ai.graft.sdk.testing.ColourVideo;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line's part of the reliability suite: every command that takes a model refuses every
 * bad model of {@link BadModels} that concerns it with exit code 3 and a message naming the file,
 * without a stack trace and without writing anything; a model whose weights lie in a file beside it
 * works with predict, inspect and convert.
 */
class BadModelsCliTest {
    /** What every command refuses: the model cannot be read, or is unsafe or damaged. */
    private static final Set<BadModels.Kind> DAMAGED =
            EnumSet.of(
                    BadModels.Kind.UNREADABLE,
                    BadModels.Kind.EXTERNAL_DATA,
                    BadModels.Kind.DIMENSIONS,
                    BadModels.Kind.WEIGHTS);

    @TempDir Path dir;
    private Path image;
    private Path video;
    private Path labels;
    private Path good;

    /** One command, given a model; and the kinds of bad model it must refuse. */
    private record Command(
            String name, Set<BadModels.Kind> refuses, Function<Path, String[]> args) {}

    @BeforeEach
    void inputs() throws Exception {
        Path in = Files.createDirectories(dir.resolve("inputs"));
        image = in.resolve("red.png");
        BufferedImage red = new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = red.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(0, 0, 20, 20);
        g.dispose();
        ImageIO.write(red, "png", image.toFile());
        video = in.resolve("colours.avi");
        ColourVideo.writeAvi(video, List.of("red", "blue"), 2, 32, 32, 10);
        labels = Files.writeString(in.resolve("labels.txt"), "red\ngreen\nblue\n");
        good = BadModels.writeGood(in.resolve("good.onnx"));
    }

    private List<Command> commands() {
        Set<BadModels.Kind> classifier = EnumSet.allOf(BadModels.Kind.class);
        Set<BadModels.Kind> annotate = EnumSet.copyOf(DAMAGED);
        annotate.add(BadModels.Kind.NOT_AN_IMAGE_CLASSIFIER);
        Path out = dir.resolve("out/written.onnx");
        return List.of(
                new Command("inspect", DAMAGED, m -> new String[] {"inspect", m.toString()}),
                new Command(
                        "convert",
                        DAMAGED,
                        m -> new String[] {"convert", m.toString(), "--out", out.toString()}),
                new Command(
                        "verify",
                        DAMAGED,
                        m -> new String[] {"verify", m.toString(), good.toString()}),
                new Command(
                        "annotate",
                        annotate,
                        m ->
                                new String[] {
                                    "annotate",
                                    m.toString(),
                                    "--labels",
                                    labels.toString(),
                                    "--preprocess",
                                    "raw",
                                    "--out",
                                    out.toString()
                                }),
                new Command(
                        "predict",
                        classifier,
                        m -> new String[] {"predict", "--model", m.toString(), image.toString()}),
                new Command(
                        "benchmark",
                        classifier,
                        m ->
                                new String[] {
                                    "benchmark",
                                    "--model",
                                    m.toString(),
                                    "--images",
                                    image.toString(),
                                    "--count",
                                    "2"
                                }),
                new Command(
                        "stream",
                        classifier,
                        m ->
                                new String[] {
                                    "stream", "--model", m.toString(), "--source", video.toString()
                                }));
    }

    @Test
    void everyCommandRefusesEveryBadModelWithExitThreeNamingTheFile() throws IOException {
        Files.createDirectories(dir.resolve("out"));
        List<BadModels.Case> cases = BadModels.writeAll(dir.resolve("bad"));
        List<String> failures = new ArrayList<>();
        int runs = 0;
        for (Command command : commands()) {
            for (BadModels.Case c : cases) {
                if (!command.refuses().contains(c.kind())) {
                    continue;
                }
                runs++;
                Captured run = run(command.args().apply(c.model()));
                String where = command.name() + " " + c + ": ";
                if (run.cli.exitCode() != ExitCodes.BAD_MODEL) {
                    failures.add(where + "exit " + run.cli.exitCode() + ", " + run.cli.err());
                } else if (!run.cli.err().contains(c.model().toString())
                        || !run.cli.err().contains(c.expected())) {
                    failures.add(
                            where
                                    + "message lacks the file or '"
                                    + c.expected()
                                    + "': "
                                    + run.cli.err());
                }
                if (run.hasStackTrace()) {
                    failures.add(where + "stack trace: " + run.all());
                }
                if (Files.exists(dir.resolve("out/written.onnx"))) {
                    failures.add(where + "wrote " + dir.resolve("out/written.onnx"));
                    Files.delete(dir.resolve("out/written.onnx"));
                }
            }
        }
        assertTrue(failures.isEmpty(), runs + " runs, failed:\n" + String.join("\n", failures));
        // 46 models; the ONNX tools skip the 3 that are valid ONNX but no image classifier.
        assertEquals(7 * cases.size() - 3 * 3 - 1, runs);
    }

    @Test
    void externalDataInTheModelsFolderWorksWithPredictInspectAndConvert() throws IOException {
        Path model = BadModels.writeWithExternalData(dir.resolve("external"));

        CliRun predict = graft("predict", "--model", model.toString(), "--json", image.toString());
        assertEquals(ExitCodes.OK, predict.exitCode(), predict.err());
        assertTrue(predict.out().contains("\"label\":\"red\""), predict.out());

        CliRun inspect = graft("inspect", model.toString());
        assertEquals(ExitCodes.OK, inspect.exitCode(), inspect.err());
        assertTrue(inspect.out().matches("(?s).*parameters:\\s+12\\b.*"), inspect.out());

        // convert writes the weights inline: the copy works anywhere, without weights/.
        Path copy = Files.createDirectories(dir.resolve("elsewhere")).resolve("inline.onnx");
        CliRun convert = graft("convert", model.toString(), "--out", copy.toString());
        assertEquals(ExitCodes.OK, convert.exitCode(), convert.err());
        CliRun again = graft("predict", "--model", copy.toString(), image.toString());
        assertEquals(ExitCodes.OK, again.exitCode(), again.err());
        assertTrue(again.out().contains("red"), again.out());
        assertFalse(Files.exists(copy.resolveSibling("weights")));
    }

    /** A command's result, with whatever reached the process's own streams too (logging). */
    private record Captured(CliRun cli, String stdout, String stderr) {
        String all() {
            return cli.out() + cli.err() + stdout + stderr;
        }

        boolean hasStackTrace() {
            String text = all();
            return text.contains("\tat ") || text.contains("Exception in thread");
        }
    }

    private static Captured run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream capturedOut = new ByteArrayOutputStream();
        ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(capturedOut, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(capturedErr, true, StandardCharsets.UTF_8));
            CliRun cli = graft(args);
            return new Captured(
                    cli,
                    capturedOut.toString(StandardCharsets.UTF_8),
                    capturedErr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
