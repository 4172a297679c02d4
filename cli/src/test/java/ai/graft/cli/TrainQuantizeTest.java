package ai.graft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.GraftJson;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.quantize.Precision;
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
 * {@code graft train --quantize}: the quantized model beside model.onnx with both in the reports,
 * the exit code when none is kept, and the flag validated before any work.
 */
class TrainQuantizeTest {
    @TempDir static Path dir;
    private static Path data;
    private static Path backbone;

    @BeforeAll
    static void makeData() throws Exception {
        data = TinyNets.colourFolders(dir.resolve("colours"), 8, 4);
        backbone = TinyNets.classifierFile(dir, 5);
    }

    private static CliRun train(Path out, String precision) {
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
                                "features",
                                "--quantize",
                                precision,
                                "--out",
                                out.toString(),
                                "--json"));
        return CliRun.graft(args.toArray(new String[0]));
    }

    @Test
    void quantizeFp16_writesItBesideTheModel_withBothInTheReports() throws Exception {
        Path out = dir.resolve("fp16");
        CliRun run = train(out, "fp16");
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        Path fp16 = out.resolve("model-fp16.onnx");
        assertEquals(Precision.FP16, Precision.of(OnnxModels.read(fp16)));
        JsonNode q = run.lastJson().get("quantized");
        assertTrue(q.get("kept").asBoolean(), q.toString());
        assertEquals(fp16.toString(), q.get("file").asText());
        assertEquals("accuracy points", q.get("toleranceOf").asText());

        JsonNode report = GraftJson.read(Files.readString(out.resolve("report.json")));
        JsonNode figures = report.at("/quantized/quantizer");
        assertEquals(8, figures.get("evalImages").intValue(), "the validation images");
        assertEquals(
                report.at("/validation/accuracy").doubleValue(),
                figures.get("accuracyOriginal").doubleValue(),
                1e-9);
        assertEquals(Files.size(fp16), figures.get("bytes").longValue());
        assertTrue(figures.has("top1Agreement"), figures.toString());
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(md.contains("## Quantized model (fp16)"), md);
        assertTrue(md.contains("| model.onnx | fp32 |"), md);
        assertTrue(md.contains("| model-fp16.onnx | fp16 |"), md);
    }

    @Test
    void quantize_thatKeepsNoModel_keepsTheFloatOne_saysWhy_andExits1() throws Exception {
        Path out = dir.resolve("blocked");
        // A folder where the quantized file must go: the float model stands alone.
        Files.writeString(
                Files.createDirectories(out.resolve("model-int8.onnx")).resolve("x"), "x");
        CliRun run = train(out, "int8");
        assertEquals(ExitCodes.FAILURE, run.exitCode(), run.err());
        assertTrue(run.err().contains("graft train: no int8 QDQ model was kept"), run.err());
        assertTrue(Files.isRegularFile(out.resolve("model.onnx")));
        assertFalse(run.lastJson().get("quantized").get("kept").asBoolean());
        String md = Files.readString(out.resolve("report.md"));
        assertTrue(
                md.contains(
                        "**No int8 QDQ model was kept:** quantization failed: cannot replace "
                                + out.resolve("model-int8.onnx")),
                md);
    }

    @Test
    void quantize_refusesAnUnknownPrecision_beforeAnyWork() {
        Path out = dir.resolve("never");
        CliRun run = train(out, "int4");
        assertEquals(ExitCodes.USAGE, run.exitCode(), run.err());
        assertTrue(
                run.err().contains("--quantize: unknown precision 'int4', expected int8 or fp16"),
                run.err());
        assertFalse(Files.exists(out));
    }
}
