package ai.graft.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.Preprocessing;
import ai.graft.sdk.TestData;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The real datasets of {@code ../shared/data}: counts, decoding, and the loader's throughput. */
class RealDatasetsTest {

    /** Decodes every image of a set, returning how many made it into batches. */
    private static int loadAll(BatchLoader loader) {
        int n = 0;
        Iterator<Batch> it = loader.epoch(0);
        while (it.hasNext()) {
            n += it.next().size();
        }
        return n;
    }

    @Test
    void hymenoptera_hasItsTrainAndValFoldersAndDecodes() {
        Path root = TestData.require("datasets/hymenoptera");
        Splits s;
        try {
            s = Datasets.open(root, 0.2, 42, 5);
        } catch (DatasetException e) {
            throw new AssertionError(e);
        }
        assertEquals(List.of("ants", "bees"), s.train().classes());
        assertArrayEquals(new int[] {124, 121}, s.train().countsPerClass());
        assertArrayEquals(new int[] {35, 42}, s.val().countsPerClass());
        assertNull(s.test());
        assertTrue(s.train().samples().get(0).id().startsWith("train/ants/"));
        // Small input: large JPEGs decode at 1/2 to 1/8, so this stays quick.
        Preprocessing p = Preprocessing.caffe(64, 64);
        try (BatchLoader train =
                        new BatchLoader(s.train(), p, Augmentation.none(), 32, false, 1, 2);
                BatchLoader val =
                        new BatchLoader(s.val(), p, Augmentation.none(), 32, false, 1, 2)) {
            int trainDecoded = loadAll(train);
            int valDecoded = loadAll(val);
            System.out.printf(
                    Locale.ROOT,
                    "hymenoptera: train %d files, %d decoded, skipped %s; val %d files, %d decoded%n",
                    s.train().size(),
                    trainDecoded,
                    train.skipped(),
                    s.val().size(),
                    valDecoded);
            assertEquals(s.train().size() - train.skipped().size(), trainDecoded);
            assertEquals(245, trainDecoded, "train images that decode: " + train.skipped());
            assertEquals(77, valDecoded, "val images that decode: " + val.skipped());
        }
    }

    @Test
    void fashionMnist_hasSixtyThousandTrainAndTenThousandTestImages() throws Exception {
        Path root = TestData.require("datasets/fashion-mnist");
        Splits s = Datasets.open(root, 0.1, 42, 100);
        assertEquals(10, s.train().classes().size());
        assertEquals(60000, s.train().size() + s.val().size());
        assertEquals(10000, s.test().size());
        for (int c = 0; c < 10; c++) {
            assertEquals(5400, s.train().countsPerClass()[c]);
            assertEquals(600, s.val().countsPerClass()[c]);
            assertEquals(1000, s.test().countsPerClass()[c]);
        }
        // Gray 28x28 into a 3-channel ImageNet preset.
        try (BatchLoader loader =
                new BatchLoader(
                        s.test(),
                        Preprocessing.imagenet(32, 32),
                        Augmentation.standard(),
                        64,
                        true,
                        1,
                        2)) {
            Batch b = loader.epoch(0).next();
            assertArrayEquals(new long[] {64, 3, 32, 32}, b.shape());
            float max = Float.NEGATIVE_INFINITY;
            for (float v : b.data()) {
                max = Math.max(max, v);
            }
            assertTrue(max > 1.5f, "images are not blank: max " + max);
        }
    }

    /** Throughput of the loader as the trainer uses it; prints the figure. */
    @Test
    @Tag("slow")
    void hymenoptera_loaderThroughput() throws Exception {
        Path root = TestData.require("datasets/hymenoptera");
        ImageDataset train = Datasets.fromFolder(root, 0.2, 42, 5).train();
        Preprocessing p = Preprocessing.imagenet(224, 224);
        for (Augmentation aug : new Augmentation[] {Augmentation.standard(), Augmentation.none()}) {
            for (int threads : new int[] {1, 2}) {
                try (BatchLoader loader = new BatchLoader(train, p, aug, 32, true, 42, threads)) {
                    loadAll(loader); // warm-up: JIT, page cache
                    int images = 0;
                    long t0 = System.nanoTime();
                    for (int epoch = 1; epoch <= 3; epoch++) {
                        Iterator<Batch> it = loader.epoch(epoch);
                        while (it.hasNext()) {
                            images += it.next().size();
                        }
                    }
                    double s = (System.nanoTime() - t0) / 1e9;
                    System.out.printf(
                            Locale.ROOT,
                            "BatchLoader hymenoptera train, %s augmentation, batch 32, 224x224,"
                                    + " %d thread(s): %d images in %.2f s = %.1f images/s%n",
                            aug.isNone() ? "no" : "standard",
                            threads,
                            images,
                            s,
                            images / s);
                    assertEquals(3 * 245, images);
                }
            }
        }
    }
}
