package ai.graft.sdk.internal;

import ai.graft.sdk.ModelException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reads the headers of every tensor in an ONNX file, and the declared shapes of its main graph's
 * inputs, from the protobuf wire format directly (the SDK has no protobuf library). Used by {@link
 * ai.graft.sdk.ModelFiles} to check a model before ONNX Runtime opens it: tensors that keep their
 * data in another file, tensors whose shape does not fit their data, negative input dimensions
 * (which ONNX Runtime would report as dynamic).
 *
 * <p>It visits each {@code TensorProto} that ONNX Runtime could load: {@code ModelProto.graph}
 * (field 7), {@code functions} (25) and {@code training_info} (20); in each {@code GraphProto} the
 * {@code initializer}s (5), {@code sparse_initializer}s (15, their {@code values} and {@code
 * indices}) and {@code node}s (1); in each node's and function's attributes the tensors {@code t},
 * {@code tensors}, {@code sparse_tensor}, {@code sparse_tensors} and the subgraphs {@code g},
 * {@code graphs}, recursively; of each it reads the dims (1), data type (2), name (8), the length
 * of {@code raw_data} (9), the {@code external_data} entries (13) and {@code data_location} (14).
 *
 * <p>Everything else is skipped by its wire type, without being read, so that a large model costs
 * little more than its tensors' headers. Malformed input (a truncated or overlong varint, a length
 * beyond its message or the file, an invalid tag or wire type, nesting deeper than {@value
 * #MAX_DEPTH} messages, more than {@value #MAX_ITEMS} dimensions or external-data entries) is
 * refused as "not a valid ONNX model". Like protobuf, a field whose wire type does not match its
 * declaration is skipped as unknown, and a repeated singular message is visited at each occurrence.
 */
public final class ModelScanner {
    /** Most nested messages, as protobuf's own default recursion limit. */
    public static final int MAX_DEPTH = 100;

    /** Longest {@code external_data} key or value read, in bytes. */
    private static final int MAX_ENTRY_BYTES = 64 * 1024;

    /** Most dimensions of a tensor or input, and most external_data entries of a tensor. */
    public static final int MAX_ITEMS = 64;

    /** Longest tensor name kept for messages, in bytes; the rest is skipped. */
    private static final int MAX_NAME_BYTES = 1024;

    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int LENGTH = 2;
    private static final int START_GROUP = 3;
    private static final int END_GROUP = 4;
    private static final int FIXED32 = 5;

    /**
     * A tensor's header, as the file declares it.
     *
     * @param name the tensor's name (may be empty)
     * @param dims its declared dimensions
     * @param dataType its {@code TensorProto.DataType} number, 0 when not given
     * @param rawBytes the length of its {@code raw_data}, -1 when it has none
     * @param entries its {@code external_data} key/value entries, in file order
     * @param externalLocation whether its {@code data_location} says {@code EXTERNAL}
     */
    public record Tensor(
            String name,
            long[] dims,
            int dataType,
            long rawBytes,
            List<Map.Entry<String, String>> entries,
            boolean externalLocation) {
        /** Copies the arrays. */
        public Tensor {
            dims = dims.clone();
            entries = List.copyOf(entries);
        }

        /**
         * Whether the tensor refers to external data: {@code EXTERNAL}, or any entries at all.
         *
         * @return true when its data may lie in another file
         */
        public boolean isExternal() {
            return externalLocation || !entries.isEmpty();
        }

        @Override
        public long[] dims() {
            return dims.clone();
        }
    }

    /**
     * An input of the main graph, as declared.
     *
     * @param name its name
     * @param dims its dimensions: the declared {@code dim_value}, or -1 where symbolic or absent
     */
    public record Input(String name, long[] dims) {
        /** Copies the array. */
        public Input {
            dims = dims.clone();
        }

        @Override
        public long[] dims() {
            return dims.clone();
        }
    }

    /** Receives what a scan finds, as it finds it, so that a scan keeps nothing in memory. */
    public interface Visitor {
        /**
         * A tensor's header.
         *
         * @param tensor the header
         * @throws ModelException to end the scan, refusing the model
         */
        void tensor(Tensor tensor) throws ModelException;

        /**
         * An input of the main graph.
         *
         * @param input the input
         * @throws ModelException to end the scan, refusing the model
         */
        void input(Input input) throws ModelException;
    }

    private final FileChannel channel;
    private final long size;
    private final String name;
    private final Visitor visitor;
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    private long bufferStart;
    private long pos;

    private ModelScanner(FileChannel channel, long size, String name, Visitor visitor) {
        this.channel = channel;
        this.size = size;
        this.name = name;
        this.visitor = visitor;
        buffer.limit(0);
    }

    /**
     * Reads the headers of a model file's tensors and its main graph's inputs, in file order.
     *
     * @param model the {@code .onnx} file
     * @param visitor receives each tensor and input
     * @throws ModelException when the file cannot be read or is not valid protobuf (the message
     *     names the file), or the visitor refuses something
     */
    public static void scan(Path model, Visitor visitor) throws ModelException {
        try (FileChannel ch = FileChannel.open(model, StandardOpenOption.READ)) {
            ModelScanner s = new ModelScanner(ch, ch.size(), model.toString(), visitor);
            s.message(Kind.MODEL, s.size, 0);
        } catch (IOException e) {
            throw new ModelException("Could not read model file " + model + ": " + e, e);
        }
    }

    /** The messages on the way to a tensor. */
    private enum Kind {
        MODEL,
        TRAINING_INFO,
        MAIN_GRAPH,
        GRAPH,
        NODE,
        FUNCTION,
        ATTRIBUTE,
        SPARSE_TENSOR
    }

    /** Visits the fields of one message that ends at {@code end}. */
    private void message(Kind kind, long end, int depth) throws IOException, ModelException {
        if (depth >= MAX_DEPTH) {
            throw malformed("messages are nested more than " + MAX_DEPTH + " levels deep");
        }
        while (pos < end) {
            long tag = varint(end);
            int field = field(tag);
            int wire = (int) (tag & 7);
            Kind child = wire == LENGTH ? child(kind, field) : null;
            if (child != null) {
                long sub = subEnd(end);
                message(child, sub, depth + 1);
                pos = sub;
            } else if (wire == LENGTH && isTensor(kind, field)) {
                long sub = subEnd(end);
                tensor(sub, depth + 1);
                pos = sub;
            } else if (wire == LENGTH && kind == Kind.MAIN_GRAPH && field == 11) {
                long sub = subEnd(end);
                input(sub, depth + 1);
                pos = sub;
            } else {
                skip(field, wire, end, depth);
            }
        }
    }

    /** The kind of message a length-delimited field holds, when it leads to tensors. */
    private static Kind child(Kind parent, int field) {
        switch (parent) {
            case MODEL:
                return field == 7
                        ? Kind.MAIN_GRAPH
                        : field == 25 ? Kind.FUNCTION : field == 20 ? Kind.TRAINING_INFO : null;
            case TRAINING_INFO:
                return field == 1 || field == 2 ? Kind.GRAPH : null;
            case MAIN_GRAPH:
            case GRAPH:
                return field == 1 ? Kind.NODE : field == 15 ? Kind.SPARSE_TENSOR : null;
            case NODE:
                return field == 5 ? Kind.ATTRIBUTE : null;
            case FUNCTION:
                return field == 7 ? Kind.NODE : field == 11 ? Kind.ATTRIBUTE : null;
            case ATTRIBUTE:
                return field == 6 || field == 11
                        ? Kind.GRAPH
                        : field == 22 || field == 23 ? Kind.SPARSE_TENSOR : null;
            default:
                return null;
        }
    }

    /** Whether a length-delimited field of a message is a {@code TensorProto}. */
    private static boolean isTensor(Kind parent, int field) {
        switch (parent) {
            case MAIN_GRAPH:
            case GRAPH:
                return field == 5;
            case ATTRIBUTE:
                return field == 5 || field == 10;
            case SPARSE_TENSOR:
                return field == 1 || field == 2;
            default:
                return false;
        }
    }

    private void tensor(long end, int depth) throws IOException, ModelException {
        if (depth >= MAX_DEPTH) {
            throw malformed("messages are nested more than " + MAX_DEPTH + " levels deep");
        }
        String tensorName = "";
        boolean external = false;
        int dataType = 0;
        long rawBytes = -1;
        LongList dims = new LongList();
        List<Map.Entry<String, String>> entries = new ArrayList<>();
        while (pos < end) {
            long tag = varint(end);
            int field = field(tag);
            int wire = (int) (tag & 7);
            if (field == 1 && wire == VARINT) {
                dims.add(varint(end));
            } else if (field == 1 && wire == LENGTH) {
                // Packed dims.
                long sub = subEnd(end);
                while (pos < sub) {
                    dims.add(varint(sub));
                }
            } else if (field == 2 && wire == VARINT) {
                dataType = (int) varint(end);
            } else if (field == 8 && wire == LENGTH) {
                long sub = subEnd(end);
                tensorName = string(sub, MAX_NAME_BYTES);
                pos = sub;
            } else if (field == 9 && wire == LENGTH) {
                long sub = subEnd(end);
                // Repeated occurrences of a bytes field: the last one wins.
                rawBytes = sub - pos;
                pos = sub;
            } else if (field == 14 && wire == VARINT) {
                // An enum is an int32: protobuf keeps the low 32 bits of the varint.
                external = (int) varint(end) == 1;
            } else if (field == 13 && wire == LENGTH) {
                long sub = subEnd(end);
                if (entries.size() == MAX_ITEMS) {
                    throw malformed(
                            "a tensor has more than " + MAX_ITEMS + " external_data entries");
                }
                entries.add(entry(sub, depth + 1));
                pos = sub;
            } else {
                skip(field, wire, end, depth);
            }
        }
        visitor.tensor(
                new Tensor(tensorName, dims.toArray(), dataType, rawBytes, entries, external));
    }

    /** ValueInfoProto: name (1), type (2) -> TypeProto.tensor_type (1) -> shape (2) -> dim (1). */
    private void input(long end, int depth) throws IOException, ModelException {
        String inputName = "";
        long[] dims = new long[0];
        while (pos < end) {
            long tag = varint(end);
            int field = field(tag);
            int wire = (int) (tag & 7);
            if (field == 1 && wire == LENGTH) {
                long sub = subEnd(end);
                inputName = string(sub, MAX_NAME_BYTES);
                pos = sub;
            } else if (field == 2 && wire == LENGTH) {
                long sub = subEnd(end);
                long[] d = nested(sub, depth + 1, new int[] {1, 2});
                if (d != null) {
                    dims = d;
                }
                pos = sub;
            } else {
                skip(field, wire, end, depth);
            }
        }
        visitor.input(new Input(inputName, dims));
    }

    /**
     * Follows a path of length-delimited fields (TypeProto.tensor_type, then Tensor.shape) to a
     * TensorShapeProto and reads its dims; null when the path is absent. Merged occurrences of the
     * shape (a repeated singular message) append dims, as protobuf merges them.
     */
    private long[] nested(long end, int depth, int[] path) throws IOException, ModelException {
        if (depth >= MAX_DEPTH) {
            throw malformed("messages are nested more than " + MAX_DEPTH + " levels deep");
        }
        LongList dims = null;
        while (pos < end) {
            long tag = varint(end);
            int field = field(tag);
            int wire = (int) (tag & 7);
            if (field == path[0] && wire == LENGTH) {
                long sub = subEnd(end);
                long[] d =
                        path.length > 1
                                ? nested(sub, depth + 1, Arrays.copyOfRange(path, 1, path.length))
                                : shape(sub, depth + 1);
                if (d != null) {
                    dims = dims == null ? new LongList() : dims;
                    for (long v : d) {
                        dims.add(v);
                    }
                }
                pos = sub;
            } else {
                skip(field, wire, end, depth);
            }
        }
        return dims == null ? null : dims.toArray();
    }

    /** TensorShapeProto: each dim (1) is a Dimension with dim_value (1) or dim_param (2). */
    private long[] shape(long end, int depth) throws IOException, ModelException {
        LongList dims = new LongList();
        while (pos < end) {
            long tag = varint(end);
            int field = field(tag);
            int wire = (int) (tag & 7);
            if (field == 1 && wire == LENGTH) {
                long sub = subEnd(end);
                long value = -1;
                while (pos < sub) {
                    long t = varint(sub);
                    int f = field(t);
                    int w = (int) (t & 7);
                    if (f == 1 && w == VARINT) {
                        value = varint(sub);
                    } else if (f == 2 && w == LENGTH) {
                        pos = subEnd(sub);
                        value = -1;
                    } else {
                        skip(f, w, sub, depth + 1);
                    }
                }
                dims.add(value);
                pos = sub;
            } else {
                skip(field, wire, end, depth);
            }
        }
        return dims.toArray();
    }

    private Map.Entry<String, String> entry(long end, int depth)
            throws IOException, ModelException {
        String key = "";
        String value = "";
        while (pos < end) {
            long tag = varint(end);
            int field = field(tag);
            int wire = (int) (tag & 7);
            if ((field == 1 || field == 2) && wire == LENGTH) {
                long sub = subEnd(end);
                if (sub - pos > MAX_ENTRY_BYTES) {
                    throw malformed(
                            "an external_data entry is "
                                    + (sub - pos)
                                    + " bytes long, more than "
                                    + MAX_ENTRY_BYTES);
                }
                String s = string(sub, MAX_ENTRY_BYTES);
                pos = sub;
                if (field == 1) {
                    key = s;
                } else {
                    value = s;
                }
            } else {
                skip(field, wire, end, depth);
            }
        }
        return Map.entry(key, value);
    }

    // -------------------------------------------------------------------------------------
    // Wire format

    private int field(long tag) throws ModelException {
        // protobuf reads a tag as 32 bits, with field numbers from 1 to 2^29 - 1.
        if (tag >>> 32 != 0 || (tag >>> 3) == 0) {
            throw malformed("invalid field tag " + tag);
        }
        return (int) (tag >>> 3);
    }

    /** The end of a length-delimited field whose length comes next. */
    private long subEnd(long end) throws IOException, ModelException {
        long length = varint(end);
        // protobuf reads lengths as int32: anything else is refused, as by protobuf.
        if (length < 0 || length > Integer.MAX_VALUE) {
            throw malformed("invalid length " + length);
        }
        if (length > end - pos) {
            throw malformed(
                    "a field of "
                            + length
                            + " bytes runs past the end of its message ("
                            + (end - pos)
                            + " bytes left)");
        }
        return pos + length;
    }

    private void skip(int field, int wire, long end, int depth) throws IOException, ModelException {
        switch (wire) {
            case VARINT:
                varint(end);
                break;
            case FIXED64:
                advance(8, end);
                break;
            case FIXED32:
                advance(4, end);
                break;
            case LENGTH:
                pos = subEnd(end);
                break;
            case START_GROUP:
                if (depth + 1 >= MAX_DEPTH) {
                    throw malformed("groups are nested more than " + MAX_DEPTH + " levels deep");
                }
                while (true) {
                    if (pos >= end) {
                        throw malformed("group " + field + " is not closed");
                    }
                    long tag = varint(end);
                    int f = field(tag);
                    int w = (int) (tag & 7);
                    if (w == END_GROUP) {
                        if (f != field) {
                            throw malformed("group " + field + " is closed as " + f);
                        }
                        break;
                    }
                    skip(f, w, end, depth + 1);
                }
                break;
            default:
                throw malformed("invalid wire type " + wire + " of field " + field);
        }
    }

    private void advance(long n, long end) throws ModelException {
        if (n > end - pos) {
            throw malformed("a field runs past the end of its message");
        }
        pos += n;
    }

    private long varint(long end) throws IOException, ModelException {
        long result = 0;
        for (int i = 0; i < 10; i++) {
            if (pos >= end) {
                throw malformed("a number is cut off");
            }
            int b = byteAt(pos++);
            result |= (long) (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw malformed("a number is longer than 10 bytes");
    }

    private String string(long end, int max) throws IOException, ModelException {
        int n = (int) Math.min(end - pos, max);
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) byteAt(pos + i);
        }
        // Invalid UTF-8 becomes U+FFFD, as protobuf-java decodes proto2 strings; the location
        // rule refuses it.
        return new String(b, StandardCharsets.UTF_8);
    }

    private int byteAt(long at) throws IOException, ModelException {
        if (at < bufferStart || at >= bufferStart + buffer.limit()) {
            if (at >= size) {
                throw malformed("the file ends inside a field");
            }
            buffer.clear();
            bufferStart = at;
            while (buffer.hasRemaining()) {
                int n = channel.read(buffer, bufferStart + buffer.position());
                if (n < 0) {
                    break;
                }
            }
            buffer.flip();
            if (buffer.limit() == 0) {
                throw malformed("the file ends inside a field");
            }
        }
        return buffer.get((int) (at - bufferStart)) & 0xFF;
    }

    /** A growable list of at most {@value #MAX_ITEMS} longs. */
    private final class LongList {
        private long[] values = new long[4];
        private int size;

        void add(long v) throws ModelException {
            if (size == MAX_ITEMS) {
                throw malformed(
                        "a tensor or input declares more than " + MAX_ITEMS + " dimensions");
            }
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        long[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }

    private ModelException malformed(String why) {
        return new ModelException(
                "Model file "
                        + name
                        + " is not a valid ONNX model (truncated or not ONNX): "
                        + why
                        + " at byte "
                        + pos);
    }
}
