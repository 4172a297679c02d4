package ai.graft.sdk.internal;

import static org.bytedeco.opencv.global.opencv_core.CV_16UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_32FC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC4;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_WEBP_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.ImageException;
import ai.graft.sdk.internal.ImageDecoder.Format;
import ai.graft.sdk.testing.ProcessMemory;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.regex.Pattern;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDecoderTest {
    private static final String EXPECTED = "expected JPEG, PNG, BMP, GIF, TIFF or WebP";

    private final ImageDecoder decoder = new ImageDecoder(100_000_000);

    @TempDir Path tmp;

    // ---------------------------------------------------------------- helpers

    static byte[] encode(String ext, Mat img, int... params) {
        try (BytePointer out = new BytePointer();
                IntPointer p = new IntPointer(params)) {
            assertTrue(imencode(ext, img, out, p), "encode " + ext);
            byte[] b = new byte[(int) out.limit()];
            out.get(b);
            return b;
        }
    }

    /** A w x h BGR image: left half red, right half blue (so rotations are visible). */
    static Mat halves(int w, int h) {
        Mat m = new Mat(h, w, CV_8UC3, new Scalar(255, 0, 0, 0));
        PreprocessorTest.fill(m, 0, 0, w / 2, h, 0, 0, 255);
        return m;
    }

    /** The BGR pixel at (x, y). */
    static int[] pixel(Mat m, int x, int y) {
        try (UByteIndexer idx = m.createIndexer()) {
            return new int[] {idx.get(y, x, 0), idx.get(y, x, 1), idx.get(y, x, 2)};
        }
    }

    static void assertPixel(int[] expectedBgr, Mat m, int x, int y, int tolerance) {
        int[] got = pixel(m, x, y);
        for (int c = 0; c < 3; c++) {
            assertTrue(
                    Math.abs(expectedBgr[c] - got[c]) <= tolerance,
                    "pixel ("
                            + x
                            + ","
                            + y
                            + ") = "
                            + Arrays.toString(got)
                            + ", expected "
                            + Arrays.toString(expectedBgr));
        }
    }

    static void assertBgr8(Mat m, int w, int h) {
        assertEquals(CV_8UC3, m.type());
        assertEquals(w, m.cols(), "width");
        assertEquals(h, m.rows(), "height");
    }

    /** Inserts an EXIF APP1 segment with only an orientation tag right after SOI. */
    static byte[] withExifOrientation(byte[] jpeg, int orientation) {
        byte[] app1 = {
            (byte) 0xFF,
            (byte) 0xE1,
            0,
            34, // marker, length 34
            'E',
            'x',
            'i',
            'f',
            0,
            0,
            'M',
            'M',
            0,
            42,
            0,
            0,
            0,
            8, // big-endian TIFF header, IFD0 at 8
            0,
            1, // one entry
            0x01,
            0x12,
            0,
            3,
            0,
            0,
            0,
            1,
            0,
            (byte) orientation,
            0,
            0, // Orientation, SHORT
            0,
            0,
            0,
            0 // no next IFD
        };
        byte[] out = new byte[jpeg.length + app1.length];
        out[0] = jpeg[0];
        out[1] = jpeg[1];
        System.arraycopy(app1, 0, out, 2, app1.length);
        System.arraycopy(jpeg, 2, out, 2 + app1.length, jpeg.length - 2);
        return out;
    }

    ImageException rejects(byte[] bytes, String name) {
        return assertThrows(ImageException.class, () -> decoder.decode(bytes, name, 0));
    }

    static void assertContains(String expected, Throwable e) {
        assertTrue(e.getMessage().contains(expected), "message: " + e.getMessage());
    }

    // ---------------------------------------------------------------- formats

    @Test
    void decode_opencvFormatsGiveBgr8WithTheirColours() throws ImageException {
        try (Mat img = halves(40, 30)) {
            String[][] cases = {
                {".jpg", "JPEG"},
                {".png", "PNG"},
                {".bmp", "BMP"},
                {".tiff", "TIFF"},
                {".webp", "WebP"}
            };
            for (String[] c : cases) {
                byte[] bytes = encode(c[0], img);
                try (Mat m = decoder.decode(bytes, "img" + c[0], 0)) {
                    assertBgr8(m, 40, 30);
                    int tol = c[0].equals(".jpg") || c[0].equals(".webp") ? 12 : 0;
                    assertPixel(new int[] {0, 0, 255}, m, 5, 15, tol);
                    assertPixel(new int[] {255, 0, 0}, m, 35, 15, tol);
                }
            }
        }
    }

    @Test
    void decode_losslessWebpIsExact() throws ImageException {
        try (Mat img = halves(41, 7)) {
            byte[] bytes = encode(".webp", img, IMWRITE_WEBP_QUALITY, 101);
            assertEquals(
                    "VP8L", new String(bytes, 12, 4, java.nio.charset.StandardCharsets.US_ASCII));
            try (Mat m = decoder.decode(bytes, "lossless.webp", 0)) {
                assertBgr8(m, 41, 7);
                assertPixel(new int[] {0, 0, 255}, m, 0, 0, 0);
                assertPixel(new int[] {255, 0, 0}, m, 40, 6, 0);
            }
        }
    }

    @Test
    void decode_gifUsesImageIoFirstFrame() throws Exception {
        BufferedImage first = new BufferedImage(20, 10, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = first.createGraphics();
        g.setColor(Color.RED);
        g.fillRect(0, 0, 10, 10);
        g.setColor(Color.BLUE);
        g.fillRect(10, 0, 10, 10);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(first, "gif", out));
        byte[] gif = out.toByteArray();
        try (Mat m = decoder.decode(gif, "anim.gif", 0)) {
            assertBgr8(m, 20, 10);
            assertPixel(new int[] {0, 0, 255}, m, 2, 5, 0);
            assertPixel(new int[] {255, 0, 0}, m, 15, 5, 0);
        }
        // Truncated GIF: an error naming the file, not a partial picture.
        ImageException e = rejects(Arrays.copyOf(gif, 30), "cut.gif");
        assertContains("cut.gif", e);
        assertContains("GIF", e);
    }

    @Test
    void decode_animatedGifGivesTheFirstFrame() throws Exception {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("gif").next();
        byte[] gif;
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                ImageOutputStream ios = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(ios);
            writer.prepareWriteSequence(null);
            for (Color c : new Color[] {Color.GREEN, Color.RED}) {
                BufferedImage frame = new BufferedImage(8, 6, BufferedImage.TYPE_3BYTE_BGR);
                Graphics2D g = frame.createGraphics();
                g.setColor(c);
                g.fillRect(0, 0, 8, 6);
                g.dispose();
                writer.writeToSequence(new IIOImage(frame, null, null), null);
            }
            writer.endWriteSequence();
            ios.flush();
            gif = bytes.toByteArray();
        } finally {
            writer.dispose();
        }
        try (Mat m = decoder.decode(gif, "two-frames.gif", 0)) {
            assertBgr8(m, 8, 6);
            assertPixel(new int[] {0, 255, 0}, m, 4, 3, 0);
        }
    }

    @Test
    void decode_sniffsContentNotExtension() throws Exception {
        try (Mat img = halves(16, 8)) {
            Path misnamed = tmp.resolve("photo.png");
            Files.write(misnamed, encode(".jpg", img));
            try (Mat m = decoder.decode(misnamed, 0)) {
                assertBgr8(m, 16, 8);
            }
            Path noExtension = tmp.resolve("picture");
            Files.write(noExtension, encode(".png", img));
            try (Mat m = decoder.decode(noExtension, 0)) {
                assertBgr8(m, 16, 8);
            }
        }
    }

    @Test
    void decode_sixteenBitGrayPngKeepsHighByte() throws ImageException {
        try (Mat img = new Mat(6, 9, CV_16UC1, new Scalar(40000, 0, 0, 0))) {
            try (Mat m = decoder.decode(encode(".png", img), "depth16.png", 0)) {
                assertBgr8(m, 9, 6);
                assertPixel(new int[] {156, 156, 156}, m, 4, 3, 0); // 40000 / 256
            }
        }
    }

    @Test
    void decode_grayJpegBecomesThreeEqualChannels() throws ImageException {
        try (Mat img = new Mat(8, 8, CV_8UC1, new Scalar(77, 0, 0, 0))) {
            try (Mat m = decoder.decode(encode(".jpg", img), "gray.jpg", 0)) {
                assertBgr8(m, 8, 8);
                int[] p = pixel(m, 3, 3);
                assertEquals(p[0], p[1]);
                assertEquals(p[1], p[2]);
                assertEquals(77, p[0], 2);
            }
        }
    }

    @Test
    void decode_rgbaPngDropsAlpha() throws ImageException {
        try (Mat img = new Mat(5, 7, CV_8UC4, new Scalar(10, 20, 30, 0))) {
            // Fully transparent pixels keep their colour: alpha is dropped, not composited.
            try (Mat m = decoder.decode(encode(".png", img), "alpha.png", 0)) {
                assertBgr8(m, 7, 5);
                assertPixel(new int[] {10, 20, 30}, m, 0, 0, 0);
            }
        }
    }

    @Test
    void decode_cmykJpegAsAdobeWritesIt() throws Exception {
        // Photoshop-style CMYK JPEG: Adobe APP14 marker, inverted samples (255 - ink).
        // Ink: C=0, M=255, Y=255, K=0 is red.
        int w = 16;
        int h = 8;
        WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, 4, null);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                r.setPixel(x, y, new int[] {255, 0, 0, 255});
            }
        }
        byte[] jpeg;
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                ImageOutputStream ios = ImageIO.createImageOutputStream(bytes)) {
            writer.setOutput(ios);
            writer.write(null, new IIOImage(r, null, null), null);
            ios.flush();
            jpeg = bytes.toByteArray();
        } finally {
            writer.dispose();
        }
        byte[] adobe = {
            (byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, 0
        };
        byte[] cmyk = new byte[jpeg.length + adobe.length];
        cmyk[0] = jpeg[0];
        cmyk[1] = jpeg[1];
        System.arraycopy(adobe, 0, cmyk, 2, adobe.length);
        System.arraycopy(jpeg, 2, cmyk, 2 + adobe.length, jpeg.length - 2);
        try (Mat m = decoder.decode(cmyk, "cmyk.jpg", 0)) {
            assertBgr8(m, w, h);
            assertPixel(new int[] {0, 0, 255}, m, 8, 4, 8);
        }
    }

    @Test
    void decode_tinyAndExtremeAspectImages() throws ImageException {
        try (Mat one = new Mat(1, 1, CV_8UC3, new Scalar(1, 2, 3, 0));
                Mat wide = new Mat(20, 3000, CV_8UC3, new Scalar(50, 100, 150, 0))) {
            for (String ext : new String[] {".png", ".jpg", ".bmp", ".webp", ".tiff"}) {
                try (Mat m = decoder.decode(encode(ext, one), "one" + ext, 256)) {
                    assertBgr8(m, 1, 1);
                }
                try (Mat m = decoder.decode(encode(ext, wide), "wide" + ext, 256)) {
                    assertBgr8(m, 3000, 20);
                    assertPixel(new int[] {50, 100, 150}, m, 2999, 19, 6);
                }
            }
        }
    }

    // ---------------------------------------------------------------- orientation, reduction

    @Test
    void decode_appliesExifOrientation() throws ImageException {
        try (Mat img = halves(64, 32)) {
            byte[] jpeg = encode(".jpg", img);
            // 6: rotate 90 clockwise to view -> red (was left) on top.
            try (Mat m = decoder.decode(withExifOrientation(jpeg, 6), "rot6.jpg", 0)) {
                assertBgr8(m, 32, 64);
                assertPixel(new int[] {0, 0, 255}, m, 16, 5, 12);
                assertPixel(new int[] {255, 0, 0}, m, 16, 58, 12);
            }
            // 8: rotate 90 counter-clockwise -> red at the bottom.
            try (Mat m = decoder.decode(withExifOrientation(jpeg, 8), "rot8.jpg", 0)) {
                assertBgr8(m, 32, 64);
                assertPixel(new int[] {255, 0, 0}, m, 16, 5, 12);
                assertPixel(new int[] {0, 0, 255}, m, 16, 58, 12);
            }
            // 3: rotate 180 -> red on the right.
            try (Mat m = decoder.decode(withExifOrientation(jpeg, 3), "rot3.jpg", 0)) {
                assertBgr8(m, 64, 32);
                assertPixel(new int[] {0, 0, 255}, m, 58, 16, 12);
            }
        }
    }

    @Test
    void decode_reducedJpegKeepsOrientationAndCoversMinShortSide() throws ImageException {
        try (Mat img = halves(1600, 1200)) {
            byte[] jpeg = encode(".jpg", img);
            int[][] cases = {
                {0, 1600, 1200},
                {700, 1600, 1200},
                {600, 800, 600},
                {300, 400, 300},
                {256, 400, 300},
                {150, 200, 150},
                {100, 200, 150},
                {601, 1600, 1200}
            };
            for (int[] c : cases) {
                try (Mat m = decoder.decode(jpeg, "big.jpg", c[0])) {
                    assertBgr8(m, c[1], c[2]);
                    assertTrue(c[0] == 0 || Math.min(m.cols(), m.rows()) >= c[0]);
                }
            }
            byte[] rotated = withExifOrientation(jpeg, 6);
            for (int minShortSide : new int[] {0, 600, 300, 150}) {
                try (Mat m = decoder.decode(rotated, "rot6.jpg", minShortSide)) {
                    assertEquals(m.cols() * 4, m.rows() * 3, "portrait after rotation");
                    assertPixel(new int[] {0, 0, 255}, m, m.cols() / 2, 5, 12);
                    assertPixel(new int[] {255, 0, 0}, m, m.cols() / 2, m.rows() - 5, 12);
                }
            }
        }
        // Other formats are never reduced.
        try (Mat img = halves(1600, 1200);
                Mat m = decoder.decode(encode(".png", img), "big.png", 150)) {
            assertBgr8(m, 1600, 1200);
        }
    }

    // ---------------------------------------------------------------- limits

    @Test
    void decode_refusesOversizedImagesFromTheHeader() throws ImageException {
        ImageDecoder small = new ImageDecoder(100);
        try (Mat img = new Mat(20, 10, CV_8UC3, new Scalar(0, 0, 0, 0))) {
            for (String ext : new String[] {".jpg", ".png", ".bmp", ".tiff", ".webp"}) {
                byte[] bytes = encode(ext, img);
                ImageException e =
                        assertThrows(
                                ImageException.class, () -> small.decode(bytes, "big" + ext, 0));
                assertContains("big" + ext, e);
                assertContains("10 x 20 = 200 pixels", e);
                assertContains("limit of 100 pixels", e);
            }
        }
        // A PNG header that declares 100000 x 100000 with no pixel data: refused at once.
        byte[] bomb = new byte[33];
        System.arraycopy(
                new byte[] {
                    (byte) 0x89,
                    'P',
                    'N',
                    'G',
                    '\r',
                    '\n',
                    0x1A,
                    '\n',
                    0,
                    0,
                    0,
                    13,
                    'I',
                    'H',
                    'D',
                    'R',
                    0,
                    1,
                    (byte) 0x86,
                    (byte) 0xA0,
                    0,
                    1,
                    (byte) 0x86,
                    (byte) 0xA0,
                    8,
                    2,
                    0,
                    0,
                    0
                },
                0,
                bomb,
                0,
                29);
        ImageException e = rejects(bomb, "bomb.png");
        assertContains("100000 x 100000 = 10000000000 pixels", e);
    }

    @Test
    void headers_giveTheDimensionsOfEveryFormat() throws Exception {
        try (Mat img = halves(37, 23);
                Mat bgra = new Mat(23, 37, CV_8UC4, new Scalar(1, 2, 3, 4))) {
            byte[][] all = {
                encode(".jpg", img), encode(".png", img), encode(".bmp", img),
                encode(".tiff", img), encode(".webp", img), encode(".webp", bgra),
                encode(".webp", img, IMWRITE_WEBP_QUALITY, 101)
            };
            Format[] formats = {
                Format.JPEG,
                Format.PNG,
                Format.BMP,
                Format.TIFF,
                Format.WEBP,
                Format.WEBP,
                Format.WEBP
            };
            for (int i = 0; i < all.length; i++) {
                assertEquals(formats[i], ImageDecoder.sniff(all[i]));
                assertArrayEquals(
                        new long[] {37, 23},
                        ImageHeaders.dimensions(formats[i], all[i], "x"),
                        "case " + i);
            }
        }
        BufferedImage bi = new BufferedImage(37, 23, BufferedImage.TYPE_INT_RGB);
        for (String f : new String[] {"gif", "tiff", "bmp"}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertTrue(ImageIO.write(bi, f, out));
            byte[] b = out.toByteArray();
            assertArrayEquals(
                    new long[] {37, 23}, ImageHeaders.dimensions(ImageDecoder.sniff(b), b, f), f);
        }
    }

    // ---------------------------------------------------------------- bad input

    @Test
    void decode_rejectsEmptyFile() throws IOException {
        Path empty = Files.createFile(tmp.resolve("empty.jpg"));
        ImageException e = assertThrows(ImageException.class, () -> decoder.decode(empty, 0));
        assertContains(empty + ": empty file (0 bytes), expected an image", e);
    }

    @Test
    void decode_rejectsTruncatedJpeg() throws IOException {
        try (Mat img = new Mat(240, 320, CV_8UC3)) {
            randomise(img);
            byte[] jpeg = encode(".jpg", img);
            for (double fraction : new double[] {0.5, 0.9, 0.999}) {
                Path cut = tmp.resolve("cut.jpg");
                Files.write(cut, Arrays.copyOf(jpeg, (int) (jpeg.length * fraction)));
                ImageException e = assertThrows(ImageException.class, () -> decoder.decode(cut, 0));
                assertContains(cut.toString(), e);
                assertContains("truncated JPEG", e);
                assertContains("ends before the image is complete", e);
            }
            // Cut inside the header: still a clear message.
            ImageException e = rejects(Arrays.copyOf(jpeg, 40), "head.jpg");
            assertContains("head.jpg: truncated JPEG", e);
            // Reduced decoding does not hide the truncation either.
            byte[] cut = Arrays.copyOf(jpeg, jpeg.length / 2);
            e = assertThrows(ImageException.class, () -> decoder.decode(cut, "cut.jpg", 50));
            assertContains("truncated JPEG", e);
        }
    }

    @Test
    void jpegEndMarker_isFoundOnlyAfterTheScans() {
        try (Mat img = new Mat(64, 64, CV_8UC3)) {
            randomise(img);
            byte[] jpeg = encode(".jpg", img);
            assertTrue(ImageHeaders.jpegHasEndOfImage(jpeg));
            // Trailing bytes after EOI (some cameras) are fine.
            assertTrue(ImageHeaders.jpegHasEndOfImage(Arrays.copyOf(jpeg, jpeg.length + 10)));
            assertFalse(ImageHeaders.jpegHasEndOfImage(Arrays.copyOf(jpeg, jpeg.length - 2)));
        }
    }

    @Test
    void decode_rejectsTruncatedPng() {
        try (Mat img = new Mat(100, 100, CV_8UC3)) {
            randomise(img);
            byte[] png = encode(".png", img);
            ImageException e = rejects(Arrays.copyOf(png, png.length / 2), "half.png");
            assertContains("half.png: truncated PNG", e);
        }
    }

    @Test
    void decode_rejectsTextNamedJpg() throws IOException {
        Path text = tmp.resolve("notes.jpg");
        Files.writeString(text, "hello, this is not a picture\n");
        ImageException e = assertThrows(ImageException.class, () -> decoder.decode(text, 0));
        assertContains(text + ": not an image", e);
        assertContains("\"hello, this is n...\"", e);
        assertContains(EXPECTED, e);
    }

    @Test
    void decode_rejectsRandomBytes() {
        byte[] noise = new byte[1000];
        new Random(42).nextBytes(noise);
        noise[0] = 0x13; // not by chance a JPEG or BMP signature
        ImageException e = rejects(noise, "noise.bin");
        assertContains("noise.bin: not an image", e);
        assertContains(EXPECTED, e);
    }

    @Test
    void decode_rejectsCorruptDataBehindAValidSignature() {
        // Random bytes after a valid signature: an ImageException naming the input and the
        // format, never a crash and never a picture.
        Random random = new Random(7);
        byte[][] signatures = {
            {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF},
            {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'},
            {'G', 'I', 'F', '8', '9', 'a'},
            {'B', 'M'},
            {'I', 'I', 42, 0},
            {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'E', 'B', 'P'}
        };
        String[] formats = {"JPEG", "PNG", "GIF", "BMP", "TIFF", "WebP"};
        for (int f = 0; f < signatures.length; f++) {
            for (int trial = 0; trial < 5; trial++) {
                byte[] b = new byte[200];
                random.nextBytes(b);
                System.arraycopy(signatures[f], 0, b, 0, signatures[f].length);
                String name = "junk-" + formats[f] + "-" + trial;
                ImageException e = rejects(b, name);
                assertTrue(
                        e.getMessage()
                                .matches(
                                        Pattern.quote(name)
                                                + ": (corrupt|truncated) "
                                                + formats[f]
                                                + "[ :].*"
                                                + "|"
                                                + Pattern.quote(name)
                                                + ": "
                                                + formats[f]
                                                + " image of .* is larger than the limit of"
                                                + " 100000000 pixels.*"),
                        e.getMessage());
            }
        }
    }

    @Test
    void decode_rejectsAPngChunkLongerThanTheFileBeforeOpenCvAllocatesIt() {
        try (Mat img = new Mat(10, 20, CV_8UC3)) {
            randomise(img);
            byte[] png = encode(".png", img);
            int idat = indexOf(png, new byte[] {'I', 'D', 'A', 'T'}) - 4;
            // IDAT declares 2 GB; the file still ends with its IEND chunk.
            byte[] bomb = png.clone();
            bomb[idat] = 0x7F;
            bomb[idat + 1] = (byte) 0xFF;
            bomb[idat + 2] = (byte) 0xFF;
            bomb[idat + 3] = (byte) 0xF0;
            boolean measured = ProcessMemory.available() && ProcessMemory.resetPeak();
            long before = measured ? ProcessMemory.residentBytes() : 0;
            ImageException e = rejects(bomb, "bomb.png");
            if (measured) {
                long growth = ProcessMemory.peakResidentBytes() - before;
                assertTrue(growth < 256 << 20, "resident memory rose " + growth + " bytes");
            }
            assertEquals(
                    "bomb.png: corrupt PNG: chunk 'IDAT' at byte "
                            + idat
                            + " declares 2147483632 bytes of data, but "
                            + (png.length - idat - 12)
                            + " follow ("
                            + png.length
                            + " bytes); the file is damaged",
                    e.getMessage());
            // Cut inside IDAT: the same check, told as a truncation.
            e = rejects(Arrays.copyOf(png, idat + 20), "cut.png");
            assertContains("cut.png: truncated PNG: chunk 'IDAT' at byte " + idat, e);
            assertContains("get it again", e);
        }
    }

    @Test
    void decode_refusesAGifWhoseFirstFrameIsLargerThanTheLimit() throws Exception {
        BufferedImage small = new BufferedImage(21, 13, BufferedImage.TYPE_3BYTE_BGR);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(small, "gif", out));
        byte[] gif = out.toByteArray();
        // Image descriptor: 2C, left 0, top 0, width 21, height 13 (little-endian).
        int at = indexOf(gif, new byte[] {0x2C, 0, 0, 0, 0, 21, 0, 13, 0});
        assertTrue(at > 0, "no image descriptor");
        gif[at + 5] = (byte) 200;
        gif[at + 7] = (byte) 200;
        // The screen (21 x 13 = 273 pixels) is under the limit; the frame ImageIO would allocate
        // is not.
        ImageException e =
                assertThrows(
                        ImageException.class,
                        () -> new ImageDecoder(1000).decode(gif, "frame.gif", 0));
        assertContains("frame.gif: GIF image of 200 x 200 = 40000 pixels is larger than the", e);
    }

    @Test
    void decode_refusesATiffWhoseSidesMultiplyPastTheRangeOfLong() {
        try (Mat img = new Mat(10, 20, CV_8UC3, new Scalar(1, 2, 3, 0))) {
            byte[] tiff = encode(".tiff", img);
            assertEquals('I', tiff[0], "little-endian TIFF");
            int ifd = (tiff[4] & 0xFF) | (tiff[5] & 0xFF) << 8;
            int entries = (tiff[ifd] & 0xFF) | (tiff[ifd + 1] & 0xFF) << 8;
            for (int k = 0; k < entries; k++) {
                int entry = ifd + 2 + 12 * k;
                int tag = (tiff[entry] & 0xFF) | (tiff[entry + 1] & 0xFF) << 8;
                if (tag == 256 || tag == 257) {
                    // Type LONG, value 2^32 - 1: the product overflowed to a negative count.
                    tiff[entry + 2] = 4;
                    tiff[entry + 3] = 0;
                    Arrays.fill(tiff, entry + 8, entry + 12, (byte) 0xFF);
                }
            }
            ImageException e = rejects(tiff, "wide.tiff");
            assertContains(
                    "wide.tiff: TIFF image of 4294967295 x 4294967295 = 18446744065119617025"
                            + " pixels is larger than the limit of 100000000 pixels",
                    e);
        }
    }

    @Test
    void decode_rejectsTruncatedWebp() {
        try (Mat img = new Mat(10, 20, CV_8UC3)) {
            randomise(img);
            for (int quality : new int[] {80, 101}) { // lossy VP8 and lossless VP8L
                byte[] webp = encode(".webp", img, IMWRITE_WEBP_QUALITY, quality);
                // Cut inside the header (once an IndexOutOfBoundsException), then in the data.
                for (int n = 12; n < webp.length; n += n < 40 ? 1 : 37) {
                    ImageException e = rejects(Arrays.copyOf(webp, n), "cut.webp");
                    assertTrue(
                            e.getMessage().startsWith("cut.webp: truncated WebP: the data ends "),
                            n + " bytes: " + e.getMessage());
                }
                ImageException e = rejects(Arrays.copyOf(webp, webp.length - 1), "cut.webp");
                assertContains(
                        "ends before the image is complete (its RIFF header declares "
                                + webp.length
                                + " bytes, "
                                + (webp.length - 1)
                                + " bytes)",
                        e);
            }
        }
    }

    static int indexOf(byte[] b, byte[] pattern) {
        for (int i = 0; i + pattern.length <= b.length; i++) {
            if (Arrays.equals(b, i, i + pattern.length, pattern, 0, pattern.length)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void decode_rejectsMissingFileAndDirectory() {
        Path missing = tmp.resolve("nope.jpg");
        ImageException e = assertThrows(ImageException.class, () -> decoder.decode(missing, 0));
        assertContains(missing + ": image file not found", e);
        e = assertThrows(ImageException.class, () -> decoder.decode(tmp, 0));
        assertContains(tmp + ": is a directory, expected an image file", e);
    }

    @Test
    void decoder_rejectsMisuse() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new ImageDecoder(0));
        assertEquals("maxPixels must be positive, got 0", e.getMessage());
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> decoder.decode(new byte[] {1}, "x", -1));
        assertEquals("minShortSide must be 0 (full size) or positive, got -1", e.getMessage());
    }

    // ---------------------------------------------------------------- conversions

    @Test
    void fromBufferedImage_copiesEveryCommonType() {
        BufferedImage rgb = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        rgb.setRGB(1, 1, 0x102030);
        BufferedImage argb = new BufferedImage(3, 2, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(1, 1, 0x00102030); // fully transparent: colour kept
        BufferedImage bgr = new BufferedImage(3, 2, BufferedImage.TYPE_3BYTE_BGR);
        bgr.setRGB(1, 1, 0x102030);
        for (BufferedImage bi : new BufferedImage[] {rgb, argb, bgr}) {
            try (Mat m = ImageDecoder.fromBufferedImage(bi)) {
                assertBgr8(m, 3, 2);
                assertPixel(new int[] {0x30, 0x20, 0x10}, m, 1, 1, 0);
                assertPixel(new int[] {0, 0, 0}, m, 0, 0, 0);
            }
        }
        BufferedImage gray = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(2, 1, 0, 77);
        try (Mat m = ImageDecoder.fromBufferedImage(gray)) {
            assertPixel(new int[] {77, 77, 77}, m, 2, 1, 0); // no gamma conversion
        }
        BufferedImage gray16 = new BufferedImage(3, 2, BufferedImage.TYPE_USHORT_GRAY);
        gray16.getRaster().setSample(0, 0, 0, 40000);
        try (Mat m = ImageDecoder.fromBufferedImage(gray16)) {
            assertPixel(new int[] {156, 156, 156}, m, 0, 0, 0);
        }
    }

    @Test
    void toBgr8_convertsGrayAlphaAndDepths() {
        try (Mat gray = new Mat(2, 2, CV_8UC1, new Scalar(9, 0, 0, 0));
                Mat bgra = new Mat(2, 2, CV_8UC4, new Scalar(1, 2, 3, 4));
                Mat deep = new Mat(2, 2, CV_16UC1, new Scalar(65535, 0, 0, 0));
                Mat unit = new Mat(2, 2, CV_32FC1, new Scalar(0.5, 0, 0, 0));
                Mat bgr = new Mat(2, 2, CV_8UC3, new Scalar(4, 5, 6, 0))) {
            try (Mat m = ImageDecoder.toBgr8(gray)) {
                assertPixel(new int[] {9, 9, 9}, m, 1, 1, 0);
            }
            try (Mat m = ImageDecoder.toBgr8(bgra)) {
                assertPixel(new int[] {1, 2, 3}, m, 1, 1, 0);
            }
            try (Mat m = ImageDecoder.toBgr8(deep)) {
                assertPixel(new int[] {255, 255, 255}, m, 1, 1, 0);
            }
            try (Mat m = ImageDecoder.toBgr8(unit)) {
                assertPixel(new int[] {128, 128, 128}, m, 1, 1, 1);
            }
            try (Mat m = ImageDecoder.toBgr8(bgr)) {
                assertPixel(new int[] {4, 5, 6}, m, 1, 1, 0);
                // A copy: changing it leaves the input alone.
                m.put(new Scalar(0, 0, 0, 0));
                assertPixel(new int[] {4, 5, 6}, bgr, 1, 1, 0);
            }
        }
        try (Mat empty = new Mat();
                Mat two = new Mat(2, 2, org.bytedeco.opencv.global.opencv_core.CV_8UC2)) {
            assertThrows(IllegalArgumentException.class, () -> ImageDecoder.toBgr8(empty));
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> ImageDecoder.toBgr8(two));
            assertContains("2 channels", e);
        }
    }

    @Test
    void decode_realPhotoAtReducedSize() throws ImageException {
        Path dog = ImageTestData.require("images/dog_golden_retriever_winml.jpg");
        try (Mat full = decoder.decode(dog, 0);
                Mat reduced = decoder.decode(dog, 256)) {
            assertBgr8(full, 1080, 1080);
            assertBgr8(reduced, 270, 270);
        }
    }

    static void randomise(Mat img) {
        byte[] b = new byte[(int) (img.total() * img.channels())];
        new Random(1).nextBytes(b);
        try (BytePointer p = img.data()) {
            p.put(b);
        }
    }
}
