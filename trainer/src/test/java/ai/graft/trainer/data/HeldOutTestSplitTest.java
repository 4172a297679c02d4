package ai.graft.trainer.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Splits#withTestFromValidation} and {@link Datasets#writeManifest}. */
class HeldOutTestSplitTest {
    @TempDir Path dir;

    private Splits folders(int trainPerClass, int valPerClass) throws DatasetException {
        List<String> classes = List.of("ants", "bees", "wasps");
        for (int c = 0; c < classes.size(); c++) {
            for (int i = 0; i < trainPerClass + valPerClass; i++) {
                String split = i < trainPerClass ? "train" : "val";
                Path file = dir.resolve("data/" + split + "/" + classes.get(c) + "/" + i + ".png");
                TestImages.write(file, 12, 12, 100L * c + i);
            }
        }
        return Datasets.open(dir.resolve("data"), 0.2, 42, 1);
    }

    private static Set<Path> files(ImageDataset d) {
        return d.samples().stream().map(Sample::file).collect(Collectors.toSet());
    }

    @Test
    void withTestFromValidation_holdsOutHalfOfEachValidationClass_disjointFromTheRest()
            throws Exception {
        Splits splits = folders(6, 5);
        Splits held = splits.withTestFromValidation(0.5, 42);
        assertEquals(splits.train(), held.train());
        assertEquals(3 * 5, held.val().size() + held.test().size());
        // round(5 * 0.5) = 3 of each class to test, 2 stay for validation.
        assertTrue(java.util.Arrays.equals(new int[] {3, 3, 3}, held.test().countsPerClass()));
        assertTrue(java.util.Arrays.equals(new int[] {2, 2, 2}, held.val().countsPerClass()));
        Set<Path> test = files(held.test());
        Set<Path> seen = new HashSet<>(files(held.train()));
        seen.addAll(files(held.val()));
        seen.retainAll(test);
        assertTrue(seen.isEmpty(), "test images also train or validate: " + seen);
        assertEquals(
                held.test().fingerprint(),
                splits.withTestFromValidation(0.5, 42).test().fingerprint(),
                "the same seed holds out the same images");
        assertNotEquals(
                held.test().fingerprint(),
                splits.withTestFromValidation(0.5, 7).test().fingerprint());
    }

    @Test
    void withTestFromValidation_keepsTheDatasOwnTestSet() throws Exception {
        Splits splits = folders(4, 3);
        Splits withTest = new Splits(splits.train(), splits.val(), splits.val());
        assertSame(withTest, withTest.withTestFromValidation(0.5, 1));
    }

    @Test
    void withTestFromValidation_refusesABadShareAndMissingValidationImages() throws Exception {
        Splits splits = folders(4, 3);
        IllegalArgumentException share =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> splits.withTestFromValidation(1.0, 1));
        assertEquals(
                "Test share of the validation images must be in (0, 1), got 1.0",
                share.getMessage());
        IllegalArgumentException none =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                new Splits(splits.train(), null, null)
                                        .withTestFromValidation(0.5, 1));
        assertTrue(none.getMessage().contains("No validation images"), none.getMessage());
    }

    @Test
    void writeManifest_readsBackIntoTheSameThreeSets_whateverTheSplitSettings() throws Exception {
        Splits held = folders(5, 4).withTestFromValidation(0.5, 3);
        Path csv = dir.resolve("out, with a comma/split.csv");
        Files.createDirectories(csv.getParent());
        Datasets.writeManifest(csv, held);
        Splits back = Datasets.open(csv, 0.4, 99, 1);
        assertEquals(files(held.train()), files(back.train()));
        assertEquals(files(held.val()), files(back.val()));
        assertEquals(files(held.test()), files(back.test()));
        assertEquals(held.train().classes(), back.train().classes());
    }

    @Test
    void writeManifest_refusesImagesInMemory() {
        ImageDataset idx =
                ImageDataset.of(
                        List.of("a", "b"),
                        List.of(
                                Sample.ofPixels(new byte[4], 2, 2, 0, "idx:0"),
                                Sample.ofPixels(new byte[4], 2, 2, 1, "idx:1")));
        DatasetException e =
                assertThrows(
                        DatasetException.class,
                        () ->
                                Datasets.writeManifest(
                                        dir.resolve("m.csv"), new Splits(idx, idx, null)));
        assertTrue(e.getMessage().contains("Sample idx:0 is an image in memory"), e.getMessage());
        assertTrue(!Files.exists(dir.resolve("m.csv")));
    }
}
