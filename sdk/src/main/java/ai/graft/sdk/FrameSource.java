package ai.graft.sdk;

import ai.graft.sdk.internal.ImageDecoder;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVIOContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.javacv.OpenCVFrameGrabber;
import org.bytedeco.opencv.opencv_core.Mat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frames from a video file, a webcam, a network stream or a folder of images, through JavaCV's
 * grabbers (FFmpeg for files and URLs, video4linux2 or OpenCV for webcams).
 *
 * <pre>{@code
 * try (FrameSource source = FrameSource.open("clip.mp4")) {
 *     Frame frame;
 *     while ((frame = source.grab()) != null) {
 *         System.out.println(source.frameIndex() + " at " + source.timestampMs() + " ms");
 *     }
 * }
 * }</pre>
 *
 * <p><b>Borrowed frames.</b> The frame {@link #grab()} returns belongs to the source and is
 * overwritten by the next {@code grab()}: copy it ({@link Frame#clone()}) before handing it to
 * another thread. A source is used by one thread at a time.
 *
 * <p><b>Network sources</b> are opened with explicit timeouts (FFmpeg's {@code timeout}, {@code
 * rw_timeout} and {@code stimeout}), so neither opening nor {@code grab()} blocks forever: opening
 * (connecting, the protocol's handshake and probing the stream) fails when it has not finished
 * within the timeout, and {@code grab()} when no data came for the timeout, both saying "No data
 * from URL for N ms". A source holds native memory: close it.
 *
 * <p><b>Skipped items.</b> An image of a folder that cannot be decoded is skipped, told to the
 * {@link SkipListener} if one is set, else logged.
 */
public final class FrameSource implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FrameSource.class);

    /** The default time a network source may take to connect or to deliver data. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    /** The frame rate assumed for a folder of images. */
    static final double FOLDER_FRAME_RATE = 30;

    private static final Pattern URL =
            Pattern.compile("(?i)^(rtsp|rtsps|rtmp|http|https|udp|tcp|srt)://.+");
    private static final Pattern FFMPEG_ERROR = Pattern.compile("error (-?\\d+)");

    /** FFmpeg's AVERROR(ETIMEDOUT): -ETIMEDOUT, which is 60 on macOS and 110 on Linux. */
    private static final int TIMED_OUT =
            System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("mac") ? -60 : -110;

    private static final List<String> IMAGE_EXTENSIONS =
            List.of(".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff");

    /** Why FFmpeg's natives did not load, or null when they did. */
    private static final String FFMPEG_PROBLEM;

    static {
        // FFmpeg's own console output (stream dumps, decoder complaints, each failed connection)
        // drowns results on a terminal and repeats what our exceptions say. Load FFmpeg first so
        // that its initialisation cannot reset the level. -Dgraft.ffmpeg.log=true keeps it.
        String problem = null;
        try {
            FFmpegFrameGrabber.tryLoad();
            if (!Boolean.getBoolean("graft.ffmpeg.log")) {
                avutil.av_log_set_level(avutil.AV_LOG_FATAL);
            }
        } catch (FrameGrabber.Exception | LinkageError e) {
            // A missing system library (on ARM64 FFmpeg links libva, libdrm, libxcb, libpulse)
            // surfaces here as an UnsatisfiedLinkError naming it, later as NoClassDefFoundError.
            problem = rootMessage(e);
            LOG.debug("FFmpeg did not load", e);
        }
        FFMPEG_PROBLEM = problem;
    }

    /** Fails, naming the library, when FFmpeg's natives could not be loaded on this machine. */
    private static void requireFfmpeg(String what) throws SourceException {
        if (FFMPEG_PROBLEM != null) {
            throw ffmpegMissing(what, FFMPEG_PROBLEM);
        }
    }

    /** The message of the innermost cause: the linker's, which names the missing library. */
    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }

    static SourceException ffmpegMissing(String what, String problem) {
        return new SourceException(
                "Cannot open "
                        + what
                        + ": FFmpeg's native libraries did not load ("
                        + problem
                        + "). Install the system libraries they link (on Debian/Ubuntu: apt-get"
                        + " install libva2 libva-drm2 libdrm2 libxcb1 libxcb-shm0 libpulse0), or"
                        + " use a folder of images as the source");
    }

    /** What kind of source a spec names. */
    public enum Kind {
        /** A webcam, by index ({@code "0"}). */
        CAMERA,
        /** A video file. */
        FILE,
        /** A folder of images, read in name order as a sequence. */
        FOLDER,
        /** A network stream: rtsp, rtmp, http(s), udp, tcp, srt. */
        NETWORK
    }

    /**
     * Receives what a source skips instead of delivering it as a frame: an image of a folder that
     * cannot be read or decoded. Called on the thread that calls {@link #grab()}.
     */
    @FunctionalInterface
    public interface SkipListener {
        /**
         * An item of the source could not be read and was skipped; the source goes on with the
         * next.
         *
         * @param item what was skipped (an image file of a folder)
         * @param error why; its message names the item
         */
        void onSkipped(String item, ImageException error);
    }

    private final String spec;
    private final Kind kind;
    private final Duration timeout;
    private FrameGrabber grabber;
    private List<Path> images;
    private int nextImage;
    private Mat imageMat;
    private OpenCVFrameConverter.ToMat imageConverter;
    private ImageDecoder decoder;
    private double frameRate;
    private long declaredFrames;
    private boolean ended;
    private long frameIndex = -1;
    private long timestampMs = -1;
    private long openedNanos;
    private boolean closed;
    private volatile SkipListener skipListener;

    private FrameSource(String spec, Kind kind, Duration timeout) {
        this.spec = spec;
        this.kind = kind;
        this.timeout = timeout;
    }

    /**
     * Opens a source with the default network timeout ({@link #DEFAULT_TIMEOUT}).
     *
     * @param spec a webcam index ({@code "0"}), a video file, a folder of images, or a URL ({@code
     *     rtsp://}, {@code rtmp://}, {@code http(s)://}, {@code udp://}, {@code tcp://}, {@code
     *     srt://})
     * @return the open source; close it
     * @throws SourceException when it cannot be opened; the message names it, says why and what to
     *     try
     */
    public static FrameSource open(String spec) throws SourceException {
        return open(spec, DEFAULT_TIMEOUT);
    }

    /**
     * Opens a source.
     *
     * @param spec a webcam index, a video file, a folder of images, or a URL (see {@link
     *     #open(String)})
     * @param timeout how long a network source may take to connect, and to deliver data on each
     *     read, before it fails
     * @return the open source; close it
     * @throws SourceException when it cannot be opened; the message names it, says why and what to
     *     try
     */
    public static FrameSource open(String spec, Duration timeout) throws SourceException {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(timeout, "timeout");
        if (spec.isBlank()) {
            throw new IllegalArgumentException(
                    "Empty source: expected a webcam index, a video file, a folder or a URL");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + timeout);
        }
        FrameSource source = new FrameSource(spec, kindOf(spec), timeout);
        source.start();
        return source;
    }

    static Kind kindOf(String spec) {
        if (spec.chars().allMatch(Character::isDigit)) {
            return Kind.CAMERA;
        }
        if (URL.matcher(spec).matches()) {
            return Kind.NETWORK;
        }
        if (Files.isDirectory(Path.of(spec))) {
            return Kind.FOLDER;
        }
        return Kind.FILE;
    }

    private void start() throws SourceException {
        openedNanos = System.nanoTime();
        switch (kind) {
            case FOLDER -> startFolder();
            case FILE -> startFile();
            case NETWORK -> startNetwork();
            case CAMERA -> startCamera();
            default -> throw new IllegalStateException("Unknown kind " + kind);
        }
    }

    private void startFolder() throws SourceException {
        Path folder = Path.of(spec);
        try (Stream<Path> files = Files.list(folder)) {
            images =
                    files.filter(Files::isRegularFile)
                            .filter(FrameSource::isImage)
                            .sorted()
                            .toList();
        } catch (IOException e) {
            throw new SourceException("Cannot list the image folder " + spec + ": " + e, e);
        }
        if (images.isEmpty()) {
            throw new SourceException(
                    "Image folder "
                            + spec
                            + " holds no images (expected "
                            + String.join(", ", IMAGE_EXTENSIONS)
                            + " files, read in name order as frames)");
        }
        nextImage = 0;
        frameRate = FOLDER_FRAME_RATE;
        imageConverter = new OpenCVFrameConverter.ToMat();
        decoder = new ImageDecoder(Images.DEFAULT_MAX_PIXELS);
    }

    private static boolean isImage(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return IMAGE_EXTENSIONS.stream().anyMatch(name::endsWith);
    }

    private void startFile() throws SourceException {
        Path file = Path.of(spec);
        if (!Files.exists(file)) {
            throw new SourceException(
                    "Video file not found: "
                            + spec
                            + " (expected a video file, a folder of images, a webcam index such as"
                            + " 0, or an rtsp/http(s)/udp/tcp URL)");
        }
        if (!Files.isReadable(file)) {
            throw new SourceException(
                    "Video file is not readable: " + spec + " (check permissions)");
        }
        requireFfmpeg("video file " + spec);
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile());
        startGrabber(
                g,
                "Cannot open video file " + spec,
                "check that it is a complete video FFmpeg can decode (try `ffprobe "
                        + spec
                        + "`); a truncated or damaged file fails here");
        AVStream stream = videoStream(g);
        if (stream == null) {
            releaseNative();
            throw new SourceException(
                    "Video file "
                            + spec
                            + " has no video stream (format "
                            + g.getFormat()
                            + "); expected a video, not audio only");
        }
        // What the container's header promises (0 when it does not say): an early end is then a
        // truncated or damaged file rather than the end of the video.
        declaredFrames = Math.max(0, stream.nb_frames());
    }

    private static AVStream videoStream(FFmpegFrameGrabber g) {
        AVFormatContext context = g.getFormatContext();
        if (context == null) {
            return null;
        }
        for (int i = 0; i < context.nb_streams(); i++) {
            AVStream s = context.streams(i);
            if (s.codecpar() != null && s.codecpar().codec_type() == avutil.AVMEDIA_TYPE_VIDEO) {
                return s;
            }
        }
        return null;
    }

    private void startNetwork() throws SourceException {
        requireFfmpeg("stream " + spec);
        FFmpegFrameGrabber g = new FFmpegFrameGrabber(spec);
        String micros = Long.toString(timeout.toNanos() / 1000);
        // Each protocol reads a different one of these; all are microseconds in FFmpeg 5+.
        g.setOption("timeout", micros);
        g.setOption("rw_timeout", micros);
        g.setOption("stimeout", micros);
        if (spec.regionMatches(true, 0, "rtsp", 0, 4)) {
            g.setOption("rtsp_transport", "tcp");
        }
        // Probing (5 s of stream by default) may not take the whole timeout: the open as a whole
        // has to fit in it.
        g.setOption(
                "analyzeduration", Long.toString(Math.min(5_000_000, timeout.toNanos() / 2000)));
        startWithin(
                g,
                "Cannot open network stream " + spec,
                "check the URL, that the server is up and reachable from this machine, and that no"
                        + " firewall blocks it (timeout "
                        + timeout.toMillis()
                        + " ms)");
    }

    /**
     * Starts a network grabber, giving up after the timeout. FFmpeg's own timeouts bound each read,
     * not the open: JavaCV opens a second time when the first open fails, and probing reads again,
     * so a server that accepts and never sends would hold the open for twice the timeout or more.
     * The open runs on its own thread; when the timeout passes first, that thread is left to finish
     * (FFmpeg's read timeouts end it) and closes its grabber, and the source fails at once.
     */
    private void startWithin(FFmpegFrameGrabber g, String what, String advice)
            throws SourceException {
        CompletableFuture<Void> opened = new CompletableFuture<>();
        Thread opener =
                new Thread(
                        () -> {
                            try {
                                g.start();
                                opened.complete(null);
                            } catch (Throwable e) {
                                opened.completeExceptionally(e);
                            }
                        },
                        "graft-open-" + spec);
        opener.setDaemon(true);
        long start = System.nanoTime();
        opener.start();
        try {
            opened.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            opened.whenComplete((ok, failure) -> closeGrabber(g));
            throw stalled(System.nanoTime() - start, true);
        } catch (InterruptedException e) {
            opened.whenComplete((ok, failure) -> closeGrabber(g));
            Thread.currentThread().interrupt();
            throw new SourceException("Interrupted while opening network stream " + spec, e);
        } catch (ExecutionException e) {
            closeGrabber(g);
            Throwable cause = e.getCause();
            if (timedOut(cause)) {
                throw stalled(System.nanoTime() - start, true);
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new SourceException(what + ": " + reason(cause) + "; " + advice, cause);
        }
        started(g);
    }

    /** Whether FFmpeg gave up waiting (its error {@link #TIMED_OUT}). */
    private static boolean timedOut(Throwable e) {
        Matcher m = FFMPEG_ERROR.matcher(String.valueOf(e.getMessage()));
        return m.find() && Long.parseLong(m.group(1)) == TIMED_OUT;
    }

    /** The failure of a network source that sent nothing for the timeout. */
    private SourceException stalled(long waitedNanos, boolean opening) {
        return new SourceException(
                "No data from "
                        + spec
                        + " for "
                        + waitedNanos / 1_000_000
                        + " ms"
                        + (opening ? " while opening it" : "")
                        + " (timeout "
                        + timeout.toMillis()
                        + " ms): the stream stalled (the server does not answer, or accepted"
                        + " the connection and sends nothing); check that it is streaming to this"
                        + " URL, or allow more time with a longer timeout");
    }

    private void startCamera() throws SourceException {
        int index = Integer.parseInt(spec);
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.contains("linux")) {
            File device = new File("/dev/video" + index);
            if (!device.exists()) {
                throw new SourceException(
                        "No camera "
                                + index
                                + ": "
                                + device
                                + " does not exist. List cameras with `v4l2-ctl --list-devices`;"
                                + " in a container pass the device through (docker run --device "
                                + device
                                + "); a video file or URL can stand in for a camera");
            }
            requireFfmpeg("camera " + index);
            FFmpegFrameGrabber g = new FFmpegFrameGrabber(device.getPath());
            g.setFormat("video4linux2");
            try {
                startGrabber(g, "Cannot open camera " + index, "");
                return;
            } catch (SourceException e) {
                LOG.debug(
                        "video4linux2 failed for camera {}, trying OpenCV: {}",
                        index,
                        e.getMessage());
            }
        }
        startGrabber(
                new OpenCVFrameGrabber(index),
                "Cannot open camera " + index,
                "check that it is connected, not in use by another program, and that this user may"
                        + " use it");
    }

    private void startGrabber(FrameGrabber g, String what, String advice) throws SourceException {
        try {
            g.start();
        } catch (FrameGrabber.Exception | RuntimeException e) {
            closeGrabber(g);
            throw new SourceException(
                    what + ": " + reason(e) + (advice.isEmpty() ? "" : "; " + advice), e);
        }
        started(g);
    }

    private void started(FrameGrabber g) {
        grabber = g;
        double rate = g.getFrameRate();
        frameRate = Double.isFinite(rate) && rate > 0 && rate < 1000 ? rate : 0;
    }

    /** A readable reason for an FFmpeg or OpenCV failure, decoding FFmpeg's error numbers. */
    static String reason(Throwable e) {
        // JavaCV's hints about its own API say nothing to someone who gave a file or URL.
        String message =
                String.valueOf(e.getMessage())
                        .replace(" (Has setFormat() been called?)", "")
                        .replace(
                                " (For more details, make sure FFmpegLogCallback.set() has been"
                                        + " called.)",
                                "")
                        .strip();
        Matcher m = FFMPEG_ERROR.matcher(message);
        if (m.find()) {
            String known = ffmpegError(Long.parseLong(m.group(1)));
            if (known != null) {
                return known + " (" + message + ")";
            }
        }
        return message;
    }

    private static String ffmpegError(long code) {
        return switch ((int) code) {
            case -2 -> "no such file or stream";
            case -5 -> "input/output error";
            case -13 -> "permission denied";
            case -101 -> "network unreachable";
            case -104 -> "connection reset by peer";
            case -110 -> "timed out";
            case -111 -> "connection refused";
            case -113 -> "no route to host";
            case -1094995529 -> "invalid data: not a video FFmpeg can read, or truncated/damaged";
            case -1482175992 -> "HTTP 404 not found";
            case -1061109567 -> "end of file reached while reading the header (truncated?)";
            case -1330794744 -> "protocol not found (FFmpeg build lacks it)";
            case -858797304 -> "HTTP 403 forbidden";
            case -825242872 -> "HTTP 401 unauthorized";
            case -1313558101 -> "unknown error";
            default -> null;
        };
    }

    /**
     * Grabs the next image frame (audio is skipped). The frame is borrowed: valid until the next
     * {@code grab()} or {@link #close()}.
     *
     * @return the frame, or null at the end of a file or folder (or when a stream ends)
     * @throws SourceException when reading fails: a damaged file, a file that ends before the frame
     *     count its header declares (truncated), a camera unplugged, a stream that sends nothing
     *     for the timeout; the message names the source
     * @throws IllegalStateException after {@link #close()}
     */
    public Frame grab() throws SourceException {
        checkOpen();
        if (ended) {
            return null;
        }
        if (kind == Kind.FOLDER) {
            return grabImageFile();
        }
        Frame frame;
        long start = System.nanoTime();
        try {
            frame =
                    grabber instanceof FFmpegFrameGrabber ffmpeg
                            ? ffmpeg.grabImage()
                            : grabber.grab();
        } catch (FrameGrabber.Exception | RuntimeException e) {
            if (kind == Kind.NETWORK && timedOut(e)) {
                throw stalled(System.nanoTime() - start, false);
            }
            throw new SourceException(
                    "Cannot read frame "
                            + (frameIndex + 1)
                            + " of "
                            + describe()
                            + ": "
                            + reason(e)
                            + (kind == Kind.FILE
                                    ? "; the file may be truncated or damaged"
                                    : "; the source may have disconnected"),
                    e);
        }
        if (frame == null || frame.image == null) {
            return endOfFrames(System.nanoTime() - start);
        }
        frameIndex++;
        if (kind == Kind.FILE && frame.timestamp >= 0) {
            timestampMs = frame.timestamp / 1000;
        } else {
            timestampMs = (System.nanoTime() - openedNanos) / 1_000_000;
        }
        return frame;
    }

    /** Whether FFmpeg's last read gave up waiting for data (JavaCV reports it as the end). */
    private boolean readTimedOut() {
        if (!(grabber instanceof FFmpegFrameGrabber ffmpeg)) {
            return false;
        }
        AVFormatContext context = ffmpeg.getFormatContext();
        if (context == null || context.isNull()) {
            return false;
        }
        AVIOContext io = context.pb();
        return io != null && !io.isNull() && io.error() == TIMED_OUT;
    }

    /** The grabber found no more frames: the end, or a failure that looks like one. */
    private Frame endOfFrames(long waitedNanos) throws SourceException {
        long read = frameIndex + 1;
        if (kind == Kind.FILE) {
            ended = true;
            // Decoders may hold back a frame or two at the end; more missing is a cut file.
            if (declaredFrames > 0 && read < declaredFrames - Math.max(2, declaredFrames / 100)) {
                throw new SourceException(
                        "Video file "
                                + spec
                                + " ended after "
                                + read
                                + " of the "
                                + declaredFrames
                                + " frames its header declares: the file is truncated or damaged"
                                + " (the frames before the damage were read)");
            }
            return null;
        }
        if (kind == Kind.NETWORK && (readTimedOut() || waitedNanos >= timeout.toNanos() * 9 / 10)) {
            throw stalled(waitedNanos, false);
        }
        return null;
    }

    private Frame grabImageFile() {
        while (nextImage < images.size()) {
            Path file = images.get(nextImage++);
            Mat next;
            try {
                next = decoder.decode(file, 0);
            } catch (ImageException e) {
                SkipListener listener = skipListener;
                if (listener != null) {
                    listener.onSkipped(file.toString(), e);
                } else {
                    LOG.warn("Skipping {}: {}", file, e.getMessage());
                }
                continue;
            }
            if (imageMat != null) {
                imageMat.close();
            }
            imageMat = next;
            frameIndex++;
            timestampMs = Math.round(frameIndex * 1000 / frameRate);
            return imageConverter.convert(imageMat);
        }
        return null;
    }

    /**
     * Closes and opens the source again, for a camera or stream that disconnected. Frame indices go
     * on from where they were.
     *
     * @throws SourceException when it cannot be opened
     */
    public void reopen() throws SourceException {
        checkOpen();
        releaseNative();
        long index = frameIndex;
        long opened = openedNanos;
        ended = false;
        start();
        frameIndex = index;
        if (kind == Kind.CAMERA || kind == Kind.NETWORK) {
            openedNanos = opened; // timestamps keep counting from the first open
        }
    }

    /**
     * Sets who hears of the items this source skips (see {@link SkipListener}); without one, each
     * skip is logged as a warning. A {@link VideoClassifier} sets its own for the length of a run.
     *
     * @param listener the listener, or null to log skips
     */
    public void setSkipListener(SkipListener listener) {
        this.skipListener = listener;
    }

    /**
     * Who hears of the items this source skips.
     *
     * @return the listener, or null when skips are logged
     */
    public SkipListener skipListener() {
        return skipListener;
    }

    /**
     * The source as given to {@link #open}.
     *
     * @return the spec
     */
    public String spec() {
        return spec;
    }

    /**
     * What kind of source this is.
     *
     * @return the kind
     */
    public Kind kind() {
        return kind;
    }

    /**
     * Whether frames arrive in real time (a camera or network stream) rather than as fast as they
     * can be read (a file or folder).
     *
     * @return true for {@link Kind#CAMERA} and {@link Kind#NETWORK}
     */
    public boolean isLive() {
        return kind == Kind.CAMERA || kind == Kind.NETWORK;
    }

    /**
     * The nominal frame rate, as the source reports it ({@value #FOLDER_FRAME_RATE} for folders).
     *
     * @return frames per second, or 0 when unknown
     */
    public double frameRate() {
        return frameRate;
    }

    /**
     * The number of frames the source says it holds: the count in a video file's header, the number
     * of images in a folder.
     *
     * @return the count, or 0 when unknown (cameras, streams, files whose header does not say)
     */
    public long frameCount() {
        return kind == Kind.FOLDER ? images.size() : declaredFrames;
    }

    /**
     * The index of the frame last grabbed, from 0.
     *
     * @return the index, -1 before the first grab
     */
    public long frameIndex() {
        return frameIndex;
    }

    /**
     * The time of the frame last grabbed, in milliseconds: its presentation time for files, frame
     * index over {@link #frameRate()} for folders, time since opening for cameras and streams.
     *
     * @return milliseconds, -1 before the first grab
     */
    public long timestampMs() {
        return timestampMs;
    }

    String describe() {
        return switch (kind) {
            case CAMERA -> "camera " + spec;
            case FILE -> "video file " + spec;
            case FOLDER -> "image folder " + spec;
            case NETWORK -> "network stream " + spec;
        };
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("FrameSource " + spec + " is closed");
        }
    }

    private void releaseNative() {
        if (grabber != null) {
            closeGrabber(grabber);
            grabber = null;
        }
        if (imageMat != null) {
            imageMat.close();
            imageMat = null;
        }
        if (imageConverter != null) {
            imageConverter.close();
            imageConverter = null;
        }
    }

    private static void closeGrabber(FrameGrabber g) {
        try {
            g.close();
        } catch (FrameGrabber.Exception | RuntimeException e) {
            LOG.warn("Failed to close a frame grabber", e);
        }
    }

    /** Releases the grabber and its frame. Calling it again does nothing. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        releaseNative();
    }

    @Override
    public String toString() {
        return "FrameSource[" + describe() + (closed ? ", closed" : "") + "]";
    }
}
