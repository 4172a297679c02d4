package ai.graft.cli;

import static ai.graft.cli.CliRun.graft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.GraftJson;
import ai.graft.sdk.Preprocessing;
import ai.graft.sdk.TestData;
import ai.graft.sdk.testing.TinyOnnx;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a newcomer types wrong, and what the commands say: usage errors (exit 2) that name the flag
 * as typed, images that fail named one by one, labels named as the model card spells them.
 */
class CliInputValidationTest {
    private static final String SQUIRREL = "fox squirrel, eastern fox squirrel, Sciurus niger";

    @TempDir Path dir;
    private Path model;
    private Path labels;

    @BeforeEach
    void writeModel() throws IOException {
        model = TinyOnnx.rgbClassifier().write(dir.resolve("colours.onnx"));
        // Class 0 (red) carries an ImageNet-style label with commas.
        labels = Files.writeString(dir.resolve("labels.txt"), SQUIRREL + "\ngreen\nblue\n");
    }

    private Path image(String name, Color colour) throws IOException {
        return SolidImages.png(dir.resolve(name), colour);
    }

    private List<String> classifier(String... more) {
        List<String> args = new ArrayList<>();
        args.addAll(
                List.of(
                        "--model",
                        model.toString(),
                        "--labels",
                        labels.toString(),
                        "--preprocess",
                        "imagenet"));
        args.addAll(List.of(more));
        return args;
    }

    private CliRun run(String command, List<String> options, String... rest) {
        List<String> args = new ArrayList<>();
        args.add(command);
        args.addAll(options);
        args.addAll(List.of(rest));
        return graft(args.toArray(String[]::new));
    }

    private static void assertUsageError(CliRun run, String expected) {
        assertEquals(ExitCodes.USAGE, run.exitCode(), run.err() + run.out());
        assertTrue(run.err().contains(expected), "expected '" + expected + "' in: " + run.err());
        for (String internal :
                List.of(
                        "topK",
                        "scoreThreshold",
                        "intraOpThreads",
                        "maxImagePixels",
                        "minClassifications",
                        "allowLabels",
                        "denyLabels",
                        "Exception")) {
            assertFalse(run.err().contains(internal), internal + " in: " + run.err());
        }
    }

    @Test
    void graft_withoutACommandPrintsUsageToStderrAndExitsTwo() {
        CliRun run = graft();
        assertEquals(ExitCodes.USAGE, run.exitCode());
        assertEquals("", run.out());
        assertTrue(run.err().contains("missing COMMAND"), run.err());
        assertTrue(run.err().contains("Usage: graft"), run.err());
        CliRun help = graft("--help");
        assertEquals(ExitCodes.OK, help.exitCode());
        assertTrue(help.out().contains("Usage: graft"), help.out());
    }

    @Test
    void benchmark_withoutCountClassifiesEachImageOnce() throws IOException {
        image("bench/a.png", Color.RED);
        image("bench/b.png", Color.BLUE);
        image("bench/c.png", Color.GREEN);
        CliRun run =
                run(
                        "benchmark",
                        classifier(),
                        "--images",
                        dir.resolve("bench").toString(),
                        "--warmup",
                        "0",
                        "--json");
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        List<String> lines = run.lines();
        Map<?, ?> report = GraftJson.readObject(lines.get(lines.size() - 1));
        assertEquals(3, ((Number) report.get("images")).intValue());
        assertEquals(3, ((Number) report.get("classified")).intValue());
        assertEquals(List.of(), report.get("failures"));
    }

    @Test
    void benchmark_namesEachFailedImageAndWhyInTextAndJson() throws IOException {
        image("bench/good.png", Color.RED);
        Path text = Files.writeString(dir.resolve("bench/notes.jpg"), "not a JPEG");
        Path empty = Files.write(dir.resolve("bench/empty.png"), new byte[0]);
        List<String> args = List.of("--images", dir.resolve("bench").toString(), "--warmup", "0");

        CliRun plain = run("benchmark", classifier(), args.toArray(String[]::new));
        assertEquals(ExitCodes.FAILURE, plain.exitCode(), plain.err());
        assertTrue(plain.err().contains(text + ": error: "), plain.err());
        assertTrue(plain.err().contains(empty + ": error: "), plain.err());
        assertTrue(plain.err().contains("2 of 3 images failed"), plain.err());

        List<String> withJson = new ArrayList<>(args);
        withJson.add("--json");
        CliRun json = run("benchmark", classifier(), withJson.toArray(String[]::new));
        assertEquals(ExitCodes.FAILURE, json.exitCode(), json.err());
        List<String> lines = json.lines();
        Map<?, ?> report = GraftJson.readObject(lines.get(lines.size() - 1));
        assertEquals(1, ((Number) report.get("classified")).intValue());
        List<?> failures = (List<?>) report.get("failures");
        assertEquals(2, failures.size(), failures.toString());
        List<Object> paths = new ArrayList<>();
        for (Object f : failures) {
            Map<?, ?> failure = (Map<?, ?>) f;
            paths.add(failure.get("path"));
            String path = (String) failure.get("path");
            String error = (String) failure.get("error");
            assertTrue(
                    error.contains(Path.of(path).getFileName().toString()),
                    "the error names the file: " + failure);
        }
        assertEquals(
                List.of(empty.toString(), text.toString()).stream().sorted().toList(),
                paths.stream().map(String::valueOf).sorted().toList());
    }

