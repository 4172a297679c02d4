package ai.graft.trainer.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.checkpoint.EpochMetrics;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {
    @TempDir Path dir;

    static List<EpochMetrics> curve(int n) {
        List<EpochMetrics> epochs = new ArrayList<>();
        for (int e = 1; e <= n; e++) {
            double loss = 1.6 * Math.exp(-e / 6.0) + 0.1;
            epochs.add(
                    new EpochMetrics(
                            e,
                            loss,
                            1 - 0.7 * Math.exp(-e / 5.0),
                            loss + 0.05 + 0.01 * e / n,
                            0.95 - 0.7 * Math.exp(-e / 5.0),
                            0.01 * Math.cos(Math.PI * e / (2 * n)),
                            250,
                            0.4));
        }
        return epochs;
    }

    private static BufferedImage read(Path png) throws IOException {
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, png + " is not a decodable image");
        return image;
    }

    /** Pixels of roughly this colour (each channel within 40). */
    private static int count(BufferedImage image, int rgb) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int p = image.getRGB(x, y);
                if (Math.abs(((p >> 16) & 255) - ((rgb >> 16) & 255)) < 40
                        && Math.abs(((p >> 8) & 255) - ((rgb >> 8) & 255)) < 40
                        && Math.abs((p & 255) - (rgb & 255)) < 40) {
                    n++;
                }
            }
        }
        return n;
    }

    private void assertNoTemporaryFiles() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")));
        }
    }

    @Test
    void learningCurves_writesADecodablePngWithBothSeries() throws IOException {
        Path png = dir.resolve("curves.png");
        Plots.learningCurves(curve(30), png);
        BufferedImage image = read(png);
        assertEquals(1200, image.getWidth());
        assertEquals(480, image.getHeight());
        assertTrue(count(image, 0x1f77b4) > 500, "train line (blue) drawn");
        assertTrue(count(image, 0xff7f0e) > 500, "validation line (orange) drawn");
        assertTrue(count(image, 0x222222) > 200, "text drawn");
        assertNoTemporaryFiles();
    }

    @Test
    void learningCurves_copesWithNoEpochsOneEpochAndMissingValidation() throws IOException {
        Plots.learningCurves(List.of(), dir.resolve("none.png"));
        assertEquals(1200, read(dir.resolve("none.png")).getWidth());
        Plots.learningCurves(
                List.of(new EpochMetrics(1, 0.7, 0.5, 0.69, 0.55, 0.01, 10, 1)),
                dir.resolve("one.png"));
        assertTrue(count(read(dir.resolve("one.png")), 0xff7f0e) > 20);
        List<EpochMetrics> noVal = new ArrayList<>();
        for (EpochMetrics e : curve(5)) {
            noVal.add(
                    new EpochMetrics(
                            e.epoch(),
                            e.trainLoss(),
                            e.trainAccuracy(),
                            Double.NaN,
                            Double.NaN,
                            e.learningRate(),
                            e.imagesPerSecond(),
                            e.seconds()));
        }
        Path png = dir.resolve("noval.png");
        Plots.learningCurves(noVal, png);
        BufferedImage image = read(png);
        assertTrue(count(image, 0x1f77b4) > 200);
        // Only the legend's sample of the validation colour remains.
        assertTrue(count(image, 0xff7f0e) < 120, "no validation line");
    }

    @Test
    void confusionMatrix_shadesCellsByShareOfTheTrueClass() throws IOException {
        EvaluationResult r = EvaluationResultTest.sample();
        Path png = dir.resolve("confusion.png");
        Plots.confusionMatrix(r, png);
        BufferedImage image = read(png);
        assertTrue(image.getWidth() >= 520);
        // Class 'b' (row 1) is all correct: its diagonal cell is the darkest blue.
        int darkest = Plots.heat(1.0).getRGB() & 0xffffff;
        assertTrue(count(image, darkest) > 100, "a full-share cell is drawn");
        assertNoTemporaryFiles();
        // Overwriting works and stays decodable.
        Plots.confusionMatrix(r, png);
        read(png);
    }

    @Test
    void confusionMatrix_scalesDownForManyClasses() throws IOException {
        int k = 300;
        List<String> classes = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            classes.add("a rather long class name number " + i);
        }
        float[][] scores = new float[k][k];
        int[] truth = new int[k];
        for (int i = 0; i < k; i++) {
            truth[i] = i;
            scores[i][(i * 7) % k] = 1;
        }
        Path png = dir.resolve("many.png");
        Plots.confusionMatrix(Metrics.compute(classes, truth, scores, null, 0), png);
        BufferedImage image = read(png);
        assertTrue(image.getWidth() < 1200 && image.getHeight() < 1200, image.getWidth() + "");
    }

    @Test
    void niceAxisNumbers() {
        assertEquals(0.8, Plots.niceTop(0.69), 1e-12);
        assertEquals(1.0, Plots.niceTop(1.0), 1e-12);
        assertEquals(2.5, Plots.niceTop(2.3), 1e-12);
        assertEquals(1.0, Plots.niceTop(0), 1e-12);
        assertEquals(5, Plots.niceStep(40, 8), 1e-12);
        assertEquals(0.2, Plots.niceStep(1, 5), 1e-12);
    }
}
