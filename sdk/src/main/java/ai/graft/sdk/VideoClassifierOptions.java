package ai.graft.sdk;

import java.util.Objects;

/**
 * Options of a {@link VideoClassifier}: an immutable value made by {@link #builder()}, whose {@link
 * Builder#build()} validates.
 *
 * <pre>{@code
 * VideoClassifierOptions options = VideoClassifierOptions.builder()
 *         .runningMode(RunningMode.LIVE)
 *         .everyNFrames(2)
 *         .smoothingWindow(5)
 *         .build();
 * }</pre>
 */
public final class VideoClassifierOptions {
    /**
     * A rectangle of the frame to classify instead of the whole frame, in pixels; clipped to the
     * frame.
     *
     * @param x left column
     * @param y top row
     * @param width width, positive
     * @param height height, positive
     */
    public record Region(int x, int y, int width, int height) {
        /**
         * Validates the rectangle.
         *
         * @param x left column, at least 0
         * @param y top row, at least 0
         * @param width positive
         * @param height positive
         */
        public Region {
            if (x < 0 || y < 0 || width <= 0 || height <= 0) {
                throw new IllegalArgumentException(
                        "Region of interest "
                                + x
                                + ","
                                + y
                                + ","
                                + width
                                + "x"
                                + height
                                + " is invalid: x and y must be >= 0, width and height > 0");
            }
        }

        /**
         * Parses {@code X,Y,W,H}.
         *
         * @param text four integers separated by commas
         * @return the region
         * @throws IllegalArgumentException naming the text when it is not four integers
         */
        public static Region parse(String text) {
            String[] parts = text.split(",");
            if (parts.length != 4) {
                throw new IllegalArgumentException(
                        "Region of interest '" + text + "' must be X,Y,WIDTH,HEIGHT in pixels");
            }
            try {
                return new Region(
                        Integer.parseInt(parts[0].strip()),
                        Integer.parseInt(parts[1].strip()),
                        Integer.parseInt(parts[2].strip()),
                        Integer.parseInt(parts[3].strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "Region of interest '" + text + "' must be X,Y,WIDTH,HEIGHT in pixels", e);
            }
        }
    }

    private final RunningMode runningMode;
    private final int everyNFrames;
    private final int smoothingWindow;
    private final Region regionOfInterest;
    private final double realtimeFactor;
    private final long maxFrames;
    private final int maxReconnects;
    private final long reconnectDelayMs;
    private final int concurrency;
    private final ImageClassifierOptions classifierOptions;

    private VideoClassifierOptions(Builder b) {
        this.runningMode = b.runningMode;
        this.everyNFrames = b.everyNFrames;
        this.smoothingWindow = b.smoothingWindow;
        this.regionOfInterest = b.regionOfInterest;
        this.realtimeFactor = b.realtimeFactor;
        this.maxFrames = b.maxFrames;
        this.maxReconnects = b.maxReconnects;
        this.reconnectDelayMs = b.reconnectDelayMs;
        this.concurrency = b.concurrency;
        this.classifierOptions = b.classifierOptions;
    }

    /**
     * A builder with the defaults: {@link RunningMode#VIDEO}, every frame, no smoothing, the whole
     * frame, no pacing, no frame limit, 5 reconnects starting at 500 ms, one frame at a time,
     * default classifier options.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The defaults (see {@link #builder()}).
     *
     * @return the default options
     */
    public static VideoClassifierOptions defaults() {
        return builder().build();
    }

    /**
     * A builder holding these options.
     *
     * @return a new builder
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.runningMode = runningMode;
        b.everyNFrames = everyNFrames;
        b.smoothingWindow = smoothingWindow;
        b.regionOfInterest = regionOfInterest;
        b.realtimeFactor = realtimeFactor;
        b.maxFrames = maxFrames;
        b.maxReconnects = maxReconnects;
        b.reconnectDelayMs = reconnectDelayMs;
        b.concurrency = concurrency;
        b.classifierOptions = classifierOptions;
        return b;
    }

    /**
     * The running mode.
     *
     * @return VIDEO (synchronous, every selected frame) or LIVE (asynchronous, newest frame wins)
     */
    public RunningMode runningMode() {
        return runningMode;
    }

    /**
     * Only every Nth frame read is classified (frames 0, N, 2N, ...).
     *
     * @return N, at least 1
     */
    public int everyNFrames() {
        return everyNFrames;
    }

    /**
     * The number of classified frames whose scores are averaged (a moving average per class); 1
     * means no smoothing.
     *
     * @return the window, at least 1
     */
    public int smoothingWindow() {
        return smoothingWindow;
    }

    /**
     * The part of each frame that is classified.
     *
     * @return the region, or null for the whole frame
     */
    public Region regionOfInterest() {
        return regionOfInterest;
    }

    /**
     * For files and folders: read frames no faster than their frame rate times this factor, to
     * simulate a camera (1 = real time, 4 = four times as fast). Cameras and streams are paced by
     * the source itself.
     *
     * @return the factor, or 0 for as fast as possible
     */
    public double realtimeFactor() {
        return realtimeFactor;
    }

    /**
     * The most frames to read from the source before stopping.
     *
     * @return the limit, or 0 for no limit
     */
    public long maxFrames() {
        return maxFrames;
    }

    /**
     * How many times in a row a camera or stream that fails or ends is reopened before the run
     * fails.
     *
     * @return the attempts, 0 for none
     */
    public int maxReconnects() {
        return maxReconnects;
    }

    /**
     * The wait before the first reopening; it doubles with each attempt, up to 30 s.
     *
     * @return milliseconds
     */
    public long reconnectDelayMs() {
        return reconnectDelayMs;
    }

