package ai.graft.samples;

import ai.graft.sdk.FrameClassification;
import ai.graft.sdk.FrameSource;
import ai.graft.sdk.StreamSummary;
import ai.graft.sdk.VideoClassifier;
import ai.graft.sdk.VideoClassifierOptions;
import java.awt.GraphicsEnvironment;
import java.awt.event.WindowAdapter;
import java.awt.event.WindowEvent;
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
    private WebcamDemo() {}

    /**
     * Runs the demo.
     *
     * @param args see the class comment
     * @throws Exception when the model or every source fails to open
     */
    public static void main(String[] args) throws Exception {
        SampleArgs a = SampleArgs.parseOrExit(args, "top", "smooth", "frames");
        if (GraphicsEnvironment.isHeadless()) {
            System.err.println(
                    "The webcam demo needs a display (DISPLAY is not set); run it on a desktop,"
                            + " under Xvfb, or try the headless CameraLogger sample");
            System.exit(2);
        }
        try (FrameSource source = a.openSource()) {
            VideoClassifierOptions options =
                    SampleArgs.liveOptions(source)
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
