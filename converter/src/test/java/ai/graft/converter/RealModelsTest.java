package ai.graft.converter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.sdk.Preprocessing;
import ai.graft.sdk.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Checks against the real models of ../shared/data, with ONNX Runtime as the oracle. */
class RealModelsTest {
    @TempDir Path dir;

    static Stream<String> allModels() {
        return Stream.of(
                "models/squeezenet1.1_fp16.onnx",
                "models/squeezenet1.1.onnx",
                "models/squeezenet1.1_features.onnx",
                "models/mnist-cntk.onnx",
                "models/reference/efficientnet_b0_bn.onnx",
                "models/reference/googlenet.onnx",
                "models/reference/mobilenet_v2.onnx",
                "models/reference/mobilenet_v3_small.onnx",
                "models/reference/resnet18_bn.onnx",
                "models/reference/shufflenet_v2_x0_5.onnx",
                "models/reference/squeezenet1_1.onnx");
    }

    private static void log(String line) {
        System.out.println(line);
    }

    @ParameterizedTest
    @MethodSource("allModels")
    void readThenWrite_givesIdenticalOutputs(String rel) throws Exception {
        Path original = TestData.require(rel);
        Path copy = dir.resolve("copy.onnx");
        OnnxModels.write(OnnxModels.read(original), copy);
        ParityReport r =
                ParityChecker.compare(
                        original, copy, ParityOptions.builder().seed(3).batchSize(2).build());
        log("readThenWrite " + rel + " " + r.toJson());
        assertFalse(r.outputs().isEmpty());
        assertEquals(0.0, r.maxAbsDiff(), r.toJson());
    }

    @ParameterizedTest
    @MethodSource("allModels")
    void inspect_findsFeatureNodeAndShapes(String rel) throws Exception {
        ModelSummary s = ModelInspector.inspect(OnnxModels.read(TestData.require(rel)));
        log("inspect " + rel + " " + s.toJson());
        assertTrue(s.parameterCount() > 0);
        assertTrue(s.multiplyAdds() > 0, s.toJson());
        assertNotNull(s.featureNode(), s.toJson());
        assertTrue(s.featureNode().channels() > 0, s.toJson());
        assertTrue(s.unknownOps().isEmpty(), s.unknownOps().toString());
    }

    @Test
    void inspect_squeezenetFeatureNodeIsFire9Concat() throws Exception {
        ModelSummary s =
                ModelInspector.inspect(
                        OnnxModels.read(TestData.require("models/squeezenet1.1.onnx")));
        assertEquals("fire9/concat_1", s.featureNode().tensor());
        assertArrayEquals(new long[] {1, 512, 13, 13}, s.featureNode().shape());
        assertEquals(1_235_496L, s.parameterCount());
        // SqueezeNet 1.1 is about 0.35 GMACs at 224x224 (0.349 G counted over Conv layers).
        assertTrue(
                s.multiplyAdds() > 340_000_000L && s.multiplyAdds() < 360_000_000L,
                "" + s.multiplyAdds());
        ModelSummary r =
                ModelInspector.inspect(
                        OnnxModels.read(TestData.require("models/reference/resnet18_bn.onnx")));
        // ResNet-18: 1.82 GMACs for 1000 classes; this one has 10.
        assertTrue(
                Math.abs(r.multiplyAdds() - 1_814_073_344L + 1_000L * 512 - 10L * 512) < 2_000_000L,
                "" + r.multiplyAdds());
        assertEquals(512, r.featureNode().channels());
    }

