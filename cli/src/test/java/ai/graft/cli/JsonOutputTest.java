package ai.graft.cli;

import static ai.graft.cli.CliRun.graft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.GraftJson;
import ai.graft.converter.zoo.BackboneZoo;
import ai.graft.sdk.testing.TinyOnnx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --json} on the commands that write a model: one object a run, naming the file. */
class JsonOutputTest {
    @TempDir Path dir;

    private static Map<?, ?> onlyObject(CliRun run) {
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        List<String> lines = run.lines();
        assertEquals(1, lines.size(), run.out());
        return GraftJson.readObject(lines.get(0));
    }

    @Test
    void zoo_listsAndWritesAsJson() {
        Map<?, ?> list = onlyObject(graft("zoo", "--json"));
        assertEquals(BackboneZoo.names(), list.get("architectures"));

        Path out = dir.resolve("small.onnx");
        Map<?, ?> written =
                onlyObject(
                        graft(
                                "zoo",
                                "smallcnn",
                                "--classes",
                                "3",
                                "--size",
                                "32",
                                "--out",
                                out.toString(),
                                "--json"));
        assertEquals(out.toString(), written.get("path"));
        assertEquals("smallcnn", written.get("architecture"));
        assertEquals(3, ((Number) written.get("classes")).intValue());
        assertEquals(32, ((Number) written.get("size")).intValue());
        assertTrue(Files.isRegularFile(out));
    }

    @Test
    void zoo_writesAtTheArchitecturesDefaultSizeWithoutSize() {
        Path small = dir.resolve("small.onnx");
        Map<?, ?> smallCnn =
                onlyObject(
                        graft(
                                "zoo",
                                "smallcnn",
                                "--classes",
                                "2",
                                "--out",
                                small.toString(),
                                "--json"));
        assertEquals(224, ((Number) smallCnn.get("size")).intValue());
        Path inception = dir.resolve("inception.onnx");
        Map<?, ?> inceptionV3 =
                onlyObject(
                        graft(
                                "zoo",
                                "inception_v3",
                                "--classes",
                                "2",
                                "--out",
                                inception.toString(),
                                "--json"));
        assertEquals(299, ((Number) inceptionV3.get("size")).intValue());
        CliRun inspect = graft("inspect", inception.toString(), "--json");
        assertEquals(ExitCodes.OK, inspect.exitCode(), inspect.err());
        Map<?, ?> inspected = GraftJson.readObject(inspect.out().strip());
        Map<?, ?> input = (Map<?, ?>) ((List<?>) inspected.get("inputs")).get(0);
        assertEquals(299, ((Number) ((List<?>) input.get("shape")).get(3)).intValue());
    }

    @Test
    void annotateAndConvert_reportAsJson() throws IOException {
        Path model = TinyOnnx.rgbClassifier().write(dir.resolve("colours.onnx"));
        Path labels = Files.writeString(dir.resolve("labels.txt"), "red\ngreen\nblue\n");
        Path card = dir.resolve("card.onnx");
        Map<?, ?> annotated =
                onlyObject(
                        graft(
                                "annotate",
                                model.toString(),
                                "--labels",
                                labels.toString(),
                                "--preprocess",
                                "imagenet",
                                "--out",
                                card.toString(),
                                "--json"));
        assertEquals(card.toString(), annotated.get("path"));
        assertEquals(3, ((Number) annotated.get("labels")).intValue());
        Map<?, ?> preprocess = (Map<?, ?>) annotated.get("preprocess");
        assertEquals("RGB", preprocess.get("color"));

        Path converted = dir.resolve("dynamic.onnx");
        Map<?, ?> result =
                onlyObject(
                        graft(
                                "convert",
                                card.toString(),
                                "--dynamic-batch",
                                "--out",
                                converted.toString(),
                                "--json"));
        assertEquals(converted.toString(), result.get("path"));
        assertEquals(List.of("dynamic batch"), result.get("edits"));
        assertTrue(((Number) result.get("maxAbsDiff")).doubleValue() <= 1e-4, result.toString());
        assertTrue(Files.isRegularFile(converted));
    }
}
