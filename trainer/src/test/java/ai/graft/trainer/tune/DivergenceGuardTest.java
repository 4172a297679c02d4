package ai.graft.trainer.tune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.GraftJson;
import ai.graft.converter.OnnxTensors;
import ai.graft.converter.checkpoint.Checkpoint;
import ai.graft.converter.checkpoint.EpochMetrics;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.trainer.Strategy;
import ai.graft.trainer.Trainer;
import ai.graft.trainer.TrainingMonitor;
import ai.graft.trainer.TrainingOptions;
import ai.graft.trainer.TrainingResult;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A learning rate that makes training diverge is caught: the weights are set back, the rate halved,
 * the log and the report say so, and a run that keeps diverging stops saying what to change.
 */
class DivergenceGuardTest {
    private static final Pattern SET_BACK =
            Pattern.compile(
                    "Epoch (\\d+) diverged \\(training loss \\S+, validation loss \\S+, above"
                            + " \\S+\\): set back to (the starting weights|epoch \\d+'s weights)"
                            + " and halved the learning rate to \\S+\\.");

    @TempDir static Path shared;
    private static Path data;
    private static Path backbone;

    @TempDir Path out;

    @BeforeAll
    static void makeData() throws Exception {
        data = TinyNets.colourFolders(shared.resolve("colours"), 12, 6);
        backbone = TinyNets.classifierFile(shared, 3);
    }

    /** Finetune on the colours at a learning rate some 3,000 times the stable one. */
    private static TrainingOptions.Builder tooFast(Path out, double learningRate) {
        return TrainingOptions.builder(data, backbone.toString(), out)
                .strategy(Strategy.FINETUNE)
                .preprocess("unit")
                .batchSize(8)
                .threads(2)
                .unfreeze(1)
                .patience(0)
                .learningRate(learningRate);
    }

