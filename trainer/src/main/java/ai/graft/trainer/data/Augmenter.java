package ai.graft.trainer.data;

import static org.bytedeco.opencv.global.opencv_core.BORDER_CONSTANT;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.LUT;
import static org.bytedeco.opencv.global.opencv_core.addWeighted;
import static org.bytedeco.opencv.global.opencv_core.flip;
import static org.bytedeco.opencv.global.opencv_core.mean;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2HSV_FULL;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_GRAY2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_HSV2BGR_FULL;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.getRotationMatrix2D;
import static org.bytedeco.opencv.global.opencv_imgproc.warpAffine;

import ai.graft.sdk.Preprocessing;
import ai.graft.sdk.TensorWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point2f;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Applies one {@link Augmentation} for one model input size, reusing its native scratch images. Not
 * thread-safe: one per thread; close it to free the native memory.
 */
final class Augmenter implements AutoCloseable {
    private static final double LOG_MIN_RATIO = Math.log(3.0 / 4.0);
    private static final double LOG_MAX_RATIO = Math.log(4.0 / 3.0);

    private final Augmentation aug;
    private final int width;
    private final int height;

    /**
     * The SDK's resize and crop, writing plain BGR values 0-255 as floats (HWC). OpenCV resizes
     * 8-bit images to 8-bit, so these floats are whole numbers and converting back to 8 bits is
     * exact.
     */
    private final TensorWriter geometry;

    private final FloatBuffer floats;
    private final FloatPointer floatsPointer;
    private final Mat floatsMat;
    private final Mat a = new Mat();
    private final Mat b = new Mat();
    private final Mat gray = new Mat();
    private final Mat gray3 = new Mat();
    private final Mat hsv = new Mat();
    private final Mat hsvShifted = new Mat();
    private final Mat lut = new Mat(1, 256, CV_8UC3);
    private final byte[] lutBytes = new byte[256 * 3];
    private boolean closed;

    Augmenter(Augmentation aug, Preprocessing target) {
        this.aug = aug;
        this.width = target.width();
        this.height = target.height();
        Preprocessing.Builder g =
                target.toBuilder()
                        .colorOrder(Preprocessing.ColorOrder.BGR)
                        .scale(1f)
                        .mean(0f, 0f, 0f)
                        .std(1f, 1f, 1f)
                        .layout(Preprocessing.Layout.NHWC);
        if (aug.randomResizedCrop()) {
            g.resize(Preprocessing.Resize.STRETCH);
        }
        this.geometry = g.build().newWriter();
        this.floats =
                ByteBuffer.allocateDirect(width * height * 3 * Float.BYTES)
                        .order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
        this.floatsPointer = new FloatPointer(floats);
        this.floatsMat = new Mat(height, width, CV_32FC3, floatsPointer);
    }

    /**
     * The smallest shorter side a decoded image needs so that even the smallest random crop is not
     * upscaled more than the model's centre crop would be.
     */
    static int minShortSide(Augmentation aug, Preprocessing p) {
        int evaluation = p.decodeShortSide();
        if (!aug.randomResizedCrop()) {
            return evaluation;
        }
        return (int) Math.ceil(Math.max(p.width(), p.height()) / Math.sqrt(aug.minScale()));
    }

    /**
     * Augments an image.
     *
     * @param bgr8 8UC3, any size; not modified
     * @param seed the seed of every random choice
     * @return an 8UC3 {@code width x height} scratch Mat of this augmenter, valid until the next
     *     call
     */
    Mat augment(Mat bgr8, long seed) {
        if (closed) {
            throw new IllegalStateException("Augmenter is closed");
        }
        if (bgr8.empty() || bgr8.type() != CV_8UC3) {
            throw new IllegalArgumentException(
                    "Image Mat is "
                            + (bgr8.empty() ? "empty" : "of type " + bgr8.type())
                            + ", expected 8-bit 3-channel BGR (CV_8UC3)");
        }
        Rng rng = new Rng(seed);
        if (aug.randomResizedCrop()) {
            int[] r = cropRegion(bgr8.cols(), bgr8.rows(), aug.minScale(), rng);
            try (Rect rect = new Rect(r[0], r[1], r[2], r[3]);
                    Mat region = new Mat(bgr8, rect)) {
                toTarget(region, a);
            }
        } else {
            toTarget(bgr8, a);
        }
        Mat cur = a;
        Mat spare = b;
        if (aug.hflip() && rng.nextBoolean()) {
            flip(cur, spare, 1);
            Mat t = cur;
            cur = spare;
            spare = t;
        }
        if (aug.vflip() && rng.nextBoolean()) {
            flip(cur, spare, 0);
            Mat t = cur;
            cur = spare;
            spare = t;
        }
        if (aug.rotationDegrees() > 0) {
            double angle = rng.uniform(-aug.rotationDegrees(), aug.rotationDegrees());
            try (Point2f centre = new Point2f((width - 1) / 2f, (height - 1) / 2f);
                    Mat m = getRotationMatrix2D(centre, angle, 1.0);
                    Size size = new Size(width, height);
                    Scalar black = new Scalar(0, 0, 0, 0)) {
                warpAffine(cur, spare, m, size, INTER_LINEAR, BORDER_CONSTANT, black);
            }
            Mat t = cur;
            cur = spare;
            spare = t;
        }
        // Colour jitter in a random order, as torchvision's ColorJitter does.
        int[] order = {0, 1, 2, 3};
        rng.shuffle(order);
        for (int op : order) {
            boolean applied;
            switch (op) {
                case 0:
                    applied = brightness(cur, spare, rng);
                    break;
                case 1:
                    applied = contrast(cur, spare, rng);
                    break;
                case 2:
                    applied = saturation(cur, spare, rng);
                    break;
                default:
                    applied = hue(cur, spare, rng);
                    break;
            }
            if (applied) {
                Mat t = cur;
                cur = spare;
                spare = t;
            }
        }
        return cur;
    }

