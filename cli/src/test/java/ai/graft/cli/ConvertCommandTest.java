package ai.graft.cli;

import static ai.graft.cli.CliRun.graft;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.OnnxModels;
import ai.graft.converter.OnnxTensors;
import ai.graft.converter.graph.Attributes;
import ai.graft.converter.graph.Graphs;
import ai.graft.converter.graph.ValueInfos;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.OperatorSetIdProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;
import ai.graft.sdk.TestData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code graft convert}: the opset conversion and the refusal of unsupported models. */
class ConvertCommandTest {
    @TempDir Path dir;

    private static ValueInfoProto floatInfo(String name, long... shape) {
        return ValueInfos.of(name, TensorProto.DataType.FLOAT_VALUE, shape, null);
    }

    private static NodeProto node(String op, String name, String in, String out) {
        return Graphs.node(op, name, List.of(in), List.of(out));
    }

    /** x [2,3,4] -> Clip(min, max attributes) -> Softmax(axis 1, coerced to 2-D) at opset 7. */
    private Path opset7Model() throws IOException {
        GraphProto g =
                GraphProto.newBuilder()
                        .setName("tiny")
                        .addInput(floatInfo("x", 2, 3, 4))
                        .addNode(
                                node("Clip", "clip", "x", "c").toBuilder()
                                        .addAttribute(Attributes.ofFloat("min", -0.5f))
                                        .addAttribute(Attributes.ofFloat("max", 0.75f)))
                        .addNode(
                                node("Softmax", "softmax", "c", "y").toBuilder()
                                        .addAttribute(Attributes.ofInt("axis", 1)))
                        .addOutput(ValueInfoProto.newBuilder().setName("y"))
                        .build();
        return write("opset7.onnx", g, 3, 7);
    }

