package ai.graft.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.testing.TinyOnnx;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VideoClassifierTest {
    /** BGR colours of the generated video, 10 frames each, at 10 fps. */
    private static final String[] SCHEDULE = {"red", "green", "blue"};

    private static final int FRAMES_PER_COLOUR = 10;
    private static final int FRAMES = SCHEDULE.length * FRAMES_PER_COLOUR;

    @TempDir static Path dir;
    static Path video;
    static ImageClassifier classifier;

    @BeforeAll
    static void setUp() throws Exception {
        Path model = TinyOnnx.rgbClassifier().write(dir.resolve("colours.onnx"));
        Files.writeString(dir.resolve("labels.txt"), "red\ngreen\nblue\n");
        classifier =
                ImageClassifier.create(
                        model, ImageClassifierOptions.builder().preprocessing("imagenet").build());
        video = dir.resolve("colours.avi");
        writeVideo(video, 64, 48, 10);
    }

    @AfterAll
    static void tearDown() {
        classifier.close();
    }

    static Scalar bgr(String colour) {
        return switch (colour) {
            case "red" -> new Scalar(0, 0, 255, 0);
            case "green" -> new Scalar(0, 255, 0, 0);
            default -> new Scalar(255, 0, 0, 0);
        };
    }

    /** An MJPEG .avi of {@link #SCHEDULE}, {@link #FRAMES_PER_COLOUR} frames per colour. */
    static void writeVideo(Path file, int width, int height, double fps) throws Exception {
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toFile(), width, height);
                OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat()) {
            recorder.setFormat("avi");
            recorder.setVideoCodec(avcodec.AV_CODEC_ID_MJPEG);
            recorder.setPixelFormat(avutil.AV_PIX_FMT_YUVJ420P);
            recorder.setFrameRate(fps);
            recorder.setVideoQuality(2);
            recorder.start();
            for (String colour : SCHEDULE) {
                try (Mat mat =
                        new Mat(
                                height,
                                width,
                                org.bytedeco.opencv.global.opencv_core.CV_8UC3,
                                bgr(colour))) {
                    for (int i = 0; i < FRAMES_PER_COLOUR; i++) {
                        recorder.record(converter.convert(mat));
                    }
                }
            }
            recorder.stop();
        }
    }

    static String expectedLabel(long frameIndex) {
        return SCHEDULE[(int) (frameIndex / FRAMES_PER_COLOUR)];
    }

    private static List<FrameClassification> run(
            VideoClassifierOptions options, String source, StreamSummary[] summary)
            throws SourceException {
        List<FrameClassification> results = Collections.synchronizedList(new ArrayList<>());
        try (VideoClassifier vc = VideoClassifier.create(classifier, options);
                FrameSource src = FrameSource.open(source)) {
            summary[0] = vc.run(src, results::add);
        }
        return results;
    }

    @Test
    void video_labelsFollowColoursAndTimestampsIncrease() throws Exception {
        StreamSummary[] summary = new StreamSummary[1];
        List<FrameClassification> results =
                run(VideoClassifierOptions.defaults(), video.toString(), summary);

        assertEquals(FRAMES, results.size());
        long lastTimestamp = -1;
        for (int i = 0; i < results.size(); i++) {
            FrameClassification r = results.get(i);
            assertEquals(i, r.frameIndex());
            assertEquals(expectedLabel(i), r.classification().best().label(), "frame " + i);
            assertTrue(r.timestampMs() > lastTimestamp, "timestamps increase at frame " + i);
            lastTimestamp = r.timestampMs();
            assertTrue(r.latencyMs() > 0);
        }
        // 10 fps: frame i is at i * 100 ms.
        assertEquals(2900, results.get(FRAMES - 1).timestampMs(), 1);
        assertEquals(FRAMES, summary[0].framesRead());
        assertEquals(FRAMES, summary[0].framesClassified());
        assertEquals(0, summary[0].framesDropped());
        assertTrue(summary[0].framesPerSecond() > 0);
        assertTrue(summary[0].latencyP50Ms() <= summary[0].latencyP99Ms());
    }

    @Test
    void video_everyNFramesAndMaxFrames() throws Exception {
        StreamSummary[] summary = new StreamSummary[1];
        List<FrameClassification> results =
                run(
                        VideoClassifierOptions.builder().everyNFrames(3).maxFrames(20).build(),
                        video.toString(),
                        summary);

        assertEquals(
                List.of(0L, 3L, 6L, 9L, 12L, 15L, 18L),
                results.stream().map(FrameClassification::frameIndex).toList());
        for (FrameClassification r : results) {
            assertEquals(expectedLabel(r.frameIndex()), r.classification().best().label());
        }
        assertEquals(20, summary[0].framesRead());
        assertEquals(7, summary[0].framesClassified());
    }

    @Test
    void video_smoothingLagsBehindAColourChange() throws Exception {
        StreamSummary[] summary = new StreamSummary[1];
        List<FrameClassification> results =
                run(
                        VideoClassifierOptions.builder().smoothingWindow(3).build(),
                        video.toString(),
                        summary);

        // Window of 3: the first green frame (10) still averages two red frames with it.
        assertEquals("red", results.get(10).classification().best().label());
        assertEquals("green", results.get(11).classification().best().label());
        float sum = 0;
        for (Category c : results.get(10).classification().top()) {
            sum += c.score();
        }
        assertEquals(1.0, sum, 1e-3);
    }

    @Test
    void live_dropsFramesWhileAListenerIsSlowAndCountsThem() throws Exception {
        List<FrameClassification> results = Collections.synchronizedList(new ArrayList<>());
        StreamSummary summary;
        VideoClassifierOptions options =
                VideoClassifierOptions.builder().runningMode(RunningMode.LIVE).build();
        try (VideoClassifier vc = VideoClassifier.create(classifier, options);
                FrameSource src = FrameSource.open(video.toString())) {
            summary =
                    vc.run(
                            src,
                            r -> {
                                results.add(r);
                                sleep(40);
                            });
        }

        assertEquals(FRAMES, summary.framesRead());
        assertTrue(summary.framesDropped() > 0, "drops under a slow listener: " + summary);
        // Every frame read is either classified or dropped (the last one is always classified).
        assertEquals(FRAMES, summary.framesClassified() + summary.framesDropped());
        assertEquals(results.size(), summary.framesClassified());
        long last = -1;
        for (FrameClassification r : results) {
            assertTrue(r.frameIndex() > last, "newest frame wins, in order");
            last = r.frameIndex();
            assertEquals(expectedLabel(r.frameIndex()), r.classification().best().label());
        }
        assertEquals(FRAMES - 1, last);
    }

    @Test
    void live_realtimePacesAFileAtItsFrameRate() throws Exception {
        VideoClassifierOptions options =
                VideoClassifierOptions.builder()
                        .runningMode(RunningMode.LIVE)
                        .realtimeFactor(2)
                        .build();
        long start = System.nanoTime();
        StreamSummary[] summary = new StreamSummary[1];
        List<FrameClassification> results = run(options, video.toString(), summary);
        double seconds = (System.nanoTime() - start) / 1e9;

        // 30 frames at 10 fps, twice as fast: 2.9 s of video in about 1.45 s.
        assertTrue(seconds >= 1.3, "paced, took " + seconds + " s");
        assertEquals(0, summary[0].framesDropped(), "a tiny model keeps up at 20 fps");
        assertEquals(FRAMES, results.size());
        assertTrue(summary[0].latencyP99Ms() < 1000, summary[0].toString());
    }

    @Test
    void stop_endsARunFromAnotherThread() throws Exception {
        VideoClassifierOptions options =
                VideoClassifierOptions.builder()
                        .runningMode(RunningMode.LIVE)
                        .realtimeFactor(1)
                        .build();
        try (VideoClassifier vc = VideoClassifier.create(classifier, options);
                FrameSource src = FrameSource.open(video.toString())) {
            AtomicInteger seen = new AtomicInteger();
            StreamSummary summary =
                    vc.run(
                            src,
                            r -> {
                                if (seen.incrementAndGet() == 3) {
                                    vc.stop();
                                }
                            });
            assertTrue(summary.framesRead() < FRAMES, summary.toString());
            assertTrue(summary.seconds() < 2.5, summary.toString());
        }
    }

    @Test
    void regionOfInterest_classifiesOnlyThatPart() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("split"));
        try (Mat mat = new Mat(48, 64, org.bytedeco.opencv.global.opencv_core.CV_8UC3, bgr("red"));
                Rect right = new Rect(32, 0, 32, 48);
                Mat half = new Mat(mat, right);
                Scalar blue = bgr("blue")) {
            half.put(blue);
            opencv_imgcodecs.imwrite(folder.resolve("frame_000.png").toString(), mat);
            opencv_imgcodecs.imwrite(folder.resolve("frame_001.png").toString(), mat);
        }
        StreamSummary[] summary = new StreamSummary[1];
        List<FrameClassification> left =
                run(
                        VideoClassifierOptions.builder()
                                .regionOfInterest(new VideoClassifierOptions.Region(0, 0, 30, 48))
                                .build(),
                        folder.toString(),
                        summary);
        List<FrameClassification> right =
                run(
                        VideoClassifierOptions.builder()
                                .regionOfInterest(
                                        VideoClassifierOptions.Region.parse("34,0,1000,1000"))
                                .build(),
                        folder.toString(),
                        summary);

        assertEquals(2, left.size());
        assertEquals("red", left.get(0).classification().best().label());
        assertEquals("blue", right.get(0).classification().best().label());
        // A folder is a sequence at 30 fps.
        assertEquals(33, right.get(1).timestampMs());
    }

    @Test
    void open_missingFileSaysNotFound() {
        Path missing = dir.resolve("nope.mp4");
        SourceException e =
                assertThrows(SourceException.class, () -> FrameSource.open(missing.toString()));
        assertTrue(e.getMessage().contains("Video file not found: " + missing), e.getMessage());
    }

    @Test
    void open_truncatedVideoFailsClearly() throws Exception {
        Path truncated = dir.resolve("truncated.avi");
        Files.copy(video, truncated);
        try (RandomAccessFile f = new RandomAccessFile(truncated.toFile(), "rw")) {
            f.setLength(200);
        }
        SourceException e =
                assertThrows(
                        SourceException.class,
                        () -> {
                            try (FrameSource src = FrameSource.open(truncated.toString())) {
                                while (src.grab() != null) {
                                    // read to the end
                                }
                            }
                        });
        assertTrue(e.getMessage().contains(truncated.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void open_refusedConnectionFailsFastNamingTheUrl() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port + "/live.mjpeg";
        long start = System.nanoTime();
        SourceException e =
                assertThrows(
                        SourceException.class,
                        () -> FrameSource.open(url, Duration.ofSeconds(3)).close());
        double seconds = (System.nanoTime() - start) / 1e9;

        assertTrue(seconds < 3, "fails fast, took " + seconds + " s");
        assertTrue(e.getMessage().contains("Cannot open network stream " + url), e.getMessage());
        assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
    }

    @Test
    void open_absentCameraSaysWhatToTry() {
        SourceException e = assertThrows(SourceException.class, () -> FrameSource.open("97"));
        assertTrue(e.getMessage().contains("camera 97"), e.getMessage());
    }

    @Test
    void network_streamThatEndsIsReopenedThenGivenUp() throws Exception {
        byte[] bytes = Files.readAllBytes(video);
        AtomicInteger served = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext(
                "/cam",
                exchange -> {
                    if (served.incrementAndGet() <= 2) {
                        exchange.getResponseHeaders().add("Content-Type", "video/x-msvideo");
                        exchange.sendResponseHeaders(200, bytes.length);
                        try (OutputStream out = exchange.getResponseBody()) {
                            out.write(bytes);
                        }
                    } else {
                        exchange.sendResponseHeaders(404, -1);
                        exchange.close();
                    }
                });
        server.start();
        List<String> reconnects = Collections.synchronizedList(new ArrayList<>());
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/cam";
        try (VideoClassifier vc =
                        VideoClassifier.create(
                                classifier,
                                VideoClassifierOptions.builder()
                                        .maxReconnects(2)
                                        .reconnectDelayMs(10)
                                        .build());
                FrameSource src = FrameSource.open(url, Duration.ofSeconds(3))) {
            assertTrue(src.isLive());
            List<FrameClassification> results = new ArrayList<>();
            SourceException e =
                    assertThrows(
                            SourceException.class,
                            () ->
                                    vc.run(
                                            src,
                                            new VideoClassifier.Listener() {
                                                @Override
                                                public void onResult(FrameClassification r) {
                                                    results.add(r);
                                                }

                                                @Override
                                                public void onReconnect(
                                                        String source,
                                                        int attempt,
                                                        long delayMs,
                                                        String reason) {
                                                    reconnects.add(attempt + ": " + reason);
                                                }
                                            }));
            assertTrue(e.getMessage().contains("Lost network stream " + url), e.getMessage());
            assertEquals(2 * FRAMES, results.size());
            assertEquals(1, vc.summary().reconnects());
            assertFalse(reconnects.isEmpty());
            assertEquals(2 * FRAMES - 1, results.get(2 * FRAMES - 1).frameIndex());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void realVideo_squeezeNetClassifiesEveryTenthFrameOfVtest() throws Exception {
        Path model = TestData.require("models/squeezenet1.1.onnx");
        Path labels = TestData.require("labels/imagenet_classes.txt");
        Path clip = TestData.require("video/vtest_mjpeg.avi");
        VideoClassifierOptions options =
                VideoClassifierOptions.builder()
                        .everyNFrames(10)
                        .classifierOptions(
                                ImageClassifierOptions.builder()
                                        .labelsFile(labels)
                                        .preprocessing("caffe")
                                        .topK(3)
                                        .build())
                        .build();
        List<FrameClassification> results = new ArrayList<>();
        StreamSummary summary;
        try (VideoClassifier vc = VideoClassifier.create(model, options);
                FrameSource src = FrameSource.open(clip.toString())) {
            assertEquals(10, src.frameRate(), 0.01);
            summary = vc.run(src, results::add);
        }
        assertEquals(200, summary.framesRead());
        assertEquals(20, results.size());
        for (int i = 0; i < results.size(); i++) {
            FrameClassification r = results.get(i);
            assertEquals(i * 10L, r.frameIndex());
            assertEquals(i * 1000L, r.timestampMs(), 1);
            assertEquals(3, r.classification().top().size());
            float best = r.classification().best().score();
            assertTrue(best > 0 && best <= 1);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
