package ai.graft.converter.checkpoint;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.ModelException;
import ai.graft.sdk.Preprocessing;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint's parts that need no trainer; whole runs are tested with the trainer. */
class CheckpointTest {
    @TempDir Path dir;

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

    @Test
    void checkResumable_acceptsTheSameSettings_andNamesEveryOneThatDiffers() {
        Checkpoint.Run run =
                new Checkpoint.Run(
                        "finetune",
                        "tiny.onnx",
                        "abc",
                        null,
                        List.of("blue", "red"),
                        Preprocessing.imagenet(32, 32),
                        "fingerprint",
                        12,
                        6,
                        42,
                        Map.of("epochs", 4.0, "unfreeze", 1.0),
                        Map.of("graft", "dev"),
                        List.of("stem", "res"),
                        1);
        Path file = dir.resolve("last.ckpt");
        // Integers compare as the JSON numbers the checkpoint stores.
        assertDoesNotThrow(
                () ->
                        run.checkResumable(
                                file,
                                "finetune",
                                List.of("blue", "red"),
                                "fingerprint",
                                42,
                                Map.of("epochs", 4, "unfreeze", 1)));
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                run.checkResumable(
                                        file,
                                        "full",
                                        List.of("red", "blue"),
                                        "other",
                                        7,
                                        Map.of("epochs", 4, "augment", true)));
        String m = e.getMessage();
        assertTrue(m.startsWith("Cannot resume from " + file + ": it was trained with "), m);
        for (String part :
                List.of(
                        "strategy finetune, not full",
                        "classes [blue, red], not [red, blue]",
                        "other data (the data fingerprint differs)",
                        "seed 42, not 7",
                        "augment null, not true",
                        "unfreeze 1.0, not unset")) {
            assertTrue(m.contains(part), part + " in: " + m);
        }
    }
}
