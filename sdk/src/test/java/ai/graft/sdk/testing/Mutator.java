package ai.graft.sdk.testing;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Seeded mutations of a file's bytes for fuzz tests: bit flips, byte overwrites, truncations,
 * inserted, deleted and duplicated bytes, and corruption of the length and size fields that the
 * format declares (a protobuf varint, a JPEG segment length, a PNG chunk length, a RIFF size).
 *
 * <p>Mutant {@code i} of a seed is always the same bytes, whatever other mutants were made, so a
 * failure names a mutant that can be made again alone: {@code mutator.mutant(i)}. The kinds take
 * turns ({@code i % kinds}), so every kind is tried equally often.
 *
 * <pre>{@code
 * Mutator m = new Mutator(jpeg, 42, Mutator.Field.be16(4));
 * for (int i = 0; i < 2000; i++) {
 *     Mutator.Mutant mutant = m.mutant(i);
 *     // feed mutant.bytes(), name failures with mutant.description()
 * }
 * }</pre>
 */
public final class Mutator {
    /** What a mutant changes. */
    public enum Kind {
        /** One to four bits inverted. */
        BIT_FLIP,
        /** One to eight bytes replaced by random or boundary values (00, FF, 7F, 80). */
        BYTE_OVERWRITE,
        /** The data cut at a random offset. */
        TRUNCATE,
        /** One to 64 random bytes inserted. */
        INSERT,
        /** One to 64 bytes removed. */
        DELETE,
        /** A stretch of the data repeated in place. */
        DUPLICATE,
        /** A declared length or size field set to a boundary value (0, 1, max, off by one...). */
        FIELD
    }

    /** How a field's value is stored. */
    public enum Encoding {
        /** A protobuf base-128 varint (1 to 10 bytes). */
        VARINT(0),
        /** Big-endian 16 bits. */
        BE16(2),
        /** Big-endian 32 bits. */
        BE32(4),
        /** Little-endian 16 bits. */
        LE16(2),
        /** Little-endian 32 bits. */
        LE32(4);

        final int width;

        Encoding(int width) {
            this.width = width;
        }
    }

    /**
     * A length or size field of the format.
     *
     * @param offset where the field starts
     * @param length how many bytes it takes (for a varint, as written in the original)
     * @param encoding how its value is stored
     */
    public record Field(int offset, int length, Encoding encoding) {
        /**
         * A big-endian 16-bit field.
         *
         * @param offset where it starts
         * @return the field
         */
        public static Field be16(int offset) {
            return new Field(offset, 2, Encoding.BE16);
        }

        /**
         * A big-endian 32-bit field.
         *
         * @param offset where it starts
         * @return the field
         */
        public static Field be32(int offset) {
            return new Field(offset, 4, Encoding.BE32);
        }

        /**
         * A little-endian 16-bit field.
         *
         * @param offset where it starts
         * @return the field
         */
        public static Field le16(int offset) {
            return new Field(offset, 2, Encoding.LE16);
        }

        /**
         * A little-endian 32-bit field.
         *
         * @param offset where it starts
         * @return the field
         */
        public static Field le32(int offset) {
            return new Field(offset, 4, Encoding.LE32);
        }
    }

    /**
     * One mutated copy.
     *
     * @param index its number for this seed
     * @param kind what was changed
     * @param description what was changed and where, for messages
     * @param bytes the mutated data
     */
    public record Mutant(int index, Kind kind, String description, byte[] bytes) {}

    private final byte[] original;
    private final long seed;
    private final List<Field> fields;

    /**
     * Creates a mutator.
     *
     * @param original the valid file to mutate; not changed
     * @param seed the seed of every mutant
     * @param fields the length and size fields of the format; when none are given, {@link
     *     Kind#FIELD} mutants overwrite four random bytes with a boundary value instead
     */
    public Mutator(byte[] original, long seed, List<Field> fields) {
        if (original.length == 0) {
            throw new IllegalArgumentException("Nothing to mutate: the original is empty");
        }
        this.original = original.clone();
        this.seed = seed;
        this.fields = List.copyOf(fields);
    }

    /**
     * Creates a mutator.
     *
     * @param original the valid file to mutate; not changed
     * @param seed the seed of every mutant
     * @param fields the length and size fields of the format
     */
    public Mutator(byte[] original, long seed, Field... fields) {
        this(original, seed, List.of(fields));
    }

