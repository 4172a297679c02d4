package ai.graft.sdk.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.ModelException;
import ai.graft.sdk.testing.BadModels;
import ai.graft.sdk.testing.ProtoWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelScannerTest {
    @TempDir Path dir;

    private static ProtoWriter external(String name) {
        return BadModels.externalTensor(name, new long[] {2}, Map.of("location", name + ".bin"));
    }

    private static ProtoWriter graphWithInitializer(ProtoWriter tensor) {
        return new ProtoWriter().message(5, tensor);
    }

    private static ProtoWriter sparse(ProtoWriter values, ProtoWriter indices) {
        return new ProtoWriter().message(1, values).message(2, indices);
    }

    private static ProtoWriter node(ProtoWriter attribute) {
        return new ProtoWriter().string(4, "Op").message(5, attribute);
    }

    private Path write(ProtoWriter model) throws Exception {
        return Files.write(dir.resolve("m.onnx"), model.toByteArray());
    }

    /** Everything a scan finds, in order. */
    private record Found(List<ModelScanner.Tensor> tensors, List<ModelScanner.Input> inputs) {}

    private static Found scan(Path file) throws ModelException {
        Found found = new Found(new ArrayList<>(), new ArrayList<>());
        ModelScanner.scan(
                file,
                new ModelScanner.Visitor() {
                    @Override
                    public void tensor(ModelScanner.Tensor tensor) {
                        found.tensors().add(tensor);
                    }

                    @Override
                    public void input(ModelScanner.Input input) {
                        found.inputs().add(input);
                    }
                });
        return found;
    }

    private static List<String> externalNames(Found r) {
        return r.tensors().stream()
                .filter(ModelScanner.Tensor::isExternal)
                .map(ModelScanner.Tensor::name)
                .toList();
    }

    @Test
    void scan_findsExternalTensorsWhereverOnnxRuntimeCouldLoadThem() throws Exception {
        ProtoWriter attributes =
                new ProtoWriter()
                        .message(5, external("attr.t"))
                        .message(10, external("attr.tensors"));
        ProtoWriter deep =
                node(
                        new ProtoWriter()
                                .message(
                                        6,
                                        new ProtoWriter()
                                                .message(
                                                        1,
                                                        node(
                                                                new ProtoWriter()
                                                                        .message(
                                                                                6,
                                                                                graphWithInitializer(
                                                                                        external(
                                                                                                "deep")))))));
        ProtoWriter graph =
                new ProtoWriter()
                        .message(5, external("init"))
                        .message(15, sparse(external("sparse.values"), external("sparse.indices")))
                        .message(1, node(attributes))
                        .message(
                                1,
                                node(
                                        new ProtoWriter()
                                                .message(
                                                        22,
                                                        sparse(
                                                                external("attr.sparse"),
                                                                external("attr.sparse.i")))
                                                .message(
                                                        23,
                                                        sparse(
                                                                external("attr.sparses"),
                                                                external("attr.sparses.i")))))
                        .message(
                                1,
                                node(
                                        new ProtoWriter()
                                                .message(
                                                        6,
                                                        graphWithInitializer(external("sub.g")))))
                        .message(
                                1,
                                node(
                                        new ProtoWriter()
                                                .message(
                                                        11,
                                                        graphWithInitializer(
                                                                external("sub.graphs")))))
                        .message(1, deep);
        ProtoWriter function =
                new ProtoWriter()
                        .string(1, "f")
                        .message(7, node(new ProtoWriter().message(5, external("function.node"))))
                        .message(11, new ProtoWriter().message(5, external("function.default")));
        ProtoWriter training =
                new ProtoWriter()
                        .message(1, graphWithInitializer(external("training.init")))
                        .message(2, graphWithInitializer(external("training.algorithm")));
        ProtoWriter model =
                new ProtoWriter()
                        .varint(1, 7)
                        .message(7, graph)
                        .message(25, function)
                        .message(20, training);

        Found r = scan(write(model));

        assertEquals(
                List.of(
                        "init",
                        "sparse.values",
                        "sparse.indices",
                        "attr.t",
                        "attr.tensors",
                        "attr.sparse",
                        "attr.sparse.i",
                        "attr.sparses",
                        "attr.sparses.i",
                        "sub.g",
                        "sub.graphs",
                        "deep",
                        "function.node",
                        "function.default",
                        "training.init",
                        "training.algorithm"),
                externalNames(r));
        assertEquals(List.of(Map.entry("location", "init.bin")), r.tensors().get(0).entries());
    }

    @Test
    void scan_treatsEntriesWithoutExternalAndAWideEnumAsExternal() throws Exception {
        ProtoWriter entriesOnly =
                new ProtoWriter()
                        .string(8, "entries.only")
                        .message(13, new ProtoWriter().string(1, "location").string(2, "x"));
        // data_location 2^32 + 1: protobuf keeps the low 32 bits of an enum, which say EXTERNAL.
        ProtoWriter wide = new ProtoWriter().string(8, "wide.enum").varint(14, (1L << 32) + 1);
        ProtoWriter inline = new ProtoWriter().string(8, "inline").varint(14, 0);
        ProtoWriter graph =
                new ProtoWriter().message(5, entriesOnly).message(5, wide).message(5, inline);
        Found r = scan(write(new ProtoWriter().message(7, graph)));
        assertEquals(List.of("entries.only", "wide.enum"), externalNames(r));
        assertEquals(3, r.tensors().size());
    }

    @Test
    void scan_skipsAFieldWhoseWireTypeDoesNotMatchItsDeclarationAsProtobufDoes() throws Exception {
        // Field 7 (graph) as a varint is an unknown field, not a graph.
        ProtoWriter model =
                new ProtoWriter()
                        .varint(7, 5)
                        .message(7, graphWithInitializer(external("real")))
                        .fixed32(25, 1);
        assertEquals(List.of("real"), externalNames(scan(write(model))));
    }

    @Test
    void scan_readsShapesTypesAndRawSizesPackedOrNot() throws Exception {
        ProtoWriter unpacked =
                new ProtoWriter().varint(1, 2).varint(1, 3).varint(2, 1).string(8, "a");
        unpacked.bytes(9, new byte[24]);
        ProtoWriter packedDims = new ProtoWriter().rawVarint(4).rawVarint(5).rawVarint(300);
        ProtoWriter packed = new ProtoWriter().message(1, packedDims).varint(2, 10).string(8, "b");
        Found r =
                scan(
                        write(
                                new ProtoWriter()
                                        .message(
                                                7,
                                                new ProtoWriter()
                                                        .message(5, unpacked)
                                                        .message(5, packed))));
        ModelScanner.Tensor a = r.tensors().get(0);
        assertArrayEquals(new long[] {2, 3}, a.dims());
        assertEquals(1, a.dataType());
        assertEquals(24, a.rawBytes());
        ModelScanner.Tensor b = r.tensors().get(1);
        assertArrayEquals(new long[] {4, 5, 300}, b.dims());
        assertEquals(10, b.dataType());
        assertEquals(-1, b.rawBytes());
    }

    @Test
    void scan_readsTheMainGraphsDeclaredInputShapes() throws Exception {
        Path file = dir.resolve("good.onnx");
        Files.write(file, BadModels.goodBytes());
        Found r = scan(file);
        assertEquals(1, r.inputs().size());
        assertEquals("input", r.inputs().get(0).name());
        assertArrayEquals(new long[] {-1, 3, 16, 16}, r.inputs().get(0).dims());
        assertEquals(
                List.of("W", "B"), r.tensors().stream().map(ModelScanner.Tensor::name).toList());
    }

    @Test
    void scan_skipsGroupsInUnknownFields() throws Exception {
        ProtoWriter model =
                new ProtoWriter()
                        .tag(30, 3)
                        .varint(1, 1)
                        .tag(31, 3)
                        .string(2, "x")
                        .tag(31, 4)
                        .tag(30, 4)
                        .message(7, graphWithInitializer(external("after.group")));
        assertEquals(List.of("after.group"), externalNames(scan(write(model))));
    }

    @Test
    void scan_refusesMalformedFilesAsNotValidOnnxNamingTheFile() throws Exception {
        byte[] good = BadModels.goodBytes();
        List<byte[]> bad =
                List.of(
                        // an 11-byte varint
                        new byte[] {8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1},
                        // a varint cut off
                        new byte[] {8, -1},
                        // a length beyond the file
                        new ProtoWriter().tag(7, 2).rawVarint(1000).raw(new byte[10]).toByteArray(),
                        // a length beyond its message, though inside the file
                        new ProtoWriter()
                                .message(7, new ProtoWriter().tag(5, 2).rawVarint(50))
                                .raw(new byte[60])
                                .toByteArray(),
                        // a negative length, as int32
                        new ProtoWriter().tag(7, 2).rawVarint(-1).toByteArray(),
                        // wire types 6 and 7 do not exist
                        new ProtoWriter().tag(3, 7).toByteArray(),
                        new ProtoWriter().tag(3, 6).toByteArray(),
                        // field number 0
                        new byte[] {0, 0},
                        // a group never closed, and one closed as another
                        new ProtoWriter().tag(30, 3).varint(1, 1).toByteArray(),
                        new ProtoWriter().tag(30, 3).tag(31, 4).toByteArray(),
                        // the good model cut inside its graph
                        java.util.Arrays.copyOf(good, good.length / 2));
        for (int i = 0; i < bad.size(); i++) {
            Path file = Files.write(dir.resolve("bad" + i + ".onnx"), bad.get(i));
            ModelException e = assertThrows(ModelException.class, () -> scan(file));
            assertTrue(
                    e.getMessage().contains(file + " is not a valid ONNX model"),
                    i + ": " + e.getMessage());
        }
    }

    @Test
    void scan_boundsTheNesting() throws Exception {
        // graph > node > attribute > graph > ... 34 times: 102 messages deep.
        ProtoWriter graph = graphWithInitializer(external("bottom"));
        for (int i = 0; i < 34; i++) {
            graph = new ProtoWriter().message(1, node(new ProtoWriter().message(6, graph)));
        }
        Path deep = write(new ProtoWriter().message(7, graph));
        ModelException e = assertThrows(ModelException.class, () -> scan(deep));
        assertTrue(e.getMessage().contains("nested more than 100"), e.getMessage());

        ProtoWriter shallow = graphWithInitializer(external("bottom"));
        for (int i = 0; i < 30; i++) {
            shallow = new ProtoWriter().message(1, node(new ProtoWriter().message(6, shallow)));
        }
        assertEquals(
                List.of("bottom"),
                externalNames(scan(write(new ProtoWriter().message(7, shallow)))));
    }

    @Test
    void scan_refusesMoreDimensionsOrEntriesThanAnyModelHas() throws Exception {
        ProtoWriter dims = new ProtoWriter();
        for (int i = 0; i <= ModelScanner.MAX_ITEMS; i++) {
            dims.rawVarint(1);
        }
        ProtoWriter manyDims = new ProtoWriter().message(1, dims).varint(2, 1);
        Path a = write(new ProtoWriter().message(7, graphWithInitializer(manyDims)));
        ModelException e = assertThrows(ModelException.class, () -> scan(a));
        assertTrue(e.getMessage().contains("more than 64 dimensions"), e.getMessage());

        ProtoWriter manyEntries = new ProtoWriter().varint(14, 1);
        for (int i = 0; i <= ModelScanner.MAX_ITEMS; i++) {
            manyEntries.message(13, new ProtoWriter().string(1, "checksum").string(2, "x"));
        }
        Path b = write(new ProtoWriter().message(7, graphWithInitializer(manyEntries)));
        e = assertThrows(ModelException.class, () -> scan(b));
        assertTrue(e.getMessage().contains("more than 64 external_data entries"), e.getMessage());
    }
}
