package ai.graft.sdk;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFilesTest {
    private static final long[] NINE = {3, 3};
    private static final int FLOAT = 1;

    @TempDir Path dir;
    private Path model;

    @BeforeEach
    void folder() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("model"));
        model = Files.write(folder.resolve("m.onnx"), new byte[] {8, 7});
        Files.write(folder.resolve("w.bin"), new byte[100]);
    }

    private ModelFiles.ExternalData resolve(String... keyValues) throws ModelException {
        List<Map.Entry<String, String>> entries = new java.util.ArrayList<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            entries.add(Map.entry(keyValues[i], keyValues[i + 1]));
        }
        return ModelFiles.resolveExternalData(model, "W", NINE, FLOAT, entries);
    }

    private String refusal(String... keyValues) {
        return assertThrows(ModelException.class, () -> resolve(keyValues)).getMessage();
    }

    @Test
    void resolveExternalData_givesTheRealFileAndTheRangeTheShapeNeeds() throws Exception {
        ModelFiles.ExternalData d =
                resolve("location", "w.bin", "offset", "8", "length", "36", "checksum", "x");
        assertEquals(model.resolveSibling("w.bin").toRealPath(), d.file());
        assertEquals(8, d.offset());
        assertEquals(36, d.length());
        // Without a length, ONNX Runtime reads what the shape needs: so does the rule.
        assertEquals(36, resolve("location", "w.bin", "offset", "64").length());
        // A relative path that stays inside is fine, ".." or not.
        Files.createDirectories(model.resolveSibling("sub"));
        assertEquals(d.file(), resolve("location", "sub/../w.bin").file());
    }

    @Test
    void resolveExternalData_namesTheModelTensorLocationAndRule() {
        String m = refusal("location", "../m.onnx", "length", "36");
        assertTrue(m.contains(model.toString()), m);
        assertTrue(m.contains("tensor 'W'"), m);
        assertTrue(m.contains("'../m.onnx'"), m);
        assertTrue(m.contains("it leaves the model's folder"), m);
        assertTrue(m.contains("must be a regular file inside " + model.getParent()), m);
    }

    @Test
    void resolveExternalData_refusesOnnxRuntimesMemoryAddressMarkerEvenWhenSuchAFileExists()
            throws Exception {
        // ONNX Runtime reads this location's offset as a memory address, whatever the folder has.
        Path marker = model.resolveSibling("*/_ORT_MEM_ADDR_/*");
        Files.createDirectories(marker.getParent());
        Files.write(marker, new byte[100]);
        String m = refusal("location", "*/_ORT_MEM_ADDR_/*", "offset", "4096", "length", "36");
        assertTrue(m.contains("memory address"), m);
    }

    @Test
    void resolveExternalData_refusesKeysGivenTwiceAndUnreadableText() {
        assertTrue(refusal("location", "w.bin", "location", "../x").contains("location twice"));
        assertTrue(refusal("location", "w.bin", "offset", "0", "offset", "8").contains("twice"));
        assertTrue(refusal("location", "w.bin\u0000/../../x").contains("control character"));
        assertTrue(refusal("location", "w\uFFFD.bin").contains("invalid UTF-8"));
    }

    @Test
    void resolveExternalData_refusesALengthOtherThanTheShapesAndRangesBeyondTheFile() {
        assertTrue(
                refusal("location", "w.bin", "length", "32").contains("not the 36 bytes"),
                refusal("location", "w.bin", "length", "32"));
        assertTrue(refusal("location", "w.bin", "offset", "80").contains("file has 100 bytes"));
        assertTrue(refusal("location", "w.bin", "offset", "101", "length", "36").contains("100"));
        assertTrue(
                refusal("location", "w.bin", "offset", Long.toString(Long.MAX_VALUE))
                        .contains("file has 100 bytes"));
        assertTrue(refusal("location", "w.bin", "offset", "+-1").contains("whole number"));
        assertTrue(refusal("location", "w.bin", "offset", "-1").contains("negative"));
        assertTrue(refusal("offset", "0").contains("names no location"));
    }

    @Test
    void checkTensorData_refusesShapesThatDoNotFitTheirData() {
        String m =
                assertThrows(
                                ModelException.class,
                                () -> ModelFiles.checkTensorData("m.onnx", "W", NINE, FLOAT, 32))
                        .getMessage();
        assertEquals(
                "Model m.onnx: tensor 'W' declares shape [3, 3] of float (9 values, 36 bytes),"
                        + " but holds 32 bytes of data; the model is damaged or was written wrongly",
                m);
        assertThrows(
                ModelException.class,
                () -> ModelFiles.checkTensorData("m", "W", new long[] {1L << 40, 1L << 40}, 1, -1));
        assertThrows(
                ModelException.class,
                () -> ModelFiles.checkTensorData("m", "W", new long[] {1L << 62}, 1, -1));
        assertThrows(
                ModelException.class,
                () -> ModelFiles.checkTensorData("m", "W", new long[] {-3, 3}, 1, -1));
        assertEquals(
                36, assertDoesNotThrow(() -> ModelFiles.checkTensorData("m", "W", NINE, 1, 36)));
        // 4-bit integers pack two to a byte; strings have no fixed size.
        assertEquals(
                5, assertDoesNotThrow(() -> ModelFiles.checkTensorData("m", "q", NINE, 22, 5)));
        assertEquals(
                -1, assertDoesNotThrow(() -> ModelFiles.checkTensorData("m", "s", NINE, 8, 7)));
    }

    @Test
    void checkInputShape_acceptsImageSizesUpToTheBoundsAndNamesTheOffendingDimension() {
        assertDoesNotThrow(
                () -> ModelFiles.checkInputShape("m", "x", new long[] {-1, 3, -1, -1}, FLOAT));
        assertDoesNotThrow(
                () -> ModelFiles.checkInputShape("m", "x", new long[] {1, 1, 16384, 16384}, 10));
        String side =
                assertThrows(
                                ModelException.class,
                                () ->
                                        ModelFiles.checkInputShape(
                                                "m", "x", new long[] {1, 3, 16385, 8}, FLOAT))
                        .getMessage();
        assertTrue(side.contains("dimension 2 = 16385"), side);
        assertTrue(side.contains("1 to 16384"), side);
        // Within the side bound, but 3 GiB of floats: more than one buffer holds.
        String bytes =
                assertThrows(
                                ModelException.class,
                                () ->
                                        ModelFiles.checkInputShape(
                                                "m", "x", new long[] {1, 3, 16384, 16384}, FLOAT))
                        .getMessage();
        assertTrue(bytes.contains("more than 2147483647 bytes"), bytes);
        String negative =
                assertThrows(
                                ModelException.class,
                                () ->
                                        ModelFiles.checkInputShape(
                                                "m", "x", new long[] {1, 3, -7, 8}, FLOAT))
                        .getMessage();
        assertTrue(negative.contains("dimension 2 = -7"), negative);
        // Other ranks have no side bound, only the byte bound.
        assertDoesNotThrow(
                () -> ModelFiles.checkInputShape("m", "x", new long[] {1, 100000}, FLOAT));
    }
}