    @Test
    void float16ToFloat32_matchesTheFloat32Model() throws Exception {
        ModelProto fp16 = OnnxModels.read(TestData.require("models/squeezenet1.1_fp16.onnx"));
        ModelProto fp32 = OnnxModels.read(TestData.require("models/squeezenet1.1.onnx"));
        ModelProto converted = ModelEditor.float16ToFloat32(fp16);
        // Byte for byte the weights of the float32 file (which was cast from the same float16).
        assertTrue(
                fp32.getGraph()
                        .getInitializerList()
                        .equals(converted.getGraph().getInitializerList()),
                "initializers differ from squeezenet1.1.onnx");
        ParityReport r =
                ParityChecker.compare(
                        converted,
                        "converted",
                        fp32,
                        "squeezenet1.1.onnx",
                        ParityOptions.builder().seed(11).randomRuns(2).build());
        log("fp16->fp32 " + r.toJson());
        assertTrue(r.maxAbsDiff() <= 1e-6, r.toJson());
        // Real photographs with the Caffe preprocessing give the same answers too.
        Path squirrel = TestData.require("images/squirrel_cls.jpg");
        Path dog = TestData.require("images/dog_golden_retriever_winml.jpg");
        ParityReport images =
                ParityChecker.compare(
                        converted,
                        "converted",
                        fp32,
                        "squeezenet1.1.onnx",
                        ParityOptions.builder()
                                .randomRuns(0)
                                .images(List.of(squirrel, dog), Preprocessing.caffe(224, 224))
                                .build());
        log("fp16->fp32 images " + images.toJson());
        assertTrue(images.maxAbsDiff() <= 1e-6, images.toJson());
        assertEquals(1.0, images.outputs().get(0).top1Agreement());
    }

    @Test
    void parity_feedsFloat16ModelsRoundedInputs() throws Exception {
        ParityReport r =
                ParityChecker.compare(
                        TestData.require("models/squeezenet1.1_fp16.onnx"),
                        TestData.require("models/squeezenet1.1.onnx"),
                        ParityOptions.builder().seed(9).build());
        log("fp16 vs fp32 " + r.toJson());
        // Float16 arithmetic against float32: close, same top class.
        assertTrue(r.maxAbsDiff() < 1e-2, r.toJson());
        assertEquals(1.0, r.outputs().get(0).top1Agreement());
    }

    @Test
    void cutAtFeatures_matchesTheFeaturesModel() throws Exception {
        ModelProto fp32 = OnnxModels.read(TestData.require("models/squeezenet1.1.onnx"));
        ModelProto cut = ModelEditor.cutAtFeatures(fp32, null);
        assertEquals(
                List.of("features"),
                cut.getGraph().getOutputList().stream().map(v -> v.getName()).toList());
        assertEquals(
                512,
                cut.getGraph()
                        .getOutput(0)
                        .getType()
                        .getTensorType()
                        .getShape()
                        .getDim(1)
                        .getDimValue());
        ModelProto reference =
                OnnxModels.read(TestData.require("models/squeezenet1.1_features.onnx"));
        ParityReport r =
                ParityChecker.compare(
                        cut,
                        "cut",
                        reference,
                        "squeezenet1.1_features.onnx",
                        ParityOptions.builder().seed(2).randomRuns(2).build());
        log("cut " + r.toJson());
        assertEquals(
                List.of("features"), r.outputs().stream().map(ParityReport.Output::name).toList());
        assertArrayEquals(new long[] {1, 512}, r.output("features").shape());
        assertTrue(r.maxAbsDiff() <= 1e-5, r.toJson());
        // A new head on the IR 3 extractor (initializers listed as inputs) loads and runs.
        ModelProto head =
                ModelEditor.appendHead(
                        ModelEditor.dynamicBatch(cut),
                        HeadOptions.builder(2).seed(3).softmax(true).build());
        ParityReport hr =
                ParityChecker.compare(
                        head, "head", head, "head", ParityOptions.builder().batchSize(4).build());
        assertArrayEquals(new long[] {4, 2}, hr.output("logits").shape());
        assertArrayEquals(new long[] {4, 512}, hr.output("features").shape());
        assertArrayEquals(
                new long[] {5, 512, 13, 13},
                ModelInspector.shapes(ModelEditor.dynamicBatch(fp32), 5).get("fire9/concat_1"));
        // Cutting explicitly by tensor name gives the same graph.
        assertTrue(
                cut.equals(ModelEditor.cutAtFeatures(fp32, "fire9/concat_1")),
                "explicit cut differs");
    }

