package ai.graft.sdk.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;

/**
 * Plain-colour frames that {@link TinyOnnx#rgbClassifier()} tells apart (labels red, green, blue),
 * as videos and JPEGs: stand-ins for a camera whose every frame has a known answer.
 */
public final class ColourVideo {
    /** The colours in the order of the classifier's labels. */
    public static final List<String> COLOURS = List.of("red", "green", "blue");

    private ColourVideo() {}

    /**
     * A solid colour as OpenCV's BGR scalar.
     *
     * @param colour red, green or blue
     * @return the scalar; close it
     */
    public static Scalar bgr(String colour) {
        return switch (colour) {
            case "red" -> new Scalar(0, 0, 255, 0);
            case "green" -> new Scalar(0, 255, 0, 0);
            case "blue" -> new Scalar(255, 0, 0, 0);
            default -> throw new IllegalArgumentException("no colour " + colour);
        };
    }

    /**
     * Writes an MJPEG {@code .avi}: each colour of the schedule for {@code framesPerColour} frames.
     *
     * @param file where
     * @param schedule colours, in order
     * @param framesPerColour frames of each
     * @param width frame width
     * @param height frame height
     * @param fps the frame rate in the file
     * @throws Exception when FFmpeg cannot write it
     */
    public static void writeAvi(
            Path file,
            List<String> schedule,
            int framesPerColour,
            int width,
            int height,
            double fps)
            throws Exception {
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toFile(), width, height);
                OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat()) {
            recorder.setFormat("avi");
            recorder.setVideoCodec(avcodec.AV_CODEC_ID_MJPEG);
            recorder.setPixelFormat(avutil.AV_PIX_FMT_YUVJ420P);
            recorder.setFrameRate(fps);
            recorder.setVideoQuality(2);
            recorder.start();
            for (String colour : schedule) {
                try (Scalar s = bgr(colour);
                        Mat mat = new Mat(height, width, opencv_core.CV_8UC3, s)) {
                    for (int i = 0; i < framesPerColour; i++) {
                        recorder.record(converter.convert(mat));
                    }
                }
            }
            recorder.stop();
        }
    }

    /**
     * JPEG frames of the given colours.
     *
     * @param colours one frame per entry
     * @param width frame width
     * @param height frame height
     * @return the encoded frames
     */
    public static List<byte[]> jpegs(List<String> colours, int width, int height) {
        List<byte[]> out = new ArrayList<>();
        for (String colour : colours) {
            try (Scalar s = bgr(colour);
                    Mat mat = new Mat(height, width, opencv_core.CV_8UC3, s);
                    BytePointer buf = new BytePointer()) {
                if (!opencv_imgcodecs.imencode(".jpg", mat, buf)) {
                    throw new IllegalStateException("JPEG encoding failed");
                }
                byte[] bytes = new byte[(int) buf.limit()];
                buf.get(bytes);
                out.add(bytes);
            }
        }
        return out;
    }
}
