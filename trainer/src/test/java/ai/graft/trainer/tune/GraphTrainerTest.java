package ai.graft.trainer.tune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.GraftJson;
import ai.graft.converter.ModelEditor;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.OnnxTensors;
import ai.graft.converter.checkpoint.Checkpoint;
import ai.graft.converter.checkpoint.EpochMetrics;
import ai.graft.converter.checkpoint.ModelExport;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ModelCard;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.Preprocessing;
import ai.graft.trainer.Strategy;
import ai.graft.trainer.Trainer;
import ai.graft.trainer.TrainingMonitor;
import ai.graft.trainer.TrainingOptions;
import ai.graft.trainer.TrainingResult;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GraphTrainerTest {
    @TempDir static Path shared;
    private static Path data;
    private static Path backbone;

    @TempDir Path out;

    @BeforeAll
    static void makeData() throws Exception {
        data = TinyNets.colourFolders(shared.resolve("colours"), 12, 6);
        backbone = TinyNets.classifierFile(shared, 3);
    }

    private static TrainingOptions.Builder options(Path out, Strategy strategy) {
        return TrainingOptions.builder(data, backbone.toString(), out)
                .strategy(strategy)
                .preprocess("unit")
                .batchSize(8)
                .threads(2);
    }

    private static Map<String, float[]> values(ModelProto model) {
        Map<String, float[]> m = new HashMap<>();
        for (TensorProto t : model.getGraph().getInitializerList()) {
            if (t.getDataType() == TensorProto.DataType.FLOAT_VALUE) {
                m.put(t.getName(), OnnxTensors.toFloats(t));
            }
        }
        return m;
    }

    @Test
    void finetune_trainsTheLastStagesAndExportsACheckedClassifier() throws Exception {
        List<String> log = new ArrayList<>();
        List<String> status = new ArrayList<>();
        TrainingResult r =
                Trainer.train(
                        options(out, Strategy.FINETUNE).unfreeze(1).epochs(4).build(),
                        new TrainingMonitor() {
                            @Override
                            public void log(String line) {
                                log.add(line);
                            }

                            @Override
                            public void status(String line) {
                                status.add(line);
                            }
                        });
        assertEquals(out.resolve("model.onnx"), r.model());
        assertTrue(r.valAccuracy() >= 0.9, "colours are easy: " + r.valAccuracy() + " " + log);
        assertTrue(r.parityMaxAbsDiff() < 1e-4, "parity " + r.parityMaxAbsDiff());
        assertEquals(4, r.history().size());
        assertTrue(
                log.stream().anyMatch(l -> l.contains("the last 1 of 3 stages [res]")),
                log.toString());
        assertTrue(
                status.stream().anyMatch(l -> l.matches("epoch 2/4 \\[#+\\.*\\] .*img/s ETA .*")),
                status.toString());
        for (String f : List.of("report.json", "report.md", "metrics.csv", "metrics.json")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }

        Checkpoint c = Checkpoint.read(out.resolve("checkpoints").resolve(Checkpoint.FILE_NAME));
        assertEquals(4, c.state().epoch());
        assertTrue(c.state().finished());
        Map<String, float[]> original = values(OnnxModels.read(backbone));
        Map<String, float[]> best = values(c.best());
        for (String frozen :
                List.of(
                        "stem.conv.weight",
                        "stem.bn.weight",
                        "stem.bn.running_mean",
                        "fire.expand3x3.weight")) {
            assertArrayEquals(original.get(frozen), best.get(frozen), frozen + " is frozen");
        }
        for (String trained : List.of("res.conv.weight", "res.bn.bias", "res.bn.running_mean")) {
            assertFalse(
                    Arrays.equals(original.get(trained), best.get(trained)),
                    trained + " trains (running statistics update in training)");
        }

        try (ImageClassifier model = ImageClassifier.createFromFile(r.model())) {
            ModelCard card = model.card();
            assertEquals(List.of("blue", "red"), card.labels());
            assertEquals("finetune", card.extra().get("graft.strategy"));
            assertEquals("tiny.onnx", card.extra().get("graft.backbone"));
            JsonNode training = GraftJson.read(card.extra().get("graft.training"));
            assertEquals(64, training.get("dataFingerprint").textValue().length());
            assertEquals(4, training.get("epochs").intValue());
            assertTrue(training.get("versions").has("pytorch"));
            Path redImage = data.resolve("val").resolve("red").resolve("red0.png");
            assertEquals("red", model.classify(redImage).top().get(0).label());
        }
        ModelProto exported = OnnxModels.read(r.model());
        assertTrue(
                exported.getGraph().getNodeList().stream()
                        .noneMatch(n -> n.getOpType().equals("BatchNormalization")),
                "batch norms are folded for inference");
    }

    @Test
    void resume_afterACrashMidEpoch_endsWhereAnUninterruptedRunEnds() throws Exception {
        Path straight = out.resolve("straight");
        Trainer.train(
                options(straight, Strategy.FULL).epochs(3).patience(0).build(),
                TrainingMonitor.of(l -> {}));
        Checkpoint expected = Checkpoint.read(straight.resolve("checkpoints/last.ckpt"));

        Path crashed = out.resolve("crashed");
        TrainingOptions o = options(crashed, Strategy.FULL).epochs(3).patience(0).build();
        IllegalStateException crash =
                assertThrows(
                        IllegalStateException.class,
                        () ->
                                Trainer.train(
                                        o,
                                        new TrainingMonitor() {
                                            @Override
                                            public void log(String line) {}

                                            @Override
                                            public void status(String line) {
                                                if (line.startsWith("epoch 2/3")) {
                                                    throw new IllegalStateException("killed");
                                                }
                                            }
                                        }));
        assertEquals("killed", crash.getMessage());
        Path file = crashed.resolve("checkpoints/last.ckpt");
        assertEquals(1, Checkpoint.read(file).state().epoch(), "the last whole epoch was saved");

        List<String> log = new ArrayList<>();
        TrainingResult r =
                Trainer.train(
                        options(crashed, Strategy.FULL).epochs(3).patience(0).resume(file).build(),
                        TrainingMonitor.of(log::add));
        assertTrue(log.stream().anyMatch(l -> l.contains("after epoch 1")), log.toString());
        assertEquals(3, r.history().size());
        Checkpoint resumed = Checkpoint.read(file);
        assertEquals(expected.state().step(), resumed.state().step());
        assertEquals(expected.state().bestEpoch(), resumed.state().bestEpoch());
        Map<String, float[]> a = values(expected.model());
        Map<String, float[]> b = values(resumed.model());
        assertEquals(a.keySet(), b.keySet());
        for (String name : a.keySet()) {
            assertArrayEquals(a.get(name), b.get(name), 1e-5f, name);
        }
        for (String name : expected.optimizerState().keySet()) {
            assertArrayEquals(
                    expected.optimizerState().get(name)[0],
                    resumed.optimizerState().get(name)[0],
                    1e-5f,
                    "momentum of " + name);
        }
        for (int e = 0; e < 3; e++) {
            EpochMetrics x = expected.state().history().get(e);
            EpochMetrics y = resumed.state().history().get(e);
            assertEquals(x.trainLoss(), y.trainLoss(), 1e-5, "train loss of epoch " + (e + 1));
            assertEquals(x.valLoss(), y.valLoss(), 1e-5, "val loss of epoch " + (e + 1));
        }
        // And the training did move: the run is not trivially reproducible.
        assertNotEquals(
                Arrays.toString(values(OnnxModels.read(backbone)).get("stem.conv.weight")),
                Arrays.toString(b.get("stem.conv.weight")));
    }

    @Test
    void resume_withOtherSettings_isRefusedNamingThem() throws Exception {
        Trainer.train(
                options(out, Strategy.FINETUNE).unfreeze(1).epochs(1).build(),
                TrainingMonitor.of(l -> {}));
        Path file = out.resolve("checkpoints/last.ckpt");
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                Trainer.train(
                                        options(out, Strategy.FINETUNE)
                                                .unfreeze(2)
                                                .epochs(1)
                                                .resume(file)
                                                .build(),
                                        TrainingMonitor.of(l -> {})));
        assertTrue(e.getMessage().contains("unfreeze 1, not 2"), e.getMessage());
    }

    @Test
    void export_fromACheckpoint_matchesTheTrainedModel() throws Exception {
        TrainingResult r =
                Trainer.train(
                        options(out, Strategy.FULL)
                                .optimizer(TrainingOptions.Optimizer.ADAMW)
                                .schedule(TrainingOptions.Schedule.STEP)
                                .epochs(2)
                                .build(),
                        TrainingMonitor.of(l -> {}));
        Path again = out.resolve("again.onnx");
        ModelExport.Result e = ModelExport.export(out.resolve("checkpoints/last.ckpt"), again);
        assertEquals(r.bestEpoch(), e.bestEpoch());
        assertTrue(e.parityMaxAbsDiff() < 1e-4, "parity " + e.parityMaxAbsDiff());
        ModelProto a = OnnxModels.read(r.model());
        ModelProto b = OnnxModels.read(again);
        assertEquals(values(a).keySet(), values(b).keySet());
        for (String name : values(a).keySet()) {
            assertArrayEquals(values(a).get(name), values(b).get(name), name);
        }
        assertEquals(
                ModelEditor.metadata(a).get("graft.labels"),
                ModelEditor.metadata(b).get("graft.labels"));
    }

    @Test
    void scratch_trainsAZooArchitectureAndRefusesAFile() throws Exception {
        String pre = Preprocessing.imagenet(32, 32).toJson();
        TrainingResult r =
                Trainer.train(
                        TrainingOptions.builder(data, "squeezenet1_1", out)
                                .strategy(Strategy.SCRATCH)
                                .preprocess(pre)
                                .epochs(1)
                                .batchSize(12)
                                .threads(2)
                                .build(),
                        TrainingMonitor.of(l -> {}));
        try (ImageClassifier model = ImageClassifier.createFromFile(r.model())) {
            assertEquals("scratch", model.card().extra().get("graft.strategy"));
            assertEquals(32, model.card().preprocessing().width());
        }
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                Trainer.train(
                                        options(out, Strategy.SCRATCH).build(),
                                        TrainingMonitor.of(l -> {})));
        assertTrue(e.getMessage().contains("is a file"), e.getMessage());
    }

    @Test
    void checkpointRead_rejectsAFileThatIsNoCheckpoint() throws Exception {
        ModelException e = assertThrows(ModelException.class, () -> Checkpoint.read(backbone));
        assertTrue(e.getMessage().contains("not a Graft checkpoint"), e.getMessage());
        ModelException missing =
                assertThrows(ModelException.class, () -> Checkpoint.read(out.resolve("none.ckpt")));
        assertTrue(missing.getMessage().contains("not found"), missing.getMessage());
    }
}
