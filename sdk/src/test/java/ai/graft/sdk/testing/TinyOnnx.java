package ai.graft.sdk.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes tiny ONNX models for tests, encoding the protobuf wire format by hand (no protobuf
 * dependency): a {@code ModelProto} with IR version 7, opset 13, a graph of nodes, initializers,
 * typed inputs and outputs, and {@code metadata_props}.
 */
public final class TinyOnnx {
    /** ONNX TensorProto.DataType FLOAT. */
    public static final int FLOAT = 1;

    /** ONNX TensorProto.DataType INT64. */
    public static final int INT64 = 7;

    private final List<byte[]> nodes = new ArrayList<>();
    private final List<byte[]> initializers = new ArrayList<>();
    private final List<byte[]> inputs = new ArrayList<>();
    private final List<byte[]> outputs = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private String graphName = "tiny";
    private String producer = "graft-test";

    /** Starts an empty model. */
    public TinyOnnx() {}

    /**
     * A classifier {@code input [N, 3, H, W] -> GlobalAveragePool -> Flatten -> Gemm} (C classes),
     * optionally with a Softmax and optionally reshaped to {@code [N, C, 1, 1]}. Class {@code c}'s
     * logit is {@code sum_k weights[c][k] * mean_k + bias[c]}, where {@code mean_k} is the mean of
     * input channel {@code k}.
     *
     * @param height input height, or -1 for dynamic
     * @param width input width, or -1 for dynamic
     * @param batch the batch dimension, or -1 for dynamic
     * @param weights {@code [classes][3]}
     * @param bias {@code [classes]}
     * @param softmax whether the output is probabilities
     * @param fourD whether the output is {@code [N, C, 1, 1]}
     * @return the builder holding that graph
     */
    public static TinyOnnx classifier(
            int height,
            int width,
            int batch,
            float[][] weights,
            float[] bias,
            boolean softmax,
            boolean fourD) {
        int classes = weights.length;
        int channels = weights[0].length;
        TinyOnnx m = new TinyOnnx();
        m.input(
                "input",
                FLOAT,
                dim(batch, "N"),
                dim(channels, null),
                dim(height, "H"),
                dim(width, "W"));
        float[] w = new float[classes * channels];
        for (int c = 0; c < classes; c++) {
            System.arraycopy(weights[c], 0, w, c * channels, channels);
        }
        m.floatInitializer("W", new long[] {classes, channels}, w);
        m.floatInitializer("B", new long[] {classes}, bias);
        m.node("GlobalAveragePool", List.of("input"), List.of("pooled"), Map.of());
        m.node("Flatten", List.of("pooled"), List.of("flat"), Map.of("axis", 1L));
        String last = softmax || fourD ? "logits" : "output";
        m.node("Gemm", List.of("flat", "W", "B"), List.of(last), Map.of("transB", 1L));
        if (softmax) {
            String next = fourD ? "probs" : "output";
            m.node("Softmax", List.of(last), List.of(next), Map.of("axis", 1L));
            last = next;
        }
        if (fourD) {
            m.longInitializer("shape4", new long[] {4}, new long[] {-1, classes, 1, 1});
            m.node("Reshape", List.of(last, "shape4"), List.of("output"), Map.of());
            m.output(
                    "output",
                    FLOAT,
                    dim(batch, "N"),
                    dim(classes, null),
                    dim(1, null),
                    dim(1, null));
        } else {
            m.output("output", FLOAT, dim(batch, "N"), dim(classes, null));
        }
        return m;
    }

    /**
     * A 3-class classifier on colour: class 0 red, 1 green, 2 blue (weights 10 on the matching
     * channel of an RGB input), dynamic batch, 224 x 224 input, logits out.
     *
     * @return the builder
     */
    public static TinyOnnx rgbClassifier() {
        return classifier(
                224,
                224,
                -1,
                new float[][] {{10, 0, 0}, {0, 10, 0}, {0, 0, 10}},
                new float[] {0, 0, 0},
                false,
                false);
    }

