package ai.graft.cli;

import static ai.graft.cli.CliRun.graft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.GraftJson;
import ai.graft.sdk.TestData;
import ai.graft.sdk.testing.TinyOnnx;
import com.fasterxml.jackson.databind.JsonNode;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class GraftCliTest {
    @TempDir Path dir;
    private Path model;

    @BeforeEach
    void writeModel() throws IOException {
        model = TinyOnnx.rgbClassifier().write(dir.resolve("colours.onnx"));
        Files.writeString(dir.resolve("labels.txt"), "red\ngreen\nblue\n");
    }

    private Path image(String name, Color colour) throws IOException {
        return SolidImages.png(dir.resolve(name), colour);
    }

    @Test
    void predict_jsonGivesOneLinePerInputAndReportsBadOnesWithoutStopping() throws IOException {
        Path red = image("in/red.png", Color.RED);
        Path blue = image("in/sub/blue.png", Color.BLUE);
        Path bad = dir.resolve("in/broken.jpg");
        Files.writeString(bad, "this is text, not a JPEG", StandardCharsets.UTF_8);

        CliRun run =
                graft(
                        "predict",
                        "--model",
                        model.toString(),
                        "--preprocess",
                        "imagenet",
                        "--top-k",
                        "2",
                        "--json",
                        dir.resolve("in").toString());

        assertEquals(ExitCodes.FAILURE, run.exitCode(), run.err());
        List<String> lines = run.lines();
        assertEquals(3, lines.size(), run.out());
        Map<?, ?> broken = GraftJson.readObject(lines.get(0));
        assertEquals(bad.toString(), broken.get("path"));
        assertTrue(((String) broken.get("error")).contains("broken.jpg"), lines.get(0));
        Map<?, ?> first = GraftJson.readObject(lines.get(1));
        assertEquals(red.toString(), first.get("path"));
        List<?> top = (List<?>) first.get("top");
        assertEquals(2, top.size());
        assertEquals("red", ((Map<?, ?>) top.get(0)).get("label"));
        assertEquals(0.0, ((Number) ((Map<?, ?>) top.get(0)).get("index")).doubleValue());
        assertTrue(first.get("latencyMs") instanceof Number);
        Map<?, ?> second = GraftJson.readObject(lines.get(2));
        assertEquals(blue.toString(), second.get("path"));
        assertEquals("blue", ((Map<?, ?>) ((List<?>) second.get("top")).get(0)).get("label"));
        assertTrue(run.err().contains("1 of 3 inputs failed"), run.err());
    }

    @Test
    void predict_allGoodExitsZeroWithTextOutput() throws IOException {
        Path green = image("green.png", Color.GREEN);
        CliRun run =
                graft(
                        "predict",
                        "-m",
                        model.toString(),
                        "--preprocess",
                        "imagenet",
                        green.toString());
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        assertTrue(run.out().startsWith(green + ": 1 green ("), run.out());
    }

    @Test
    void predict_missingModelExitsThreeNamingTheFile() throws IOException {
        Path green = image("green.png", Color.GREEN);
        Path missing = dir.resolve("nope.onnx");
        CliRun run = graft("predict", "--model", missing.toString(), green.toString());
        assertEquals(ExitCodes.BAD_MODEL, run.exitCode(), run.err());
        assertTrue(run.err().contains("nope.onnx"), run.err());
    }

    @Test
    void predict_nonOnnxModelExitsThree() throws IOException {
        Path green = image("green.png", Color.GREEN);
        Path fake = dir.resolve("fake.onnx");
        Files.writeString(fake, "not a model");
        CliRun run = graft("predict", "--model", fake.toString(), green.toString());
        assertEquals(ExitCodes.BAD_MODEL, run.exitCode(), run.err());
        assertTrue(run.err().contains("fake.onnx"), run.err());
    }

    @Test
    void predict_unknownOptionAndBadDeviceExitTwo() throws IOException {
        Path green = image("green.png", Color.GREEN);
        CliRun unknown = graft("predict", "--model", model.toString(), "--frobnicate", "x");
        assertEquals(ExitCodes.USAGE, unknown.exitCode());
        assertTrue(unknown.err().contains("--frobnicate"), unknown.err());
        CliRun device =
                graft("predict", "--model", model.toString(), "--device", "tpu", green.toString());
        assertEquals(ExitCodes.USAGE, device.exitCode(), device.err());
        assertTrue(device.err().contains("Unknown device 'tpu'"), device.err());
    }

    @Test
    void predict_withoutLabelsOrPreprocessingRefusesAndSaysHow() throws IOException {
        Path bare =
                TinyOnnx.rgbClassifier()
                        .write(
                                Files.createDirectories(dir.resolve("bare"))
                                        .resolve("colours.onnx"));
        Path green = image("green.png", Color.GREEN);
        CliRun run = graft("predict", "--model", bare.toString(), green.toString());
        assertEquals(ExitCodes.BAD_MODEL, run.exitCode(), run.err());
        assertTrue(run.err().contains("--labels"), run.err());
    }

    @Test
    void inspect_jsonReportsOpsetParametersAndCard() {
        CliRun run = graft("inspect", model.toString(), "--json");
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        Map<?, ?> object = GraftJson.readObject(run.out().strip());
        assertEquals(13.0, ((Number) ((Map<?, ?>) object.get("opsets")).get("")).doubleValue());
        // Gemm weights 3x3 plus bias 3.
        assertEquals(12.0, ((Number) object.get("parameterCount")).doubleValue());
        assertEquals(null, object.get("card"));
        CliRun text = graft("inspect", model.toString());
        assertEquals(ExitCodes.OK, text.exitCode(), text.err());
        assertTrue(text.out().contains("opset 13"), text.out());
        assertTrue(text.out().contains("card:"), text.out());
    }

    @Test
    void benchmark_jsonLastLineHasThroughputAndStages() throws IOException {
        image("bench/a.png", Color.RED);
        image("bench/b.png", Color.BLUE);
        CliRun run =
                graft(
                        "benchmark",
                        "--model",
                        model.toString(),
                        "--labels",
                        dir.resolve("labels.txt").toString(),
                        "--preprocess",
                        "imagenet",
                        "--images",
                        dir.resolve("bench").toString(),
                        "--warmup",
                        "1",
                        "--count",
                        "6",
                        "--json");
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        List<String> lines = run.lines();
        Map<?, ?> report = GraftJson.readObject(lines.get(lines.size() - 1));
        for (String key :
                List.of(
                        "imagesPerSecond",
                        "ortOnlyImagesPerSecond",
                        "decodeMs",
                        "preprocessMs",
                        "inferenceMs",
                        "postprocessMs")) {
            assertTrue(report.get(key) instanceof Number, key + " in " + lines);
        }
        assertTrue(((Number) report.get("imagesPerSecond")).doubleValue() > 0);
        assertTrue(((Number) report.get("classified")).intValue() >= 6);
    }

    @Test
    void predict_realSqueezeNetFindsTheDogAndTheSquirrel() {
        Path squeezenet = TestData.require("models/squeezenet1.1.onnx");
        Path labels = TestData.require("labels/imagenet_classes.txt");
        Path dog = TestData.require("images/dog_golden_retriever_winml.jpg");
        Path squirrel = TestData.require("images/squirrel_cls.jpg");
        CliRun run =
                graft(
                        "predict",
                        "--model",
                        squeezenet.toString(),
                        "--labels",
                        labels.toString(),
                        "--preprocess",
                        "caffe",
                        "--json",
                        dog.toString(),
                        squirrel.toString());
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        List<String> lines = run.lines();
        JsonNode dogTop = GraftJson.read(lines.get(0)).at("/top/0");
        JsonNode squirrelTop = GraftJson.read(lines.get(1)).at("/top/0");
        assertEquals(207, dogTop.get("index").intValue());
        assertTrue(dogTop.get("label").textValue().startsWith("golden retriever"), lines.get(0));
        assertTrue(dogTop.get("score").doubleValue() > 0.9);
        assertEquals(335, squirrelTop.get("index").intValue());
        assertTrue(squirrelTop.get("label").textValue().startsWith("fox squirrel"), lines.get(1));
    }

    @Test
    void annotate_thenPredictNeedsNoFlags() throws IOException {
        Path squeezenet = TestData.require("models/squeezenet1.1.onnx");
        Path labels = TestData.require("labels/imagenet_classes.txt");
        Path dog = TestData.require("images/dog_golden_retriever_winml.jpg");
        Path squirrel = TestData.require("images/squirrel_cls.jpg");
        Path annotated = dir.resolve("squeezenet-card.onnx");
        CliRun annotate =
                graft(
                        "annotate",
                        squeezenet.toString(),
                        "--labels",
                        labels.toString(),
                        "--preprocess",
                        "caffe",
                        "--out",
                        annotated.toString());
        assertEquals(ExitCodes.OK, annotate.exitCode(), annotate.err());
        assertTrue(annotate.out().contains("(probabilities)"), annotate.out());

        CliRun predict =
                graft(
                        "predict",
                        "--model",
                        annotated.toString(),
                        "--json",
                        dog.toString(),
                        squirrel.toString());
        assertEquals(ExitCodes.OK, predict.exitCode(), predict.err());
        List<String> lines = predict.lines();
        assertEquals(207, topIndex(lines.get(0)));
        assertEquals(335, topIndex(lines.get(1)));

        CliRun inspect = graft("inspect", annotated.toString(), "--json");
        Map<?, ?> card = (Map<?, ?>) GraftJson.readObject(inspect.out().strip()).get("card");
        assertEquals(1000.0, ((Number) card.get("classes")).doubleValue());
        assertEquals("probabilities", card.get("output"));
    }

    @Test
    void annotate_refusesLabelsOfTheWrongCountAndLeavesTheModelAlone() throws IOException {
        Path labels = dir.resolve("two.txt");
        Files.writeString(labels, "a\nb\n");
        byte[] before = Files.readAllBytes(model);
        CliRun run =
                graft(
                        "annotate",
                        model.toString(),
                        "--labels",
                        labels.toString(),
                        "--preprocess",
                        "imagenet");
        assertEquals(ExitCodes.BAD_MODEL, run.exitCode(), run.err());
        assertTrue(run.err().contains("has 2 labels but output"), run.err());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(model)));
    }

    @Test
    void convert_fp16ToFp32MatchesTheFloat32ModelAndVerifyReportsIt() {
        Path fp16 = TestData.require("models/squeezenet1.1_fp16.onnx");
        Path fp32 = TestData.require("models/squeezenet1.1.onnx");
        Path out = dir.resolve("converted.onnx");
        CliRun convert =
                graft(
                        "convert",
                        fp16.toString(),
                        "--fp32",
                        "--dynamic-batch",
                        "--out",
                        out.toString());
        assertEquals(ExitCodes.OK, convert.exitCode(), convert.err());
        CliRun verify =
                graft("verify", out.toString(), fp32.toString(), "--json", "--tolerance", "1e-6");
        assertEquals(ExitCodes.OK, verify.exitCode(), verify.err() + verify.out());
        Map<?, ?> report = GraftJson.readObject(verify.out().strip());
        assertTrue(report.toString().contains("maxAbsDiff"), verify.out());
    }

    @Test
    void convert_featuresGivesThe512ValueEmbedding() {
        Path squeezenet = TestData.require("models/squeezenet1.1.onnx");
        Path out = dir.resolve("features.onnx");
        CliRun convert =
                graft("convert", squeezenet.toString(), "--features", "--out", out.toString());
        assertEquals(ExitCodes.OK, convert.exitCode(), convert.err());
        CliRun inspect = graft("inspect", out.toString(), "--json");
        Map<?, ?> object = GraftJson.readObject(inspect.out().strip());
        List<?> outputs = (List<?>) object.get("outputs");
        Map<?, ?> first = (Map<?, ?>) outputs.get(0);
        assertEquals("features", first.get("name"));
        assertEquals(512.0, ((Number) ((List<?>) first.get("shape")).get(1)).doubleValue());
    }

    @Test
    void zoo_writesARunnableBackboneAndRejectsUnknownNames() {
        CliRun list = graft("zoo");
        assertEquals(ExitCodes.OK, list.exitCode(), list.err());
        assertTrue(list.lines().contains("resnet18"), list.out());
        Path out = dir.resolve("squeezenet.onnx");
        CliRun write =
                graft(
                        "zoo",
                        "squeezenet1_1",
                        "--classes",
                        "7",
                        "--size",
                        "96",
                        "--out",
                        out.toString());
        assertEquals(ExitCodes.OK, write.exitCode(), write.err());
        CliRun inspect = graft("inspect", out.toString(), "--json");
        Map<?, ?> object = GraftJson.readObject(inspect.out().strip());
        Map<?, ?> logits = (Map<?, ?>) ((List<?>) object.get("outputs")).get(0);
        assertEquals(7.0, ((Number) ((List<?>) logits.get("shape")).get(1)).doubleValue());
        CliRun unknown = graft("zoo", "resnet9000", "--out", out.toString());
        assertEquals(ExitCodes.USAGE, unknown.exitCode());
        assertTrue(unknown.err().contains("resnet18"), unknown.err());
    }

    private static int topIndex(String jsonLine) {
        return GraftJson.read(jsonLine).at("/top/0/index").intValue();
    }

    @Test
    void everyCommandsHelp_rendersWithoutPicocliWarnings() {
        // picocli reports a help text it cannot format (a lone '%') on System.err and drops it.
        PrintStream original = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        List<String> names;
        try {
            CommandLine cli = Graft.newCommandLine();
            names = List.copyOf(cli.getSubcommands().keySet());
            for (CommandLine sub : cli.getSubcommands().values()) {
                sub.getUsageMessage();
            }
        } finally {
            System.setErr(original);
        }
        assertTrue(names.contains("quantize") && names.contains("train"), names.toString());
        assertEquals("", captured.toString(StandardCharsets.UTF_8));
    }
}
