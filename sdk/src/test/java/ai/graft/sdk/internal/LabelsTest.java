package ai.graft.sdk.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.ModelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabelsTest {
    @TempDir Path dir;

    @Test
    void parseUltralyticsNames_readsPythonDictLiterals() {
        assertEquals(List.of("cat", "dog"), Labels.parseUltralyticsNames("{0: 'cat', 1: 'dog'}"));
        assertEquals(
                List.of("a", "man's hat", "x\\y"),
                Labels.parseUltralyticsNames("{1: \"man's hat\", 0: 'a', 2: 'x\\\\y'}"));
        assertEquals(List.of("only"), Labels.parseUltralyticsNames(" {0:'only',} "));
    }

    @Test
    void parseUltralyticsNames_rejectsGapsAndGarbage() {
        IllegalArgumentException gap =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Labels.parseUltralyticsNames("{0: 'a', 2: 'c'}"));
        assertTrue(gap.getMessage().contains("1 is missing"), gap.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Labels.parseUltralyticsNames("['a']"));
        assertThrows(IllegalArgumentException.class, () -> Labels.parseUltralyticsNames("{0: 'a'"));
        assertThrows(IllegalArgumentException.class, () -> Labels.parseUltralyticsNames("{}"));
    }

    @Test
    void parseUltralyticsImgsz_readsHeightWidth() {
        assertArrayEquals(new int[] {224, 256}, Labels.parseUltralyticsImgsz("[224, 256]"));
        assertArrayEquals(new int[] {640, 640}, Labels.parseUltralyticsImgsz("640"));
        assertThrows(IllegalArgumentException.class, () -> Labels.parseUltralyticsImgsz("[a, b]"));
    }

    @Test
    void read_linesJsonAndErrors() throws Exception {
        Path lines = Files.writeString(dir.resolve("l.txt"), "\uFEFFcat\r\ndog  \r\n\r\n");
        assertEquals(List.of("cat", "dog"), Labels.read(lines));
        Path json = Files.writeString(dir.resolve("l.json"), "[\"a\", \"b c\"]");
        assertEquals(List.of("a", "b c"), Labels.read(json));
        Path gap = Files.writeString(dir.resolve("gap.txt"), "a\n\nb\n");
        ModelException e = assertThrows(ModelException.class, () -> Labels.read(gap));
        assertTrue(e.getMessage().contains("blank line 2"), e.getMessage());
        ModelException missing =
                assertThrows(ModelException.class, () -> Labels.read(dir.resolve("none.txt")));
        assertTrue(
                missing.getMessage().startsWith("Labels file not found: "), missing.getMessage());
        Path empty = Files.writeString(dir.resolve("empty.txt"), "\n\n");
        assertThrows(ModelException.class, () -> Labels.read(empty));
    }

    @Test
    void read_aFolderSaysItIsAFolderAndWhatIsExpected() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("labels"));
        ModelException e = assertThrows(ModelException.class, () -> Labels.read(folder));
        assertEquals(
                "Labels file "
                        + folder
                        + " is a folder, expected a text file with one label per line (or a JSON"
                        + " array of labels)",
                e.getMessage());
    }

    @Test
    void closest_ranksCaseThenCommaNamesThenContainedThenTypos() {
        List<String> labels =
                List.of(
                        "tabby, tabby cat",
                        "tiger cat",
                        "fox squirrel, eastern fox squirrel, Sciurus niger",
                        "Persian cat",
                        "crane",
                        "Crane");
        assertEquals(List.of(4, 5), Labels.closest(labels, "CRANE", 3));
        assertEquals(List.of(2), Labels.closest(labels, "eastern fox squirrel", 3));
        assertEquals(List.of(2), Labels.closest(labels, "fox squirel", 3));
        // "tabby cat" is a comma-separated name of class 0; "tiger cat" is 4 edits away.
        assertEquals(List.of(0), Labels.closest(labels, "tabby cat", 3));
        assertEquals(List.of(0, 1, 3), Labels.closest(labels, "cat", 3));
        assertEquals(List.of(), Labels.closest(labels, "zebra", 3));
        assertEquals(List.of(), Labels.closest(labels, "  ", 3));
    }
}
