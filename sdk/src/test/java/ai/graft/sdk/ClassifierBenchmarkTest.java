package ai.graft.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.testing.TinyOnnx;
import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassifierBenchmarkTest {
    @TempDir Path dir;

    @Test
    void run_loopsUntilMinClassifications_countingFailures() throws Exception {
        Path model = TinyOnnx.rgbClassifier().write(dir.resolve("rgb.onnx"));
        List<Path> images = new ArrayList<>();
        Color[] colours = {Color.RED, Color.GREEN, Color.BLUE};
        for (int i = 0; i < 3; i++) {
            Path p = dir.resolve("img" + i + ".png");
            Files.write(p, ImageClassifierTest.png(ImageClassifierTest.solidImage(colours[i])));
            images.add(p);
        }
        images.add(Files.writeString(dir.resolve("broken.jpg"), "not a jpeg"));
        List<String> progress = new ArrayList<>();
        ImageClassifierOptions options =
                ImageClassifierOptions.builder()
                        .labels(List.of("red", "green", "blue"))
                        .preprocessing(Preprocessing.unit(224, 224))
                        .intraOpThreads(1)
                        .build();
        try (ImageClassifier c = ImageClassifier.create(model, options)) {
            ClassifierBenchmark.Report r =
                    ClassifierBenchmark.run(
                            c, images, new ClassifierBenchmark.Options(2, 20, progress::add));
            assertEquals(4, r.images());
            assertEquals(15, r.classified());
            assertEquals(5, r.failed());
            assertEquals(1, r.threads());
            assertTrue(r.imagesPerSecond() > 0);
            assertTrue(r.decodeMs() > 0 && r.preprocessMs() > 0 && r.inferenceMs() > 0);
            assertTrue(r.p50LatencyMs() > 0 && r.p95LatencyMs() >= r.p50LatencyMs());
            assertTrue(r.ortOnlyMs() > 0);
            assertEquals(1000 / r.ortOnlyMs(), r.ortOnlyImagesPerSecond(), 1e-6);
            if (Files.exists(Path.of("/proc/self/status"))) {
                assertTrue(r.rssStartMb() > 0 && r.rssPeakMb() >= r.rssEndMb());
            }
            assertTrue(
                    progress.stream().anyMatch(s -> s.contains("broken.jpg")), progress.toString());
            assertTrue(r.format().contains("images/s"));
            // Three at once: the same work, counted once each, from three threads.
            ClassifierBenchmark.Report three =
                    ClassifierBenchmark.run(
                            c, images, new ClassifierBenchmark.Options(2, 20, null, 3));
            assertEquals(15, three.classified());
            assertEquals(5, three.failed());
            assertEquals(3, three.concurrency());
            assertEquals(1, r.concurrency());
            assertTrue(three.p50LatencyMs() > 0 && three.inferenceMs() > 0);
            assertThrows(
                    IllegalArgumentException.class,
                    () -> new ClassifierBenchmark.Options(0, 1, null, 0));
            // A null progress consumer is allowed.
            ClassifierBenchmark.run(
                    c, images.subList(0, 1), new ClassifierBenchmark.Options(0, 1, null));
        }
        IllegalArgumentException negative =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> new ClassifierBenchmark.Options(0, -1, null));
        assertTrue(negative.getMessage().contains("got -1"), negative.getMessage());
    }

    @Test
    void run_zeroMinClassificationsClassifiesEachImageOnceAndNamesEachFailedImage()
            throws Exception {
        Path model = TinyOnnx.rgbClassifier().write(dir.resolve("rgb.onnx"));
        Path red = dir.resolve("red.png");
        Files.write(red, ImageClassifierTest.png(ImageClassifierTest.solidImage(Color.RED)));
        Path text = Files.writeString(dir.resolve("text.jpg"), "not a jpeg");
        Path empty = Files.write(dir.resolve("empty.png"), new byte[0]);
        ImageClassifierOptions options =
                ImageClassifierOptions.builder()
                        .labels(List.of("red", "green", "blue"))
                        .preprocessing(Preprocessing.unit(224, 224))
                        .intraOpThreads(1)
                        .build();
        try (ImageClassifier c = ImageClassifier.create(model, options)) {
            ClassifierBenchmark.Report once =
                    ClassifierBenchmark.run(
                            c,
                            List.of(text, red, empty),
                            new ClassifierBenchmark.Options(0, 0, null));
            assertEquals(1, once.classified());
            assertEquals(2, once.failed());
            assertEquals(2, once.failures().size(), once.failures().toString());
            assertEquals(text, once.failures().get(0).image());
            assertEquals(empty, once.failures().get(1).image());
            for (ClassifierBenchmark.Failure f : once.failures()) {
                assertTrue(
                        f.reason().contains(f.image().getFileName().toString()),
                        "the reason names the file: " + f);
            }
            assertTrue(once.format().contains("failed: " + text + ": "), once.format());

            // Cycling through the list: each failed image is named once, every failure counted.
            ClassifierBenchmark.Report cycled =
                    ClassifierBenchmark.run(
                            c, List.of(red, text), new ClassifierBenchmark.Options(0, 6, null, 2));
            assertEquals(3, cycled.classified());
            assertEquals(3, cycled.failed());
            assertEquals(List.of(text), cycled.failures().stream().map(f -> f.image()).toList());
        }
    }

    @Test
    void percentile_isNearestRank() {
        double[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(5, ClassifierBenchmark.percentile(v, 0.5));
        assertEquals(10, ClassifierBenchmark.percentile(v, 0.95));
        assertEquals(0, ClassifierBenchmark.percentile(new double[0], 0.5));
    }

    /**
     * SqueezeNet 1.1 on the hymenoptera validation photographs; {@code -Dgraft.benchmark.min=N}
     * sets the number of classifications (default 50). Prints the report.
     */
    @Test
    void run_squeezenetOnHymenopteraVal() throws Exception {
        Path model = TestData.require("models/squeezenet1.1.onnx");
        Path val = TestData.require("datasets/hymenoptera/val");
        List<Path> images;
        try (Stream<Path> s = Files.walk(val)) {
            images = s.filter(p -> p.toString().toLowerCase().endsWith(".jpg")).sorted().toList();
        }
        int min = Integer.getInteger("graft.benchmark.min", 50);
        ImageClassifierOptions options =
                ImageClassifierOptions.builder()
                        .preprocessing(Preprocessing.caffe(224, 224))
                        .labelsFile(TestData.require("labels/imagenet_classes.txt"))
                        .build();
        try (ImageClassifier c = ImageClassifier.create(model, options)) {
            ClassifierBenchmark.Report r =
                    ClassifierBenchmark.run(
                            c,
                            images,
                            new ClassifierBenchmark.Options(5, min, System.out::println));
            System.out.println(r);
            System.out.println(r.format());
            assertEquals(images.size(), r.images());
            assertEquals(0, r.failed());
            assertEquals(Math.max(min, images.size()), r.classified());
            assertTrue(r.ortOnlyMs() > 0 && r.ortOnlyImagesPerSecond() > 0);
        }
    }
}