    @Test
    void predict_allowAndDenyTakeALabelWithCommasWholeOrAClassIndex() throws IOException {
        Path red = image("red.png", Color.RED);
        CliRun squirrel = run("predict", classifier("--allow", SQUIRREL, "--json"), red.toString());
        assertEquals(ExitCodes.OK, squirrel.exitCode(), squirrel.err());
        assertEquals(List.of(SQUIRREL), topLabels(squirrel));

        // Repeated, and by index: 2 is blue.
        CliRun two =
                run(
                        "predict",
                        classifier("--allow", "2", "--allow", "green", "--json"),
                        red.toString());
        assertEquals(ExitCodes.OK, two.exitCode(), two.err());
        assertEquals(List.of("blue", "green"), topLabels(two).stream().sorted().toList());

        CliRun denied = run("predict", classifier("--deny", SQUIRREL, "--json"), red.toString());
        assertEquals(ExitCodes.OK, denied.exitCode(), denied.err());
        assertFalse(topLabels(denied).contains(SQUIRREL), denied.out());
    }

    private static List<Object> topLabels(CliRun run) {
        Map<?, ?> line = GraftJson.readObject(run.lines().get(0));
        List<Object> labels = new ArrayList<>();
        for (Object c : (List<?>) line.get("top")) {
            labels.add(((Map<?, ?>) c).get("label"));
        }
        return labels;
    }

    @Test
    void predict_unknownAllowOrDenyLabelNamesTheFlagAndSuggestsTheModelsSpelling()
            throws IOException {
        Path red = image("red.png", Color.RED);
        CliRun part = run("predict", classifier("--allow", "fox squirrel"), red.toString());
        assertUsageError(part, "Unknown label 'fox squirrel' for --allow: ");
        assertTrue(part.err().contains("Did you mean '" + SQUIRREL + "' (class 0)"), part.err());
        assertTrue(part.err().contains("Try 'graft predict --help'"), part.err());

        CliRun joined = run("predict", classifier("--deny", "green,blue"), red.toString());
        assertUsageError(joined, "Unknown label 'green,blue' for --deny: ");
        assertTrue(joined.err().contains("Repeat --deny for each class"), joined.err());

        CliRun index = run("predict", classifier("--allow", "3"), red.toString());
        assertUsageError(index, "class index from 0 to 2");
    }

    @Test
    void predict_everyAllowLabelOfImageNetCanBeNamed() {
        Path squeezenet = TestData.require("models/squeezenet1.1.onnx");
        Path imagenet = TestData.require("labels/imagenet_classes.txt");
        Path photo = TestData.require("images/squirrel_cls.jpg");
        CliRun run =
                graft(
                        "predict",
                        "--model",
                        squeezenet.toString(),
                        "--labels",
                        imagenet.toString(),
                        "--preprocess",
                        "caffe",
                        "--allow",
                        "squirrel monkey, Saimiri sciureus",
                        "--allow",
                        SQUIRREL,
                        "--json",
                        photo.toString());
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        assertEquals(SQUIRREL, topLabels(run).get(0));
        assertEquals(2, topLabels(run).size());
    }

    @Test
    void classifierFlags_refuseNonsenseNamingTheFlag() throws IOException {
        Path red = image("red.png", Color.RED);
        String file = red.toString();
        assertUsageError(
                run("predict", classifier("--top-k", "0"), file),
                "--top-k must be at least 1, got 0");
        assertUsageError(
                run("predict", classifier("--threshold", "1.5"), file),
                "--threshold must be a score from 0 to 1, got 1.5");
        assertUsageError(
                run("predict", classifier("--threshold", "NaN"), file),
                "--threshold must be a score from 0 to 1, got NaN");
        assertUsageError(
                run("predict", classifier("--threshold", "-0.1"), file), "--threshold must be");
        assertUsageError(
                run("predict", classifier("--threads", "-1"), file),
                "--threads must be at least 0 (0: ONNX Runtime's default), got -1");
        assertUsageError(
                run("predict", classifier("--max-pixels", "0"), file),
                "--max-pixels must be at least 1, got 0");
        // The same mixin in benchmark and stream.
        assertUsageError(
                run("benchmark", classifier("--top-k", "0"), "--images", file),
                "--top-k must be at least 1, got 0");
        assertUsageError(
                run("stream", classifier("--threads", "-2"), "--source", file),
                "--threads must be at least 0");
    }

