package ai.graft.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparkClassifierTest {
    @TempDir Path dir;

    private Path folderWithBadFiles() throws Exception {
        Path in = dir.resolve("in");
        SparkTests.png(in.resolve("red.png"), Color.RED, 0, 1);
        SparkTests.png(in.resolve("sub/green.PNG"), Color.GREEN, 0, 2);
        SparkTests.png(in.resolve("sub/deeper/blue.png"), Color.BLUE, 0, 3);
        Files.writeString(in.resolve("broken.jpg"), "this is text, not a JPEG");
        byte[] png = Files.readAllBytes(in.resolve("red.png"));
        Files.write(in.resolve("truncated.png"), java.util.Arrays.copyOf(png, png.length / 3));
        Files.write(in.resolve("empty.jpg"), new byte[0]);
        Files.writeString(in.resolve("notes.txt"), "not an image: not read");
        return in;
    }

    @Test
    void classify_labelsEveryImageAndGivesErrorRowsForUnreadableOnes() throws Exception {
        SparkSession spark = SparkTests.spark();
        Path model = SparkTests.colourModel(dir.resolve("colours-classify.onnx"));
        Path in = folderWithBadFiles();
        SparkClassifier classifier =
                SparkClassifier.create(
                        spark,
                        model.toString(),
                        SparkClassifierOptions.builder().batchSize(2).topK(2).build());
        Dataset<Row> rows = classifier.classify(ImageRows.read(spark, in.toString()));
        assertEquals(ImageRows.CLASSIFIED, rows.schema());
        Map<String, Row> byName = new HashMap<>();
        for (Row r : rows.collectAsList()) {
            byName.put(Path.of(r.getString(0)).getFileName().toString(), r);
        }
        assertEquals(
                java.util.Set.of("red.png", "green.PNG", "blue.png", "broken.jpg", "truncated.png"),
                byName.keySet(),
                "Spark's file listing leaves out empty files");
        assertEquals(in.resolve("red.png").toString(), byName.get("red.png").getString(0));
        for (String[] expected :
                new String[][] {{"red.png", "red"}, {"green.PNG", "green"}, {"blue.png", "blue"}}) {
            Row r = byName.get(expected[0]);
            assertEquals(expected[1], r.getString(1), r.toString());
            assertTrue(r.getFloat(2) > 0.99f, r.toString());
            List<Row> top = r.getList(3);
            assertEquals(2, top.size());
            assertEquals(expected[1], top.get(0).getString(1));
            assertEquals(r.getFloat(2), top.get(0).getFloat(2));
            assertNull(r.get(4));
        }
        for (String bad : List.of("broken.jpg", "truncated.png")) {
            Row r = byName.get(bad);
            assertNull(r.get(1), r.toString());
            assertNull(r.get(3), r.toString());
            assertNotNull(r.getString(4), r.toString());
            assertTrue(r.getString(4).contains(bad), r.getString(4));
        }
    }

    @Test
    void embed_givesTheNamedOutputAsAVectorAndErrorsForUnreadableImages() throws Exception {
        SparkSession spark = SparkTests.spark();
        Path model = SparkTests.colourModel(dir.resolve("colours-embed.onnx"));
        Path in = folderWithBadFiles();
        SparkClassifier embedder =
                SparkClassifier.create(
                        spark,
                        model.toString(),
                        SparkClassifierOptions.builder().outputName("output").build());
        Dataset<Row> rows =
                embedder.embed(ImageRows.withClassFolder(ImageRows.read(spark, in.toString())));
        assertEquals(
                List.of(ImageRows.PATH, ImageRows.FEATURES, ImageRows.ERROR, ImageRows.CLASS),
                List.of(rows.columns()));
        int good = 0;
        for (Row r : rows.collectAsList()) {
            String name = Path.of(r.getString(0)).getFileName().toString();
            if (name.startsWith("red")) {
                Vector v = (Vector) r.get(1);
                // The logits of a pure red image at unit scale: 10 * mean(R) = 10.
                assertEquals(3, v.size());
                assertEquals(10, v.apply(0), 1e-4);
                assertEquals(0, v.apply(1), 1e-4);
                assertEquals("in", r.getString(3));
                good++;
            } else if (name.endsWith(".jpg") || name.startsWith("truncated")) {
                assertNull(r.get(1));
                assertTrue(r.getString(2).contains(name), r.getString(2));
            } else {
                assertNotNull(r.get(1), r.toString());
                good++;
            }
        }
        assertEquals(3, good);
    }

    @Test
    void create_refusesMissingFilesAndUnknownSchemes() {
        SparkSession spark = SparkTests.spark();
        SparkClassifierOptions o = SparkClassifierOptions.defaults();
        IllegalArgumentException missing =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> SparkClassifier.create(spark, dir.resolve("no.onnx").toString(), o));
        assertTrue(missing.getMessage().contains("Model file not found"), missing.getMessage());
        IllegalArgumentException folder =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> SparkClassifier.create(spark, dir.toString(), o));
        assertTrue(folder.getMessage().contains("not a file"), folder.getMessage());
        IllegalArgumentException scheme =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> SparkClassifier.create(spark, "ftp://host/model.onnx", o));
        assertTrue(scheme.getMessage().contains("unsupported scheme 'ftp'"), scheme.getMessage());
        IllegalArgumentException noFile =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> SparkClassifier.create(spark, "hdfs://nn/models/", o));
        assertTrue(noFile.getMessage().contains("names no file"), noFile.getMessage());
    }

    @Test
    void check_acceptsAModelWithoutACardGivenLabelsAndPreprocessing() throws Exception {
        Path bare = ai.graft.sdk.testing.TinyOnnx.rgbClassifier().write(dir.resolve("bare.onnx"));
        SparkClassifierOptions given =
                SparkClassifierOptions.builder()
                        .labels(List.of("r", "g", "b"))
                        .preprocessing("imagenet")
                        .build();
        SparkClassifier.check(bare, given);
        assertEquals(List.of("r", "g", "b"), given.sdkOptions().labels());
        ai.graft.sdk.ModelException none =
                assertThrows(
                        ai.graft.sdk.ModelException.class,
                        () -> SparkClassifier.check(bare, SparkClassifierOptions.defaults()));
        assertTrue(none.getMessage().contains("bare.onnx"), none.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> SparkClassifierOptions.builder().labels(List.of()).build());
    }

    @Test
    void options_refuseOutOfRangeNumbers() {
        assertThrows(
                IllegalArgumentException.class,
                () -> SparkClassifierOptions.builder().batchSize(0).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> SparkClassifierOptions.builder().batchSize(100_000).build());
        IllegalArgumentException k =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> SparkClassifierOptions.builder().topK(-1).build());
        assertEquals("top-k -1 is out of range, expected 1 to 1000", k.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> SparkClassifierOptions.builder().intraOpThreads(-2).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> SparkClassifierOptions.builder().outputName(" ").build());
    }

    @Test
    void displayPath_turnsFileUrisIntoPlainPaths() {
        assertEquals("/a b/c.jpg", ImageRows.displayPath("file:/a%20b/c.jpg"));
        assertEquals("/x/y.png", ImageRows.displayPath("file:///x/y.png"));
        assertEquals("hdfs://nn/x/y.png", ImageRows.displayPath("hdfs://nn/x/y.png"));
    }
}
