package ai.graft.trainer.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.GraftJson;
import ai.graft.converter.checkpoint.EpochMetrics;
import ai.graft.sdk.GraftException;
import ai.graft.trainer.data.Skipped;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportsTest {
    @TempDir Path dir;

    static TrainingSummary summary() {
        Map<String, Object> hyper = new LinkedHashMap<>();
        hyper.put("epochs", 12);
        hyper.put("learningRate", 0.01);
        hyper.put("cacheDir", Path.of("/tmp/cache")); // not a JSON type: written as text
        hyper.put("augment", List.of("hflip", "rotate"));
        return new TrainingSummary(
                "squeezenet1.1.onnx",
                "features",
                "ab12",
                120,
                3,
                12,
                9,
                42,
                hyper,
                Map.of("graft", "0.1.0"),
                List.of(
                        new Skipped("a/broken.jpg", "Cannot decode a/broken.jpg"),
                        new Skipped("b/empty.png", "empty file")),
                "Frozen backbone, linear head.");
    }

    @Test
    @SuppressWarnings("unchecked")
    void write_writesAllSixFilesConsistently() throws Exception {
        Path out = dir.resolve("run/out");
        List<EpochMetrics> epochs = PlotsTest.curve(12);
        EpochMetrics first = epochs.get(0);
        epochs.set(
                0,
                new EpochMetrics(
                        1,
                        first.trainLoss(),
                        first.trainAccuracy(),
                        Double.NaN,
                        Double.NaN,
                        0.001,
                        100,
                        2));
        Reports.write(out, summary(), EvaluationResultTest.sample(), epochs, null, null);

        for (String name :
                List.of(
                        "report.json",
                        "report.md",
                        "metrics.csv",
                        "metrics.json",
                        "learning-curves.png",
                        "confusion-matrix.png")) {
            assertTrue(Files.size(out.resolve(name)) > 0, name);
        }
        assertNotNull(ImageIO.read(out.resolve("learning-curves.png").toFile()));
        assertNotNull(ImageIO.read(out.resolve("confusion-matrix.png").toFile()));
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(6, files.count(), "no temporary files left");
        }

        List<String> csv = Files.readAllLines(out.resolve("metrics.csv"));
        assertEquals(Reports.CSV_HEADER, csv.get(0));
        assertEquals(13, csv.size());
        assertTrue(
                csv.get(1)
                        .startsWith(
                                "1,"
                                        + first.trainLoss()
                                        + ","
                                        + first.trainAccuracy()
                                        + ",,,0.001,100.0,2.0"),
                csv.get(1));
        String[] row12 = csv.get(12).split(",");
        assertEquals("12", row12[0]);
        assertEquals(epochs.get(11).valAccuracy(), Double.parseDouble(row12[4]), 0);

        JsonNode metrics = GraftJson.read(Files.readString(out.resolve("metrics.json")));
        assertTrue(metrics.isArray(), metrics.toString());
        assertEquals(12, metrics.size());
        JsonNode m1 = metrics.get(0);
        assertEquals(1, m1.get("epoch").intValue());
        assertTrue(m1.has("valLoss"));
        assertTrue(m1.get("valLoss").isNull());

        Map<String, Object> report =
                GraftJson.readObject(Files.readString(out.resolve("report.json")));
        assertEquals("features", report.get("strategy"));
        assertEquals(9, report.get("bestEpoch"));
        assertEquals(42, report.get("seed"));
        Map<String, Object> hyper = (Map<String, Object>) report.get("hyperparameters");
        assertEquals("/tmp/cache", hyper.get("cacheDir"));
        assertEquals(List.of("hflip", "rotate"), hyper.get("augment"));
        Map<String, Object> validation = (Map<String, Object>) report.get("validation");
        assertEquals(2.0 / 3, (Double) validation.get("accuracy"), 1e-12);
        assertEquals(12, ((List<Object>) report.get("history")).size());
        // The evaluation's skipped file is also in the summary: listed once.
        assertEquals(2, ((List<Object>) report.get("skipped")).size());

        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.startsWith("# Training report\n"), md);
        assertTrue(md.contains("| Strategy | features |"), md);
        assertTrue(md.contains("| Validation accuracy | 0.6667 |"), md);
        assertTrue(md.contains("](learning-curves.png)"), md);
        assertTrue(md.contains("](confusion-matrix.png)"), md);
        assertTrue(md.contains("## Evaluation"), md);
        assertTrue(md.contains("| 9 (best) |"), md);
        assertTrue(md.contains("| cacheDir | /tmp/cache |"), md);
        assertTrue(md.contains("| augment | [\"hflip\",\"rotate\"] |"), md);
        assertEquals(1, md.split("- `a/broken.jpg`", -1).length - 1, "skipped file listed once");
        assertTrue(md.contains("2 files could not be read"), md);
    }

    @Test
    void write_withoutValidationDrawsNoConfusionMatrix() throws Exception {
        Reports.write(dir, summary(), null, List.of(), null, null);
        assertTrue(Files.exists(dir.resolve("learning-curves.png")));
        assertTrue(Files.notExists(dir.resolve("confusion-matrix.png")));
        assertTrue(Files.readString(dir.resolve("report.md")).contains("No validation set"));
        assertEquals(Reports.CSV_HEADER + "\n", Files.readString(dir.resolve("metrics.csv")));
    }

    @Test
    void write_failureNamesTheFile() throws IOException {
        Path blocker = dir.resolve("file");
        Files.writeString(blocker, "not a folder");
        GraftException e =
                assertThrows(
                        GraftException.class,
                        () ->
                                Reports.write(
                                        blocker.resolve("out"),
                                        summary(),
                                        null,
                                        List.of(),
                                        null,
                                        null));
        assertTrue(e.getMessage().contains(blocker.resolve("out").toString()), e.getMessage());
    }
}