    @Test
    void benchmarkFlags_refuseNonsenseNamingTheFlag() throws IOException {
        String images = image("red.png", Color.RED).toString();
        assertUsageError(
                run("benchmark", classifier("--count", "-1"), "--images", images),
                "--count must be at least 0 (0: each image once), got -1");
        assertUsageError(
                run("benchmark", classifier("--warmup", "-1"), "--images", images),
                "--warmup must be at least 0, got -1");
        assertUsageError(
                run("benchmark", classifier("--concurrency", "0"), "--images", images),
                "--concurrency must be at least 1, got 0");
        assertUsageError(
                run("benchmark", classifier(), "--images", dir.resolve("none").toString()),
                "--images " + dir.resolve("none") + ": not found");
    }

    @Test
    void streamFlags_refuseNonsenseNamingTheFlag() throws IOException {
        String source = image("frames/red.png", Color.RED).getParent().toString();
        String[][] cases = {
            {"--every", "0", "--every must be at least 1, got 0"},
            {"--smooth", "0", "--smooth must be at least 1 (1 means no smoothing), got 0"},
            {"--max-frames", "-1", "--max-frames must be at least 0"},
            {"--reconnects", "-2", "--reconnects must be at least 0, got -2"},
            {"--concurrency", "0", "--concurrency must be at least 1, got 0"},
            {"--realtime", "-1", "--realtime must be a finite number, 0 or more, got -1.0"},
            {"--timeout", "0", "--timeout must be a number of seconds above 0"},
            {"--timeout", "NaN", "--timeout must be a number of seconds above 0"},
        };
        for (String[] c : cases) {
            CliRun run = run("stream", classifier(c[0], c[1]), "--source", source);
            assertUsageError(run, c[2]);
            for (String internal :
                    List.of("everyNFrames", "smoothingWindow", "maxReconnects", "realtimeFactor")) {
                assertFalse(run.err().contains(internal), internal + " in: " + run.err());
            }
        }
    }

    @Test
    void trainSplitFlags_refuseNonsenseNamingTheFlag_beforeReadingAnything() {
        String out = dir.resolve("run").toString();
        String data = dir.resolve("no-such-data").toString();
        assertUsageError(
                graft(
                        "train",
                        "--data",
                        data,
                        "--backbone",
                        "smallcnn",
                        "--out",
                        out,
                        "--val-fraction",
                        "1.5"),
                "--val-fraction must be between 0 and 1, got 1.5");
        assertUsageError(
                graft(
                        "train",
                        "--data",
                        data,
                        "--backbone",
                        "smallcnn",
                        "--out",
                        out,
                        "--min-per-class",
                        "0"),
                "--min-per-class must be at least 1, got 0");
        assertUsageError(
                graft(
                        "train",
                        "--data",
                        data,
                        "--backbone",
                        "vit_tiny",
                        "--out",
                        out,
                        "--strategy",
                        "full",
                        "--layer-decay",
                        "0"),
                "--layer-decay must be in (0, 1], got 0.0");
        assertFalse(Files.exists(dir.resolve("run")), "nothing written");
    }

    @Test
    void zoo_refusesNoClassesNamingTheFlag() {
        String out = dir.resolve("zoo.onnx").toString();
        assertUsageError(
                graft("zoo", "resnet18", "--classes", "0", "--out", out),
                "--classes must be at least 1, got 0");
        assertUsageError(
                graft("zoo", "resnet18", "--size", "-3", "--out", out),
                "--size must be at least 1, got -3");
    }

    @Test
    void zoo_refusesASizeTheArchitectureCannotTakeNamingItsRange() {
        String out = dir.resolve("zoo.onnx").toString();
        assertUsageError(
                graft("zoo", "inception_v3", "--size", "74", "--out", out),
                "Input size 74 is too small for inception_v3: it takes 75 to 4096");
        assertFalse(Files.exists(Path.of(out)), "nothing written");
    }

