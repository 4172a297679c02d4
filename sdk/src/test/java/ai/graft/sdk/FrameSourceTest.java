package ai.graft.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.testing.ColourVideo;
import ai.graft.sdk.testing.MjpegServer;
import ai.graft.sdk.testing.SilentServer;
import java.io.RandomAccessFile;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacv.Frame;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FrameSourceTest {
    @TempDir static Path dir;
    static Path video;

    /** 10 red, 10 green, 10 blue frames, 64x48 at 10 fps. */
    @BeforeAll
    static void writeVideo() throws Exception {
        video = dir.resolve("colours.avi");
        ColourVideo.writeAvi(video, ColourVideo.COLOURS, 10, 64, 48, 10);
    }

    @Test
    void file_givesEveryFrameWithItsTimeThenNull() throws Exception {
        try (FrameSource src = FrameSource.open(video.toString())) {
            assertEquals(FrameSource.Kind.FILE, src.kind());
            assertEquals(false, src.isLive());
            assertEquals(30, src.frameCount());
            assertEquals(10, src.frameRate(), 1e-9);
            assertEquals(-1, src.frameIndex());
            int n = 0;
            Frame frame;
            while ((frame = src.grab()) != null) {
                assertEquals(n, src.frameIndex());
                assertEquals(n * 100L, src.timestampMs());
                assertEquals(64, frame.imageWidth);
                assertEquals(48, frame.imageHeight);
                n++;
            }
            assertEquals(30, n);
            assertNull(src.grab(), "stays at the end");
        }
    }

    @Test
    void folder_isASequenceOfItsImagesInNameOrderSkippingOthers() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("frames"));
        List<String> colours = List.of("blue", "red", "green");
        for (int i = 0; i < colours.size(); i++) {
            try (Scalar s = ColourVideo.bgr(colours.get(i));
                    Mat mat = new Mat(20, 30 + i, opencv_core.CV_8UC3, s)) {
                opencv_imgcodecs.imwrite(folder.resolve("f" + i + ".png").toString(), mat);
            }
        }
        Files.writeString(folder.resolve("notes.txt"), "not a frame");
        Files.write(folder.resolve("f1b.jpg"), new byte[] {1, 2, 3}); // damaged: skipped

        try (FrameSource src = FrameSource.open(folder.toString())) {
            assertEquals(FrameSource.Kind.FOLDER, src.kind());
            assertEquals(4, src.frameCount());
            assertEquals(30, src.grab().imageWidth);
            assertEquals(31, src.grab().imageWidth);
            assertEquals(32, src.grab().imageWidth, "f1b.jpg is skipped");
            assertEquals(2, src.frameIndex());
            assertEquals(67, src.timestampMs(), "frame 2 at 30 frames/s");
            assertNull(src.grab());
        }
    }

    @Test
    void folder_withoutImagesSaysWhatItExpected() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Files.writeString(empty.resolve("readme.txt"), "x");
        SourceException e =
                assertThrows(SourceException.class, () -> FrameSource.open(empty.toString()));
        assertTrue(
                e.getMessage().startsWith("Image folder " + empty + " holds no images (expected"),
                e.getMessage());
    }

    @Test
    void closed_sourceFailsLoudly() throws Exception {
        FrameSource src = FrameSource.open(video.toString());
        src.close();
        src.close(); // twice is fine
        IllegalStateException e = assertThrows(IllegalStateException.class, src::grab);
        assertTrue(e.getMessage().contains("is closed"), e.getMessage());
    }

    @Test
    void spec_kindsAndBadArguments() {
        assertEquals(FrameSource.Kind.CAMERA, FrameSource.kindOf("0"));
        assertEquals(FrameSource.Kind.NETWORK, FrameSource.kindOf("rtsp://cam.local/stream"));
        assertEquals(FrameSource.Kind.NETWORK, FrameSource.kindOf("HTTP://cam.local/video.mjpg"));
        assertEquals(FrameSource.Kind.FILE, FrameSource.kindOf("clip.mp4"));
        assertEquals(FrameSource.Kind.FOLDER, FrameSource.kindOf(dir.toString()));
        assertThrows(IllegalArgumentException.class, () -> FrameSource.open(" "));
        assertThrows(
                IllegalArgumentException.class,
                () -> FrameSource.open(video.toString(), Duration.ZERO));
    }

    @Test
    void network_mjpegCameraIsLiveAndAStallFailsAfterTheTimeout() throws Exception {
        try (MjpegServer camera =
                        MjpegServer.start(ColourVideo.jpegs(ColourVideo.COLOURS, 64, 48), 25);
                FrameSource src = FrameSource.open(camera.url(), Duration.ofMillis(600))) {
            assertEquals(FrameSource.Kind.NETWORK, src.kind());
            assertTrue(src.isLive());
            assertEquals(0, src.frameCount());
            for (int i = 0; i < 5; i++) {
                Frame frame = src.grab();
                assertEquals(64, frame.imageWidth);
            }
            camera.stall();
            SourceException e =
                    assertThrows(
                            SourceException.class,
                            () -> {
                                while (src.grab() != null) {
                                    // frames already on their way
                                }
                            });
            assertTrue(
                    e.getMessage().startsWith("No data from " + camera.url() + " for "),
                    e.getMessage());
            assertTrue(
                    e.getMessage().contains(" ms (timeout 600 ms): the stream stalled"),
                    e.getMessage());
            // Declared after the timeout, by the timeout (not a wall-clock limit: load only
            // lengthens the wait).
            long waited = Long.parseLong(e.getMessage().replaceAll("(?s).* for (\\d+) ms.*", "$1"));
            assertTrue(waited >= 540, "a stall after 9/10 of the timeout: " + e.getMessage());

            camera.resume();
            src.reopen();
            long before = src.frameIndex();
            src.grab();
            assertEquals(before + 1, src.frameIndex(), "indices go on after reopening");
        }
    }

    @Test
    void open_serverThatAcceptsAndNeverSendsIsAStallNamedAfterTheTimeout() throws Exception {
        FrameSource.kindOf(video.toString()); // FFmpeg loaded before the clock starts
        try (SilentServer server = SilentServer.start()) {
            long start = System.nanoTime();
            SourceException e =
                    assertThrows(
                            SourceException.class,
                            () -> FrameSource.open(server.url(), Duration.ofMillis(1000)).close());
            long ms = (System.nanoTime() - start) / 1_000_000;
            System.out.println("A silent server was given up after " + ms + " ms (timeout 1000)");

            assertTrue(
                    e.getMessage().startsWith("No data from " + server.url() + " for "),
                    e.getMessage());
            assertTrue(
                    e.getMessage()
                            .contains(
                                    " ms while opening it (timeout 1000 ms): the stream"
                                            + " stalled"),
                    e.getMessage());
            assertTrue(server.connections() >= 1, "it did connect");
            long waited = Long.parseLong(e.getMessage().replaceAll("(?s).* for (\\d+) ms.*", "$1"));
            assertTrue(waited >= 900, "a stall after 9/10 of the timeout: " + e.getMessage());
        }
    }

    @Test
    void open_serverThatNeverFinishesItsAnswerIsGivenUpAtTheTimeout() throws Exception {
        // A byte every 100 ms: no read ever waits for the timeout, yet the answer never ends.
        FrameSource.kindOf(video.toString());
        try (SilentServer server = SilentServer.trickling(100)) {
            long start = System.nanoTime();
            // Without a deadline on the whole open this would never return: fail instead of hang.
            SourceException e =
                    assertTimeoutPreemptively(
                            Duration.ofSeconds(30),
                            () ->
                                    assertThrows(
                                            SourceException.class,
                                            () ->
                                                    FrameSource.open(
                                                                    server.url(),
                                                                    Duration.ofMillis(1000))
                                                            .close()));
            long ms = (System.nanoTime() - start) / 1_000_000;
            System.out.println("A trickling server was given up after " + ms + " ms");

            assertTrue(
                    e.getMessage().startsWith("No data from " + server.url() + " for "),
                    e.getMessage());
            assertTrue(e.getMessage().contains("while opening it"), e.getMessage());
            // Without a deadline the open never returns: the preemptive hang guard above fails.
            long waited = Long.parseLong(e.getMessage().replaceAll("(?s).* for (\\d+) ms.*", "$1"));
            assertTrue(waited >= 900, "a stall after 9/10 of the timeout: " + e.getMessage());
        }
    }

    @Test
    void folder_tellsTheSkipListenerOfAnUndecodableImageInsteadOfLogging() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("skips"));
        try (Scalar s = ColourVideo.bgr("red");
                Mat mat = new Mat(20, 30, opencv_core.CV_8UC3, s)) {
            opencv_imgcodecs.imwrite(folder.resolve("a.png").toString(), mat);
            opencv_imgcodecs.imwrite(folder.resolve("c.png").toString(), mat);
        }
        Path damaged = Files.write(folder.resolve("b.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8});
        List<String> skipped = new ArrayList<>();

        try (FrameSource src = FrameSource.open(folder.toString())) {
            assertNull(src.skipListener(), "logged unless someone listens");
            src.setSkipListener((item, error) -> skipped.add(item + " | " + error.getMessage()));
            assertEquals(0, src.grab() == null ? -1 : src.frameIndex());
            assertEquals(1, src.grab() == null ? -1 : src.frameIndex(), "b.jpg is skipped");
            assertNull(src.grab());
        }

        assertEquals(1, skipped.size(), skipped.toString());
        assertTrue(skipped.get(0).startsWith(damaged + " | " + damaged), skipped.get(0));
    }

    @Test
    void reason_dropsJavaCvHintsAndNamesFfmpegErrors() {
        Exception e =
                new Exception(
                        "avformat_open_input() error -111: Could not open input \"x\". (Has"
                                + " setFormat() been called?) (For more details, make sure"
                                + " FFmpegLogCallback.set() has been called.)");
        assertEquals(
                "connection refused (avformat_open_input() error -111: Could not open input"
                        + " \"x\".)",
                FrameSource.reason(e));
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
        SourceException e =
                assertThrows(
                        SourceException.class,
                        () -> FrameSource.open(url, Duration.ofSeconds(3)).close());

        // Refused at once, not waited out as a stall.
        assertFalse(e.getMessage().contains("stalled"), e.getMessage());
        assertTrue(e.getMessage().contains("Cannot open network stream " + url), e.getMessage());
        assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
    }

    @Test
    void open_absentCameraSaysWhatToTry() {
        SourceException e = assertThrows(SourceException.class, () -> FrameSource.open("97"));
        assertTrue(e.getMessage().contains("camera 97"), e.getMessage());
    }

    @Test
    void realVideo_truncatedVtestIsNamedAfterItsReadableFrames() throws Exception {
        Path vtest = TestData.require("video/vtest.avi");
        Path cut = dir.resolve("vtest_cut.avi");
        try (java.io.InputStream in = Files.newInputStream(vtest)) {
            Files.write(cut, in.readNBytes(3_000_000));
        }
        long read = 0;
        try (FrameSource src = FrameSource.open(cut.toString())) {
            assertEquals(795, src.frameCount());
            SourceException e =
                    assertThrows(
                            SourceException.class,
                            () -> {
                                while (src.grab() != null) {
                                    // read what is there
                                }
                            });
            read = src.frameIndex() + 1;
            assertTrue(e.getMessage().contains("of the 795 frames"), e.getMessage());
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        }
        // About 3/8 of the 8.1 MB file.
        assertTrue(read > 200 && read < 400, "read " + read);
    }

    @Test
    void ffmpegThatDidNotLoad_isNamedWithTheLibraryAndTheFix() {
        // As JavaCPP reports it on an ARM64 machine without libva: the class's initialiser fails
        // on the linker's error, which only the innermost cause names.
        Throwable e =
                new NoClassDefFoundError(
                        "Could not initialize class org.bytedeco.ffmpeg.global.avutil");
        e.initCause(
                new UnsatisfiedLinkError(
                        "libva.so.2: cannot open shared object file: No such file or directory"));
        String problem = FrameSource.rootMessage(e);
        assertEquals(
                "libva.so.2: cannot open shared object file: No such file or directory", problem);
        String m = FrameSource.ffmpegMissing("video file clip.mp4", problem).getMessage();
        assertTrue(m.startsWith("Cannot open video file clip.mp4: FFmpeg's native libraries"), m);
        assertTrue(m.contains("libva.so.2") && m.contains("apt-get install libva2"), m);
        assertEquals(
                "java.lang.IllegalStateException",
                FrameSource.rootMessage(new IllegalStateException()));
    }
}
