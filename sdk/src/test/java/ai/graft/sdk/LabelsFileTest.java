package ai.graft.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelsFileTest {
    @TempDir Path dir;

    @Test
    void read_linesWithByteOrderMarkAndTrailingBlankLines() throws Exception {
        Path file = Files.writeString(dir.resolve("labels.txt"), "\uFEFFcat \r\ndog\n\n  \n");
        assertEquals(List.of("cat", "dog"), LabelsFile.read(file));
    }

    @Test
    void read_jsonArray() throws Exception {
        Path file = Files.writeString(dir.resolve("labels.json"), " [\"cat\", \"hot dog\"]");
        assertEquals(List.of("cat", "hot dog"), LabelsFile.read(file));
    }

    @Test
    void read_returnsAnUnmodifiableList() throws Exception {
        Path file = Files.writeString(dir.resolve("labels.txt"), "cat\ndog\n");
        List<String> labels = LabelsFile.read(file);
        assertThrows(UnsupportedOperationException.class, () -> labels.add("bird"));
    }

    @Test
    void read_errorsNameTheFile() throws Exception {
        Path missing = dir.resolve("missing.txt");
        ModelException notFound =
                assertThrows(ModelException.class, () -> LabelsFile.read(missing));
        assertEquals("Labels file not found: " + missing, notFound.getMessage());

        Path gap = Files.writeString(dir.resolve("gap.txt"), "cat\n\ndog\n");
        ModelException blank = assertThrows(ModelException.class, () -> LabelsFile.read(gap));
        assertTrue(blank.getMessage().contains(gap + " has a blank line 2"), blank.getMessage());

        Path empty = Files.writeString(dir.resolve("empty.txt"), "\n\n");
        ModelException none = assertThrows(ModelException.class, () -> LabelsFile.read(empty));
        assertTrue(none.getMessage().contains(empty + " is empty"), none.getMessage());

        Path numbers = Files.writeString(dir.resolve("numbers.json"), "[1, 2]");
        ModelException json = assertThrows(ModelException.class, () -> LabelsFile.read(numbers));
        assertTrue(json.getMessage().contains(numbers.toString()), json.getMessage());
        assertTrue(json.getMessage().contains("non-blank strings"), json.getMessage());

        ModelException folder = assertThrows(ModelException.class, () -> LabelsFile.read(dir));
        assertTrue(folder.getMessage().contains(dir + " is a folder"), folder.getMessage());
    }
}
