package ai.graft.sdk;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Objects;
import org.bytedeco.javacv.Frame;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * An image to classify: a file, encoded bytes, a {@link BufferedImage}, an OpenCV {@link Mat} or a
 * JavaCV {@link Frame}. An {@code ImageInput} only refers to its source; a {@code Mat} or {@code
 * Frame} is borrowed and must stay valid (and unchanged) until the classification returns.
 *
 * <pre>{@code
 * List<ImageInput> batch = List.of(
 *         ImageInput.of(Path.of("cat.jpg")),
 *         ImageInput.of(bytes, "upload-17.png"),
 *         ImageInput.of(bufferedImage));
 * }</pre>
 */
public final class ImageInput {
    enum Kind {
        FILE,
        BYTES,
        BUFFERED_IMAGE,
        MAT,
        FRAME
    }

    private final Kind kind;
    private final Object source;
    private final String name;

    private ImageInput(Kind kind, Object source, String name) {
        this.kind = kind;
        this.source = source;
        this.name = name;
    }

    /**
     * An image file (JPEG, PNG, BMP, WebP, TIFF, anything OpenCV decodes). It is read when
     * classified.
     *
     * @param file the file
     * @return the input, named by the file's path
     */
    public static ImageInput of(Path file) {
        Objects.requireNonNull(file, "file");
        return new ImageInput(Kind.FILE, file, file.toString());
    }

    /**
     * An encoded image in memory (the bytes of a JPEG, PNG and so on). The array is not copied.
     *
     * @param encoded the encoded bytes
     * @param name a name for messages, for example the upload's file name
     * @return the input
     */
    public static ImageInput of(byte[] encoded, String name) {
        Objects.requireNonNull(encoded, "encoded");
        return new ImageInput(Kind.BYTES, encoded, name == null ? "<bytes>" : name);
    }

    /**
     * A decoded AWT image of any type.
     *
     * @param image the image
     * @return the input, named {@code <BufferedImage>}
     */
    public static ImageInput of(BufferedImage image) {
        Objects.requireNonNull(image, "image");
        return new ImageInput(Kind.BUFFERED_IMAGE, image, "<BufferedImage>");
    }

    /**
     * An OpenCV image: 8-bit BGR (used as it is), or gray, BGRA or 16-bit (converted to 8-bit BGR).
     * Borrowed, not copied and not closed.
     *
     * @param image the image
     * @return the input, named {@code <Mat>}
     */
    public static ImageInput of(Mat image) {
        Objects.requireNonNull(image, "image");
        return new ImageInput(Kind.MAT, image, "<Mat>");
    }

    /**
     * A JavaCV frame, as a {@code FrameGrabber} returns it (BGR, gray or BGRA image). Borrowed:
     * grabbers reuse their frame, so classify it before the next {@code grab()}.
     *
     * @param frame the frame; it must hold an image
     * @return the input, named {@code <Frame>}
     */
    public static ImageInput of(Frame frame) {
        Objects.requireNonNull(frame, "frame");
        return new ImageInput(Kind.FRAME, frame, "<Frame>");
    }

    /**
     * The name used in messages: the file path, the given name, or {@code <BufferedImage>}, {@code
     * <Mat>}, {@code <Frame>}.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    Kind kind() {
        return kind;
    }

    Object source() {
        return source;
    }

    @Override
    public String toString() {
        return name;
    }
}
