package ai.graft.sdk;

import ai.graft.sdk.internal.ImageDecoder;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Decodes images as {@link ImageClassifier} does, into the 8-bit 3-channel BGR {@link Mat}s that a
 * {@link TensorWriter} takes: the same decoder, the same limits and the same errors. Tools that
 * prepare model input themselves (training, parity checks) start here, so that the same image gives
 * the same tensor in training and in production.
 *
 * <ul>
 *   <li>JPEG, PNG, BMP, GIF, TIFF and WebP, recognised from the content, never from the file name.
 *   <li>The size in the header is checked against {@code maxPixels} before any pixel memory is
 *       allocated (decompression bombs).
 *   <li>EXIF orientation is applied; gray is replicated to three channels, 16-bit samples keep
 *       their high byte, an alpha channel is dropped (as Pillow's {@code convert("RGB")}).
 *   <li>A JPEG whose shorter side is at least 2, 4 or 8 times {@code minShortSide} is decoded at
 *       1/2, 1/4 or 1/8 of its size by libjpeg's DCT scaling (several times faster).
 *   <li>A missing, empty, truncated, corrupt or too large image is an {@link ImageException} whose
 *       message names the image, never a partial image.
 * </ul>
 *
 * <pre>{@code
 * Preprocessing p = Preprocessing.imagenet(224, 224);
 * FloatBuffer input = FloatBuffer.allocate(p.channels() * p.height() * p.width());
 * try (Mat bgr = Images.decode(Path.of("cat.jpg"), Images.DEFAULT_MAX_PIXELS, p.resizeShorter());
 *         TensorWriter writer = p.newWriter()) {
 *     writer.write(bgr, input);
 * }
 * }</pre>
 *
 * <p>Thread-safe: stateless. Every Mat returned is new and owned by the caller, who closes it.
 */
public final class Images {
    /**
     * The default largest image, in pixels ({@code width * height}) as declared in its header: the
     * classifier's default {@link ImageClassifierOptions#maxImagePixels()}.
     */
    public static final long DEFAULT_MAX_PIXELS = 100_000_000L;

    private Images() {}

    /**
     * Reads and decodes an image file.
     *
     * @param file the image file; its format is recognised from the content
     * @param maxPixels the largest {@code width * height} accepted, as the header declares it;
     *     positive
     * @param minShortSide the smallest shorter side the caller needs (for example {@link
     *     Preprocessing#resizeShorter()}): a large JPEG may be decoded at 1/2, 1/4 or 1/8 of its
     *     size when its shorter side still covers this; 0 = full size
     * @return a new 8-bit 3-channel BGR Mat, EXIF orientation applied; the caller closes it
     * @throws ImageException when the file is missing, a folder, empty, not an image, truncated,
     *     corrupt or larger than {@code maxPixels}; the message names the file
     * @throws IllegalArgumentException when {@code maxPixels} is not positive or {@code
     *     minShortSide} is negative
     */
    public static Mat decode(Path file, long maxPixels, int minShortSide) throws ImageException {
        return new ImageDecoder(maxPixels).decode(file, minShortSide);
    }

    /**
     * Decodes an encoded image held in memory, for example an upload.
     *
     * @param encoded the encoded image (JPEG, PNG, BMP, GIF, TIFF or WebP)
     * @param name a name for messages, for example the file name or URL it came from
     * @param maxPixels the largest {@code width * height} accepted; positive
     * @param minShortSide the smallest shorter side the caller needs, see {@link #decode(Path,
     *     long, int)}; 0 = full size
     * @return a new 8-bit 3-channel BGR Mat, EXIF orientation applied; the caller closes it
     * @throws ImageException when the bytes are empty, not an image, truncated, corrupt or larger
     *     than {@code maxPixels}; the message names {@code name}
     * @throws IllegalArgumentException when {@code maxPixels} is not positive or {@code
     *     minShortSide} is negative
     */
    public static Mat decode(byte[] encoded, String name, long maxPixels, int minShortSide)
            throws ImageException {
        return new ImageDecoder(maxPixels).decode(encoded, name, minShortSide);
    }

    /**
     * Converts a Mat of another kind to a new 8-bit 3-channel BGR Mat: 1 channel (gray) is
     * replicated, 3 channels are taken as BGR, 4 as BGRA (alpha dropped); 8-bit values are kept,
     * 16-bit values divided by 256, float values in [0, 1] multiplied by 255 (saturated). Always a
     * copy, so the input may be a borrowed frame.
     *
     * @param image a non-empty Mat with 1, 3 or 4 channels of depth 8U, 16U, 32F or 64F; not
     *     modified
     * @return a new Mat the caller closes
     * @throws IllegalArgumentException for an empty Mat, or another channel count or depth
     */
    public static Mat toBgr8(Mat image) {
        return ImageDecoder.toBgr8(image);
    }

    /**
     * Copies an AWT image of any type into a new 8-bit 3-channel BGR Mat. Gray is replicated to
     * three channels without colour management (a gray value 77 stays 77); 16-bit gray keeps the
     * high byte; an alpha channel is dropped.
     *
     * @param image the image
     * @return a new Mat the caller closes
     */
    public static Mat toBgr8(BufferedImage image) {
        return ImageDecoder.fromBufferedImage(image);
    }
}
