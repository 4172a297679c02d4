package ai.graft.sdk.testing;

import ai.graft.sdk.ModelCard;
import ai.graft.sdk.OutputKind;
import ai.graft.sdk.Preprocessing;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The reliability suite's models, generated in code: a tiny colour classifier that works, the same
 * with its weights in a file beside it (which must keep working), and every kind of bad model that
 * Graft must refuse as unusable (exit code 3) with a message naming the file.
 *
 * <p>The good classifier takes {@code input [N, 3, 16, 16]} and computes {@code Gemm(Flatten(
 * GlobalAveragePool(input)), W, B)}: class 0 red, 1 green, 2 blue. Its model card gives labels,
 * raw-pixel preprocessing and logits, so that every command runs it without flags.
 *
 * <p>The escapes are built so that they would load and classify without the external-data check:
 * the weights they point at outside the model's folder are the model's true weights.
 */
public final class BadModels {
    /** The labels of the colour classifier. */
    public static final List<String> LABELS = List.of("red", "green", "blue");

    /** Height and width of the good classifier's input. */
    public static final int SIDE = 16;

    /** The weights {@code W [3, 3]}, class-major: 10 on each class's own channel. */
    static final float[] WEIGHTS = {10, 0, 0, 0, 10, 0, 0, 0, 10};

    /** The bias {@code B [3]}. */
    static final float[] BIAS = {0, 0, 0};

    /** What is wrong with a model, which decides which commands must refuse it. */
    public enum Kind {
        /** Not ONNX at all: empty, random or truncated. Everything refuses it. */
        UNREADABLE,
        /** External data that leaves the folder or lies beyond its file. Everything refuses it. */
        EXTERNAL_DATA,
        /** An input size no image model has. Everything refuses it. */
        DIMENSIONS,
        /** A weight whose declared shape does not match its data. Everything refuses it. */
        WEIGHTS,
        /**
         * A valid ONNX model that is not an image classifier (several inputs, another rank): the
         * commands that run or annotate a classifier refuse it; inspect, convert and verify, tools
         * for any ONNX model, may accept it.
         */
        NOT_AN_IMAGE_CLASSIFIER,
        /**
         * A valid model whose card asks for an absurd input size: the commands that classify with
         * the card refuse it; the others do not read the card.
         */
        CARD
    }

