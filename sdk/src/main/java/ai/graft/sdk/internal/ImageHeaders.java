package ai.graft.sdk.internal;

import ai.graft.sdk.ImageException;
import ai.graft.sdk.internal.ImageDecoder.Format;

/**
 * Reads image dimensions from encoded headers without decoding pixels, so that oversized images can
 * be refused before memory is allocated, and checks whether JPEG and PNG data is complete.
 */
final class ImageHeaders {
    private ImageHeaders() {}

    /**
     * The width and height declared by the header.
     *
     * @throws ImageException when the header is cut short or has no size
     */
    static long[] dimensions(Format format, byte[] b, String label) throws ImageException {
        long[] size;
        try {
            switch (format) {
                case JPEG:
                    size = jpeg(b);
                    break;
                case PNG:
                    size = png(b);
                    break;
                case GIF:
                    size = gif(b);
                    break;
                case BMP:
                    size = bmp(b);
                    break;
                case TIFF:
                    size = tiff(b);
                    break;
                case WEBP:
                    size = webp(b);
                    break;
                default:
                    throw new AssertionError(format);
            }
        } catch (IndexOutOfBoundsException e) {
            throw new ImageException(
                    label
                            + ": truncated "
                            + format.displayName()
                            + ": the data ends inside the header ("
                            + b.length
                            + " bytes)",
                    e);
        }
        if (size == null) {
            throw new ImageException(
                    label
                            + ": corrupt "
                            + format.displayName()
                            + " header, it declares no image size ("
                            + b.length
                            + " bytes)");
        }
        return size;
    }

