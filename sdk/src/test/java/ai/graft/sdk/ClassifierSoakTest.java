package ai.graft.sdk;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_WEBP_QUALITY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.testing.ProcessMemory;
import ai.graft.sdk.testing.TinyOnnx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Soak: one classifier shared by 8 threads classifies 20,000 mixed inputs (JPEG, PNG and WebP
 * images from memory and from files; truncated, corrupt, empty, random and missing ones). Every
 * answer must be bit-identical to a single-threaded run on the same input, every bad input refused
 * with the same message, and resident memory (heap and native) must stay flat: over the second half
 * of the run it may not rise more than {@value #MAX_GROWTH_MB} MB above where it was at the
 * half-way point, measured after a garbage collection at the end of each round of {@value
 * #SAMPLE_EVERY}. A leaked decoded image (57 KB) or input tensor (12 KB) per classification would
 * add 570 MB or 120 MB over that half; a run without leaks stays within a few MB.
 */
@Tag("slow")
class ClassifierSoakTest {
    static final int THREADS = 8;
    static final int CLASSIFICATIONS = 20_000;

    /** Samples of resident memory, one every this many classifications. */
    static final int SAMPLE_EVERY = 1000;

    /** Most resident memory may rise over the second half of the run, in MB. */
    static final int MAX_GROWTH_MB = 48;

    @TempDir Path dir;

    /** One input and what the single-threaded run made of it. */
    record Input(String name, byte[] bytes, Path file) {}

    @Test
    void classify_eightThreadsOnMixedInputs_matchSingleThreadedRunAndKeepMemoryFlat()
            throws Exception {
        Assumptions.assumeTrue(ProcessMemory.available(), "needs /proc/self/status (Linux)");
        float[][] w = new float[10][];
        float[] b = new float[10];
        for (int c = 0; c < 10; c++) {
            w[c] = new float[] {(c % 3) - 1f, ((c * 7) % 5) / 2f - 1f, (c % 4) / 1.5f - 1f};
            b[c] = c * 0.05f;
        }
        List<String> labels = new ArrayList<>();
        for (int c = 0; c < 10; c++) {
            labels.add("class" + c);
        }
        Path model =
                TinyOnnx.classifier(32, 32, -1, w, b, true, false).write(dir.resolve("m.onnx"));
        List<Input> inputs = inputs();
        try (ImageClassifier classifier =
                ImageClassifier.create(
                        model,
                        ImageClassifierOptions.builder()
                                .labels(labels)
                                .preprocessing(Preprocessing.imagenet(32, 32))
                                .topK(10)
                                .build())) {
            // The single-threaded answers: the scores' bits, or the refusal.
            String[] expected = new String[inputs.size()];
            int bad = 0;
            for (int i = 0; i < inputs.size(); i++) {
                expected[i] = answer(classifier, inputs.get(i));
                bad += expected[i].startsWith("refused") ? 1 : 0;
            }
            assertTrue(bad >= 8 && bad <= inputs.size() / 2, bad + " bad of " + inputs.size());

            // Rounds of SAMPLE_EVERY classifications, all threads at once; after each, a
            // collection (so that the heap's garbage is not counted) and a sample of the
            // resident memory.
            int rounds = CLASSIFICATIONS / SAMPLE_EVERY;
            long[] resident = new long[rounds + 1];
            System.gc();
            resident[0] = ProcessMemory.residentBytes();
            AtomicInteger done = new AtomicInteger();
            AtomicInteger refused = new AtomicInteger();
            List<String> mismatches = java.util.Collections.synchronizedList(new ArrayList<>());
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                for (int round = 1; round <= rounds; round++) {
                    List<Future<?>> futures = new ArrayList<>();
                    for (int t = 0; t < THREADS; t++) {
                        Random r = new Random(round * 1000L + t);
                        futures.add(
                                pool.submit(
                                        () -> {
                                            for (int k = 0; k < SAMPLE_EVERY / THREADS; k++) {
                                                int i = r.nextInt(inputs.size());
                                                String got = answer(classifier, inputs.get(i));
                                                if (!got.equals(expected[i])) {
                                                    mismatches.add(
                                                            inputs.get(i).name()
                                                                    + ": "
                                                                    + got
                                                                    + " instead of "
                                                                    + expected[i]);
                                                }
                                                if (got.startsWith("refused")) {
                                                    refused.incrementAndGet();
                                                }
                                                done.incrementAndGet();
                                            }
                                            return null;
                                        }));
                    }
                    for (Future<?> f : futures) {
                        f.get();
                    }
                    System.gc();
                    resident[round] = ProcessMemory.residentBytes();
                }
            } finally {
                pool.shutdownNow();
                assertTrue(pool.awaitTermination(1, TimeUnit.MINUTES));
            }
            assertEquals(CLASSIFICATIONS, done.get());
            assertEquals(
                    List.of(),
                    mismatches.subList(0, Math.min(5, mismatches.size())),
                    mismatches.size() + " answers differ from the single-threaded run");
            assertTrue(refused.get() > CLASSIFICATIONS / 20, "refused " + refused.get());
            int half = resident.length / 2;
            long peak = Arrays.stream(resident, half, resident.length).max().orElseThrow();
            long growth = peak - resident[half];
            assertTrue(
                    growth < (long) MAX_GROWTH_MB << 20,
                    "resident memory rose "
                            + growth / 1_000_000
                            + " MB over the second half; samples (MB): "
                            + Arrays.toString(
                                    Arrays.stream(resident).map(v -> v / 1_000_000).toArray()));
        }
    }

    /** The scores' exact bits in order, or "refused: " and the message. */
    static String answer(ImageClassifier classifier, Input in) {
        try {
            Classification c =
                    in.file() != null
                            ? classifier.classify(in.file())
                            : classifier.classify(in.bytes(), in.name());
            StringBuilder sb = new StringBuilder();
            for (Category cat : c.top()) {
                sb.append(cat.index())
                        .append('=')
                        .append(Integer.toHexString(Float.floatToRawIntBits(cat.score())))
                        .append(' ');
            }
            return sb.toString();
        } catch (ImageException e) {
            return "refused: " + e.getMessage();
        }
    }

    /** A colour gradient with noise, different for each draw of {@code r}. */
    static void paint(Mat img, Random r) {
        int[] base = {r.nextInt(256), r.nextInt(256), r.nextInt(256)};
        try (UByteIndexer idx = img.createIndexer()) {
            for (int y = 0; y < img.rows(); y++) {
                for (int x = 0; x < img.cols(); x++) {
                    for (int c = 0; c < 3; c++) {
                        idx.put(y, x, c, (base[c] + x * (c + 1) + y + r.nextInt(16)) & 0xFF);
                    }
                }
            }
        }
    }

    /** 52 inputs: 36 images in three formats, from memory and from files; 16 bad ones. */
    List<Input> inputs() throws Exception {
        List<Input> out = new ArrayList<>();
        Random r = new Random(11);
        String[] exts = {".jpg", ".png", ".webp"};
        for (int i = 0; i < 36; i++) {
            String ext = exts[i % 3];
            byte[] bytes;
            try (Mat img = new Mat(120, 160, opencv_core.CV_8UC3)) {
                paint(img, r);
                bytes =
                        ext.equals(".webp")
                                ? ImageFuzzTest.encode(ext, img, IMWRITE_WEBP_QUALITY, 90)
                                : ImageFuzzTest.encode(ext, img);
            }
            String name = "image" + i + ext;
            if (i % 4 == 0) {
                Path file = Files.write(dir.resolve(name), bytes);
                out.add(new Input(name, null, file));
            } else {
                out.add(new Input(name, bytes, null));
            }
            if (i % 3 == 0) {
                // Its truncated copy: refused, never a partial picture.
                out.add(new Input("cut-" + name, Arrays.copyOf(bytes, bytes.length * 2 / 3), null));
            }
        }
        byte[] noise = new byte[2000];
        r.nextBytes(noise);
        noise[0] = 0x13;
        out.add(new Input("noise.bin", noise, null));
        out.add(new Input("empty.jpg", new byte[0], null));
        out.add(new Input("missing.jpg", null, dir.resolve("missing.jpg")));
        out.add(new Input("folder.jpg", null, Files.createDirectories(dir.resolve("folder.jpg"))));
        return out;
    }
}
