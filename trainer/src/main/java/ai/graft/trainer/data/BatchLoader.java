package ai.graft.trainer.data;

import ai.graft.sdk.ImageException;
import ai.graft.sdk.Images;
import ai.graft.sdk.Preprocessing;
import ai.graft.sdk.TensorWriter;
import java.nio.FloatBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a dataset into batches of model input: decodes with the SDK's {@link Images}, augments
 * ({@link Augmentation}) and normalises with the SDK's {@link TensorWriter}, in background threads
 * that work a few batches ahead of the consumer (a bounded prefetch), so that the engine does not
 * wait for data.
 *
 * <pre>{@code
 * try (BatchLoader loader = new BatchLoader(splits.train(), Preprocessing.imagenet(224, 224),
 *         Augmentation.standard(), 32, true, 42, 4)) {
 *     for (int epoch = 0; epoch < epochs; epoch++) {
 *         Iterator<Batch> it = loader.epoch(epoch);
 *         while (it.hasNext()) {
 *             Batch b = it.next();
 *             ... // b.data() is [N, C, H, W]
 *         }
 *     }
 *     report(loader.skipped());
 * }
 * }</pre>
 *
 * <p>Reproducible: the order of an epoch depends only on the seed and the epoch number, and each
 * image's augmentation only on (seed, epoch, its index in the dataset), never on which thread
 * computes it or when, so the same seed gives the same batches, also after a restart at a later
 * epoch. With {@link Augmentation#none()} a sample becomes exactly the tensor the SDK's {@link
 * ai.graft.sdk.ImageClassifier} computes for it.
 *
 * <p>Images that do not decode (or are missing, or too large) are left out of their batch, so a
 * batch can be smaller than {@code batchSize}, and listed in {@link #skipped()}; they never stop a
 * run. Any other failure while preparing a sample (a bug, out of memory) surfaces in the consumer
 * as an {@link IllegalStateException} naming the sample.
 *
 * <p>Threads: one consumer. Starting an epoch abandons what the previous epoch's iterator had
 * prepared. {@link #close()} stops the worker threads promptly and frees their native memory.
 */
public final class BatchLoader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BatchLoader.class);
    private static final AtomicInteger LOADERS = new AtomicInteger();

    private final Sample[] samples;
    private final Preprocessing preprocessing;
    private final Augmentation augmentation;
    private final int batchSize;
    private final boolean shuffle;
    private final long seed;
    private final int prefetch;
    private final int floatsPerImage;
    private final int minShortSide;

    private final ExecutorService pool;
    private final ThreadLocal<Worker> workers = new ThreadLocal<>();
    private final Queue<Worker> allWorkers = new ConcurrentLinkedQueue<>();
    private final ConcurrentHashMap<String, Skipped> skipped = new ConcurrentHashMap<>();
    private volatile boolean closed;
    private volatile Consumer<Sample> sampleHook;
    private EpochIterator current;

    /**
     * Creates a loader and its worker threads.
     *
     * @param data the samples to load
     * @param preprocessing the model's preprocessing (size, resize rule, colour order,
     *     normalisation, layout)
     * @param augmentation what to do to each image; {@link Augmentation#none()} for evaluation
     * @param batchSize the images per batch, positive
     * @param shuffle whether each epoch visits the samples in a seeded random order
     * @param seed the seed of the order and the augmentation
     * @param threads the worker threads, positive; 0 = one per available processor
     * @throws IllegalArgumentException when {@code batchSize} or {@code threads} is out of range
     */
    public BatchLoader(
            ImageDataset data,
            Preprocessing preprocessing,
            Augmentation augmentation,
            int batchSize,
            boolean shuffle,
            long seed,
            int threads) {
        Objects.requireNonNull(data, "data");
        this.preprocessing = Objects.requireNonNull(preprocessing, "preprocessing");
        this.augmentation = Objects.requireNonNull(augmentation, "augmentation");
        if (batchSize <= 0) {
            throw new IllegalArgumentException("Batch size must be positive, got " + batchSize);
        }
        if (threads < 0) {
            throw new IllegalArgumentException(
                    "Threads must be positive (or 0 for one per processor), got " + threads);
        }
        int n = threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
        this.samples = data.samples().toArray(new Sample[0]);
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.seed = seed;
        // Enough batches in flight to keep every thread busy and one or more ready.
        this.prefetch = Math.max(2, 2 * n);
        this.floatsPerImage =
                preprocessing.channels() * preprocessing.width() * preprocessing.height();
        this.minShortSide = Augmenter.minShortSide(augmentation, preprocessing);
        int id = LOADERS.incrementAndGet();
        AtomicInteger count = new AtomicInteger();
        ThreadFactory factory =
                r -> {
                    Thread t =
                            new Thread(
                                    r, "graft-batch-loader-" + id + "-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                };
        this.pool = Executors.newFixedThreadPool(n, factory);
    }

    /**
     * Starts one pass over the data. The batches follow the epoch's order ({@code shuffle}: a
     * seeded permutation of (seed, epoch); else the dataset's order), {@code batchSize} samples
     * each, the last one possibly smaller, minus samples that do not decode; a batch whose samples
     * all fail is left out. Batches are prepared in the background as soon as this is called.
     *
     * @param epoch the epoch number, at least 0; it seeds the order and the augmentation
     * @return the batches; {@code next()} blocks until the next batch is ready and throws {@link
     *     IllegalStateException} naming the sample when preparing one failed, or when this loader
     *     was closed
     * @throws IllegalStateException when this loader is closed
     */
    public synchronized Iterator<Batch> epoch(int epoch) {
        checkOpen();
        if (epoch < 0) {
            throw new IllegalArgumentException("Epoch must be at least 0, got " + epoch);
        }
        if (current != null) {
            current.abandon();
        }
        int[] order = new int[samples.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        if (shuffle) {
            new Rng(Rng.seed(seed, Rng.SHUFFLE, epoch)).shuffle(order);
        }
        current = new EpochIterator(order, epoch);
        return current;
    }

    /**
     * The samples left out so far because they could not be decoded, one entry per sample, sorted
     * by id.
     *
     * @return a new list
     */
    public List<Skipped> skipped() {
        List<Skipped> out = new ArrayList<>(skipped.values());
        out.sort((x, y) -> x.id().compareTo(y.id()));
        return out;
    }

    /**
     * The number of batches an epoch has at most ({@code ceil(size / batchSize)}).
     *
     * @return the number of batches
     */
    public int batchesPerEpoch() {
        return (samples.length + batchSize - 1) / batchSize;
    }

    /** Tests: runs before each sample is decoded, on the worker thread. */
    void sampleHook(Consumer<Sample> hook) {
        this.sampleHook = hook;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("BatchLoader is closed");
        }
    }

    /** One pass: keeps up to {@code prefetch} batches submitted ahead of the consumer. */
    private final class EpochIterator implements Iterator<Batch> {
        private final int[] order;
        private final int epoch;
        private final int batches;
        private final ArrayDeque<Future<Batch>> inFlight = new ArrayDeque<>();
        private int nextSubmit;
        private Batch ready;
        private volatile boolean abandoned;

        EpochIterator(int[] order, int epoch) {
            this.order = order;
            this.epoch = epoch;
            this.batches = (order.length + batchSize - 1) / batchSize;
            fill();
        }

        private void fill() {
            while (inFlight.size() < prefetch && nextSubmit < batches && !abandoned && !closed) {
                int k = nextSubmit++;
                try {
                    inFlight.add(pool.submit(() -> build(order, epoch, k, this)));
                } catch (RejectedExecutionException e) {
                    throw new IllegalStateException("BatchLoader is closed", e);
                }
            }
        }

        /**
         * Cancels what was prepared ahead; a finished pass stays finished. Consumer thread only.
         */
        void abandon() {
            if (ready == null && inFlight.isEmpty() && nextSubmit >= batches) {
                return;
            }
            abandoned = true;
            for (Future<Batch> f : inFlight) {
                f.cancel(true);
            }
            inFlight.clear();
        }

        boolean abandoned() {
            return abandoned;
        }

        @Override
        public boolean hasNext() {
            if (closed) {
                throw new IllegalStateException("BatchLoader is closed");
            }
            if (abandoned) {
                throw new IllegalStateException(
                        "Epoch " + epoch + " was abandoned: a later epoch was started");
            }
            while (ready == null && !inFlight.isEmpty()) {
                Future<Batch> f = inFlight.poll();
                Batch b = await(f);
                fill();
                ready = b;
            }
            return ready != null;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException("Epoch " + epoch + " has no more batches");
            }
            Batch b = ready;
            ready = null;
            return b;
        }

        private Batch await(Future<Batch> f) {
            try {
                return f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for a batch", e);
            } catch (CancellationException e) {
                throw new IllegalStateException("BatchLoader is closed", e);
            } catch (ExecutionException e) {
                if (closed) {
                    throw new IllegalStateException("BatchLoader is closed", e.getCause());
                }
                Throwable cause = e.getCause();
                if (cause instanceof SampleFailure s) {
                    throw new IllegalStateException(s.getMessage(), s.getCause());
                }
                if (cause instanceof CancellationException) {
                    throw new IllegalStateException("BatchLoader is closed", cause);
                }
                throw new IllegalStateException("Preparing a batch failed: " + cause, cause);
            }
        }
    }

    /** A failure other than an undecodable image, naming the sample. */
    private static final class SampleFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SampleFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** What one worker thread owns: native scratch memory for preprocessing and augmentation. */
    private final class Worker implements AutoCloseable {
        final TensorWriter normaliser;
        final Augmenter augmenter;

        Worker() {
            if (augmentation.isNone()) {
                // Exactly the SDK's evaluation path.
                normaliser = preprocessing.newWriter();
                augmenter = null;
            } else {
                // The augmenter already produced the input size: normalise without resizing.
                normaliser =
                        preprocessing.toBuilder()
                                .resize(Preprocessing.Resize.STRETCH)
                                .build()
                                .newWriter();
                augmenter = new Augmenter(augmentation, preprocessing);
            }
        }

        @Override
        public void close() {
            normaliser.close();
            if (augmenter != null) {
                augmenter.close();
            }
        }
    }

    private Worker worker() {
        Worker w = workers.get();
        if (w == null) {
            w = new Worker();
            workers.set(w);
            allWorkers.add(w);
        }
        return w;
    }

    /** Builds batch {@code k} of an epoch; null when none of its samples decodes. */
    private Batch build(int[] order, int epoch, int k, EpochIterator owner) {
        Worker w = worker();
        int from = k * batchSize;
        int to = Math.min(order.length, from + batchSize);
        float[] data = new float[(to - from) * floatsPerImage];
        FloatBuffer buffer = FloatBuffer.wrap(data);
        int[] labels = new int[to - from];
        List<String> ids = new ArrayList<>(to - from);
        int count = 0;
        for (int i = from; i < to; i++) {
            if (closed || owner.abandoned() || Thread.currentThread().isInterrupted()) {
                throw new CancellationException();
            }
            int index = order[i];
            Sample s = samples[index];
            if (skipped.containsKey(s.id())) {
                continue; // it failed before and would fail again: same batches either way
            }
            Mat image;
            try {
                Consumer<Sample> hook = sampleHook;
                if (hook != null) {
                    hook.accept(s);
                }
                image = s.decode(Images.DEFAULT_MAX_PIXELS, minShortSide);
            } catch (ImageException e) {
                skipped.putIfAbsent(s.id(), new Skipped(s.id(), e.getMessage()));
                continue;
            } catch (RuntimeException e) {
                throw failure("Cannot load sample ", s, e, owner);
            }
            try (image) {
                if (w.augmenter == null) {
                    w.normaliser.write(image, buffer);
                } else {
                    Mat augmented =
                            w.augmenter.augment(image, Rng.seed(seed, Rng.AUGMENT, epoch, index));
                    w.normaliser.write(augmented, buffer);
                }
            } catch (RuntimeException e) {
                throw failure("Cannot prepare sample ", s, e, owner);
            }
            labels[count] = s.label();
            ids.add(s.id());
            count++;
        }
        if (count == 0) {
            return null;
        }
        if (count < to - from) {
            data = Arrays.copyOf(data, count * floatsPerImage);
            labels = Arrays.copyOf(labels, count);
        }
        long c = preprocessing.channels();
        long h = preprocessing.height();
        long wd = preprocessing.width();
        long[] shape =
                preprocessing.layout() == Preprocessing.Layout.NHWC
                        ? new long[] {count, h, wd, c}
                        : new long[] {count, c, h, wd};
        return new Batch(data, shape, labels, List.copyOf(ids));
    }

    private RuntimeException failure(
            String what, Sample s, RuntimeException e, EpochIterator owner) {
        if (closed || owner.abandoned()) {
            return new CancellationException(); // interrupted by close(): not the sample's fault
        }
        return new SampleFailure(what + s.id() + ": " + e, e);
    }

    /**
     * Stops the worker threads (each finishes at most the image it is on) and frees their native
     * memory. Idempotent; afterwards {@link #epoch} and the iterators throw {@link
     * IllegalStateException}.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Batches not started yet never will be: cancel them so that a consumer waiting on one
        // wakes up; running ones see the flag (and the interrupt) before their next image.
        for (Runnable r : pool.shutdownNow()) {
            if (r instanceof Future<?> f) {
                f.cancel(false);
            }
        }
        boolean stopped;
        try {
            stopped = pool.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = false;
        }
        if (!stopped) {
            // A worker is stuck in native code: freeing its Mats under it could crash the JVM.
            LOG.warn("BatchLoader worker threads did not stop; leaving their native memory");
            return;
        }
        for (Worker w : allWorkers) {
            try {
                w.close();
            } catch (RuntimeException e) {
                LOG.warn("Closing a BatchLoader worker failed", e);
            }
        }
        allWorkers.clear();
    }
}