    /**
     * A model whose input is 2-D {@code [N, 4]} (not an image).
     *
     * @return the builder
     */
    public static TinyOnnx twoDimensionalInput() {
        TinyOnnx m = new TinyOnnx();
        m.input("features", FLOAT, dim(-1, "N"), dim(4, null));
        m.floatInitializer("W", new long[] {2, 4}, new float[8]);
        m.floatInitializer("B", new long[] {2}, new float[2]);
        m.node("Gemm", List.of("features", "W", "B"), List.of("output"), Map.of("transB", 1L));
        m.output("output", FLOAT, dim(-1, "N"), dim(2, null));
        return m;
    }

    /**
     * A model whose image-shaped input is int64 {@code [N, 3, 8, 8]}.
     *
     * @return the builder
     */
    public static TinyOnnx int64Input() {
        TinyOnnx m = new TinyOnnx();
        m.input("input", INT64, dim(-1, "N"), dim(3, null), dim(8, null), dim(8, null));
        m.node("Cast", List.of("input"), List.of("f"), Map.of("to", (long) FLOAT));
        m.node("GlobalAveragePool", List.of("f"), List.of("pooled"), Map.of());
        m.node("Flatten", List.of("pooled"), List.of("output"), Map.of("axis", 1L));
        m.output("output", FLOAT, dim(-1, "N"), dim(3, null));
        return m;
    }

    /**
     * Adds a graph input.
     *
     * @param name the name
     * @param elemType {@link #FLOAT} or {@link #INT64}
     * @param dims the dimensions, from {@link #dim}
     * @return this
     */
    public TinyOnnx input(String name, int elemType, Object... dims) {
        inputs.add(valueInfo(name, elemType, dims));
        return this;
    }

    /**
     * Adds a graph output.
     *
     * @param name the name
     * @param elemType the element type
     * @param dims the dimensions, from {@link #dim}
     * @return this
     */
    public TinyOnnx output(String name, int elemType, Object... dims) {
        outputs.add(valueInfo(name, elemType, dims));
        return this;
    }

    /**
     * A dimension: a fixed value, or a named dynamic one when {@code value < 0}.
     *
     * @param value the size, or -1
     * @param param the name of a dynamic dimension
     * @return a Long or a String
     */
    public static Object dim(long value, String param) {
        return value >= 0 ? (Object) value : (param == null ? "d" : param);
    }

    /**
     * Adds a node.
     *
     * @param opType the operator
     * @param in input names
     * @param out output names
     * @param attrs attributes: Long, Float, String, long[] or float[] values
     * @return this
     */
    public TinyOnnx node(
            String opType, List<String> in, List<String> out, Map<String, Object> attrs) {
        Pb n = new Pb();
        for (String i : in) {
            n.string(1, i);
        }
        for (String o : out) {
            n.string(2, o);
        }
        n.string(3, opType + "_" + nodes.size());
        n.string(4, opType);
        for (Map.Entry<String, Object> a : attrs.entrySet()) {
            Pb attr = new Pb();
            attr.string(1, a.getKey());
            Object v = a.getValue();
            if (v instanceof Long l) {
                attr.varint(3, l);
                attr.varint(20, 2);
            } else if (v instanceof Float f) {
                attr.fixed32(2, Float.floatToIntBits(f));
                attr.varint(20, 1);
            } else if (v instanceof String s) {
                attr.bytes(4, s.getBytes(StandardCharsets.UTF_8));
                attr.varint(20, 3);
            } else if (v instanceof long[] ls) {
                for (long l : ls) {
                    attr.varint(8, l);
                }
                attr.varint(20, 7);
            } else if (v instanceof float[] fs) {
                for (float f : fs) {
                    attr.fixed32(7, Float.floatToIntBits(f));
                }
                attr.varint(20, 6);
            } else {
                throw new IllegalArgumentException("Unsupported attribute " + v);
            }
            n.message(5, attr);
        }
        nodes.add(n.toByteArray());
        return this;
    }

    /**
     * Adds a float initializer.
     *
     * @param name the name
     * @param dims the shape
     * @param values the values, row-major
     * @return this
     */
    public TinyOnnx floatInitializer(String name, long[] dims, float[] values) {
        Pb t = new Pb();
        for (long d : dims) {
            t.varint(1, d);
        }
        t.varint(2, FLOAT);
        t.string(8, name);
        byte[] raw = new byte[values.length * 4];
        for (int i = 0; i < values.length; i++) {
            int bits = Float.floatToIntBits(values[i]);
            for (int b = 0; b < 4; b++) {
                raw[i * 4 + b] = (byte) (bits >>> (8 * b));
            }
        }
        t.bytes(9, raw);
        initializers.add(t.toByteArray());
        return this;
    }

