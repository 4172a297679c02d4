package ai.graft.sdk;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Classifies the frames of a video file, a webcam, a network stream or a folder of images (a {@link
 * FrameSource}) with an {@link ImageClassifier}.
 *
 * <pre>{@code
 * VideoClassifierOptions options = VideoClassifierOptions.builder().everyNFrames(5).build();
 * try (VideoClassifier video = VideoClassifier.create(Path.of("model.onnx"), options);
 *         FrameSource source = FrameSource.open("clip.mp4")) {
 *     StreamSummary summary = video.run(source, r ->
 *             System.out.println(r.timestampMs() + " ms: " + r.classification().best().label()));
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> The listener is always called on the thread that called {@link #run}. In
 * {@link RunningMode#VIDEO} that thread grabs and classifies each frame, in order, using the
 * grabber's frame without a copy; with {@link VideoClassifierOptions#concurrency()} above 1 it
 * grabs and copies frames while worker threads classify them, and still reports in frame order. In
 * {@link RunningMode#LIVE} a reader thread grabs frames and copies the newest into a one-frame
 * slot; the calling thread classifies whatever is in the slot, and a frame replaced before it was
 * taken is dropped and counted. Either way {@link #run} returns when the source ends, {@code
 * maxFrames} is reached, or {@link #stop()} is called from another thread. One run at a time per
 * video classifier.
 *
 * <p>A camera or stream that fails or ends is reopened with a doubling back-off, reported to {@link
 * Listener#onReconnect}; a file that ends stops the run. An image of a folder that cannot be
 * decoded ({@link Listener#onSkipped}) and a frame that cannot be classified ({@link
 * Listener#onFrameError}) are skipped, counted in {@link StreamSummary#framesSkipped()}, and the
 * run goes on. Close the video classifier to release the image classifier it loaded (one passed to
 * {@link #create(ImageClassifier, VideoClassifierOptions)} stays open).
 */
public final class VideoClassifier implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VideoClassifier.class);
    private static final long MAX_RECONNECT_DELAY_MS = 30_000;

    /** Receives results; called on the thread that called {@link #run}. */
    @FunctionalInterface
    public interface Listener {
        /**
         * A frame was classified.
         *
         * @param result the frame's classification, index, time and latency
         */
        void onResult(FrameClassification result);

        /**
         * A frame was classified, with its pixels, for drawing or display. The frame is the whole
         * frame (not the region of interest) as the source delivers it (8-bit BGR from video files,
         * streams and folders); it is borrowed for this call only and may be drawn on. The default
         * calls {@link #onResult(FrameClassification)}.
         *
         * @param result the frame's classification, index, time and latency
         * @param frame the frame's pixels, valid until this method returns
         */
        default void onResult(FrameClassification result, Mat frame) {
            onResult(result);
        }

        /**
         * A camera or stream failed or ended and is about to be reopened after {@code delayMs}.
         *
         * @param source the source's spec
         * @param attempt 1 for the first attempt after a failure
         * @param delayMs the wait before this attempt
         * @param reason why the source is being reopened
         */
        default void onReconnect(String source, int attempt, long delayMs, String reason) {}

        /**
         * A frame could not be classified and was skipped (the run goes on).
         *
         * @param frameIndex the frame
         * @param error why
         */
        default void onFrameError(long frameIndex, ImageException error) {}

        /**
         * The source skipped an item it could not read, such as an image of a folder that cannot be
         * decoded; the run goes on with the next.
         *
         * @param item what was skipped (the image file)
         * @param error why; its message names the item
         */
        default void onSkipped(String item, ImageException error) {}
    }

    private final ImageClassifier classifier;
    private final boolean ownsClassifier;
    private final VideoClassifierOptions options;
    private final AtomicBoolean running = new AtomicBoolean();
    private volatile boolean stopRequested;
    private volatile boolean closed;

    // Statistics of the current (or last) run.
    private final AtomicLong framesRead = new AtomicLong();
    private final AtomicLong framesClassified = new AtomicLong();
    private final AtomicLong framesDropped = new AtomicLong();
    private final AtomicLong framesSkipped = new AtomicLong();
    private final AtomicInteger reconnects = new AtomicInteger();
    private final Latencies latencies = new Latencies();
    private volatile long startNanos;
    private volatile long endNanos;
    // Frame copies for other threads, reused: a live run needs at most three at a time.
    private final CopyPool copies = new CopyPool();

    private VideoClassifier(
            ImageClassifier classifier, boolean owns, VideoClassifierOptions options) {
        this.classifier = classifier;
        this.ownsClassifier = owns;
        this.options = options;
    }

    /**
     * Loads a model with {@link VideoClassifierOptions#classifierOptions()}.
     *
     * @param model the {@code .onnx} file
     * @param options the video options
     * @return the video classifier; close it (it closes the image classifier)
     * @throws ModelException when the model cannot be used
     */
    public static VideoClassifier create(Path model, VideoClassifierOptions options)
            throws ModelException {
        Objects.requireNonNull(options, "options");
        return new VideoClassifier(
                ImageClassifier.create(model, options.classifierOptions()), true, options);
    }

    /**
     * Uses an image classifier that the caller owns (and closes, after this).
     *
     * @param classifier the classifier
     * @param options the video options ({@code classifierOptions} is ignored)
     * @return the video classifier
     */
    public static VideoClassifier create(
            ImageClassifier classifier, VideoClassifierOptions options) {
        return new VideoClassifier(
                Objects.requireNonNull(classifier, "classifier"),
                false,
                Objects.requireNonNull(options, "options"));
    }

    /**
     * Classifies the source's frames until it ends, {@code maxFrames} frames were read, or {@link
     * #stop()} is called. The source stays open (the caller closes it).
     *
     * @param source the frames
     * @param listener receives each result, on this thread
     * @return what the run did
     * @throws SourceException when the source fails (for a camera or stream: after the reconnect
     *     attempts); results already delivered stand, and {@link #summary()} still reports the run
     * @throws IllegalStateException when a run is already in progress or this is closed
     */
    public StreamSummary run(FrameSource source, Listener listener) throws SourceException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(listener, "listener");
        checkOpen();
        if (!running.compareAndSet(false, true)) {
            throw new IllegalStateException("VideoClassifier is already running");
        }
        framesRead.set(0);
        framesClassified.set(0);
        framesDropped.set(0);
        framesSkipped.set(0);
        reconnects.set(0);
        latencies.clear();
        stopRequested = false;
        endNanos = 0;
        startNanos = System.nanoTime();
        FrameSource.SkipListener callersSkipListener = source.skipListener();
        try {
            if (options.runningMode() == RunningMode.LIVE) {
                runLive(source, listener);
            } else {
                source.setSkipListener(counting(listener));
                runVideo(source, listener);
            }
        } finally {
            source.setSkipListener(callersSkipListener);
            endNanos = System.nanoTime();
            copies.clear();
            running.set(false);
        }
        return summary();
    }

    /** The source's skips, counted and passed to the listener, on the grabbing thread. */
    private FrameSource.SkipListener counting(Listener listener) {
        return (item, error) -> {
            framesSkipped.incrementAndGet();
            listener.onSkipped(item, error);
        };
    }

    /** Asks a run in progress to end after the frame at hand; safe from any thread. */
    public void stop() {
        stopRequested = true;
    }

    /**
     * The statistics of the run in progress (so far) or of the last run.
     *
     * @return the summary
     */
    public StreamSummary summary() {
        long start = startNanos;
        long end = endNanos != 0 ? endNanos : System.nanoTime();
        double seconds = start == 0 ? 0 : (end - start) / 1e9;
        long classified = framesClassified.get();
        double[] p = latencies.percentiles(50, 95, 99);
        return new StreamSummary(
                framesRead.get(),
                classified,
                framesDropped.get(),
                framesSkipped.get(),
                reconnects.get(),
                seconds,
                seconds > 0 ? classified / seconds : 0,
                p[0],
                p[1],
                p[2]);
    }

    // ---------------------------------------------------------------------------------------
    // VIDEO: grab and classify on this thread

    private void runVideo(FrameSource source, Listener listener) throws SourceException {
        if (options.concurrency() > 1) {
            runVideoConcurrently(source, listener);
            return;
        }
        Smoother smoother = new Smoother(options.smoothingWindow(), classifier.options().topK());
        Pacer pacer = new Pacer(source);
        try (OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat()) {
            for (Grabbed g; (g = nextSelected(source, listener, pacer)) != null; ) {
                // The grabber's own frame, borrowed: no copy on this thread.
                Mat mat = converter.convert(g.frame());
                report(
                        classify(mat, g.index()),
                        mat,
                        g.index(),
                        g.timestampMs(),
                        g.capturedNanos(),
                        smoother,
                        listener);
            }
        }
    }

    /** A frame being classified on a worker thread, in frame order. */
    private record InFlight(
            Mat copy, long index, long timestampMs, long capturedNanos, Future<Outcome> outcome) {}

    /**
     * VIDEO with several frames in flight: this thread grabs and copies frames, workers classify
     * them, and results are reported here in frame order.
     */
    private void runVideoConcurrently(FrameSource source, Listener listener)
            throws SourceException {
        int n = options.concurrency();
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService workers =
                Executors.newFixedThreadPool(
                        n,
                        r -> {
                            Thread t =
                                    new Thread(
                                            r, "graft-classify-" + threadNumber.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        });
        Smoother smoother = new Smoother(options.smoothingWindow(), classifier.options().topK());
        Pacer pacer = new Pacer(source);
        Deque<InFlight> inFlight = new ArrayDeque<>();
        try (OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat()) {
            while (true) {
                Grabbed g;
                try {
                    g = nextSelected(source, listener, pacer);
                } catch (SourceException e) {
                    // The frames read before the failure are still reported, as one at a time.
                    while (!inFlight.isEmpty()) {
                        deliver(inFlight.removeFirst(), smoother, listener);
                    }
                    throw e;
                }
                if (g == null) {
                    break;
                }
                long index = g.index();
                long timestampMs = g.timestampMs();
                long captured = g.capturedNanos();
                // The frame crosses to a worker thread: it gets its own copy.
                Mat copy = copies.copyOf(converter.convert(g.frame()));
                Future<Outcome> outcome;
                try {
                    outcome = workers.submit(() -> classify(copy, index));
                } catch (RuntimeException e) {
                    copy.close();
                    throw e;
                }
                inFlight.addLast(new InFlight(copy, index, timestampMs, captured, outcome));
                while (inFlight.size() >= n) {
                    deliver(inFlight.removeFirst(), smoother, listener);
                }
            }
            // Also after stop(): in VIDEO mode every selected frame read is reported.
            while (!inFlight.isEmpty()) {
                deliver(inFlight.removeFirst(), smoother, listener);
            }
        } finally {
            // A worker may still read a copy: wait for it before releasing the copy.
            for (InFlight f : inFlight) {
                try {
                    await(f.outcome());
                } catch (RuntimeException | Error e) {
                    LOG.debug(
                            "Classification of frame {} failed after the run ended", f.index(), e);
                }
                copies.give(f.copy());
            }
            workers.shutdown();
        }
    }

    private void deliver(InFlight f, Smoother smoother, Listener listener) {
        try {
            report(
                    await(f.outcome()),
                    f.copy(),
                    f.index(),
                    f.timestampMs(),
                    f.capturedNanos(),
                    smoother,
                    listener);
        } finally {
            copies.give(f.copy());
        }
    }

    /** Waits for a worker, uninterruptibly (it holds a frame copy that must not be freed early). */
    private Outcome await(Future<Outcome> future) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException re) {
                        throw re;
                    }
                    if (e.getCause() instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
                stopRequested = true;
            }
        }
    }

    private boolean underLimit() {
        return options.maxFrames() == 0 || framesRead.get() < options.maxFrames();
    }

    /** A frame's classification, or why it could not be classified. */
    private record Outcome(Classification classification, ImageException error) {}

    /** Classifies a frame's region of interest; safe on any thread (the listener is not called). */
    private Outcome classify(Mat mat, long index) {
        try (Mat roi = region(mat)) {
            return new Outcome(classifier.classify(ImageInput.of(roi == null ? mat : roi)), null);
        } catch (ImageException e) {
            // Reported to the listener (onFrameError), on the run's thread.
            LOG.debug("Frame {} could not be classified: {}", index, e.getMessage());
            return new Outcome(null, e);
        }
    }

    /** Smooths, measures and reports one outcome; on the thread that called {@link #run}. */
    private void report(
            Outcome outcome,
            Mat frame,
            long index,
            long timestampMs,
            long capturedNanos,
            Smoother smoother,
            Listener listener) {
        if (outcome.error() != null) {
            framesSkipped.incrementAndGet();
            listener.onFrameError(index, outcome.error());
            return;
        }
        Classification c = smoother.add(outcome.classification());
        double latencyMs = (System.nanoTime() - capturedNanos) / 1e6;
        latencies.add(latencyMs);
        framesClassified.incrementAndGet();
        listener.onResult(new FrameClassification(index, timestampMs, c, latencyMs), frame);
    }

    /** A view of the region of interest, clipped to the frame; null for the whole frame. */
    private Mat region(Mat mat) {
        VideoClassifierOptions.Region r = options.regionOfInterest();
        if (r == null) {
            return null;
        }
        int x = Math.min(r.x(), mat.cols());
        int y = Math.min(r.y(), mat.rows());
        int w = Math.min(r.width(), mat.cols() - x);
        int h = Math.min(r.height(), mat.rows() - y);
        if (w <= 0 || h <= 0) {
            throw new IllegalArgumentException(
                    "Region of interest "
                            + r
                            + " lies outside the "
                            + mat.cols()
                            + "x"
                            + mat.rows()
                            + " frame");
        }
        try (Rect rect = new Rect(x, y, w, h)) {
            return new Mat(mat, rect);
        }
    }

    // ---------------------------------------------------------------------------------------
    // LIVE: a reader thread fills a one-frame slot, this thread classifies the newest frame

    private static final class Pending {
        final Mat mat;
        final long index;
        final long timestampMs;
        final long capturedNanos;

        Pending(Mat mat, long index, long timestampMs, long capturedNanos) {
            this.mat = mat;
            this.index = index;
            this.timestampMs = timestampMs;
            this.capturedNanos = capturedNanos;
        }
    }

    private final Object slotLock = new Object();
    private Pending slot;
    private boolean readerDone;
    private SourceException readerError;
    private RuntimeException readerBug;
    // What the reader has to tell the listener, delivered on the run's thread.
    private final List<Runnable> events = new ArrayList<>();

    private void runLive(FrameSource source, Listener listener) throws SourceException {
        synchronized (slotLock) {
            slot = null;
            readerDone = false;
            readerError = null;
            readerBug = null;
            events.clear();
        }
        Listener relay = new ReaderRelay(listener);
        // The reader thread grabs: what it skips is told on the run's thread, as reconnects are.
        source.setSkipListener(counting(relay));
        Thread reader = new Thread(() -> readLive(source, relay), "graft-reader-" + source.spec());
        reader.setDaemon(true);
        reader.start();
        Smoother smoother = new Smoother(options.smoothingWindow(), classifier.options().topK());
        try {
            while (true) {
                Pending next;
                List<Runnable> due;
                boolean done;
                synchronized (slotLock) {
                    while (slot == null && events.isEmpty() && !readerDone && !stopRequested) {
                        slotLock.wait(100);
                    }
                    due = takeEvents();
                    next = slot;
                    slot = null;
                    // Read with the slot: once done, the reader adds nothing more.
                    done = readerDone;
                }
                due.forEach(Runnable::run);
                if (next == null) {
                    if (done || stopRequested) {
                        break;
                    }
                    continue;
                }
                try {
                    if (stopRequested) {
                        framesDropped.incrementAndGet(); // read, but the run ended first
                    } else {
                        report(
                                classify(next.mat, next.index),
                                next.mat,
                                next.index,
                                next.timestampMs,
                                next.capturedNanos,
                                smoother,
                                listener);
                    }
                } finally {
                    copies.give(next.mat);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopRequested = true;
        } finally {
            stopRequested = stopRequested || !readerDoneNow();
            joinQuietly(reader);
            synchronized (slotLock) {
                if (slot != null) {
                    copies.give(slot.mat);
                    slot = null;
                    framesDropped.incrementAndGet(); // read, but the run ended first
                }
            }
        }
        List<Runnable> due;
        synchronized (slotLock) {
            due = takeEvents();
        }
        due.forEach(Runnable::run);
        synchronized (slotLock) {
            if (readerBug != null) {
                throw readerBug;
            }
            if (readerError != null) {
                throw readerError;
            }
        }
    }

    /** Hands the reader's events to the run's thread; the caller holds {@code slotLock}. */
    private List<Runnable> takeEvents() {
        if (events.isEmpty()) {
            return List.of();
        }
        List<Runnable> due = new ArrayList<>(events);
        events.clear();
        return due;
    }

    /** The listener as the reader thread sees it: its calls are queued for the run's thread. */
    private final class ReaderRelay implements Listener {
        private final Listener target;

        ReaderRelay(Listener target) {
            this.target = target;
        }

        @Override
        public void onResult(FrameClassification result) {
            throw new IllegalStateException("the reader thread does not classify");
        }

        @Override
        public void onReconnect(String source, int attempt, long delayMs, String reason) {
            synchronized (slotLock) {
                events.add(() -> target.onReconnect(source, attempt, delayMs, reason));
                slotLock.notifyAll();
            }
        }

        @Override
        public void onSkipped(String item, ImageException error) {
            synchronized (slotLock) {
                events.add(() -> target.onSkipped(item, error));
                slotLock.notifyAll();
            }
        }
    }

    private boolean readerDoneNow() {
        synchronized (slotLock) {
            return readerDone;
        }
    }

    private static void joinQuietly(Thread reader) {
        boolean interrupted = false;
        while (reader.isAlive()) {
            try {
                reader.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void readLive(FrameSource source, Listener listener) {
        Pacer pacer = new Pacer(source);
        try (OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat()) {
            for (Grabbed g; (g = nextSelected(source, listener, pacer)) != null; ) {
                long index = g.index();
                long timestampMs = g.timestampMs();
                long captured = g.capturedNanos();
                // The grabber reuses its frame: the classifying thread gets its own copy.
                Mat copy = copies.copyOf(converter.convert(g.frame()));
                Pending old;
                synchronized (slotLock) {
                    old = slot;
                    slot = new Pending(copy, index, timestampMs, captured);
                    slotLock.notifyAll();
                }
                if (old != null) {
                    copies.give(old.mat);
                    framesDropped.incrementAndGet();
                }
            }
        } catch (SourceException e) {
            synchronized (slotLock) {
                readerError = e;
            }
        } catch (RuntimeException e) {
            synchronized (slotLock) {
                readerBug = e;
            }
        } finally {
            synchronized (slotLock) {
                readerDone = true;
                slotLock.notifyAll();
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Grabbing with reconnection, and pacing

    /** A frame to classify, borrowed from the grabber until the next grab. */
    private record Grabbed(Frame frame, long index, long timestampMs, long capturedNanos) {}

    /**
     * Grabs frames, counting and pacing each, until one of every {@code everyNFrames} comes up;
     * null when the source ends, the run is stopped or the frame limit is reached.
     */
    private Grabbed nextSelected(FrameSource source, Listener listener, Pacer pacer)
            throws SourceException {
        while (!stopRequested && underLimit()) {
            Frame frame = grabNext(source, listener);
            if (frame == null) {
                return null;
            }
            long read = framesRead.incrementAndGet() - 1;
            long index = source.frameIndex();
            long timestampMs = source.timestampMs();
            pacer.pace(timestampMs);
            // Capture is when the frame is available to us, after any pacing.
            long captured = System.nanoTime();
            if (read % options.everyNFrames() == 0) {
                return new Grabbed(frame, index, timestampMs, captured);
            }
        }
        return null;
    }

    private Frame grabNext(FrameSource source, Listener listener) throws SourceException {
        int attempt = 0;
        while (true) {
            String reason;
            try {
                Frame frame = source.grab();
                if (frame != null || !source.isLive()) {
                    return frame;
                }
                reason = "the stream ended";
            } catch (SourceException e) {
                if (!source.isLive()) {
                    throw e;
                }
                reason = e.getMessage();
            }
            // A camera or stream that fails or ends: reopen with back-off.
            while (true) {
                attempt++;
                if (attempt > options.maxReconnects() || stopRequested) {
                    if (stopRequested) {
                        return null;
                    }
                    throw new SourceException(
                            "Lost "
                                    + source.describe()
                                    + " after "
                                    + options.maxReconnects()
                                    + " reconnect attempts: "
                                    + reason);
                }
                long delay =
                        Math.min(
                                MAX_RECONNECT_DELAY_MS,
                                options.reconnectDelayMs() << Math.min(attempt - 1, 20));
                listener.onReconnect(source.spec(), attempt, delay, reason);
                if (!sleepUnlessStopped(delay)) {
                    return null;
                }
                try {
                    source.reopen();
                    reconnects.incrementAndGet();
                    break;
                } catch (SourceException e) {
                    reason = e.getMessage();
                }
            }
        }
    }

    private boolean sleepUnlessStopped(long ms) {
        long end = System.nanoTime() + ms * 1_000_000;
        while (!stopRequested) {
            long left = (end - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return true;
            }
            try {
                Thread.sleep(Math.min(left, 50));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopRequested = true;
            }
        }
        return false;
    }

    /** Holds a file's frames back to its frame times divided by the realtime factor. */
    private final class Pacer {
        private final boolean active;
        private long firstTimestampMs = Long.MIN_VALUE;
        private long firstNanos;

        Pacer(FrameSource source) {
            this.active = options.realtimeFactor() > 0 && !source.isLive();
        }

        void pace(long timestampMs) {
            if (!active) {
                return;
            }
            long now = System.nanoTime();
            if (firstTimestampMs == Long.MIN_VALUE) {
                firstTimestampMs = timestampMs;
                firstNanos = now;
                return;
            }
            long due =
                    firstNanos
                            + (long)
                                    ((timestampMs - firstTimestampMs)
                                            * 1_000_000
                                            / options.realtimeFactor());
            long waitMs = (due - now) / 1_000_000;
            if (waitMs > 0) {
                sleepUnlessStopped(waitMs);
            }
        }
    }

    /**
     * Reusable frame copies for frames that cross threads: at a camera's rate, allocating a fresh
     * full-size copy per frame churns native memory for nothing. Thread-safe.
     */
    static final class CopyPool {
        private static final int MAX_SPARE = 8;
        private final ArrayDeque<Mat> spare = new ArrayDeque<>();

        /** A copy of the frame in a spare Mat (or a new one); hand it back with {@link #give}. */
        Mat copyOf(Mat frame) {
            Mat target;
            synchronized (this) {
                target = spare.pollFirst();
            }
            if (target == null) {
                target = new Mat();
            }
            frame.copyTo(target); // reallocates only when the size or type changed
            return target;
        }

        /** Takes a copy back for reuse (or frees it when enough are spare). */
        void give(Mat copy) {
            synchronized (this) {
                if (spare.size() < MAX_SPARE) {
                    spare.addFirst(copy);
                    return;
                }
            }
            copy.close();
        }

        synchronized int spares() {
            return spare.size();
        }

        /** Frees the spare copies (at the end of a run: nothing native stays between runs). */
        synchronized void clear() {
            for (Mat m : spare) {
                m.close();
            }
            spare.clear();
        }
    }

    /** Moving average of the scores of the last N classifications, per class. */
    static final class Smoother {
        private final int window;
        private final int topK;
        private final Deque<Classification> recent = new ArrayDeque<>();

        Smoother(int window, int topK) {
            this.window = window;
            this.topK = topK;
        }

        Classification add(Classification c) {
            if (window <= 1) {
                return c;
            }
            recent.addLast(c);
            if (recent.size() > window) {
                recent.removeFirst();
            }
            // Classes outside a frame's top list count as 0 for that frame.
            Map<Integer, float[]> sums = new LinkedHashMap<>();
            Map<Integer, String> labels = new LinkedHashMap<>();
            for (Classification each : recent) {
                for (Category category : each.top()) {
                    sums.computeIfAbsent(category.index(), k -> new float[1])[0] +=
                            category.score();
                    labels.putIfAbsent(category.index(), category.label());
                }
            }
            List<Category> averaged = new ArrayList<>();
            for (Map.Entry<Integer, float[]> e : sums.entrySet()) {
                averaged.add(
                        new Category(
                                e.getKey(),
                                labels.get(e.getKey()),
                                e.getValue()[0] / recent.size()));
            }
            averaged.sort(
                    Comparator.comparingDouble(Category::score)
                            .reversed()
                            .thenComparingInt(Category::index));
            return new Classification(
                    averaged.subList(0, Math.min(topK, averaged.size())),
                    c.latencyMs(),
                    c.timings());
        }
    }

    /** Latencies of one run, for percentiles; written by one thread, read by any. */
    static final class Latencies {
        private double[] values = new double[1024];
        private int size;

        synchronized void add(double v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        synchronized void clear() {
            size = 0;
        }

        /** Nearest-rank percentiles; zeros when empty. */
        synchronized double[] percentiles(double... ps) {
            double[] out = new double[ps.length];
            if (size == 0) {
                return out;
            }
            double[] sorted = Arrays.copyOf(values, size);
            Arrays.sort(sorted);
            for (int i = 0; i < ps.length; i++) {
                int rank = (int) Math.ceil(ps[i] / 100.0 * size);
                out[i] = sorted[Math.max(0, Math.min(size - 1, rank - 1))];
            }
            return out;
        }
    }

    // ---------------------------------------------------------------------------------------

    /**
     * The image classifier in use.
     *
     * @return the classifier
     */
    public ImageClassifier classifier() {
        return classifier;
    }

    /**
     * The options.
     *
     * @return the options
     */
    public VideoClassifierOptions options() {
        return options;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("VideoClassifier is closed");
        }
    }

    /**
     * Stops a run in progress and closes the image classifier if this loaded it. Calling it again
     * does nothing.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopRequested = true;
        if (ownsClassifier) {
            classifier.close();
        }
    }
}