    @Test
    void verify_refusesNegativeOrNaNToleranceAndOtherNonsense() {
        String a = model.toString();
        assertUsageError(
                graft("verify", a, a, "--tolerance", "-1"),
                "--tolerance must be a finite number, 0 or more, got -1.0");
        assertUsageError(
                graft("verify", a, a, "--tolerance", "NaN"),
                "--tolerance must be a finite number, 0 or more, got NaN");
        assertUsageError(graft("verify", a, a, "--runs", "-1"), "--runs must be at least 0");
        assertUsageError(graft("verify", a, a, "--runs", "0"), "--runs 0 leaves nothing");
        assertUsageError(graft("verify", a, a, "--size", "0"), "--size must be at least 1, got 0");
        CliRun same = graft("verify", a, a, "--tolerance", "0");
        assertEquals(ExitCodes.OK, same.exitCode(), same.err());
    }

    @Test
    void convert_refusesNegativeTolerance() {
        assertUsageError(
                graft(
                        "convert",
                        model.toString(),
                        "--out",
                        dir.resolve("x.onnx").toString(),
                        "--tolerance",
                        "-0.5"),
                "--tolerance must be a finite number, 0 or more, got -0.5");
    }

    @Test
    void convertAndAnnotate_outIntoAMissingFolderNameTheOutPathAndTheFolder() throws IOException {
        Path missing = dir.resolve("no-such-folder");
        Path out = missing.resolve("model.onnx");
        CliRun convert = graft("convert", model.toString(), "--out", out.toString());
        assertUsageError(convert, "--out " + out + ": the folder " + missing + " does not exist");
        assertFalse(convert.err().contains(".tmp"), convert.err());
        CliRun annotate =
                graft(
                        "annotate",
                        model.toString(),
                        "--labels",
                        labels.toString(),
                        "--preprocess",
                        "imagenet",
                        "--out",
                        out.toString());
        assertUsageError(annotate, "--out " + out + ": the folder " + missing + " does not exist");
        assertFalse(Files.exists(missing));
        try (Stream<Path> left = Files.list(dir)) {
            assertTrue(
                    left.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")),
                    "no temporary file");
        }
    }

    @Test
    void labelsFlag_aFolderIsNamedAsAFolderAndAMissingFileAsMissing() throws IOException {
        Path red = image("red.png", Color.RED);
        Path folder = Files.createDirectories(dir.resolve("labels-folder"));
        List<String> options =
                List.of("--model", model.toString(), "--preprocess", "imagenet", "--labels");
        List<String> withFolder = new ArrayList<>(options);
        withFolder.add(folder.toString());
        assertUsageError(
                run("predict", withFolder, red.toString()),
                "--labels "
                        + folder
                        + " is a folder, expected a text file with one label per line");
        List<String> withMissing = new ArrayList<>(options);
        withMissing.add(dir.resolve("nope.txt").toString());
        assertUsageError(
                run("predict", withMissing, red.toString()),
                "--labels " + dir.resolve("nope.txt") + ": file not found");
        CliRun annotate =
                graft(
                        "annotate",
                        model.toString(),
                        "--labels",
                        folder.toString(),
                        "--preprocess",
                        "imagenet");
        assertUsageError(annotate, "--labels " + folder + " is a folder");
    }

    @Test
    void inspect_printsTheCardsPreprocessingAsTheJsonAnnotatePrints() {
        Path annotated = dir.resolve("annotated.onnx");
        CliRun annotate =
                graft(
                        "annotate",
                        model.toString(),
                        "--labels",
                        labels.toString(),
                        "--preprocess",
                        "imagenet",
                        "--out",
                        annotated.toString());
        assertEquals(ExitCodes.OK, annotate.exitCode(), annotate.err());
        String json = Preprocessing.imagenet(224, 224).toJson();
        assertTrue(annotate.out().contains("preprocessing " + json), annotate.out());

        CliRun inspect = graft("inspect", annotated.toString());
        assertEquals(ExitCodes.OK, inspect.exitCode(), inspect.err());
        String preprocess =
                inspect.lines().stream()
                        .filter(l -> l.startsWith("card preprocess:"))
                        .findFirst()
                        .orElseThrow();
        assertEquals(json, preprocess.substring("card preprocess:".length()).strip());
        assertFalse(inspect.out().contains("width="), inspect.out());
        // Labels print as a JSON array too: a label with commas stays one label.
        String labelLine =
                inspect.lines().stream()
                        .filter(l -> l.startsWith("card labels:"))
                        .findFirst()
                        .orElseThrow();
        List<String> labels = new ArrayList<>();
        GraftJson.read(labelLine.substring("card labels:".length()).strip())
                .forEach(label -> labels.add(label.textValue()));
        assertEquals(List.of(SQUIRREL, "green", "blue"), labels);
    }
}
