package ai.graft.samples;

import ai.graft.sdk.FrameClassification;
import ai.graft.sdk.FrameSource;
import ai.graft.sdk.RunningMode;
import ai.graft.sdk.StreamSummary;
import ai.graft.sdk.VideoClassifier;
import ai.graft.sdk.VideoClassifierOptions;
import java.awt.GraphicsEnvironment;
import java.awt.event.WindowAdapter;
import java.awt.event.WindowEvent;
import java.util.List;
import java.util.Locale;
import javax.swing.WindowConstants;
import org.bytedeco.javacv.CanvasFrame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * The webcam demo: a window showing what the camera sees, with the model's top labels, their
 * scores, the frames per second and the latency drawn on each frame. Where no camera opens it shows
 * a video file instead, at the file's own frame rate, as a camera would deliver it.
 *
 * <pre>
 * java -cp ... ai.graft.samples.WebcamDemo [--model M.onnx] [--labels L.txt] [--preprocess P]
 *         [--camera 0] [--video FILE] [--source FILE|URL] [--top 3] [--smooth 5] [--frames N]
 * </pre>
 *
 * <p>Without {@code --model} it runs the shared data's SqueezeNet 1.1 with its ImageNet labels.
 * Closing the window ends it.
 */
public final class WebcamDemo {
    private static final List<String> ARGS =
            List.of(
                    "model",
                    "labels",
                    "preprocess",
                    "camera",
                    "video",
                    "source",
                    "top",
                    "smooth",
                    "frames");

    private WebcamDemo() {}

    /**
     * Runs the demo.
     *
     * @param args see the class comment
     * @throws Exception when the model or every source fails to open
     */
    public static void main(String[] args) throws Exception {
        SampleArgs a;
        try {
            a = SampleArgs.parse(args, ARGS);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        if (GraphicsEnvironment.isHeadless()) {
            System.err.println(
                    "The webcam demo needs a display (DISPLAY is not set); run it on a desktop,"
                            + " under Xvfb, or try the headless CameraLogger sample");
            System.exit(2);
        }
        try (FrameSource source = a.openSource()) {
            VideoClassifierOptions options =
                    VideoClassifierOptions.builder()
                            // Live: the newest frame wins, as a camera demo should.
                            .runningMode(RunningMode.LIVE)
                            // A file plays at its own rate, like a camera; cameras pace themselves.
                            .realtimeFactor(source.isLive() ? 0 : 1)
                            .smoothingWindow(a.getInt("smooth", 5))
                            .maxFrames(a.getInt("frames", 0))
                            .classifierOptions(a.classifierOptions(a.getInt("top", 3)))
                            .build();
            try (VideoClassifier video = VideoClassifier.create(a.model(), options);
                    OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
                    Overlay overlay = new Overlay()) {
                CanvasFrame window = new CanvasFrame("Graft: " + source.spec(), 1.0);
                window.setDefaultCloseOperation(WindowConstants.DISPOSE_ON_CLOSE);
                window.addWindowListener(
                        new WindowAdapter() {
                            @Override
                            public void windowClosing(WindowEvent e) {
                                video.stop();
                            }
                        });
                try {
                    StreamSummary summary =
                            video.run(
                                    source,
                                    new VideoClassifier.Listener() {
                                        @Override
                                        public void onResult(FrameClassification result) {}

                                        @Override
                                        public void onResult(
                                                FrameClassification result, Mat frame) {
                                            // The frame is ours to draw on until we return.
                                            overlay.draw(
                                                    frame,
                                                    result.classification().top(),
                                                    result.latencyMs());
                                            window.showImage(converter.convert(frame));
                                        }

                                        @Override
                                        public void onReconnect(
                                                String src, int attempt, long delayMs, String why) {
                                            System.err.printf(
                                                    "Reopening %s in %d ms: %s%n",
                                                    src, delayMs, why);
                                        }
                                    });
                    System.out.printf(
                            Locale.ROOT,
                            "%d frames shown at %.1f frames/s, %d dropped; latency p50 %.1f ms,"
                                    + " p99 %.1f ms%n",
                            summary.framesClassified(),
                            summary.framesPerSecond(),
                            summary.framesDropped(),
                            summary.latencyP50Ms(),
                            summary.latencyP99Ms());
                } finally {
                    window.dispose();
                }
            }
        }
    }
}
