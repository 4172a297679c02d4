package ai.graft.trainer.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.ImageClassifier;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoTest {
    @TempDir Path dir;

    @Test
    void shapes_areSeededAndNamedShapesOnly() throws Exception {
        BufferedImage a = SyntheticShapes.draw("star", 32, new Random(3));
        BufferedImage b = SyntheticShapes.draw("star", 32, new Random(3));
        BufferedImage c = SyntheticShapes.draw("star", 32, new Random(4));
        assertArrayEquals(pixels(a), pixels(b));
        assertFalse(java.util.Arrays.equals(pixels(a), pixels(c)));
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> SyntheticShapes.draw("blob", 32, new Random(1)));
        assertTrue(e.getMessage().contains("blob") && e.getMessage().contains("circle"));
        SyntheticShapes.write(dir, List.of("circle", "arrow"), 3, 24, 1);
        try (Stream<Path> files = Files.walk(dir)) {
            assertEquals(6, files.filter(f -> f.toString().endsWith(".png")).count());
        }
    }

    /**
     * The demo's claim on a smaller seeded run (32 x 32 images, 40 per class pretrained for 8
     * epochs, 8 per class transferred, 100 test images): transfer 0.550 against scratch 0.350 when
     * measured; seed 8 gives 0.430 against 0.300.
     */
    @Test
    void run_small_transferBeatsScratchByTenPoints_endToEnd() throws Exception {
        Demo.Options small =
                new Demo.Options(dir.resolve("demo"), "smallcnn", 32, 40, 8, 8, 20, 20, 7);
        List<String> log = new ArrayList<>();
        Demo.Result r = Demo.run(small, log::add);
        assertEquals(20 * SyntheticShapes.TARGET_TASK.size(), r.testImages());
        assertTrue(
                r.transferAccuracy() >= r.scratchAccuracy() + 0.10,
                "transfer "
                        + r.transferAccuracy()
                        + " vs scratch "
                        + r.scratchAccuracy()
                        + "\n"
                        + String.join("\n", log));
        assertTrue(log.stream().anyMatch(l -> l.startsWith("3/3")), String.join("\n", log));
        try (ImageClassifier model = ImageClassifier.createFromFile(r.transferModel())) {
            assertEquals(
                    SyntheticShapes.TARGET_TASK.stream().sorted().toList(), model.card().labels());
        }
    }

    /**
     * What {@code graft demo} shows with its defaults: measured transfer 0.620 against scratch
     * 0.385 on 200 test images (README). Minutes on two cores.
     */
    @Test
    @Tag("slow")
    void run_defaults_transferBeatsScratchByTenPoints() throws Exception {
        List<String> log = new ArrayList<>();
        Demo.Result r = Demo.run(Demo.Options.defaults(dir.resolve("demo")), log::add);
        assertEquals(200, r.testImages());
        assertTrue(
                r.transferAccuracy() >= r.scratchAccuracy() + 0.10,
                "transfer "
                        + r.transferAccuracy()
                        + " vs scratch "
                        + r.scratchAccuracy()
                        + "\n"
                        + String.join("\n", log));
        assertTrue(r.sourceAccuracy() >= 0.7, "the backbone learned its own task: " + r);
    }

    private static int[] pixels(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }
}
