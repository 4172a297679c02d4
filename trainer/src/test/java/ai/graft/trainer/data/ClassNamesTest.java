package ai.graft.trainer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassNamesTest {
    @TempDir Path dir;

    private static ImageDataset numbered(int classes, String prefix) {
        List<String> names = new ArrayList<>();
        List<Sample> samples = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            names.add(Integer.toString(c));
            samples.add(Sample.ofPixels(new byte[4], 2, 2, c, prefix + c));
        }
        return ImageDataset.of(names, samples);
    }

    @Test
    void apply_renamesEverySplitInClassOrder_keepingSamplesAndLabels() throws Exception {
        Path file =
                Files.writeString(dir.resolve("n.txt"), "\uFEFFT-shirt/top \n Trouser\nBag\n\n");
        Splits splits = new Splits(numbered(3, "t"), numbered(3, "v"), null);

        Splits named = ClassNames.apply(splits, file);

        assertEquals(List.of("T-shirt/top", "Trouser", "Bag"), named.train().classes());
        assertEquals(named.train().classes(), named.val().classes());
        assertNull(named.test());
        assertEquals(splits.train().samples(), named.train().samples());
        assertEquals(2, named.val().samples().get(2).label());
    }

    @Test
    void badFiles_areNamedWithTheLineAndWhatWasExpected() throws Exception {
        ImageDataset data = numbered(3, "s");
        Path missing = dir.resolve("missing.txt");
        DatasetException e =
                assertThrows(DatasetException.class, () -> ClassNames.apply(data, missing));
        assertTrue(e.getMessage().contains("not found: " + missing), e.getMessage());

        Path blank = Files.writeString(dir.resolve("blank.txt"), "a\n\nb\n");
        e = assertThrows(DatasetException.class, () -> ClassNames.apply(data, blank));
        assertTrue(e.getMessage().contains(blank + " line 2: blank"), e.getMessage());

        Path twice = Files.writeString(dir.resolve("twice.txt"), "a\nb\na\n");
        e = assertThrows(DatasetException.class, () -> ClassNames.apply(data, twice));
        assertTrue(e.getMessage().contains("line 3: 'a' names a class already named on line 1"));

        Path four = Files.writeString(dir.resolve("four.txt"), "a\nb\nc\nd\n");
        e = assertThrows(DatasetException.class, () -> ClassNames.apply(data, four));
        assertTrue(
                e.getMessage().contains(four + " names 4 classes, but the data has 3 ([0, 1, 2])"),
                e.getMessage());
    }
}
