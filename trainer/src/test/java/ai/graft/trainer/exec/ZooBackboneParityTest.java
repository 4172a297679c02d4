package ai.graft.trainer.exec;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.ModelEditor;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.zoo.BackboneZoo;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The zoo's later backbones, cut at their features (a fresh ViT's head is zero, so its logits would
 * prove nothing): the executor's forward pass in inference mode against ONNX Runtime.
 *
 * <p>A backbone whose operators the executor does not all have yet (LayerNormalization, Erf, Expand
 * for the transformers and ConvNeXt) is skipped, naming them; it runs, and must agree, as soon as
 * {@link Ops} has them.
 */
class ZooBackboneParityTest {

    @ParameterizedTest(name = "{0} at {1}")
    @CsvSource({
        "mobilenet_v3_large, 64",
        "mobilenet_v3_small, 64",
        "efficientnet_v2_s, 64",
        "regnet_y_400mf, 64",
        "convnext_tiny, 64",
        "vit_tiny, 32",
        "swin_t, 64"
    })
    void features_matchOnnxRuntimeWithin1e4OfOutputScale(String name, int size) throws Exception {
        ModelProto features = ModelEditor.cutAtFeatures(BackboneZoo.build(name, 10, size, 3), null);
        Set<String> missing = new TreeSet<>();
        for (NodeProto n : features.getGraph().getNodeList()) {
            if (!Ops.SUPPORTED.contains(n.getOpType())) {
                missing.add(n.getOpType());
            }
        }
        Assumptions.assumeTrue(
                missing.isEmpty(),
                () -> name + " needs operators the executor does not have yet: " + missing);
        Oracle.Diff d = Oracle.assertParity(features, new long[] {2, 3, size, size}, -2, 2);
        // fresh MobileNets' features are tiny (depthwise kernels drawn with the fan-out of a full
        // convolution): hold the difference to the scale alone, not to an absolute floor
        assertTrue(d.scale() > 0 && d.relative() <= 1e-4, name + ": " + d);
        System.out.println("PARITY zoo " + name + ": " + d);
    }
}