    /**
     * One bad model.
     *
     * @param name a short name for failure messages
     * @param kind what is wrong with it
     * @param model its file (each case has a folder of its own)
     * @param expected text every refusal's message must contain, besides the file's name
     */
    public record Case(String name, Kind kind, Path model, String expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    private BadModels() {}

    // -------------------------------------------------------------------------------------
    // The good models

    /**
     * Writes the good colour classifier.
     *
     * @param file the {@code .onnx} file to write
     * @return the file
     */
    public static Path writeGood(Path file) {
        return write(file, new Classifier().toBytes());
    }

    /**
     * Writes the colour classifier with both weights in {@code weights/colours.bin} beside it (at
     * offsets 16 and 64, with lengths), as {@code onnx.save_model(..., save_as_external_data=True)}
     * writes them.
     *
     * @param folder the folder to write {@code colours.onnx} and {@code weights/} into
     * @return the model file
     */
    public static Path writeWithExternalData(Path folder) {
        byte[] data = new byte[64 + BIAS.length * 4];
        System.arraycopy(floats(WEIGHTS), 0, data, 16, WEIGHTS.length * 4);
        System.arraycopy(floats(BIAS), 0, data, 64, BIAS.length * 4);
        write(folder.resolve("weights/colours.bin"), data);
        Classifier c = new Classifier();
        c.weight =
                externalTensor(
                        "W",
                        new long[] {3, 3},
                        Map.of("location", "weights/colours.bin", "offset", "16", "length", "36"));
        c.bias =
                externalTensor(
                        "B",
                        new long[] {3},
                        Map.of("location", "weights/colours.bin", "offset", "64", "length", "12"));
        return write(folder.resolve("colours.onnx"), c.toBytes());
    }

    /**
     * The good classifier's bytes.
     *
     * @return a serialized {@code ModelProto}
     */
    public static byte[] goodBytes() {
        return new Classifier().toBytes();
    }

    // -------------------------------------------------------------------------------------
    // The bad models

    /**
     * Writes every bad model, each in a folder of its own under {@code dir}.
     *
     * @param dir an empty folder
     * @return the cases, in a fixed order
     */
    public static List<Case> writeAll(Path dir) {
        List<Case> cases = new ArrayList<>();
        cases.addAll(unreadable(dir));
        cases.addAll(externalData(dir));
        cases.addAll(dimensions(dir));
        cases.addAll(weights(dir));
        cases.addAll(notImageClassifiers(dir));
        return cases;
    }

    /**
     * Empty, random and truncated files: the good model cut at 16 points inside its graph.
     *
     * @param dir where to write
     * @return the cases
     */
    public static List<Case> unreadable(Path dir) {
        List<Case> cases = new ArrayList<>();
        cases.add(
                new Case(
                        "empty",
                        Kind.UNREADABLE,
                        write(dir.resolve("empty/model.onnx"), new byte[0]),
                        "empty"));
        byte[] random = new byte[4096];
        new Random(9).nextBytes(random);
        cases.add(
                new Case(
                        "random",
                        Kind.UNREADABLE,
                        write(dir.resolve("random/model.onnx"), random),
                        "ONNX model"));
        byte[] good = goodBytes();
        int[] graph = graphRange(good);
        int cuts = 16;
        for (int i = 0; i < cuts; i++) {
            // Strictly inside the graph field: its declared length then runs past the end.
            int at = graph[0] + 1 + (int) ((long) (graph[1] - graph[0] - 2) * i / (cuts - 1));
            byte[] cut = java.util.Arrays.copyOf(good, at);
            cases.add(
                    new Case(
                            "truncated-at-" + at,
                            Kind.UNREADABLE,
                            write(dir.resolve("truncated-" + at + "/model.onnx"), cut),
                            "not a valid ONNX model"));
        }
        return cases;
    }

    /**
     * Every external-data escape: a parent folder, an absolute path, {@code /dev/zero}, symbolic
     * links out of the folder (to a file, to a device, through a linked folder, and {@code
     * link/..}), ranges beyond the file, negative and overflowing numbers, no location, a folder,
     * and an escape in a {@code Constant} node's tensor rather than an initializer.
     *
     * @param dir where to write
     * @return the cases
     */
    public static List<Case> externalData(Path dir) {
        List<Case> cases = new ArrayList<>();
        Path outside = dir.resolve("outside");
        byte[] weights = floats(WEIGHTS);
        write(outside.resolve("weights.bin"), weights);
        write(outside.resolve("sub/keep"), new byte[0]);
        try {
            cases.add(escape(dir, "external-parent", "../outside/weights.bin", "0", "36"));
            cases.add(
                    escape(
                            dir,
                            "external-absolute",
                            outside.resolve("weights.bin").toAbsolutePath().toString(),
                            "0",
                            "36"));
            cases.add(escape(dir, "external-dev-zero", "/dev/zero", "0", "36"));

            Case link = escape(dir, "external-link-out", "w.bin", "0", "36");
            Files.createSymbolicLink(
                    link.model().resolveSibling("w.bin"),
                    outside.resolve("weights.bin").toAbsolutePath());
            cases.add(link);

            Case zero = escape(dir, "external-link-dev-zero", "zero.bin", "0", "36");
            Files.createSymbolicLink(zero.model().resolveSibling("zero.bin"), Path.of("/dev/zero"));
            cases.add(zero);

            Case folder = escape(dir, "external-linked-folder", "d/weights.bin", "0", "36");
            Files.createSymbolicLink(folder.model().resolveSibling("d"), outside.toAbsolutePath());
            cases.add(folder);

            // "d/../weights.bin" reads outside/weights.bin (the system follows d before ".."),
            // although a lexical normalization would say ./weights.bin, which exists too.
            Case dotdot = escape(dir, "external-link-dotdot", "d/../weights.bin", "0", "36");
            Files.createSymbolicLink(
                    dotdot.model().resolveSibling("d"), outside.resolve("sub").toAbsolutePath());
            write(dotdot.model().resolveSibling("weights.bin"), weights);
            cases.add(dotdot);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        cases.add(inside(dir, "external-offset-beyond", "40", "36"));
        cases.add(inside(dir, "external-length-beyond", "0", "136"));
        cases.add(inside(dir, "external-negative-offset", "-4", "36"));
        cases.add(inside(dir, "external-negative-length", "0", "-1"));
        cases.add(inside(dir, "external-overflow", "9223372036854775807", "36"));
        cases.add(inside(dir, "external-not-a-number", "12abc", "36"));

        Classifier none = new Classifier();
        none.weight = externalTensor("W", new long[] {3, 3}, Map.of("offset", "0"));
        cases.add(
                new Case(
                        "external-no-location",
                        Kind.EXTERNAL_DATA,
                        write(dir.resolve("external-no-location/model.onnx"), none.toBytes()),
                        "names no location"));

        Case folder = escape(dir, "external-folder", "sub", "0", "36");
        write(folder.model().resolveSibling("sub/keep"), new byte[0]);
        cases.add(folder);

        Classifier constant = new Classifier();
        constant.weightFromConstant = true;
        constant.weight =
                externalTensor(
                        "W",
                        new long[] {3, 3},
                        Map.of(
                                "location",
                                "../outside/weights.bin",
                                "offset",
                                "0",
                                "length",
                                "36"));
        cases.add(
                new Case(
                        "external-in-constant",
                        Kind.EXTERNAL_DATA,
                        write(dir.resolve("external-in-constant/model.onnx"), constant.toBytes()),
                        "refused"));
        return cases;
    }

    /**
     * Input sizes no image model has: 1e9, 2^31 - 1, 20000 and 1e12 a side, a batch of 2^31 - 1,
     * negative and zero sides, and a dynamic input whose card asks for 100000 a side. Where the
     * size fits an int the card asks for it too, so that only the size is wrong.
     *
     * @param dir where to write
     * @return the cases
     */
    public static List<Case> dimensions(Path dir) {
        List<Case> cases = new ArrayList<>();
        cases.add(side(dir, "dims-1e9", 1_000_000_000L, "1000000000"));
        cases.add(side(dir, "dims-int-max", Integer.MAX_VALUE, "2147483647"));
        cases.add(side(dir, "dims-20000", 20_000L, "20000"));
        cases.add(side(dir, "dims-1e12", 1_000_000_000_000L, "1000000000000"));
        cases.add(side(dir, "dims-negative", -5L, "-5"));
        cases.add(side(dir, "dims-zero", 0L, "dimension 2 = 0"));

        Classifier batch = new Classifier();
        batch.inputDims = new Object[] {(long) Integer.MAX_VALUE, 3L, 16L, 16L};
        cases.add(
                new Case(
                        "dims-batch-int-max",
                        Kind.DIMENSIONS,
                        write(dir.resolve("dims-batch-int-max/model.onnx"), batch.toBytes()),
                        "2147483647"));

        Classifier card = new Classifier();
        card.inputDims = new Object[] {"N", 3L, "H", "W"};
        card.card = card(100_000, 100_000);
        cases.add(
                new Case(
                        "card-100000",
                        Kind.CARD,
                        write(dir.resolve("card-100000/model.onnx"), card.toBytes()),
                        "100000"));
        return cases;
    }

    /**
     * Weights whose declared shape does not match their data: 8 values for a {@code [3, 3]} shape,
     * and a shape whose element count overflows.
     *
     * @param dir where to write
     * @return the cases
     */
    public static List<Case> weights(Path dir) {
        List<Case> cases = new ArrayList<>();
        Classifier shortData = new Classifier();
        shortData.weight =
                inlineTensor("W", new long[] {3, 3}, java.util.Arrays.copyOf(WEIGHTS, 8));
        cases.add(
                new Case(
                        "weights-size-mismatch",
                        Kind.WEIGHTS,
                        write(dir.resolve("weights-size-mismatch/model.onnx"), shortData.toBytes()),
                        "W"));
        Classifier overflow = new Classifier();
        overflow.weight = inlineTensor("W", new long[] {1L << 40, 1L << 40}, WEIGHTS);
        cases.add(
                new Case(
                        "weights-shape-overflow",
                        Kind.WEIGHTS,
                        write(dir.resolve("weights-shape-overflow/model.onnx"), overflow.toBytes()),
                        "W"));
        return cases;
    }

    /**
     * Valid ONNX models that are not image classifiers: a 3-D input, and two image inputs.
     *
     * @param dir where to write
     * @return the cases
     */
    public static List<Case> notImageClassifiers(Path dir) {
        List<Case> cases = new ArrayList<>();
        Classifier rank = new Classifier();
        rank.inputDims = new Object[] {"N", 3L, 256L};
        cases.add(
                new Case(
                        "input-rank-3",
                        Kind.NOT_AN_IMAGE_CLASSIFIER,
                        write(dir.resolve("input-rank-3/model.onnx"), rank.toBytes()),
                        "input"));
        Classifier two = new Classifier();
        two.secondInput = true;
        cases.add(
                new Case(
                        "two-inputs",
                        Kind.NOT_AN_IMAGE_CLASSIFIER,
                        write(dir.resolve("two-inputs/model.onnx"), two.toBytes()),
                        "input"));
        return cases;
    }

    private static Case side(Path dir, String name, long side, String expected) {
        Classifier c = new Classifier();
        c.inputDims = new Object[] {1L, 3L, side, side};
        if (side > 0 && side <= Integer.MAX_VALUE) {
            c.card = card((int) side, (int) side);
        }
        return new Case(
                name,
                Kind.DIMENSIONS,
                write(dir.resolve(name + "/model.onnx"), c.toBytes()),
                expected);
    }

    private static Case escape(
            Path dir, String name, String location, String offset, String length) {
        Classifier c = new Classifier();
        c.weight =
                externalTensor(
                        "W",
                        new long[] {3, 3},
                        Map.of("location", location, "offset", offset, "length", length));
        return new Case(
                name,
                Kind.EXTERNAL_DATA,
                write(dir.resolve(name + "/model.onnx"), c.toBytes()),
                "'" + location + "'");
    }

    /** A model whose weights lie in w.bin beside it (36 bytes), read with a bad offset/length. */
    private static Case inside(Path dir, String name, String offset, String length) {
        Case c = escape(dir, name, "w.bin", offset, length);
        write(c.model().resolveSibling("w.bin"), floats(WEIGHTS));
        return c;
    }

    // -------------------------------------------------------------------------------------
    // Writing

    /** The classifier's parts, each replaceable. */
    private static final class Classifier {
        Object[] inputDims = {"N", 3L, (long) SIDE, (long) SIDE};
        boolean secondInput;
        boolean weightFromConstant;
        ProtoWriter weight = inlineTensor("W", new long[] {3, 3}, WEIGHTS);
        ProtoWriter bias = inlineTensor("B", new long[] {3}, BIAS);
        Map<String, String> card = card(SIDE, SIDE);

        byte[] toBytes() {
            ProtoWriter graph = new ProtoWriter();
            String in = "input";
            if (secondInput) {
                graph.message(1, node("Add", List.of("input", "extra"), "sum", null));
                in = "sum";
            }
            if (weightFromConstant) {
                ProtoWriter value = new ProtoWriter().string(1, "value").varint(20, 4);
                value.message(5, weight);
                graph.message(1, node("Constant", List.of(), "W", value));
            }
            graph.message(1, node("GlobalAveragePool", List.of(in), "pooled", null));
            graph.message(
                    1,
                    node(
                            "Flatten",
                            List.of("pooled"),
                            "flat",
                            new ProtoWriter().string(1, "axis").varint(3, 1).varint(20, 2)));
            graph.message(
                    1,
                    node(
                            "Gemm",
                            List.of("flat", "W", "B"),
                            "output",
                            new ProtoWriter().string(1, "transB").varint(3, 1).varint(20, 2)));
            graph.string(2, "colours");
            if (!weightFromConstant) {
                graph.message(5, weight);
            }
            graph.message(5, bias);
            graph.message(11, valueInfo("input", inputDims));
            if (secondInput) {
                graph.message(11, valueInfo("extra", inputDims));
            }
            graph.message(12, valueInfo("output", new Object[] {"N", 3L}));
            ProtoWriter model = new ProtoWriter();
            model.varint(1, 7);
            model.string(2, "graft-test");
            model.string(3, "1");
            model.message(7, graph);
            model.message(8, new ProtoWriter().string(1, "").varint(2, 13));
            for (Map.Entry<String, String> e : card.entrySet()) {
                model.message(14, new ProtoWriter().string(1, e.getKey()).string(2, e.getValue()));
            }
            return model.toByteArray();
        }
    }

    private static Map<String, String> card(int width, int height) {
        return new ModelCard(
                        ModelCard.VERSION,
                        LABELS,
                        Preprocessing.raw(width, height),
                        OutputKind.LOGITS,
                        "output",
                        Map.of())
                .toMetadata();
    }

    private static ProtoWriter node(
            String op, List<String> inputs, String output, ProtoWriter attribute) {
        ProtoWriter n = new ProtoWriter();
        for (String i : inputs) {
            n.string(1, i);
        }
        n.string(2, output);
        n.string(3, op + "_" + output);
        n.string(4, op);
        if (attribute != null) {
            n.message(5, attribute);
        }
        return n;
    }

    private static ProtoWriter valueInfo(String name, Object[] dims) {
        ProtoWriter shape = new ProtoWriter();
        for (Object d : dims) {
            ProtoWriter dim = new ProtoWriter();
            if (d instanceof Long l) {
                dim.varint(1, l);
            } else {
                dim.string(2, (String) d);
            }
            shape.message(1, dim);
        }
        ProtoWriter tensor = new ProtoWriter().varint(1, 1).message(2, shape);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensor));
    }

