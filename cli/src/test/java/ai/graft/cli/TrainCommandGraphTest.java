package ai.graft.cli;

import static ai.graft.cli.CliRun.graft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.graft.converter.GraftJson;
import ai.graft.trainer.tune.TinyNets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code graft train} with the graph strategies: flags, dispatch, {@code --resume}. */
class TrainCommandGraphTest {
    @TempDir static Path dir;
    private static Path data;
    private static Path backbone;

    @BeforeAll
    static void makeData() throws Exception {
        data = TinyNets.colourFolders(dir.resolve("colours"), 6, 3);
        backbone = TinyNets.classifierFile(dir, 5);
    }

    private static List<String> train(Path out, String... more) {
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
                                "1",
                                "--batch-size",
                                "4"));
        args.addAll(List.of(more));
        return args;
    }

    @Test
    void train_finetuneThenResumeOfAFinishedRun() {
        Path out = dir.resolve("run");
        CliRun first = graft(train(out, "--unfreeze", "2", "--json").toArray(new String[0]));
        assertEquals(0, first.exitCode(), first.err());
        String[] lines = first.out().strip().split("\n");
        Map<String, Object> json = GraftJson.readObject(lines[lines.length - 1]);
        assertEquals("finetune", json.get("strategy"));
        assertEquals(out.resolve("model.onnx").toString(), json.get("model"));
        assertTrue(first.err().contains("epoch 1/1: loss"), first.err());
        assertTrue(first.err().contains("the last 2 of 3 stages"), first.err());

        CliRun again = graft(train(out, "--unfreeze", "2", "--resume").toArray(new String[0]));
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.err().contains("(finished: exporting)"), again.err());

        CliRun other = graft(train(out, "--unfreeze", "1", "--resume").toArray(new String[0]));
        assertEquals(2, other.exitCode(), other.err());
        assertTrue(other.err().contains("unfreeze 2, not 1"), other.err());
    }

    @Test
    void train_rejectsOptionsItCannotHonour() {
        Path out = dir.resolve("bad");
        List<String> args = train(out, "--resume");
        args.set(args.indexOf("finetune"), "features");
        CliRun features = graft(args.toArray(new String[0]));
        assertEquals(2, features.exitCode());
        assertTrue(features.err().contains("no checkpoints"), features.err());

        CliRun cpu = graft(train(dir.resolve("cpu"), "--device", "cpu").toArray(new String[0]));
        assertEquals(0, cpu.exitCode(), cpu.err());
        assertTrue(cpu.err().contains("cosine schedule, on cpu()"), cpu.err());

        // What --device gpu does depends on the machine; the test checks the right outcome on
        // each: a refusal naming the fix without a GPU, training there with one.
        CliRun gpu = graft(train(dir.resolve("gpu"), "--device", "gpu").toArray(new String[0]));
        if (Engine.getEngine("PyTorch").getGpuCount() == 0) {
            assertEquals(1, gpu.exitCode(), gpu.err());
            assertTrue(gpu.err().contains("--device gpu: PyTorch sees no GPU"), gpu.err());
            assertTrue(gpu.err().contains("or use --device cpu"), gpu.err());
        } else {
            assertEquals(0, gpu.exitCode(), gpu.err());
            assertTrue(gpu.err().contains("gpu(0)"), gpu.err());
        }

        CliRun optimizer = graft(train(out, "--optimizer", "lbfgs").toArray(new String[0]));
        assertEquals(2, optimizer.exitCode());
        assertTrue(
                optimizer.err().contains("Unknown optimizer 'lbfgs', expected one of [sgd, adamw]"),
                optimizer.err());
    }

    @Test
    void export_writesACheckpointAsADeployableModelAndRefusesAFileThatIsNone() throws Exception {
        Path out = dir.resolve("export-run");
        CliRun trained = graft(train(out).toArray(new String[0]));
        assertEquals(0, trained.exitCode(), trained.err());
        Path model = dir.resolve("exported.onnx");
        CliRun export =
                graft(
                        "export",
                        out.resolve("checkpoints/last.ckpt").toString(),
                        "--out",
                        model.toString(),
                        "--json");
        assertEquals(0, export.exitCode(), export.err());
        Map<String, Object> json = GraftJson.readObject(export.out().strip());
        assertEquals(model.toString(), json.get("model"));
        assertTrue(((Number) json.get("parityMaxAbsDiff")).doubleValue() < 1e-4, export.out());
        try (ai.graft.sdk.ImageClassifier c = ai.graft.sdk.ImageClassifier.createFromFile(model)) {
            assertEquals(
                    List.of("blue", "red"),
                    c.card().labels().stream().sorted().toList(),
                    "labels come from the card");
        }

        Path notCheckpoint = java.nio.file.Files.writeString(dir.resolve("x.ckpt"), "not a zip");
        Path target = dir.resolve("never.onnx");
        CliRun bad = graft("export", notCheckpoint.toString(), "--out", target.toString());
        assertEquals(3, bad.exitCode(), bad.err());
        assertTrue(bad.err().contains(notCheckpoint.toString()), bad.err());
        assertFalse(java.nio.file.Files.exists(target));
    }
}
