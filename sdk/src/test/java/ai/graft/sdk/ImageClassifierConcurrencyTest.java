package ai.graft.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.testing.TinyOnnx;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageClassifierConcurrencyTest {
    @TempDir Path dir;

    @Test
    void classify_fromEightThreadsAtOnce_matchesSingleThreadedResults() throws Exception {
        float[][] w = new float[10][3];
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
                TinyOnnx.classifier(64, 64, -1, w, b, false, false).write(dir.resolve("m.onnx"));
        int images = 12;
        List<Mat> mats = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            mats.add(ImageClassifierTest.solid((i * 37) % 256, (i * 91) % 256, (i * 53) % 256));
        }
        ImageClassifierOptions options =
                ImageClassifierOptions.builder()
                        .labels(labels)
                        .preprocessing(Preprocessing.imagenet(64, 64))
                        .topK(10)
                        .build();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (ImageClassifier c = ImageClassifier.create(model, options)) {
            List<Classification> reference = new ArrayList<>();
            for (Mat m : mats) {
                reference.add(c.classify(m));
            }
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                futures.add(
                        pool.submit(
                                () -> {
                                    start.await();
                                    return classifyMany(c, mats, reference, thread);
                                }));
            }
            start.countDown();
            int total = 0;
            for (Future<Integer> f : futures) {
                total += f.get(60, TimeUnit.SECONDS);
            }
            assertEquals(400, total);
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
            mats.forEach(Mat::close);
        }
    }

    /**
     * 50 classifications from one thread, every fifth as a batch of two, each checked against the
     * single-threaded reference.
     */
    private static int classifyMany(
            ImageClassifier c, List<Mat> mats, List<Classification> reference, int thread)
            throws ImageException {
        int n = mats.size();
        int checked = 0;
        for (int k = 0; k < 50; k++) {
            int i = (thread * 5 + k) % n;
            Classification r;
            if (k % 5 == 4) {
                List<ImageInput> pair =
                        List.of(ImageInput.of(mats.get(i)), ImageInput.of(mats.get((i + 1) % n)));
                List<Classification> both = c.classifyBatch(pair);
                ImageClassifierTest.assertSameCategories(
                        reference.get((i + 1) % n), both.get(1), 1e-6);
                r = both.get(0);
            } else {
                r = c.classify(mats.get(i));
            }
            ImageClassifierTest.assertSameCategories(reference.get(i), r, 1e-6);
            checked++;
        }
        return checked;
    }
}
