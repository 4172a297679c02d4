package ai.graft.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Tagged "djl-peer": runs in its own JVM, since DJL's OnnxRuntime engine must start first. */
@Tag("djl-peer")
class DjlPeerBenchmarkTest {
    private static DjlPeerBenchmark peer;

    @BeforeAll
    static void loadPeer() throws Exception {
        Path model = TestData.require("models/squeezenet1.1.onnx");
        List<String> labels = Files.readAllLines(TestData.require("labels/imagenet_classes.txt"));
        DjlPeerBenchmark.configureEngines(0);
        DjlPeerBenchmark.initEngine();
        peer = DjlPeerBenchmark.create(model, labels, 0);
    }

    @AfterAll
    static void closePeer() {
        if (peer != null) {
            peer.close();
        }
    }

    @Test
    void classify_goldenRetrieverIsClass207() throws Exception {
        DjlPeerBenchmark.Top1 top =
                DjlPeerBenchmark.top1(
                        peer.classify(TestData.require("images/dog_golden_retriever_winml.jpg")));
        assertEquals(207, top.index(), () -> "top-1 was " + top);
        assertEquals("golden retriever", top.label());
        assertTrue(top.score() > 0.95, () -> "score of golden retriever: " + top.score());
    }

    @Test
    void classify_squirrelIsClass335() throws Exception {
        DjlPeerBenchmark.Top1 top =
                DjlPeerBenchmark.top1(peer.classify(TestData.require("images/squirrel_cls.jpg")));
        assertEquals(335, top.index(), () -> "top-1 was " + top);
        assertTrue(top.score() > 0.95, () -> "score of fox squirrel: " + top.score());
    }

    @Test
    void run_countsEveryClassificationOfAShortList() {
        List<Path> images =
                List.of(
                        TestData.require("images/squirrel_cls.jpg"),
                        TestData.require("images/dog_golden_retriever_winml.jpg"));
        DjlPeerBenchmark.Report report = peer.run(images, new DjlPeerBenchmark.Options(1, 4, null));
        assertEquals(2, report.images());
        assertEquals(4, report.classified());
        assertEquals(0, report.failed());
        assertTrue(report.imagesPerSecond() > 0, () -> "images/s: " + report.imagesPerSecond());
        assertTrue(report.inferenceMs() > 0, () -> "inference ms: " + report.inferenceMs());
    }
}
