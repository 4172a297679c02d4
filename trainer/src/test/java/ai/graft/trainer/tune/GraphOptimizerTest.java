package ai.graft.trainer.tune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.graft.trainer.TrainingOptions;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GraphOptimizerTest {
    private static final float[] W = {1f, -2f, 3f};
    private static final float[] C = {0.5f, 0.25f, -1f};
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private GraphOptimizer optimizer(TrainingOptions.Optimizer kind, float factor) {
        return new GraphOptimizer(
                kind,
                0.9f,
                0.01f,
                Map.of("p", "param"),
                Map.of("p", factor),
                Set.of("p"),
                manager,
                Device.cpu());
    }

    private NDArray weight(float[] values) {
        NDArray w = manager.create(values);
        w.setRequiresGradient(true);
        return w;
    }

    /** Sets w's gradient to C (the gradient of sum(C * w)) and updates. */
    private static void step(GraphOptimizer o, NDArray w, long step) {
        try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
            NDArray loss = w.mul(w.getManager().create(C)).sum();
            gc.backward(loss);
        }
        o.setStep(step);
        o.update("p", w, w.getGradient());
    }

    @Test
    void sgd_isHeavyBallMomentumWithL2DecayAndTheParametersFactor() {
        GraphOptimizer o = optimizer(TrainingOptions.Optimizer.SGD, 0.5f);
        o.setLearningRate(0.2);
        NDArray w = weight(W);
        step(o, w, 0);
        step(o, w, 1);
        double lr = 0.2 * 0.5;
        for (int i = 0; i < 3; i++) {
            double d1 = C[i] + 0.01 * W[i];
            double w1 = W[i] - lr * d1;
            double buf = 0.9 * d1 + (C[i] + 0.01 * w1);
            double w2 = w1 - lr * buf;
            assertEquals(w2, w.toFloatArray()[i], 1e-6, "element " + i);
        }
        assertArrayEquals(new float[3], w.getGradient().toFloatArray(), "gradient cleared");
    }

    @Test
    void adamW_decaysDecoupledAndCorrectsBias() {
        GraphOptimizer o = optimizer(TrainingOptions.Optimizer.ADAMW, 1f);
        o.setLearningRate(0.1);
        NDArray w = weight(W);
        step(o, w, 0);
        step(o, w, 1);
        for (int i = 0; i < 3; i++) {
            double g = C[i];
            double w1 = W[i] * (1 - 0.1 * 0.01);
            w1 -= 0.1 * g / (Math.abs(g) + 1e-8);
            double m = 0.9 * 0.1 * g + 0.1 * g;
            double v = 0.999 * 0.001 * g * g + 0.001 * g * g;
            double mHat = m / (1 - 0.81);
            double vHat = v / (1 - 0.999 * 0.999);
            double w2 = w1 * (1 - 0.1 * 0.01) - 0.1 * mHat / (Math.sqrt(vHat) + 1e-8);
            assertEquals(w2, w.toFloatArray()[i], 1e-5, "element " + i);
        }
    }

    @Test
    void savedState_continuesExactlyInAFreshOptimizer() {
        for (TrainingOptions.Optimizer kind : TrainingOptions.Optimizer.values()) {
            GraphOptimizer straight = optimizer(kind, 1f);
            straight.setLearningRate(0.05);
            NDArray a = weight(W);
            step(straight, a, 0);
            step(straight, a, 1);

            GraphOptimizer first = optimizer(kind, 1f);
            first.setLearningRate(0.05);
            NDArray b = weight(W);
            step(first, b, 0);
            Map<String, float[][]> saved = first.saveState();
            assertEquals(Set.of("param"), saved.keySet());
            assertEquals(kind == TrainingOptions.Optimizer.SGD ? 1 : 2, saved.get("param").length);

            GraphOptimizer second = optimizer(kind, 1f);
            second.setLearningRate(0.05);
            second.restoreState(saved, Map.of("param", new Shape(3)));
            NDArray c = weight(b.toFloatArray());
            step(second, c, 1);
            assertArrayEquals(a.toFloatArray(), c.toFloatArray(), 0f, kind.toString());
        }
    }

    @Test
    void restoreState_rejectsAStateOfAnotherShape() {
        GraphOptimizer o = optimizer(TrainingOptions.Optimizer.SGD, 1f);
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                o.restoreState(
                                        Map.of("param", new float[][] {new float[4]}),
                                        Map.of("param", new Shape(3))));
        assertTrue(e.getMessage().contains("4 values, the parameter 3"), e.getMessage());
    }
}
