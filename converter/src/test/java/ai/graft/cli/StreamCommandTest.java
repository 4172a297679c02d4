package ai.graft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.TestData;
import ai.graft.sdk.internal.Json;
import ai.graft.sdk.testing.TinyOnnx;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class StreamCommandTest {
    @TempDir static Path dir;
    static Path model;
    static Path video;

    record Run(int exitCode, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    static Run graft(String... args) {
        CommandLine cli = Graft.newCommandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /** 10 red, 10 green, 10 blue frames at 10 fps, MJPEG in AVI. */
    @BeforeAll
    static void writeModelAndVideo() throws Exception {
        model = TinyOnnx.rgbClassifier().write(dir.resolve("colours.onnx"));
        Files.writeString(dir.resolve("labels.txt"), "red\ngreen\nblue\n");
        video = dir.resolve("colours.avi");
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(video.toFile(), 64, 48);
                OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat()) {
            recorder.setFormat("avi");
            recorder.setVideoCodec(avcodec.AV_CODEC_ID_MJPEG);
            recorder.setPixelFormat(avutil.AV_PIX_FMT_YUVJ420P);
            recorder.setFrameRate(10);
            recorder.setVideoQuality(2);
            recorder.start();
            Scalar[] colours = {
                new Scalar(0, 0, 255, 0), new Scalar(0, 255, 0, 0), new Scalar(255, 0, 0, 0)
            };
            for (Scalar colour : colours) {
                try (Mat mat = new Mat(48, 64, opencv_core.CV_8UC3, colour)) {
                    for (int i = 0; i < 10; i++) {
                        recorder.record(converter.convert(mat));
                    }
                }
            }
            recorder.stop();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> summaryOf(Run run) {
        List<String> lines = run.lines();
        Map<String, Object> last = (Map<String, Object>) Json.parse(lines.get(lines.size() - 1));
        return (Map<String, Object>) last.get("summary");
    }

    @Test
    @SuppressWarnings("unchecked")
    void stream_jsonGivesOneLinePerClassifiedFrameThenASummary() {
        Run run =
                graft(
                        "stream",
                        "--model",
                        model.toString(),
                        "--preprocess",
                        "imagenet",
                        "--source",
                        video.toString(),
                        "--every",
                        "5",
                        "--json");

        assertEquals(0, run.exitCode(), run.err());
        List<String> lines = run.lines();
        assertEquals(7, lines.size(), run.out());
        String[] expected = {"red", "red", "green", "green", "blue", "blue"};
        for (int i = 0; i < 6; i++) {
            Map<String, Object> frame = (Map<String, Object>) Json.parse(lines.get(i));
            assertEquals(i * 500.0, (Double) frame.get("timestampMs"), 1.0);
            List<Object> top = (List<Object>) frame.get("top");
            assertEquals(expected[i], ((Map<String, Object>) top.get(0)).get("label"));
            assertTrue(frame.containsKey("latencyMs"));
        }
        Map<String, Object> summary = summaryOf(run);
        assertEquals(30.0, summary.get("framesRead"));
        assertEquals(6.0, summary.get("framesClassified"));
        assertEquals(0.0, summary.get("framesDropped"));
        Map<String, Object> latency = (Map<String, Object>) summary.get("latencyMs");
        assertTrue((Double) latency.get("p99") >= (Double) latency.get("p50"));
    }

    @Test
    void stream_liveRealtimeWithMaxFramesPrintsTextAndSummary() {
        Run run =
                graft(
                        "stream",
                        "-m",
                        model.toString(),
                        "--preprocess",
                        "imagenet",
                        "--source",
                        video.toString(),
                        "--live",
                        "--realtime",
                        "4",
                        "--max-frames",
                        "12",
                        "--top-k",
                        "1");

        assertEquals(0, run.exitCode(), run.err());
        List<String> lines = run.lines();
        assertTrue(lines.get(0).startsWith("frame 0 @ 0.000 s: 0 red ("), lines.get(0));
        String last = lines.get(lines.size() - 1);
        assertTrue(last.startsWith("12 frames read, "), last);
    }

    @Test
    void stream_missingFileExitsWithUsageAndSaysWhy() {
        Path missing = dir.resolve("missing.avi");
        Run run =
                graft(
                        "stream",
                        "--model",
                        model.toString(),
                        "--preprocess",
                        "imagenet",
                        "--source",
                        missing.toString());

        assertEquals(ExitCodes.USAGE, run.exitCode());
        assertTrue(run.err().contains("Video file not found: " + missing), run.err());
    }

    @Test
    void stream_refusedUrlExitsWithUsageQuickly() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        long start = System.nanoTime();
        Run run =
                graft(
                        "stream",
                        "--model",
                        model.toString(),
                        "--preprocess",
                        "imagenet",
                        "--source",
                        "rtsp://127.0.0.1:" + port + "/cam",
                        "--timeout",
                        "3");
        double seconds = (System.nanoTime() - start) / 1e9;

        assertEquals(ExitCodes.USAGE, run.exitCode());
        assertTrue(seconds < 4, "took " + seconds + " s");
        assertTrue(run.err().contains("rtsp://127.0.0.1:" + port + "/cam"), run.err());
        assertTrue(run.err().contains("connection refused"), run.err());
    }

    @Test
    void stream_badOptionIsUsageError() {
        Run run =
                graft(
                        "stream",
                        "--model",
                        model.toString(),
                        "--preprocess",
                        "imagenet",
                        "--source",
                        video.toString(),
                        "--every",
                        "0");

        assertEquals(ExitCodes.USAGE, run.exitCode());
        assertTrue(run.err().contains("everyNFrames must be >= 1"), run.err());
    }

    @Test
    void stream_realVideoWithSqueezeNet() {
        Path squeezenet = TestData.require("models/squeezenet1.1.onnx");
        Path labels = TestData.require("labels/imagenet_classes.txt");
        Path clip = TestData.require("video/vtest_mjpeg.avi");
        Run run =
                graft(
                        "stream",
                        "--model",
                        squeezenet.toString(),
                        "--labels",
                        labels.toString(),
                        "--preprocess",
                        "caffe",
                        "--source",
                        clip.toString(),
                        "--every",
                        "20",
                        "--json");

        assertEquals(0, run.exitCode(), run.err());
        assertEquals(11, run.lines().size(), run.out());
        assertEquals(200.0, summaryOf(run).get("framesRead"));
    }
}
