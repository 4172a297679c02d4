import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;

/**
 * Writes Fashion-MNIST's IDX files as class folders of PNGs for the bench scripts (run as a
 * single-file program: {@code java bench/FashionMnistFolders.java IDX_DIR OUT PER_CLASS}):
 * {@code OUT/train/CLASS/} gets the first PER_CLASS training images of each class, {@code
 * OUT/val/CLASS/} all 10,000 test images. Classes are named {@code 0-t-shirt} ... {@code 9-boot} so
 * that sorting them keeps Fashion-MNIST's label order.
 */
public final class FashionMnistFolders {
    private static final String[] NAMES = {
        "0-t-shirt", "1-trouser", "2-pullover", "3-dress", "4-coat",
        "5-sandal", "6-shirt", "7-sneaker", "8-bag", "9-boot"
    };

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            System.err.println("usage: java FashionMnistFolders.java IDX_DIR OUT PER_CLASS");
            System.exit(2);
        }
        Path idx = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int perClass = Integer.parseInt(args[2]);
        if (perClass < 1 || perClass > 6000) {
            throw new IllegalArgumentException("PER_CLASS must be 1 to 6000, got " + perClass);
        }
        write(idx.resolve("train-images-idx3-ubyte.gz"), idx.resolve("train-labels-idx1-ubyte.gz"),
                out.resolve("train"), perClass);
        write(idx.resolve("t10k-images-idx3-ubyte.gz"), idx.resolve("t10k-labels-idx1-ubyte.gz"),
                out.resolve("val"), Integer.MAX_VALUE);
    }

    private static void write(Path images, Path labels, Path out, int perClass) throws IOException {
        try (DataInputStream im = open(images); DataInputStream lb = open(labels)) {
            if (im.readInt() != 0x803 || lb.readInt() != 0x801) {
                throw new IOException("Not IDX image/label files: " + images + ", " + labels);
            }
            int n = im.readInt();
            int rows = im.readInt();
            int cols = im.readInt();
            if (lb.readInt() != n || rows != 28 || cols != 28) {
                throw new IOException("Unexpected IDX shape in " + images);
            }
            int[] written = new int[10];
            byte[] pixels = new byte[rows * cols];
            for (int i = 0; i < n; i++) {
                im.readFully(pixels);
                int label = lb.readUnsignedByte();
                if (label > 9) {
                    throw new IOException("Label " + label + " out of range in " + labels);
                }
                if (written[label] >= perClass) {
                    continue;
                }
                BufferedImage img = new BufferedImage(cols, rows, BufferedImage.TYPE_BYTE_GRAY);
                img.getRaster().setDataElements(0, 0, cols, rows, pixels);
                Path dir = Files.createDirectories(out.resolve(NAMES[label]));
                ImageIO.write(img, "png", dir.resolve(String.format("%05d.png", i)).toFile());
                written[label]++;
            }
        }
    }

    private static DataInputStream open(Path gz) throws IOException {
        InputStream in = new GZIPInputStream(Files.newInputStream(gz), 1 << 16);
        return new DataInputStream(new java.io.BufferedInputStream(in, 1 << 16));
    }
}
