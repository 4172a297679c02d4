package ai.graft.trainer.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.ModelEditor;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.OnnxTensors;
import ai.graft.converter.checkpoint.ModelExport;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StartingGraphTest {
    @TempDir static Path shared;
    private static Path backbone;

    @BeforeAll
    static void makeBackbone() throws Exception {
        backbone = TinyNets.classifierFile(shared, 3);
    }

    private static Map<String, float[]> values(ModelProto model) {
        Map<String, float[]> m = new HashMap<>();
        for (TensorProto t : model.getGraph().getInitializerList()) {
            if (t.getDataType() == TensorProto.DataType.FLOAT_VALUE) {
                m.put(t.getName(), OnnxTensors.toFloats(t));
            }
        }
        return m;
    }

    @Test
    void newHead_startsNearZeroOnPretrainedFeatures() throws Exception {
        ModelProto graph = OnnxModels.read(backbone);
        ModelProto cut = ModelEditor.cutAtFeatures(graph, null);
        ModelProto withHead =
                ModelEditor.appendHead(
                        cut,
                        ai.graft.converter.HeadOptions.builder(2)
                                .seed(1)
                                .inputName(ModelEditor.FEATURES)
                                .outputName(ModelExport.LOGITS)
                                .parameterPrefix("head.")
                                .keepOutputs(true)
                                .build());
        Map<String, float[]> before = values(withHead);
        Map<String, float[]> after = values(StartingGraph.scaledHead(withHead, 0.01f));
        for (String name : before.keySet()) {
            float[] b = before.get(name);
            float[] a = after.get(name);
            for (int i = 0; i < b.length; i++) {
                float expected = name.startsWith("head.") ? b[i] * 0.01f : b[i];
                assertEquals(expected, a[i], 0f, name + "[" + i + "]");
            }
        }
        assertTrue(before.containsKey("head.weight"), before.keySet().toString());
    }
}
