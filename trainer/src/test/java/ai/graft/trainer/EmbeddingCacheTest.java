package ai.graft.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * A cache file that does not verify is recomputed, named with the reason, and replaced; it never
 * fails the run.
 */
class EmbeddingCacheTest {
    private static final String MODEL_KEY = "backbone-sha\nnull\n{\"preprocessing\":1}";

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

    /** A cache in {@link #dir} whose extractor openings are counted. */
    private EmbeddingCache cache(String modelKey, AtomicInteger opened) {
        return new EmbeddingCache(
                dir,
                modelKey,
                dimension,
                () -> {
                    opened.incrementAndGet();
                    return ImageClassifier.createFromFile(extractorFile);
                });
    }

    /** Computes the embeddings once; the cache file then holds them. */
    private Embeddings fill() throws Exception {
        try (EmbeddingCache c = cache(MODEL_KEY, new AtomicInteger())) {
            return c.get(data, "train", 1, line -> {});
        }
    }

    /** Runs the cache on whatever the file holds now; returns the progress lines. */
    private List<String> getAgain(Embeddings expected, boolean recomputed) throws Exception {
        List<String> lines = new ArrayList<>();
        AtomicInteger opened = new AtomicInteger();
        Embeddings got;
        try (EmbeddingCache c = cache(MODEL_KEY, opened)) {
            got = c.get(data, "train", 1, lines::add);
            assertEquals(recomputed ? expected.size() : 0, c.computed(), lines.toString());
            assertEquals(recomputed ? 0 : expected.size(), c.reused(), lines.toString());
        }
        assertEquals(recomputed ? 1 : 0, opened.get(), "extractor opened only to recompute");
        assertEquals(expected.ids(), got.ids());
        assertArrayEquals(expected.labels(), got.labels());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.vectors()[i], got.vectors()[i], 0f, expected.ids().get(i));
        }
        return lines;
    }

    private Path cacheFile() {
        return cache(MODEL_KEY, new AtomicInteger()).file(data);
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
        assertTrue(joined.contains("; recomputing it"), joined);
    }

    @Test
    void featureDimension_isTheWidthOfTheFeaturesOutput() {
        assertEquals(8, dimension, "the tiny net pools 8 channels into its classifier");
    }

    @Test
    void get_reusesAVerifiedCacheWithoutOpeningTheExtractor() throws Exception {
        Embeddings first = fill();
        assertEquals(6, first.size());
        assertEquals(dimension, first.dimension());
        List<String> lines = getAgain(first, false);
        assertTrue(lines.get(0).contains("train: 6 embeddings from the cache"), lines.toString());
    }

    @Test
    void get_recomputesACacheTruncatedAtAnyOffset_andRewritesItWhole() throws Exception {
        Embeddings first = fill();
        Path file = cacheFile();
        byte[] whole = Files.readAllBytes(file);
        int[] offsets = {
            1, 3, 4, 7, 8, 20, 60, whole.length / 2, whole.length - 9, whole.length - 1
        };
        for (int at : offsets) {
            Files.write(file, Arrays.copyOf(whole, at));
            List<String> lines = getAgain(first, true);
            assertRecomputedSaying(
                    lines, file, at < 4 ? "it is not an embeddings cache" : "truncated");
            assertArrayEquals(whole, Files.readAllBytes(file), "rewritten after a cut at " + at);
        }
    }

    @Test
    void get_recomputesAnEmptyCache() throws Exception {
        Embeddings first = fill();
        Path file = cacheFile();
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, new byte[0]);
        assertRecomputedSaying(getAgain(first, true), file, "the file is empty");
        assertArrayEquals(whole, Files.readAllBytes(file));
    }

    @Test
    void get_recomputesRandomBytes_withAndWithoutAValidHeader() throws Exception {
        Embeddings first = fill();
        Path file = cacheFile();
        byte[] whole = Files.readAllBytes(file);
        Random random = new Random(11);
        for (int size : new int[] {1, 5, 64, whole.length, 5000}) {
            byte[] noise = new byte[size];
            random.nextBytes(noise);
            Files.write(file, noise);
            assertRecomputedSaying(getAgain(first, true), file, "it is not an embeddings cache");
            // The same noise behind the cache's own magic and format: the checksum catches it.
            if (size >= 8) {
                System.arraycopy(whole, 0, noise, 0, 8);
                Files.write(file, noise);
                assertRecomputedSaying(getAgain(first, true), file, "checksum does not match");
            }
        }
        // One flipped bit in the middle of the embeddings.
        byte[] flipped = whole.clone();
        flipped[whole.length / 2] ^= 0x10;
        Files.write(file, flipped);
        assertRecomputedSaying(getAgain(first, true), file, "checksum does not match");
        assertArrayEquals(whole, Files.readAllBytes(file));
    }

    @Test
    void get_recomputesACacheOfAnotherBackboneOrPreprocessing() throws Exception {
        Embeddings first = fill();
        Path file = cacheFile();
        byte[] whole = Files.readAllBytes(file);
        // A well-formed cache, written for another extractor, copied to this one's name.
        String other = "backbone-sha\nnull\n{\"preprocessing\":2}";
        try (EmbeddingCache c = cache(other, new AtomicInteger())) {
            c.get(data, "train", 1, line -> {});
            Files.copy(c.file(data), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        assertRecomputedSaying(
                getAgain(first, true),
                file,
                "computed with another backbone, feature node or preprocessing");
        assertArrayEquals(whole, Files.readAllBytes(file));
    }

    @Test
    void get_recomputesACacheOfAnotherDimensionOrOtherData() throws Exception {
        Embeddings first = fill();
        Path file = cacheFile();
        String modelHash = Backbone.sha256(MODEL_KEY.getBytes(StandardCharsets.UTF_8));
        float[][] narrow = new float[first.size()][3];
        Embeddings wrongDimension =
                new Embeddings(narrow, first.labels(), first.ids(), first.skipped());
        EmbeddingCache.write(file, wrongDimension, modelHash, data.fingerprint());
        assertRecomputedSaying(
                getAgain(first, true),
                file,
                "it holds embeddings of dimension 3, the backbone's features have 8");

        EmbeddingCache.write(file, first, modelHash, "another fingerprint");
        assertRecomputedSaying(getAgain(first, true), file, "it was computed for other data");

        // The right keys, but one image's label changed: the rows do not fit the data.
        int[] relabelled = first.labels().clone();
        relabelled[0] = 1 - relabelled[0];
        EmbeddingCache.write(
                file,
                new Embeddings(first.vectors(), relabelled, first.ids(), first.skipped()),
                modelHash,
                data.fingerprint());
        assertRecomputedSaying(getAgain(first, true), file, "another label than the data does");
        getAgain(first, false);
    }

    @Test
    void get_recomputesACacheOfTheFirstFormat() throws Exception {
        Embeddings first = fill();
        Path file = cacheFile();
        // Format 1 had no keys and no checksum.
        ByteBuffer old = ByteBuffer.allocate(20).putInt(0x47524645).putInt(1).putInt(0).putInt(0);
        Files.write(file, old.array());
        assertRecomputedSaying(
                getAgain(first, true), file, "it has format 1, this version reads 2");
    }
}
