package ai.graft.sdk;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.Preprocessing.ColorOrder;
import ai.graft.sdk.Preprocessing.Layout;
import ai.graft.sdk.Preprocessing.Resize;
import ai.graft.sdk.testing.TinyOnnx;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TensorWriterTest {
    /** OpenCV's convertTo(alpha, beta) against (v * scale - mean) / std in float. */
    private static final float TOLERANCE = 1e-5f;

    /** A 2 x 2 BGR image, pixels row by row: (B, G, R). */
    private static final int[][] PIXELS = {{10, 20, 30}, {40, 50, 60}, {70, 80, 90}, {255, 0, 128}};

    private static final float[] MEAN = {0.5f, 0.25f, 0.125f};
    private static final float[] STD = {0.25f, 0.5f, 2f};

    @TempDir Path dir;

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

    static Preprocessing rgb2x2(Layout layout) {
        return Preprocessing.builder()
                .size(2, 2)
                .resize(Resize.STRETCH)
                .colorOrder(ColorOrder.RGB)
                .scale(1f / 255f)
                .mean(MEAN)
                .std(STD)
                .layout(layout)
                .build();
    }

    /** {@code (pixel * scale - mean[c]) / std[c]} for RGB channel c of pixel i. */
    static float expected(int i, int c) {
        int bgr = PIXELS[i][2 - c];
        return (bgr * (1f / 255f) - MEAN[c]) / STD[c];
    }

    @Test
    void write_nchwFollowsTheDefinitionAndAdvancesThePosition() {
        FloatBuffer dst = FloatBuffer.allocate(1 + 12);
        dst.put(-7f);
        try (Mat image = image2x2();
                TensorWriter writer = rgb2x2(Layout.NCHW).newWriter()) {
            writer.write(image, dst);
        }
        assertEquals(13, dst.position(), "advanced past one image");
        float[] want = new float[12];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 4; i++) {
                want[c * 4 + i] = expected(i, c);
            }
        }
        float[] got = new float[12];
        dst.position(1);
        dst.get(got);
        assertEquals(-7f, dst.get(0), "the float before the position is untouched");
        assertArrayEquals(want, got, TOLERANCE);
    }

    @Test
    void write_nhwcInterleavesTheSameValuesIntoADirectBuffer() {
        FloatBuffer dst =
                ByteBuffer.allocateDirect(12 * Float.BYTES)
                        .order(ByteOrder.nativeOrder())
                        .asFloatBuffer();
        try (Mat image = image2x2();
                TensorWriter writer = rgb2x2(Layout.NHWC).newWriter()) {
            writer.write(image, dst);
        }
        float[] want = new float[12];
        for (int i = 0; i < 4; i++) {
            for (int c = 0; c < 3; c++) {
                want[i * 3 + c] = expected(i, c);
            }
        }
        float[] got = new float[12];
        dst.flip().get(got);
        assertArrayEquals(want, got, TOLERANCE);
    }

    @Test
    void write_givesTheTensorTheClassifierRuns() throws Exception {
        // The model returns its input, so embed() shows the tensor the classifier built.
        Preprocessing p = Preprocessing.imagenet(8, 8);
        Path model =
                new TinyOnnx()
                        .input("image", TinyOnnx.FLOAT, 1L, 3L, 8L, 8L)
                        .node("Identity", List.of("image"), List.of("tensor"), Map.of())
                        .output("tensor", TinyOnnx.FLOAT, 1L, 3L, 8L, 8L)
                        .metadata(ModelCard.KEY_OUTPUT, "embedding")
                        .metadata(ModelCard.KEY_EMBEDDING_OUTPUT, "tensor")
                        .metadata(ModelCard.KEY_PREPROCESS, p.toJson())
                        .write(dir.resolve("identity.onnx"));
        BufferedImage picture = new BufferedImage(13, 11, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 11; y++) {
            for (int x = 0; x < 13; x++) {
                picture.setRGB(x, y, (x * 19) << 16 | (y * 23) << 8 | (x * y * 3));
            }
        }
        Path file = Files.write(dir.resolve("picture.png"), ImagesTest.png(picture));
        FloatBuffer written = FloatBuffer.allocate(3 * 8 * 8);
        try (Mat bgr = Images.decode(file, Images.DEFAULT_MAX_PIXELS, p.resizeShorter());
                TensorWriter writer = p.newWriter()) {
            writer.write(bgr, written);
        }
        try (ImageClassifier classifier = ImageClassifier.createFromFile(model)) {
            assertArrayEquals(written.array(), classifier.embed(ImageInput.of(file), "tensor"), 0f);
        }
    }

    @Test
    void write_rejectsOtherMatsAndSmallBuffersSayingWhatIsExpected() {
        try (TensorWriter writer = rgb2x2(Layout.NCHW).newWriter();
                Mat gray = new Mat(2, 2, CV_8UC1);
                Mat image = image2x2()) {
            IllegalArgumentException type =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> writer.write(gray, FloatBuffer.allocate(12)));
            assertTrue(type.getMessage().contains("Images.toBgr8"), type.getMessage());
            IllegalArgumentException size =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> writer.write(image, FloatBuffer.allocate(11)));
            assertTrue(
                    size.getMessage().contains("11 floats remaining, needs 12"), size.getMessage());
        }
    }

    @Test
    void close_isIdempotentAndWriteAfterItFails() {
        Preprocessing p = rgb2x2(Layout.NCHW);
        TensorWriter writer = p.newWriter();
        assertSame(p, writer.preprocessing());
        writer.close();
        writer.close();
        try (Mat image = image2x2()) {
            IllegalStateException e =
                    assertThrows(
                            IllegalStateException.class,
                            () -> writer.write(image, FloatBuffer.allocate(12)));
            assertEquals("TensorWriter is closed", e.getMessage());
        }
    }
}
