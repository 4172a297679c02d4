package ai.graft.converter.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import ai.graft.converter.OnnxModels;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.sdk.OnnxRuntime;
import ai.graft.sdk.TestData;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GraphBuilderTest {

    /** PyTorch's adaptive_avg_pool2d bins: [floor(i*in/out), ceil((i+1)*in/out)). */
    @Test
    void adaptiveAvgPool_matchesPyTorchBinsWithin1e5() throws Exception {
        int size = 5;
        int target = 3;
        GraphBuilder g = new GraphBuilder("pool", size, 1);
        String y = g.adaptiveAvgPool(GraphBuilder.INPUT, "avgpool", size, target);
        y = g.flatten(y, "flatten");
        ModelProto m = g.build(y, 3 * target * target);
        float[] x = new float[3 * size * size];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i * 0.7) * 3;
        }
        OrtEnvironment env = OnnxRuntime.environment();
        try (OrtSession s =
                        env.createSession(OnnxModels.toBytes(m), new OrtSession.SessionOptions());
                OnnxTensor t =
                        OnnxTensor.createTensor(
                                env, FloatBuffer.wrap(x), new long[] {1, 3, size, size});
                OrtSession.Result r = s.run(Map.of("input", t))) {
            float[] got = ((float[][]) r.get(0).getValue())[0];
            for (int c = 0; c < 3; c++) {
                for (int i = 0; i < target; i++) {
                    for (int j = 0; j < target; j++) {
                        int h0 = i * size / target;
                        int h1 = -Math.floorDiv(-(i + 1) * size, target);
                        int w0 = j * size / target;
                        int w1 = -Math.floorDiv(-(j + 1) * size, target);
                        double sum = 0;
                        for (int h = h0; h < h1; h++) {
                            for (int w = w0; w < w1; w++) {
                                sum += x[c * size * size + h * size + w];
                            }
                        }
                        double expected = sum / ((h1 - h0) * (w1 - w0));
                        assertEquals(expected, got[c * target * target + i * target + j], 1e-5);
                    }
                }
            }
        }
    }

    @Test
    void signature_reportsADifferentArchitecture() throws Exception {
        ModelProto reference =
                OnnxModels.read(TestData.require("models/reference/resnet18_bn.onnx"));
        GraphSignature expected = GraphSignature.of(reference, false);
        GraphSignature other = GraphSignature.of(BackboneZoo.build("resnet50", 10, 224, 1), false);
        assertNotNull(other.firstDifference(expected));
        // one changed class count shows as a parameter shape difference
        GraphSignature classes = GraphSignature.of(BackboneZoo.build("resnet18", 9, 224, 1), false);
        String diff = classes.firstDifference(expected);
        assertNotNull(diff);
        assertEquals(true, diff.contains("fc.weight"), diff);
    }
}