    /**
     * In {@link RunningMode#VIDEO}: how many frames are classified at the same time. With 1 the
     * calling thread grabs and classifies each frame itself, and the grabber's frame is never
     * copied. With more, the calling thread grabs and copies frames while worker threads classify
     * them (decoding overlaps inference, and several inferences run at once); results still reach
     * the listener in frame order on the calling thread. Several at once pay on several cores when
     * each inference uses few ONNX Runtime threads ({@link
     * ImageClassifierOptions#intraOpThreads()}). Ignored in {@link RunningMode#LIVE}, where one
     * frame is classified at a time by design.
     *
     * @return frames in flight, at least 1
     */
    public int concurrency() {
        return concurrency;
    }

    /**
     * The options of the image classifier that {@link VideoClassifier#create(java.nio.file.Path,
     * VideoClassifierOptions)} makes.
     *
     * @return the classifier options
     */
    public ImageClassifierOptions classifierOptions() {
        return classifierOptions;
    }

    @Override
    public String toString() {
        return "VideoClassifierOptions[mode="
                + runningMode
                + ", everyNFrames="
                + everyNFrames
                + ", smoothingWindow="
                + smoothingWindow
                + ", regionOfInterest="
                + regionOfInterest
                + ", realtimeFactor="
                + realtimeFactor
                + ", maxFrames="
                + maxFrames
                + ", maxReconnects="
                + maxReconnects
                + ", concurrency="
                + concurrency
                + "]";
    }

    /** Builds {@link VideoClassifierOptions}. */
    public static final class Builder {
        private RunningMode runningMode = RunningMode.VIDEO;
        private int everyNFrames = 1;
        private int smoothingWindow = 1;
        private Region regionOfInterest;
        private double realtimeFactor;
        private long maxFrames;
        private int maxReconnects = 5;
        private long reconnectDelayMs = 500;
        private int concurrency = 1;
        private ImageClassifierOptions classifierOptions = ImageClassifierOptions.defaults();

        private Builder() {}

        /**
         * Sets the running mode.
         *
         * @param mode VIDEO or LIVE
         * @return this builder
         */
        public Builder runningMode(RunningMode mode) {
            this.runningMode = Objects.requireNonNull(mode, "runningMode");
            return this;
        }

        /**
         * Classifies only every Nth frame.
         *
         * @param n at least 1
         * @return this builder
         */
        public Builder everyNFrames(int n) {
            this.everyNFrames = n;
            return this;
        }

        /**
         * Averages scores over this many classified frames.
         *
         * @param window at least 1 (1: no smoothing)
         * @return this builder
         */
        public Builder smoothingWindow(int window) {
            this.smoothingWindow = window;
            return this;
        }

        /**
         * Classifies only this part of each frame.
         *
         * @param region the region, or null for the whole frame
         * @return this builder
         */
        public Builder regionOfInterest(Region region) {
            this.regionOfInterest = region;
            return this;
        }

        /**
         * Paces files at their frame rate times this factor.
         *
         * @param factor positive, or 0 for no pacing
         * @return this builder
         */
        public Builder realtimeFactor(double factor) {
            this.realtimeFactor = factor;
            return this;
        }

        /**
         * Stops after reading this many frames.
         *
         * @param maxFrames positive, or 0 for no limit
         * @return this builder
         */
        public Builder maxFrames(long maxFrames) {
            this.maxFrames = maxFrames;
            return this;
        }

        /**
         * Sets how often a failed camera or stream is reopened.
         *
         * @param attempts at least 0
         * @return this builder
         */
        public Builder maxReconnects(int attempts) {
            this.maxReconnects = attempts;
            return this;
        }

        /**
         * Sets the first reconnection delay (doubling per attempt).
         *
         * @param delayMs at least 0
         * @return this builder
         */
        public Builder reconnectDelayMs(long delayMs) {
            this.reconnectDelayMs = delayMs;
            return this;
        }

        /**
         * Sets how many frames VIDEO mode classifies at the same time (see {@link
         * VideoClassifierOptions#concurrency()}).
         *
         * @param frames at least 1
         * @return this builder
         */
        public Builder concurrency(int frames) {
            this.concurrency = frames;
            return this;
        }

        /**
         * Sets the image classifier's options (used when the video classifier loads the model).
         *
         * @param options the options
         * @return this builder
         */
        public Builder classifierOptions(ImageClassifierOptions options) {
            this.classifierOptions = Objects.requireNonNull(options, "classifierOptions");
            return this;
        }

        /**
         * Validates and builds.
         *
         * @return the options
         * @throws IllegalArgumentException naming the first invalid value
         */
        public VideoClassifierOptions build() {
            if (everyNFrames < 1) {
                throw new IllegalArgumentException(
                        "everyNFrames must be >= 1, got " + everyNFrames);
            }
            if (smoothingWindow < 1) {
                throw new IllegalArgumentException(
                        "smoothingWindow must be >= 1, got " + smoothingWindow);
            }
            if (!(realtimeFactor >= 0) || Double.isInfinite(realtimeFactor)) {
                throw new IllegalArgumentException(
                        "realtimeFactor must be 0 (off) or a positive number, got "
                                + realtimeFactor);
            }
            if (maxFrames < 0) {
                throw new IllegalArgumentException(
                        "maxFrames must be 0 (no limit) or positive, got " + maxFrames);
            }
            if (maxReconnects < 0) {
                throw new IllegalArgumentException(
                        "maxReconnects must be >= 0, got " + maxReconnects);
            }
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be >= 1, got " + concurrency);
            }
            if (reconnectDelayMs < 0) {
                throw new IllegalArgumentException(
                        "reconnectDelayMs must be >= 0, got " + reconnectDelayMs);
            }
            return new VideoClassifierOptions(this);
        }
    }
}