    /** Resizes (and for no random crop, crops) with the SDK's writer into {@code out}. */
    private void toTarget(Mat src, Mat out) {
        floats.clear();
        geometry.write(src, floats);
        floatsMat.convertTo(out, CV_8U);
    }

    /**
     * torchvision's {@code RandomResizedCrop.get_params}: up to 10 tries of a random area and
     * aspect ratio, else the whole image clamped to the ratio range, centred.
     *
     * @return {x, y, w, h}
     */
    static int[] cropRegion(int w, int h, double minScale, Rng rng) {
        double area = (double) w * h;
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * rng.uniform(minScale, 1.0);
            double ratio = Math.exp(rng.uniform(LOG_MIN_RATIO, LOG_MAX_RATIO));
            int cw = (int) Math.round(Math.sqrt(target * ratio));
            int ch = (int) Math.round(Math.sqrt(target / ratio));
            if (cw > 0 && cw <= w && ch > 0 && ch <= h) {
                int x = rng.nextInt(w - cw + 1);
                int y = rng.nextInt(h - ch + 1);
                return new int[] {x, y, cw, ch};
            }
        }
        double inRatio = (double) w / h;
        int cw;
        int ch;
        if (inRatio < 3.0 / 4.0) {
            cw = w;
            ch = Math.max(1, Math.min(h, (int) Math.round(w / (3.0 / 4.0))));
        } else if (inRatio > 4.0 / 3.0) {
            ch = h;
            cw = Math.max(1, Math.min(w, (int) Math.round(h * (4.0 / 3.0))));
        } else {
            cw = w;
            ch = h;
        }
        return new int[] {(w - cw) / 2, (h - ch) / 2, cw, ch};
    }

    private static double factor(double jitter, Rng rng) {
        return rng.uniform(Math.max(0, 1 - jitter), 1 + jitter);
    }

    private boolean brightness(Mat src, Mat dst, Rng rng) {
        if (aug.brightness() <= 0) {
            return false;
        }
        src.convertTo(dst, -1, factor(aug.brightness(), rng), 0);
        return true;
    }

    private boolean contrast(Mat src, Mat dst, Rng rng) {
        if (aug.contrast() <= 0) {
            return false;
        }
        double f = factor(aug.contrast(), rng);
        cvtColor(src, gray, COLOR_BGR2GRAY);
        double m;
        try (Scalar s = mean(gray)) {
            m = s.get(0);
        }
        src.convertTo(dst, -1, f, (1 - f) * m);
        return true;
    }

    private boolean saturation(Mat src, Mat dst, Rng rng) {
        if (aug.saturation() <= 0) {
            return false;
        }
        double f = factor(aug.saturation(), rng);
        cvtColor(src, gray, COLOR_BGR2GRAY);
        cvtColor(gray, gray3, COLOR_GRAY2BGR);
        addWeighted(src, f, gray3, 1 - f, 0, dst);
        return true;
    }

    private boolean hue(Mat src, Mat dst, Rng rng) {
        if (aug.hue() <= 0) {
            return false;
        }
        // 8-bit "full" HSV: hue 0-255 is one turn, so the shift wraps with a lookup table.
        int shift = (int) Math.round(rng.uniform(-aug.hue(), aug.hue()) * 256);
        if (shift == 0) {
            return false;
        }
        for (int i = 0; i < 256; i++) {
            lutBytes[3 * i] = (byte) ((i + shift) & 0xFF);
            lutBytes[3 * i + 1] = (byte) i;
            lutBytes[3 * i + 2] = (byte) i;
        }
        try (BytePointer p = lut.data()) {
            p.put(lutBytes);
        }
        cvtColor(src, hsv, COLOR_BGR2HSV_FULL);
        LUT(hsv, lut, hsvShifted);
        cvtColor(hsvShifted, dst, COLOR_HSV2BGR_FULL);
        return true;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        geometry.close();
        floatsMat.close();
        floatsPointer.close();
        a.close();
        b.close();
        gray.close();
        gray3.close();
        hsv.close();
        hsvShifted.close();
        lut.close();
    }
}
