package ai.graft.trainer.data;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.countNonZero;
import static org.bytedeco.opencv.global.opencv_core.flip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.Images;
import ai.graft.sdk.Preprocessing;
import java.util.Arrays;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;

class AugmentationTest {
    private static final Preprocessing P = Preprocessing.imagenet(64, 48);

    private static Mat colourful(int w, int h, long seed) {
        return Images.toBgr8(TestImages.image(w, h, seed));
    }

    private static byte[] bytes(Mat m) {
        byte[] b = new byte[(int) (m.total() * m.channels())];
        try (UByteIndexer idx = m.createIndexer()) {
            int k = 0;
            for (int y = 0; y < m.rows(); y++) {
                for (int x = 0; x < m.cols(); x++) {
                    for (int c = 0; c < m.channels(); c++) {
                        b[k++] = (byte) idx.get(y, x, c);
                    }
                }
            }
        }
        return b;
    }

    @Test
    void forInput_givesSmallImagesTheMilderCrop() {
        assertEquals(Augmentation.small(), Augmentation.forInput(28, 28));
        assertEquals(Augmentation.small(), Augmentation.forInput(224, 63));
        assertEquals(Augmentation.standard(), Augmentation.forInput(64, 64));
        assertTrue(Augmentation.small().minScale() > Augmentation.standard().minScale());
    }

    @Test
    void standard_givesTheInputSizeAndIsSeeded() {
        try (Mat src = colourful(120, 90, 1);
                Mat a = Augmentation.standard().apply(src, P, 42);
                Mat b = Augmentation.standard().apply(src, P, 42);
                Mat c = Augmentation.standard().apply(src, P, 43)) {
            assertEquals(64, a.cols());
            assertEquals(48, a.rows());
            assertEquals(CV_8UC3, a.type());
            assertArrayEquals(bytes(a), bytes(b), "same seed, same image");
            assertFalse(Arrays.equals(bytes(a), bytes(c)), "another seed, another image");
            assertEquals(120, src.cols(), "input untouched");
        }
    }

    @Test
    void horizontalFlipOnly_givesTheImageOrItsMirror() {
        Augmentation flipOnly = new Augmentation(false, 1, true, false, 0, 0, 0, 0, 0);
        int flipped = 0;
        try (Mat src = colourful(100, 80, 2);
                Mat plain = Augmentation.none().apply(src, P, 0);
                Mat mirror = new Mat()) {
            flip(plain, mirror, 1);
            byte[] plainBytes = bytes(plain);
            byte[] mirrorBytes = bytes(mirror);
            for (long seed = 0; seed < 20; seed++) {
                try (Mat out = flipOnly.apply(src, P, seed)) {
                    byte[] o = bytes(out);
                    boolean isMirror = Arrays.equals(o, mirrorBytes);
                    assertTrue(isMirror || Arrays.equals(o, plainBytes), "seed " + seed);
                    flipped += isMirror ? 1 : 0;
                }
            }
        }
        assertTrue(flipped > 3 && flipped < 17, "flipped " + flipped + " of 20");
    }

    @Test
    void randomResizedCrop_staysInsideWithScaleAndAspectInRange() {
        for (long seed = 0; seed < 500; seed++) {
            int w = 50 + (int) (seed % 7) * 40;
            int h = 60 + (int) (seed % 5) * 30;
            int[] r = Augmenter.cropRegion(w, h, 0.08, new Rng(seed));
            assertTrue(r[0] >= 0 && r[1] >= 0 && r[2] > 0 && r[3] > 0, Arrays.toString(r));
            assertTrue(r[0] + r[2] <= w && r[1] + r[3] <= h, Arrays.toString(r));
            double area = (double) r[2] * r[3] / ((double) w * h);
            double aspect = (double) r[2] / r[3];
            assertTrue(area >= 0.06 && area <= 1.0, "area " + area);
            assertTrue(aspect > 0.7 && aspect < 1.43, "aspect " + aspect);
        }
        // Far outside the aspect range: the fallback crop, centred, clamped to 4/3.
        int[] r = Augmenter.cropRegion(1000, 10, 0.9, new Rng(1));
        assertArrayEquals(new int[] {493, 0, 13, 10}, r);
    }