    /**
     * A float {@code TensorProto} with its values in {@code raw_data}.
     *
     * @param name the name
     * @param dims the declared shape
     * @param values the values, whatever the shape says
     * @return the message
     */
    public static ProtoWriter inlineTensor(String name, long[] dims, float[] values) {
        ProtoWriter t = new ProtoWriter();
        for (long d : dims) {
            t.varint(1, d);
        }
        t.varint(2, 1);
        t.string(8, name);
        t.bytes(9, floats(values));
        return t;
    }

    /**
     * A float {@code TensorProto} whose data is external ({@code data_location} EXTERNAL).
     *
     * @param name the name
     * @param dims the declared shape
     * @param entries the {@code external_data} entries, written in location, offset, length order
     * @return the message
     */
    public static ProtoWriter externalTensor(
            String name, long[] dims, Map<String, String> entries) {
        ProtoWriter t = new ProtoWriter();
        for (long d : dims) {
            t.varint(1, d);
        }
        t.varint(2, 1);
        t.string(8, name);
        Map<String, String> ordered = new LinkedHashMap<>();
        for (String k : List.of("location", "offset", "length")) {
            if (entries.containsKey(k)) {
                ordered.put(k, entries.get(k));
            }
        }
        for (Map.Entry<String, String> e : ordered.entrySet()) {
            t.message(13, new ProtoWriter().string(1, e.getKey()).string(2, e.getValue()));
        }
        t.varint(14, 1);
        return t;
    }

    /** Little-endian float bytes. */
    static byte[] floats(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    /** Where the graph field's bytes lie in a model written by {@link Classifier}. */
    private static int[] graphRange(byte[] model) {
        // ir_version (2 bytes), producer_name and producer_version (tag, length, text) precede it.
        int at = 0;
        while (at < model.length) {
            int tag = model[at] & 0xFF;
            if (tag == (7 << 3 | 2)) {
                int length = 0;
                int shift = 0;
                int p = at + 1;
                while (true) {
                    int b = model[p++] & 0xFF;
                    length |= (b & 0x7F) << shift;
                    shift += 7;
                    if ((b & 0x80) == 0) {
                        break;
                    }
                }
                return new int[] {at, p + length};
            }
            if ((tag & 7) == 0) {
                at += 2;
            } else {
                at += 2 + (model[at + 1] & 0xFF);
            }
        }
        throw new IllegalStateException("No graph in the model");
    }

    private static Path write(Path file, byte[] bytes) {
        try {
            Files.createDirectories(file.getParent());
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }
}