    @Test
    void foldBatchNorm_resnet18WithinTolerance() throws Exception {
        ModelProto m = OnnxModels.read(TestData.require("models/reference/resnet18_bn.onnx"));
        ModelProto folded = ModelEditor.foldBatchNorm(m);
        long bns =
                folded.getGraph().getNodeList().stream()
                        .filter(n -> n.getOpType().equals("BatchNormalization"))
                        .count();
        assertEquals(0, bns);
        ParityReport r =
                ParityChecker.compare(
                        m,
                        "resnet18_bn",
                        folded,
                        "folded",
                        ParityOptions.builder().seed(4).batchSize(2).build());
        log("foldBN resnet18 " + r.toJson());
        assertTrue(r.maxAbsDiff() <= 1e-4, r.toJson());
        ModelProto eff =
                OnnxModels.read(TestData.require("models/reference/efficientnet_b0_bn.onnx"));
        ParityReport re =
                ParityChecker.compare(
                        eff,
                        "efficientnet_b0_bn",
                        ModelEditor.foldBatchNorm(eff),
                        "folded",
                        ParityOptions.builder().seed(4).build());
        log("foldBN efficientnet " + re.toJson());
        assertTrue(re.maxAbsDiff() <= 1e-4, re.toJson());
    }

    @Test
    void dynamicBatch_squeezenetRunsWithBatch3() throws Exception {
        ModelProto m = OnnxModels.read(TestData.require("models/squeezenet1.1.onnx"));
        ModelProto dyn = ModelEditor.dynamicBatch(m);
        Path f = dir.resolve("dyn.onnx");
        OnnxModels.write(dyn, f);
        ParityReport r = ParityChecker.compare(f, f, ParityOptions.builder().batchSize(3).build());
        assertArrayEquals(new long[] {3, 1000, 1, 1}, r.outputs().get(0).shape());
        // Each sample of the batch matches the batch-1 original.
        ParityReport one = ParityChecker.compare(m, "orig", dyn, "dyn", ParityOptions.defaults());
        assertTrue(one.maxAbsDiff() <= 1e-6, one.toJson());
        // Weights kept their fixed first dimension (unlike a naive rewrite).
        ModelSummary s = ModelInspector.inspect(dyn);
        assertEquals("N", s.inputs().get(0).dims().get(0));
        ModelProto mnist =
                ModelEditor.dynamicBatch(
                        OnnxModels.read(TestData.require("models/mnist-cntk.onnx")));
        ParityReport rm =
                ParityChecker.compare(
                        mnist,
                        "mnist",
                        mnist,
                        "mnist",
                        ParityOptions.builder().batchSize(3).build());
        assertArrayEquals(new long[] {3, 10}, rm.outputs().get(0).shape());
    }

    @Test
    void cutThenHead_runsOnEveryReferenceModel() throws Exception {
        for (String rel : allModels().filter(r -> r.contains("reference")).toList()) {
            ModelProto m = OnnxModels.read(TestData.require(rel));
            ModelProto cut = ModelEditor.cutAtFeatures(m, null);
            ModelProto head = ModelEditor.appendHead(cut, HeadOptions.builder(2).seed(1).build());
            ParityReport r =
                    ParityChecker.compare(
                            head, rel, head, rel, ParityOptions.builder().batchSize(2).build());
            assertEquals(
                    List.of("logits", "features"),
                    r.outputs().stream().map(ParityReport.Output::name).toList());
            assertArrayEquals(new long[] {2, 2}, r.output("logits").shape(), rel);
            long channels = ModelInspector.findFeatureNode(m).channels();
            assertArrayEquals(new long[] {2, channels}, r.output("features").shape(), rel);
            for (NodeProto n : head.getGraph().getNodeList()) {
                assertFalse(n.getOpType().isEmpty());
            }
        }
    }

    @Test
    void write_keepsMetadata() throws Exception {
        ModelProto m = OnnxModels.read(TestData.require("models/mnist-cntk.onnx"));
        ModelProto carded = ModelEditor.withMetadata(m, java.util.Map.of("graft.output", "logits"));
        Path f = dir.resolve("m.onnx");
        OnnxModels.write(carded, f);
        assertEquals(
                "logits",
                ModelInspector.inspect(OnnxModels.read(f)).metadata().get("graft.output"));
        assertEquals(
                "Gray8",
                ModelInspector.inspect(OnnxModels.read(f))
                        .metadata()
                        .get("Image.BitmapPixelFormat"));
        assertTrue(Files.size(f) > 0);
    }
}
