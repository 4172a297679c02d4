package ai.graft.converter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AtomicFiles} names the target, not its temporary file, when the folder is wrong. */
class AtomicFilesMissingFolderTest {
    @TempDir Path dir;

    @Test
    void write_intoAMissingFolderNamesTheTargetAndTheFolder() {
        Path folder = dir.resolve("missing");
        Path target = folder.resolve("model.onnx");
        NoSuchFileException e =
                assertThrows(
                        NoSuchFileException.class, () -> AtomicFiles.write(target, new byte[] {1}));
        assertEquals(
                target + ": its folder " + folder + " does not exist; create it first",
                e.getMessage());
        assertFalse(Files.exists(folder));
    }

    @Test
    void write_underAFileNamesTheTargetAndSaysTheFolderIsAFile() throws Exception {
        Path file = Files.writeString(dir.resolve("plain.txt"), "x");
        Path target = file.resolve("model.onnx");
        NoSuchFileException e =
                assertThrows(
                        NoSuchFileException.class, () -> AtomicFiles.write(target, new byte[] {1}));
        assertEquals(target + ": its folder " + file + " is a file, not a folder", e.getMessage());
    }
}
