package ai.graft.cli;

import static ai.graft.cli.CliRun.graft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.trainer.eval.ColourFixtures;
import ai.graft.trainer.tune.TinyNets;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code graft compare}: a tiny comparison end to end with its JSON and exit codes, and every flag
 * validated before any work, naming the flag and what was expected.
 */
class CompareCommandTest {
    @TempDir static Path dir;
    private static Path data;
    private static Path tiny;
    private static Path finished;

    @BeforeAll
    static void makeData() throws Exception {
        data = TinyNets.colourFolders(dir.resolve("colours"), 8, 4);
        tiny = TinyNets.classifierFile(dir, 5);
        finished =
                ColourFixtures.model(
                        dir.resolve("finished.onnx"),
                        List.of("blue", "red"),
                        new float[][] {{0, 0, 10}, {10, 0, 0}});
    }

    private static CliRun compare(Path out, String backbones, String... more) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "compare",
                                "--data",
                                data.toString(),
                                "--backbones",
                                backbones,
                                "--preprocess",
                                "unit",
                                "--epochs",
                                "2",
                                "--latency-runs",
                                "2",
                                "--out",
                                out.toString()));
        args.addAll(List.of(more));
        return graft(args.toArray(new String[0]));
    }

    @Test
    void compare_json_namesTheBestWithinTheBudgets_andWritesTheReports() throws Exception {
        Path out = dir.resolve("out");
        CliRun run = compare(out, tiny + "," + finished, "--max-size-mb", "100", "--json");
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        JsonNode json = run.lastJson();
        assertTrue(
                json.get("reason").asText().contains("within the budgets (file at most 100 MB)"),
                json.toString());
        JsonNode models = json.get("models");
        assertEquals(2, models.size());
        assertEquals("tiny/features/fp32", models.get(0).get("name").asText());
        assertEquals("finished/finished/fp32", models.get(1).get("name").asText());
        // The best is the most accurate within the budgets (both fit 100 MB).
        double top =
                Math.max(
                        models.get(0).get("top1").asDouble(), models.get(1).get("top1").asDouble());
        JsonNode best =
                models.get(0).get("name").asText().equals(json.get("best").asText())
                        ? models.get(0)
                        : models.get(1);
        assertEquals(json.get("best").asText(), best.get("name").asText());
        assertEquals(top, best.get("top1").asDouble(), 1e-12);
        assertTrue(best.get("withinBudgets").asBoolean());
        assertTrue(best.get("paretoFront").asBoolean());
        assertTrue(json.get("split").get("testMade").asBoolean());
        for (String f : List.of("compare.md", "compare.json", "compare.png", "split.csv")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        assertTrue(Files.isRegularFile(out.resolve("tiny-features/model.onnx")));
        assertTrue(run.err().contains("[1/2] tiny features"), run.err());
    }

    @Test
    void compare_precisions_measuresTheQuantizedVersions_besideTheFloatModel() throws Exception {
        Path out = dir.resolve("precisions");
        CliRun run = compare(out, finished.toString(), "--precisions", "fp32,int8,fp16", "--json");
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        JsonNode models = run.lastJson().get("models");
        assertEquals(3, models.size());
        List<String> precisions = new ArrayList<>();
        for (JsonNode m : models) {
            precisions.add(m.get("precision").asText());
            assertTrue(m.get("ok").asBoolean(), m.toString());
            assertTrue(Files.isRegularFile(Path.of(m.get("model").asText())), m.toString());
        }
        assertEquals(List.of("fp32", "int8", "fp16"), precisions);
        assertTrue(models.get(0).get("top1LossPointsVsFp32").isNull());
        assertEquals(
                100 * (models.get(0).get("top1").asDouble() - models.get(2).get("top1").asDouble()),
                models.get(2).get("top1LossPointsVsFp32").asDouble(),
                1e-9);
        assertTrue(Files.isRegularFile(out.resolve("finished-finished/model-int8.onnx")));
        assertTrue(Files.isRegularFile(out.resolve("finished-finished/model-fp16.onnx")));
        assertTrue(
                Files.readString(out.resolve("compare.md"))
                        .contains("| finished/finished/fp16 | fp16 |"));
    }

    @Test
    void compare_withAFailingCombination_reportsIt_keepsTheOthers_andExits1() throws Exception {
        Path broken = Files.writeString(dir.resolve("broken.onnx"), "not a model");
        Path out = dir.resolve("failing");
        CliRun run = compare(out, broken + "," + finished);
        assertEquals(ExitCodes.FAILURE, run.exitCode(), run.err());
        assertTrue(run.out().contains("broken/features/fp32: training failed: "), run.out());
        assertTrue(run.out().contains("finished/finished/fp32: top-1 1.0000"), run.out());
        assertTrue(Files.readString(out.resolve("compare.md")).contains("## Failed"));
    }

    @Test
    void compare_refusesBadFlags_namingTheFlag_beforeAnyWork() {
        Path out = dir.resolve("never");
        String ok = finished.toString();
        assertUsage(
                compare(out, ok, "--max-latency-ms", "0"),
                "--max-latency-ms must be a finite number above 0, got 0.0");
        assertUsage(
                compare(out, ok, "--max-size-mb", "-2"),
                "--max-size-mb must be a finite number above 0, got -2.0");
        assertUsage(
                compare(out, ok, "--max-size-mb", "NaN"),
                "--max-size-mb must be a finite number above 0, got NaN");
        assertUsage(
                compare(out, "nosuch.onnx"),
                "--backbones: 'nosuch.onnx' is neither an ONNX file nor a zoo architecture");
        assertUsage(
                compare(out, ok, "--strategies", "features,tuning"),
                "--strategies: Unknown strategy 'tuning', expected one of [features, finetune,"
                        + " full, scratch]");
        assertUsage(
                compare(out, ok, "--precisions", "fp64"),
                "--precisions: Unknown precision 'fp64', expected one of [fp32, int8, fp16]");
        assertUsage(
                compare(out, ok, "--precisions", "fp32,int8,fp32"),
                "A precision is listed twice in [FP32, INT8, FP32]; list each once");
        assertUsage(compare(out, ok + "," + ok), "A backbone is listed twice in");
        assertUsage(
                graft(
                        "compare",
                        "--data",
                        data.toString(),
                        "--backbones",
                        ok,
                        "--epochs",
                        "0",
                        "--out",
                        out.toString()),
                "--epochs must be at least 1, got 0");
        assertUsage(
                compare(out, ok, "--val-fraction", "1"),
                "--val-fraction must be between 0 and 1, got 1.0");
        assertUsage(
                graft(
                        "compare",
                        "--data",
                        data.toString(),
                        "--backbones",
                        ok,
                        "--latency-runs",
                        "0",
                        "--out",
                        out.toString()),
                "--latency-runs must be at least 1, got 0");
        assertUsage(
                compare(out, ok, "--image-size", "-1"),
                "--image-size must be at least 0 (0: each architecture's default), got -1");
        assertUsage(
                graft(
                        "compare",
                        "--data",
                        dir.resolve("none").toString(),
                        "--backbones",
                        ok,
                        "--out",
                        out.toString()),
                "--data " + dir.resolve("none") + ": not found");
        assertFalse(Files.exists(out), "nothing written for a refused command");
    }

    private static void assertUsage(CliRun run, String message) {
        assertEquals(ExitCodes.USAGE, run.exitCode(), run.err());
        assertTrue(run.err().contains(message), run.err());
    }
}
