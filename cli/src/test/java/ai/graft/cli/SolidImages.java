package ai.graft.cli;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** One-colour PNG files for the command-line tests, which a colour classifier tells apart. */
final class SolidImages {
    private SolidImages() {}

    /**
     * Writes a 64x48 PNG of one colour, creating its folder.
     *
     * @param file where to write it
     * @param colour its colour
     * @return the file
     * @throws IOException when it cannot be written
     */
    static Path png(Path file, Color colour) throws IOException {
        BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(colour);
        g.fillRect(0, 0, 64, 48);
        g.dispose();
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(image, "png", file.toFile());
        return file;
    }
}
