package ai.graft.sdk.internal;

import static org.bytedeco.opencv.global.opencv_core.CV_16U;
import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_64F;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_2;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_4;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_8;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGRA2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_GRAY2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

import ai.graft.sdk.ImageException;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Objects;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Decodes encoded images (JPEG, PNG, BMP, GIF, TIFF, WebP) to 8-bit 3-channel BGR {@link Mat}s,
 * upright and at most as large as needed.
 *
 * <ul>
 *   <li>The format is recognised from the content, never from the file name: a JPEG named {@code
 *       .png} decodes as JPEG; anything else is refused with an {@link ImageException}.
 *   <li>The image size is read from the header (for a GIF, the larger of the screen and the first
 *       frame, which is what is decoded) and an image of more than {@code maxPixels} pixels is
 *       refused before any pixel memory is allocated (decompression bombs). A PNG chunk that
 *       declares more data than the file holds is refused too: OpenCV would allocate and clear the
 *       declared size, up to 4 GB, before noticing.
 *   <li>EXIF orientation is applied (OpenCV's {@code IMREAD_COLOR} does it, also in its reduced
 *       modes), so a camera photo taken in portrait comes out upright.
 *   <li>A JPEG whose shorter side is at least 2, 4 or 8 times {@code minShortSide} is decoded at
 *       1/2, 1/4 or 1/8 of its size by libjpeg's DCT scaling ({@code IMREAD_REDUCED_COLOR_*}),
 *       which is several times faster and still leaves at least {@code minShortSide} pixels on the
 *       shorter side. Other formats are always decoded at full size.
 *   <li>Every image becomes 8-bit BGR: gray is replicated to three channels; 16-bit samples keep
 *       their high byte ({@code value / 256}); CMYK and YCCK JPEGs are converted by libjpeg and
 *       OpenCV as Adobe applications write them; an alpha channel is dropped, not composited, as
 *       Pillow's {@code convert("RGB")} does, so that training pipelines that used Pillow see the
 *       same pixels.
 *   <li>GIF is decoded by {@code javax.imageio} (the OpenCV build of JavaCV has no GIF codec); the
 *       first frame is used, transparent pixels take their palette colour. All other formats are
 *       decoded by OpenCV.
 *   <li>A truncated file is an error, never a partial image: libjpeg's "premature end of data" and
 *       libpng's "incomplete buffer" make OpenCV return nothing, and this class then reports
 *       whether the data ended early (no JPEG end-of-image marker, no PNG {@code IEND} chunk, a
 *       WebP shorter than its RIFF header declares) or is otherwise corrupt. OpenCV may also print
 *       the native library's warning on stderr.
 * </ul>
 *
 * <p>Thread-safe: a decoder holds only its limit.
 */
public final class ImageDecoder {

    /** The formats this decoder accepts, as named in messages. */
    static final String EXPECTED = "expected JPEG, PNG, BMP, GIF, TIFF or WebP";

    enum Format {
        JPEG,
        PNG,
        BMP,
        GIF,
        TIFF,
        WEBP;

        String displayName() {
            return this == WEBP ? "WebP" : name();
        }
    }

    private final long maxPixels;

    /**
     * Creates a decoder.
     *
     * @param maxPixels the largest {@code width * height} accepted, as declared in the image's
     *     header; positive
     * @throws IllegalArgumentException when {@code maxPixels} is not positive
     */
    public ImageDecoder(long maxPixels) {
        if (maxPixels <= 0) {
            throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
        }
        this.maxPixels = maxPixels;
    }

    /**
     * Reads and decodes an image file.
     *
     * @param file the image file; its format is recognised from the content
     * @param minShortSide the smallest shorter side the caller needs (for example {@link
     *     ai.graft.sdk.Preprocessing#resizeShorter()}); a large JPEG may be decoded at 1/2, 1/4 or
     *     1/8 of its size when its shorter side still covers this. 0 = full size
     * @return a new 8-bit 3-channel BGR Mat, EXIF orientation applied; the caller closes it
     * @throws ImageException when the file is missing, a directory, empty, not an image, truncated,
     *     corrupt or too large; the message names the file
     */
    public Mat decode(Path file, int minShortSide) throws ImageException {
        Objects.requireNonNull(file, "file");
        String name = file.toString();
        if (Files.isDirectory(file)) {
            throw new ImageException(name + ": is a directory, expected an image file");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ImageException(name + ": image file not found", e);
        } catch (AccessDeniedException e) {
            throw new ImageException(name + ": cannot read image file, permission denied", e);
        } catch (IOException | OutOfMemoryError e) {
            throw new ImageException(name + ": cannot read image file: " + e.getMessage(), e);
        }
        return decode(bytes, name, minShortSide);
    }