    private static long[] jpeg(byte[] b) {
        int i = 2;
        while (true) {
            if (u8(b, i) != 0xFF) {
                return null;
            }
            while (u8(b, i) == 0xFF) {
                i++;
            }
            int marker = u8(b, i++);
            if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
                continue;
            }
            if (marker == 0xD9 || marker == 0xDA) {
                return null; // end of image or start of scan before any frame header
            }
            int length = be16(b, i);
            boolean sof =
                    marker >= 0xC0
                            && marker <= 0xCF
                            && marker != 0xC4
                            && marker != 0xC8
                            && marker != 0xCC;
            if (sof) {
                long height = be16(b, i + 3);
                long width = be16(b, i + 5);
                return new long[] {width, height};
            }
            if (length < 2) {
                return null;
            }
            i += length;
        }
    }

    /** Walks the markers through the entropy-coded scans to the end-of-image marker. */
    static boolean jpegHasEndOfImage(byte[] b) {
        int n = b.length;
        int i = 2;
        while (i < n) {
            if (u8(b, i) != 0xFF) {
                i++;
                continue;
            }
            while (i < n && u8(b, i) == 0xFF) {
                i++;
            }
            if (i >= n) {
                return false;
            }
            int marker = u8(b, i++);
            if (marker == 0xD9) {
                return true;
            }
            if (marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
                continue;
            }
            if (i + 1 >= n) {
                return false;
            }
            i += be16(b, i);
            if (marker == 0xDA) {
                // Entropy-coded data: 0xFF is stuffed as FF 00, restart markers are FF D0-D7.
                while (i + 1 < n) {
                    if (u8(b, i) == 0xFF) {
                        int next = u8(b, i + 1);
                        if (next != 0x00 && next != 0xFF && (next < 0xD0 || next > 0xD7)) {
                            break;
                        }
                    }
                    i++;
                }
                if (i + 1 >= n) {
                    return false;
                }
            }
        }
        return false;
    }

    /**
     * The size of a GIF as {@code javax.imageio} decodes it: the logical screen, or the first frame
     * where its image descriptor is larger (the reader allocates the frame's size).
     */
    private static long[] gif(byte[] b) {
        long width = le16(b, 6);
        long height = le16(b, 8);
        int flags = u8(b, 10);
        int i = 13 + ((flags & 0x80) != 0 ? 3 << ((flags & 7) + 1) : 0);
        while (true) {
            int block = u8(b, i);
            if (block == 0x2C) {
                // Image descriptor: left, top, width, height.
                long frameWidth = le16(b, i + 5);
                long frameHeight = le16(b, i + 7);
                return new long[] {Math.max(width, frameWidth), Math.max(height, frameHeight)};
            }
            if (block != 0x21) {
                return null; // the trailer, or no block at all, before any image
            }
            // Extension: label, then sub-blocks each led by its length, up to a zero length.
            i += 2;
            for (int length = u8(b, i); length != 0; length = u8(b, i)) {
                i += length + 1;
            }
            i++;
        }
    }

    /**
     * Why a PNG cannot be handed to a decoder, or null when its chunks fit: a chunk that declares
     * more data than follows would make OpenCV allocate (and clear) the declared size, up to 4 GB,
     * before it finds that the data is missing.
     *
     * @return "truncated ..." when the data ends inside a chunk and the file has no {@code IEND} at
     *     its end, "corrupt ..." when a chunk's length overruns a file that does end with one
     */
    static String pngChunkOverrun(byte[] b) {
        long i = 8;
        while (i + 8 <= b.length) {
            long length = be32(b, (int) i);
            int t = (int) i + 4;
            String type = chunkType(b, t);
            if (type.equals("IEND")) {
                return null;
            }
            long left = b.length - i - 12;
            if (length > left) {
                return (endsWithIend(b) ? "corrupt" : "truncated")
                        + " PNG: chunk '"
                        + type
                        + "' at byte "
                        + i
                        + " declares "
                        + length
                        + " bytes of data, but "
                        + Math.max(0, left)
                        + " follow";
            }
            i += 12 + length;
        }
        return null;
    }

    private static boolean endsWithIend(byte[] b) {
        int n = b.length;
        return n >= 20 && be32(b, n - 12) == 0 && chunkType(b, n - 8).equals("IEND");
    }

    /** A chunk type: its four letters, or its bytes in hex when they are not letters. */
    private static String chunkType(byte[] b, int t) {
        StringBuilder sb = new StringBuilder(4);
        for (int k = 0; k < 4; k++) {
            int c = u8(b, t + k);
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) {
                return String.format(
                        java.util.Locale.ROOT,
                        "%02X %02X %02X %02X",
                        u8(b, t),
                        u8(b, t + 1),
                        u8(b, t + 2),
                        u8(b, t + 3));
            }
            sb.append((char) c);
        }
        return sb.toString();
    }

    private static long[] png(byte[] b) {
        // Signature (8), IHDR length (4), "IHDR" (4), width (4), height (4).
        if (b[12] != 'I' || b[13] != 'H' || b[14] != 'D' || b[15] != 'R') {
            return null;
        }
        return new long[] {be32(b, 16), be32(b, 20)};
    }

    /** Walks the chunks to {@code IEND}. */
    static boolean pngHasEnd(byte[] b) {
        long i = 8;
        while (i + 8 <= b.length) {
            long length = be32(b, (int) i);
            int t = (int) i + 4;
            if (b[t] == 'I' && b[t + 1] == 'E' && b[t + 2] == 'N' && b[t + 3] == 'D') {
                return true;
            }
            i += 12 + length;
        }
        return false;
    }

    private static long[] bmp(byte[] b) {
        long headerSize = le32(b, 14);
        if (headerSize == 12) {
            return new long[] {le16(b, 18), le16(b, 20)};
        }
        long width = (int) le32(b, 18);
        long height = (int) le32(b, 22); // negative for top-down bitmaps
        return new long[] {width, Math.abs(height)};
    }

    private static long[] tiff(byte[] b) {
        boolean little = b[0] == 'I';
        int ifd = (int) Math.min(Integer.MAX_VALUE, u32(b, 4, little));
        int count = u16(b, ifd, little);
        long width = -1;
        long height = -1;
        for (int e = 0; e < count; e++) {
            int entry = ifd + 2 + 12 * e;
            int tag = u16(b, entry, little);
            if (tag != 256 && tag != 257) {
                continue;
            }
            int type = u16(b, entry + 2, little);
            long value;
            if (type == 3) {
                value = u16(b, entry + 8, little);
            } else if (type == 4) {
                value = u32(b, entry + 8, little);
            } else {
                return null;
            }
            if (tag == 256) {
                width = value;
            } else {
                height = value;
            }
        }
        return width < 0 || height < 0 ? null : new long[] {width, height};
    }

    private static long[] webp(byte[] b) {
        String chunk = new String(b, 12, 4, java.nio.charset.StandardCharsets.US_ASCII);
        switch (chunk) {
            case "VP8 ":
                // Frame tag (3 bytes), start code 9D 01 2A, then 14-bit width and height.
                if (u8(b, 23) != 0x9D || u8(b, 24) != 0x01 || u8(b, 25) != 0x2A) {
                    return null;
                }
                return new long[] {le16(b, 26) & 0x3FFF, le16(b, 28) & 0x3FFF};
            case "VP8L":
                if (u8(b, 20) != 0x2F) {
                    return null;
                }
                long bits = le32(b, 21);
                return new long[] {1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)};
            case "VP8X":
                return new long[] {1 + le24(b, 24), 1 + le24(b, 27)};
            default:
                return null;
        }
    }

    private static int u8(byte[] b, int i) {
        return b[i] & 0xFF;
    }

    private static int be16(byte[] b, int i) {
        return (u8(b, i) << 8) | u8(b, i + 1);
    }

    private static long be32(byte[] b, int i) {
        return ((long) be16(b, i) << 16) | be16(b, i + 2);
    }

    private static int le16(byte[] b, int i) {
        return u8(b, i) | (u8(b, i + 1) << 8);
    }

    private static long le24(byte[] b, int i) {
        return le16(b, i) | ((long) u8(b, i + 2) << 16);
    }

    private static long le32(byte[] b, int i) {
        return le16(b, i) | ((long) le16(b, i + 2) << 16);
    }

    private static int u16(byte[] b, int i, boolean little) {
        return little ? le16(b, i) : be16(b, i);
    }

    private static long u32(byte[] b, int i, boolean little) {
        return little ? le32(b, i) : be32(b, i);
    }
}
