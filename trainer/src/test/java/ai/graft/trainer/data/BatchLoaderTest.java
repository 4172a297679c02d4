package ai.graft.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ImageClassifierOptions;
import ai.graft.sdk.Images;
import ai.graft.sdk.Preprocessing;
import ai.graft.sdk.TensorWriter;
import ai.graft.sdk.testing.TinyOnnx;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchLoaderTest {
    @TempDir Path dir;

    private static List<Batch> all(BatchLoader loader, int epoch) {
        List<Batch> out = new ArrayList<>();
        Iterator<Batch> it = loader.epoch(epoch);
        while (it.hasNext()) {
            out.add(it.next());
        }
        assertFalse(it.hasNext());
        return out;
    }

    /** A model whose second output is its input: embed(image, "pixels") is the SDK's tensor. */
    private Path identityModel(int channels, int size) {
        float[][] weights = new float[2][channels];
        weights[0][0] = 1;
        TinyOnnx m = TinyOnnx.classifier(size, size, -1, weights, new float[2], false, false);
        m.node("Identity", List.of("input"), List.of("pixels"), Map.of());
        m.output(
                "pixels",
                TinyOnnx.FLOAT,
                TinyOnnx.dim(-1, "N"),
                TinyOnnx.dim(channels, null),
                TinyOnnx.dim(size, null),
                TinyOnnx.dim(size, null));
        return m.write(dir.resolve("identity-" + channels + ".onnx"));
    }

    private static void assertSdkParity(
            Path model, Preprocessing p, ImageDataset data, int batchSize) throws Exception {
        ImageClassifierOptions options =
                ImageClassifierOptions.builder().preprocessing(p).labels(List.of("a", "b")).build();
        int floats = p.channels() * p.width() * p.height();
        try (ImageClassifier sdk = ImageClassifier.create(model, options);
                BatchLoader loader =
                        new BatchLoader(data, p, Augmentation.none(), batchSize, false, 1, 2)) {
            int seen = 0;
            for (Batch b : all(loader, 0)) {
                for (int i = 0; i < b.size(); i++) {
                    Sample s = data.samples().get(seen);
                    assertEquals(s.id(), b.ids().get(i));
                    assertEquals(s.label(), b.labels()[i]);
                    float[] expected = sdk.embed(s.input(), "pixels");
                    float[] actual = Arrays.copyOfRange(b.data(), i * floats, (i + 1) * floats);
                    assertArrayEquals(
                            expected, actual, "sample " + s.id() + " differs from the SDK");
                    seen++;
                }
            }
            assertEquals(data.size(), seen);
            assertEquals(List.of(), loader.skipped());
        }
    }

    @Test
    void none_equalsTheSdkPreprocessingBitForBit() throws Exception {
        List<Sample> samples = new ArrayList<>();
        // A large JPEG (decoded at reduced size), a landscape PNG, a portrait BMP, a tiny one.
        samples.add(
                Sample.ofFile(
                        TestImages.write(dir.resolve("big.jpg"), 1200, 900, 1), 0, "big.jpg"));
        samples.add(
                Sample.ofFile(
                        TestImages.write(dir.resolve("wide.png"), 300, 200, 2), 1, "wide.png"));
        samples.add(
                Sample.ofFile(
                        TestImages.write(dir.resolve("tall.bmp"), 100, 180, 3), 0, "tall.bmp"));
        samples.add(
                Sample.ofFile(TestImages.write(dir.resolve("tiny.png"), 9, 7, 4), 1, "tiny.png"));
        byte[] gray = new byte[28 * 28];
        for (int i = 0; i < gray.length; i++) {
            gray[i] = (byte) (i * 5);
        }
        samples.add(Sample.ofPixels(gray, 28, 28, 1, "idx:0"));
        ImageDataset data = ImageDataset.of(List.of("a", "b"), samples);
        Path rgb = identityModel(3, 224);

        assertSdkParity(rgb, Preprocessing.caffe(224, 224), data, 2);
        assertSdkParity(rgb, Preprocessing.imagenet(224, 224), data, 3);
        assertSdkParity(
                rgb,
                Preprocessing.imagenet(224, 224).toBuilder()
                        .resize(Preprocessing.Resize.LETTERBOX)
                        .build(),
                data,
                5);
        Preprocessing grayPre =
                Preprocessing.builder()
                        .size(28, 28)
                        .colorOrder(Preprocessing.ColorOrder.GRAY)
                        .resize(Preprocessing.Resize.STRETCH)
                        .scale(1 / 255f)
                        .build();
        assertSdkParity(identityModel(1, 28), grayPre, data, 4);
    }

    @Test
    void none_nhwcEqualsTheSdkWriter() throws Exception {
        Path f = TestImages.write(dir.resolve("a.png"), 80, 60, 5);
        ImageDataset data = ImageDataset.of(List.of("a"), List.of(Sample.ofFile(f, 0, "a.png")));
        Preprocessing p =
                Preprocessing.imagenet(32, 32).toBuilder()
                        .layout(Preprocessing.Layout.NHWC)
                        .build();
        float[] expected = new float[32 * 32 * 3];
        try (Mat m = Images.decode(f, 1_000_000, 0);
                TensorWriter writer = p.newWriter()) {
            writer.write(m, FloatBuffer.wrap(expected));
        }
        try (BatchLoader loader = new BatchLoader(data, p, Augmentation.none(), 4, false, 1, 1)) {
            Batch b = all(loader, 0).get(0);
            assertArrayEquals(new long[] {1, 32, 32, 3}, b.shape());
            assertArrayEquals(expected, b.data());
        }
    }

    private ImageDataset folderDataset(int perClass) throws Exception {
        for (int i = 0; i < perClass; i++) {
            TestImages.write(dir.resolve("set/cat/c" + i + ".png"), 40 + i * 3, 30 + i, i);
            TestImages.write(dir.resolve("set/dog/d" + i + ".jpg"), 35 + i, 50 - i, 100 + i);
        }
        return Datasets.classFolders(dir.resolve("set"));
    }

    @Test
    void sameSeed_sameBatchesWhateverTheThreads() throws Exception {
        ImageDataset data = folderDataset(10);
        Preprocessing p = Preprocessing.imagenet(32, 32);
        Augmentation aug = Augmentation.standard();
        try (BatchLoader one = new BatchLoader(data, p, aug, 6, true, 7, 1);
                BatchLoader three = new BatchLoader(data, p, aug, 6, true, 7, 3);
                BatchLoader otherSeed = new BatchLoader(data, p, aug, 6, true, 8, 2)) {
            List<Batch> a0 = all(one, 0);
            List<Batch> a1 = all(one, 1);
            List<Batch> b1 = all(three, 1);
            List<Batch> b0 = all(three, 0);
            assertEquals(4, a0.size());
            assertEquals(2, a0.get(3).size(), "last batch smaller");
            assertSameBatches(a0, b0);
            assertSameBatches(a1, b1);
            assertNotEquals(ids(a0), ids(a1), "each epoch has its own order");
            assertSameBatches(a0, all(one, 0)); // a restart at epoch 0 gives epoch 0 again
            List<Batch> c0 = all(otherSeed, 0);
            assertNotEquals(ids(a0), ids(c0));
            assertEquals(Set.copyOf(ids(a0)), Set.copyOf(ids(c0)), "every sample once");
        }
        try (BatchLoader ordered = new BatchLoader(data, p, aug, 6, false, 7, 2)) {
            List<String> expected = data.samples().stream().map(Sample::id).toList();
            assertEquals(expected, ids(all(ordered, 0)));
            assertEquals(expected, ids(all(ordered, 3)));
        }
    }

    private static List<String> ids(List<Batch> batches) {
        List<String> out = new ArrayList<>();
        for (Batch b : batches) {
            out.addAll(b.ids());
        }
        return out;
    }

    private static void assertSameBatches(List<Batch> x, List<Batch> y) {
        assertEquals(x.size(), y.size());
        for (int i = 0; i < x.size(); i++) {
            assertEquals(x.get(i).ids(), y.get(i).ids());
            assertArrayEquals(x.get(i).labels(), y.get(i).labels());
            assertArrayEquals(x.get(i).shape(), y.get(i).shape());
            assertArrayEquals(x.get(i).data(), y.get(i).data(), "batch " + i);
        }
    }

    @Test
    void augmented_batchesHaveTheModelsShapeAndRange() throws Exception {
        ImageDataset data = folderDataset(4);
        Preprocessing p = Preprocessing.imagenet(24, 20);
        float[] mean = p.mean();
        float[] std = p.std();
        try (BatchLoader loader =
                new BatchLoader(data, p, Augmentation.standard(), 5, true, 1, 2)) {
            int n = 0;
            for (Batch b : all(loader, 0)) {
                assertArrayEquals(new long[] {b.size(), 3, 20, 24}, b.shape());
                assertEquals(b.size() * 3 * 20 * 24, b.data().length);
                int plane = 20 * 24;
                for (int i = 0; i < b.data().length; i++) {
                    int c = (i / plane) % 3;
                    float lo = (0 - mean[c]) / std[c];
                    float hi = (1 - mean[c]) / std[c];
                    float v = b.data()[i];
                    assertTrue(v >= lo - 1e-5 && v <= hi + 1e-5, "value " + v + " out of range");
                }
                n += b.size();
            }
            assertEquals(8, n);
        }
        Preprocessing nhwc = p.toBuilder().layout(Preprocessing.Layout.NHWC).build();
        try (BatchLoader loader =
                new BatchLoader(data, nhwc, Augmentation.standard(), 8, true, 1, 1)) {
            assertArrayEquals(new long[] {8, 20, 24, 3}, all(loader, 0).get(0).shape());
        }
    }

    @Test
    void grayIdxSamples_workWithThreeChannelPresets() {
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            byte[] px = new byte[28 * 28];
            for (int k = 0; k < px.length; k++) {
                px[k] = (byte) ((k * (i + 1)) % 251);
            }
            samples.add(Sample.ofPixels(px, 28, 28, i % 2, "idx:" + i));
        }
        ImageDataset data = ImageDataset.of(List.of("0", "1"), samples);
        Preprocessing p = Preprocessing.imagenet(32, 32);
        try (BatchLoader loader =
                new BatchLoader(data, p, Augmentation.standard(), 6, true, 3, 2)) {
            Batch b = all(loader, 0).get(0);
            assertArrayEquals(new long[] {6, 3, 32, 32}, b.shape());
            // Gray stays gray through flips, rotation and colour jitter: R = G = B per pixel.
            int plane = 32 * 32;
            for (int img = 0; img < 6; img++) {
                for (int k = 0; k < plane; k++) {
                    float[] rgb = new float[3];
                    for (int c = 0; c < 3; c++) {
                        rgb[c] = b.data()[(img * 3 + c) * plane + k] * p.std()[c] + p.mean()[c];
                    }
                    assertEquals(rgb[0], rgb[1], 1.5f / 255);
                    assertEquals(rgb[0], rgb[2], 1.5f / 255);
                }
            }
        }
    }

    @Test
    void undecodableFiles_areSkippedWithTheReasonAndNeverStopTheRun() throws Exception {
        ImageDataset good = folderDataset(3);
        Files.write(dir.resolve("set/cat/corrupt.jpg"), "this is not a JPEG".getBytes());
        byte[] png = Files.readAllBytes(dir.resolve("set/cat/c0.png"));
        Files.write(dir.resolve("set/dog/truncated.png"), Arrays.copyOf(png, png.length / 2));
        ImageDataset data = Datasets.classFolders(dir.resolve("set"));
        assertEquals(good.size() + 2, data.size());

        try (BatchLoader loader =
                new BatchLoader(
                        data,
                        Preprocessing.imagenet(16, 16),
                        Augmentation.standard(),
                        2,
                        true,
                        5,
                        2)) {
            for (int epoch = 0; epoch < 2; epoch++) {
                List<Batch> batches = all(loader, epoch);
                List<String> ids = ids(batches);
                assertEquals(good.size(), ids.size());
                assertFalse(ids.contains("cat/corrupt.jpg"));
                assertFalse(ids.contains("dog/truncated.png"));
                for (Batch b : batches) {
                    assertTrue(b.size() > 0);
                    assertEquals(b.size() * 3 * 16 * 16, b.data().length);
                }
                List<Skipped> skipped = loader.skipped();
                assertEquals(2, skipped.size(), skipped.toString());
                assertEquals("cat/corrupt.jpg", skipped.get(0).id());
                assertTrue(
                        skipped.get(0).reason().contains("corrupt.jpg"), skipped.get(0).reason());
                assertTrue(
                        skipped.get(0).reason().contains("not an image"), skipped.get(0).reason());
                assertEquals("dog/truncated.png", skipped.get(1).id());
                assertTrue(
                        skipped.get(1).reason().contains("truncated.png"), skipped.get(1).reason());
            }
        }
    }

    @Test
    void workerFailure_surfacesInTheConsumerNamingTheSample() throws Exception {
        ImageDataset data = folderDataset(4);
        try (BatchLoader loader =
                new BatchLoader(
                        data,
                        Preprocessing.imagenet(16, 16),
                        Augmentation.none(),
                        3,
                        false,
                        1,
                        2)) {
            loader.sampleHook(
                    s -> {
                        if (s.id().equals("dog/d1.jpg")) {
                            throw new IllegalStateException("boom");
                        }
                    });
            Iterator<Batch> it = loader.epoch(0);
            assertEquals(3, it.next().size()); // cat/c0..c2
            IllegalStateException e =
                    assertThrows(
                            IllegalStateException.class,
                            () -> {
                                while (it.hasNext()) {
                                    it.next();
                                }
                            });
            assertTrue(e.getMessage().contains("dog/d1.jpg"), e.getMessage());
            assertEquals("boom", e.getCause().getMessage());
            assertEquals(List.of(), loader.skipped(), "a failure is not a skipped image");
        }
    }

    @Test
    void prefetch_isBoundedAheadOfTheConsumer() throws Exception {
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            samples.add(Sample.ofPixels(new byte[64], 8, 8, i % 2, "idx:" + i));
        }
        ImageDataset data = ImageDataset.of(List.of("0", "1"), samples);
        AtomicInteger decoded = new AtomicInteger();
        try (BatchLoader loader =
                new BatchLoader(
                        data, Preprocessing.raw(8, 8), Augmentation.none(), 4, true, 1, 1)) {
            loader.sampleHook(s -> decoded.incrementAndGet());
            Iterator<Batch> it = loader.epoch(0);
            Thread.sleep(500);
            // One thread: prefetch is 2 batches of 4.
            assertTrue(decoded.get() <= 8, "decoded " + decoded.get() + " ahead of the consumer");
            assertTrue(decoded.get() >= 4, "nothing prepared in the background");
            int n = 0;
            while (it.hasNext()) {
                n += it.next().size();
            }
            assertEquals(100, n);
            assertEquals(100, decoded.get());
        }
    }

    @Test
    void close_stopsTheThreadsPromptlyAndWakesAWaitingConsumer() throws Exception {
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            samples.add(Sample.ofPixels(new byte[64], 8, 8, i % 2, "idx:" + i));
        }
        ImageDataset data = ImageDataset.of(List.of("0", "1"), samples);
        Set<Thread> workers = ConcurrentHashMap.newKeySet();
        BatchLoader loader =
                new BatchLoader(
                        data, Preprocessing.raw(8, 8), Augmentation.standard(), 8, true, 1, 2);
        loader.sampleHook(
                s -> {
                    workers.add(Thread.currentThread());
                    try {
                        Thread.sleep(20); // slow images
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted", e);
                    }
                });
        Iterator<Batch> it = loader.epoch(0);
        assertEquals(8, it.next().size());
        CountDownLatch waiting = new CountDownLatch(1);
        AtomicReference<Throwable> consumerError = new AtomicReference<>();
        Thread consumer =
                new Thread(
                        () -> {
                            waiting.countDown();
                            try {
                                while (it.hasNext()) {
                                    it.next();
                                }
                            } catch (Throwable t) {
                                consumerError.set(t);
                            }
                        });
        consumer.start();
        waiting.await();
        Thread.sleep(50);
        long t0 = System.nanoTime();
        loader.close();
        long closeMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(closeMs < 2000, "close took " + closeMs + " ms");
        assertFalse(workers.isEmpty());
        for (Thread t : workers) {
            t.join(500); // the pool has terminated; the thread itself ends just after
            assertFalse(t.isAlive(), t.getName() + " still runs");
        }
        consumer.join(TimeUnit.SECONDS.toMillis(5));
        assertFalse(consumer.isAlive(), "consumer still waits");
        assertTrue(
                consumerError.get() instanceof IllegalStateException,
                String.valueOf(consumerError.get()));
        assertTrue(
                consumerError.get().getMessage().contains("closed"),
                consumerError.get().getMessage());
        assertThrows(IllegalStateException.class, () -> loader.epoch(1));
        loader.close(); // idempotent
    }

    @Test
    void newEpoch_abandonsThePreviousOne() throws Exception {
        ImageDataset data = folderDataset(4);
        try (BatchLoader loader =
                new BatchLoader(
                        data, Preprocessing.imagenet(16, 16), Augmentation.none(), 2, true, 1, 1)) {
            Iterator<Batch> first = loader.epoch(0);
            first.next();
            Iterator<Batch> second = loader.epoch(1);
            assertThrows(IllegalStateException.class, first::hasNext);
            assertEquals(8, ids(drain(second)).size());
            Iterator<Batch> third = loader.epoch(2);
            assertFalse(second.hasNext(), "a finished epoch stays finished");
            assertSame(Batch.class, third.next().getClass());
        }
    }

    private static List<Batch> drain(Iterator<Batch> it) {
        List<Batch> out = new ArrayList<>();
        while (it.hasNext()) {
            out.add(it.next());
        }
        return out;
    }

    @Test
    void epochs_closeEveryNativeImageTheyMake() throws Exception {
        ImageDataset data = folderDataset(6);
        // The first use of OpenCV and JavaCPP makes a few objects that live as long as the JVM.
        try (BatchLoader warmUp =
                new BatchLoader(
                        data,
                        Preprocessing.imagenet(32, 32),
                        Augmentation.standard(),
                        4,
                        true,
                        1,
                        2)) {
            all(warmUp, 0);
        }
        long before = Pointer.totalCount();
        BatchLoader loader =
                new BatchLoader(
                        data,
                        Preprocessing.imagenet(32, 32),
                        Augmentation.standard(),
                        4,
                        true,
                        1,
                        2);
        all(loader, 0);
        long afterOne = Pointer.totalCount();
        for (int epoch = 1; epoch < 6; epoch++) {
            all(loader, epoch);
        }
        // Each image makes several native Mats; an unclosed one would add ~60 per epoch here.
        assertTrue(
                Pointer.totalCount() <= afterOne,
                "native pointers grew from " + afterOne + " to " + Pointer.totalCount());
        loader.close();
        assertTrue(
                Pointer.totalCount() <= before,
                "close left " + (Pointer.totalCount() - before) + " native pointers");
    }

    @Test
    void constructor_refusesBadArguments() {
        ImageDataset data = ImageDataset.of(List.of("a"), List.of());
        Preprocessing p = Preprocessing.raw(8, 8);
        assertThrows(
                IllegalArgumentException.class,
                () -> new BatchLoader(data, p, Augmentation.none(), 0, true, 1, 1));
        assertThrows(
                IllegalArgumentException.class,
                () -> new BatchLoader(data, p, Augmentation.none(), 1, true, 1, -1));
        try (BatchLoader empty = new BatchLoader(data, p, Augmentation.none(), 4, true, 1, 1)) {
            assertFalse(empty.epoch(0).hasNext());
            assertThrows(IllegalArgumentException.class, () -> empty.epoch(-1));
        }
    }
}