    /**
     * Decodes an encoded image held in memory.
     *
     * @param bytes the encoded image (JPEG, PNG, BMP, GIF, TIFF or WebP)
     * @param name a name for messages, for example the file name or URL it came from
     * @param minShortSide the smallest shorter side the caller needs; see {@link #decode(Path,
     *     int)}. 0 = full size
     * @return a new 8-bit 3-channel BGR Mat, EXIF orientation applied; the caller closes it
     * @throws ImageException when the bytes are empty, not an image, truncated, corrupt or too
     *     large; the message names {@code name}
     */
    public Mat decode(byte[] bytes, String name, int minShortSide) throws ImageException {
        Objects.requireNonNull(bytes, "bytes");
        if (minShortSide < 0) {
            throw new IllegalArgumentException(
                    "minShortSide must be 0 (full size) or positive, got " + minShortSide);
        }
        String label = name == null ? "<image bytes>" : name;
        if (bytes.length == 0) {
            throw new ImageException(
                    label
                            + ": empty file (0 bytes), expected an image (JPEG, PNG, BMP, GIF, TIFF"
                            + " or WebP)");
        }
        Format format = sniff(bytes);
        if (format == null) {
            throw new ImageException(
                    label
                            + ": not an image: the data starts with "
                            + preview(bytes)
                            + ", "
                            + EXPECTED);
        }
        long[] size = ImageHeaders.dimensions(format, bytes, label);
        if (size[0] <= 0 || size[1] <= 0) {
            throw new ImageException(
                    label
                            + ": corrupt "
                            + format.displayName()
                            + " header, it declares a size of "
                            + size[0]
                            + " x "
                            + size[1]
                            + " pixels");
        }
        // Divided, not multiplied: two 32-bit TIFF sides multiply past Long.MAX_VALUE.
        if (size[0] > maxPixels / size[1]) {
            throw new ImageException(
                    label
                            + ": "
                            + format.displayName()
                            + " image of "
                            + size[0]
                            + " x "
                            + size[1]
                            + " = "
                            + java.math.BigInteger.valueOf(size[0])
                                    .multiply(java.math.BigInteger.valueOf(size[1]))
                            + " pixels is larger than the limit of "
                            + maxPixels
                            + " pixels; downscale the image or raise the limit (maxImagePixels)");
        }
        if (format == Format.PNG) {
            String overrun = ImageHeaders.pngChunkOverrun(bytes);
            if (overrun != null) {
                throw new ImageException(
                        label
                                + ": "
                                + overrun
                                + " ("
                                + bytes.length
                                + " bytes); "
                                + (overrun.startsWith("truncated")
                                        ? "the file may be partly downloaded or copied, get it"
                                                + " again"
                                        : "the file is damaged"));
            }
        }
        if (format == Format.GIF) {
            return decodeWithImageIo(bytes, label, format);
        }
        int flags = IMREAD_COLOR;
        if (format == Format.JPEG && minShortSide > 0) {
            long shortSide = Math.min(size[0], size[1]);
            if (shortSide / 8 >= minShortSide) {
                flags = IMREAD_REDUCED_COLOR_8;
            } else if (shortSide / 4 >= minShortSide) {
                flags = IMREAD_REDUCED_COLOR_4;
            } else if (shortSide / 2 >= minShortSide) {
                flags = IMREAD_REDUCED_COLOR_2;
            }
        }
        Mat decoded;
        try (Mat buffer = new Mat(1, bytes.length, CV_8UC1);
                BytePointer data = buffer.data()) {
            data.put(bytes);
            decoded = imdecode(buffer, flags);
        } catch (RuntimeException e) {
            throw new ImageException(
                    label
                            + ": corrupt "
                            + format.displayName()
                            + " data, OpenCV could not decode it: "
                            + e.getMessage(),
                    e);
        }
        if (decoded == null || decoded.empty()) {
            if (decoded != null) {
                decoded.close();
            }
            throw new ImageException(label + ": " + whyUndecodable(format, bytes));
        }
        if (decoded.type() == CV_8UC3) {
            return decoded;
        }
        try (Mat any = decoded) {
            return toBgr8(any);
        }
    }

