package ai.graft.cli;

import ai.graft.sdk.Category;
import ai.graft.sdk.FrameClassification;
import ai.graft.sdk.FrameSource;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ImageException;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.RunningMode;
import ai.graft.sdk.SourceException;
import ai.graft.sdk.StreamSummary;
import ai.graft.sdk.VideoClassifier;
import ai.graft.sdk.VideoClassifierOptions;
import ai.graft.sdk.internal.Json;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
            "2:invalid usage, or the source cannot be opened or was lost",
            "3:unusable model"
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
                    "Network sources: seconds to connect and to wait for data (default:"
                            + " ${DEFAULT-VALUE}).")
    double timeoutSeconds;

    @Option(
            names = "--reconnects",
            paramLabel = "N",
            defaultValue = "5",
            description =
                    "Cameras and streams: reopen a lost source up to N times in a row, with"
                            + " back-off (default: ${DEFAULT-VALUE}).")
    int reconnects;

    @Option(names = "--json", description = "One JSON object per classified frame, then a summary.")
    boolean json;

    @Override
    public Integer call() throws ModelException, SourceException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!(timeoutSeconds > 0)) {
            throw new IllegalArgumentException("--timeout must be positive, got " + timeoutSeconds);
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
        VideoClassifierOptions options;
        try {
            options = builder.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "Invalid stream option: " + e.getMessage() + " (see graft stream --help)", e);
        }
        Duration timeout = Duration.ofMillis(Math.max(1, Math.round(timeoutSeconds * 1000)));

        try (ImageClassifier model = classifier.open();
                FrameSource frames = FrameSource.open(source, timeout);
                VideoClassifier video = VideoClassifier.create(model, options)) {
            CountDownLatch finished = new CountDownLatch(1);
            // Ctrl-C: end the run; the summary is printed below before the JVM exits.
            Thread hook =
                    new Thread(
                            () -> {
                                video.stop();
                                try {
                                    finished.await(5, TimeUnit.SECONDS);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                            },
                            "graft-stream-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                video.run(frames, new Printer(out, err));
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
                    "%d frames read, %d classified, %d dropped in %.1f s (%.1f frames/s);"
                            + " latency p50 %.1f ms, p95 %.1f ms, p99 %.1f ms%s%n",
                    s.framesRead(),
                    s.framesClassified(),
                    s.framesDropped(),
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
        summary.put("framesPerSecond", PredictCommand.round(s.framesPerSecond(), 2));
        summary.put("latencyMs", latency);
        summary.put("reconnects", s.reconnects());
        summary.put("seconds", PredictCommand.round(s.seconds(), 3));
        return Json.write(Map.of("summary", summary));
    }

    static String frameJson(FrameClassification r) {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put("frame", r.frameIndex());
        object.put("timestampMs", r.timestampMs());
        object.put("top", PredictCommand.categories(r.classification().top()));
        object.put("latencyMs", PredictCommand.round(r.latencyMs(), 3));
        return Json.write(object);
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

    /** Prints each result as it comes, and reconnections on stderr. */
    private final class Printer implements VideoClassifier.Listener {
        private final PrintWriter out;
        private final PrintWriter err;

        Printer(PrintWriter out, PrintWriter err) {
            this.out = out;
            this.err = err;
        }

        @Override
        public void onResult(FrameClassification result) {
            out.println(json ? frameJson(result) : frameText(result));
            out.flush();
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
    }
}
