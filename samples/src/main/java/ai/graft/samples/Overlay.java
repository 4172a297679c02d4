package ai.graft.samples;

import ai.graft.sdk.Category;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Locale;
import org.bytedeco.opencv.global.opencv_imgproc;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * Draws what the classifier says onto a frame with OpenCV: the top labels with their scores and a
 * bar each, the frames per second over the last two seconds, and the latency.
 */
final class Overlay implements AutoCloseable {
    private final Scalar panel = new Scalar(32, 32, 32, 0);
    private final Scalar text = new Scalar(255, 255, 255, 0);
    private final Scalar best = new Scalar(80, 220, 80, 0);
    private final Scalar bar = new Scalar(200, 140, 40, 0);
    private final ArrayDeque<Long> shown = new ArrayDeque<>();

    /**
     * Draws on the frame (8-bit BGR), in place.
     *
     * @param frame the frame
     * @param top the categories, best first
     * @param latencyMs the frame's capture-to-result latency
     */
    void draw(Mat frame, List<Category> top, double latencyMs) {
        double scale = Math.max(0.4, Math.min(1.0, frame.cols() / 900.0));
        int lineHeight = (int) Math.round(30 * scale);
        int pad = (int) Math.round(8 * scale);
        int width = Math.min(frame.cols(), (int) Math.round(440 * scale));
        int height = Math.min(frame.rows(), (top.size() + 1) * lineHeight + 2 * pad);
        try (Rect box = new Rect(0, 0, width, height)) {
            opencv_imgproc.rectangle(frame, box, panel, opencv_imgproc.FILLED, 8, 0);
        }
        int y = pad;
        for (int i = 0; i < top.size(); i++) {
            Category c = top.get(i);
            int barWidth = Math.max(1, (int) Math.round((width - 2 * pad) * c.score()));
            try (Rect r =
                    new Rect(
                            pad, y + lineHeight - pad + (int) Math.round(5 * scale), barWidth, 3)) {
                opencv_imgproc.rectangle(frame, r, bar, opencv_imgproc.FILLED, 8, 0);
            }
            String line = String.format(Locale.ROOT, "%.2f  %s", c.score(), c.label());
            put(frame, line, pad, y + lineHeight - pad, scale, i == 0 ? best : text);
            y += lineHeight;
        }
        String stats =
                String.format(
                        Locale.ROOT,
                        "%.1f frames/s   latency %.1f ms",
                        framesPerSecond(),
                        latencyMs);
        put(frame, stats, pad, y + lineHeight - pad, scale, text);
    }

    /** Frames drawn per second over the last two seconds. */
    private double framesPerSecond() {
        long now = System.nanoTime();
        shown.addLast(now);
        while (shown.size() > 2 && now - shown.peekFirst() > 2_000_000_000L) {
            shown.removeFirst();
        }
        return shown.size() < 2 ? 0 : (shown.size() - 1) / ((now - shown.peekFirst()) / 1e9);
    }

    private static void put(Mat frame, String s, int x, int y, double scale, Scalar color) {
        try (Point at = new Point(x, y)) {
            opencv_imgproc.putText(
                    frame,
                    s,
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
        panel.close();
        text.close();
        best.close();
        bar.close();
    }
}