    /**
     * Adds an int64 initializer.
     *
     * @param name the name
     * @param dims the shape
     * @param values the values
     * @return this
     */
    public TinyOnnx longInitializer(String name, long[] dims, long[] values) {
        Pb t = new Pb();
        for (long d : dims) {
            t.varint(1, d);
        }
        t.varint(2, INT64);
        t.string(8, name);
        byte[] raw = new byte[values.length * 8];
        for (int i = 0; i < values.length; i++) {
            for (int b = 0; b < 8; b++) {
                raw[i * 8 + b] = (byte) (values[i] >>> (8 * b));
            }
        }
        t.bytes(9, raw);
        initializers.add(t.toByteArray());
        return this;
    }

    /**
     * Adds a {@code metadata_props} entry.
     *
     * @param key the key
     * @param value the value
     * @return this
     */
    public TinyOnnx metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /**
     * Adds {@code metadata_props} entries.
     *
     * @param props the entries
     * @return this
     */
    public TinyOnnx metadata(Map<String, String> props) {
        metadata.putAll(props);
        return this;
    }

    /**
     * Sets the producer name.
     *
     * @param name the producer
     * @return this
     */
    public TinyOnnx producer(String name) {
        this.producer = name;
        return this;
    }

    /**
     * Sets the graph name.
     *
     * @param name the name
     * @return this
     */
    public TinyOnnx graphName(String name) {
        this.graphName = name;
        return this;
    }

    /**
     * The serialized {@code ModelProto}.
     *
     * @return the bytes of an {@code .onnx} file
     */
    public byte[] toBytes() {
        Pb graph = new Pb();
        for (byte[] n : nodes) {
            graph.bytes(1, n);
        }
        graph.string(2, graphName);
        for (byte[] t : initializers) {
            graph.bytes(5, t);
        }
        for (byte[] i : inputs) {
            graph.bytes(11, i);
        }
        for (byte[] o : outputs) {
            graph.bytes(12, o);
        }
        Pb model = new Pb();
        model.varint(1, 7);
        model.string(2, producer);
        model.string(3, "1");
        model.message(7, graph);
        Pb opset = new Pb();
        opset.string(1, "");
        opset.varint(2, 13);
        model.message(8, opset);
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            Pb kv = new Pb();
            kv.string(1, e.getKey());
            kv.string(2, e.getValue());
            model.message(14, kv);
        }
        return model.toByteArray();
    }

    /**
     * Writes the model to a file.
     *
     * @param file the file
     * @return the file
     */
    public Path write(Path file) {
        try {
            Files.write(file, toBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    private static byte[] valueInfo(String name, int elemType, Object... dims) {
        Pb shape = new Pb();
        for (Object d : dims) {
            Pb dim = new Pb();
            if (d instanceof Long l) {
                dim.varint(1, l);
            } else if (d instanceof Integer i) {
                dim.varint(1, i);
            } else {
                dim.string(2, (String) d);
            }
            shape.message(1, dim);
        }
        Pb tensor = new Pb();
        tensor.varint(1, elemType);
        tensor.message(2, shape);
        Pb type = new Pb();
        type.message(1, tensor);
        Pb vi = new Pb();
        vi.string(1, name);
        vi.message(2, type);
        return vi.toByteArray();
    }

    /** A protobuf message being written: fields appended in wire format. */
    private static final class Pb {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        void tag(int field, int wireType) {
            rawVarint(((long) field << 3) | wireType);
        }

        void rawVarint(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        void varint(int field, long v) {
            tag(field, 0);
            rawVarint(v);
        }

        void fixed32(int field, int bits) {
            tag(field, 5);
            for (int b = 0; b < 4; b++) {
                out.write(bits >>> (8 * b));
            }
        }

        void bytes(int field, byte[] b) {
            tag(field, 2);
            rawVarint(b.length);
            out.write(b, 0, b.length);
        }

        void string(int field, String s) {
            bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        void message(int field, Pb m) {
            bytes(field, m.toByteArray());
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
