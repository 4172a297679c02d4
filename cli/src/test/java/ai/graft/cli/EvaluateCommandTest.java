package ai.graft.cli;

import static ai.graft.cli.CliRun.graft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.GraftJson;
import ai.graft.sdk.TestData;
import ai.graft.trainer.eval.ColourFixtures;
import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluateCommandTest {
    @TempDir Path dir;

    @Test
    void evaluate_isRegisteredAsASubcommand() {
        assertTrue(Graft.newCommandLine().getSubcommands().containsKey("evaluate"));
        CliRun help = graft("evaluate", "--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().contains("--data=DIR"), help.out());
        assertTrue(help.out().contains("--json"), help.out());
    }

    @Test
    @SuppressWarnings("unchecked")
    void evaluate_jsonIsTheLastLineAndBadFilesAreListedNotFatal() throws Exception {
        Path data = ColourFixtures.colourFolders(dir.resolve("data"), 3);
        Path model = ColourFixtures.rgbModel(dir.resolve("rgb.onnx"));
        CliRun run =
                graft("evaluate", "--model", model.toString(), "--data", data.toString(), "--json");
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        Map<String, Object> m = GraftJson.readObject(run.lastLine());
        assertEquals(
                List.of("data", "dataClasses", "samples"), List.copyOf(m.keySet()).subList(0, 3));
        assertEquals(9.0 / 10, (Double) m.get("accuracy"), 1e-12);
        assertEquals(10, m.get("samples"));
        assertEquals(data.toString(), m.get("data"));
        assertEquals(3, m.get("dataClasses"));
        assertEquals(List.of("red", "green", "blue"), m.get("classes"));
        assertEquals(
                List.of(List.of(3, 0, 1), List.of(0, 3, 0), List.of(0, 0, 3)), m.get("confusion"));
        assertTrue(m.containsKey("top5Accuracy"));
        assertNull(m.get("top5Accuracy"));
        assertEquals(1, ((List<Object>) m.get("skipped")).size());
        assertTrue(run.err().contains("skipped " + Path.of("red", "broken.jpg")), run.err());
    }

    @Test
    void evaluate_printsReadableTables() throws Exception {
        Path data = ColourFixtures.colourFolders(dir.resolve("data"), 3);
        Path model = ColourFixtures.rgbModel(dir.resolve("rgb.onnx"));
        CliRun run = graft("evaluate", "-m", model.toString(), "--data", data.toString());
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        String out = run.out();
        assertTrue(out.contains("Evaluated 10 images of 3 classes"), out);
        assertTrue(out.contains("(1 skipped)"), out);
        assertTrue(out.contains("Accuracy           0.9000  (9 of 10)"), out);
        assertTrue(out.contains("Top-5 accuracy     -"), out);
        List<String> lines = run.lines();
        assertTrue(lines.contains("class  images  precision  recall      F1"), out);
        assertTrue(lines.contains("red         4     1.0000  0.7500  0.8571"), out);
        assertTrue(lines.contains("blue        3     0.7500  1.0000  0.8571"), out);
        assertTrue(lines.contains("true \\ predicted  red  green  blue"), out);
        assertTrue(lines.contains("red                 3      0     1"), out);
        assertFalse(out.contains("{"), "no JSON without --json");
    }

    @Test
    void evaluate_topKBelowFiveStillMeasuresTopFive() throws Exception {
        Path data = dir.resolve("data");
        ColourFixtures.image(data.resolve("c2/a.png"), Color.RED); // rank 4 of 6
        Path model = ColourFixtures.sixClassModel(dir.resolve("six.onnx"));
        CliRun run =
                graft(
                        "evaluate",
                        "--model",
                        model.toString(),
                        "--data",
                        data.toString(),
                        "--top-k",
                        "1",
                        "--json");
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        Map<?, ?> m = GraftJson.readObject(run.lastLine());
        assertEquals(0.0, m.get("accuracy"));
        assertEquals(1.0, m.get("top5Accuracy"));
    }

    @Test
    void evaluate_missingModelExitsWithBadModel() throws Exception {
        Path data = ColourFixtures.colourFolders(dir.resolve("data"), 1);
        Path missing = dir.resolve("nope.onnx");
        CliRun run = graft("evaluate", "--model", missing.toString(), "--data", data.toString());
        assertEquals(ExitCodes.BAD_MODEL, run.exitCode());
        assertTrue(run.err().contains(missing.toString()), run.err());
        assertEquals("", run.out());
    }

    @Test
    void evaluate_classTheModelLacksExitsWithUsageNamingIt() throws Exception {
        Path data = dir.resolve("data");
        ColourFixtures.image(data.resolve("red/r.png"), Color.RED);
        ColourFixtures.image(data.resolve("yellow/y.png"), Color.YELLOW);
        Path model = ColourFixtures.rgbModel(dir.resolve("rgb.onnx"));
        CliRun run =
                graft("evaluate", "--model", model.toString(), "--data", data.toString(), "--json");
        assertEquals(ExitCodes.USAGE, run.exitCode());
        assertTrue(run.err().contains("Class 'yellow' of the data is not among"), run.err());
        assertTrue(run.err().contains(data.toString()), run.err());
        assertEquals("", run.out());
    }

    @Test
    void evaluate_classNamesNameNumberedClasses_andAWrongCountIsUsage() throws Exception {
        Path data = dir.resolve("data");
        ColourFixtures.image(data.resolve("0/r.png"), Color.RED);
        ColourFixtures.image(data.resolve("1/g.png"), Color.GREEN);
        ColourFixtures.image(data.resolve("2/b.png"), Color.BLUE);
        Path model = ColourFixtures.rgbModel(dir.resolve("rgb.onnx"));
        Path names = Files.writeString(dir.resolve("names.txt"), "red\ngreen\nblue\n");
        CliRun numbered =
                graft("evaluate", "--model", model.toString(), "--data", data.toString(), "--json");
        assertEquals(ExitCodes.USAGE, numbered.exitCode(), "classes 0, 1, 2 are not model labels");

        CliRun run =
                graft(
                        "evaluate",
                        "--model",
                        model.toString(),
                        "--data",
                        data.toString(),
                        "--class-names",
                        names.toString(),
                        "--json");
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        assertTrue(run.lastLine().contains("\"accuracy\":1.0"), run.lastLine());

        Path two = Files.writeString(dir.resolve("two.txt"), "red\ngreen\n");
        CliRun wrong =
                graft(
                        "evaluate",
                        "--model",
                        model.toString(),
                        "--data",
                        data.toString(),
                        "--class-names",
                        two.toString());
        assertEquals(ExitCodes.USAGE, wrong.exitCode());
        assertTrue(wrong.err().contains(two + " names 2 classes, but the data has 3"), wrong.err());
    }

    @Test
    void evaluate_missingDataFolderOrOptionIsUsage() {
        Path model = ColourFixtures.rgbModel(dir.resolve("rgb.onnx"));
        Path missing = dir.resolve("no-such-folder");
        CliRun run = graft("evaluate", "--model", model.toString(), "--data", missing.toString());
        assertEquals(ExitCodes.USAGE, run.exitCode());
        assertTrue(run.err().contains(missing.toString()), run.err());
        CliRun noData = graft("evaluate", "--model", model.toString());
        assertEquals(ExitCodes.USAGE, noData.exitCode());
        assertTrue(noData.err().contains("--data"), noData.err());
    }

    @Test
    void evaluate_realSqueezeNetOnPhotographsThroughTheSdk() throws Exception {
        Path model = TestData.require("models/squeezenet1.1.onnx");
        Path labels = TestData.require("labels/imagenet_classes.txt");
        Path squirrel = TestData.require("images/squirrel_cls.jpg");
        Path dog = TestData.require("images/dog_golden_retriever_winml.jpg");
        // Class folders named as the model's labels, linking to the shared photographs.
        Path data = dir.resolve("data");
        String fox = "fox squirrel, eastern fox squirrel, Sciurus niger";
        Files.createDirectories(data.resolve(fox));
        Files.createDirectories(data.resolve("golden retriever"));
        Files.createSymbolicLink(data.resolve(fox).resolve("squirrel.jpg"), squirrel);
        Files.createSymbolicLink(data.resolve("golden retriever").resolve("dog.jpg"), dog);
        CliRun run =
                graft(
                        "evaluate",
                        "--model",
                        model.toString(),
                        "--labels",
                        labels.toString(),
                        "--preprocess",
                        "caffe",
                        "--data",
                        data.toString(),
                        "--json");
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        Map<?, ?> m = GraftJson.readObject(run.lastLine());
        assertEquals(1.0, m.get("accuracy"));
        assertEquals(1.0, m.get("top5Accuracy"), "1000 labels: top-5 is measured");
        // Of the 1000 labels only those with images (or predictions) are reported.
        assertEquals(List.of("golden retriever", fox), m.get("classes"));
    }

    @Test
    void evaluate_realImageNetModelCannotEvaluateAntsAndBees() {
        Path model = TestData.require("models/squeezenet1.1.onnx");
        Path labels = TestData.require("labels/imagenet_classes.txt");
        Path val = TestData.require("datasets/hymenoptera/val");
        CliRun run =
                graft(
                        "evaluate",
                        "--model",
                        model.toString(),
                        "--labels",
                        labels.toString(),
                        "--preprocess",
                        "caffe",
                        "--data",
                        val.toString());
        assertEquals(ExitCodes.USAGE, run.exitCode());
        assertTrue(
                run.err()
                        .contains(
                                "Classes 'ants', 'bees' of the data are not among the 1000"
                                        + " labels"),
                run.err());
    }
}
