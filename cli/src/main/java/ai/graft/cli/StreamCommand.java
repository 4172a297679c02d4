package ai.graft.cli;

import ai.graft.converter.GraftJson;
import ai.graft.sdk.Category;
import ai.graft.sdk.FrameClassification;
import ai.graft.sdk.FrameSource;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ImageClassifierOptions;
import ai.graft.sdk.ImageException;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.RunningMode;
import ai.graft.sdk.SourceException;
import ai.graft.sdk.StreamSummary;
import ai.graft.sdk.VideoClassifier;
import ai.graft.sdk.VideoClassifierOptions;
import java.awt.GraphicsEnvironment;
import java.awt.event.WindowAdapter;
import java.awt.event.WindowEvent;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.swing.WindowConstants;
import org.bytedeco.javacv.CanvasFrame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code graft stream}: classify a video file, a webcam, a network stream or an image folder. */
@Command(
        name = "stream",
        mixinStandardHelpOptions = true,
        description = {
            "Classify the frames of a video file, a webcam, a network stream or a folder of images.",
            "By default every selected frame is classified in order (video mode). With --live a"
                    + " reader thread keeps only the newest frame and frames that arrive while the"
                    + " model is busy are dropped and counted. Ctrl-C ends the run and prints the"
                    + " summary."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the source ended or --max-frames was reached",
            "1:failure",
            "2:invalid usage, or the source cannot be opened, was lost or is truncated",
            "3:unusable model",
            "130:Ctrl-C (SIGINT) ended the run (after printing the summary)"
        })
public final class StreamCommand implements Subcommand {
    @Spec CommandSpec spec;

    @Mixin ClassifierOptions classifier;

    @Option(
            names = {"-s", "--source"},
            required = true,
            paramLabel = "SOURCE",
            description =
                    "A webcam index (0), a video file, a folder of images, or an"
                            + " rtsp/rtmp/http(s)/udp/tcp/srt URL.")
    String source;

    @Option(
            names = "--every",
            paramLabel = "N",
            defaultValue = "1",
            description = "Classify every Nth frame (default: ${DEFAULT-VALUE}).")
    int every;

    @Option(
            names = "--live",
            description =
                    "Live mode: newest frame wins, frames are dropped while the model is busy.")
    boolean live;

    @Option(
            names = "--realtime",
            arity = "0..1",
            paramLabel = "FACTOR",
            fallbackValue = "1",
            defaultValue = "0",
            description =
                    "Read a file at its frame rate times FACTOR (default 1 when given), as a camera"
                            + " would deliver it.")
    double realtime;

    @Option(
            names = "--smooth",
            paramLabel = "N",
            defaultValue = "1",
            description = "Average scores over the last N classified frames (default: no).")
    int smooth;

    @Option(
            names = "--roi",
            paramLabel = "X,Y,W,H",
            description = "Classify only this rectangle of each frame, in pixels.")
    String roi;

    @Option(
            names = "--max-frames",
            paramLabel = "N",
            defaultValue = "0",
            description = "Stop after reading N frames (default: until the source ends).")
    long maxFrames;

    @Option(
            names = "--timeout",
            paramLabel = "SECONDS",
            defaultValue = "10",
            description =
                    "Network sources: seconds that opening may take (connecting and the stream's"
                            + " first data), and that a stream may send nothing before it counts as"
                            + " stalled (default: ${DEFAULT-VALUE}).")
    double timeoutSeconds;

    @Option(
            names = "--reconnects",
            paramLabel = "N",
            defaultValue = "5",
            description =
                    "Cameras and streams: reopen a lost source up to N times in a row, with"
                            + " back-off (default: ${DEFAULT-VALUE}).")
    int reconnects;

    @Option(
            names = "--concurrency",
            paramLabel = "N",
            description =
                    "Video mode: classify N frames at once on worker threads, results still in"
                            + " order (default: one per CPU core, each inference on one ONNX"
                            + " Runtime thread unless --threads says otherwise). Live mode"
                            + " classifies one frame at a time, with one ONNX Runtime thread per"
                            + " core but one (left to the reader) unless --threads says"
                            + " otherwise.")
    Integer concurrency;

