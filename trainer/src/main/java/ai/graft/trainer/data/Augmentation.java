package ai.graft.trainer.data;

import ai.graft.sdk.Preprocessing;
import java.util.Objects;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Training-time image augmentation, run on OpenCV and seeded: the same image and seed always give
 * the same result, whatever thread computes it. The steps, in order, follow torchvision's usual
 * training pipeline:
 *
 * <ol>
 *   <li>geometry: with {@code randomResizedCrop}, a random region of {@code [minScale, 1]} of the
 *       image's area and aspect ratio in {@code [3/4, 4/3]} (torchvision's {@code
 *       RandomResizedCrop}), stretched to the model's input size; otherwise the model's own resize
 *       and crop. Either way the resize is the SDK's ({@link ai.graft.sdk.TensorWriter}), so
 *       augmented and evaluation images are scaled by one implementation;
 *   <li>horizontal and vertical flips, each with probability 1/2;
 *   <li>rotation by a uniform angle in {@code [-rotationDegrees, rotationDegrees]} about the
 *       centre, uncovered corners black;
 *   <li>colour jitter in random order, factors uniform in {@code [max(0, 1 - x), 1 + x]}:
 *       brightness (scale), contrast (blend with the mean gray), saturation (blend with the gray
 *       image), and a hue shift uniform in {@code [-hue, hue]} of a full turn.
 * </ol>
 *
 * Steps 2 to 4 run on the small image at the model's input size. The normalisation to floats is
 * then the SDK's as well ({@link BatchLoader}).
 *
 * @param randomResizedCrop whether to crop a random region instead of the model's centre crop
 * @param minScale the smallest share of the image's area the random crop keeps, in (0, 1]
 * @param hflip whether to flip left-right with probability 1/2
 * @param vflip whether to flip upside-down with probability 1/2
 * @param rotationDegrees the largest rotation, in degrees, in [0, 180]
 * @param brightness the brightness jitter, at least 0
 * @param contrast the contrast jitter, at least 0
 * @param saturation the saturation jitter, at least 0
 * @param hue the hue jitter as a fraction of a full turn, in [0, 0.5]
 */
public record Augmentation(
        boolean randomResizedCrop,
        double minScale,
        boolean hflip,
        boolean vflip,
        double rotationDegrees,
        double brightness,
        double contrast,
        double saturation,
        double hue) {

    /**
     * Validates the fields.
     *
     * @throws IllegalArgumentException naming the first field out of range
     */
    public Augmentation {
        if (!(minScale > 0 && minScale <= 1)) {
            throw new IllegalArgumentException("minScale must be in (0, 1], got " + minScale);
        }
        if (!(rotationDegrees >= 0 && rotationDegrees <= 180)) {
            throw new IllegalArgumentException(
                    "rotationDegrees must be in [0, 180], got " + rotationDegrees);
        }
        check("brightness", brightness);
        check("contrast", contrast);
        check("saturation", saturation);
        if (!(hue >= 0 && hue <= 0.5)) {
            throw new IllegalArgumentException("hue must be in [0, 0.5], got " + hue);
        }
    }

    private static void check(String name, double v) {
        if (!(v >= 0 && Double.isFinite(v))) {
            throw new IllegalArgumentException(name + " must be a number >= 0, got " + v);
        }
    }

    /**
     * No augmentation: images go through exactly the SDK's evaluation preprocessing.
     *
     * @return the identity augmentation
     */
    public static Augmentation none() {
        return new Augmentation(false, 1.0, false, false, 0, 0, 0, 0, 0);
    }

    /**
     * The usual ImageNet fine-tuning augmentation: random resized crop (scale 0.08 to 1, aspect 3/4
     * to 4/3), horizontal flip, rotation up to 10 degrees, colour jitter 0.2 brightness, 0.2
     * contrast, 0.2 saturation, 0.02 hue.
     *
     * @return the standard augmentation
     */
    public static Augmentation standard() {
        return new Augmentation(true, 0.08, true, false, 10, 0.2, 0.2, 0.2, 0.02);
    }

    /**
     * A milder augmentation for small inputs (a shorter side under {@value #SMALL_INPUT} pixels,
     * such as 28 x 28 Fashion-MNIST): random resized crop from 60 % of the area, horizontal flip,
     * rotation up to 10 degrees, brightness and contrast jitter 0.1. On images that small, a crop
     * from 8 % of the area keeps a few pixels of the object.
     *
     * @return the small-image augmentation
     */
    public static Augmentation small() {
        return new Augmentation(true, 0.6, true, false, 10, 0.1, 0.1, 0, 0);
    }

    /** Inputs with a shorter side below this many pixels get {@link #small()}. */
    public static final int SMALL_INPUT = 64;

    /**
     * The default augmentation for a model input: {@link #standard()}, or {@link #small()} for
     * inputs whose shorter side is under {@value #SMALL_INPUT} pixels.
     *
     * @param width the model input width
     * @param height the model input height
     * @return the augmentation
     */
    public static Augmentation forInput(int width, int height) {
        return Math.min(width, height) < SMALL_INPUT ? small() : standard();
    }

    /**
     * Whether this changes nothing, so that images take the evaluation path unchanged.
     *
     * @return true for {@link #none()} and equivalent values
     */
    public boolean isNone() {
        return !randomResizedCrop
                && !hflip
                && !vflip
                && rotationDegrees == 0
                && brightness == 0
                && contrast == 0
                && saturation == 0
                && hue == 0;
    }

    /**
     * Augments one image to the model's input size (steps 1 to 4 above).
     *
     * @param bgr8 an 8-bit 3-channel BGR image of any size; not modified
     * @param target the model's preprocessing: its size, and its resize rule when there is no
     *     random crop
     * @param seed the seed; the same seed gives the same image
     * @return a new {@code target.width() x target.height()} 8-bit BGR Mat; the caller closes it
     * @throws IllegalArgumentException when the image is empty or not 8UC3
     */
    public Mat apply(Mat bgr8, Preprocessing target, long seed) {
        Objects.requireNonNull(bgr8, "image");
        Objects.requireNonNull(target, "target");
        try (Augmenter a = new Augmenter(this, target)) {
            return a.augment(bgr8, seed).clone();
        }
    }
}
