package ai.graft.converter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.onnx.proto.OnnxProto.AttributeProto;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.sdk.ModelCard;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.Preprocessing;
import ai.graft.sdk.TestData;
import ai.graft.sdk.testing.Mutator;
import ai.graft.sdk.testing.Mutator.Field;
import ai.graft.sdk.testing.Mutator.Mutant;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes the ONNX reader: seeded mutations of a tiny model and of SqueezeNet 1.1 go through {@link
 * OnnxModels#parse}, {@link OnnxModels#read} and, when read, {@link ModelInspector#inspect} and
 * {@link ModelCard#fromMetadata} (what {@code graft inspect} does). Each mutant must be read or
 * refused with a {@link ModelException} that names the source; any other exception or error (a
 * NullPointerException, an index out of bounds, an OutOfMemoryError, a stack overflow) fails.
 * Memory is bounded by construction: the bytes one mutant allocates on the heap (the thread's
 * allocation counter) stay within a fixed multiple of the file size, so a length field that
 * declares gigabytes cannot make the reader allocate them.
 */
// A hang guard only (the whole test takes seconds): a reader stuck in a loop fails here instead
// of stalling the build.
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class OnnxReaderFuzzTest {
    /** Mutants per model. */
    static final int MUTATIONS = 2000;

    /** Heap bytes one mutant may allocate: this many times the file size, plus a constant. */
    static final long ALLOCATION_FACTOR = 16;

    static final long ALLOCATION_CONSTANT = 64L << 20;

    @TempDir Path dir;

    /**
     * The tiny classifier (Conv, BatchNormalization, Relu, pooling, Gemm, Softmax) with its Flatten
     * replaced by a Reshape whose shape is an int64 initializer, a Reshape to the same shape from a
     * Constant node before the Softmax, and a model card: every kind of tensor and metadata that
     * the reader and {@code inspect} look into.
     */
    static ModelProto tinyModelWithCard() {
        ModelProto m = TinyModels.classifier(3);
        GraphProto.Builder g = m.getGraph().toBuilder().clearNode();
        for (NodeProto n : m.getGraph().getNodeList()) {
            switch (n.getOpType()) {
                case "Flatten" -> {
                    g.addInitializer(
                            OnnxTensors.fromLongs(
                                    "flat.shape", new long[] {2}, new long[] {1, -1}));
                    g.addNode(TinyModels.node("Reshape", List.of("gap", "flat.shape"), "flat"));
                }
                case "Softmax" -> {
                    g.addNode(
                            TinyModels.node("Constant", List.of(), "logits.shape").toBuilder()
                                    .addAttribute(
                                            AttributeProto.newBuilder()
                                                    .setName("value")
                                                    .setType(AttributeProto.AttributeType.TENSOR)
                                                    .setT(
                                                            OnnxTensors.fromLongs(
                                                                    "",
                                                                    new long[] {2},
                                                                    new long[] {1, 3}))));
                    g.addNode(
                            TinyModels.node(
                                    "Reshape", List.of("logits", "logits.shape"), "logits2"));
                    g.addNode(n.toBuilder().setInput(0, "logits2"));
                }
                default -> g.addNode(n);
            }
        }
        return ModelEditor.withMetadata(
                m.toBuilder().setGraph(g).build(),
                Map.of(
                        ModelCard.KEY_LABELS,
                        "[\"red\",\"green\",\"blue\"]",
                        ModelCard.KEY_PREPROCESS,
                        Preprocessing.imagenet(8, 8).toJson(),
                        ModelCard.KEY_VERSION,
                        "1"));
    }

    @Test
    void readAndInspect_tinyModelMutantsAreReadOrRefusedWithModelException() throws Exception {
        Outcomes o = fuzz(OnnxModels.toBytes(tinyModelWithCard()), 1, 1, "tiny");
        System.out.println(o);
        o.assertAllHandled();
        // The mutations reach both outcomes: a fuzzer whose mutants are all refused at the first
        // byte would prove nothing.
        assertTrue(o.read >= 100 && o.refused >= 500, o.toString());
    }

    @Test
    void readAndInspect_squeezeNetMutantsAreReadOrRefusedWithModelException() throws Exception {
        byte[] squeezeNet = Files.readAllBytes(TestData.require("models/squeezenet1.1.onnx"));
        // From a file for one mutant in 20 (the 5 MB model is parsed from memory otherwise).
        Outcomes o = fuzz(squeezeNet, 2, 20, "squeezenet");
        System.out.println(o);
        o.assertAllHandled();
        assertTrue(o.read >= 100 && o.refused >= 500, o.toString());
    }

    @Test
    void tinyModelWithCard_isReadAndInspectedWhole() throws Exception {
        ModelProto m = OnnxModels.parse(OnnxModels.toBytes(tinyModelWithCard()), "tiny");
        ModelSummary s = ModelInspector.inspect(m);
        assertEquals("flat", s.featureNode().tensor());
        assertEquals(List.of(), s.unknownOps());
        assertEquals(
                List.of("red", "green", "blue"), ModelCard.fromMetadata(s.metadata()).labels());
    }

    // Found by the fuzzer (mutant #482 of the tiny model: a dims varint of 'flat.shape' changed).
    @Test
    void read_refusesAWeightWhoseDataDoesNotFitItsShapeNamingFileAndTensor() throws Exception {
        ModelProto good = tinyModelWithCard();
        GraphProto.Builder g = good.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            if (g.getInitializer(i).getName().equals("flat.shape")) {
                g.setInitializer(i, g.getInitializer(i).toBuilder().setDims(0, 1));
            }
        }
        Path file = dir.resolve("short-shape.onnx");
        Files.write(file, good.toBuilder().setGraph(g).build().toByteArray());
        ModelException e = assertThrows(ModelException.class, () -> OnnxModels.read(file));
        assertTrue(
                e.getMessage()
                        .startsWith(
                                "Model "
                                        + file
                                        + " is damaged: Tensor 'flat.shape' of shape [1] and type"
                                        + " int64 has 16 bytes of data; it needs 8"),
                e.getMessage());
    }

    @Test
    void read_refusesAConstantWhoseDataDoesNotFitItsShape() {
        ModelProto good = tinyModelWithCard();
        GraphProto.Builder g = good.getGraph().toBuilder();
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            if (n.getOpType().equals("Constant")) {
                AttributeProto a = n.getAttribute(0);
                g.setNode(
                        i,
                        n.toBuilder()
                                .setAttribute(
                                        0, a.toBuilder().setT(a.getT().toBuilder().setDims(0, 5))));
            }
        }
        byte[] bytes = good.toBuilder().setGraph(g).build().toByteArray();
        ModelException e =
                assertThrows(ModelException.class, () -> OnnxModels.parse(bytes, "const.onnx"));
        assertTrue(e.getMessage().contains("const.onnx"), e.getMessage());
        assertTrue(e.getMessage().contains("of shape [5] and type int64"), e.getMessage());
    }

    // Found by the fuzzer (mutant #944 of the tiny model, #1386 of SqueezeNet: a node's output
    // field renumbered, leaving a Conv or Gemm without outputs).
    @Test
    void inspect_summarizesAModelWhoseClassifierNodeHasNoOutputs() throws Exception {
        ModelProto good = tinyModelWithCard();
        GraphProto.Builder g = good.getGraph().toBuilder();
        for (int i = 0; i < g.getNodeCount(); i++) {
            if (g.getNode(i).getOpType().equals("Gemm")) {
                g.setNode(i, g.getNode(i).toBuilder().clearOutput());
            }
        }
        ModelProto broken =
                OnnxModels.parse(good.toBuilder().setGraph(g).build().toByteArray(), "x");
        ModelSummary s = ModelInspector.inspect(broken);
        assertEquals(-1, s.multiplyAdds());
        assertEquals(null, s.featureNode());
    }

    @Test
    void protoFields_findTheLengthsAndVarintsOfNestedMessages() {
        byte[] b = OnnxModels.toBytes(TinyModels.classifier(3));
        List<Field> fields = protoFields(b);
        // Every tensor's dims, type and raw_data length, every node's strings, the graph itself.
        assertTrue(fields.size() > 100, "fields: " + fields.size());
        for (Field f : fields) {
            assertTrue(f.offset() >= 0 && f.offset() + f.length() <= b.length, f.toString());
        }
    }

    /** Mutates, reads and inspects; counts what happened. */
    Outcomes fuzz(byte[] original, long seed, int fromFileEvery, String name) throws Exception {
        // The original itself is read and inspected.
        ModelInspector.inspect(OnnxModels.parse(original, name));
        Mutator mutator = new Mutator(original, seed, protoFields(original));
        Outcomes o = new Outcomes(name, original.length);
        Path folder = Files.createDirectories(dir.resolve(name));
        Path file = folder.resolve("mutant.onnx");
        for (int i = 0; i < MUTATIONS; i++) {
            Mutant m = mutator.mutant(i);
            long allocated = allocatedBytes();
            long cpu = cpuNanos();
            String label = name + "-" + i + ".onnx";
            ModelProto model = check(o, m, label, () -> OnnxModels.parse(m.bytes(), label));
            if (i % fromFileEvery == 0) {
                Files.write(file, m.bytes());
                ModelProto fromFile = check(o, m, file.toString(), () -> OnnxModels.read(file));
                if (model != null && fromFile != null && !model.equals(fromFile)) {
                    o.fail(m, "read(file) and parse(bytes) gave different models");
                }
                if (model == null && fromFile != null) {
                    // Only external data can be read from a file and refused from bytes.
                    model = fromFile;
                }
                o.fromFile++;
            }
            if (model != null) {
                o.read++;
                inspect(o, m, model);
            } else {
                o.refused++;
            }
            o.maxAllocated = Math.max(o.maxAllocated, allocatedBytes() - allocated);
            o.maxCpuNanos = Math.max(o.maxCpuNanos, cpuNanos() - cpu);
            long limit = ALLOCATION_FACTOR * m.bytes().length + ALLOCATION_CONSTANT;
            if (allocatedBytes() - allocated > limit) {
                o.fail(m, "allocated " + (allocatedBytes() - allocated) + " bytes > " + limit);
            }
        }
        return o;
    }

    interface Reader {
        ModelProto read() throws ModelException;
    }

    /** The model, or null when refused with a ModelException naming {@code label}. */
    private static ModelProto check(Outcomes o, Mutant m, String label, Reader reader) {
        try {
            return reader.read();
        } catch (ModelException e) {
            if (e.getMessage() == null || !e.getMessage().contains(label)) {
                o.fail(m, "ModelException without the name " + label + ": " + e.getMessage());
            } else {
                o.messages.merge(firstWords(e.getMessage(), label), 1, Integer::sum);
            }
        } catch (Throwable t) {
            o.fail(m, t);
        }
        return null;
    }

    private static void inspect(Outcomes o, Mutant m, ModelProto model) {
        try {
            ModelSummary s = ModelInspector.inspect(model);
            ModelCard.fromMetadata(s.metadata());
        } catch (ModelException e) {
            // A malformed card: the card parser refuses it (it reads a map and cannot name the
            // file; the caller does).
            o.cardsRefused++;
        } catch (Throwable t) {
            o.fail(m, t);
        }
    }

    /** The start of a message, without the file name, to group refusals. */
    private static String firstWords(String message, String label) {
        String s = message.replace(label, "FILE");
        int colon = s.indexOf(':', s.indexOf("FILE") + 4);
        String head = colon > 0 ? s.substring(0, colon) : s;
        return head.substring(0, Math.min(head.length(), 60));
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getCurrentThreadAllocatedBytes();
    }

    private static long cpuNanos() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    /** What the mutants gave. */
    static final class Outcomes {
        final String name;
        final int size;
        int read;
        int refused;
        int fromFile;
        int cardsRefused;
        long maxAllocated;
        long maxCpuNanos;
        final Map<String, Integer> messages = new LinkedHashMap<>();
        final Map<String, String> failures = new LinkedHashMap<>();
        int failureCount;

        Outcomes(String name, int size) {
            this.name = name;
            this.size = size;
        }

        void fail(Mutant m, Throwable t) {
            StringBuilder at = new StringBuilder(t.toString());
            StackTraceElement[] trace = t.getStackTrace();
            for (int k = 0; k < Math.min(4, trace.length); k++) {
                at.append(k == 0 ? " at " : " < ").append(trace[k]);
            }
            fail(m, at.toString());
        }

        void fail(Mutant m, String what) {
            failureCount++;
            String key = what.length() > 120 ? what.substring(0, 120) : what;
            failures.putIfAbsent(key.replaceAll("[0-9]+", "N"), m.description() + ": " + what);
        }

        void assertAllHandled() {
            assertEquals(
                    0,
                    failureCount,
                    name
                            + ": "
                            + failureCount
                            + " mutants not handled, e.g.\n"
                            + String.join("\n", failures.values()));
            assertEquals(MUTATIONS, read + refused);
        }

        @Override
        public String toString() {
            return String.format(
                    java.util.Locale.ROOT,
                    "%s (%d bytes): %d mutants, %d read (%d cards refused), %d refused, %d also"
                            + " from a file; at most %.1f MB allocated and %.0f ms CPU per mutant;"
                            + " refusals %s",
                    name,
                    size,
                    read + refused,
                    read,
                    cardsRefused,
                    refused,
                    fromFile,
                    maxAllocated / 1e6,
                    maxCpuNanos / 1e6,
                    messages);
        }
    }

    // ------------------------------------------------------------------ protobuf wire scan

    /**
     * The varints of a protobuf message and of every nested message: field tags, lengths of
     * length-delimited fields, and varint values (dims, types, versions). A length-delimited field
     * is taken for a nested message when its content parses as one to the end; otherwise it is
     * opaque (strings, raw tensor data).
     */
    static List<Field> protoFields(byte[] b) {
        List<Field> out = new ArrayList<>();
        scan(b, 0, b.length, 0, out);
        return out;
    }

    private static boolean scan(byte[] b, int start, int end, int depth, List<Field> out) {
        int mark = out.size();
        int i = start;
        while (i < end) {
            int tagStart = i;
            long[] tag = varintAt(b, i, end);
            if (tag == null || (tag[0] >>> 3) == 0) {
                truncate(out, mark);
                return false;
            }
            i = (int) tag[1];
            out.add(new Field(tagStart, i - tagStart, Mutator.Encoding.VARINT));
            switch ((int) (tag[0] & 7)) {
                case 0 -> {
                    long[] v = varintAt(b, i, end);
                    if (v == null) {
                        truncate(out, mark);
                        return false;
                    }
                    // Listed twice: values (dims, types, versions) are what a reader must check,
                    // so half the field mutations change one rather than the framing.
                    Field value = new Field(i, (int) v[1] - i, Mutator.Encoding.VARINT);
                    out.add(value);
                    out.add(value);
                    i = (int) v[1];
                }
                case 1 -> i += 8;
                case 5 -> i += 4;
                case 2 -> {
                    long[] len = varintAt(b, i, end);
                    if (len == null || len[0] < 0 || len[1] + len[0] > end) {
                        truncate(out, mark);
                        return false;
                    }
                    out.add(new Field(i, (int) len[1] - i, Mutator.Encoding.VARINT));
                    int content = (int) len[1];
                    int contentEnd = (int) (content + len[0]);
                    if (depth < 12 && len[0] > 0) {
                        scan(b, content, contentEnd, depth + 1, out);
                    }
                    i = contentEnd;
                }
                default -> {
                    truncate(out, mark);
                    return false;
                }
            }
            if (i > end) {
                truncate(out, mark);
                return false;
            }
        }
        return true;
    }

    private static void truncate(List<Field> out, int size) {
        out.subList(size, out.size()).clear();
    }

    /** {value, next offset}, or null when no complete varint starts at {@code i}. */
    private static long[] varintAt(byte[] b, int i, int end) {
        long v = 0;
        for (int k = 0; k < 10 && i + k < end; k++) {
            v |= (long) (b[i + k] & 0x7F) << (7 * k);
            if ((b[i + k] & 0x80) == 0) {
                return new long[] {v, i + k + 1};
            }
        }
        return null;
    }
}
