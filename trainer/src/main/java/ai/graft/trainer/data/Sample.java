package ai.graft.trainer.data;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;

import ai.graft.sdk.ImageException;
import ai.graft.sdk.ImageInput;
import ai.graft.sdk.Images;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.File;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * One labelled image: a file, read when it is used, or an 8-bit gray image held in memory (IDX
 * datasets such as MNIST). Immutable and thread-safe.
 */
public final class Sample {
    private final Path file;
    private final byte[] gray;
    private final int width;
    private final int height;
    private final int label;
    private final String id;

    private Sample(Path file, byte[] gray, int width, int height, int label, String id) {
        if (label < 0) {
            throw new IllegalArgumentException(
                    "Sample " + id + ": label must be a class index >= 0, got " + label);
        }
        this.file = file;
        this.gray = gray;
        this.width = width;
        this.height = height;
        this.label = label;
        this.id = id;
    }

    /**
     * An image file, its id the path as given.
     *
     * @param file the image file; it is read only when the sample is used
     * @param label the class index, at least 0
     * @return the sample
     */
    public static Sample ofFile(Path file, int label) {
        Objects.requireNonNull(file, "file");
        return ofFile(file, label, file.toString().replace(File.separatorChar, '/'));
    }

    /**
     * An image file with an explicit id (the datasets use the path relative to the dataset root).
     *
     * @param file the image file; it is read only when the sample is used
     * @param label the class index, at least 0
     * @param id the id: unique within its dataset, used in reports and the data fingerprint
     * @return the sample
     */
    public static Sample ofFile(Path file, int label, String id) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(id, "id");
        return new Sample(file, null, 0, 0, label, id);
    }

    /**
     * An 8-bit gray image held in memory, one byte per pixel, row by row. The array is copied.
     *
     * @param gray {@code width * height} pixel values
     * @param width the width in pixels, positive
     * @param height the height in pixels, positive
     * @param label the class index, at least 0
     * @param id the id, for example {@code idx:17}
     * @return the sample
     * @throws IllegalArgumentException when the array length is not {@code width * height}
     */
    public static Sample ofPixels(byte[] gray, int width, int height, int label, String id) {
        Objects.requireNonNull(gray, "gray");
        return pixels(gray.clone(), width, height, label, id);
    }

    /** As {@link #ofPixels} without the copy, for arrays nobody else holds. */
    static Sample pixels(byte[] gray, int width, int height, int label, String id) {
        Objects.requireNonNull(id, "id");
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException(
                    "Sample " + id + ": size must be positive, got " + width + "x" + height);
        }
        if ((long) width * height != gray.length) {
            throw new IllegalArgumentException(
                    "Sample "
                            + id
                            + ": "
                            + gray.length
                            + " pixel values, expected width * height = "
                            + width
                            + " * "
                            + height);
        }
        return new Sample(null, gray, width, height, label, id);
    }

    /**
     * The class index.
     *
     * @return the label, an index into the dataset's {@link ImageDataset#classes()}
     */
    public int label() {
        return label;
    }

    /**
     * The sample's id: for a dataset read from a folder or CSV, the path relative to the dataset
     * root with {@code /} separators; for IDX data, {@code idx:<n>}.
     *
     * @return the id
     */
    public String id() {
        return id;
    }

    /**
     * The image file.
     *
     * @return the file, or {@code null} for an in-memory image
     */
    public Path file() {
        return file;
    }

    /**
     * The image as SDK input, to classify or embed it with {@link ai.graft.sdk.ImageClassifier}:
     * the file, or a new gray {@link BufferedImage} (which the SDK replicates to three channels for
     * colour models).
     *
     * @return a new input; safe to call from several threads
     */
    public ImageInput input() {
        return file != null ? ImageInput.of(file) : ImageInput.of(grayImage());
    }

    /**
     * An in-memory image's pixels as a new 8-bit gray image (to write it to a file, for tools that
     * read files).
     *
     * @return a new image
     * @throws IllegalStateException when the sample is a file ({@link #file()} is not null)
     */
    public BufferedImage grayImage() {
        if (gray == null) {
            throw new IllegalStateException("Sample " + id + " is a file, not an in-memory image");
        }
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
        byte[] target = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        System.arraycopy(gray, 0, target, 0, gray.length);
        return image;
    }

    /**
     * Decodes the image to a new 8-bit BGR Mat as the SDK does (gray replicated to 3 channels).
     *
     * @param maxPixels the largest image accepted, passed to {@link Images#decode(Path, long, int)}
     * @param minShortSide passed to {@link Images#decode(Path, long, int)}
     * @return a new Mat the caller closes
     */
    Mat decode(long maxPixels, int minShortSide) throws ImageException {
        if (file != null) {
            return Images.decode(file, maxPixels, minShortSide);
        }
        try (Mat m = new Mat(height, width, CV_8UC1);
                BytePointer data = m.data()) {
            data.put(gray);
            return Images.toBgr8(m);
        }
    }

    /** Whether the pixels are held in memory (no file). */
    boolean isInMemory() {
        return gray != null;
    }

    int width() {
        return width;
    }

    int height() {
        return height;
    }

    byte[] pixels() {
        return gray;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Sample s)) {
            return false;
        }
        return label == s.label
                && width == s.width
                && height == s.height
                && id.equals(s.id)
                && Objects.equals(file, s.file)
                && Arrays.equals(gray, s.gray);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, label, file);
    }

    @Override
    public String toString() {
        return id + " (class " + label + ")";
    }
}
