package ai.graft.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.testing.ColourVideo;
import ai.graft.sdk.testing.MjpegServer;
import ai.graft.sdk.testing.TinyOnnx;
import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
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
        ColourVideo.writeAvi(video, List.of(SCHEDULE), FRAMES_PER_COLOUR, 64, 48, 10);
    }

    @AfterAll
    static void tearDown() {
        classifier.close();
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

        // 30 frames at 10 fps, twice as fast: 2.9 s of video in about 1.45 s. A lower bound
        // only: load can make a run slower, never faster. How many frames a loaded machine
        // drops is its own business, but each frame is classified or dropped, in order.
        assertTrue(seconds >= 1.3, "paced, took " + seconds + " s");
        assertEquals(FRAMES, summary[0].framesRead(), summary[0].toString());
        assertEquals(results.size(), summary[0].framesClassified(), summary[0].toString());
        assertEquals(FRAMES, results.size() + summary[0].framesDropped(), summary[0].toString());
        assertFalse(results.isEmpty());
        for (int i = 1; i < results.size(); i++) {
            assertTrue(results.get(i).frameIndex() > results.get(i - 1).frameIndex());
        }
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
        try (Scalar red = ColourVideo.bgr("red");
                Mat mat = new Mat(48, 64, org.bytedeco.opencv.global.opencv_core.CV_8UC3, red);
                Rect right = new Rect(32, 0, 32, 48);
                Mat half = new Mat(mat, right);
                Scalar blue = ColourVideo.bgr("blue")) {
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

    @Test
    void video_concurrencyKeepsFrameOrderAndLabels() throws Exception {
        StreamSummary[] summary = new StreamSummary[1];
        List<FrameClassification> results =
                run(
                        VideoClassifierOptions.builder().concurrency(3).build(),
                        video.toString(),
                        summary);

        assertEquals(FRAMES, results.size());
        for (int i = 0; i < FRAMES; i++) {
            assertEquals(i, results.get(i).frameIndex(), "in frame order");
            assertEquals(expectedLabel(i), results.get(i).classification().best().label());
            assertEquals(i * 100L, results.get(i).timestampMs(), 1);
        }
        assertEquals(FRAMES, summary[0].framesClassified());
        assertEquals(0, summary[0].framesDropped());
    }

    /** Checks each result's frame is the whole frame of that result's colour. */
    private static final class FrameChecker implements VideoClassifier.Listener {
        final List<String> problems = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger frames = new AtomicInteger();
        final Thread expectedThread = Thread.currentThread();

        @Override
        public void onResult(FrameClassification result) {
            problems.add("onResult(result) called without the frame");
        }

        @Override
        public void onResult(FrameClassification result, Mat frame) {
            frames.incrementAndGet();
            if (Thread.currentThread() != expectedThread) {
                problems.add("called on " + Thread.currentThread().getName());
            }
            if (frame.cols() != 64 || frame.rows() != 48 || frame.channels() != 3) {
                problems.add("frame " + result.frameIndex() + " is " + frame);
                return;
            }
            // The centre pixel's strongest channel names the colour (BGR order).
            byte[] bgr = new byte[3];
            frame.ptr(24, 32).get(bgr);
            int b = bgr[0] & 0xff;
            int g = bgr[1] & 0xff;
            int r = bgr[2] & 0xff;
            String seen = r > g && r > b ? "red" : g > b ? "green" : "blue";
            if (!seen.equals(expectedLabel(result.frameIndex()))) {
                problems.add("frame " + result.frameIndex() + " shows " + seen);
            }
            // Drawing on it is allowed.
            frame.ptr(0, 0).put(new byte[] {1, 2, 3});
        }
    }

    @Test
    void listener_getsEachResultsWholeFrameOnTheRunThreadInEveryMode() throws Exception {
        VideoClassifierOptions.Region left = new VideoClassifierOptions.Region(0, 0, 16, 16);
        for (VideoClassifierOptions options :
                List.of(
                        VideoClassifierOptions.builder().regionOfInterest(left).build(),
                        VideoClassifierOptions.builder()
                                .regionOfInterest(left)
                                .concurrency(2)
                                .build(),
                        VideoClassifierOptions.builder()
                                .runningMode(RunningMode.LIVE)
                                .realtimeFactor(4)
                                .build())) {
            FrameChecker checker = new FrameChecker();
            try (VideoClassifier vc = VideoClassifier.create(classifier, options);
                    FrameSource src = FrameSource.open(video.toString())) {
                StreamSummary summary = vc.run(src, checker);
                assertEquals(summary.framesClassified(), checker.frames.get(), options.toString());
            }
            assertTrue(checker.frames.get() > 0, options.toString());
            assertEquals(List.of(), checker.problems, options.toString());
        }
    }

    @Test
    void folder_undecodableImageIsToldToTheListenerAndCountedInEveryMode() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("with-a-damaged-image"));
        for (int i = 0; i < 4; i++) {
            try (Scalar s = ColourVideo.bgr("green");
                    Mat mat = new Mat(24, 32, org.bytedeco.opencv.global.opencv_core.CV_8UC3, s)) {
                opencv_imgcodecs.imwrite(folder.resolve("f" + i + ".png").toString(), mat);
            }
        }
        Path damaged = Files.write(folder.resolve("f1b.jpg"), new byte[] {(byte) 0xFF, 0});
        for (VideoClassifierOptions options :
                List.of(
                        VideoClassifierOptions.defaults(),
                        VideoClassifierOptions.builder().concurrency(2).build(),
                        VideoClassifierOptions.builder().runningMode(RunningMode.LIVE).build())) {
            List<String> skipped = new ArrayList<>();
            List<String> threads = new ArrayList<>();
            StreamSummary summary;
            try (VideoClassifier vc = VideoClassifier.create(classifier, options);
                    FrameSource src = FrameSource.open(folder.toString())) {
                summary =
                        vc.run(
                                src,
                                new VideoClassifier.Listener() {
                                    @Override
                                    public void onResult(FrameClassification result) {}

                                    @Override
                                    public void onSkipped(String item, ImageException error) {
                                        skipped.add(item + ": " + error.getMessage());
                                        threads.add(Thread.currentThread().getName());
                                    }
                                });
                assertEquals(null, src.skipListener(), "the run's listener is removed after it");
            }
            assertEquals(1, skipped.size(), options + ": " + skipped);
            assertTrue(skipped.get(0).startsWith(damaged + ": " + damaged), skipped.get(0));
            assertEquals(List.of(Thread.currentThread().getName()), threads, "on the run thread");
            assertEquals(1, summary.framesSkipped(), summary.toString());
            assertEquals(4, summary.framesRead(), "a skipped image is no frame read");
        }
    }

    @Test
    void copyPool_reusesCopiesAndFreesThemOnClear() {
        VideoClassifier.CopyPool pool = new VideoClassifier.CopyPool();
        try (Scalar red = ColourVideo.bgr("red");
                Scalar blue = ColourVideo.bgr("blue");
                Mat a = new Mat(48, 64, org.bytedeco.opencv.global.opencv_core.CV_8UC3, red);
                Mat b = new Mat(48, 64, org.bytedeco.opencv.global.opencv_core.CV_8UC3, blue)) {
            Mat first = pool.copyOf(a);
            long address = first.data().address();
            assertTrue(address != a.data().address(), "a copy, not a view");
            pool.give(first);
            assertEquals(1, pool.spares());
            Mat second = pool.copyOf(b);
            assertTrue(second == first, "the spare is reused");
            assertEquals(address, second.data().address(), "same size: no reallocation");
            assertEquals((byte) 255, second.ptr(10, 10).get(0), "holds the new frame (blue)");
            pool.give(second);
            pool.clear();
            assertEquals(0, pool.spares());
            assertTrue(second.isNull(), "freed");
        }
    }

    @Test
    void file_truncatedMidwayGivesItsFramesThenFailsNamingIt() throws Exception {
        Path cut = dir.resolve("cut.avi");
        byte[] bytes = Files.readAllBytes(video);
        // The header (with its frame count) survives, the second half of the frames do not.
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        for (int concurrency : new int[] {1, 3}) {
            List<FrameClassification> results = new ArrayList<>();
            VideoClassifierOptions options =
                    VideoClassifierOptions.builder().concurrency(concurrency).build();
            try (VideoClassifier vc = VideoClassifier.create(classifier, options);
                    FrameSource src = FrameSource.open(cut.toString())) {
                assertEquals(FRAMES, src.frameCount());
                SourceException e =
                        assertThrows(SourceException.class, () -> vc.run(src, results::add));

                long read = vc.summary().framesRead();
                assertTrue(read > 0 && read < FRAMES, "read " + read);
                assertEquals(read, results.size(), "every frame read is reported");
                for (int i = 0; i < results.size(); i++) {
                    assertEquals(i, results.get(i).frameIndex());
                    assertEquals(expectedLabel(i), results.get(i).classification().best().label());
                }
                assertEquals(
                        "Video file "
                                + cut
                                + " ended after "
                                + read
                                + " of the 30 frames its header declares: the file is truncated"
                                + " or damaged (the frames before the damage were read)",
                        e.getMessage());
                assertEquals(null, src.grab(), "a source that ended stays ended");
            }
        }
    }

    /** Colour frames for a test camera: 5 red, 5 green, 5 blue, over and over. */
    private static List<byte[]> cameraFrames() {
        List<String> frames = new ArrayList<>();
        for (String colour : SCHEDULE) {
            frames.addAll(Collections.nCopies(5, colour));
        }
        return ColourVideo.jpegs(frames, 64, 48);
    }

    /** Records what the listener hears. */
    private static final class Recorder implements VideoClassifier.Listener {
        final List<FrameClassification> results = Collections.synchronizedList(new ArrayList<>());
        final List<String> reconnects = Collections.synchronizedList(new ArrayList<>());
        final List<Long> delays = Collections.synchronizedList(new ArrayList<>());
        final List<String> threads = Collections.synchronizedList(new ArrayList<>());
        final Runnable afterResult;

        Recorder(Runnable afterResult) {
            this.afterResult = afterResult;
        }

        @Override
        public void onResult(FrameClassification r) {
            results.add(r);
            threads.add(Thread.currentThread().getName());
            afterResult.run();
        }

        @Override
        public void onReconnect(String source, int attempt, long delayMs, String reason) {
            reconnects.add(attempt + ": " + reason);
            delays.add(delayMs);
            threads.add(Thread.currentThread().getName());
        }
    }

    @Test
    void network_cameraThatStopsSendingIsReportedReopenedAndTheRunGoesOn() throws Exception {
        try (MjpegServer camera = MjpegServer.start(cameraFrames(), 25)) {
            AtomicInteger seen = new AtomicInteger();
            Recorder recorder =
                    new Recorder(
                            () -> {
                                if (seen.incrementAndGet() == 10) {
                                    camera.stall();
                                    // The camera comes back 1.5 s later.
                                    Thread t =
                                            new Thread(
                                                    () -> {
                                                        sleep(1500);
                                                        camera.resume();
                                                    });
                                    t.setDaemon(true);
                                    t.start();
                                }
                            });
            VideoClassifierOptions options =
                    VideoClassifierOptions.builder()
                            .runningMode(RunningMode.LIVE)
                            .maxFrames(40)
                            .maxReconnects(10)
                            .reconnectDelayMs(100)
                            .build();
            StreamSummary summary;
            try (VideoClassifier vc = VideoClassifier.create(classifier, options);
                    FrameSource src = FrameSource.open(camera.url(), Duration.ofMillis(700))) {
                summary = vc.run(src, recorder);
            }

            assertEquals(40, summary.framesRead(), summary.toString());
            assertTrue(summary.reconnects() >= 1, summary.toString());
            assertFalse(recorder.reconnects.isEmpty());
            assertTrue(
                    recorder.reconnects
                            .get(0)
                            .startsWith("1: No data from " + camera.url() + " for"),
                    recorder.reconnects.toString());
            assertEquals(100L, recorder.delays.get(0));
            for (int i = 1; i < recorder.delays.size(); i++) {
                assertEquals(recorder.delays.get(i - 1) * 2, recorder.delays.get(i), "back-off");
            }
            assertTrue(camera.connections() >= 2, "reconnected");
            assertTrue(recorder.results.size() > 10, "frames after the stall were classified");
            long last = -1;
            for (FrameClassification r : recorder.results) {
                assertTrue(r.frameIndex() > last, "indices go on across the reconnect");
                last = r.frameIndex();
                assertTrue(r.classification().best().score() > 0.9, r.toString());
            }
            Thread runThread = Thread.currentThread();
            assertTrue(
                    recorder.threads.stream().allMatch(runThread.getName()::equals),
                    "listener called on the run's thread only: " + recorder.threads);
        }
    }

    @Test
    void network_cameraThatGoesAwayIsRetriedWithBackOffThenGivenUp() throws Exception {
        try (MjpegServer camera = MjpegServer.start(cameraFrames(), 50)) {
            AtomicInteger seen = new AtomicInteger();
            Recorder recorder =
                    new Recorder(
                            () -> {
                                if (seen.incrementAndGet() == 5) {
                                    camera.stop();
                                }
                            });
            VideoClassifierOptions options =
                    VideoClassifierOptions.builder().maxReconnects(3).reconnectDelayMs(50).build();
            try (VideoClassifier vc = VideoClassifier.create(classifier, options);
                    FrameSource src = FrameSource.open(camera.url(), Duration.ofSeconds(2))) {
                SourceException e =
                        assertThrows(SourceException.class, () -> vc.run(src, recorder));

                assertTrue(
                        e.getMessage()
                                .startsWith(
                                        "Lost network stream "
                                                + camera.url()
                                                + " after 3 reconnect attempts: Cannot open"
                                                + " network stream "
                                                + camera.url()
                                                + ": connection refused"),
                        e.getMessage());
                assertEquals(List.of(50L, 100L, 200L), recorder.delays);
                assertTrue(recorder.reconnects.get(2).contains("connection refused"));
                assertEquals(0, vc.summary().reconnects());
                assertEquals(recorder.results.size(), vc.summary().framesClassified());
                assertTrue(recorder.results.size() >= 5);
            }
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
