package ai.graft.trainer.data;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;

/** Small generated images, image folders and IDX files for the data tests. */
final class TestImages {
    private TestImages() {}

    /** A colourful image with blocks and a gradient, so that crops, flips and resizes differ. */
    static BufferedImage image(int width, int height, long seed) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int red = (x * 255) / Math.max(1, width - 1);
                int green = (y * 255) / Math.max(1, height - 1);
                int blue = (int) (seed * 37 % 256);
                img.setRGB(x, y, new Color(red, green, blue).getRGB());
            }
        }
        Graphics2D g = img.createGraphics();
        for (int i = 0; i < 6; i++) {
            g.setColor(new Color(r.nextInt(256), r.nextInt(256), r.nextInt(256)));
            g.fillRect(r.nextInt(width), r.nextInt(height), 1 + width / 4, 1 + height / 5);
        }
        g.dispose();
        return img;
    }

    /** Writes an image as PNG or JPEG (by the file's extension). */
    static Path write(Path file, int width, int height, long seed) {
        try {
            Files.createDirectories(file.getParent());
            String name = file.getFileName().toString();
            String format = name.endsWith(".png") ? "png" : name.endsWith(".bmp") ? "bmp" : "jpg";
            if (!ImageIO.write(image(width, height, seed), format, file.toFile())) {
                throw new IllegalStateException("No ImageIO writer for " + format);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes {@code count} images into {@code dir/<name>_<i>.png}. */
    static void classFolder(Path dir, String name, int count, int size) {
        for (int i = 0; i < count; i++) {
            write(dir.resolve(name + "_" + i + ".png"), size, size, name.hashCode() * 31L + i);
        }
    }

    static void text(Path file, String content) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** IDX images (unsigned bytes, [n, rows, cols]) with pixel (i, y, x) = pixel(i, y, x). */
    static byte[] idxImages(int n, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(16 + n * rows * cols);
        b.putInt(0x00000803).putInt(n).putInt(rows).putInt(cols);
        for (int i = 0; i < n; i++) {
            for (int y = 0; y < rows; y++) {
                for (int x = 0; x < cols; x++) {
                    b.put((byte) pixel(i, y, x));
                }
            }
        }
        return b.array();
    }

    static int pixel(int i, int y, int x) {
        return (i * 7 + y * 13 + x * 29) & 0xFF;
    }

    static byte[] idxLabels(int[] labels) {
        ByteBuffer b = ByteBuffer.allocate(8 + labels.length);
        b.putInt(0x00000801).putInt(labels.length);
        for (int l : labels) {
            b.put((byte) l);
        }
        return b.array();
    }

    static Path writeBytes(Path file, byte[] bytes, boolean gzip) {
        try {
            Files.createDirectories(file.getParent());
            if (!gzip) {
                Files.write(file, bytes);
                return file;
            }
            ByteArrayOutputStream bos = new ByteArrayOutputStream();
            try (OutputStream out = new GZIPOutputStream(bos)) {
                out.write(bytes);
            }
            Files.write(file, bos.toByteArray());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
