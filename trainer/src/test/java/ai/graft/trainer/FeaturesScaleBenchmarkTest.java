package ai.graft.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.FeatureTransform;
import ai.graft.sdk.ImageInput;
import ai.graft.trainer.data.ImageDataset;
import ai.graft.trainer.data.Sample;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code features} path at scale, without the backbone's cost: the embeddings cache written and
 * read back, then the head cross-validated and fitted, for N images of 512-d embeddings (N from
 * {@code -Dgraft.bench.sizes}, default 50,000 and 200,000), printing the resident memory (sampled
 * VmRSS and VmHWM of {@code /proc/self/status}) against N x 512 floats, and the seconds of each
 * step. The embeddings come from a stand-in extractor (ten noisy class centres), so that the
 * figures are those of Graft's own storage and solver. Tagged {@code slow}: {@code mvn -o -pl
 * trainer test -Pslow -Dtest=FeaturesScaleBenchmarkTest}.
 */
@Tag("slow")
class FeaturesScaleBenchmarkTest {
    private static final int DIM = 512;
    private static final int CLASSES = 10;

    @TempDir Path dir;

    /** Ten class centres plus noise, the same for an index every time. */
    private static final class StandIn implements EmbeddingCache.Extractor {
        private final float[][] centres = new float[CLASSES][DIM];
        private final List<Sample> samples;

        StandIn(List<Sample> samples) {
            this.samples = samples;
            Random r = new Random(1);
            for (float[] c : centres) {
                for (int j = 0; j < DIM; j++) {
                    c[j] = (float) Math.max(0, r.nextGaussian());
                }
            }
        }

        @Override
        public float[] embed(ImageInput input) {
            // The sample's index is in its (never read) file name: img-INDEX.png
            String name = input.name();
            int index =
                    Integer.parseInt(name.substring(name.lastIndexOf('-') + 1, name.length() - 4));
            Random r = new Random(index);
            float[] v = new float[DIM];
            float[] c = centres[samples.get(index).label()];
            for (int j = 0; j < DIM; j++) {
                v[j] = (float) Math.max(0, c[j] + 1.5 * r.nextGaussian());
            }
            return v;
        }

        @Override
        public void close() {}
    }

