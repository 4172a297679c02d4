package ai.graft.trainer.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.trainer.Strategy;
import ai.graft.trainer.TrainingOptions;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The graph strategies' defaults and checks in {@link TrainingOptions}. */
class TrainingOptionsTest {
    private static TrainingOptions.Builder builder(Strategy s) {
        return TrainingOptions.builder(Path.of("data"), "b.onnx", Path.of("out")).strategy(s);
    }

    @Test
    void defaults_dependOnTheStrategy() {
        TrainingOptions features = builder(Strategy.FEATURES).build();
        assertEquals(150, features.epochs());
        assertEquals(TrainingOptions.Optimizer.ADAMW, features.optimizer());
        assertEquals(0.05, features.weightDecay());
        assertEquals(64, features.batchSize());

        TrainingOptions finetune = builder(Strategy.FINETUNE).build();
        assertEquals(TrainingOptions.Optimizer.SGD, finetune.optimizer());
        assertEquals(0.01, finetune.learningRate());
        assertEquals(1e-4, finetune.weightDecay());
        assertEquals(0.1, finetune.backboneLrFactor());
        assertEquals(32, finetune.batchSize());
        assertEquals(Path.of("out", "checkpoints"), finetune.checkpointDir());
        assertTrue(finetune.augment());

        TrainingOptions adamw =
                builder(Strategy.FULL).optimizer(TrainingOptions.Optimizer.ADAMW).build();
        assertEquals(0.001, adamw.learningRate());
        assertEquals(0.05, adamw.weightDecay());

        TrainingOptions scratch = builder(Strategy.SCRATCH).build();
        assertEquals(1.0, scratch.backboneLrFactor());
        assertEquals(5e-4, scratch.weightDecay());
        assertEquals(10, scratch.stepEpochs(), "a third of 30 epochs");
    }

    @Test
    void build_rejectsOptionsThatDoNotFitTheStrategy() {
        IllegalArgumentException unfreeze =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> builder(Strategy.FULL).unfreeze(2).build());
        assertTrue(unfreeze.getMessage().contains("unfreeze applies to strategy finetune"));
        IllegalArgumentException sgd =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                builder(Strategy.FEATURES)
                                        .optimizer(TrainingOptions.Optimizer.SGD)
                                        .build());
        assertTrue(sgd.getMessage().contains("features trains its head with adamw"));
        IllegalArgumentException resume =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> builder(Strategy.FEATURES).resume(Path.of("x.ckpt")).build());
        assertTrue(resume.getMessage().contains("no checkpoints"));
        IllegalArgumentException factor =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> builder(Strategy.FINETUNE).backboneLrFactor(2).build());
        assertTrue(factor.getMessage().contains("must be in (0, 1], got 2.0"), factor.getMessage());
        IllegalArgumentException decay =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> builder(Strategy.FINETUNE).layerDecay(0).build());
        assertEquals(
                "Invalid training option: layer decay must be in (0, 1], got 0.0",
                decay.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> builder(Strategy.FULL).layerDecay(1.5).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> builder(Strategy.FULL).layerDecay(Double.NaN).build());
        IllegalArgumentException decayFeatures =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> builder(Strategy.FEATURES).layerDecay(0.75).build());
        assertTrue(
                decayFeatures.getMessage().contains("applies to strategies finetune and full"),
                decayFeatures.getMessage());
        assertEquals(0.75, builder(Strategy.FULL).layerDecay(0.75).build().layerDecay());
        assertEquals(1.0, builder(Strategy.FULL).build().layerDecay());
        // the card's hyperparameters carry a decay, and only one that decays (so that runs from
        // before the option resume)
        assertEquals(
                0.75,
                GraphTrainer.hyperparameters(builder(Strategy.FULL).layerDecay(0.75).build())
                        .get("layerDecay"));
        assertTrue(
                !GraphTrainer.hyperparameters(builder(Strategy.FULL).build())
                        .containsKey("layerDecay"));
        IllegalArgumentException name =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> TrainingOptions.Schedule.fromName("linear"));
        assertEquals(
                "Unknown schedule 'linear', expected one of [cosine, step]", name.getMessage());
    }
}