    private static List<Integer> setBackEpochs(List<String> lines) {
        List<Integer> epochs = new ArrayList<>();
        for (String l : lines) {
            Matcher m = SET_BACK.matcher(l);
            if (m.matches()) {
                epochs.add(Integer.parseInt(m.group(1)));
            }
        }
        return epochs;
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
    void divergenceLimit_isHalfAgainTheStartingLossOrChance() {
        EpochMetrics first = new EpochMetrics(1, 5.0, 0.5, 4.0, 0.5, 0.01, 10, 1);
        assertEquals(1.5 * 2.0, DivergenceGuard.limit(2.0, first, 2), 1e-12);
        assertEquals(1.5 * Math.log(10), DivergenceGuard.limit(0.1, first, 10), 1e-12);
        // Unknown start (a checkpoint of an older version): the first epoch stands in.
        assertEquals(1.5 * 5.0, DivergenceGuard.limit(Double.NaN, first, 2), 1e-12);
        EpochMetrics nan = new EpochMetrics(1, Double.NaN, 0, Double.NaN, 0, 0.01, 10, 1);
        assertEquals(
                1.5 * Math.log(2), DivergenceGuard.limit(Double.POSITIVE_INFINITY, nan, 2), 1e-12);
        assertEquals(0, DivergenceGuard.cuts(1.0));
        assertEquals(3, DivergenceGuard.cuts(0.125));
    }

    @Test
    void diverged_whenBothLossesPassTheLimit_orOneIsNotFinite_orStepsWereSkipped() {
        assertFalse(DivergenceGuard.diverged(2.0, 2.0, 0, 3.0), "under the limit");
        assertFalse(DivergenceGuard.diverged(4.0, 2.0, 0, 3.0), "the validation loss is fine");
        assertFalse(DivergenceGuard.diverged(2.0, 4.0, 0, 3.0), "the training loss is fine");
        assertTrue(DivergenceGuard.diverged(4.0, 4.0, 0, 3.0), "both above");
        assertTrue(DivergenceGuard.diverged(Double.NaN, 2.0, 3, 3.0), "no step was taken");
        assertTrue(DivergenceGuard.diverged(2.0, Double.POSITIVE_INFINITY, 0, 3.0));
        assertTrue(
                DivergenceGuard.diverged(2.0, 4.0, 1, 3.0),
                "a skipped step: the validation loss alone speaks");
    }

    @Test
    void finetune_aRateThatDiverges_isSetBackAndHalved_saysSo_andStillLearns() throws Exception {
        List<String> log = new ArrayList<>();
        TrainingResult r =
                Trainer.train(tooFast(out, 30).epochs(8).build(), TrainingMonitor.of(log::add));
        List<Integer> diverged = setBackEpochs(log);
        assertFalse(diverged.isEmpty(), "a rate of 30 diverges: " + String.join("\n", log));
        assertTrue(r.valAccuracy() >= 0.9, "it recovers: " + r.valAccuracy() + "\n" + log);

        Checkpoint c = Checkpoint.read(out.resolve("checkpoints").resolve(Checkpoint.FILE_NAME));
        assertEquals(Math.pow(0.5, diverged.size()), c.state().rateScale(), 1e-12);
        assertEquals(
                log.stream().filter(l -> SET_BACK.matcher(l).matches()).toList(),
                c.state().adjustments().subList(0, diverged.size()));
        assertTrue(c.state().startLoss() > 0, "the starting loss is kept for --resume");
        for (int epoch : diverged) {
            assertTrue(epoch != c.state().bestEpoch(), "a diverged epoch is never the best");
            if (epoch < c.state().history().size()) {
                double next = c.state().history().get(epoch).learningRate();
                assertTrue(next <= 15, "epoch " + (epoch + 1) + " runs at half: " + next);
            }
        }
        JsonNode report = GraftJson.read(Files.readString(out.resolve("report.json")));
        String note = report.get("note").textValue();
        assertTrue(note.contains(c.state().adjustments().get(0)), note);
        assertTrue(Files.readString(out.resolve("report.md")).contains("halved the learning rate"));
    }

    @Test
    void finetune_aRateThatKeepsDiverging_stopsAfterThreeHalvings_sayingWhatToChange()
            throws Exception {
        List<String> log = new ArrayList<>();
        TrainingResult r =
                Trainer.train(tooFast(out, 1e7).epochs(8).build(), TrainingMonitor.of(log::add));
        assertEquals(List.of(1, 2, 3), setBackEpochs(log), String.join("\n", log));
        String stop =
                "Epoch 4 diverged again after 3 halvings of the learning rate (now 1.25e+06):"
                        + " stopped, keeping the starting weights. Try a smaller --lr (3.13e+05),"
                        + " fewer trained stages (--unfreeze 1), or --strategy features, which"
                        + " suits small sets.";
        assertTrue(log.contains(stop), String.join("\n", log));
        assertEquals(4, r.history().size(), "no epoch after the stop");
        Checkpoint c = Checkpoint.read(out.resolve("checkpoints").resolve(Checkpoint.FILE_NAME));
        assertTrue(c.state().finished());
        assertEquals(0.125, c.state().rateScale(), 1e-12);
        assertEquals(stop, c.state().adjustments().get(3));
    }

    @Test
    void resume_afterASetBack_endsWhereAnUninterruptedRunEnds() throws Exception {
        Path straight = out.resolve("straight");
        List<String> log = new ArrayList<>();
        Trainer.train(tooFast(straight, 30).epochs(5).build(), TrainingMonitor.of(log::add));
        Checkpoint expected = Checkpoint.read(straight.resolve("checkpoints/last.ckpt"));
        List<Integer> diverged = setBackEpochs(log);
        assertFalse(diverged.isEmpty(), String.join("\n", log));
        int crashAt = diverged.get(0) + 1;
        assertTrue(crashAt <= 5, "the set-back is followed by an epoch: " + diverged);

        Path crashed = out.resolve("crashed");
        IllegalStateException crash =
                assertThrows(
                        IllegalStateException.class,
                        () ->
                                Trainer.train(
                                        tooFast(crashed, 30).epochs(5).build(),
                                        new TrainingMonitor() {
                                            @Override
                                            public void log(String line) {}

                                            @Override
                                            public void status(String line) {
                                                if (line.startsWith("epoch " + crashAt + "/5")) {
                                                    throw new IllegalStateException("killed");
                                                }
                                            }
                                        }));
        assertEquals("killed", crash.getMessage());
        Path file = crashed.resolve("checkpoints/last.ckpt");
        Checkpoint atCrash = Checkpoint.read(file);
        assertEquals(0.5, atCrash.state().rateScale(), 1e-12, "the halving was saved");
        assertTrue(atCrash.optimizerState().isEmpty(), "momentum was dropped at the set-back");

        Trainer.train(
                tooFast(crashed, 30).epochs(5).resume(file).build(), TrainingMonitor.of(l -> {}));
        Checkpoint resumed = Checkpoint.read(file);
        assertEquals(expected.state().step(), resumed.state().step());
        assertEquals(expected.state().bestEpoch(), resumed.state().bestEpoch());
        assertEquals(expected.state().rateScale(), resumed.state().rateScale(), 1e-12);
        assertEquals(expected.state().adjustments(), resumed.state().adjustments());
        Map<String, float[]> a = values(expected.best());
        Map<String, float[]> b = values(resumed.best());
        assertEquals(a.keySet(), b.keySet());
        for (String name : a.keySet()) {
            assertArrayEquals(a.get(name), b.get(name), 1e-4f, name);
        }
    }
}
