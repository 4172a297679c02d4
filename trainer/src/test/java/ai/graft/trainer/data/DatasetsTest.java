package ai.graft.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {
    @TempDir Path dir;

    private static Set<String> ids(ImageDataset d) {
        return d.samples().stream().map(Sample::id).collect(Collectors.toSet());
    }

    @Test
    void fromFolder_splitsEachClassBySeededFraction() throws Exception {
        TestImages.classFolder(dir.resolve("cats"), "c", 10, 8);
        TestImages.classFolder(dir.resolve("ants"), "a", 20, 8);
        TestImages.classFolder(dir.resolve("bees"), "b", 30, 8);

        Splits s = Datasets.fromFolder(dir, 0.2, 42, 1);

        assertEquals(List.of("ants", "bees", "cats"), s.train().classes());
        assertArrayEquals(new int[] {16, 24, 8}, s.train().countsPerClass());
        assertArrayEquals(new int[] {4, 6, 2}, s.val().countsPerClass());
        assertNull(s.test());
        Set<String> train = ids(s.train());
        Set<String> val = ids(s.val());
        assertTrue(Collections.disjoint(train, val), "train and val overlap");
        assertEquals(60, train.size() + val.size());
        assertTrue(train.contains("ants/a_0.png") || val.contains("ants/a_0.png"));

        Splits again = Datasets.fromFolder(dir, 0.2, 42, 1);
        assertEquals(val, ids(again.val()), "same seed, same split");
        assertEquals(
                s.train().samples().stream().map(Sample::id).toList(),
                again.train().samples().stream().map(Sample::id).toList());
        Splits other = Datasets.fromFolder(dir, 0.2, 7, 1);
        assertNotEquals(val, ids(other.val()), "another seed, another split");
        assertArrayEquals(new int[] {4, 6, 2}, other.val().countsPerClass());
    }

    @Test
    void fromFolder_withoutValFractionHasNoValidation() throws Exception {
        TestImages.classFolder(dir.resolve("a"), "a", 3, 8);
        TestImages.classFolder(dir.resolve("b"), "b", 3, 8);
        Splits s = Datasets.fromFolder(dir, 0, 1, 1);
        assertEquals(6, s.train().size());
        assertNull(s.val());
    }

    @Test
    void valCount_keepsOneForValidationAndOneForTraining() {
        assertEquals(0, Datasets.valCount(1, 0.2));
        assertEquals(1, Datasets.valCount(2, 0.2));
        assertEquals(2, Datasets.valCount(3, 0.9));
        assertEquals(1, Datasets.valCount(4, 0.1));
        assertEquals(2, Datasets.valCount(10, 0.2));
        assertEquals(0, Datasets.valCount(10, 0));
    }

    @Test
    void fromFolder_usesTrainValTestFolders() throws Exception {
        TestImages.classFolder(dir.resolve("train/x"), "x", 4, 8);
        TestImages.classFolder(dir.resolve("train/y"), "y", 5, 8);
        TestImages.classFolder(dir.resolve("val/x"), "vx", 2, 8);
        TestImages.classFolder(dir.resolve("val/y"), "vy", 1, 8);
        TestImages.classFolder(dir.resolve("test/y"), "ty", 3, 8);

        Splits s = Datasets.fromFolder(dir, 0.5, 42, 4);

        assertArrayEquals(new int[] {4, 5}, s.train().countsPerClass());
        assertArrayEquals(new int[] {2, 1}, s.val().countsPerClass());
        assertArrayEquals(new int[] {0, 3}, s.test().countsPerClass());
        assertEquals(List.of("x", "y"), s.test().classes());
        assertTrue(ids(s.train()).contains("train/x/x_0.png"));
        assertTrue(ids(s.val()).contains("val/y/vy_0.png"));
        assertEquals(dir.resolve("test/y/ty_2.png"), s.test().samples().get(2).file());
    }

    @Test
    void fromFolder_refusesValidationClassUnknownToTraining() {
        TestImages.classFolder(dir.resolve("train/x"), "x", 2, 8);
        TestImages.classFolder(dir.resolve("train/y"), "y", 2, 8);
        TestImages.classFolder(dir.resolve("val/z"), "z", 2, 8);
        DatasetException e =
                assertThrows(DatasetException.class, () -> Datasets.fromFolder(dir, 0.2, 1, 1));
        assertTrue(e.getMessage().contains("'z'"), e.getMessage());
        assertTrue(e.getMessage().contains("[x, y]"), e.getMessage());
    }

    @Test
    void fromFolder_ignoresHiddenAndNonImageFilesAndReadsNestedFolders() throws Exception {
        TestImages.classFolder(dir.resolve("a"), "a", 2, 8);
        TestImages.classFolder(dir.resolve("b"), "b", 2, 8);
        TestImages.write(dir.resolve("a/.hidden.png"), 8, 8, 1);
        TestImages.write(dir.resolve("a/.thumbs/t.png"), 8, 8, 2);
        TestImages.write(dir.resolve("a/more/deep.JPG"), 8, 8, 3);
        TestImages.text(dir.resolve("a/notes.txt"), "not an image");
        TestImages.classFolder(dir.resolve(".git"), "g", 2, 8);
        TestImages.classFolder(dir.resolve("__MACOSX/a"), "m", 2, 8);

        ImageDataset d = Datasets.classFolders(dir);

        assertEquals(List.of("a", "b"), d.classes());
        assertEquals(
                List.of("a/a_0.png", "a/a_1.png", "a/more/deep.JPG", "b/b_0.png", "b/b_1.png"),
                d.samples().stream().map(Sample::id).toList());
        assertArrayEquals(
                new int[] {0, 0, 0, 1, 1}, d.samples().stream().mapToInt(Sample::label).toArray());
    }

    @Test
    void fromFolder_refusesTooSmallClassNamingItAndItsCount() {
        TestImages.classFolder(dir.resolve("common"), "c", 6, 8);
        TestImages.classFolder(dir.resolve("rare"), "r", 2, 8);
        DatasetException e =
                assertThrows(DatasetException.class, () -> Datasets.fromFolder(dir, 0.2, 1, 5));
        assertTrue(e.getMessage().contains("'rare' has 2 images"), e.getMessage());
        assertTrue(e.getMessage().contains(dir.resolve("rare").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("minimum of 5"), e.getMessage());
        assertTrue(!e.getMessage().contains("'common'"), e.getMessage());
    }

    @Test
    void requireReadable_refusesAClassWhoseImagesAreAllUnreadable_namingThemAndWhy()
            throws Exception {
        TestImages.classFolder(dir.resolve("ants"), "a", 4, 8);
        TestImages.classFolder(dir.resolve("bees"), "b", 4, 8);
        ImageDataset train = Datasets.fromFolder(dir, 0, 1, 2).train();
        List<Skipped> skipped = new ArrayList<>();
        for (int i = 3; i >= 0; i--) {
            skipped.add(new Skipped("bees/b_" + i + ".png", "not an image (reason " + i + ")"));
        }
        skipped.add(new Skipped("ants/a_1.png", "truncated"));
        DatasetException e =
                assertThrows(
                        DatasetException.class,
                        () -> Datasets.requireReadable(train, skipped, 2, dir));
        String m = e.getMessage();
        assertTrue(m.startsWith("Dataset " + dir + ": "), m);
        assertTrue(m.contains("class 'bees' has no readable training image"), m);
        assertTrue(m.contains("4 of its 4 images could not be read"), m);
        assertTrue(
                m.contains(
                        "(bees/b_0.png: not an image (reason 0); bees/b_1.png: not an image"
                                + " (reason 1); bees/b_2.png: not an image (reason 2); and 1"
                                + " more)"),
                m);
        assertTrue(!m.contains("'ants'"), "3 of 4 ants are readable: " + m);
        assertTrue(m.endsWith("or remove the class"), m);
    }

    @Test
    void requireReadable_countsOnlyReadableImagesTowardsTheMinimum() throws Exception {
        TestImages.classFolder(dir.resolve("ants"), "a", 3, 8);
        TestImages.classFolder(dir.resolve("bees"), "b", 3, 8);
        ImageDataset train = Datasets.fromFolder(dir, 0, 1, 3).train();
        List<Skipped> oneBad = List.of(new Skipped("ants/a_2.png", "truncated"));
        DatasetException e =
                assertThrows(
                        DatasetException.class,
                        () -> Datasets.requireReadable(train, oneBad, 3, dir));
        assertTrue(
                e.getMessage()
                        .contains(
                                "class 'ants' has 2 readable training images, fewer than the"
                                        + " minimum of 3: 1 of its 3 images could not be read"
                                        + " (ants/a_2.png: truncated)"),
                e.getMessage());
        // Enough readable images, or skipped images of another split: accepted.
        Datasets.requireReadable(train, oneBad, 2, dir);
        Datasets.requireReadable(train, List.of(new Skipped("val/x.png", "gone")), 3, dir);
        // A split may leave a class fewer training images than the minimum: all must be readable.
        ImageDataset small = train.limitPerClass(1, 1);
        Datasets.requireReadable(small, List.of(), 2, dir);
        String onlyAnt = small.samples().get(0).id();
        assertThrows(
                DatasetException.class,
                () -> Datasets.requireReadable(small, List.of(new Skipped(onlyAnt, "x")), 2, dir));
    }

    @Test
    void fromFolder_refusesOneClassEmptyFoldersAndMissingFolder() throws IOException {
        DatasetException missing =
                assertThrows(
                        DatasetException.class,
                        () -> Datasets.fromFolder(dir.resolve("nope"), 0.2, 1, 1));
        assertTrue(missing.getMessage().contains("not found"), missing.getMessage());

        DatasetException noClasses =
                assertThrows(DatasetException.class, () -> Datasets.fromFolder(dir, 0.2, 1, 1));
        assertTrue(noClasses.getMessage().contains("No class folders"), noClasses.getMessage());

        Files.createDirectories(dir.resolve("empty1"));
        Files.createDirectories(dir.resolve("empty2"));
        DatasetException noImages =
                assertThrows(DatasetException.class, () -> Datasets.fromFolder(dir, 0.2, 1, 1));
        assertTrue(noImages.getMessage().contains("No images"), noImages.getMessage());

        Path one = dir.resolve("one");
        TestImages.classFolder(one.resolve("only"), "o", 3, 8);
        DatasetException single =
                assertThrows(DatasetException.class, () -> Datasets.fromFolder(one, 0.2, 1, 1));
        assertTrue(single.getMessage().contains("'only'"), single.getMessage());
        assertTrue(single.getMessage().contains("at least two classes"), single.getMessage());

        assertThrows(IllegalArgumentException.class, () -> Datasets.fromFolder(one, 1.0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> Datasets.fromFolder(one, 0.2, 1, -1));
    }

    @Test
    void fromCsv_readsPathsRelativeToTheManifestWithQuotedFields() throws Exception {
        TestImages.write(dir.resolve("img/one.png"), 8, 8, 1);
        TestImages.write(dir.resolve("img/two, with comma.png"), 8, 8, 2);
        TestImages.write(dir.resolve("img/three.png"), 8, 8, 3);
        Path csv = dir.resolve("labels.csv");
        TestImages.text(
                csv,
                "\uFEFFid,Label,PATH\r\n"
                        + "1,10,img/one.png\r\n"
                        + "\r\n"
                        + "2,\"2\",\"img/two, with comma.png\"\r\n"
                        + "3,10,img/three.png\r\n");

        ImageDataset d = Datasets.fromCsv(csv);

        assertEquals(List.of("2", "10"), d.classes(), "integer labels sort as numbers");
        assertEquals(
                List.of("img/one.png", "img/two, with comma.png", "img/three.png"),
                d.samples().stream().map(Sample::id).toList());
        assertArrayEquals(
                new int[] {1, 0, 1}, d.samples().stream().mapToInt(Sample::label).toArray());
        assertEquals(dir.resolve("img/two, with comma.png"), d.samples().get(1).file());
    }

    @Test
    void fromCsv_reportsBadManifestsWithLineNumbers() {
        Path csv = dir.resolve("m.csv");
        TestImages.write(dir.resolve("a.png"), 8, 8, 1);

        TestImages.text(csv, "file,class\na.png,x\n");
        DatasetException header = assertThrows(DatasetException.class, () -> Datasets.fromCsv(csv));
        assertTrue(header.getMessage().contains("'path' and 'label'"), header.getMessage());

        TestImages.text(csv, "path,label\na.png,x\na.png,y\n");
        DatasetException twice = assertThrows(DatasetException.class, () -> Datasets.fromCsv(csv));
        assertTrue(twice.getMessage().contains("lines 2 and 3"), twice.getMessage());

        TestImages.text(csv, "path,label\na.png,x\nb.png,\n");
        DatasetException empty = assertThrows(DatasetException.class, () -> Datasets.fromCsv(csv));
        assertTrue(empty.getMessage().contains("line 3: empty label"), empty.getMessage());

        TestImages.text(csv, "path,label\n\"a.png,x\n");
        DatasetException quote = assertThrows(DatasetException.class, () -> Datasets.fromCsv(csv));
        assertTrue(quote.getMessage().contains("line 2"), quote.getMessage());

        TestImages.text(csv, "path,label\nnope/1.png,x\nnope/2.png,y\n");
        DatasetException none = assertThrows(DatasetException.class, () -> Datasets.fromCsv(csv));
        assertTrue(none.getMessage().contains("None of the 2 files"), none.getMessage());
    }

    @Test
    void open_csvWithSplitColumn() throws Exception {
        StringBuilder csv = new StringBuilder("path,label,split\n");
        for (int i = 0; i < 6; i++) {
            String split = i < 4 ? "train" : i == 4 ? "val" : "test";
            for (String c : new String[] {"cat", "dog"}) {
                String p = c + i + ".png";
                TestImages.write(dir.resolve(p), 8, 8, i);
                csv.append(p).append(',').append(c).append(',').append(split).append('\n');
            }
        }
        TestImages.text(dir.resolve("data.csv"), csv.toString());

        Splits s = Datasets.open(dir.resolve("data.csv"), 0.25, 1, 4);

        assertArrayEquals(new int[] {4, 4}, s.train().countsPerClass());
        assertArrayEquals(new int[] {1, 1}, s.val().countsPerClass());
        assertArrayEquals(new int[] {1, 1}, s.test().countsPerClass());
        assertEquals(List.of("cat", "dog"), s.val().classes());
    }

    @Test
    void fromIdx_readsPlainAndGzipWithPixelsInRowOrder() throws Exception {
        int n = 12;
        int rows = 3;
        int cols = 4;
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
        }
        Path images =
                TestImages.writeBytes(
                        dir.resolve("x-images-idx3-ubyte.gz"),
                        TestImages.idxImages(n, rows, cols),
                        true);
        Path lab =
                TestImages.writeBytes(
                        dir.resolve("x-labels-idx1-ubyte"), TestImages.idxLabels(labels), false);

        ImageDataset d = Datasets.fromIdx(images, lab, null);

        assertEquals(List.of("0", "1", "2"), d.classes());
        assertEquals(n, d.size());
        assertArrayEquals(new int[] {4, 4, 4}, d.countsPerClass());
        Sample s = d.samples().get(5);
        assertEquals("idx:5", s.id());
        assertEquals(2, s.label());
        // Decoded as the loader does: gray replicated to B, G, R.
        try (Mat m = s.decode(1000, 0);
                UByteIndexer px = m.createIndexer()) {
            assertEquals(cols, m.cols());
            assertEquals(rows, m.rows());
            assertEquals(3, m.channels());
            for (int y = 0; y < rows; y++) {
                for (int x = 0; x < cols; x++) {
                    for (int c = 0; c < 3; c++) {
                        assertEquals(TestImages.pixel(5, y, x), px.get(y, x, c));
                    }
                }
            }
        }
        ImageDataset named = Datasets.fromIdx(images, lab, List.of("a", "b", "c"));
        assertEquals(List.of("a", "b", "c"), named.classes());
        DatasetException tooFewNames =
                assertThrows(
                        DatasetException.class,
                        () -> Datasets.fromIdx(images, lab, List.of("a", "b")));
        assertTrue(tooFewNames.getMessage().contains("label 2"), tooFewNames.getMessage());
    }

    @Test
    void fromIdx_refusesMalformedFiles() {
        Path images = TestImages.writeBytes(dir.resolve("i"), TestImages.idxImages(3, 2, 2), false);
        Path labels =
                TestImages.writeBytes(
                        dir.resolve("l"), TestImages.idxLabels(new int[] {0, 1}), false);
        DatasetException count =
                assertThrows(DatasetException.class, () -> Datasets.fromIdx(images, labels, null));
        assertTrue(count.getMessage().contains("3 images but"), count.getMessage());

        DatasetException swapped =
                assertThrows(DatasetException.class, () -> Datasets.fromIdx(labels, images, null));
        assertTrue(
                swapped.getMessage().contains("not an IDX file of images"), swapped.getMessage());
        assertTrue(swapped.getMessage().contains("0x00000801"), swapped.getMessage());

        byte[] full = TestImages.idxImages(3, 2, 2);
        Path cut =
                TestImages.writeBytes(
                        dir.resolve("cut"), java.util.Arrays.copyOf(full, full.length - 1), false);
        Path three =
                TestImages.writeBytes(
                        dir.resolve("l3"), TestImages.idxLabels(new int[] {0, 1, 1}), false);
        DatasetException truncated =
                assertThrows(DatasetException.class, () -> Datasets.fromIdx(cut, three, null));
        assertTrue(truncated.getMessage().contains("truncated"), truncated.getMessage());
    }

    @Test
    void open_idxFolderInFashionMnistLayout() throws Exception {
        int[] trainLabels = new int[40];
        int[] testLabels = new int[10];
        for (int i = 0; i < trainLabels.length; i++) {
            trainLabels[i] = i % 4;
        }
        for (int i = 0; i < testLabels.length; i++) {
            testLabels[i] = i % 4;
        }
        TestImages.writeBytes(
                dir.resolve("train-images-idx3-ubyte.gz"), TestImages.idxImages(40, 5, 5), true);
        TestImages.writeBytes(
                dir.resolve("train-labels-idx1-ubyte.gz"), TestImages.idxLabels(trainLabels), true);
        TestImages.writeBytes(
                dir.resolve("t10k-images-idx3-ubyte.gz"), TestImages.idxImages(10, 5, 5), true);
        TestImages.writeBytes(
                dir.resolve("t10k-labels-idx1-ubyte.gz"), TestImages.idxLabels(testLabels), true);

        Splits s = Datasets.open(dir, 0.2, 3, 10);

        assertEquals(List.of("0", "1", "2", "3"), s.train().classes());
        assertArrayEquals(new int[] {8, 8, 8, 8}, s.train().countsPerClass());
        assertArrayEquals(new int[] {2, 2, 2, 2}, s.val().countsPerClass());
        assertEquals(10, s.test().size());

        DatasetException few =
                assertThrows(DatasetException.class, () -> Datasets.open(dir, 0.2, 3, 11));
        assertTrue(few.getMessage().contains("'0' has 10 images"), few.getMessage());

        Files.delete(dir.resolve("t10k-labels-idx1-ubyte.gz"));
        DatasetException noLabels =
                assertThrows(DatasetException.class, () -> Datasets.open(dir, 0.2, 3, 1));
        assertTrue(noLabels.getMessage().contains("t10k-labels-idx1-ubyte"), noLabels.getMessage());
    }

    @Test
    void open_refusesUnknownFiles() {
        TestImages.text(dir.resolve("data.json"), "{}");
        DatasetException e =
                assertThrows(
                        DatasetException.class,
                        () -> Datasets.open(dir.resolve("data.json"), 0.2, 1, 1));
        assertTrue(e.getMessage().contains("Unsupported dataset file"), e.getMessage());
    }

    @Test
    void limitPerClass_isSeededStratifiedAndKeepsOrder() throws Exception {
        TestImages.classFolder(dir.resolve("a"), "a", 10, 4);
        TestImages.classFolder(dir.resolve("b"), "b", 3, 4);
        ImageDataset d = Datasets.classFolders(dir);

        ImageDataset l = d.limitPerClass(4, 9);

        assertArrayEquals(new int[] {4, 3}, l.countsPerClass());
        assertEquals(ids(l), ids(d.limitPerClass(4, 9)));
        assertNotEquals(ids(l), ids(d.limitPerClass(4, 10)));
        List<Integer> positions = new ArrayList<>();
        for (Sample s : l.samples()) {
            positions.add(d.samples().indexOf(s));
        }
        List<Integer> sorted = new ArrayList<>(positions);
        Collections.sort(sorted);
        assertEquals(sorted, positions, "dataset order kept");
        assertSame(d, d.limitPerClass(10, 1));
    }

    @Test
    void fingerprint_dependsOnContentNotOrder() throws Exception {
        TestImages.classFolder(dir.resolve("a"), "a", 3, 4);
        TestImages.classFolder(dir.resolve("b"), "b", 3, 4);
        ImageDataset d = Datasets.classFolders(dir);
        String f = d.fingerprint();
        assertEquals(64, f.length());

        List<Sample> reversed = new ArrayList<>(d.samples());
        Collections.reverse(reversed);
        assertEquals(f, d.subset(reversed).fingerprint());
        assertNotEquals(f, d.subset(d.samples().subList(1, 6)).fingerprint());

        List<Sample> relabelled = new ArrayList<>(d.samples());
        Sample first = relabelled.get(0);
        relabelled.set(0, Sample.ofFile(first.file(), 1, first.id()));
        assertNotEquals(f, d.subset(relabelled).fingerprint());

        Files.write(dir.resolve("a/a_0.png"), new byte[] {1, 2, 3});
        assertNotEquals(f, Datasets.classFolders(dir).fingerprint(), "file size changed");

        ImageDataset pixels =
                ImageDataset.of(
                        List.of("0"),
                        List.of(Sample.ofPixels(new byte[] {1, 2}, 2, 1, 0, "idx:0")));
        ImageDataset other =
                ImageDataset.of(
                        List.of("0"),
                        List.of(Sample.ofPixels(new byte[] {1, 3}, 2, 1, 0, "idx:0")));
        assertNotEquals(pixels.fingerprint(), other.fingerprint());
    }

    @Test
    void imageDataset_refusesLabelsOutOfRangeAndDuplicateIds() {
        Sample s = Sample.ofFile(dir.resolve("x.png"), 2, "x.png");
        IllegalArgumentException range =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> ImageDataset.of(List.of("a", "b"), List.of(s)));
        assertTrue(range.getMessage().contains("label 2"), range.getMessage());
        Sample t = Sample.ofFile(dir.resolve("x.png"), 0, "x.png");
        Sample u = Sample.ofFile(dir.resolve("y.png"), 1, "x.png");
        assertThrows(
                IllegalArgumentException.class,
                () -> ImageDataset.of(List.of("a", "b"), List.of(t, u)));
        assertThrows(
                IllegalArgumentException.class,
                () -> ImageDataset.of(List.of("a", "a"), List.of()));
        assertThrows(
                IllegalArgumentException.class, () -> Sample.ofPixels(new byte[3], 2, 2, 0, "p"));
    }

    @Test
    void sampleInput_isTheFileOrAGrayImage() throws Exception {
        Path f = TestImages.write(dir.resolve("a.png"), 4, 4, 1);
        Sample s = Sample.ofFile(f, 0);
        assertEquals(f.toString(), s.input().name());
        assertEquals(f.toString(), s.id());
        Sample p = Sample.ofPixels(new byte[] {1, 2, 3, 4, 5, 6}, 3, 2, 0, "idx:0");
        assertEquals("<BufferedImage>", p.input().name());
        assertNull(p.file());
    }
}
