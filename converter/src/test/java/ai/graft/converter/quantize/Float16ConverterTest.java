package ai.graft.converter.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.ParityChecker;
import ai.graft.converter.ParityOptions;
import ai.graft.converter.ParityReport;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.sdk.ModelException;
import org.junit.jupiter.api.Test;

class Float16ConverterTest {
    @Test
    void convert_keepsFloat32InputsAndOutputsAroundFloat16Weights() throws Exception {
        ModelProto m = TinyModels.classifier(TinyModels.Middle.CONCAT, 5);
        ModelProto half = Float16Converter.convert(m, "tiny");
        assertEquals(
                TensorProto.DataType.FLOAT_VALUE,
                half.getGraph().getInput(0).getType().getTensorType().getElemType());
        assertEquals(
                TensorProto.DataType.FLOAT_VALUE,
                half.getGraph().getOutput(0).getType().getTensorType().getElemType());
        assertEquals("image", half.getGraph().getInput(0).getName());
        assertEquals("probs", half.getGraph().getOutput(0).getName());
        for (TensorProto t : half.getGraph().getInitializerList()) {
            assertEquals(TensorProto.DataType.FLOAT16_VALUE, t.getDataType(), t.getName());
        }
        assertEquals(m.getMetadataPropsList(), half.getMetadataPropsList(), "the card stays");
        ParityReport r =
                ParityChecker.compare(
                        m, "fp32", half, "fp16", ParityOptions.builder().randomRuns(2).build());
        assertTrue(r.maxAbsDiff() < 1e-2, r.toJson());
        assertEquals(1.0, r.outputs().get(0).top1Agreement(), r.toJson());
    }

    @Test
    void convert_refusesAFloat16Model() throws Exception {
        ModelProto half =
                Float16Converter.convert(TinyModels.classifier(TinyModels.Middle.POOL, 1), "tiny");
        ModelException e =
                assertThrows(
                        ModelException.class, () -> Float16Converter.convert(half, "half.onnx"));
        assertTrue(e.getMessage().startsWith("Model half.onnx is already float16"), e.getMessage());
    }
}
