package ai.graft.converter.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.zoo.BackboneZoo;
import ai.graft.sdk.Preprocessing;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The zoo's resnet18, whose batch norms are separate nodes as in a torchvision export, quantized at
 * a small size: every batch norm is folded into its Conv, so none stays in float between two
 * integer kernels.
 */
class ResNetQuantizeTest {
    private static final int SIZE = 64;

    @TempDir Path dir;

    @Test
    void resnet18_foldsEveryBatchNormAndRunsEveryConvOnQLinearConv() throws Exception {
        ModelProto m = BackboneZoo.build("resnet18", 10, SIZE, 1);
        long convs = count(m, "Conv");
        assertEquals(20, count(m, "BatchNormalization"));
        List<Path> images = TinyModels.images(dir, 6, 2);

        Int8Result r =
                Int8Quantizer.quantize(
                        m,
                        "resnet18",
                        "input",
                        images,
                        Preprocessing.imagenet(SIZE, SIZE),
                        Int8Options.defaults());

        assertEquals(0, count(r.model(), "BatchNormalization"));
        assertFalse(
                r.floatNodes().stream().anyMatch(n -> n.startsWith("BatchNormalization")),
                r.floatNodes().toString());
        assertEquals(
                (int) convs,
                r.kernels().integerOps().getOrDefault("QLinearConv", 0),
                r.kernels().describe());
        assertTrue(
                r.kernels().floatOps().keySet().stream().noneMatch(op -> op.contains("Conv")),
                r.kernels().describe());
    }

    private static long count(ModelProto m, String op) {
        return m.getGraph().getNodeList().stream().filter(n -> n.getOpType().equals(op)).count();
    }
}
