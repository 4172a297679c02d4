package ai.graft.converter.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.ModelInspector;
import ai.graft.converter.ModelSummary;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.sdk.Preprocessing;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code graft inspect} and {@code graft compare} read a quantized model as they read its original.
 */
class QuantizedInspectionTest {
    @TempDir Path dir;

    @Test
    void int8Model_hasTheOriginalsParametersAndMultiplyAdds() throws Exception {
        ModelProto original = TinyModels.classifier(TinyModels.Middle.POOL, 1);
        List<Path> images = TinyModels.images(dir.resolve("calib"), 6, 3);
        ModelProto quantized =
                Int8Quantizer.quantize(
                                original,
                                "tiny",
                                "image",
                                images,
                                Preprocessing.unit(TinyModels.SIZE, TinyModels.SIZE),
                                Int8Options.defaults())
                        .model();
        ModelSummary before = ModelInspector.inspect(original);
        ModelSummary after = ModelInspector.inspect(quantized);
        assertTrue(after.operators().containsKey("DequantizeLinear"), after.toString());
        // Integer weights and biases count; scales and zero points do not.
        assertEquals(before.parameterCount(), after.parameterCount(), after.toString());
        // Shapes flow through QuantizeLinear and DequantizeLinear.
        assertTrue(before.multiplyAdds() > 0, before.toString());
        assertEquals(before.multiplyAdds(), after.multiplyAdds(), after.toString());
    }
}
