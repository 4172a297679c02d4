package ai.graft.converter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.OperatorSetIdProto;
import ai.graft.converter.onnx.proto.OnnxProto.StringStringEntryProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxModelsTest {
    @TempDir Path dir;

    @Test
    void read_roundTripsATinyModel() throws Exception {
        ModelProto m = TinyModels.classifier(1);
        Path f = dir.resolve("tiny.onnx");
        OnnxModels.write(m, f);
        assertEquals(m, OnnxModels.read(f));
        assertArrayEquals(m.toByteArray(), Files.readAllBytes(f));
    }

    @Test
    void read_rejectsTruncatedFileNamingIt() throws Exception {
        byte[] bytes = TinyModels.classifier(1).toByteArray();
        Path f = dir.resolve("truncated.onnx");
        Files.write(f, Arrays.copyOf(bytes, bytes.length / 2));
        ModelException e = assertThrows(ModelException.class, () -> OnnxModels.read(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    }

    @Test
    void read_rejectsGarbageAndEmptyAndMissingFiles() throws Exception {
        Path garbage = dir.resolve("garbage.onnx");
        Files.writeString(garbage, "this is not an onnx model, it is a text file\n".repeat(20));
        ModelException e = assertThrows(ModelException.class, () -> OnnxModels.read(garbage));
        assertTrue(e.getMessage().contains("garbage.onnx"), e.getMessage());

        Path jpeg = dir.resolve("image.onnx");
        Files.write(jpeg, new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 16});
        e = assertThrows(ModelException.class, () -> OnnxModels.read(jpeg));
        assertTrue(e.getMessage().contains("image.onnx"), e.getMessage());

        Path empty = dir.resolve("empty.onnx");
        Files.write(empty, new byte[0]);
        e = assertThrows(ModelException.class, () -> OnnxModels.read(empty));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());

        e = assertThrows(ModelException.class, () -> OnnxModels.read(dir.resolve("none.onnx")));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
    }

    @Test
    void read_refusesOpsetNewerThanSupported() throws Exception {
        ModelProto m =
                TinyModels.classifier(1).toBuilder()
                        .setOpsetImport(
                                0, OperatorSetIdProto.newBuilder().setDomain("").setVersion(22))
                        .build();
        Path f = dir.resolve("opset22.onnx");
        Files.write(f, m.toByteArray());
        ModelException e = assertThrows(ModelException.class, () -> OnnxModels.read(f));
        assertTrue(e.getMessage().contains("opset 22"), e.getMessage());
        assertTrue(e.getMessage().contains("21"), e.getMessage());
    }

    @Test
    void read_refusesUnsupportedIrVersions() throws Exception {
        for (long ir : new long[] {2, 11}) {
            Path f = dir.resolve("ir" + ir + ".onnx");
            Files.write(
                    f, TinyModels.classifier(1).toBuilder().setIrVersion(ir).build().toByteArray());
            ModelException e = assertThrows(ModelException.class, () -> OnnxModels.read(f));
            assertTrue(e.getMessage().contains("IR version " + ir), e.getMessage());
        }
    }

    /** The tiny classifier with fc.w moved to {@code location} at offset 16. */
    private ModelProto withExternal(String location) {
        ModelProto m = TinyModels.classifier(3);
        GraphProto.Builder g = m.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            if (t.getName().equals("fc.w")) {
                g.setInitializer(
                        i,
                        t.toBuilder()
                                .clearRawData()
                                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                                .addExternalData(entry("location", location))
                                .addExternalData(entry("offset", "16"))
                                .addExternalData(
                                        entry("length", Integer.toString(t.getRawData().size()))));
            }
        }
        return m.toBuilder().setGraph(g).build();
    }

    @Test
    void writeChecked_movesTheModelIntoPlaceOnlyWhenItAgrees() throws Exception {
        Path file = dir.resolve("model.onnx");
        Files.write(file, new byte[] {1, 2, 3});
        ModelProto model =
                ModelProto.newBuilder().setIrVersion(8).setGraph(GraphProto.newBuilder()).build();

        GraftException e =
                assertThrows(
                        GraftException.class,
                        () -> OnnxModels.writeChecked(model, file, "the test's", 1e-4, c -> 0.5));
        assertTrue(e.getMessage().contains("the test's"), e.getMessage());
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(file), "left as it was");
        assertThrows(
                GraftException.class,
                () ->
                        OnnxModels.writeChecked(
                                model,
                                file,
                                "the test's",
                                1e-4,
                                c -> {
                                    throw new GraftException("probe failed");
                                }));
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(file), "left as it was");
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(1, left.count(), "no candidate left behind");
        }

        Path[] seen = new Path[1];
        double max =
                OnnxModels.writeChecked(
                        model,
                        file,
                        "the test's",
                        1e-4,
                        c -> {
                            seen[0] = c;
                            assertTrue(Files.isRegularFile(c), "the probe reads the written file");
                            return 1e-6;
                        });
        assertEquals(1e-6, max);
        assertArrayEquals(model.toByteArray(), Files.readAllBytes(file));
        assertFalse(Files.exists(seen[0]), "the candidate became the file");
    }

    private static StringStringEntryProto entry(String k, String v) {
        return StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }

    private byte[] fcWeights() {
        return TinyModels.classifier(3).getGraph().getInitializerList().stream()
                .filter(t -> t.getName().equals("fc.w"))
                .findFirst()
                .orElseThrow()
                .getRawData()
                .toByteArray();
    }

    @Test
    void read_resolvesExternalDataInTheModelFolder() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("model"));
        byte[] w = fcWeights();
        byte[] file = new byte[16 + w.length + 8];
        System.arraycopy(w, 0, file, 16, w.length);
        Files.createDirectories(folder.resolve("weights"));
        Files.write(folder.resolve("weights/fc.bin"), file);
        Files.write(folder.resolve("m.onnx"), withExternal("weights/fc.bin").toByteArray());
        ModelProto read = OnnxModels.read(folder.resolve("m.onnx"));
        assertEquals(TinyModels.classifier(3), read);
        // parse() has no folder: external data is refused with a message.
        ModelException e =
                assertThrows(
                        ModelException.class,
                        () ->
                                OnnxModels.parse(
                                        withExternal("weights/fc.bin").toByteArray(), "<bytes>"));
        assertTrue(e.getMessage().contains("external"), e.getMessage());
    }

    @Test
    void read_refusesExternalDataOutsideTheModelFolder() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("model"));
        byte[] file = new byte[16 + fcWeights().length];
        Files.write(dir.resolve("outside.bin"), file);
        Files.createSymbolicLink(folder.resolve("link.bin"), dir.resolve("outside.bin"));
        for (String location :
                new String[] {
                    "../outside.bin", dir.resolve("outside.bin").toString(), "link.bin"
                }) {
            Files.write(folder.resolve("m.onnx"), withExternal(location).toByteArray());
            ModelException e =
                    assertThrows(
                            ModelException.class, () -> OnnxModels.read(folder.resolve("m.onnx")));
            assertTrue(e.getMessage().contains("refused"), location + ": " + e.getMessage());
            assertTrue(e.getMessage().contains(location), e.getMessage());
        }
    }

    @Test
    void read_reportsMissingOrShortExternalData() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("model"));
        Files.write(folder.resolve("m.onnx"), withExternal("missing.bin").toByteArray());
        ModelException e =
                assertThrows(ModelException.class, () -> OnnxModels.read(folder.resolve("m.onnx")));
        assertTrue(e.getMessage().contains("missing.bin"), e.getMessage());
        Files.write(folder.resolve("short.bin"), new byte[20]);
        Files.write(folder.resolve("m.onnx"), withExternal("short.bin").toByteArray());
        e = assertThrows(ModelException.class, () -> OnnxModels.read(folder.resolve("m.onnx")));
        assertTrue(e.getMessage().contains("short.bin"), e.getMessage());
    }

    @Test
    void write_failureLeavesPreviousFileAndNoTemporaryFile() throws Exception {
        Path f = dir.resolve("model.onnx");
        byte[] previous = TinyModels.classifier(1).toByteArray();
        Files.write(f, previous);
        // A disk that fills up half way through the write.
        IOException e =
                assertThrows(
                        IOException.class,
                        () ->
                                AtomicFiles.write(
                                        f,
                                        out -> TinyModels.classifier(2).writeTo(out),
                                        out -> new FullDisk(out, 1000)));
        assertTrue(e.getMessage().contains("No space left"), e.getMessage());
        assertArrayEquals(previous, Files.readAllBytes(f));
        assertOnlyFile(f);
        // A writer that fails itself.
        assertThrows(
                IOException.class,
                () ->
                        AtomicFiles.write(
                                f,
                                out -> {
                                    out.write(new byte[100]);
                                    throw new IOException("encoder failed");
                                }));
        assertArrayEquals(previous, Files.readAllBytes(f));
        assertOnlyFile(f);
    }

    @Test
    void write_intoMissingFolderOrOverAFolderFailsWithGraftException() throws Exception {
        GraftException e =
                assertThrows(
                        GraftException.class,
                        () ->
                                OnnxModels.write(
                                        TinyModels.classifier(1), dir.resolve("no/such/m.onnx")));
        assertTrue(e.getMessage().contains("m.onnx"), e.getMessage());
        Path folder = Files.createDirectories(dir.resolve("folder.onnx"));
        assertThrows(
                GraftException.class, () -> OnnxModels.write(TinyModels.classifier(1), folder));
        assertTrue(Files.isDirectory(folder));
    }

    @Test
    void write_replacesAtomically() throws Exception {
        Path f = dir.resolve("model.onnx");
        OnnxModels.write(TinyModels.classifier(1), f);
        OnnxModels.write(TinyModels.classifier(2), f);
        assertEquals(TinyModels.classifier(2), OnnxModels.read(f));
        assertOnlyFile(f);
    }

    @Test
    void write_givesANewFileUsualPermissionsAndKeepsThoseOfTheFileItReplaces() throws Exception {
        Assumptions.assumeTrue(
                Files.getFileStore(dir).supportsFileAttributeView("posix"),
                "needs POSIX permissions");
        Path f = dir.resolve("model.onnx");
        OnnxModels.write(TinyModels.classifier(1), f);
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw----"));
        OnnxModels.write(TinyModels.classifier(2), f);
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    }

    private void assertOnlyFile(Path f) throws IOException {
        try (Stream<Path> s = Files.list(f.getParent())) {
            assertEquals(
                    java.util.List.of(f.getFileName().toString()),
                    s.map(p -> p.getFileName().toString())
                            .filter(n -> !n.equals("model"))
                            .sorted()
                            .toList());
        }
        assertFalse(Files.exists(dir.resolve(".model.onnx.tmp")));
    }

    /** An output stream on a disk with {@code room} bytes left. */
    private static final class FullDisk extends java.io.FilterOutputStream {
        private long room;

        FullDisk(java.io.OutputStream out, long room) {
            super(out);
            this.room = room;
        }

        @Override
        public void write(int b) throws IOException {
            if (--room < 0) {
                throw new IOException("No space left on device");
            }
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            for (int i = 0; i < len; i++) {
                write(b[off + i]);
            }
        }
    }
}
