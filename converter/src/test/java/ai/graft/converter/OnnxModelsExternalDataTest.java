package ai.graft.converter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.graph.Graphs;
import ai.graft.converter.onnx.proto.OnnxProto.AttributeProto;
import ai.graft.converter.onnx.proto.OnnxProto.FunctionProto;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.SparseTensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.StringStringEntryProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorShapeProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;
import ai.graft.sdk.ModelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * External data outside the initializers: a {@code Constant}'s tensor, a {@code tensors} attribute,
 * a sparse initializer's values and a function's node are loaded from the model's folder under the
 * same rule as initializers, and refused when they leave it.
 */
class OnnxModelsExternalDataTest {
    /** Where each tensor of {@link #model} lies: in order c, list, sparse, function. */
    private static final List<String> TENSORS = List.of("c", "list", "sparse", "function");

    @TempDir Path dir;

    private static TensorProto external(String name, String location, long offset) {
        return TensorProto.newBuilder()
                .setName(name)
                .setDataType(TensorProto.DataType.FLOAT_VALUE)
                .addDims(2)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(entry("location", location))
                .addExternalData(entry("offset", Long.toString(offset)))
                .addExternalData(entry("length", "8"))
                .build();
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    /** The tiny classifier, plus tensors in four other places, each from its own location. */
    private static ModelProto model(List<String> locations) {
        ModelProto base = TinyModels.classifier(3);
        NodeProto constant =
                Graphs.node("Constant", "const", List.of(), List.of("c")).toBuilder()
                        .addAttribute(
                                AttributeProto.newBuilder()
                                        .setName("value")
                                        .setType(AttributeProto.AttributeType.TENSOR)
                                        .setT(external("c", locations.get(0), 0)))
                        .addAttribute(
                                AttributeProto.newBuilder()
                                        .setName("extra")
                                        .setType(AttributeProto.AttributeType.TENSORS)
                                        .addTensors(external("list", locations.get(1), 8)))
                        .build();
        SparseTensorProto sparse =
                SparseTensorProto.newBuilder()
                        .addDims(4)
                        .setValues(external("sparse", locations.get(2), 16))
                        .setIndices(
                                OnnxTensors.fromLongs(
                                        "sparse.i", new long[] {2}, new long[] {0, 3}))
                        .build();
        GraphProto graph =
                base.getGraph().toBuilder().addNode(constant).addSparseInitializer(sparse).build();
        FunctionProto function =
                FunctionProto.newBuilder()
                        .setName("f")
                        .setDomain("local")
                        .addNode(
                                Graphs.node("Constant", "fc", List.of(), List.of("y")).toBuilder()
                                        .addAttribute(
                                                AttributeProto.newBuilder()
                                                        .setName("value")
                                                        .setType(
                                                                AttributeProto.AttributeType.TENSOR)
                                                        .setT(
                                                                external(
                                                                        "function",
                                                                        locations.get(3),
                                                                        24))))
                        .build();
        return base.toBuilder().setGraph(graph).addFunctions(function).build();
    }

    /** 32 bytes: floats 0..7, two for each tensor. */
    private static byte[] data() {
        float[] v = new float[8];
        for (int i = 0; i < v.length; i++) {
            v[i] = i;
        }
        return OnnxTensors.fromFloats("x", new long[] {8}, v).getRawData().toByteArray();
    }

    @Test
    void read_loadsExternalDataOfConstantsListsSparseInitializersAndFunctions() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("model"));
        Files.write(folder.resolve("data.bin"), data());
        Path file = folder.resolve("m.onnx");
        Files.write(
                file, model(List.of("data.bin", "data.bin", "data.bin", "data.bin")).toByteArray());

        ModelProto read = OnnxModels.read(file);

