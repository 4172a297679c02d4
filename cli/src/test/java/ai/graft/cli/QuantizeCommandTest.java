package ai.graft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.GraftJson;
import ai.graft.converter.ModelEditor;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.OnnxTensors;
import ai.graft.converter.graph.Attributes;
import ai.graft.converter.graph.Graphs;
import ai.graft.converter.graph.ValueInfos;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.OperatorSetIdProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.sdk.ModelCard;
import ai.graft.sdk.OutputKind;
import ai.graft.sdk.Preprocessing;
import com.fasterxml.jackson.databind.JsonNode;
import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The contract of {@code graft quantize}: exit codes, --json, what is written and when not. */
class QuantizeCommandTest {
    @TempDir static Path dir;
    private static Path model;
    private static Path calib;

    @BeforeAll
    static void setUp() throws Exception {
        model = dir.resolve("colours.onnx");
        OnnxModels.write(classifier(true), model);
        calib = dir.resolve("calib");
        Color[] colours = {
            Color.RED, Color.GREEN, Color.BLUE, Color.YELLOW, Color.GRAY, Color.CYAN
        };
        for (int i = 0; i < colours.length; i++) {
            SolidImages.png(calib.resolve("c" + i + ".png"), colours[i]);
        }
    }

    /** Conv(3->4)+Relu, GlobalAveragePool, Flatten, Gemm(->2), Softmax; 8x8 input, unit card. */
    private static ModelProto classifier(boolean card) {
        Random r = new Random(7);
        GraphProto.Builder g = GraphProto.newBuilder().setName("colours");
        g.addInput(
                ValueInfos.of(
                        "image", TensorProto.DataType.FLOAT_VALUE, new long[] {1, 3, 8, 8}, null));
        g.addInitializer(OnnxTensors.fromFloats("w", new long[] {4, 3, 3, 3}, gaussian(r, 108)));
        g.addInitializer(OnnxTensors.fromFloats("b", new long[] {4}, gaussian(r, 4)));
        g.addInitializer(OnnxTensors.fromFloats("fw", new long[] {2, 4}, gaussian(r, 8)));
        g.addInitializer(OnnxTensors.fromFloats("fb", new long[] {2}, gaussian(r, 2)));
        g.addNode(Graphs.node("Conv", "conv", List.of("image", "w", "b"), List.of("c")));
        g.addNode(Graphs.node("Relu", "relu", List.of("c"), List.of("r")));
        g.addNode(Graphs.node("GlobalAveragePool", "gap", List.of("r"), List.of("p")));
        g.addNode(Graphs.node("Flatten", "flat", List.of("p"), List.of("f")));
        g.addNode(
                Attributes.set(
                                Graphs.node(
                                        "Gemm", "fc", List.of("f", "fw", "fb"), List.of("logits"))
                                        .toBuilder(),
                                Attributes.ofInt("transB", 1))
                        .build());
        g.addNode(Graphs.node("Softmax", "softmax", List.of("logits"), List.of("probs")));
        g.addOutput(
                ValueInfos.of("probs", TensorProto.DataType.FLOAT_VALUE, new long[] {1, 2}, null));
        ModelProto m =
                ModelProto.newBuilder()
                        .setIrVersion(8)
                        .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13))
                        .setGraph(g)
                        .build();
        return card
                ? ModelEditor.withCard(
                        m,
                        new ModelCard(
                                ModelCard.VERSION,
                                List.of("warm", "cold"),
                                Preprocessing.unit(8, 8),
                                OutputKind.PROBABILITIES,
                                "probs",
                                Map.of()))
                : m;
    }

    private static float[] gaussian(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    @Test
    void int8_writesTheModelWithItsCardAndReportsInJson() throws Exception {
        Path out = dir.resolve("int8.onnx");
        CliRun run =
                CliRun.graft(
                        "quantize",
                        model.toString(),
                        "--out",
                        out.toString(),
                        "--int8",
                        "--calibrate",
                        calib.toString(),
                        "--method",
                        "minmax",
                        "--json");
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        JsonNode json = GraftJson.read(run.out());
        assertTrue(json.get("written").booleanValue());
        assertEquals("int8 QDQ", json.get("precision").textValue());
        assertEquals("minmax", json.get("method").textValue());
        assertEquals(6, json.get("images").intValue());
        assertEquals(64, json.get("fingerprint").textValue().length());
        assertTrue(json.get("allInteger").booleanValue(), run.out());
        assertTrue(json.get("top1Agreement").doubleValue() >= 0 && json.has("maxScoreDiff"));
        ModelProto written = OnnxModels.read(out);
        Map<String, String> meta = ModelEditor.metadata(written);
        assertEquals("[\"warm\",\"cold\"]", meta.get(ModelCard.KEY_LABELS), "the card stays");
        assertTrue(meta.get("graft.quantization").contains("\"method\":\"minmax\""));
        CliRun inspect = CliRun.graft("inspect", out.toString(), "--json");
        assertEquals("int8 QDQ", GraftJson.read(inspect.out()).get("precision").textValue());
    }

    @Test
    void fp16_checksOnRandomInputsWithoutImages() throws Exception {
        Path out = dir.resolve("fp16.onnx");
        CliRun run = CliRun.graft("quantize", model.toString(), "--out", out.toString(), "--fp16");
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        assertTrue(run.out().contains("fp16"), run.out());
        assertTrue(run.out().contains("top-1 agreement 100.0 %"), run.out());
        CliRun inspect = CliRun.graft("inspect", out.toString());
        assertTrue(inspect.out().contains("precision:     fp16"), inspect.out());
    }

    @Test
    void keepFloat_namedLayerIsReportedAndAnUnknownOneRefused() throws Exception {
        Path out = dir.resolve("kept.onnx");
        String layer = firstConv();
        CliRun run =
                CliRun.graft(
                        "quantize",
                        model.toString(),
                        "--out",
                        out.toString(),
                        "--int8",
                        "--calibrate",
                        calib.toString(),
                        "--keep-float",
                        layer,
                        "--force",
                        "--json");
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        assertEquals(layer, GraftJson.read(run.out()).get("keptFloat").get(0).textValue());

        Path refused = dir.resolve("unknown.onnx");
        CliRun unknown =
                CliRun.graft(
                        "quantize",
                        model.toString(),
                        "--out",
                        refused.toString(),
                        "--int8",
                        "--calibrate",
                        calib.toString(),
                        "--keep-float",
                        "no_such_layer");
        assertEquals(ExitCodes.USAGE, unknown.exitCode(), unknown.err());
        assertTrue(unknown.err().contains("No node 'no_such_layer' to keep float"), unknown.err());
        assertFalse(Files.exists(refused));
    }

    /** The name of the test model's first Conv node. */
    private String firstConv() throws Exception {
        return OnnxModels.read(model).getGraph().getNodeList().stream()
                .filter(n -> n.getOpType().equals("Conv"))
                .findFirst()
                .orElseThrow()
                .getName();
    }

    @Test
    void refusals_writeNothing() throws Exception {
        Path out = dir.resolve("refused.onnx");
        Path fakes = dir.resolve("fakes");
        Files.createDirectories(fakes);
        Files.writeString(fakes.resolve("a.jpg"), "not an image");
        CliRun unreadable =
                CliRun.graft(
                        "quantize",
                        model.toString(),
                        "--out",
                        out.toString(),
                        "--int8",
                        "--calibrate",
                        fakes.toString());
        assertEquals(ExitCodes.USAGE, unreadable.exitCode(), unreadable.err());
        assertTrue(
                unreadable.err().contains("None of the 1 calibration image(s) could be read"),
                unreadable.err());

        Path empty = Files.createDirectories(dir.resolve("empty"));
        CliRun none =
                CliRun.graft(
                        "quantize",
                        model.toString(),
                        "--out",
                        out.toString(),
                        "--int8",
                        "--calibrate",
                        empty.toString());
        assertEquals(ExitCodes.USAGE, none.exitCode());
        assertTrue(none.err().contains("holds no image file"), none.err());

        CliRun noCalibration =
                CliRun.graft("quantize", model.toString(), "--out", out.toString(), "--int8");
        assertEquals(ExitCodes.USAGE, noCalibration.exitCode());
        assertTrue(
                noCalibration.err().contains("--int8 needs --calibrate DIR"), noCalibration.err());

        CliRun both =
                CliRun.graft(
                        "quantize", model.toString(), "--out", out.toString(), "--int8", "--fp16");
        assertEquals(ExitCodes.USAGE, both.exitCode());

        CliRun badMethod =
                CliRun.graft(
                        "quantize",
                        model.toString(),
                        "--out",
                        out.toString(),
                        "--fp16",
                        "--method",
                        "mean");
        assertEquals(ExitCodes.USAGE, badMethod.exitCode());
        assertTrue(
                badMethod.err().contains("expected minmax, percentile or entropy"),
                badMethod.err());

        Path half = dir.resolve("half.onnx");
        assertEquals(
                ExitCodes.OK,
                CliRun.graft("quantize", model.toString(), "--out", half.toString(), "--fp16")
                        .exitCode());
        CliRun again =
                CliRun.graft(
                        "quantize",
                        half.toString(),
                        "--out",
                        out.toString(),
                        "--int8",
                        "--calibrate",
                        calib.toString());
        assertEquals(ExitCodes.BAD_MODEL, again.exitCode());
        assertTrue(again.err().contains("is already float16"), again.err());

        Path bare = dir.resolve("bare.onnx");
        OnnxModels.write(classifier(false), bare);
        CliRun noCard =
                CliRun.graft("quantize", bare.toString(), "--out", out.toString(), "--fp16");
        assertEquals(ExitCodes.BAD_MODEL, noCard.exitCode(), noCard.err());

        assertFalse(Files.exists(out), "nothing written on refusal");
        try (var files = Files.list(dir)) {
            assertTrue(
                    files.noneMatch(f -> f.getFileName().toString().endsWith(".tmp")),
                    "no temporary left");
        }
    }
}