    /**
     * Makes mutant {@code index}: kind {@code index % 7}, its details drawn from {@code seed} and
     * {@code index}.
     *
     * @param index the mutant's number, 0 or more
     * @return the mutant; its bytes differ from the original in all but rare cases (a flip undone
     *     by another flip of the same bit, a byte overwritten with its own value)
     */
    public Mutant mutant(int index) {
        Random r = new Random(seed * 1_000_003L + index);
        Kind kind = Kind.values()[index % Kind.values().length];
        int n = original.length;
        byte[] b = original.clone();
        String what;
        switch (kind) {
            case BIT_FLIP -> {
                int flips = 1 + r.nextInt(4);
                StringBuilder sb = new StringBuilder("bit flip at");
                for (int k = 0; k < flips; k++) {
                    int at = position(r);
                    int bit = r.nextInt(8);
                    b[at] ^= (byte) (1 << bit);
                    sb.append(' ').append(at).append('.').append(bit);
                }
                what = sb.toString();
            }
            case BYTE_OVERWRITE -> {
                int at = position(r);
                int count = Math.min(1 + r.nextInt(8), n - at);
                for (int k = 0; k < count; k++) {
                    b[at + k] = boundaryByte(r);
                }
                what = "overwrite " + count + " bytes at " + at;
            }
            case TRUNCATE -> {
                // Cuts inside the first header fields, near the start, and anywhere else.
                int at =
                        switch (r.nextInt(3)) {
                            case 0 -> r.nextInt(Math.min(n, 32));
                            case 1 -> r.nextInt(Math.min(n, 256));
                            default -> r.nextInt(n);
                        };
                b = Arrays.copyOf(original, at);
                what = "truncate to " + at + " of " + n + " bytes";
            }
            case INSERT -> {
                int at = r.nextInt(n + 1);
                byte[] extra = new byte[1 + r.nextInt(64)];
                if (r.nextBoolean()) {
                    r.nextBytes(extra);
                } else {
                    Arrays.fill(extra, boundaryByte(r));
                }
                b = splice(original, at, 0, extra);
                what = "insert " + extra.length + " bytes at " + at;
            }
            case DELETE -> {
                int at = position(r);
                int count = Math.min(1 + r.nextInt(64), n - at);
                b = splice(original, at, count, new byte[0]);
                what = "delete " + count + " bytes at " + at;
            }
            case DUPLICATE -> {
                int at = position(r);
                int count = Math.min(1 + r.nextInt(256), n - at);
                b = splice(original, at, 0, Arrays.copyOfRange(original, at, at + count));
                what = "duplicate " + count + " bytes at " + at;
            }
            case FIELD -> {
                if (fields.isEmpty()) {
                    int at = r.nextInt(Math.max(1, n - 3));
                    byte[] v = fixed(boundaryValue(r, 0), Encoding.BE32);
                    b = splice(original, at, Math.min(4, n - at), v);
                    what = "boundary value at " + at;
                } else {
                    Field f = fields.get(r.nextInt(fields.size()));
                    long old = read(original, f);
                    long value = boundaryValue(r, old);
                    byte[] encoded =
                            f.encoding() == Encoding.VARINT
                                    ? varint(value)
                                    : fixed(value, f.encoding());
                    b = splice(original, f.offset(), f.length(), encoded);
                    what =
                            f.encoding()
                                    + " field at "
                                    + f.offset()
                                    + " set from "
                                    + old
                                    + " to "
                                    + value;
                }
            }
            default -> throw new AssertionError(kind);
        }
        return new Mutant(index, kind, "mutant #" + index + " (" + what + ")", b);
    }

    /** A position: half the time next to a declared field (where structure is), else anywhere. */
    private int position(Random r) {
        int n = original.length;
        if (!fields.isEmpty() && r.nextBoolean()) {
            Field f = fields.get(r.nextInt(fields.size()));
            int at = f.offset() + r.nextInt(f.length() + 16) - 4;
            return Math.max(0, Math.min(n - 1, at));
        }
        return r.nextInt(n);
    }

    private static byte boundaryByte(Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> 0;
            case 1 -> (byte) 0xFF;
            case 2 -> 0x7F;
            case 3 -> (byte) 0x80;
            default -> (byte) r.nextInt(256);
        };
    }

    private static long boundaryValue(Random r, long old) {
        return switch (r.nextInt(14)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> old + 1;
            case 3 -> old - 1;
            case 4 -> old * 2;
            case 5 -> old / 2;
            case 6 -> 0x7FFF;
            case 7 -> 0xFFFF;
            case 8 -> Integer.MAX_VALUE;
            case 9 -> 0xFFFF_FFFFL;
            case 10 -> 1L << 31;
            case 11 -> Long.MAX_VALUE;
            case 12 -> -1;
            default -> r.nextLong() >>> r.nextInt(64);
        };
    }

    private static long read(byte[] b, Field f) {
        int o = f.offset();
        return switch (f.encoding()) {
            case VARINT -> {
                long v = 0;
                for (int k = 0; k < f.length(); k++) {
                    v |= (long) (b[o + k] & 0x7F) << (7 * k);
                }
                yield v;
            }
            case BE16 -> ((b[o] & 0xFF) << 8) | (b[o + 1] & 0xFF);
            case LE16 -> (b[o] & 0xFF) | ((b[o + 1] & 0xFF) << 8);
            case BE32 ->
                    ((long) (b[o] & 0xFF) << 24)
                            | ((b[o + 1] & 0xFF) << 16)
                            | ((b[o + 2] & 0xFF) << 8)
                            | (b[o + 3] & 0xFF);
            case LE32 ->
                    (b[o] & 0xFF)
                            | ((b[o + 1] & 0xFF) << 8)
                            | ((b[o + 2] & 0xFF) << 16)
                            | ((long) (b[o + 3] & 0xFF) << 24);
        };
    }

    /**
     * The protobuf varint encoding of a value (negative values take 10 bytes).
     *
     * @param value the value
     * @return its bytes
     */
    public static byte[] varint(long value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(10);
        long v = value;
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
        return out.toByteArray();
    }

    private static byte[] fixed(long value, Encoding e) {
        byte[] out = new byte[e.width];
        for (int k = 0; k < e.width; k++) {
            int shift = 8 * (e == Encoding.BE16 || e == Encoding.BE32 ? e.width - 1 - k : k);
            out[k] = (byte) (value >>> shift);
        }
        return out;
    }

    private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
        return out;
    }

    /**
     * The fields of a list that lie wholly inside {@code [0, size)}.
     *
     * @param fields the fields
     * @param size the data size
     * @return those inside
     */
    public static List<Field> inside(List<Field> fields, int size) {
        List<Field> out = new ArrayList<>();
        for (Field f : fields) {
            if (f.offset() >= 0 && f.offset() + f.length() <= size) {
                out.add(f);
            }
        }
        return out;
    }
}
