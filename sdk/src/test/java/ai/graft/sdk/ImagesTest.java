package ai.graft.sdk;

import static org.bytedeco.opencv.global.opencv_core.CV_16UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC2;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC4;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesTest {
    @TempDir Path dir;

    /** A 3 x 2 image: top row red, green, blue; bottom row black, white, gray 77. */
    static BufferedImage sixColours() {
        BufferedImage image = new BufferedImage(3, 2, BufferedImage.TYPE_3BYTE_BGR);
        int[] rgb = {0xFF0000, 0x00FF00, 0x0000FF, 0x000000, 0xFFFFFF, 0x4D4D4D};
        for (int i = 0; i < rgb.length; i++) {
            image.setRGB(i % 3, i / 3, rgb[i]);
        }
        return image;
    }

    static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    /** The B, G, R bytes of a Mat, row by row. */
    static byte[] bgrBytes(Mat m) {
        assertEquals(CV_8UC3, m.type(), "8-bit BGR");
        byte[] b = new byte[m.rows() * m.cols() * 3];
        try (Mat continuous = m.clone();
                BytePointer data = continuous.data()) {
            data.get(b);
        }
        return b;
    }

    @Test
    void decode_pngFileGivesBgrPixels() throws Exception {
        Path file = Files.write(dir.resolve("six.png"), png(sixColours()));
        try (Mat m = Images.decode(file, Images.DEFAULT_MAX_PIXELS, 0)) {
            assertEquals(3, m.cols());
            assertEquals(2, m.rows());
            assertArrayEquals(
                    new byte[] {
                        0,
                        0,
                        (byte) 255,
                        0,
                        (byte) 255,
                        0,
                        (byte) 255,
                        0,
                        0,
                        0,
                        0,
                        0,
                        (byte) 255,
                        (byte) 255,
                        (byte) 255,
                        77,
                        77,
                        77
                    },
                    bgrBytes(m));
        }
    }

    @Test
    void decode_bytesGiveTheSamePixelsAsTheFile() throws Exception {
        byte[] encoded = png(sixColours());
        Path file = Files.write(dir.resolve("six.png"), encoded);
        try (Mat fromFile = Images.decode(file, 6, 0);
                Mat fromBytes = Images.decode(encoded, "upload.png", 6, 0)) {
            assertArrayEquals(bgrBytes(fromFile), bgrBytes(fromBytes));
        }
    }

    @Test
    void decode_errorsNameTheInput() throws Exception {
        byte[] encoded = png(sixColours());
        Path missing = dir.resolve("missing.png");
        ImageException notFound =
                assertThrows(
                        ImageException.class,
                        () -> Images.decode(missing, Images.DEFAULT_MAX_PIXELS, 0));
        assertTrue(notFound.getMessage().contains(missing.toString()), notFound.getMessage());
        assertTrue(notFound.getMessage().contains("not found"), notFound.getMessage());

        ImageException tooLarge =
                assertThrows(ImageException.class, () -> Images.decode(encoded, "big.png", 5, 0));
        assertTrue(tooLarge.getMessage().startsWith("big.png: "), tooLarge.getMessage());
        assertTrue(tooLarge.getMessage().contains("limit of 5 pixels"), tooLarge.getMessage());

        byte[] text = "hello, not an image".getBytes(StandardCharsets.US_ASCII);
        ImageException notImage =
                assertThrows(
                        ImageException.class,
                        () -> Images.decode(text, "notes.jpg", Images.DEFAULT_MAX_PIXELS, 0));
        assertTrue(
                notImage.getMessage().startsWith("notes.jpg: not an image"), notImage.getMessage());

        Path cut = Files.write(dir.resolve("cut.png"), Arrays.copyOf(encoded, encoded.length - 20));
        ImageException truncated =
                assertThrows(
                        ImageException.class,
                        () -> Images.decode(cut, Images.DEFAULT_MAX_PIXELS, 0));
        assertTrue(truncated.getMessage().startsWith(cut + ": "), truncated.getMessage());
        assertTrue(truncated.getMessage().contains("truncated PNG"), truncated.getMessage());
    }

    @Test
    void decode_rejectsBadArguments() throws Exception {
        byte[] encoded = png(sixColours());
        IllegalArgumentException limit =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Images.decode(encoded, "six.png", 0, 0));
        assertTrue(limit.getMessage().contains("maxPixels"), limit.getMessage());
        IllegalArgumentException side =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Images.decode(encoded, "six.png", 6, -1));
        assertTrue(side.getMessage().contains("minShortSide"), side.getMessage());
    }

    @Test
    void toBgr8_convertsGrayBgraAndSixteenBitMats() {
        try (Scalar g77 = new Scalar(77, 0, 0, 0);
                Mat gray = new Mat(2, 2, CV_8UC1, g77);
                Mat bgr = Images.toBgr8(gray)) {
            assertArrayEquals(filled(4, 77, 77, 77), bgrBytes(bgr));
        }
        try (Scalar colour = new Scalar(10, 20, 30, 40);
                Mat bgra = new Mat(2, 2, CV_8UC4, colour);
                Mat bgr = Images.toBgr8(bgra)) {
            assertArrayEquals(filled(4, 10, 20, 30), bgrBytes(bgr));
        }
        try (Scalar high = new Scalar(200 * 256, 0, 0, 0);
                Mat sixteen = new Mat(1, 1, CV_16UC1, high);
                Mat bgr = Images.toBgr8(sixteen)) {
            assertArrayEquals(filled(1, 200, 200, 200), bgrBytes(bgr));
        }
    }

    @Test
    void toBgr8_copiesEvenAnEightBitBgrMat() {
        try (Scalar colour = new Scalar(1, 2, 3, 0);
                Mat source = new Mat(1, 1, CV_8UC3, colour);
                Mat copy = Images.toBgr8(source);
                Scalar other = new Scalar(9, 9, 9, 0)) {
            source.put(other);
            assertArrayEquals(filled(1, 1, 2, 3), bgrBytes(copy));
        }
    }

    @Test
    void toBgr8_rejectsTwoChannelsAndEmptyMats() {
        try (Mat twoChannels = new Mat(2, 2, CV_8UC2);
                Mat empty = new Mat()) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> Images.toBgr8(twoChannels));
            assertTrue(e.getMessage().contains("2 channels"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Images.toBgr8(empty));
        }
    }

    @Test
    void toBgr8_bufferedImagesKeepTheirValues() {
        try (Mat m = Images.toBgr8(sixColours())) {
            assertArrayEquals(
                    new byte[] {
                        0,
                        0,
                        (byte) 255,
                        0,
                        (byte) 255,
                        0,
                        (byte) 255,
                        0,
                        0,
                        0,
                        0,
                        0,
                        (byte) 255,
                        (byte) 255,
                        (byte) 255,
                        77,
                        77,
                        77
                    },
                    bgrBytes(m));
        }
        BufferedImage gray = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(0, 0, 0, 77);
        gray.getRaster().setSample(1, 0, 0, 200);
        try (Mat m = Images.toBgr8(gray)) {
            assertArrayEquals(
                    new byte[] {77, 77, 77, (byte) 200, (byte) 200, (byte) 200}, bgrBytes(m));
        }
    }

    private static byte[] filled(int pixels, int b, int g, int r) {
        byte[] out = new byte[pixels * 3];
        for (int i = 0; i < pixels; i++) {
            out[i * 3] = (byte) b;
            out[i * 3 + 1] = (byte) g;
            out[i * 3 + 2] = (byte) r;
        }
        return out;
    }
}
