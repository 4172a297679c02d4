package ai.graft.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.GraftJson;
import ai.graft.sdk.Classification;
import ai.graft.sdk.ImageClassifier;
import java.awt.Color;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GraftSparkTest {
    @TempDir Path dir;

    record Run(int exitCode, String out, String err) {}

    static Run graftSpark(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = GraftSpark.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    private static List<Map<String, Object>> jsonLines(Path folder) throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Stream<Path> s = Files.list(folder)) {
            for (Path part : s.filter(p -> p.getFileName().toString().endsWith(".json")).toList()) {
                for (String line : Files.readAllLines(part)) {
                    rows.add(GraftJson.readObject(line));
                }
            }
        }
        return rows;
    }

    @Test
    void classify_writesJsonLinesShapedLikePredict() throws Exception {
        SparkTests.spark();
        Path model = SparkTests.colourModel(dir.resolve("colours-cli.onnx"));
        Path in = dir.resolve("in");
        SparkTests.png(in.resolve("red.png"), Color.RED, 0, 1);
        SparkTests.png(in.resolve("b/blue.png"), Color.BLUE, 0, 2);
        Files.writeString(in.resolve("broken.jpg"), "not a JPEG");
        Path out = dir.resolve("out");

        Run run =
                graftSpark(
                        "classify",
                        "--master",
                        "local[2]",
                        "--model",
                        model.toString(),
                        "--images",
                        in.toString(),
                        "--out",
                        out.toString(),
                        "--format",
                        "json",
                        "--top-k",
                        "2");

        assertEquals(GraftSpark.OK, run.exitCode(), run.err());
        assertTrue(run.out().startsWith("3 images (1 unreadable)"), run.out());
        List<Map<String, Object>> rows = jsonLines(out);
        assertEquals(3, rows.size(), rows.toString());
        try (ImageClassifier sdk = ImageClassifier.createFromFile(model)) {
            for (Map<String, Object> row : rows) {
                String path = (String) row.get("path");
                if (path.endsWith("broken.jpg")) {
                    assertEquals(List.of("path", "error"), List.copyOf(row.keySet()));
                    assertTrue(((String) row.get("error")).contains("broken.jpg"), row.toString());
                    continue;
                }
                assertEquals(List.of("path", "top"), List.copyOf(row.keySet()));
                List<?> top = (List<?>) row.get("top");
                assertEquals(2, top.size());
                Map<?, ?> best = (Map<?, ?>) top.get(0);
                assertEquals(List.of("index", "label", "score"), List.copyOf(best.keySet()));
                Classification expected = sdk.classify(Path.of(path));
                assertEquals(expected.best().index(), ((Number) best.get("index")).intValue());
                assertEquals(expected.best().label(), best.get("label"));
                assertEquals(
                        expected.best().score(), ((Number) best.get("score")).floatValue(), 1e-6);
            }
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertFalse(
                    s.anyMatch(p -> p.getFileName().toString().startsWith(".out.tmp")),
                    "the temporary output folder is gone");
        }

        Run again =
                graftSpark(
                        "classify",
                        "--model",
                        model.toString(),
                        "--images",
                        in.toString(),
                        "--out",
                        out.toString());
        assertEquals(GraftSpark.USAGE, again.exitCode());
        assertTrue(again.err().contains("already exists"), again.err());
    }

    @Test
    void commands_refuseHostileInputNamingIt() throws Exception {
        Path model = SparkTests.colourModel(dir.resolve("colours-bad.onnx"));
        Path in = Files.createDirectories(dir.resolve("in"));
        Path notOnnx = Files.writeString(dir.resolve("text.onnx"), "not a model");
        String out = dir.resolve("out").toString();
        String[][] cases = {
            {"--master", "bogus://x", "--model", model.toString(), "--images", in.toString()},
            {"--master", "local[0]", "--model", model.toString(), "--images", in.toString()},
            {"--model", dir.resolve("missing.onnx").toString(), "--images", in.toString()},
            {"--model", model.toString(), "--images", dir.resolve("none").toString()},
            {"--model", model.toString(), "--images", model.toString()},
            {"--model", model.toString(), "--images", in.toString(), "--top-k", "0"},
            {"--model", model.toString(), "--images", in.toString(), "--batch-size", "-3"},
            {"--model", model.toString(), "--images", in.toString(), "--format", "xml"},
            {"--model", model.toString(), "--images", in.toString(), "--top-k", "many"},
        };
        String[] expected = {
            "Invalid --master 'bogus://x'",
            "Invalid --master 'local[0]'",
            "Model file not found",
            "Images folder not found",
            "Images path is not a folder",
            "top-k 0 is out of range",
            "batch size -3 is out of range",
            "Unknown format 'xml'",
            "'many' is not an int"
        };
        for (int i = 0; i < cases.length; i++) {
            List<String> args = new ArrayList<>(List.of("classify", "--out", out));
            args.addAll(List.of(cases[i]));
            Run run = graftSpark(args.toArray(String[]::new));
            assertEquals(GraftSpark.USAGE, run.exitCode(), args + ": " + run.err());
            assertTrue(run.err().contains(expected[i]), args + ": " + run.err());
        }
        Run bad =
                graftSpark(
                        "classify",
                        "--model",
                        notOnnx.toString(),
                        "--images",
                        in.toString(),
                        "--out",
                        out);
        assertEquals(GraftSpark.BAD_MODEL, bad.exitCode(), bad.err());
        assertTrue(bad.err().contains("text.onnx"), bad.err());
        Run labels =
                graftSpark(
                        "classify",
                        "--model",
                        model.toString(),
                        "--images",
                        in.toString(),
                        "--out",
                        out,
                        "--labels",
                        dir.resolve("missing-labels.txt").toString());
        assertEquals(GraftSpark.BAD_MODEL, labels.exitCode(), labels.err());
        assertTrue(labels.err().contains("missing-labels.txt"), labels.err());
        Run train =
                graftSpark(
                        "train",
                        "--backbone",
                        model.toString(),
                        "--images",
                        in.toString(),
                        "--out",
                        out,
                        "--val-fraction",
                        "1.5");
        assertEquals(GraftSpark.USAGE, train.exitCode(), train.err());
        assertTrue(train.err().contains("validation fraction 1.5"), train.err());
        // An embedding from a model whose card names no embedding output, or from an output it
        // does not have: refused on the driver, before Spark starts a task.
        String[][] embeds = {
            {"embed", "--model", model.toString(), "--images", in.toString(), "--out", out},
            {
                "embed",
                "--model",
                model.toString(),
                "--images",
                in.toString(),
                "--out",
                out,
                "--output",
                "nope"
            }
        };
        String[] embedExpected = {"names no embedding output", "Unknown output 'nope'"};
        for (int i = 0; i < embeds.length; i++) {
            Run run = graftSpark(embeds[i]);
            assertEquals(GraftSpark.USAGE, run.exitCode(), run.err());
            assertTrue(run.err().contains(embedExpected[i]), run.err());
        }
        assertFalse(Files.exists(Path.of(out)));
    }
}
