package ai.graft.trainer.tune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradientsTest {
    @Test
    void gradients_infiniteOnesAreFound_andClearedToZero() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            Parameter p = Parameter.builder().setName("w").setType(Parameter.Type.WEIGHT).build();
            p.setArray(m.create(new float[] {1, 2, 3}));
            p.getArray().setRequiresGradient(true);
            try (GradientCollector gc =
                    ai.djl.engine.Engine.getEngine("PyTorch").newGradientCollector()) {
                NDArray y = p.getArray().mul(m.create(new float[] {1, Float.NaN, 1})).sum();
                gc.backward(y);
            }
            assertFalse(Gradients.finite(List.of(p)));

            Gradients.clear(List.of(p));

            assertTrue(Gradients.finite(List.of(p)));
            assertArrayEquals(new float[] {0, 0, 0}, p.getArray().getGradient().toFloatArray());
        }
    }
}
