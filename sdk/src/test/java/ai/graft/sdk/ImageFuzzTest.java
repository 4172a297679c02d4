package ai.graft.sdk;

import static org.bytedeco.opencv.global.opencv_core.CV_16UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC4;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_PROGRESSIVE;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_RST_INTERVAL;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_SAMPLING_FACTOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_SAMPLING_FACTOR_444;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_WEBP_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.internal.ImageDecoder;
import ai.graft.sdk.testing.Mutator;
import ai.graft.sdk.testing.Mutator.Field;
import ai.graft.sdk.testing.Mutator.Mutant;
import ai.graft.sdk.testing.ProcessMemory;
import ai.graft.sdk.testing.TinyOnnx;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.javacpp.indexer.UShortIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes image decoding: seeded mutations (bit flips, overwrites, truncations, inserted, deleted
 * and repeated bytes, corrupted segment, chunk and size fields) of small JPEG, PNG and WebP files
 * made in code (and of BMP, TIFF and GIF, which the decoder also accepts), and of the real photos
 * in the shared data, go through {@link ImageClassifier#classify(byte[], String)}, {@link
 * ImageClassifier#classify(Path)} and {@link ImageDecoder#decode}. Each must be classified or
 * refused with an {@link ImageException} that names the input; any other exception or error fails,
 * and a native crash in libjpeg, libpng or libwebp would end the test JVM. A decoded image is never
 * larger than the pixel limit, whatever its header declares.
 */
// A hang guard only (the test takes seconds): a decoder stuck in a loop fails here instead of
// stalling the build.
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class ImageFuzzTest {
    /** Mutants of the generated images, all formats together. */
    static final int MUTATIONS = 2400;

    /**
     * How far resident memory may rise above where it was before the mutants (the heap's own growth
     * included): a decoder that allocates what a corrupt header declares goes far beyond.
     */
    static final long MAX_PEAK_GROWTH = 1L << 30;

    /** Mutants of each real photo. */
    static final int PHOTO_MUTATIONS = 100;

    /**
     * The classifier's and decoder's pixel limit: above the photos (1080 x 1080), far below OOM.
     */
    static final long MAX_PIXELS = 2_000_000;

    @TempDir static Path dir;

    static ImageClassifier classifier;

    static final ImageDecoder DECODER = new ImageDecoder(MAX_PIXELS);

    @BeforeAll
    static void createClassifier() throws Exception {
        Path model =
                TinyOnnx.classifier(
                                16,
                                16,
                                -1,
                                new float[][] {{4, 0, 0}, {0, 4, 0}, {0, 0, 4}},
                                new float[] {0, 0, 0},
                                true,
                                false)
                        .write(dir.resolve("tiny.onnx"));
        classifier =
                ImageClassifier.create(
                        model,
                        ImageClassifierOptions.builder()
                                .labels(List.of("red", "green", "blue"))
                                .preprocessing(Preprocessing.imagenet(16, 16))
                                .maxImagePixels(MAX_PIXELS)
                                .build());
    }

    @AfterAll
    static void closeClassifier() {
        if (classifier != null) {
            classifier.close();
        }
    }

    @Test
    void classify_generatedImageMutantsAreClassifiedOrRefusedWithImageException() throws Exception {
        List<Sample> samples = generatedSamples();
        Outcomes o = new Outcomes();
        List<Mutator> mutators = new ArrayList<>();
        for (int s = 0; s < samples.size(); s++) {
            Sample sample = samples.get(s);
            mutators.add(new Mutator(sample.bytes, 100 + s, fields(sample.format, sample.bytes)));
            // Every original classifies.
            classifier.classify(sample.bytes, sample.name);
        }
        o.startMemory();
        for (int i = 0; i < MUTATIONS; i++) {
            // Samples take turns; each sample's mutants take turns through the kinds.
            int s = i % samples.size();
            Sample sample = samples.get(s);
            Mutant m = mutators.get(s).mutant(i / samples.size());
            byte[] bytes = m.bytes();
            if (sample.format.equals("png") && m.index() % 2 == 1) {
                // Half the PNG mutants get their checksums fixed, so that they reach the zlib and
                // filter code behind libpng's CRC check.
                bytes = fixPngCrcs(bytes);
            }
            fuzzOne(o, sample.format, sample.name + " " + m.description(), bytes, i % 4 == 0);
        }
        o.endMemory();
        System.out.println("generated: " + o);
        o.assertAllHandled(MUTATIONS);
        for (String format : List.of("jpeg", "png", "webp")) {
            assertTrue(
                    o.classified.getOrDefault(format, 0) >= 20
                            && o.refused.getOrDefault(format, 0) >= 20,
                    format + " mutants reach both outcomes: " + o);
        }
    }

    @Test
    void classify_realPhotoMutantsAreClassifiedOrRefusedWithImageException() throws Exception {
        Path folder = TestData.require("images");
        List<Path> photos;
        try (Stream<Path> files = Files.list(folder)) {
            photos = files.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
        }
        assertTrue(!photos.isEmpty(), "no .jpg in " + folder);
        Outcomes o = new Outcomes();
        o.startMemory();
        for (int p = 0; p < photos.size(); p++) {
            byte[] photo = Files.readAllBytes(photos.get(p));
            Mutator mutator = new Mutator(photo, 200 + p, fields("jpeg", photo));
            for (int i = 0; i < PHOTO_MUTATIONS; i++) {
                Mutant m = mutator.mutant(i);
                fuzzOne(
                        o,
                        "jpeg",
                        photos.get(p).getFileName() + " " + m.description(),
                        m.bytes(),
                        i % 4 == 0);
            }
        }
        o.endMemory();
        System.out.println("photos: " + o);
        o.assertAllHandled(photos.size() * PHOTO_MUTATIONS);
        assertTrue(o.classified.getOrDefault("jpeg", 0) >= 50, o.toString());
    }

    @Test
    void fields_findTheSegmentChunkAndSizeFieldsOfEachFormat() throws Exception {
        for (Sample s : generatedSamples()) {
            List<Field> fields = fields(s.format, s.bytes);
            int least =
                    switch (s.format) {
                        case "jpeg" -> 8; // DQT, SOF (length, height, width), DHT, SOS...
                        case "png" -> 5; // IHDR (length, width, height, depth), IDAT, IEND
                        case "webp" -> 3; // RIFF size, chunk size, the image size
                        default -> 2;
                    };
            assertTrue(fields.size() >= least, s.name + ": " + fields);
            for (Field f : fields) {
                assertTrue(f.offset() + f.length() <= s.bytes.length, s.name + ": " + f);
            }
        }
    }

    /** Decodes and classifies one mutant, from memory and, when asked, from a file. */
    private static void fuzzOne(
            Outcomes o, String format, String label, byte[] bytes, boolean fromFile) {
        o.total++;
        try (Mat decoded = DECODER.decode(bytes, label, 0)) {
            long pixels = (long) decoded.cols() * decoded.rows();
            if (pixels > MAX_PIXELS) {
                o.fail(label, "decoded " + decoded.cols() + " x " + decoded.rows() + " pixels");
            }
        } catch (ImageException e) {
            o.checkMessage(label, label, e);
        } catch (Throwable t) {
            o.fail(label, t);
        }
        boolean ok = false;
        try {
            check(o, label, classifier.classify(bytes, label));
            ok = true;
        } catch (ImageException e) {
            o.checkMessage(label, label, e);
        } catch (Throwable t) {
            o.fail(label, t);
        }
        (ok ? o.classified : o.refused).merge(format, 1, Integer::sum);
        if (fromFile) {
            o.fromFile++;
            Path file = dir.resolve("mutant." + format);
            try {
                Files.write(file, bytes);
                check(o, label, classifier.classify(file));
            } catch (ImageException e) {
                o.checkMessage(label, file.toString(), e);
            } catch (Throwable t) {
                o.fail(label, t);
            }
        }
    }

    private static void check(Outcomes o, String label, Classification c) {
        if (c.top().isEmpty()) {
            o.fail(label, "classified with no categories");
        }
        for (Category cat : c.top()) {
            if (!(cat.score() >= 0 && cat.score() <= 1)) {
                o.fail(label, "score " + cat.score() + " outside [0, 1]");
            }
        }
    }

    /** What the mutants gave. */
    static final class Outcomes {
        int total;
        int fromFile;
        final Map<String, Integer> classified = new LinkedHashMap<>();
        final Map<String, Integer> refused = new LinkedHashMap<>();
        final Map<String, String> failures = new LinkedHashMap<>();
        int failureCount;
        long residentBefore = -1;
        long peakGrowth = -1;

        /** Resets the peak resident size, where the system allows it. */
        void startMemory() {
            if (ProcessMemory.available() && ProcessMemory.resetPeak()) {
                residentBefore = ProcessMemory.residentBytes();
            }
        }

        void endMemory() {
            if (residentBefore >= 0) {
                peakGrowth = ProcessMemory.peakResidentBytes() - residentBefore;
            }
        }

        void checkMessage(String label, String name, ImageException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith(name + ": ")) {
                fail(label, "ImageException not naming " + name + ": " + e.getMessage());
            }
        }

        void fail(String label, Throwable t) {
            StringBuilder at = new StringBuilder(t.toString());
            StackTraceElement[] trace = t.getStackTrace();
            for (int k = 0; k < Math.min(4, trace.length); k++) {
                at.append(k == 0 ? " at " : " < ").append(trace[k]);
            }
            fail(label, at.toString());
        }

        void fail(String label, String what) {
            failureCount++;
            String key = what.replaceAll("[0-9]+", "N");
            failures.putIfAbsent(
                    key.substring(0, Math.min(100, key.length())), label + ": " + what);
        }

        void assertAllHandled(int expected) {
            assertEquals(
                    0,
                    failureCount,
                    failureCount
                            + " mutants not handled, e.g.\n"
                            + String.join("\n", failures.values()));
            assertEquals(expected, total);
            assertTrue(
                    peakGrowth < MAX_PEAK_GROWTH,
                    "resident memory peaked " + peakGrowth / 1e6 + " MB above its start");
        }

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "%d mutants, classified %s, refused %s, %d also from a file; resident"
                            + " memory peaked %s above its start",
                    total,
                    classified,
                    refused,
                    fromFile,
                    peakGrowth < 0 ? "(not measured)" : peakGrowth / 1_000_000 + " MB");
        }
    }

    // ------------------------------------------------------------------ the originals

    record Sample(String format, String name, byte[] bytes) {}

    /** Small images of every kind each format writes: colour, gray, alpha, 16-bit, progressive. */
    static List<Sample> generatedSamples() throws IOException {
        List<Sample> out = new ArrayList<>();
        try (Mat bgr = pattern(40, 30, CV_8UC3);
                Mat gray = pattern(33, 17, CV_8UC1);
                Mat bgra = pattern(24, 24, CV_8UC4);
                Mat deep = pattern(20, 12, CV_16UC1)) {
            out.add(
                    new Sample(
                            "jpeg", "baseline.jpg", encode(".jpg", bgr, IMWRITE_JPEG_QUALITY, 90)));
            out.add(
                    new Sample(
                            "jpeg",
                            "progressive.jpg",
                            encode(".jpg", bgr, IMWRITE_JPEG_PROGRESSIVE, 1)));
            out.add(
                    new Sample(
                            "jpeg",
                            "restarts-444.jpg",
                            encode(
                                    ".jpg",
                                    bgr,
                                    IMWRITE_JPEG_RST_INTERVAL,
                                    1,
                                    IMWRITE_JPEG_SAMPLING_FACTOR,
                                    IMWRITE_JPEG_SAMPLING_FACTOR_444)));
            out.add(new Sample("jpeg", "gray.jpg", encode(".jpg", gray)));
            out.add(new Sample("png", "rgb.png", encode(".png", bgr)));
            out.add(new Sample("png", "gray.png", encode(".png", gray)));
            out.add(new Sample("png", "rgba.png", encode(".png", bgra)));
            out.add(new Sample("png", "16bit.png", encode(".png", deep)));
            out.add(
                    new Sample(
                            "webp", "lossy.webp", encode(".webp", bgr, IMWRITE_WEBP_QUALITY, 80)));
            out.add(
                    new Sample(
                            "webp",
                            "lossless.webp",
                            encode(".webp", bgr, IMWRITE_WEBP_QUALITY, 101)));
            out.add(
                    new Sample(
                            "webp", "alpha.webp", encode(".webp", bgra, IMWRITE_WEBP_QUALITY, 80)));
            out.add(new Sample("bmp", "rgb.bmp", encode(".bmp", bgr)));
            out.add(new Sample("tiff", "rgb.tiff", encode(".tiff", bgr)));
        }
        BufferedImage indexed = new BufferedImage(21, 13, BufferedImage.TYPE_BYTE_INDEXED);
        Random r = new Random(5);
        for (int y = 0; y < 13; y++) {
            for (int x = 0; x < 21; x++) {
                indexed.setRGB(x, y, r.nextInt(0x1000000));
            }
        }
        out.add(new Sample("gif", "indexed.gif", imageIo(indexed, "gif")));
        out.add(new Sample("png", "palette.png", imageIo(indexed, "png")));
        return out;
    }

    /** Gradients with noise, so that every codec has real data to compress. */
    static Mat pattern(int w, int h, int type) {
        Mat m = new Mat(h, w, type);
        Random r = new Random(w * 31L + h);
        int channels = m.channels();
        if (m.depth() == org.bytedeco.opencv.global.opencv_core.CV_16U) {
            try (UShortIndexer idx = m.createIndexer()) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        idx.put(y, x, 0, (x * 65535 / w + r.nextInt(512)) & 0xFFFF);
                    }
                }
            }
            return m;
        }
        try (UByteIndexer idx = m.createIndexer()) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    for (int c = 0; c < channels; c++) {
                        int v =
                                c == 3
                                        ? 128 + x * 4
                                        : (x * 255 / w + y * 97 / h * c + r.nextInt(24));
                        idx.put(y, x, c, v & 0xFF);
                    }
                }
            }
        }
        return m;
    }

    static byte[] encode(String ext, Mat img, int... params) {
        try (BytePointer out = new BytePointer();
                IntPointer p = new IntPointer(params)) {
            assertTrue(imencode(ext, img, out, p), "encode " + ext);
            byte[] b = new byte[(int) out.limit()];
            out.get(b);
            return b;
        }
    }

    static byte[] imageIo(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out), format);
        return out.toByteArray();
    }

    // ------------------------------------------------------------------ the fields of each format

    /** The length, size and dimension fields of an encoded image. */
    static List<Field> fields(String format, byte[] b) {
        return switch (format) {
            case "jpeg" -> jpegFields(b);
            case "png" -> pngFields(b);
            case "webp" -> webpFields(b);
            case "bmp" ->
                    List.of(
                            Field.le32(2),
                            Field.le32(10),
                            Field.le32(14),
                            Field.le32(18),
                            Field.le32(22),
                            Field.le16(28),
                            Field.le32(34));
            case "tiff" -> tiffFields(b);
            case "gif" -> gifFields(b);
            default -> throw new IllegalArgumentException(format);
        };
    }

    /** Segment lengths, the frame's height and width, and component counts. */
    static List<Field> jpegFields(byte[] b) {
        List<Field> out = new ArrayList<>();
        int i = 2;
        while (i + 4 <= b.length && (b[i] & 0xFF) == 0xFF) {
            int marker = b[i + 1] & 0xFF;
            if (marker == 0xD9) {
                break;
            }
            int length = ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
            out.add(Field.be16(i + 2));
            if (marker >= 0xC0 && marker <= 0xC2) {
                out.add(Field.be16(i + 5)); // height
                out.add(Field.be16(i + 7)); // width
                out.add(Field.be16(i + 9)); // components and the first component's id
            }
            if (marker == 0xDA) {
                out.add(Field.be16(i + 4)); // components in scan and the first selector
                // Skip the entropy-coded data to the next marker that is not a restart.
                int j = i + 2 + length;
                while (j + 1 < b.length) {
                    int next = b[j + 1] & 0xFF;
                    if ((b[j] & 0xFF) == 0xFF && next != 0 && (next < 0xD0 || next > 0xD7)) {
                        break;
                    }
                    j++;
                }
                i = j;
            } else {
                i += 2 + length;
            }
        }
        return out;
    }

    /** Chunk lengths, and the width, height, bit depth and colour type of IHDR. */
    static List<Field> pngFields(byte[] b) {
        List<Field> out = new ArrayList<>();
        int i = 8;
        while (i + 12 <= b.length) {
            long length = be32(b, i);
            out.add(Field.be32(i));
            if (b[i + 4] == 'I' && b[i + 5] == 'H') {
                out.add(Field.be32(i + 8));
                out.add(Field.be32(i + 12));
                out.add(Field.be16(i + 16));
            }
            i += 12 + (int) length;
        }
        return out;
    }

    /** The RIFF size, each chunk's size, and the image size of VP8, VP8L and VP8X. */
    static List<Field> webpFields(byte[] b) {
        List<Field> out = new ArrayList<>();
        out.add(Field.le32(4));
        int i = 12;
        while (i + 8 <= b.length) {
            String fourcc = new String(b, i, 4, java.nio.charset.StandardCharsets.US_ASCII);
            long size = le32(b, i + 4);
            out.add(Field.le32(i + 4));
            switch (fourcc) {
                case "VP8 " -> {
                    out.add(Field.le16(i + 14));
                    out.add(Field.le16(i + 16));
                }
                case "VP8L" -> out.add(Field.le32(i + 9));
                case "VP8X" -> {
                    out.add(Field.le16(i + 12));
                    out.add(Field.le16(i + 15));
                }
                default -> {}
            }
            i += 8 + (int) size + (int) (size & 1);
        }
        return Mutator.inside(out, b.length);
    }

    /** The first IFD's offset and entry count, and each entry's count and value (little-endian). */
    static List<Field> tiffFields(byte[] b) {
        List<Field> out = new ArrayList<>(List.of(Field.le32(4)));
        int ifd = (int) le32(b, 4);
        out.add(Field.le16(ifd));
        int entries = (b[ifd] & 0xFF) | ((b[ifd + 1] & 0xFF) << 8);
        for (int e = 0; e < entries; e++) {
            out.add(Field.le32(ifd + 2 + 12 * e + 4));
            out.add(Field.le32(ifd + 2 + 12 * e + 8));
        }
        return Mutator.inside(out, b.length);
    }

    /** The logical screen size and the first image descriptor's position and size. */
    static List<Field> gifFields(byte[] b) {
        List<Field> out = new ArrayList<>(List.of(Field.le16(6), Field.le16(8)));
        for (int i = 13; i + 9 < b.length; i++) {
            if (b[i] == 0x2C) {
                for (int k = 1; k <= 7; k += 2) {
                    out.add(Field.le16(i + k));
                }
                break;
            }
        }
        return out;
    }

    /** Recomputes the CRC of every chunk whose length fits in the data. */
    static byte[] fixPngCrcs(byte[] in) {
        byte[] b = in.clone();
        int i = 8;
        while (i + 12 <= b.length) {
            long length = be32(b, i);
            if (length > b.length - i - 12) {
                break;
            }
            CRC32 crc = new CRC32();
            crc.update(b, i + 4, 4 + (int) length);
            int at = i + 8 + (int) length;
            long v = crc.getValue();
            for (int k = 0; k < 4; k++) {
                b[at + k] = (byte) (v >>> (24 - 8 * k));
            }
            i += 12 + (int) length;
        }
        return b;
    }

    private static long be32(byte[] b, int i) {
        return ((long) (b[i] & 0xFF) << 24)
                | ((b[i + 1] & 0xFF) << 16)
                | ((b[i + 2] & 0xFF) << 8)
                | (b[i + 3] & 0xFF);
    }

    private static long le32(byte[] b, int i) {
        return (b[i] & 0xFF)
                | ((b[i + 1] & 0xFF) << 8)
                | ((b[i + 2] & 0xFF) << 16)
                | ((long) (b[i + 3] & 0xFF) << 24);
    }
}
