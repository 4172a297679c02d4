package ai.graft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.GraftJson;
import ai.graft.sdk.Classification;
import ai.graft.sdk.ImageClassifier;
import ai.graft.trainer.tune.TinyNets;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code graft train --strategy features}: both heads, the cache, the report's transfer check. */
class TrainCommandFeaturesTest {
    @TempDir static Path dir;
    private static Path data;
    private static Path backbone;

    @BeforeAll
    static void makeData() throws Exception {
        data = TinyNets.colourFolders(dir.resolve("colours"), 8, 4);
        backbone = TinyNets.classifierFile(dir, 5);
    }

    private static CliRun train(Path out, String... more) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "train",
                                "--data",
                                data.toString(),
                                "--backbone",
                                backbone.toString(),
                                "--preprocess",
                                "unit",
                                "--out",
                                out.toString(),
                                "--json"));
        args.addAll(List.of(more));
        if (!args.contains("--strategy")) {
            args.addAll(List.of("--strategy", "features"));
        }
        return CliRun.graft(args.toArray(new String[0]));
    }

    /** The exported model's top-1 accuracy on the validation images, through the SDK. */
    private static double accuracy(Path model) throws Exception {
        int right = 0;
        int all = 0;
        try (ImageClassifier c = ImageClassifier.createFromFile(model)) {
            for (String label : List.of("blue", "red")) {
                try (Stream<Path> files = Files.list(data.resolve("val").resolve(label))) {
                    for (Path f : files.toList()) {
                        Classification r = c.classify(f);
                        right += r.top().get(0).label().equals(label) ? 1 : 0;
                        all++;
                    }
                }
            }
        }
        return (double) right / all;
    }

    @Test
    @SuppressWarnings("unchecked")
    void softmaxHead_learnsTheColours_cachesEmbeddings_andReportsTheTransferCheck()
            throws Exception {
        Path out = dir.resolve("softmax");
        CliRun first = train(out);
        assertEquals(0, first.exitCode(), first.err());
        assertEquals("features", first.lastJson().get("strategy").textValue());
        assertEquals(1.0, accuracy(out.resolve("model.onnx")), "blue and red are easy");
        JsonNode report = GraftJson.read(Files.readString(out.resolve("report.json")));
        assertEquals("softmax", report.at("/hyperparameters/head").textValue());
        JsonNode path = report.at("/hyperparameters/regularisationPath");
        assertTrue(path.size() >= 1, report.toString());
        double chosen = report.at("/hyperparameters/cvL2").doubleValue();
        boolean found = false;
        for (JsonNode p : path) {
            found |= p.get("l2").doubleValue() == chosen;
            assertTrue(p.get("cvAccuracy").doubleValue() >= 0, p.toString());
        }
        assertTrue(found, "the chosen strength is on the path: " + report);
        assertTrue(
                Files.readString(out.resolve("report.md")).contains("| L2 strength | CV accuracy"),
                "report.md shows the path");
        try (ImageClassifier c = ImageClassifier.createFromFile(out.resolve("model.onnx"))) {
            String training = c.card().extra().get("graft.training");
            assertTrue(training.contains("\"l2\":"), training);
        }
        JsonNode transfer = report.get("transfer");
        assertEquals(1.0, transfer.get("modelAccuracy").doubleValue(), 1e-9);
        assertEquals(16, transfer.get("baselineTrainImages").intValue());
        assertEquals(24, transfer.get("smallImages").intValue(), "20x20 images are small");
        assertTrue(Files.readString(out.resolve("report.md")).contains("## Did transfer help?"));

        CliRun again = train(out);
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.err().contains("embeddings from the cache"), again.err());
    }

    @Test
    void train_afterTheCacheWasDamaged_recomputesItSayingSo_andUsesItAgain() throws Exception {
        Path out = dir.resolve("damaged");
        CliRun first = train(out);
        assertEquals(0, first.exitCode(), first.err());
        List<Path> cached;
        try (Stream<Path> files = Files.list(out.resolve("cache"))) {
            cached = files.filter(f -> !f.getFileName().toString().startsWith(".")).toList();
        }
        assertEquals(3, cached.size(), "features, train and val embeddings: " + cached);
        for (Path f : cached) {
            byte[] whole = Files.readAllBytes(f);
            Files.write(f, java.util.Arrays.copyOf(whole, whole.length / 3));
        }
        CliRun again = train(out);
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.err().contains("does not match the backbone"), again.err());
        assertEquals(
                2,
                again.err().lines().filter(l -> l.contains("does not verify (")).count(),
                again.err());
        assertEquals(1.0, accuracy(out.resolve("model.onnx")));

        CliRun third = train(out);
        assertEquals(0, third.exitCode(), third.err());
        assertTrue(third.err().contains("train: 16 embeddings from the cache"), third.err());
        assertTrue(third.err().contains("val: 8 embeddings from the cache"), third.err());
        assertTrue(!third.err().contains("does not"), third.err());
    }

    @Test
    @SuppressWarnings("unchecked")
    void svmHead_learnsTheColours_andOnlyFeaturesTakesIt() throws Exception {
        Path out = dir.resolve("svm");
        CliRun run = train(out, "--head", "svm");
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(1.0, accuracy(out.resolve("model.onnx")));
        JsonNode report = GraftJson.read(Files.readString(out.resolve("report.json")));
        assertEquals("svm", report.at("/hyperparameters/head").textValue());
        assertTrue(report.get("note").textValue().contains("SVM head"), report.toString());

        CliRun finetune = train(dir.resolve("bad"), "--head", "svm", "--strategy", "finetune");
        assertEquals(2, finetune.exitCode());
        assertTrue(
                finetune.err().contains("head svm applies to strategy features, not finetune"),
                finetune.err());
        CliRun epochs = train(dir.resolve("bad"), "--epochs", "30");
        assertEquals(2, epochs.exitCode());
        assertTrue(
                epochs.err()
                        .contains(
                                "epochs applies to the graph strategies; strategy features solves"
                                        + " its head (L-BFGS, L2 strength chosen by"
                                        + " cross-validation)"),
                epochs.err());
        CliRun smoothing = train(dir.resolve("bad"), "--label-smoothing", "0.2");
        assertEquals(2, smoothing.exitCode());
        assertTrue(smoothing.err().contains("label smoothing applies to"), smoothing.err());
        CliRun unknown = train(dir.resolve("bad"), "--head", "tree");
        assertEquals(2, unknown.exitCode());
        assertTrue(
                unknown.err().contains("Unknown head 'tree', expected one of [softmax, svm]"),
                unknown.err());
    }

    @Test
    void featureTransform_isInTheGraphAndTheReport_andOnlyFeaturesTakesIt() throws Exception {
        // The default (sqrt): the exported graph computes the signed square root before its Gemm.
        Path rooted = dir.resolve("rooted");
        CliRun run = train(rooted);
        assertEquals(0, run.exitCode(), run.err());
        assertEquals(1.0, accuracy(rooted.resolve("model.onnx")));
        JsonNode report = GraftJson.read(Files.readString(rooted.resolve("report.json")));
        assertEquals("sqrt", report.at("/hyperparameters/featureTransform").textValue());
        assertTrue(
                report.get("note").textValue().contains("signed square roots"), report.toString());
        java.util.List<String> ops = ops(rooted.resolve("model.onnx"));
        assertTrue(ops.contains("Sqrt") && ops.contains("Sub"), ops.toString());

        Path plain = dir.resolve("plain");
        CliRun none = train(plain, "--feature-transform", "none");
        assertEquals(0, none.exitCode(), none.err());
        assertEquals(1.0, accuracy(plain.resolve("model.onnx")));
        JsonNode plainReport = GraftJson.read(Files.readString(plain.resolve("report.json")));
        assertEquals("none", plainReport.at("/hyperparameters/featureTransform").textValue());
        assertTrue(!ops(plain.resolve("model.onnx")).contains("Sqrt"), "no root without sqrt");

        CliRun finetune =
                train(dir.resolve("bad"), "--feature-transform", "none", "--strategy", "finetune");
        assertEquals(2, finetune.exitCode());
        assertTrue(
                finetune.err()
                        .contains(
                                "feature transform none applies to strategy features, not finetune"),
                finetune.err());
        CliRun unknown = train(dir.resolve("bad"), "--feature-transform", "log");
        assertEquals(2, unknown.exitCode());
        assertTrue(
                unknown.err()
                        .contains("Unknown feature transform 'log', expected one of [sqrt, none]"),
                unknown.err());
    }

    private static java.util.List<String> ops(Path model) throws Exception {
        return ai.graft.converter.OnnxModels.read(model).getGraph().getNodeList().stream()
                .map(ai.graft.converter.onnx.proto.OnnxProto.NodeProto::getOpType)
                .toList();
    }
}
