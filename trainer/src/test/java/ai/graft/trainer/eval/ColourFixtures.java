package ai.graft.trainer.eval;

import ai.graft.sdk.ModelCard;
import ai.graft.sdk.OutputKind;
import ai.graft.sdk.Preprocessing;
import ai.graft.sdk.testing.TinyOnnx;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Tiny colour classifiers with model cards, and folders of solid-colour images, for evaluation
 * tests: a classifier of {@code [N, 3, 224, 224]} RGB input (unit preprocessing) whose logit for
 * class c is {@code sum_k weights[c][k] * mean of channel k}.
 */
public final class ColourFixtures {
    private ColourFixtures() {}

    /**
     * Writes a classifier with a card.
     *
     * @param file where
     * @param labels one per row of {@code weights}
     * @param weights {@code [classes][3]} weights on the mean R, G, B in [0, 1]
     * @return the file
     */
    public static Path model(Path file, List<String> labels, float[][] weights) {
        ModelCard card =
                new ModelCard(
                        ModelCard.VERSION,
                        labels,
                        Preprocessing.unit(224, 224),
                        OutputKind.LOGITS,
                        "output",
                        Map.of());
        return TinyOnnx.classifier(224, 224, -1, weights, new float[weights.length], false, false)
                .metadata(card.toMetadata())
                .write(file);
    }

    /**
     * The 3-class colour classifier: red, green, blue.
     *
     * @param file where
     * @return the file
     */
    public static Path rgbModel(Path file) {
        return model(
                file,
                List.of("red", "green", "blue"),
                new float[][] {{10, 0, 0}, {0, 10, 0}, {0, 0, 10}});
    }

    /**
     * A 6-class model whose ranking for a pure red image is c0, c3, c4, c1, c2, c5 (logits 10, 5,
     * 1, 0.5, 0, -10), so that red images in folder c2 are top-5 hits and in c5 misses.
     *
     * @param file where
     * @return the file
     */
    public static Path sixClassModel(Path file) {
        return model(
                file,
                List.of("c0", "c1", "c2", "c3", "c4", "c5"),
                new float[][] {
                    {10, 0, 0}, {0.5f, 10, 0}, {0, 0, 10}, {5, 5, 0}, {1, 5, 5}, {-10, -10, -10}
                });
    }

    /**
     * Writes a solid-colour PNG, creating folders.
     *
     * @param file where
     * @param colour its colour
     * @return the file
     * @throws IOException when it cannot be written
     */
    public static Path image(Path file, Color colour) throws IOException {
        BufferedImage image = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(colour);
        g.fillRect(0, 0, 40, 30);
        g.dispose();
        Files.createDirectories(file.getParent());
        ImageIO.write(image, "png", file.toFile());
        return file;
    }

    /**
     * Writes a file with an image extension that is not an image.
     *
     * @param file where
     * @return the file
     * @throws IOException when it cannot be written
     */
    public static Path broken(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "this is text, not a JPEG", StandardCharsets.UTF_8);
        return file;
    }

    /**
     * A folder of class folders: per colour name, {@code n} images of that colour, plus in {@code
     * red/} one blue image (a known mistake) and one undecodable file.
     *
     * @param dir the folder
     * @param n images per class
     * @return the folder
     * @throws IOException when it cannot be written
     */
    public static Path colourFolders(Path dir, int n) throws IOException {
        for (int i = 0; i < n; i++) {
            image(dir.resolve("red/r" + i + ".png"), Color.RED);
            image(dir.resolve("green/g" + i + ".png"), Color.GREEN);
            image(dir.resolve("blue/b" + i + ".png"), Color.BLUE);
        }
        image(dir.resolve("red/actually-blue.png"), Color.BLUE);
        broken(dir.resolve("red/broken.jpg"));
        return dir;
    }
}
