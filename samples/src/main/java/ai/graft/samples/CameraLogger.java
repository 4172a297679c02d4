package ai.graft.samples;

import ai.graft.sdk.Category;
import ai.graft.sdk.FrameClassification;
import ai.graft.sdk.FrameSource;
import ai.graft.sdk.StreamSummary;
import ai.graft.sdk.VideoClassifier;
import ai.graft.sdk.VideoClassifierOptions;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Graft embedded in a headless application: it watches a camera (or, where there is none, a video
 * file played at its own frame rate) and logs what it sees: each time the smoothed best label
 * changes, every reconnection, a status line every ten seconds and a summary at the end.
 *
 * <pre>
 * java -cp ... ai.graft.samples.CameraLogger [--model M.onnx] [--labels L.txt] [--preprocess P]
 *         [--camera 0] [--video FILE] [--source FILE|URL] [--every 1] [--smooth 5]
 *         [--min-score 0.2] [--seconds N]
 * </pre>
 *
 * <p>It runs until the source ends, {@code --seconds} pass, or Ctrl-C.
 */
public final class CameraLogger {
    private static final Logger LOG = LoggerFactory.getLogger(CameraLogger.class);

    private CameraLogger() {}

    /**
     * Runs the logger.
     *
     * @param args see the class comment
     * @throws Exception when the model or every source fails to open
     */
    public static void main(String[] args) throws Exception {
        SampleArgs a = SampleArgs.parseOrExit(args, "every", "smooth", "min-score", "seconds");
        float minScore = Float.parseFloat(a.get("min-score", "0.2"));
        try (FrameSource source = a.openSource()) {
            VideoClassifierOptions options =
                    SampleArgs.liveOptions(source)
                            .everyNFrames(a.getInt("every", 1))
                            .smoothingWindow(a.getInt("smooth", 5))
                            .classifierOptions(a.classifierOptions(1))
                            .build();
            ScheduledExecutorService timer =
                    Executors.newSingleThreadScheduledExecutor(
                            r -> {
                                Thread t = new Thread(r, "camera-logger-timer");
                                t.setDaemon(true);
                                return t;
                            });
            CountDownLatch finished = new CountDownLatch(1);
            try (VideoClassifier video = VideoClassifier.create(a.model(), options)) {
                LOG.info(
                        "Watching {} with {} ({} labels)",
                        source.spec(),
                        a.model(),
                        video.classifier().labels().size());
                timer.scheduleAtFixedRate(
                        () -> LOG.info("status: {}", describe(video.summary())),
                        10,
                        10,
                        TimeUnit.SECONDS);
                int seconds = a.getInt("seconds", 0);
                if (seconds > 0) {
                    timer.schedule(video::stop, seconds, TimeUnit.SECONDS);
                }
                // Ctrl-C: stop the run and let it log its summary before the JVM exits.
                Thread hook =
                        new Thread(
                                () -> {
                                    video.stop();
                                    try {
                                        finished.await(5, TimeUnit.SECONDS);
                                    } catch (InterruptedException e) {
                                        Thread.currentThread().interrupt();
                                    }
                                });
                Runtime.getRuntime().addShutdownHook(hook);
                try {
                    StreamSummary summary = video.run(source, new ChangeLogger(minScore));
                    LOG.info("done: {}", describe(summary));
                } finally {
                    finished.countDown();
                    try {
                        Runtime.getRuntime().removeShutdownHook(hook);
                    } catch (IllegalStateException shuttingDown) {
                        // Ctrl-C: the hook is waiting for us.
                    }
                }
            } finally {
                timer.shutdownNow();
            }
        }
    }

    private static String describe(StreamSummary s) {
        return String.format(
                java.util.Locale.ROOT,
                "%d frames read, %d classified, %d dropped, %.1f frames/s, latency p50 %.1f ms,"
                        + " p99 %.1f ms, %d reconnects",
                s.framesRead(),
                s.framesClassified(),
                s.framesDropped(),
                s.framesPerSecond(),
                s.latencyP50Ms(),
                s.latencyP99Ms(),
                s.reconnects());
    }

    /** Logs the smoothed best label when it changes (below {@code minScore}: "nothing sure"). */
    private static final class ChangeLogger implements VideoClassifier.Listener {
        private final float minScore;
        private String current;

        ChangeLogger(float minScore) {
            this.minScore = minScore;
        }

        @Override
        public void onResult(FrameClassification result) {
            Category best = result.classification().best();
            String seen = best != null && best.score() >= minScore ? best.label() : null;
            if (current == null ? seen == null : current.equals(seen)) {
                return;
            }
            current = seen;
            if (seen == null) {
                LOG.info("{} s: nothing scores {} or more", seconds(result), minScore);
            } else {
                LOG.info(
                        "{} s: {} ({}), frame {}, {} ms after capture",
                        seconds(result),
                        seen,
                        String.format(java.util.Locale.ROOT, "%.2f", best.score()),
                        result.frameIndex(),
                        String.format(java.util.Locale.ROOT, "%.1f", result.latencyMs()));
            }
        }

        @Override
        public void onReconnect(String source, int attempt, long delayMs, String reason) {
            LOG.warn(
                    "lost {}, reopening in {} ms (attempt {}): {}",
                    source,
                    delayMs,
                    attempt,
                    reason);
        }

        private static String seconds(FrameClassification r) {
            return String.format(java.util.Locale.ROOT, "%.1f", r.timestampMs() / 1000.0);
        }
    }
}
