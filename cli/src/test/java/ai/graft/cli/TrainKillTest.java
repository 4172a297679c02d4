package ai.graft.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.OnnxModels;
import ai.graft.converter.OnnxTensors;
import ai.graft.converter.checkpoint.Checkpoint;
import ai.graft.converter.checkpoint.EpochMetrics;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.sdk.testing.ChildJvm;
import ai.graft.sdk.testing.ChildJvm.Ending;
import ai.graft.sdk.testing.ChildJvm.KillPoint;
import ai.graft.sdk.testing.ChildJvm.Signal;
import ai.graft.trainer.tune.TinyNets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill tests of {@code graft train --strategy finetune}: a child JVM trains a tiny generated
 * backbone on a tiny generated dataset and is stopped with SIGKILL or SIGTERM at seeded points,
 * each run continuing the last with {@code --resume} (or starting afresh while no checkpoint exists
 * yet), so that runs that were themselves resumed are killed too. After every kill the checkpoint
 * and the model are each absent, the previous file or a complete new one (they read back), and
 * SIGTERM leaves no temporary file; the run that finally completes ends where an uninterrupted run
 * ends: the same epochs, the same metrics and the same weights within {@value #TOLERANCE}, and no
 * temporary file left anywhere in its output.
 *
 * <p>Points are time offsets from the child's start, uniform over the length of an uninterrupted
 * run. A child JVM that loads PyTorch costs seconds, so the default build kills at {@value
 * #QUICK_POINTS} points; the {@code slow} profile kills at {@value #ALL_POINTS}.
 */
class TrainKillTest {
    private static final long SEED = 20_261_123L;
    private static final int QUICK_POINTS = 5;
    private static final int ALL_POINTS = 20;

    /** Weights and metrics of a resumed run against an uninterrupted one (float32 training). */
    private static final float TOLERANCE = 1e-5f;

    /** A temporary file of {@code AtomicFiles}: {@code .NAME.PID-N.tmp}. */
    private static final Pattern TEMPORARY = Pattern.compile("\\..+\\.\\d+-\\d+\\.tmp");

    @TempDir static Path dir;
    static Path data;
    static Path backbone;

    @BeforeAll
    static void makeData() throws Exception {
        data = TinyNets.colourFolders(dir.resolve("colours"), 6, 3);
        backbone = TinyNets.classifierFile(dir, 5);
    }

    private static List<String> train(Path out, boolean resume) {
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
                                "--strategy",
                                "finetune",
                                "--out",
                                out.toString(),
                                "--epochs",
                                "4",
                                "--batch-size",
                                "4",
                                "--threads",
                                "1"));
        if (resume) {
            args.add("--resume");
        }
        return args;
    }

    private static Path checkpoint(Path out) {
        return out.resolve("checkpoints").resolve(Checkpoint.FILE_NAME);
    }

    /** Every temporary file under {@code out} whose writer had {@code pid} (any, for -1). */
    private static List<Path> temporaries(Path out, long pid) throws IOException {
        if (!Files.exists(out)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(out)) {
            return files.filter(p -> TEMPORARY.matcher(p.getFileName().toString()).matches())
                    .filter(p -> pid < 0 || p.getFileName().toString().contains("." + pid + "-"))
                    .toList();
        }
    }

    @Test
    void train_killedAtSeededPointsThenResumedEndsWhereAnUninterruptedRunEnds() throws Exception {
        killAndResume(QUICK_POINTS);
    }

    @Test
    @Tag("slow")
    void train_killedAt20SeededPointsThenResumedEndsWhereAnUninterruptedRunEnds() throws Exception {
        killAndResume(ALL_POINTS);
    }

    private void killAndResume(int points) throws Exception {
        Path work = Files.createDirectories(dir.resolve("points-" + points));
        long start = System.nanoTime();
        Path straight = work.resolve("straight");
        ChildJvm reference =
                ChildJvm.start(work, "straight", "ai.graft.cli.Graft", train(straight, false));
        assertEquals(0, reference.await().exitCode(), reference.err());
        long runMs = reference.elapsedMs();
        Checkpoint expected = Checkpoint.read(checkpoint(straight));
        assertTrue(expected.state().finished());

        Path out = work.resolve("killed");
        int resumed = 0;
        int withCheckpoint = 0;
        for (KillPoint p : KillPoint.seeded(SEED, points, 4)) {
            boolean resume = Files.exists(checkpoint(out));
            resumed += resume ? 1 : 0;
            ChildJvm child =
                    ChildJvm.start(
                            work, "point" + p.index(), "ai.graft.cli.Graft", train(out, resume));
            Ending end = child.killWhen(() -> true, Math.round(p.fraction() * runMs), p.signal());
            String what = "point " + p + (resume ? " (resuming)" : "");
            if (!end.signalled()) {
                assertEquals(0, end.exitCode(), what + ": " + child.err());
            }
            if (Files.exists(checkpoint(out))) {
                withCheckpoint++;
                Checkpoint.read(checkpoint(out)); // whole: the old one or the new one
            }
            if (Files.exists(out.resolve("model.onnx"))) {
                OnnxModels.read(out.resolve("model.onnx"));
            }
            if (p.signal() == Signal.SIGTERM) {
                assertEquals(
                        List.of(),
                        temporaries(out, child.process().pid()),
                        what + ": SIGTERM deletes the temporary files being written");
            }
        }

        ChildJvm last =
                ChildJvm.start(
                        work,
                        "last",
                        "ai.graft.cli.Graft",
                        train(out, Files.exists(checkpoint(out))));
        assertEquals(0, last.await().exitCode(), last.err());
        assertEquals(List.of(), temporaries(out, -1), "no temporary file is left");
        Checkpoint actual = Checkpoint.read(checkpoint(out));
        assertSameRun(expected, actual);
        assertSameWeights(
                OnnxModels.read(straight.resolve("model.onnx")),
                OnnxModels.read(out.resolve("model.onnx")),
                "exported ");
        System.out.printf(
                "train: %d kill points (%d resumed a checkpoint, %d left one) in %.1f s; an"
                        + " uninterrupted run takes %d ms%n",
                points, resumed, withCheckpoint, (System.nanoTime() - start) / 1e9, runMs);
    }

    private static void assertSameRun(Checkpoint expected, Checkpoint actual) {
        assertTrue(actual.state().finished(), "the resumed run finished");
        assertEquals(expected.state().epoch(), actual.state().epoch());
        assertEquals(expected.state().step(), actual.state().step());
        assertEquals(expected.state().bestEpoch(), actual.state().bestEpoch());
        List<EpochMetrics> a = expected.state().history();
        List<EpochMetrics> b = actual.state().history();
        assertEquals(a.size(), b.size());
        for (int e = 0; e < a.size(); e++) {
            assertEquals(a.get(e).trainLoss(), b.get(e).trainLoss(), TOLERANCE, "loss " + e);
            assertEquals(a.get(e).valLoss(), b.get(e).valLoss(), TOLERANCE, "val loss " + e);
            assertEquals(a.get(e).valAccuracy(), b.get(e).valAccuracy(), TOLERANCE, "val acc " + e);
        }
        assertSameWeights(expected.model(), actual.model(), "last ");
        assertSameWeights(expected.best(), actual.best(), "best ");
    }

    private static void assertSameWeights(ModelProto expected, ModelProto actual, String what) {
        Map<String, float[]> x = weights(expected);
        Map<String, float[]> y = weights(actual);
        assertEquals(x.keySet(), y.keySet(), what + "weights");
        for (String name : x.keySet()) {
            assertArrayEquals(x.get(name), y.get(name), TOLERANCE, what + name);
        }
    }

    private static Map<String, float[]> weights(ModelProto model) {
        Map<String, float[]> m = new HashMap<>();
        for (TensorProto t : model.getGraph().getInitializerList()) {
            if (t.getDataType() == TensorProto.DataType.FLOAT_VALUE) {
                m.put(t.getName(), OnnxTensors.toFloats(t));
            }
        }
        return m;
    }
}
