package ai.graft.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.OnnxModels;
import ai.graft.sdk.ImageClassifier;
import ai.graft.trainer.EmbeddingCache.Embeddings;
import ai.graft.trainer.data.Datasets;
import ai.graft.trainer.data.ImageDataset;
import ai.graft.trainer.tune.TinyNets;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache is written a chunk at a time: a killed run resumes after its last whole chunk, and a
 * file that does not verify is cut where it stops verifying and recomputed from there, saying so;
 * it never fails the run.
 */
class EmbeddingCacheTest {
    private static final String MODEL_KEY = "backbone-sha\nnull\n{\"preprocessing\":1}";

    /** Two images a chunk: the six training images make three chunks. */
    private static final int CHUNK = 2;

    @TempDir static Path shared;
    private static ImageDataset data;
    private static Path extractorFile;
    private static int dimension;

    @TempDir Path dir;

    @BeforeAll
    static void makeData() throws Exception {
        Path folders = TinyNets.colourFolders(shared.resolve("colours"), 3, 1);
        data = Datasets.classFolders(folders.resolve("train"));
        Path classifier = TinyNets.classifierFile(shared, 5);
        Backbone backbone = Backbone.open(classifier.toString(), "unit", null);
        extractorFile = shared.resolve("features.onnx");
        OnnxModels.write(backbone.featureModel(), extractorFile);
        dimension = FeatureTrainer.featureDimension(backbone.featureModel());
    }

    /**
     * A cache in {@link #dir} whose extractor openings and embeddings are counted, and whose
     * extractor throws after {@code failAfter} embeddings (a run killed part-way).
     */
    private EmbeddingCache cache(
            String modelKey, AtomicInteger opened, AtomicInteger embedded, int failAfter) {
        return new EmbeddingCache(
                dir,
                modelKey,
                dimension,
                () -> {
                    opened.incrementAndGet();
                    EmbeddingCache.Extractor real =
                            EmbeddingCache.Extractor.of(
                                    ImageClassifier.createFromFile(extractorFile));
                    return new EmbeddingCache.Extractor() {
                        @Override
                        public float[] embed(ai.graft.sdk.ImageInput input)
                                throws ai.graft.sdk.ImageException {
                            if (embedded.incrementAndGet() > failAfter) {
                                throw new IllegalStateException("killed");
                            }
                            return real.embed(input);
                        }

                        @Override
                        public void close() {
                            real.close();
                        }
                    };
                },
                CHUNK);
    }

    private EmbeddingCache cache(String modelKey) {
        return cache(modelKey, new AtomicInteger(), new AtomicInteger(), Integer.MAX_VALUE);
    }

    /** Computes the embeddings once; the cache file then holds them. */
    private Embeddings fill() throws Exception {
        try (EmbeddingCache c = cache(MODEL_KEY)) {
            return c.get(data, "train", 1, line -> {});
        }
    }

    /**
     * Runs the cache on whatever the file holds now, checks that it computed exactly {@code
     * recomputed} images and returns the same embeddings; returns the progress lines.
     */
    private List<String> getAgain(Embeddings expected, int recomputed) throws Exception {
        List<String> lines = new ArrayList<>();
        AtomicInteger opened = new AtomicInteger();
        AtomicInteger embedded = new AtomicInteger();
        Embeddings got;
        try (EmbeddingCache c = cache(MODEL_KEY, opened, embedded, Integer.MAX_VALUE)) {
            got = c.get(data, "train", 1, lines::add);
            assertEquals(recomputed, c.computed(), lines.toString());
            assertEquals(expected.size() - recomputed, c.reused(), lines.toString());
        }
        assertEquals(recomputed, embedded.get(), "only the missing images: " + lines);
        assertEquals(recomputed > 0 ? 1 : 0, opened.get(), "extractor opened only to compute");
        assertSame(expected, got);
        return lines;
    }