        NodeProto constant = read.getGraph().getNode(read.getGraph().getNodeCount() - 1);
        assertFloats(new float[] {0, 1}, constant.getAttribute(0).getT());
        assertFloats(new float[] {2, 3}, constant.getAttribute(1).getTensors(0));
        assertFloats(new float[] {4, 5}, read.getGraph().getSparseInitializer(0).getValues());
        assertFloats(new float[] {6, 7}, read.getFunctions(0).getNode(0).getAttribute(0).getT());
        // Self-contained now: parse accepts the bytes.
        assertEquals(read, OnnxModels.parse(read.toByteArray(), "copy"));
    }

    @Test
    void read_refusesAnEscapeWhereverTheTensorIs() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("model"));
        Files.write(folder.resolve("data.bin"), data());
        Files.write(dir.resolve("outside.bin"), data());
        for (int i = 0; i < TENSORS.size(); i++) {
            List<String> locations =
                    new java.util.ArrayList<>(
                            List.of("data.bin", "data.bin", "data.bin", "data.bin"));
            locations.set(i, "../outside.bin");
            Path file = folder.resolve("m" + i + ".onnx");
            Files.write(file, model(locations).toByteArray());
            ModelException e = assertThrows(ModelException.class, () -> OnnxModels.read(file));
            assertTrue(
                    e.getMessage().contains("tensor '" + TENSORS.get(i) + "' is refused"),
                    e.getMessage());
            // Without its folder, the model is refused as soon as any tensor is external.
            byte[] bytes = Files.readAllBytes(file);
            ModelException p =
                    assertThrows(ModelException.class, () -> OnnxModels.parse(bytes, "bytes"));
            assertTrue(p.getMessage().contains("external data"), p.getMessage());
        }
    }

    @Test
    void read_followsLinksBeforeDotDotAsTheSystemDoes() throws Exception {
        // d/../data.bin lexically is ./data.bin, but the system resolves d first: outside/data.bin.
        Path folder = Files.createDirectories(dir.resolve("model"));
        Files.createDirectories(dir.resolve("outside/sub"));
        Files.write(dir.resolve("outside/data.bin"), data());
        Files.write(folder.resolve("data.bin"), data());
        Files.createSymbolicLink(folder.resolve("d"), dir.resolve("outside/sub"));
        Path file = folder.resolve("m.onnx");
        Files.write(
                file,
                model(List.of("d/../data.bin", "data.bin", "data.bin", "data.bin")).toByteArray());
        ModelException e = assertThrows(ModelException.class, () -> OnnxModels.read(file));
        assertTrue(e.getMessage().contains("leads outside the model's folder"), e.getMessage());
    }

    @Test
    void check_refusesInputSizesNoImageModelHasNamingTheDimension() {
        for (long side : new long[] {20_000, 1_000_000_000L, Integer.MAX_VALUE, -5}) {
            ModelProto m = TinyModels.classifier(3);
            ValueInfoProto.Builder input = m.getGraph().getInput(0).toBuilder();
            TensorShapeProto.Builder shape =
                    input.getTypeBuilder().getTensorTypeBuilder().getShapeBuilder();
            shape.getDimBuilder(2).setDimValue(side);
            shape.getDimBuilder(3).setDimValue(side);
            GraphProto g = m.getGraph().toBuilder().setInput(0, input).build();
            ModelProto bad = m.toBuilder().setGraph(g).build();
            ModelException e =
                    assertThrows(ModelException.class, () -> OnnxModels.check(bad, "big.onnx"));
            assertTrue(e.getMessage().contains("big.onnx"), e.getMessage());
            assertTrue(e.getMessage().contains("dimension 2 = " + side), e.getMessage());
        }
    }

    private static void assertFloats(float[] expected, TensorProto t) {
        assertEquals(0, t.getExternalDataCount(), t.getName());
        assertEquals(TensorProto.DataLocation.DEFAULT, t.getDataLocation(), t.getName());
        assertEquals(
                java.util.Arrays.toString(expected),
                java.util.Arrays.toString(OnnxTensors.toFloats(t)),
                t.getName());
    }
}
