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

    @Test
    void run_pretrainsTransfersAndComparesWithScratchEndToEnd() throws Exception {
        Demo.Options tiny = new Demo.Options(dir.resolve("demo"), "smallcnn", 32, 6, 1, 2, 2, 1, 3);
        List<String> log = new ArrayList<>();
        Demo.Result r = Demo.run(tiny, log::add);
        assertEquals(2 * SyntheticShapes.TARGET_TASK.size(), r.testImages());
        for (double accuracy : new double[] {r.transferAccuracy(), r.scratchAccuracy()}) {
            assertTrue(accuracy >= 0 && accuracy <= 1, "accuracy " + accuracy);
        }
        assertTrue(log.stream().anyMatch(l -> l.startsWith("3/3")), String.join("\n", log));
        try (ImageClassifier model = ImageClassifier.createFromFile(r.transferModel())) {
            assertEquals(
                    SyntheticShapes.TARGET_TASK.stream().sorted().toList(), model.card().labels());
        }
    }

    private static int[] pixels(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }
}
