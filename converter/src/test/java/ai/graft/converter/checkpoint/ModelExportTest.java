package ai.graft.converter.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.GraftException;
import ai.graft.sdk.ModelException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The export's parts that need no checkpoint; whole exports are tested with the trainer. */
class ModelExportTest {
    @TempDir Path dir;

    @Test
    void compare_returnsLargestDifferenceAndLargestLogit() {
        double[] parity = ModelExport.compare(new float[] {1, -4, 2}, new float[] {1.5f, -4, 2});
        assertArrayEquals(new double[] {0.5, 4}, parity, 1e-9);
    }

    @Test
    void compare_countsNanAsInfinitelyFar() {
        double[] parity = ModelExport.compare(new float[] {1}, new float[] {Float.NaN});
        assertTrue(Double.isInfinite(parity[0]));
    }

    @Test
    void checkParity_refusesOverToleranceAndNamesTheTarget() {
        Path target = dir.resolve("model.onnx");
        assertDoesNotThrow(() -> ModelExport.checkParity(new double[] {0.5e-3, 0.2}, target));
        GraftException e =
                assertThrows(
                        GraftException.class,
                        () -> ModelExport.checkParity(new double[] {1e-2, 2}, target));
        assertTrue(e.getMessage().contains(target.toString()), e.getMessage());
        assertFalse(Files.exists(target));
    }

    @Test
    void read_rejectsAFileThatIsNotACheckpoint() throws Exception {
        Path notCheckpoint = Files.writeString(dir.resolve("x.ckpt"), "not a checkpoint");
        ModelException e = assertThrows(ModelException.class, () -> Checkpoint.read(notCheckpoint));
        assertTrue(e.getMessage().contains(notCheckpoint.toString()), e.getMessage());
    }

    @Test
    void read_rejectsMalformedCheckpointJsonNamingTheFileAndWhatWasExpected() throws Exception {
        Path file = dir.resolve("bad.ckpt");
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
            entry(zip, "checkpoint.json", "{\"format\":\"graft-checkpoint\",\"version\":");
            for (String name : new String[] {"model.onnx", "best.onnx", "optimizer.bin"}) {
                entry(zip, name, "");
            }
        }
        ModelException e = assertThrows(ModelException.class, () -> Checkpoint.read(file));
        assertTrue(
                e.getMessage()
                        .startsWith(
                                "Checkpoint "
                                        + file
                                        + " is invalid: checkpoint.json: Malformed JSON at line 1,"),
                e.getMessage());
        assertTrue(e.getMessage().contains("expected"), e.getMessage());
    }

    private static void entry(ZipOutputStream zip, String name, String text) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(text.getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
    }
}
