package ai.graft.trainer.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.zoo.BackboneZoo;
import ai.graft.sdk.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real models of {@code ../shared/data/models}, and zoo models with layers none of them has:
 * forward parity with ONNX Runtime.
 */
class ReferenceModelParityTest {

    private static ModelProto read(String relative) throws Exception {
        Path path = TestData.require(relative);
        return ModelProto.parseFrom(Files.readAllBytes(path));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        // model, batch, channels, size, input low, input high
        "models/reference/resnet18_bn.onnx, 2, 3, 224, -2, 2",
        "models/reference/efficientnet_b0_bn.onnx, 2, 3, 224, -2, 2",
        "models/reference/mobilenet_v2.onnx, 2, 3, 224, -2, 2",
        "models/reference/mobilenet_v3_small.onnx, 2, 3, 224, -2, 2",
        "models/reference/shufflenet_v2_x0_5.onnx, 2, 3, 224, -2, 2",
        "models/reference/squeezenet1_1.onnx, 2, 3, 224, -2, 2",
        "models/reference/googlenet.onnx, 2, 3, 224, -2, 2",
        "models/squeezenet1.1.onnx, 1, 3, 224, -120, 130",
        "models/mnist-cntk.onnx, 1, 1, 28, 0, 255",
    })
    void forward_matchesOnnxRuntimeWithin1e4OfOutputScale(
            String model, int batch, int channels, int size, float lo, float hi) throws Exception {
        Oracle.Diff d =
                Oracle.assertParity(read(model), new long[] {batch, channels, size, size}, lo, hi);
        System.out.println("PARITY " + model + ": " + d);
    }

    /**
     * The zoo's Inception v3, at its smallest size: its 1x7, 7x1, 1x3 and 3x1 convolutions and its
     * average pooling that counts the padding are in no reference model.
     */
    @org.junit.jupiter.api.Test
    void zooInceptionV3Forward_matchesOnnxRuntimeWithin1e4OfOutputScale() throws Exception {
        ModelProto model = BackboneZoo.build("inception_v3", 10, 75, 1);
        Oracle.Diff d = Oracle.assertParity(model, new long[] {2, 3, 75, 75}, -2, 2);
        System.out.println("PARITY zoo inception_v3: " + d);
    }

    @org.junit.jupiter.api.Test
    void fromFile_makesEachFloatInitializerAParameterOfTheSameNameAndValue() throws Exception {
        Path path = TestData.require("models/mnist-cntk.onnx");
        ModelProto model = ModelProto.parseFrom(Files.readAllBytes(path));
        OnnxBlock block = OnnxBlock.fromFile(path);
        java.util.Map<String, float[]> expected = new java.util.LinkedHashMap<>();
        for (var t : model.getGraph().getInitializerList()) {
            if (t.getDataType() == 1) {
                expected.put(t.getName(), ai.graft.converter.OnnxTensors.toFloats(t));
            }
        }
        assertEquals(
                expected.keySet(),
                block.getParameters().keys().stream()
                        .collect(
                                java.util.stream.Collectors.toCollection(
                                        java.util.LinkedHashSet::new)));
        try (NDManager manager = NDManager.newBaseManager()) {
            block.initialize(manager);
            java.util.Map<String, float[]> values = block.parameterValues();
            assertEquals(expected.keySet(), values.keySet());
            for (String name : expected.keySet()) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(
                        expected.get(name), values.get(name), name);
                assertTrue(block.isTrainable(name), name + " feeds a weight input");
            }
        }
    }

    @org.junit.jupiter.api.Test
    void float16Initializers_areReadAsFloat32() throws Exception {
        ModelProto half = read("models/squeezenet1.1_fp16.onnx");
        ModelProto full = read("models/squeezenet1.1.onnx");
        long[] shape = {1, 3, 224, 224};
        float[] input = Oracle.random(shape, -120, 130, 3);
        Oracle.Diff d =
                Oracle.diff(Oracle.ort(full, input, shape), Oracle.djl(half, input, shape, false));
        assertTrue(d.maxAbsDiff() <= 1e-4 * d.scale(), d.toString());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "models/reference/shufflenet_v2_x0_5.onnx",
                "models/reference/mobilenet_v3_small.onnx",
                "models/reference/efficientnet_b0_bn.onnx",
                "models/reference/squeezenet1_1.onnx"
            })
    void trainingForwardAndBackward_giveFiniteGradientsToEveryTrainableParameter(String model)
            throws Exception {
        OnnxBlock block = OnnxBlock.create(read(model));
        try (NDManager manager = NDManager.newBaseManager()) {
            Shape shape = new Shape(2, 3, 96, 96);
            block.initialize(manager, DataType.FLOAT32, shape);
            NDArray x = manager.randomUniform(-2, 2, shape);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDList out = block.forward(new ParameterStore(manager, false), new NDList(x), true);
                assertEquals(new Shape(2, 10), out.head().getShape());
                gc.backward(out.head().square().sum());
            }
            int checked = 0;
            for (var p : block.getParameters()) {
                if (!block.isTrainable(p.getKey())) {
                    continue;
                }
                NDArray g = p.getValue().getArray().getGradient();
                float norm = g.abs().sum().getFloat();
                assertTrue(Float.isFinite(norm), p.getKey() + " gradient is not finite");
                checked++;
            }
            assertTrue(checked > 10, "trainable parameters: " + checked);
        }
    }
}
