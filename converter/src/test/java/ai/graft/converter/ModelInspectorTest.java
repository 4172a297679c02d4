package ai.graft.converter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

class ModelInspectorTest {
    @Test
    void inspect_countsParametersOperatorsAndMultiplyAdds() {
        ModelSummary s = ModelInspector.inspect(TinyModels.classifier(1));
        assertEquals(7, s.irVersion());
        assertEquals(13, s.opset());
        assertEquals("graft-test", s.producerName());
        assertEquals(108 + 4 + 16 + 12 + 3, s.parameterCount());
        // Conv: 4 out x 8 x 8 positions x 3 in x 3 x 3; Gemm: 3 x 4.
        assertEquals(4L * 64 * 27 + 12, s.multiplyAdds());
        assertEquals(1, s.operators().get("Conv"));
        assertEquals("flat", s.featureNode().tensor());
        assertEquals("Gemm", s.featureNode().classifierOp());
        assertArrayEquals(new long[] {1, 4}, s.featureNode().shape());
        assertEquals("input", s.inputs().get(0).name());
        assertArrayEquals(new long[] {1, 3, 8, 8}, s.inputs().get(0).shape());
        assertTrue(s.unknownOps().isEmpty(), s.unknownOps().toString());
    }

    @Test
    void inspect_namedFeatureNodeAndJson() {
        ModelSummary s = ModelInspector.inspect(TinyModels.classifier(1), "relu_node");
        assertEquals("relu", s.featureNode().tensor());
        assertArrayEquals(new long[] {1, 4, 8, 8}, s.featureNode().shape());
        JsonNode json = GraftJson.read(s.toJson());
        assertEquals(143, json.get("parameterCount").intValue());
        assertEquals("float", json.at("/inputs/0/type").textValue());
    }
}
