package ai.graft.spark;

import ai.graft.sdk.ModelCard;
import ai.graft.sdk.OutputKind;
import ai.graft.sdk.Preprocessing;
import ai.graft.sdk.testing.TinyOnnx;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.apache.spark.sql.SparkSession;

/** One local Spark session for the module's tests, tiny models and images. */
final class SparkTests {
    private static SparkSession session;

    private SparkTests() {}

    /** A local[2] session shared by every test of this JVM (Spark starts once). */
    static synchronized SparkSession spark() {
        if (session == null) {
            session =
                    SparkSession.builder()
                            .master("local[2]")
                            .appName("graft-spark-tests")
                            .config("spark.ui.enabled", "false")
                            .config("spark.sql.shuffle.partitions", "2")
                            .config("spark.driver.host", "127.0.0.1")
                            .getOrCreate();
            session.sparkContext().setLogLevel("WARN");
        }
        return session;
    }

    /**
     * The SDK's colour classifier (red, green, blue by the mean of each channel) with a card: the
     * labels and RGB unit preprocessing at 8x8 travel inside the file, as executors need.
     */
    static Path colourModel(Path file) {
        ModelCard card =
                new ModelCard(
                        ModelCard.VERSION,
                        List.of("red", "green", "blue"),
                        Preprocessing.unit(8, 8),
                        OutputKind.LOGITS,
                        "output",
                        Map.of());
        return TinyOnnx.classifier(
                        8,
                        8,
                        -1,
                        new float[][] {{10, 0, 0}, {0, 10, 0}, {0, 0, 10}},
                        new float[] {0, 0, 0},
                        false,
                        false)
                .metadata(card.toMetadata())
                .write(file);
    }

    /** A 16x16 PNG of one colour, each pixel jittered by up to {@code noise} levels. */
    static Path png(Path file, Color colour, int noise, long seed) {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(seed);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                int red = clamp(colour.getRed() + jitter(r, noise));
                int green = clamp(colour.getGreen() + jitter(r, noise));
                int blue = clamp(colour.getBlue() + jitter(r, noise));
                img.setRGB(x, y, (red << 16) | (green << 8) | blue);
            }
        }
        try {
            Files.createDirectories(file.getParent());
            ImageIO.write(img, "png", file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private static int jitter(Random r, int noise) {
        return noise == 0 ? 0 : r.nextInt(2 * noise + 1) - noise;
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }
}
