package ai.graft.sdk.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A protobuf message written field by field in wire format, for tests that need ONNX files no
 * exporter writes (external data in odd places, malformed fields). Fields are appended in call
 * order; nothing is validated.
 */
public final class ProtoWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** Starts an empty message. */
    public ProtoWriter() {}

    /**
     * Appends a tag.
     *
     * @param field the field number
     * @param wireType the wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32)
     * @return this
     */
    public ProtoWriter tag(int field, int wireType) {
        return rawVarint(((long) field << 3) | wireType);
    }

    /**
     * Appends a varint without a tag.
     *
     * @param v the value (negative values take 10 bytes, as protobuf writes them)
     * @return this
     */
    public ProtoWriter rawVarint(long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
        return this;
    }

    /**
     * Appends raw bytes without a tag.
     *
     * @param b the bytes
     * @return this
     */
    public ProtoWriter raw(byte[] b) {
        out.write(b, 0, b.length);
        return this;
    }

    /**
     * Appends a varint field.
     *
     * @param field the field number
     * @param v the value
     * @return this
     */
    public ProtoWriter varint(int field, long v) {
        return tag(field, 0).rawVarint(v);
    }

    /**
     * Appends a fixed32 field.
     *
     * @param field the field number
     * @param bits the 32 bits, little-endian on the wire
     * @return this
     */
    public ProtoWriter fixed32(int field, int bits) {
        tag(field, 5);
        for (int b = 0; b < 4; b++) {
            out.write(bits >>> (8 * b));
        }
        return this;
    }

    /**
     * Appends a length-delimited field.
     *
     * @param field the field number
     * @param b its bytes
     * @return this
     */
    public ProtoWriter bytes(int field, byte[] b) {
        tag(field, 2).rawVarint(b.length);
        return raw(b);
    }

    /**
     * Appends a string field, UTF-8.
     *
     * @param field the field number
     * @param s the text
     * @return this
     */
    public ProtoWriter string(int field, String s) {
        return bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Appends an embedded message.
     *
     * @param field the field number
     * @param m the message
     * @return this
     */
    public ProtoWriter message(int field, ProtoWriter m) {
        return bytes(field, m.toByteArray());
    }

    /**
     * The bytes written so far.
     *
     * @return a copy
     */
    public byte[] toByteArray() {
        return out.toByteArray();
    }
}