    private Path write(String name, GraphProto g, long ir, long opset) throws IOException {
        ModelProto m =
                ModelProto.newBuilder()
                        .setIrVersion(ir)
                        .setProducerName("graft-test")
                        .addOpsetImport(
                                OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                        .setGraph(g)
                        .build();
        Path file = dir.resolve(name);
        Files.write(file, m.toByteArray());
        return file;
    }

    private Path previousOutput() throws IOException {
        Path out = dir.resolve("out.onnx");
        Files.writeString(out, "the previous file", StandardCharsets.UTF_8);
        return out;
    }

    @Test
    void convert_opsetUpAndDownKeepsTheOutputsAndReportsTheConversion() throws Exception {
        Path model = opset7Model();
        Path up = dir.resolve("up.onnx");
        CliRun run = graft("convert", model.toString(), "--opset", "21", "--out", up.toString());
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        assertTrue(run.out().contains("opset 7 to 21 (IR version 10)"), run.out());
        ModelProto converted = OnnxModels.read(up);
        assertEquals(21, OnnxModels.opset(converted));
        assertEquals(10, converted.getIrVersion());

        Path down = dir.resolve("down.onnx");
        CliRun back = graft("convert", up.toString(), "--opset", "7", "--out", down.toString());
        assertEquals(ExitCodes.OK, back.exitCode(), back.err());
        assertEquals(7, OnnxModels.opset(OnnxModels.read(down)));
        CliRun verify = graft("verify", model.toString(), down.toString(), "--tolerance", "1e-6");
        assertEquals(ExitCodes.OK, verify.exitCode(), verify.err() + verify.out());
    }

    @Test
    void convert_operatorOutsideTheSupportedSetExitsThreeAndLeavesThePreviousFile()
            throws IOException {
        GraphProto g =
                GraphProto.newBuilder()
                        .setName("custom")
                        .addInput(floatInfo("x", 2, 4))
                        .addNode(node("Relu", "relu", "x", "r"))
                        .addNode(
                                node("FastGelu", "gelu", "r", "y").toBuilder()
                                        .setDomain("com.microsoft"))
                        .addOutput(ValueInfoProto.newBuilder().setName("y"))
                        .build();
        Path model = write("custom.onnx", g, 7, 13);
        Path out = previousOutput();
        byte[] before = Files.readAllBytes(out);
        for (String[] flags :
                new String[][] {{}, {"--opset", "17"}, {"--dynamic-batch", "--fold-bn"}}) {
            String[] args = new String[4 + flags.length];
            args[0] = "convert";
            args[1] = model.toString();
            System.arraycopy(flags, 0, args, 2, flags.length);
            args[2 + flags.length] = "--out";
            args[3 + flags.length] = out.toString();
            CliRun run = graft(args);
            assertEquals(ExitCodes.BAD_MODEL, run.exitCode(), run.err());
            assertTrue(run.err().contains("'gelu'"), run.err());
            assertTrue(run.err().contains("com.microsoft:FastGelu"), run.err());
            assertTrue(run.err().contains(model.toString()), run.err());
            assertArrayEquals(before, Files.readAllBytes(out));
        }
        try (var files = Files.list(dir)) {
            assertFalse(
                    files.anyMatch(p -> p.getFileName().toString().contains(".tmp")),
                    "a temporary file was left behind");
        }
    }

    @Test
    void convert_impossibleDowngradeExitsThreeNamingTheNodeAndLeavesThePreviousFile()
            throws IOException {
        GraphProto g =
                GraphProto.newBuilder()
                        .setName("layernorm")
                        .addInput(floatInfo("x", 2, 4))
                        .addInitializer(
                                OnnxTensors.fromFloats(
                                        "gamma", new long[] {4}, new float[] {1, 2, 3, 4}))
                        .addNode(
                                NodeProto.newBuilder()
                                        .setOpType("LayerNormalization")
                                        .setName("norm")
                                        .addInput("x")
                                        .addInput("gamma")
                                        .addOutput("y"))
                        .addOutput(ValueInfoProto.newBuilder().setName("y"))
                        .build();
        Path model = write("layernorm.onnx", g, 8, 17);
        Path out = previousOutput();
        byte[] before = Files.readAllBytes(out);
        CliRun run = graft("convert", model.toString(), "--opset", "13", "--out", out.toString());
        assertEquals(ExitCodes.BAD_MODEL, run.exitCode(), run.err());
        assertTrue(run.err().contains("'norm'"), run.err());
        assertTrue(run.err().contains("LayerNormalization"), run.err());
        assertTrue(run.err().contains("opset 13"), run.err());
        assertArrayEquals(before, Files.readAllBytes(out));
    }

    @Test
    void convert_opsetOutsideTheSupportedRangeIsAUsageError() throws IOException {
        Path model = opset7Model();
        Path out = previousOutput();
        for (String opset : new String[] {"6", "22"}) {
            CliRun run =
                    graft("convert", model.toString(), "--opset", opset, "--out", out.toString());
            assertEquals(ExitCodes.USAGE, run.exitCode(), run.err());
            assertTrue(run.err().contains("--opset " + opset), run.err());
            assertTrue(run.err().contains("7 to 21"), run.err());
        }
        assertEquals("the previous file", Files.readString(out));
    }

    @Test
    void convert_squeezenetToOpset13AndItsFeatureExtractorToOpset21() throws Exception {
        Path squeezenet = TestData.require("models/squeezenet1.1.onnx");
        Path out = dir.resolve("squeezenet-13.onnx");
        CliRun run =
                graft("convert", squeezenet.toString(), "--opset", "13", "--out", out.toString());
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        System.out.println("graft convert squeezenet1.1.onnx --opset 13: " + run.out().strip());
        assertEquals(13, OnnxModels.opset(OnnxModels.read(out)));
        CliRun verify =
                graft("verify", squeezenet.toString(), out.toString(), "--tolerance", "1e-5");
        assertEquals(ExitCodes.OK, verify.exitCode(), verify.err() + verify.out());

        Path features = dir.resolve("features-21.onnx");
        CliRun cut =
                graft(
                        "convert",
                        squeezenet.toString(),
                        "--features",
                        "--opset",
                        "21",
                        "--out",
                        features.toString());
        assertEquals(ExitCodes.OK, cut.exitCode(), cut.err());
        ModelProto extractor = OnnxModels.read(features);
        assertEquals(21, OnnxModels.opset(extractor));
        assertEquals("features", extractor.getGraph().getOutput(0).getName());
    }
}