    @Test
    void rotation_keepsTheCentreAndBlackensTheCorners() {
        Augmentation rotate = new Augmentation(false, 1, false, false, 90, 0, 0, 0, 0);
        Preprocessing p = Preprocessing.raw(41, 41);
        try (Mat src = new Mat(41, 41, CV_8UC3, new Scalar(10, 200, 90, 0));
                Mat out = rotate.apply(src, p, 5);
                UByteIndexer px = out.createIndexer()) {
            assertEquals(10, px.get(20, 20, 0));
            assertEquals(200, px.get(20, 20, 1));
            assertEquals(90, px.get(20, 20, 2));
            // Any angle beyond a degree uncovers at least one corner.
            int black = 0;
            for (int[] c : new int[][] {{0, 0}, {0, 40}, {40, 0}, {40, 40}}) {
                black += px.get(c[0], c[1], 1) == 0 ? 1 : 0;
            }
            assertTrue(black > 0, "no corner black");
        }
    }

    @Test
    void brightness_scalesEveryPixelByOneFactorInRange() {
        Augmentation bright = new Augmentation(false, 1, false, false, 0, 0.5, 0, 0, 0);
        Preprocessing p = Preprocessing.raw(16, 16);
        boolean changed = false;
        for (long seed = 0; seed < 10; seed++) {
            try (Mat src = new Mat(16, 16, CV_8UC3, new Scalar(100, 100, 100, 0));
                    Mat out = bright.apply(src, p, seed);
                    UByteIndexer px = out.createIndexer()) {
                int v = px.get(0, 0, 0);
                assertTrue(v >= 50 && v <= 150, "value " + v);
                for (int y = 0; y < 16; y++) {
                    for (int x = 0; x < 16; x++) {
                        for (int c = 0; c < 3; c++) {
                            assertEquals(v, px.get(y, x, c));
                        }
                    }
                }
                changed |= v != 100;
            }
        }
        assertTrue(changed);
    }

    @Test
    void saturationAndHue_changeColourButLeaveGrayGray() {
        Augmentation colour = new Augmentation(false, 1, false, false, 0, 0, 0, 0.9, 0.5);
        Preprocessing p = Preprocessing.raw(16, 16);
        try (Mat gray = new Mat(16, 16, CV_8UC3, new Scalar(77, 77, 77, 0));
                Mat out = colour.apply(gray, p, 3);
                Mat diff = new Mat()) {
            opencv_core.absdiff(gray, out, diff);
            assertEquals(0, countNonZero(diff.reshape(1)));
        }
        try (Mat red = new Mat(16, 16, CV_8UC3, new Scalar(0, 0, 200, 0));
                Mat out = colour.apply(red, p, 3);
                UByteIndexer px = out.createIndexer()) {
            int[] bgr = {px.get(8, 8, 0), px.get(8, 8, 1), px.get(8, 8, 2)};
            assertFalse(Arrays.equals(new int[] {0, 0, 200}, bgr), Arrays.toString(bgr));
        }
    }

    @Test
    void fields_areValidated() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new Augmentation(true, 0, true, false, 0, 0, 0, 0, 0));
        assertThrows(
                IllegalArgumentException.class,
                () -> new Augmentation(true, 0.5, true, false, -1, 0, 0, 0, 0));
        assertThrows(
                IllegalArgumentException.class,
                () -> new Augmentation(true, 0.5, true, false, 0, -0.1, 0, 0, 0));
        assertThrows(
                IllegalArgumentException.class,
                () -> new Augmentation(true, 0.5, true, false, 0, 0, 0, 0, 0.6));
        assertTrue(Augmentation.none().isNone());
        assertFalse(Augmentation.standard().isNone());
        assertEquals(0.08, Augmentation.standard().minScale());
        assertThrows(
                IllegalArgumentException.class,
                () -> Augmentation.standard().apply(new Mat(), P, 1));
    }
}
