package ai.graft.cli;

import static ai.graft.cli.CliRun.graft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.GraftJson;
import ai.graft.sdk.TestData;
import ai.graft.sdk.testing.ColourVideo;
import ai.graft.sdk.testing.MjpegServer;
import ai.graft.sdk.testing.SilentServer;
import ai.graft.sdk.testing.TinyOnnx;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamCommandTest {
    @TempDir static Path dir;
    static Path model;
    static Path video;

    /** 10 red, 10 green, 10 blue frames at 10 fps, MJPEG in AVI. */
    @BeforeAll
    static void writeModelAndVideo() throws Exception {
        model = TinyOnnx.rgbClassifier().write(dir.resolve("colours.onnx"));
        Files.writeString(dir.resolve("labels.txt"), "red\ngreen\nblue\n");
        video = dir.resolve("colours.avi");
        ColourVideo.writeAvi(video, ColourVideo.COLOURS, 10, 64, 48, 10);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> summaryOf(CliRun run) {
        List<String> lines = run.lines();
        Map<String, Object> last = GraftJson.readObject(lines.get(lines.size() - 1));
        return (Map<String, Object>) last.get("summary");
    }

    @Test
    @SuppressWarnings("unchecked")
    void stream_jsonGivesOneLinePerClassifiedFrameThenASummary() {
        CliRun run =
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
            Map<String, Object> frame = GraftJson.readObject(lines.get(i));
            assertEquals(
                    List.of("timestampMs", "top", "latencyMs", "frame"),
                    List.copyOf(frame.keySet()),
                    lines.get(i));
            assertEquals(i * 5, frame.get("frame"));
            assertEquals(i * 500.0, ((Number) frame.get("timestampMs")).doubleValue(), 1.0);
            List<Object> top = (List<Object>) frame.get("top");
            assertEquals(expected[i], ((Map<String, Object>) top.get(0)).get("label"));
            assertTrue(frame.containsKey("latencyMs"));
        }
        assertTrue(lines.get(6).startsWith("{\"summary\":{\"framesRead\":30,"), lines.get(6));
        Map<String, Object> summary = summaryOf(run);
        assertEquals(
                List.of(
                        "framesRead",
                        "framesClassified",
                        "framesDropped",
                        "framesSkipped",
                        "framesPerSecond",
                        "latencyMs",
                        "reconnects",
                        "seconds"),
                List.copyOf(summary.keySet()));
        assertEquals(30, summary.get("framesRead"));
        assertEquals(6, summary.get("framesClassified"));
        assertEquals(0, summary.get("framesDropped"));
        assertEquals(0, summary.get("framesSkipped"));
        Map<String, Object> latency = (Map<String, Object>) summary.get("latencyMs");
        assertEquals(List.of("p50", "p95", "p99"), List.copyOf(latency.keySet()));
        assertTrue((Double) latency.get("p50") > 0);
        assertTrue((Double) latency.get("p95") >= (Double) latency.get("p50"));
        assertTrue((Double) latency.get("p99") >= (Double) latency.get("p95"));
        assertTrue((Double) summary.get("framesPerSecond") > 0);
    }

    @Test
    void stream_liveRealtimeWithMaxFramesPrintsTextAndSummary() {
        CliRun run =
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
        CliRun run =
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
        CliRun run =
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

        assertEquals(ExitCodes.USAGE, run.exitCode());
        // Refused at once, not waited out as a stall.
        assertFalse(run.err().contains("stalled"), run.err());
        assertTrue(run.err().contains("rtsp://127.0.0.1:" + port + "/cam"), run.err());
        assertTrue(run.err().contains("connection refused"), run.err());
    }

    @Test
    void stream_badOptionIsUsageError() {
        CliRun run =
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
        assertTrue(run.err().contains("--every must be at least 1, got 0"), run.err());
    }

    @Test
    void stream_concurrencyGivesTheSameLinesInOrder() {
        CliRun run =
                graft(
                        "stream",
                        "--model",
                        model.toString(),
                        "--preprocess",
                        "imagenet",
                        "--source",
                        video.toString(),
                        "--concurrency",
                        "3",
                        "--threads",
                        "1",
                        "-k",
                        "1",
                        "--json");

        assertEquals(0, run.exitCode(), run.err());
        List<String> lines = run.lines();
        assertEquals(31, lines.size(), run.out());
        for (int i = 0; i < 30; i++) {
            String colour = ColourVideo.COLOURS.get(i / 10);
            assertTrue(
                    lines.get(i).startsWith("{\"timestampMs\":" + i * 100 + ",\"top\":[{"),
                    lines.get(i));
            assertTrue(lines.get(i).contains("\"label\":\"" + colour + "\""), lines.get(i));
            assertTrue(lines.get(i).endsWith(",\"frame\":" + i + "}"), lines.get(i));
        }
    }

    @Test
    void stream_truncatedVideoGivesItsFramesThenExitsWithTheReason() throws Exception {
        Path cut = dir.resolve("cut.avi");
        byte[] bytes = Files.readAllBytes(video);
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        CliRun run =
                graft(
                        "stream",
                        "--model",
                        model.toString(),
                        "--preprocess",
                        "imagenet",
                        "--source",
                        cut.toString(),
                        "--json");

        assertEquals(ExitCodes.USAGE, run.exitCode());
        assertTrue(run.err().contains("graft: Video file " + cut + " ended after "), run.err());
        assertTrue(run.err().contains("of the 30 frames its header declares"), run.err());
        double read = ((Number) summaryOf(run).get("framesRead")).doubleValue();
        assertTrue(read > 0 && read < 30, run.out());
        assertEquals((int) read + 1, run.lines().size(), "one line per frame read, then summary");
    }

    @Test
    void stream_cameraThatStopsSendingIsReopenedAndMaxFramesEndsTheRun() throws Exception {
        try (MjpegServer camera =
                MjpegServer.start(ColourVideo.jpegs(List.of("red", "green", "blue"), 64, 48), 25)) {
            camera.stallAfter(12, 1500);
            CliRun run =
                    graft(
                            "stream",
                            "--model",
                            model.toString(),
                            "--preprocess",
                            "imagenet",
                            "--source",
                            camera.url(),
                            "--live",
                            "--timeout",
                            "0.7",
                            "--max-frames",
                            "30",
                            "--json");

            assertEquals(0, run.exitCode(), run.err());
            assertTrue(
                    run.err()
                            .contains(
                                    "graft stream: reopening "
                                            + camera.url()
                                            + " in 500 ms (attempt 1 of 5): No data from "
                                            + camera.url()
                                            + " for "),
                    run.err());
            Map<String, Object> summary = summaryOf(run);
            assertEquals(30, summary.get("framesRead"), run.out());
            assertTrue(((Number) summary.get("reconnects")).intValue() >= 1, run.out());
            assertTrue(camera.connections() >= 2);
        }
    }

    @Test
    void stream_serverThatAcceptsAndNeverSendsIsAStallAfterTheTimeout() throws Exception {
        try (SilentServer server = SilentServer.start()) {
            long start = System.nanoTime();
            CliRun run =
                    graft(
                            "stream",
                            "--model",
                            model.toString(),
                            "--preprocess",
                            "imagenet",
                            "--source",
                            server.url(),
                            "--timeout",
                            "1",
                            "--reconnects",
                            "0");
            long ms = (System.nanoTime() - start) / 1_000_000;
            System.out.println("stream --timeout 1 gave up on a silent server after " + ms + " ms");

            assertEquals(ExitCodes.USAGE, run.exitCode(), run.err());
            assertTrue(
                    run.err().startsWith("graft: No data from " + server.url() + " for "),
                    run.err());
            assertTrue(
                    run.err()
                            .contains(" ms while opening it (timeout 1000 ms): the stream stalled"),
                    run.err());
            assertFalse(run.err().contains("the stream ended"), run.err());
            long waited = Long.parseLong(run.err().replaceAll("(?s).* for (\\d+) ms.*", "$1"));
            assertTrue(waited >= 900, "a stall after 9/10 of the timeout: " + run.err());
        }
    }

    @Test
    void stream_cameraThatStallsMidRunWithoutReconnectsIsLostToAStall() throws Exception {
        try (MjpegServer camera =
                MjpegServer.start(ColourVideo.jpegs(List.of("red", "blue"), 64, 48), 25)) {
            camera.stallAfter(5, 60_000);
            CliRun run =
                    graft(
                            "stream",
                            "--model",
                            model.toString(),
                            "--preprocess",
                            "imagenet",
                            "--source",
                            camera.url(),
                            "--timeout",
                            "1",
                            "--reconnects",
                            "0",
                            "--json");

            assertEquals(ExitCodes.USAGE, run.exitCode(), run.err());
            assertTrue(
                    run.err()
                            .startsWith(
                                    "graft: Lost network stream "
                                            + camera.url()
                                            + " after 0 reconnect attempts: No data from "
                                            + camera.url()
                                            + " for "),
                    run.err());
            assertTrue(run.err().contains("(timeout 1000 ms): the stream stalled"), run.err());
            assertEquals(5, summaryOf(run).get("framesRead"), run.out());
        }
    }

    @Test
    void stream_folderWithAnUndecodableImageSaysSoOnItsOwnLineAndCountsIt() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("frames-with-damage"));
        for (String name : List.of("a", "c")) {
            Files.write(
                    folder.resolve(name + ".jpg"),
                    ColourVideo.jpegs(List.of("red"), 32, 24).get(0));
        }
        Path damaged = Files.write(folder.resolve("b.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8});
        PrintStream systemErr = System.err;
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        CliRun json;
        CliRun text;
        System.setErr(new PrintStream(logged, true, StandardCharsets.UTF_8));
        try {
            String[] args = {
                "stream",
                "--model",
                model.toString(),
                "--preprocess",
                "imagenet",
                "--source",
                folder.toString(),
                "--concurrency",
                "1"
            };
            json = graft(concat(args, "--json"));
            text = graft(args);
        } finally {
            System.setErr(systemErr);
        }

        for (CliRun run : List.of(json, text)) {
            assertEquals(0, run.exitCode(), run.err());
            List<String> errors = run.err().lines().toList();
            assertEquals(1, errors.size(), run.err());
            assertTrue(
                    errors.get(0).startsWith("graft stream: skipped " + damaged + ": "), run.err());
        }
        assertEquals(1, summaryOf(json).get("framesSkipped"), json.out());
        assertEquals(2, summaryOf(json).get("framesClassified"), json.out());
        List<String> lines = text.lines();
        assertTrue(
                lines.get(lines.size() - 1)
                        .startsWith("2 frames read, 2 classified, 0 dropped, 1" + " skipped in "),
                text.out());
        String log = logged.toString(StandardCharsets.UTF_8);
        assertFalse(log.contains("WARN"), "no log line for a skip: " + log);
    }

    private static String[] concat(String[] args, String... more) {
        String[] all = java.util.Arrays.copyOf(args, args.length + more.length);
        System.arraycopy(more, 0, all, args.length, more.length);
        return all;
    }

    @Test
    void stream_cameraThatGoesAwayPrintsTheSummaryThenExitsWithTheReason() throws Exception {
        try (MjpegServer camera =
                MjpegServer.start(ColourVideo.jpegs(List.of("red", "blue"), 64, 48), 50)) {
            camera.stopAfter(10);
            CliRun run =
                    graft(
                            "stream",
                            "--model",
                            model.toString(),
                            "--preprocess",
                            "imagenet",
                            "--source",
                            camera.url(),
                            "--reconnects",
                            "2",
                            "--json");

            assertEquals(ExitCodes.USAGE, run.exitCode(), run.err());
            assertTrue(
                    run.err()
                            .contains(
                                    "graft: Lost network stream "
                                            + camera.url()
                                            + " after 2 reconnect attempts: Cannot open network"
                                            + " stream "
                                            + camera.url()
                                            + ": connection refused"),
                    run.err());
            assertTrue(run.err().contains("in 500 ms (attempt 1 of 2)"), run.err());
            assertTrue(run.err().contains("in 1000 ms (attempt 2 of 2)"), run.err());
            double classified = ((Number) summaryOf(run).get("framesClassified")).doubleValue();
            assertEquals((int) classified + 1, run.lines().size(), run.out());
            assertTrue(classified > 0 && classified <= 10, run.out());
        }
    }

    @Test
    void stream_displayWithoutAScreenIsAUsageError() {
        CliRun run =
                graft(
                        "stream",
                        "--model",
                        model.toString(),
                        "--source",
                        video.toString(),
                        "--display");

        Assumptions.assumeTrue(
                java.awt.GraphicsEnvironment.isHeadless(), "a display is available here");
        assertEquals(ExitCodes.USAGE, run.exitCode());
        assertTrue(run.err().contains("--display needs a graphical display"), run.err());
    }

    @Test
    @SuppressWarnings("unchecked")
    void stream_interruptEndsTheRunWithTheSummary() throws Exception {
        // A real process, as Ctrl-C reaches it: SIGINT runs the shutdown hooks.
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb =
                new ProcessBuilder(
                        java.toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        "ai.graft.cli.Graft",
                        "stream",
                        "--model",
                        model.toString(),
                        "--preprocess",
                        "imagenet",
                        "--source",
                        video.toString(),
                        "--realtime",
                        "1",
                        "--json");
        pb.redirectError(dir.resolve("sigint.err").toFile());
        Process process = pb.start();
        try {
            BufferedReader out =
                    new BufferedReader(
                            new InputStreamReader(
                                    process.getInputStream(), StandardCharsets.UTF_8));
            List<String> lines = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String line = out.readLine();
                assertTrue(line != null, "three results before the interrupt: " + lines);
                lines.add(line);
            }
            Process kill =
                    new ProcessBuilder("kill", "-INT", Long.toString(process.pid()))
                            .inheritIO()
                            .start();
            assertEquals(0, kill.waitFor());
            String line;
            while ((line = out.readLine()) != null) {
                lines.add(line);
            }
            assertTrue(process.waitFor(20, TimeUnit.SECONDS), "ended after SIGINT");
            assertEquals(130, process.exitValue(), "128 + SIGINT");
            Map<String, Object> last = GraftJson.readObject(lines.get(lines.size() - 1));
            Map<String, Object> summary = (Map<String, Object>) last.get("summary");
            double read = ((Number) summary.get("framesRead")).doubleValue();
            assertTrue(read >= 3 && read < 30, "stopped early: " + lines);
            assertEquals(lines.size() - 1, summary.get("framesClassified"));
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void stream_realVideoWithSqueezeNet() {
        Path squeezenet = TestData.require("models/squeezenet1.1.onnx");
        Path labels = TestData.require("labels/imagenet_classes.txt");
        Path clip = TestData.require("video/vtest_mjpeg.avi");
        CliRun run =
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
        assertEquals(200, summaryOf(run).get("framesRead"));
    }
}