    /** CPU seconds of this process so far (every thread, native ones included). */
    private static double cpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean)
                                java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                        .getProcessCpuTime()
                / 1e9;
    }

    /**
     * One loss-and-gradient evaluation of the softmax head on 48,000 x 512 embeddings and 10
     * classes, as {@link LinearHead} computes it (Java loops on the flat floats, one thread and
     * two), against the two matrix products that are most of it done by PyTorch (DJL, BLAS), in CPU
     * seconds of the process: a loaded machine stretches the wall clock, not the CPU time.
     */
    @Test
    void lossAndGradient_javaLoopsAgainstPyTorchMatmul() {
        int n = Integer.getInteger("graft.bench.rows", 48_000);
        int[] y = new int[n];
        float[] x = new float[n * DIM];
        Random r = new Random(3);
        for (int i = 0; i < n; i++) {
            y[i] = i % CLASSES;
            for (int j = 0; j < DIM; j++) {
                x[i * DIM + j] = (float) Math.max(0, r.nextGaussian());
            }
        }
        float[] mean = new float[DIM];
        float[] std = new float[DIM];
        java.util.Arrays.fill(std, 1f);
        float[] cw = new float[CLASSES];
        java.util.Arrays.fill(cw, 1f);
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        double[] theta = new double[CLASSES * DIM + CLASSES];
        for (int i = 0; i < theta.length; i++) {
            theta[i] = r.nextGaussian() * 0.01;
        }
        double[] g = new double[theta.length];
        int runs = 5;
        {
            try (LinearHead.Problem p =
                    new LinearHead.Problem(
                            x,
                            DIM,
                            y,
                            CLASSES,
                            FeatureTransform.NONE,
                            mean,
                            std,
                            cw,
                            LinearHead.Loss.SOFTMAX)) {
                p.value(theta, all, 1e-3, g); // warm-up: the JIT compiles the loops
                p.value(theta, all, 1e-3, g);
                double c0 = cpuSeconds();
                long t0 = System.nanoTime();
                for (int i = 0; i < runs; i++) {
                    p.value(theta, all, 1e-3, g);
                }
                System.out.printf(
                        Locale.ROOT,
                        "FeaturesScaleBenchmark: loss+gradient as LinearHead computes it, %d x %d,"
                                + " %d classes: %.1f ms CPU, %.1f ms wall per evaluation%n",
                        n,
                        DIM,
                        CLASSES,
                        (cpuSeconds() - c0) * 1000 / runs,
                        (System.nanoTime() - t0) / 1e6 / runs);
            }
        }
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager("PyTorch")) {
            ai.djl.ndarray.NDArray xs = m.create(x, new ai.djl.ndarray.types.Shape(n, DIM));
            float[] w = new float[CLASSES * DIM];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) theta[i];
            }
            double ms = 0;
            double wall = 0;
            for (int i = 0; i < runs + 2; i++) {
                double c0 = cpuSeconds();
                long t0 = System.nanoTime();
                try (ai.djl.ndarray.NDManager sub = m.newSubManager()) {
                    ai.djl.ndarray.NDArray wa =
                            sub.create(w, new ai.djl.ndarray.types.Shape(CLASSES, DIM));
                    ai.djl.ndarray.NDArray z = xs.matMul(wa.transpose());
                    z.attach(sub);
                    float[] zs = z.toFloatArray();
                    ai.djl.ndarray.NDArray res =
                            sub.create(zs, new ai.djl.ndarray.types.Shape(n, CLASSES));
                    ai.djl.ndarray.NDArray grad = res.transpose().matMul(xs);
                    grad.attach(sub);
                    grad.toFloatArray();
                }
                if (i >= 2) {
                    ms += (cpuSeconds() - c0) * 1000;
                    wall += (System.nanoTime() - t0) / 1e6;
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "FeaturesScaleBenchmark: the two matrix products alone on PyTorch (DJL), %d x"
                            + " %d: %.1f ms CPU, %.1f ms wall per evaluation%n",
                    n,
                    DIM,
                    ms / runs,
                    wall / runs);
        }
        assertTrue(Double.isFinite(g[0]), "a gradient was computed");
    }

    private static long[] memoryKb() throws IOException {
        long rss = 0;
        long hwm = 0;
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("\\D", ""));
            } else if (line.startsWith("VmHWM:")) {
                hwm = Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return new long[] {rss, hwm};
    }

    @Test
    void cacheAndHead_atScale_printMemoryAgainstNTimes512Floats() throws Exception {
        if (!Files.isReadable(Path.of("/proc/self/status"))) {
            System.out.println("FeaturesScaleBenchmark: skipped, no /proc/self/status here");
            return;
        }
        String sizes = System.getProperty("graft.bench.sizes", "50000,200000");
        int threads = Runtime.getRuntime().availableProcessors();
        long[] peak = {0};
        Thread sampler =
                new Thread(
                        () -> {
                            while (!Thread.currentThread().isInterrupted()) {
                                try {
                                    long rss = memoryKb()[0];
                                    synchronized (peak) {
                                        peak[0] = Math.max(peak[0], rss);
                                    }
                                    Thread.sleep(100);
                                } catch (InterruptedException e) {
                                    return;
                                } catch (IOException e) {
                                    throw new IllegalStateException(e);
                                }
                            }
                        },
                        "rss-sampler");
        sampler.setDaemon(true);
        sampler.start();
        System.out.printf(
                Locale.ROOT,
                "FeaturesScaleBenchmark: %d threads, max heap %d MB, start RSS %d MB%n",
                threads,
                Runtime.getRuntime().maxMemory() >> 20,
                memoryKb()[0] >> 10);
        for (String s : sizes.split(",")) {
            int n = Integer.parseInt(s.trim());
            List<Sample> samples = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                samples.add(Sample.ofFile(dir.resolve("img-" + i + ".png"), i % CLASSES));
            }
            List<String> classes = new ArrayList<>();
            for (int k = 0; k < CLASSES; k++) {
                classes.add("c" + k);
            }
            ImageDataset data = ImageDataset.of(classes, samples);
            Path cacheDir = dir.resolve("cache-" + n);
            long before = memoryKb()[0];
            long t0 = System.nanoTime();
            try (EmbeddingCache c =
                    new EmbeddingCache(cacheDir, "bench", DIM, () -> new StandIn(samples))) {
                EmbeddingCache.Embeddings e = c.get(data, "train", threads, line -> {});
                assertEquals(n, e.size());
            }
            long t1 = System.nanoTime();
            EmbeddingCache.Embeddings read;
            try (EmbeddingCache c =
                    new EmbeddingCache(
                            cacheDir,
                            "bench",
                            DIM,
                            () -> {
                                throw new IllegalStateException("the cache must be complete");
                            })) {
                read = c.get(data, "train", threads, line -> {});
                assertEquals(n, c.reused());
            }
            long t2 = System.nanoTime();
            List<String> log = new ArrayList<>();
            LinearHead.Result head =
                    LinearHead.fit(
                            read.vectors(),
                            read.size(),
                            read.dimension(),
                            read.labels(),
                            CLASSES,
                            LinearHead.Loss.SOFTMAX,
                            FeatureTransform.SQRT,
                            false,
                            42,
                            log::add);
            long t3 = System.nanoTime();
            long[] after = memoryKb();
            long peakKb;
            synchronized (peak) {
                peakKb = peak[0];
            }
            double floatsMb = (double) n * DIM * Float.BYTES / (1 << 20);
            System.out.printf(
                    Locale.ROOT,
                    "FeaturesScaleBenchmark: N=%d: N x 512 floats %.0f MB; RSS before %d MB,"
                            + " sampled peak %d MB, VmHWM %d MB; cache write %.1f s, cache read"
                            + " %.1f s (%.0f MB file), head %.1f s (L2 %.0e, %d iterations,"
                            + " training accuracy %.4f)%n",
                    n,
                    floatsMb,
                    before >> 10,
                    peakKb >> 10,
                    after[1] >> 10,
                    (t1 - t0) / 1e9,
                    (t2 - t1) / 1e9,
                    Files.size(new EmbeddingCache(cacheDir, "bench", DIM, () -> null).file(data))
                            / (double) (1 << 20),
                    (t3 - t2) / 1e9,
                    head.l2(),
                    head.iterations(),
                    head.trainAccuracy());
            log.forEach(l -> System.out.println("  " + l));
            assertTrue(head.trainAccuracy() > 0.5, "the stand-in classes are learnable");
            read = null;
            System.gc();
        }
        sampler.interrupt();
    }
}
