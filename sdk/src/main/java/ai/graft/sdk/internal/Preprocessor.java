package ai.graft.sdk.internal;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC1;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.extractChannel;
import static org.bytedeco.opencv.global.opencv_core.transform;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import ai.graft.sdk.Preprocessing;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Objects;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.indexer.FloatIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Turns 8-bit BGR images into model input floats as a {@link Preprocessing} says: resize, crop or
 * pad, colour order, {@code (pixel * scale - mean[c]) / std[c]}, NCHW or NHWC, written straight
 * into the caller's {@link FloatBuffer}.
 *
 * <p>The order of operations is fixed, so that training and serving give the same tensor for the
 * same image:
 *
 * <ol>
 *   <li>Resize the BGR image with OpenCV, keeping exact geometry: bilinear ({@code INTER_LINEAR})
 *       when the image grows or shrinks by less than 2 on both axes (the usual case, because {@link
 *       ImageDecoder} already decodes large JPEGs at 1/2, 1/4 or 1/8 by DCT scaling); pixel-area
 *       averaging ({@code INTER_AREA}, anti-aliased like Pillow's and torchvision's antialiased
 *       resize) when it shrinks by 2 or more, first over exact {@code k x k} blocks when both sides
 *       are divisible by such a {@code k} (fast), then by this same rule. Deterministic: the same
 *       image always gives the same tensor.
 *       <ul>
 *         <li>{@link Preprocessing.Resize#SHORTER_CROP}: the shorter side becomes {@code
 *             resizeShorter} and the longer side {@code floor(resizeShorter * long / short)}
 *             (torchvision's {@code Resize(int)}); if a side is then still smaller than the input
 *             (non-square inputs) the scale grows until the crop fits. The crop is the centre, its
 *             offset {@code rint((resized - input) / 2)} (torchvision's {@code CenterCrop}).
 *         <li>{@link Preprocessing.Resize#STRETCH}: straight to {@code width x height}.
 *         <li>{@link Preprocessing.Resize#LETTERBOX}: scale {@code r = min(width / w, height / h)},
 *             size {@code rint(w * r) x rint(h * r)}, centred with the extra pixel of an odd margin
 *             on the right or bottom, the margin gray 114 (Ultralytics).
 *       </ul>
 *   <li>Convert colour on the small image (BGR to gray by OpenCV's {@code COLOR_BGR2GRAY} weights;
 *       RGB by channel order).
 *   <li>Normalise in float with one {@code convertTo(alpha = scale / std[c], beta = -mean[c] /
 *       std[c])} per channel (NCHW, gray) or one {@code transform} with a 3 x 4 matrix (NHWC),
 *       written directly into a direct {@code FloatBuffer}'s memory; a heap buffer receives a bulk
 *       copy.
 * </ol>
 *
 * <p>Not thread-safe: it reuses scratch Mats between calls. Use one per thread; close it to free
 * the native memory.
 */
public final class Preprocessor implements AutoCloseable {
    /** Gray value of the letterbox margin. */
    static final double PAD_VALUE = 114;

    private final Preprocessing p;
    private final int width;
    private final int height;
    private final int channels;

    /** Per output channel: source BGR channel index, alpha and beta of the normalisation. */
    private final int[] sourceChannel;

    private final double[] alpha;
    private final double[] beta;

    private final Mat resized = new Mat();
    private final Mat canvas = new Mat();
    private final Mat blocks = new Mat();
    private final Mat plane8 = new Mat();
    private final Mat float32 = new Mat();
    private final Mat float32Nhwc = new Mat();
    private final Mat channel8 = new Mat();
    private final Mat transformMatrix;
    private final Scalar padColour = new Scalar(PAD_VALUE, PAD_VALUE, PAD_VALUE, 0);
    private boolean closed;

    /**
     * Creates a preprocessor for one preprocessing.
     *
     * @param p the preprocessing
     */
    public Preprocessor(Preprocessing p) {
        this.p = Objects.requireNonNull(p, "preprocessing");
        this.width = p.width();
        this.height = p.height();
        this.channels = p.channels();
        float[] mean = p.mean();
        float[] std = p.std();
        sourceChannel = new int[channels];
        alpha = new double[channels];
        beta = new double[channels];
        for (int c = 0; c < channels; c++) {
            sourceChannel[c] = p.colorOrder() == Preprocessing.ColorOrder.RGB ? 2 - c : c;
            // Float arithmetic as the definition states it, then widened for OpenCV.
            alpha[c] = (double) (p.scale() / std[c]);
            beta[c] = (double) (-mean[c] / std[c]);
        }
        if (channels == 3 && p.layout() == Preprocessing.Layout.NHWC) {
            transformMatrix = new Mat(3, 4, CV_32FC1);
            try (FloatIndexer m = transformMatrix.createIndexer()) {
                for (int c = 0; c < 3; c++) {
                    for (int j = 0; j < 3; j++) {
                        m.put(c, j, j == sourceChannel[c] ? (float) alpha[c] : 0f);
                    }
                    m.put(c, 3, (float) beta[c]);
                }
            }
        } else {
            transformMatrix = null;
        }
    }

    /**
     * The preprocessing this preprocessor applies.
     *
     * @return the preprocessing
     */
    public Preprocessing preprocessing() {
        return p;
    }

    /**
     * Writes one image as {@code channels * height * width} floats at {@code dst}'s position and
     * advances the position past them. A direct buffer is written in place by OpenCV; a heap buffer
     * receives a bulk copy.
     *
     * @param bgr8 a non-empty 8-bit 3-channel BGR image of any size (see {@link
     *     ai.graft.sdk.Images#toBgr8(Mat)} for other Mats); not modified
     * @param dst the destination, with at least {@code channels * height * width} floats remaining
     * @throws IllegalArgumentException when the image is not 8UC3 or {@code dst} is too small
     * @throws IllegalStateException after {@link #close()}
     */
    public void write(Mat bgr8, FloatBuffer dst) {
        if (closed) {
            throw new IllegalStateException("Preprocessor is closed");
        }
        Objects.requireNonNull(bgr8, "image");
        Objects.requireNonNull(dst, "dst");
        if (bgr8.empty() || bgr8.type() != CV_8UC3) {
            throw new IllegalArgumentException(
                    "Image Mat is "
                            + (bgr8.empty() ? "empty" : "of type " + bgr8.type())
                            + ", expected 8-bit 3-channel BGR (CV_8UC3); convert it with"
                            + " Images.toBgr8");
        }
        int n = channels * width * height;
        if (dst.remaining() < n) {
            throw new IllegalArgumentException(
                    "Destination buffer has "
                            + dst.remaining()
                            + " floats remaining, needs "
                            + n
                            + " for one "
                            + channels
                            + "x"
                            + height
                            + "x"
                            + width
                            + " image");
        }
        try (Mat geometry = geometry(bgr8)) {
            Mat source = geometry;
            if (channels == 1) {
                cvtColor(geometry, plane8, COLOR_BGR2GRAY);
                source = plane8;
            }
            normalise(source, dst);
        }
        dst.position(dst.position() + n);
    }

    /** Resizes, crops or pads to {@code width x height}: a view on a scratch Mat or the input. */
    private Mat geometry(Mat src) {
        int w = src.cols();
        int h = src.rows();
        switch (p.resize()) {
            case STRETCH:
                if (w == width && h == height) {
                    return view(src, 0, 0, w, h);
                }
                resizeInto(src, resized, width, height);
                return view(resized, 0, 0, width, height);
            case LETTERBOX:
                {
                    double r = Math.min((double) width / w, (double) height / h);
                    int nw = clamp((int) Math.rint(w * r), 1, width);
                    int nh = clamp((int) Math.rint(h * r), 1, height);
                    canvas.create(height, width, CV_8UC3);
                    canvas.put(padColour);
                    int left = (width - nw) / 2;
                    int top = (height - nh) / 2;
                    try (Mat roi = view(canvas, left, top, nw, nh)) {
                        if (nw == w && nh == h) {
                            src.copyTo(roi);
                        } else {
                            resizeInto(src, roi, nw, nh);
                        }
                    }
                    return view(canvas, 0, 0, width, height);
                }
            case SHORTER_CROP:
            default:
                {
                    int shorter = p.resizeShorter();
                    int nw;
                    int nh;
                    if (w <= h) {
                        nw = shorter;
                        nh = (int) ((long) shorter * h / w);
                    } else {
                        nh = shorter;
                        nw = (int) ((long) shorter * w / h);
                    }
                    if (nw < width || nh < height) {
                        // Non-square input: grow until the crop fits on both axes.
                        double s = Math.max((double) width / w, (double) height / h);
                        nw = Math.max(width, (int) Math.ceil(w * s));
                        nh = Math.max(height, (int) Math.ceil(h * s));
                    }
                    int left = (int) Math.rint((nw - width) / 2.0);
                    int top = (int) Math.rint((nh - height) / 2.0);
                    Mat base;
                    if (nw == w && nh == h) {
                        base = src;
                    } else {
                        resizeInto(src, resized, nw, nh);
                        base = resized;
                    }
                    return view(base, left, top, width, height);
                }
        }
    }

    /**
     * Resizes with exact geometry (pixel centres map as in OpenCV's resize). Shrinking by 2 or more
     * on an axis uses area averaging, which anti-aliases; to keep that fast, an image whose sides
     * are both divisible by an integer {@code k <= shrink factor} is first averaged over {@code k x
     * k} blocks (OpenCV's integer INTER_AREA path, exact) and the rest of the way is done by the
     * same rule. Shrinking by less than 2, or enlarging, is bilinear.
     */
    private void resizeInto(Mat src, Mat dst, int w, int h) {
        int sw = src.cols();
        int sh = src.rows();
        if (sw == w && sh == h) {
            src.copyTo(dst);
            return;
        }
        Mat from = src;
        int k = blockFactor(sw, sh, w, h);
        if (k > 1) {
            try (Size size = new Size(sw / k, sh / k)) {
                resize(src, blocks, size, 0, 0, INTER_AREA);
            }
            from = blocks;
            sw /= k;
            sh /= k;
            if (sw == w && sh == h) {
                blocks.copyTo(dst);
                return;
            }
        }
        int interpolation = sw >= 2 * w || sh >= 2 * h ? INTER_AREA : INTER_LINEAR;
        try (Size size = new Size(w, h)) {
            resize(from, dst, size, 0, 0, interpolation);
        }
    }

    /** The largest k in [2, min shrink factor] dividing both sides, or 1. */
    static int blockFactor(int sw, int sh, int w, int h) {
        int max = Math.min(sw / w, sh / h);
        for (int k = max; k >= 2; k--) {
            if (sw % k == 0 && sh % k == 0) {
                return k;
            }
        }
        return 1;
    }

    /** Writes {@code source} (width x height, 8UC3 BGR or 8UC1 gray) normalised into dst. */
    private void normalise(Mat source, FloatBuffer dst) {
        int plane = width * height;
        int at = dst.position();
        if (dst.isDirect() && dst.order() == ByteOrder.nativeOrder()) {
            // OpenCV writes straight into the buffer's memory. A pointer made from a buffer at
            // position 0 is its true start; getPointer(i) is then element i.
            try (FloatPointer start = new FloatPointer(dst.duplicate().clear())) {
                if (transformMatrix != null) {
                    try (FloatPointer out = start.getPointer(at);
                            Mat target = new Mat(height, width, CV_32FC3, out)) {
                        toNhwc(source, target);
                    }
                } else {
                    for (int c = 0; c < channels; c++) {
                        try (FloatPointer out = start.getPointer(at + (long) c * plane);
                                Mat target = new Mat(height, width, CV_32FC1, out)) {
                            toPlane(source, c, target);
                        }
                    }
                }
            }
            return;
        }
        // Heap buffer (or foreign byte order): normalise into scratch, then bulk copies.
        if (transformMatrix != null) {
            float32.create(height, width, CV_32FC3);
            toNhwc(source, float32);
            copyOut(float32, dst, at, plane * 3);
        } else {
            float32.create(height, width, CV_32FC1);
            for (int c = 0; c < channels; c++) {
                toPlane(source, c, float32);
                copyOut(float32, dst, at + c * plane, plane);
            }
        }
    }

    private void toPlane(Mat source, int c, Mat target) {
        if (source.channels() == 1) {
            source.convertTo(target, CV_32F, alpha[c], beta[c]);
        } else {
            extractChannel(source, channel8, sourceChannel[c]);
            channel8.convertTo(target, CV_32F, alpha[c], beta[c]);
        }
    }

    private void toNhwc(Mat source, Mat target) {
        source.convertTo(float32Nhwc, CV_32F);
        transform(float32Nhwc, target, transformMatrix);
    }

    private static void copyOut(Mat floats, FloatBuffer dst, int at, int count) {
        try (FloatPointer data = new FloatPointer(floats.data())) {
            FloatBuffer view = data.capacity(count).asBuffer();
            FloatBuffer target = dst.duplicate();
            target.position(at);
            target.put(view);
        }
    }

    /** A view (no copy) of a rectangle of {@code m}. */
    private static Mat view(Mat m, int x, int y, int w, int h) {
        try (Rect r = new Rect(x, y, w, h)) {
            return new Mat(m, r);
        }
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /** Frees the scratch Mats. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        resized.close();
        canvas.close();
        blocks.close();
        plane8.close();
        channel8.close();
        float32.close();
        float32Nhwc.close();
        if (transformMatrix != null) {
            transformMatrix.close();
        }
        padColour.close();
    }
}
