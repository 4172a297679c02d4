package ai.graft.trainer.data;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import ai.graft.sdk.ImageException;
import ai.graft.sdk.Images;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.javacpp.indexer.UByteIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Each image as a small vector of its raw pixels ({@code side x side}, 3 channels, 0 to 1): the
 * input of the baseline a transferred model is compared with, and what the data looks like (how
 * small, how gray).
 *
 * <pre>{@code
 * PixelVectors.Result px = PixelVectors.of(train, 32, 2000, seed, 2);
 * }</pre>
 */
public final class PixelVectors {
    /** Images whose shorter side is under this are called small (ImageNet backbones see 224). */
    public static final int SMALL_SIDE = 64;

    /**
     * The vectors of the images that decoded.
     *
     * @param rows one vector of {@code 3 * side * side} values per image, in sample order
     * @param labels the class of each row
     * @param small how many of the images have a shorter side under {@link #SMALL_SIDE}
     * @param gray how many of the images are gray (their three channels equal)
     * @param skipped how many images did not decode
     */
    public record Result(float[][] rows, int[] labels, int small, int gray, int skipped) {
        /**
         * @return the number of images read
         */
        public int size() {
            return rows.length;
        }
    }

    private PixelVectors() {}

    /**
     * Reads up to {@code limit} images of {@code data} (a seeded random subset when it has more) in
     * {@code threads} threads.
     *
     * @param data the images
     * @param side the vectors' image side in pixels, positive
     * @param limit the most images read, positive
     * @param seed the seed of the subset
     * @param threads the threads, positive
     * @return the vectors; images that do not decode are left out and counted
     */
    public static Result of(ImageDataset data, int side, int limit, long seed, int threads) {
        if (side <= 0 || limit <= 0 || threads <= 0) {
            throw new IllegalArgumentException(
                    "side, limit and threads must be positive, got "
                            + side
                            + ", "
                            + limit
                            + ", "
                            + threads);
        }
        List<Sample> samples = new ArrayList<>(data.samples());
        if (samples.size() > limit) {
            int[] order = new int[samples.size()];
            Arrays.setAll(order, i -> i);
            new Rng(Rng.seed(seed, Rng.SHUFFLE, 0)).shuffle(order);
            int[] kept = Arrays.copyOf(order, limit);
            Arrays.sort(kept);
            List<Sample> subset = new ArrayList<>(limit);
            for (int i : kept) {
                subset.add(samples.get(i));
            }
            samples = subset;
        }
        int n = samples.size();
        float[][] rows = new float[n][];
        int[] traits = new int[n]; // bit 0: decoded, bit 1: small, bit 2: gray
        int chunks = Math.max(1, Math.min(threads, n));
        ExecutorService pool = Executors.newFixedThreadPool(chunks);
        try {
            List<Future<?>> parts = new ArrayList<>();
            for (int c = 0; c < chunks; c++) {
                int from = (int) ((long) n * c / chunks);
                int to = (int) ((long) n * (c + 1) / chunks);
                List<Sample> part = samples;
                parts.add(pool.submit(() -> read(part, from, to, side, rows, traits)));
            }
            for (Future<?> f : parts) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while reading pixels", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Reading pixels failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        List<float[]> kept = new ArrayList<>(n);
        List<Integer> labels = new ArrayList<>(n);
        int small = 0;
        int gray = 0;
        for (int i = 0; i < n; i++) {
            if ((traits[i] & 1) == 0) {
                continue;
            }
            kept.add(rows[i]);
            labels.add(samples.get(i).label());
            small += (traits[i] >> 1) & 1;
            gray += (traits[i] >> 2) & 1;
        }
        return new Result(
                kept.toArray(new float[0][]),
                labels.stream().mapToInt(Integer::intValue).toArray(),
                small,
                gray,
                n - kept.size());
    }

    private static void read(
            List<Sample> samples, int from, int to, int side, float[][] rows, int[] traits) {
        try (Mat small = new Mat()) {
            for (int i = from; i < to; i++) {
                Mat image;
                try {
                    // Reduced-size decoding keeps the shorter side at SMALL_SIDE or more, so an
                    // image under it was that small to begin with.
                    image = samples.get(i).decode(Images.DEFAULT_MAX_PIXELS, SMALL_SIDE);
                } catch (ImageException e) {
                    continue;
                }
                try (image) {
                    boolean isSmall = Math.min(image.cols(), image.rows()) < SMALL_SIDE;
                    resize(image, small, new Size(side, side), 0, 0, INTER_AREA);
                    float[] v = new float[3 * side * side];
                    boolean isGray = true;
                    try (UByteIndexer px = small.createIndexer()) {
                        int plane = side * side;
                        for (int y = 0; y < side; y++) {
                            for (int x = 0; x < side; x++) {
                                int b = px.get(y, x, 0);
                                int g = px.get(y, x, 1);
                                int r = px.get(y, x, 2);
                                isGray &= b == g && g == r;
                                int at = y * side + x;
                                v[at] = b / 255f;
                                v[plane + at] = g / 255f;
                                v[2 * plane + at] = r / 255f;
                            }
                        }
                    }
                    rows[i] = v;
                    traits[i] = 1 | (isSmall ? 2 : 0) | (isGray ? 4 : 0);
                }
            }
        }
    }
}