    /**
     * Copies a {@link BufferedImage} into a new 8-bit 3-channel BGR Mat. Gray images are replicated
     * to three channels without colour management (a gray value 77 stays 77); 16-bit gray keeps the
     * high byte; an alpha channel is dropped.
     *
     * @param image the image
     * @return a new Mat the caller closes
     */
    public static Mat fromBufferedImage(BufferedImage image) {
        Objects.requireNonNull(image, "image");
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] bgr = new byte[w * h * 3];
        int type = image.getType();
        Raster raster = image.getRaster();
        if (type == BufferedImage.TYPE_3BYTE_BGR
                && raster.getDataBuffer() instanceof DataBufferByte
                && raster.getSampleModelTranslateX() == 0
                && raster.getSampleModelTranslateY() == 0
                && ((DataBufferByte) raster.getDataBuffer()).getData().length == bgr.length) {
            // Same byte order as OpenCV: B, G, R interleaved.
            System.arraycopy(
                    ((DataBufferByte) raster.getDataBuffer()).getData(), 0, bgr, 0, bgr.length);
        } else if ((type == BufferedImage.TYPE_BYTE_GRAY || type == BufferedImage.TYPE_USHORT_GRAY)
                && raster.getNumBands() == 1) {
            // Raw samples: getRGB would pass gray through a linear-to-sRGB conversion.
            int shift = type == BufferedImage.TYPE_USHORT_GRAY ? 8 : 0;
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                int o = y * w * 3;
                for (int x = 0; x < w; x++) {
                    byte v = (byte) (row[x] >> shift);
                    bgr[o++] = v;
                    bgr[o++] = v;
                    bgr[o++] = v;
                }
            }
        } else {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                image.getRGB(0, y, w, 1, row, 0, w);
                int o = y * w * 3;
                for (int x = 0; x < w; x++) {
                    int argb = row[x];
                    bgr[o++] = (byte) argb;
                    bgr[o++] = (byte) (argb >> 8);
                    bgr[o++] = (byte) (argb >> 16);
                }
            }
        }
        Mat mat = new Mat(h, w, CV_8UC3);
        try (BytePointer data = mat.data()) {
            data.put(bgr);
        }
        return mat;
    }

    /**
     * Converts a Mat to a new 8-bit 3-channel BGR Mat: 1 channel (gray) is replicated, 3 channels
     * are taken as BGR, 4 channels as BGRA (alpha dropped). 8-bit values are kept, 16-bit values
     * divided by 256, float values in [0, 1] multiplied by 255 (saturated). The result is always a
     * copy, so the input may be a borrowed frame.
     *
     * @param any a non-empty Mat with 1, 3 or 4 channels of depth 8U, 16U, 32F or 64F
     * @return a new Mat the caller closes
     * @throws IllegalArgumentException for an empty Mat or another channel count or depth
     */
    public static Mat toBgr8(Mat any) {
        Objects.requireNonNull(any, "mat");
        if (any.empty()) {
            throw new IllegalArgumentException("Mat is empty, expected an image");
        }
        int channels = any.channels();
        int depth = any.depth();
        if (channels != 1 && channels != 3 && channels != 4) {
            throw new IllegalArgumentException(
                    "Mat has " + channels + " channels, expected 1 (gray), 3 (BGR) or 4 (BGRA)");
        }
        double scale;
        if (depth == CV_8U) {
            scale = 1;
        } else if (depth == CV_16U) {
            scale = 1.0 / 256.0;
        } else if (depth == CV_32F || depth == CV_64F) {
            scale = 255.0;
        } else {
            throw new IllegalArgumentException(
                    "Mat has depth "
                            + depth
                            + ", expected 8-bit unsigned, 16-bit unsigned or float (0-1)");
        }
        Mat eight = new Mat();
        boolean returned = false;
        try {
            if (depth == CV_8U) {
                any.copyTo(eight);
            } else {
                any.convertTo(eight, CV_8U, scale, 0);
            }
            if (channels == 3) {
                returned = true;
                return eight;
            }
            Mat bgr = new Mat();
            try {
                cvtColor(eight, bgr, channels == 1 ? COLOR_GRAY2BGR : COLOR_BGRA2BGR);
            } catch (RuntimeException e) {
                bgr.close();
                throw e;
            }
            return bgr;
        } finally {
            if (!returned) {
                eight.close();
            }
        }
    }

    static Format sniff(byte[] b) {
        if (b.length >= 3 && u8(b, 0) == 0xFF && u8(b, 1) == 0xD8 && u8(b, 2) == 0xFF) {
            return Format.JPEG;
        }
        if (startsWith(b, 0, new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'})) {
            return Format.PNG;
        }
        if (startsWith(b, 0, ascii("GIF87a")) || startsWith(b, 0, ascii("GIF89a"))) {
            return Format.GIF;
        }
        if (b.length >= 14 && b[0] == 'B' && b[1] == 'M') {
            return Format.BMP;
        }
        if (startsWith(b, 0, new byte[] {'I', 'I', 42, 0})
                || startsWith(b, 0, new byte[] {'M', 'M', 0, 42})) {
            return Format.TIFF;
        }
        if (startsWith(b, 0, ascii("RIFF")) && startsWith(b, 8, ascii("WEBP"))) {
            return Format.WEBP;
        }
        return null;
    }

    private Mat decodeWithImageIo(byte[] bytes, String label, Format format) throws ImageException {
        BufferedImage image;
        try (ImageInputStream in =
                ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ImageException(
                        label + ": no " + format.displayName() + " reader in javax.imageio");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                image = reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw new ImageException(
                    label
                            + ": "
                            + (isTruncated(format, bytes) ? "truncated " : "corrupt ")
                            + format.displayName()
                            + " data, it could not be decoded: "
                            + e.getMessage(),
                    e);
        }
        if (image == null) {
            throw new ImageException(
                    label + ": corrupt " + format.displayName() + " data, it has no image");
        }
        return fromBufferedImage(image);
    }

    private static String whyUndecodable(Format format, byte[] bytes) {
        String f = format.displayName();
        if (isTruncated(format, bytes)) {
            String marker =
                    switch (format) {
                        case JPEG -> "no end-of-image marker";
                        case PNG -> "no IEND chunk";
                        case WEBP -> "its RIFF header declares " + (8 + le32(bytes, 4)) + " bytes";
                        default -> "no end marker";
                    };
            return "truncated "
                    + f
                    + ": the data ends before the image is complete ("
                    + marker
                    + ", "
                    + bytes.length
                    + " bytes); the file may be partly downloaded or copied, get it again";
        }
        return "corrupt " + f + " data, OpenCV could not decode it (" + bytes.length + " bytes)";
    }

    /**
     * Whether the data visibly ends early: JPEG without EOI, PNG without IEND, WebP shorter than
     * its RIFF header declares.
     */
    static boolean isTruncated(Format format, byte[] b) {
        switch (format) {
            case JPEG:
                return !ImageHeaders.jpegHasEndOfImage(b);
            case PNG:
                return !ImageHeaders.pngHasEnd(b);
            case GIF:
                // A GIF ends with the trailer byte 0x3B.
                return b[b.length - 1] != 0x3B;
            case WEBP:
                return 8 + le32(b, 4) > b.length;
            default:
                return false;
        }
    }

    private static String preview(byte[] b) {
        int n = Math.min(b.length, 16);
        boolean printable = true;
        for (int i = 0; i < n; i++) {
            int c = u8(b, i);
            if ((c < 0x20 || c > 0x7E) && c != '\n' && c != '\r' && c != '\t') {
                printable = false;
                break;
            }
        }
        if (printable) {
            String s =
                    new String(b, 0, n, StandardCharsets.US_ASCII)
                            .replace("\n", "\\n")
                            .replace("\r", "\\r")
                            .replace("\t", "\\t");
            return "text \"" + s + (b.length > n ? "...\"" : "\"");
        }
        StringBuilder sb = new StringBuilder("bytes ");
        for (int i = 0; i < Math.min(b.length, 8); i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(String.format("%02X", u8(b, i)));
        }
        return sb.toString();
    }

    private static boolean startsWith(byte[] b, int offset, byte[] prefix) {
        if (b.length < offset + prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[offset + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static int u8(byte[] b, int i) {
        return b[i] & 0xFF;
    }

    private static long le32(byte[] b, int i) {
        return u8(b, i) | u8(b, i + 1) << 8 | u8(b, i + 2) << 16 | (long) u8(b, i + 3) << 24;
    }
}
