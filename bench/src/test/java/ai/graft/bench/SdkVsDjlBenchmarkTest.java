package ai.graft.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.GraftJson;
import ai.graft.sdk.TestData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tagged "djl-peer": runs in its own JVM, since DJL's OnnxRuntime engine must start first. */
@Tag("djl-peer")
class SdkVsDjlBenchmarkTest {

    @Test
    void run_withoutImages_isInvalidUsage() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code =
                SdkVsDjlBenchmark.run(
                        new String[] {"--model", "m.onnx"},
                        new PrintStream(new ByteArrayOutputStream()),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, code);
        assertTrue(
                err.toString(StandardCharsets.UTF_8).contains("--model and --images are required"),
                err::toString);
    }

    @Test
    void run_withBadNumber_namesTheOption() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code =
                SdkVsDjlBenchmark.run(
                        new String[] {"--model", "m", "--images", "d", "--min", "x"},
                        new PrintStream(new ByteArrayOutputStream()),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(2, code);
        assertTrue(
                err.toString(StandardCharsets.UTF_8).contains("Invalid value for --min: 'x'"),
                err::toString);
    }

    @Test
    void listImages_findsJpegAndPngRecursivelyOnly(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("a/b"));
        Files.write(dir.resolve("a/b/x.JPG"), new byte[1]);
        Files.write(dir.resolve("a/y.png"), new byte[1]);
        Files.write(dir.resolve("z.jpeg"), new byte[1]);
        Files.write(dir.resolve("w.gif"), new byte[1]);
        assertEquals(
                List.of(dir.resolve("a/b/x.JPG"), dir.resolve("a/y.png"), dir.resolve("z.jpeg")),
                SdkVsDjlBenchmark.listImages(dir));
    }

    @Test
    @SuppressWarnings("unchecked")
    void run_onTwoPhotosAndABrokenFile_skipsItAndAgreesOnTop1(@TempDir Path dir)
            throws IOException {
        Path model = TestData.require("models/squeezenet1.1.onnx");
        Path labels = TestData.require("labels/imagenet_classes.txt");
        for (String name : List.of("squirrel_cls.jpg", "dog_golden_retriever_winml.jpg")) {
            Files.copy(TestData.require("images/" + name), dir.resolve(name));
        }
        Files.writeString(dir.resolve("broken.jpg"), "not a JPEG");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code =
                SdkVsDjlBenchmark.run(
                        new String[] {
                            "--model",
                            model.toString(),
                            "--images",
                            dir.toString(),
                            "--labels",
                            labels.toString(),
                            "--min",
                            "4",
                            "--warmup",
                            "1",
                            "--json"
                        },
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        String stdout = out.toString(StandardCharsets.UTF_8);
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, () -> stdout + stderr);
        assertTrue(stderr.contains("broken.jpg"), stderr);
        String[] lines = stdout.strip().split("\n");
        Map<String, Object> json = GraftJson.readObject(lines[lines.length - 1]);
        assertEquals(2, json.get("images"));
        assertEquals(2, json.get("top1Agreement"));
        assertEquals(1, ((List<Object>) json.get("skipped")).size());
        double graft = (Double) json.get("graftImagesPerSecond");
        double djl = (Double) json.get("djlImagesPerSecond");
        assertTrue(graft > 0 && djl > 0, stdout);
        assertEquals(graft / djl, (Double) json.get("ratio"), 1e-9);
        assertEquals(4, ((Map<String, Object>) json.get("djl")).get("classified"));
    }
}
