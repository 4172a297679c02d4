package ai.graft.sdk;

import ai.graft.sdk.internal.Preprocessor;
import java.nio.FloatBuffer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Writes 8-bit BGR images into a caller's {@link FloatBuffer} as one {@link Preprocessing} says:
 * resize, crop or pad, colour order, {@code (pixel * scale - mean[c]) / std[c]}, NCHW or NHWC. It
 * is the implementation {@link ImageClassifier} runs on every image, so a trainer or a parity check
 * that writes its input with it gives the model the same tensor that serving will.
 *
 * <p>Made by {@link Preprocessing#newWriter()}. The order of the operations is fixed and
 * deterministic: resize with OpenCV (bilinear, or pixel-area averaging when shrinking by 2 or
 * more), then colour conversion on the small image, then normalisation in float.
 *
 * <pre>{@code
 * Preprocessing p = Preprocessing.imagenet(224, 224);
 * FloatBuffer batch = FloatBuffer.allocate(files.size() * p.channels() * p.height() * p.width());
 * try (TensorWriter writer = p.newWriter()) {
 *     for (Path file : files) {
 *         try (Mat bgr = Images.decode(file, Images.DEFAULT_MAX_PIXELS, p.resizeShorter())) {
 *             writer.write(bgr, batch); // advances the position by one image
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>Not thread-safe: a writer reuses native scratch images between calls. Use one per thread and
 * close it to free them; a closed writer throws {@link IllegalStateException}.
 */
public final class TensorWriter implements AutoCloseable {
    private final Preprocessor preprocessor;
    private boolean closed;

    TensorWriter(Preprocessing preprocessing) {
        this.preprocessor = new Preprocessor(preprocessing);
    }

    /**
     * The preprocessing this writer applies.
     *
     * @return the preprocessing
     */
    public Preprocessing preprocessing() {
        return preprocessor.preprocessing();
    }

    /**
     * Writes one image as {@code channels * height * width} floats at {@code dst}'s position, in
     * the preprocessing's layout, and advances the position past them. A direct buffer in native
     * byte order is written in place by OpenCV; any other buffer receives a bulk copy.
     *
     * @param bgr8 a non-empty 8-bit 3-channel BGR image of any size (see {@link Images#toBgr8(Mat)}
     *     for other Mats); not modified
     * @param dst the destination, with at least {@code channels * height * width} floats remaining
     * @throws IllegalArgumentException when the image is not 8-bit BGR or {@code dst} is too small
     * @throws IllegalStateException after {@link #close()}
     */
    public void write(Mat bgr8, FloatBuffer dst) {
        if (closed) {
            throw new IllegalStateException("TensorWriter is closed");
        }
        preprocessor.write(bgr8, dst);
    }

    /** Frees the native scratch images. Idempotent. */
    @Override
    public void close() {
        closed = true;
        preprocessor.close();
    }
}
