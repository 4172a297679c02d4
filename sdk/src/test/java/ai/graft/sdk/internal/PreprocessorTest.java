package ai.graft.sdk.internal;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.ImageException;
import ai.graft.sdk.Preprocessing;
import ai.graft.sdk.Preprocessing.ColorOrder;
import ai.graft.sdk.Preprocessing.Layout;
import ai.graft.sdk.Preprocessing.Resize;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;

class PreprocessorTest {
    /** Float results of a convertTo with alpha/beta against (v * scale - mean) / std. */
    private static final float TOLERANCE = 1e-5f;

    /** A 2x2 BGR image, pixels row by row: (B, G, R). */
    private static final int[][] PIXELS = {
        {10, 20, 30}, {40, 50, 60},
        {70, 80, 90}, {255, 0, 128}
    };

    static Mat image2x2() {
        Mat m = new Mat(2, 2, CV_8UC3);
        byte[] data = new byte[12];
        for (int i = 0; i < 4; i++) {
            for (int c = 0; c < 3; c++) {
                data[i * 3 + c] = (byte) PIXELS[i][c];
            }
        }
        try (BytePointer p = m.data()) {
            p.put(data);
        }
        return m;
    }

    static FloatBuffer direct(int n) {
        return ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    static float[] run(Preprocessing p, Mat image, FloatBuffer dst) {
        int n = p.channels() * p.width() * p.height();
        int start = dst.position();
        try (Preprocessor pre = new Preprocessor(p)) {
            pre.write(image, dst);
        }
        assertEquals(start + n, dst.position(), "position advanced by one image");
        float[] out = new float[n];
        dst.duplicate().position(start).get(out);
        return out;
    }

    @Test
    void write_caffeGivesBgrMinusMeanExactly() {
        try (Mat img = image2x2()) {
            float[] out = run(Preprocessing.caffe(2, 2), img, direct(12));
            float[] mean = {103.939f, 116.779f, 123.68f};
            float[] expected = new float[12];
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < 4; i++) {
                    expected[c * 4 + i] = PIXELS[i][c] - mean[c];
                }
            }
            assertArrayEquals(expected, out, TOLERANCE);
        }
    }

    @Test
    void write_imagenetGivesRgbNormalised() {
        try (Mat img = image2x2()) {
            float[] out = run(Preprocessing.imagenet(2, 2), img, direct(12));
            float[] mean = {0.485f, 0.456f, 0.406f};
            float[] std = {0.229f, 0.224f, 0.225f};
            float[] expected = new float[12];
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < 4; i++) {
                    int v = PIXELS[i][2 - c]; // RGB from BGR
                    expected[c * 4 + i] = (v / 255f - mean[c]) / std[c];
                }
            }
            assertArrayEquals(expected, out, TOLERANCE);
            // Spot check one value written out by hand: R of pixel 0 = 30.
            assertEquals((30 / 255f - 0.485f) / 0.229f, out[0], TOLERANCE);
        }
    }

    @Test
    void write_nhwcInterleavesTheSameValues() {
        Preprocessing nchw = Preprocessing.imagenet(2, 2);
        Preprocessing nhwc = nchw.toBuilder().layout(Layout.NHWC).build();
        try (Mat img = image2x2()) {
            float[] planar = run(nchw, img, direct(12));
            float[] direct = run(nhwc, img, direct(12));
            float[] heap = run(nhwc, img, FloatBuffer.allocate(12));
            for (int i = 0; i < 4; i++) {
                for (int c = 0; c < 3; c++) {
                    assertEquals(planar[c * 4 + i], direct[i * 3 + c], TOLERANCE);
                    assertEquals(planar[c * 4 + i], heap[i * 3 + c], TOLERANCE);
                }
            }
        }
    }

    @Test
    void write_grayUsesOpenCvLuminance() {
        Preprocessing gray =
                Preprocessing.builder()
                        .size(2, 2)
                        .resize(Resize.STRETCH)
                        .colorOrder(ColorOrder.GRAY)
                        .scale(1f)
                        .build();
        try (Mat img = image2x2()) {
            float[] out = run(gray, img, direct(4));
            for (int i = 0; i < 4; i++) {
                // OpenCV BGR2GRAY: 0.299 R + 0.587 G + 0.114 B, rounded.
                float y =
                        Math.round(
                                0.299 * PIXELS[i][2] + 0.587 * PIXELS[i][1] + 0.114 * PIXELS[i][0]);
                assertEquals(y, out[i], 1f, "pixel " + i);
            }
        }
    }

    @Test
    void write_heapAndDirectBuffersAgreeAndOnlyTouchTheirSlice() {
        Preprocessing p = Preprocessing.caffe(2, 2);
        try (Mat img = image2x2()) {
            FloatBuffer direct = direct(30);
            FloatBuffer heap = FloatBuffer.allocate(30);
            FloatBuffer bigEndian = ByteBuffer.allocateDirect(120).asFloatBuffer();
            for (FloatBuffer b : new FloatBuffer[] {direct, heap, bigEndian}) {
                for (int i = 0; i < 30; i++) {
                    b.put(i, -7f);
                }
                b.position(7);
            }
            float[] a = run(p, img, direct);
            float[] b = run(p, img, heap);
            float[] c = run(p, img, bigEndian);
            assertArrayEquals(a, b, 0f);
            assertArrayEquals(a, c, 0f);
            for (FloatBuffer buf : new FloatBuffer[] {direct, heap, bigEndian}) {
                for (int i = 0; i < 30; i++) {
                    if (i < 7 || i >= 19) {
                        assertEquals(-7f, buf.get(i), "untouched element " + i);
                    }
                }
            }
        }
    }

    @Test
    void write_batchOfTwoFollowsOnePosition() {
        Preprocessing p = Preprocessing.caffe(2, 2);
        FloatBuffer batch = direct(24);
        try (Mat img = image2x2();
                Preprocessor pre = new Preprocessor(p)) {
            pre.write(img, batch);
            pre.write(img, batch);
        }
        assertEquals(24, batch.position());
        for (int i = 0; i < 12; i++) {
            assertEquals(batch.get(i), batch.get(12 + i));
        }
    }

    @Test
    void write_shorterCropTakesTheCentre() {
        // 300x100: left third red, centre green, right third blue.
        try (Mat img = new Mat(100, 300, CV_8UC3, new Scalar(0, 0, 255, 0))) {
            fill(img, 100, 0, 100, 100, 0, 255, 0);
            fill(img, 200, 0, 100, 100, 255, 0, 0);
            float[] out = run(Preprocessing.unit(100, 100), img, direct(3 * 100 * 100));
            for (int i = 0; i < 100 * 100; i++) {
                assertEquals(0f, out[i], TOLERANCE, "R"); // RGB order
                assertEquals(1f, out[10000 + i], TOLERANCE, "G");
                assertEquals(0f, out[20000 + i], TOLERANCE, "B");
            }
        }
    }

    @Test
    void write_shorterCropResizesThenCrops() {
        // 400x200, left half black, right half white; imagenet ratio for 28: shorter side 32.
        // Resized to 64x32, centre crop 28x28 from x=18: columns 0..13 black, 14..27 white.
        Preprocessing p = Preprocessing.builder().size(28, 28).colorOrder(ColorOrder.BGR).build();
        assertEquals(32, p.resizeShorter());
        try (Mat img = new Mat(200, 400, CV_8UC3, new Scalar(0, 0, 0, 0))) {
            fill(img, 200, 0, 200, 200, 255, 255, 255);
            float[] out = run(p, img, direct(3 * 28 * 28));
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    float v = out[y * 28 + x];
                    float expected = x < 13 ? 0f : x > 14 ? 255f : v;
                    assertEquals(expected, v, 0.5f, "x=" + x + " y=" + y);
                }
            }
        }
    }

    @Test
    void write_letterboxKeepsAspectAndPadsGray() {
        Preprocessing p =
                Preprocessing.builder()
                        .size(100, 100)
                        .resize(Resize.LETTERBOX)
                        .colorOrder(ColorOrder.BGR)
                        .build();
        try (Mat img = new Mat(100, 200, CV_8UC3, new Scalar(255, 255, 255, 0))) {
            float[] out = run(p, img, direct(3 * 100 * 100));
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 100; y++) {
                    float expected = y < 25 || y >= 75 ? 114f : 255f;
                    for (int x = 0; x < 100; x++) {
                        assertEquals(expected, out[c * 10000 + y * 100 + x], 0f, "y=" + y);
                    }
                }
            }
        }
    }

    @Test
    void write_letterboxOddMarginGoesRightAndBottom() {
        // 3x1 image into 4x4: r = 4/3, 4x1 (rint(1.33) = 1) centred at top = 1 (3 rows of margin).
        Preprocessing p =
                Preprocessing.builder()
                        .size(4, 4)
                        .resize(Resize.LETTERBOX)
                        .colorOrder(ColorOrder.BGR)
                        .build();
        try (Mat img = new Mat(1, 3, CV_8UC3, new Scalar(0, 0, 0, 0))) {
            float[] out = run(p, img, direct(48));
            for (int y = 0; y < 4; y++) {
                assertEquals(y == 1 ? 0f : 114f, out[y * 4], 0f, "row " + y);
            }
        }
    }

    @Test
    void write_stretchIgnoresAspect() {
        try (Mat img = new Mat(10, 40, CV_8UC3, new Scalar(1, 2, 3, 0))) {
            float[] out = run(Preprocessing.raw(8, 8), img, direct(3 * 64));
            for (int i = 0; i < 64; i++) {
                assertEquals(3f, out[i], 0f);
                assertEquals(2f, out[64 + i], 0f);
                assertEquals(1f, out[128 + i], 0f);
            }
        }
    }

    @Test
    void write_upscalesTinyImages() {
        try (Mat img = new Mat(1, 1, CV_8UC3, new Scalar(9, 8, 7, 0))) {
            for (Preprocessing p :
                    new Preprocessing[] {
                        Preprocessing.caffe(16, 16),
                        Preprocessing.raw(16, 16),
                        Preprocessing.builder().size(16, 8).resize(Resize.LETTERBOX).build()
                    }) {
                float[] out = run(p, img, direct(3 * 16 * 16));
                assertTrue(Float.isFinite(out[out.length - 1]));
            }
        }
        try (Mat img = new Mat(20, 3000, CV_8UC3, new Scalar(9, 8, 7, 0))) {
            float[] out = run(Preprocessing.imagenet(224, 224), img, direct(3 * 224 * 224));
            assertEquals((7 / 255f - 0.485f) / 0.229f, out[0], 1e-4f);
        }
    }

    @Test
    void write_rejectsWrongInputAndSmallBuffer() {
        try (Preprocessor pre = new Preprocessor(Preprocessing.caffe(2, 2));
                Mat gray = new Mat(2, 2, CV_8UC1);
                Mat empty = new Mat();
                Mat img = image2x2()) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> pre.write(gray, direct(12)));
            assertTrue(e.getMessage().contains("CV_8UC3"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> pre.write(empty, direct(12)));
            FloatBuffer small = direct(12);
            small.position(1);
            e = assertThrows(IllegalArgumentException.class, () -> pre.write(img, small));
            assertTrue(e.getMessage().contains("11 floats remaining, needs 12"), e.getMessage());
            pre.close();
            assertThrows(IllegalStateException.class, () -> pre.write(img, direct(12)));
        }
    }

    @Test
    void write_acceptsRegionOfInterest() {
        try (Mat big = new Mat(10, 10, CV_8UC3, new Scalar(0, 0, 0, 0));
                Rect r = new Rect(2, 2, 2, 2)) {
            fill(big, 2, 2, 2, 2, 50, 60, 70);
            try (Mat roi = new Mat(big, r)) {
                float[] out = run(Preprocessing.raw(2, 2), roi, FloatBuffer.allocate(12));
                assertArrayEquals(
                        new float[] {70, 70, 70, 70, 60, 60, 60, 60, 50, 50, 50, 50}, out, 0f);
            }
        }
    }

    @Test
    void write_realPhotosGiveFiniteCaffeValues() throws ImageException {
        Preprocessing caffe = Preprocessing.caffe(224, 224);
        ImageDecoder decoder = new ImageDecoder(100_000_000);
        for (String name :
                new String[] {"images/dog_golden_retriever_winml.jpg", "images/squirrel_cls.jpg"}) {
            Path file = ImageTestData.require(name);
            FloatBuffer dst = direct(3 * 224 * 224);
            try (Mat img = decoder.decode(file, caffe.resizeShorter());
                    Preprocessor pre = new Preprocessor(caffe)) {
                assertTrue(Math.min(img.cols(), img.rows()) >= 256, name + " decoded too small");
                pre.write(img, dst);
            }
            float[] mean = {103.939f, 116.779f, 123.68f};
            for (int c = 0; c < 3; c++) {
                double sum = 0;
                float min = Float.MAX_VALUE;
                float max = -Float.MAX_VALUE;
                for (int i = 0; i < 224 * 224; i++) {
                    float v = dst.get(c * 224 * 224 + i);
                    assertTrue(Float.isFinite(v));
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                    sum += v;
                }
                assertTrue(min >= -mean[c] - 1e-3f && max <= 255 - mean[c] + 1e-3f, name);
                // A photograph uses a good part of the range, not a constant.
                assertTrue(max - min > 100, name + " channel " + c + " range " + (max - min));
                double average = sum / (224 * 224) + mean[c];
                assertTrue(average > 10 && average < 245, name + " mean " + average);
            }
        }
    }

    static void fill(Mat img, int x, int y, int w, int h, int b, int g, int r) {
        try (Rect rect = new Rect(x, y, w, h);
                Mat roi = new Mat(img, rect);
                Scalar s = new Scalar(b, g, r, 0)) {
            roi.put(s);
        }
    }
}
