package ai.graft.trainer.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.trainer.Strategy;
import ai.graft.trainer.TrainingOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LearningRatesTest {
    private static TrainingOptions.Builder options() {
        return TrainingOptions.builder(Path.of("d"), "b.onnx", Path.of("o"))
                .strategy(Strategy.FULL)
                .learningRate(0.1)
                .epochs(10)
                .warmupEpochs(2);
    }

    @Test
    void cosine_warmsUpLinearlyThenFallsToOnePercentAtTheLastStep() {
        LearningRates r = LearningRates.of(options().build(), 5);
        assertEquals(10, r.warmupSteps());
        assertEquals(50, r.totalSteps());
        assertEquals(0.01, r.at(0), 1e-12);
        assertEquals(0.05, r.at(4), 1e-12);
        assertEquals(0.1, r.at(9), 1e-12);
        assertEquals(0.1, r.at(10), 1e-12);
        // The cosine part spans steps 10..49: step 29 is 19/39 of the way.
        assertEquals(0.001 + 0.099 * 0.5 * (1 + Math.cos(Math.PI * 19 / 39)), r.at(29), 1e-12);
        assertEquals(0.001, r.at(49), 1e-12);
        assertEquals(0.001, r.at(60), 1e-12, "steps past the end stay at the floor");
    }

    @Test
    void step_multipliesByGammaEveryStepEpochs() {
        LearningRates r =
                LearningRates.of(
                        options()
                                .schedule(TrainingOptions.Schedule.STEP)
                                .stepEpochs(3)
                                .stepGamma(0.5)
                                .warmupEpochs(1)
                                .build(),
                        4);
        assertEquals(0.025, r.at(0), 1e-12);
        assertEquals(0.1, r.at(4), 1e-12, "epoch 2 (after warm-up)");
        assertEquals(0.1, r.at(11), 1e-12, "epoch 3");
        assertEquals(0.05, r.at(12), 1e-12, "epoch 4");
        assertEquals(0.025, r.at(24), 1e-12, "epoch 7");
    }

    @Test
    void warmup_neverTakesMoreThanHalfTheRun() {
        LearningRates r = LearningRates.of(options().epochs(2).warmupEpochs(5).build(), 3);
        assertEquals(3, r.warmupSteps());
    }

    @Test
    void layerFactors_decayFromTheLastStageBackToTheFirst() {
        List<Stages.Stage> stages =
                List.of(
                        new Stages.Stage("b0", List.of("stem.w", "b0.w"), List.of()),
                        new Stages.Stage("b1", List.of("b1.w"), List.of()),
                        new Stages.Stage("b2", List.of("b2.w", "b2.b"), List.of()));
        Map<String, Double> f = LearningRates.layerFactors(stages, 0.5);
        assertEquals(
                Map.of("stem.w", 0.25, "b0.w", 0.25, "b1.w", 0.5, "b2.w", 1.0, "b2.b", 1.0), f);
        assertTrue(LearningRates.layerFactors(stages, 1).isEmpty(), "1 is no decay");
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> LearningRates.layerFactors(stages, 0));
        assertEquals("Layer decay must be in (0, 1], got 0.0", e.getMessage());
        assertThrows(
                IllegalArgumentException.class, () -> LearningRates.layerFactors(stages, 1.01));
    }
}