    @Option(
            names = "--display",
            description =
                    "Show the frames in a window with the top labels, scores, frames/s and"
                            + " latency drawn on them; closing the window ends the run.")
    boolean display;

    @Option(names = "--json", description = "One JSON object per classified frame, then a summary.")
    boolean json;

    @Override
    public Integer call() throws ModelException, SourceException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (display) {
            Display.requireScreen();
        }
        Flags.atLeast(spec, "--every", every, 1, null);
        Flags.atLeast(spec, "--smooth", smooth, 1, "1 means no smoothing");
        Flags.atLeast(spec, "--max-frames", maxFrames, 0, "0 reads until the source ends");
        Flags.atLeast(spec, "--reconnects", reconnects, 0, null);
        if (concurrency != null) {
            Flags.atLeast(spec, "--concurrency", concurrency, 1, null);
        }
        Flags.nonNegative(spec, "--realtime", realtime);
        if (!(timeoutSeconds > 0 && timeoutSeconds <= 86_400)) {
            throw Flags.usage(
                    spec,
                    "--timeout must be a number of seconds above 0 and at most 86400, got "
                            + timeoutSeconds);
        }
        VideoClassifierOptions.Builder builder =
                VideoClassifierOptions.builder()
                        .runningMode(live ? RunningMode.LIVE : RunningMode.VIDEO)
                        .everyNFrames(every)
                        .smoothingWindow(smooth)
                        .realtimeFactor(realtime)
                        .maxFrames(maxFrames)
                        .maxReconnects(reconnects);
        if (roi != null) {
            builder.regionOfInterest(VideoClassifierOptions.Region.parse(roi));
        }
        ImageClassifierOptions classifierOptions = classifier.toOptions();
        if (live && classifier.threads == 0) {
            // Live mode decodes on a reader thread while the model runs: leave it a core. ONNX
            // Runtime's threads spin while they wait, so one more thread than there are free
            // cores stalls every inference (measured: 4x the drops at 2x the latency on 2 cores).
            int cores = Runtime.getRuntime().availableProcessors();
            classifierOptions =
                    classifierOptions.toBuilder().intraOpThreads(Math.max(1, cores - 1)).build();
        }
        if (!live) {
            // Video mode is about throughput: several frames at once, each on few threads,
            // beats one frame on all cores for the small models that run on edge devices.
            int cores = Runtime.getRuntime().availableProcessors();
            int threads = classifier.threads;
            int frames =
                    concurrency != null
                            ? concurrency
                            : threads > 0 ? Math.max(1, cores / threads) : cores;
            if (threads == 0 && frames > 1) {
                classifierOptions =
                        classifierOptions.toBuilder()
                                .intraOpThreads(Math.max(1, cores / frames))
                                .build();
            }
            builder.concurrency(frames);
        }
        VideoClassifierOptions options;
        try {
            options = builder.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "Invalid stream option: " + e.getMessage() + " (see graft stream --help)", e);
        }
        Duration timeout = Duration.ofMillis(Math.max(1, Math.round(timeoutSeconds * 1000)));

        try (ImageClassifier model = classifier.open(classifierOptions);
                FrameSource frames = FrameSource.open(source, timeout);
                VideoClassifier video = VideoClassifier.create(model, options);
                Display window =
                        display ? new Display("graft stream " + source, video::stop) : null) {
            CountDownLatch finished = new CountDownLatch(1);
            // Ctrl-C: end the run; the summary is printed below before the JVM exits.
            Thread hook =
                    new Thread(
                            () -> {
                                video.stop();
                                try {
                                    finished.await(10, TimeUnit.SECONDS);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            },
                            "graft-stream-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                video.run(frames, new Printer(out, err, window));
            } finally {
                // Also when the source is lost or Ctrl-C stopped the run: report what was done.
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // Ctrl-C: the hook is running and waits for the summary.
                }
                printSummary(out, err, video.summary());
                finished.countDown();
            }
        }
        return ExitCodes.OK;
    }

    private boolean summaryPrinted;

    private void printSummary(PrintWriter out, PrintWriter err, StreamSummary s) {
        if (summaryPrinted) {
            return;
        }
        summaryPrinted = true;
        if (json) {
            out.println(summaryJson(s));
        } else {
            out.printf(
                    Locale.ROOT,
                    "%d frames read, %d classified, %d dropped%s in %.1f s (%.1f frames/s);"
                            + " latency p50 %.1f ms, p95 %.1f ms, p99 %.1f ms%s%n",
                    s.framesRead(),
                    s.framesClassified(),
                    s.framesDropped(),
                    s.framesSkipped() > 0 ? ", " + s.framesSkipped() + " skipped" : "",
                    s.seconds(),
                    s.framesPerSecond(),
                    s.latencyP50Ms(),
                    s.latencyP95Ms(),
                    s.latencyP99Ms(),
                    s.reconnects() > 0 ? ", " + s.reconnects() + " reconnects" : "");
        }
        out.flush();
    }

    static String summaryJson(StreamSummary s) {
        Map<String, Object> latency = new LinkedHashMap<>();
        latency.put("p50", PredictCommand.round(s.latencyP50Ms(), 3));
        latency.put("p95", PredictCommand.round(s.latencyP95Ms(), 3));
        latency.put("p99", PredictCommand.round(s.latencyP99Ms(), 3));
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("framesRead", s.framesRead());
        summary.put("framesClassified", s.framesClassified());
        summary.put("framesDropped", s.framesDropped());
        summary.put("framesSkipped", s.framesSkipped());
        summary.put("framesPerSecond", PredictCommand.round(s.framesPerSecond(), 2));
        summary.put("latencyMs", latency);
        summary.put("reconnects", s.reconnects());
        summary.put("seconds", PredictCommand.round(s.seconds(), 3));
        return GraftJson.write(Map.of("summary", summary));
    }

    static String frameJson(FrameClassification r) {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("timestampMs", r.timestampMs());
        object.put("top", PredictCommand.categories(r.classification().top()));
        object.put("latencyMs", PredictCommand.round(r.latencyMs(), 3));
        object.put("frame", r.frameIndex());
        return GraftJson.write(object);
    }

    static String frameText(FrameClassification r) {
        StringBuilder line =
                new StringBuilder(
                        String.format(
                                Locale.ROOT,
                                "frame %d @ %.3f s:",
                                r.frameIndex(),
                                r.timestampMs() / 1000.0));
        String separator = " ";
        for (Category c : r.classification().top()) {
            line.append(separator)
                    .append(
                            String.format(
                                    Locale.ROOT, "%d %s (%.3f)", c.index(), c.label(), c.score()));
            separator = ", ";
        }
        return line.append(String.format(Locale.ROOT, "  [%.1f ms]", r.latencyMs())).toString();
    }

    /**
     * Prints each result as it comes, and reconnections and skipped frames on stderr, one line
     * each; shows frames if asked.
     */
    private final class Printer implements VideoClassifier.Listener {
        private final PrintWriter out;
        private final PrintWriter err;
        private final Display window;

        Printer(PrintWriter out, PrintWriter err, Display window) {
            this.out = out;
            this.err = err;
            this.window = window;
        }

        @Override
        public void onResult(FrameClassification result) {
            out.println(json ? frameJson(result) : frameText(result));
            out.flush();
        }

        @Override
        public void onResult(FrameClassification result, Mat frame) {
            onResult(result);
            if (window != null) {
                window.show(result, frame);
            }
        }

        @Override
        public void onReconnect(String src, int attempt, long delayMs, String reason) {
            err.printf(
                    Locale.ROOT,
                    "graft stream: reopening %s in %d ms (attempt %d of %d): %s%n",
                    src,
                    delayMs,
                    attempt,
                    reconnects,
                    reason);
            err.flush();
        }

        @Override
        public void onFrameError(long frameIndex, ImageException error) {
            err.println("graft stream: frame " + frameIndex + " skipped: " + error.getMessage());
            err.flush();
        }

        @Override
        public void onSkipped(String item, ImageException error) {
            err.println("graft stream: skipped " + error.getMessage());
            err.flush();
        }
    }

    /**
     * The {@code --display} window: each classified frame with its top labels and scores (with
     * bars), frames/s and latency drawn on it. Closing the window stops the run.
     */
    static final class Display implements AutoCloseable {
        private static final Scalar PANEL = new Scalar(32, 32, 32, 0);
        private static final Scalar TEXT = new Scalar(255, 255, 255, 0);
        private static final Scalar BEST = new Scalar(80, 220, 80, 0);
        private static final Scalar BAR = new Scalar(200, 140, 40, 0);

        private final CanvasFrame canvas;
        private final OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
        private final ArrayDeque<Long> recent = new ArrayDeque<>();
        private volatile boolean open = true;

        /** Fails, saying what to do, where no window can be opened. */
        static void requireScreen() {
            if (GraphicsEnvironment.isHeadless()) {
                throw new IllegalArgumentException(
                        "--display needs a graphical display and this process has none (DISPLAY"
                                + " is not set, or java.awt.headless=true); run without --display,"
                                + " or under X11 or Xvfb");
            }
        }

        Display(String title, Runnable onClose) {
            requireScreen();
            canvas = new CanvasFrame(title, 1.0);
            canvas.setDefaultCloseOperation(WindowConstants.DISPOSE_ON_CLOSE);
            canvas.addWindowListener(
                    new WindowAdapter() {
                        @Override
                        public void windowClosing(WindowEvent e) {
                            open = false;
                            onClose.run();
                        }
                    });
        }

        /** Draws the result on the (borrowed) frame and shows it. */
        void show(FrameClassification result, Mat frame) {
            if (!open) {
                return;
            }
            long now = System.nanoTime();
            recent.addLast(now);
            while (recent.size() > 2 && now - recent.peekFirst() > 2_000_000_000L) {
                recent.removeFirst();
            }
            double fps =
                    recent.size() < 2
                            ? 0
                            : (recent.size() - 1) / ((now - recent.peekFirst()) / 1e9);
            draw(frame, result.classification().top(), fps, result.latencyMs());
            canvas.showImage(converter.convert(frame));
        }

        static void draw(Mat frame, List<Category> top, double fps, double latencyMs) {
            double scale = Math.max(0.4, Math.min(1.0, frame.cols() / 900.0));
            int lineHeight = (int) Math.round(30 * scale);
            int pad = (int) Math.round(8 * scale);
            int width = Math.min(frame.cols(), (int) Math.round(430 * scale));
            int lines = top.size() + 1;
            int height = Math.min(frame.rows(), lines * lineHeight + 2 * pad);
            try (Rect box = new Rect(0, 0, width, height)) {
                opencv_imgproc.rectangle(frame, box, PANEL, opencv_imgproc.FILLED, 8, 0);
            }
            int y = pad;
            for (int i = 0; i < top.size(); i++) {
                Category c = top.get(i);
                int barWidth = Math.max(1, (int) Math.round((width - 2 * pad) * c.score()));
                try (Rect bar =
                        new Rect(
                                pad,
                                y + lineHeight - pad + (int) Math.round(5 * scale),
                                barWidth,
                                3)) {
                    opencv_imgproc.rectangle(frame, bar, BAR, opencv_imgproc.FILLED, 8, 0);
                }
                String text = String.format(Locale.ROOT, "%.2f  %s", c.score(), c.label());
                put(frame, text, pad, y + lineHeight - pad, scale, i == 0 ? BEST : TEXT);
                y += lineHeight;
            }
            String stats =
                    String.format(Locale.ROOT, "%.1f frames/s   latency %.1f ms", fps, latencyMs);
            put(frame, stats, pad, y + lineHeight - pad, scale, TEXT);
        }

        private static void put(Mat frame, String text, int x, int y, double scale, Scalar color) {
            try (Point at = new Point(x, y)) {
                opencv_imgproc.putText(
                        frame,
                        text,
                        at,
                        opencv_imgproc.FONT_HERSHEY_SIMPLEX,
                        0.7 * scale,
                        color,
                        Math.max(1, (int) Math.round(1.5 * scale)),
                        opencv_imgproc.LINE_AA,
                        false);
            }
        }

        @Override
        public void close() {
            open = false;
            canvas.dispose();
            converter.close();
        }
    }
}