    private static void assertSame(Embeddings expected, Embeddings got) {
        assertEquals(expected.ids(), got.ids());
        assertArrayEquals(expected.labels(), got.labels());
        assertEquals(expected.dimension(), got.dimension());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.row(i), got.row(i), 0f, expected.ids().get(i));
        }
    }

    private Path cacheFile() {
        return cache(MODEL_KEY).file(data);
    }

    private static void assertRecomputedSaying(List<String> lines, Path file, String reason) {
        String joined = String.join("\n", lines);
        assertEquals(
                1,
                lines.stream().filter(l -> l.contains("does not verify")).count(),
                "one line says so: " + joined);
        assertTrue(
                joined.contains("train: the embeddings cache " + file + " does not verify ("),
                joined);
        assertTrue(joined.contains(reason), "reason '" + reason + "' in: " + joined);
    }

    @Test
    void featureDimension_isTheWidthOfTheFeaturesOutput() {
        assertEquals(8, dimension, "the tiny net pools 8 channels into its classifier");
    }

    @Test
    void get_holdsTheEmbeddingsFlat_andReusesAVerifiedCacheWithoutOpeningTheExtractor()
            throws Exception {
        Embeddings first = fill();
        assertEquals(6, first.size());
        assertEquals(dimension, first.dimension());
        assertEquals(6 * dimension, first.vectors().length, "one flat array, N x D");
        try (ImageClassifier c = ImageClassifier.createFromFile(extractorFile)) {
            float[] direct = c.embed(data.samples().get(4).input(), "features");
            assertArrayEquals(direct, first.row(4), 0f);
            assertArrayEquals(
                    direct, Arrays.copyOfRange(first.vectors(), 4 * dimension, 5 * dimension), 0f);
        }
        List<String> lines = getAgain(first, 0);
        assertTrue(lines.get(0).contains("train: 6 embeddings from the cache"), lines.toString());
    }

    @Test
    void get_afterARunKilledPartWay_computesOnlyTheRest_andGivesTheSameFile() throws Exception {
        Embeddings clean = fill();
        Path file = cacheFile();
        byte[] whole = Files.readAllBytes(file);
        Files.delete(file);
        for (int threads : new int[] {1, 2}) {
            // Killed while computing the fourth image: the first chunk (two images) is on disk.
            AtomicInteger embedded = new AtomicInteger();
            try (EmbeddingCache c = cache(MODEL_KEY, new AtomicInteger(), embedded, 3)) {
                IllegalStateException e =
                        assertThrows(
                                IllegalStateException.class,
                                () -> c.get(data, "train", threads, line -> {}));
                assertEquals("killed", e.getMessage());
            }
            List<String> lines = getAgain(clean, 4);
            assertTrue(
                    lines.get(0)
                            .contains(
                                    "train: resuming an interrupted cache ("
                                            + file.getFileName()
                                            + "): 2 of 6 images from it, computing the other 4"),
                    lines.toString());
            assertArrayEquals(whole, Files.readAllBytes(file), "as if never interrupted");
            Files.delete(file);
        }
    }

    @Test
    void get_keepsTheWholeChunksBeforeACutAtAnyOffset_andRecomputesTheRest() throws Exception {
        Embeddings first = fill();
        Path file = cacheFile();
        byte[] whole = Files.readAllBytes(file);
        int previous = 6;
        for (int at = whole.length - 1; at >= 0; at--) {
            Files.write(file, Arrays.copyOf(whole, at));
            List<String> lines = new ArrayList<>();
            int computed;
            try (EmbeddingCache c = cache(MODEL_KEY)) {
                Embeddings got = c.get(data, "train", 1, lines::add);
                assertSame(first, got);
                computed = c.computed();
                assertEquals(6 - computed, c.reused());
            }
            String joined = String.join("\n", lines);
            assertTrue(computed >= 1 && computed >= 6 - previous, at + ": " + joined);
            assertTrue(computed % CHUNK == 0, "whole chunks are kept: " + at + ": " + joined);
            if (at == 0) {
                assertTrue(joined.contains("the file is empty"), joined);
            } else if (!joined.contains("resuming an interrupted cache")) {
                assertTrue(joined.contains("does not verify ("), joined);
                assertTrue(
                        joined.contains(
                                computed == 6
                                        ? "recomputing it"
                                        : "keeping its first "
                                                + (6 - computed)
                                                + " images, computing the other "
                                                + computed),
                        joined);
            }
            previous = 6 - computed;
            assertArrayEquals(whole, Files.readAllBytes(file), "rewritten after a cut at " + at);
        }
    }

    @Test
    void get_recomputesRandomBytes_andAFlippedBitFromItsChunkOn() throws Exception {
        Embeddings first = fill();
        Path file = cacheFile();
        byte[] whole = Files.readAllBytes(file);
        Random random = new Random(11);
        for (int size : new int[] {1, 5, 64, whole.length, 5000}) {
            byte[] noise = new byte[size];
            random.nextBytes(noise);
            Files.write(file, noise);
            assertRecomputedSaying(getAgain(first, 6), file, "it is not an embeddings cache");
            // The same noise behind the cache's own magic and format: the checksum catches it.
            if (size >= 8) {
                System.arraycopy(whole, 0, noise, 0, 8);
                Files.write(file, noise);
                List<String> lines = getAgain(first, 6);
                assertRecomputedSaying(lines, file, "it ");
                assertTrue(
                        String.join("\n", lines).matches("(?s).*(checksum|truncated|ends).*"),
                        lines.toString());
            }
        }
        // One flipped bit in the last embedding: the first two chunks stay.
        byte[] flipped = whole.clone();
        flipped[whole.length - 12] ^= 0x10;
        Files.write(file, flipped);
        List<String> lines = getAgain(first, 2);
        assertRecomputedSaying(
                lines, file, "it is damaged after image 4: a checksum does not match");
        assertTrue(lines.get(0).contains("keeping its first 4 images, computing the other 2"));
        assertArrayEquals(whole, Files.readAllBytes(file));
    }

    @Test
    void get_recomputesACacheOfAnotherBackboneOrOtherData() throws Exception {
        Embeddings first = fill();
        Path file = cacheFile();
        byte[] whole = Files.readAllBytes(file);
        // A well-formed cache, written for another extractor, copied to this one's name.
        String other = "backbone-sha\nnull\n{\"preprocessing\":2}";
        try (EmbeddingCache c = cache(other)) {
            c.get(data, "train", 1, line -> {});
            Files.copy(c.file(data), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        assertRecomputedSaying(
                getAgain(first, 6),
                file,
                "computed with another backbone, feature node or preprocessing");
        assertArrayEquals(whole, Files.readAllBytes(file));

        String modelHash = Backbone.sha256(MODEL_KEY.getBytes(StandardCharsets.UTF_8));
        Files.write(file, EmbeddingCache.header(modelHash, "another fingerprint", 6));
        assertRecomputedSaying(getAgain(first, 6), file, "it was computed for other data");
        Files.write(file, EmbeddingCache.header(modelHash, data.fingerprint(), 7));
        assertRecomputedSaying(getAgain(first, 6), file, "it is for 7 images, the data has 6");
        getAgain(first, 0);
    }

    @Test
    void get_recomputesAChunkOfAnotherDimensionOrLabel() throws Exception {
        Embeddings first = fill();
        Path file = cacheFile();
        String modelHash = Backbone.sha256(MODEL_KEY.getBytes(StandardCharsets.UTF_8));
        byte[] header = EmbeddingCache.header(modelHash, data.fingerprint(), 6);
        float[][] narrow = {new float[3], new float[3]};
        byte[] chunk = EmbeddingCache.chunkBytes(data.samples(), 0, narrow, new String[2], 3);
        Files.write(file, concat(header, chunk));
        assertRecomputedSaying(
                getAgain(first, 6),
                file,
                "it holds embeddings of dimension 3, the backbone's features have 8");

        // The right keys, but the chunk was written for samples in another order.
        List<ai.graft.trainer.data.Sample> swapped = new ArrayList<>(data.samples());
        java.util.Collections.swap(swapped, 0, 1);
        float[][] rows = {first.row(1), first.row(0)};
        Files.write(
                file,
                concat(header, EmbeddingCache.chunkBytes(swapped, 0, rows, new String[2], 8)));
        assertRecomputedSaying(getAgain(first, 6), file, "out of the data's order");
    }

    @Test
    void get_recomputesACacheOfAnEarlierFormat() throws Exception {
        Embeddings first = fill();
        Path file = cacheFile();
        // Format 2 had one checksum for the whole file, at its end.
        ByteBuffer old = ByteBuffer.allocate(20).putInt(0x47524645).putInt(2).putInt(0).putInt(0);
        Files.write(file, old.array());
        assertRecomputedSaying(getAgain(first, 6), file, "it has format 2, this version reads 3");
    }

    @Test
    void get_keepsUnreadableImagesAsSkipped_acrossRuns() throws Exception {
        Path folders = TinyNets.colourFolders(dir.resolve("broken"), 3, 1);
        Files.write(folders.resolve("train/red/zz-broken.png"), new byte[] {1, 2, 3});
        ImageDataset broken = Datasets.classFolders(folders.resolve("train"));
        Embeddings first;
        try (EmbeddingCache c = cache(MODEL_KEY)) {
            first = c.get(broken, "train", 2, line -> {});
        }
        assertEquals(6, first.size());
        assertEquals(1, first.skipped().size());
        assertTrue(first.skipped().get(0).id().contains("zz-broken.png"), first.toString());
        try (EmbeddingCache c = cache(MODEL_KEY)) {
            Embeddings again = c.get(broken, "train", 1, line -> {});
            assertEquals(0, c.computed());
            assertSame(first, again);
            assertEquals(first.skipped(), again.skipped());
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
