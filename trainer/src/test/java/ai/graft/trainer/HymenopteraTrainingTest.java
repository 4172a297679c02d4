package ai.graft.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.TestData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real training runs with the defaults: SqueezeNet 1.1 from ImageNet on the ants and bees of
 * PyTorch's transfer-learning tutorial (245 training, 77 validation images), which that tutorial
 * takes to about 0.94 with ResNet-18. Minutes on two cores: tagged {@code slow} ({@code mvn verify
 * -Pslow}).
 */
@Tag("slow")
class HymenopteraTrainingTest {
    @TempDir Path out;

    private static TrainingOptions.Builder options(Path out, Strategy strategy) {
        return TrainingOptions.builder(
                        TestData.require("datasets/hymenoptera"),
                        TestData.require("models/squeezenet1.1.onnx").toString(),
                        out)
                .strategy(strategy)
                .preprocess("caffe");
    }

    private static void assertAnExportedClassifier(TrainingResult r) throws Exception {
        assertEquals(77, r.evaluation().samples(), "the whole val/ folder is measured");
        try (ImageClassifier model = ImageClassifier.createFromFile(r.model())) {
            assertEquals(List.of("ants", "bees"), model.card().labels());
        }
    }

    @Test
    void features_reachesNinetyPercentOnTheValidationImages() throws Exception {
        List<String> log = new ArrayList<>();
        TrainingResult r =
                Trainer.train(
                        options(out, Strategy.FEATURES).build(), TrainingMonitor.of(log::add));
        assertTrue(r.valAccuracy() >= 0.90, r.valAccuracy() + "\n" + String.join("\n", log));
        assertAnExportedClassifier(r);
    }

    @Test
    void finetune_reachesNinetyPercentOnTheValidationImages() throws Exception {
        List<String> log = new ArrayList<>();
        TrainingResult r =
                Trainer.train(
                        options(out, Strategy.FINETUNE).build(), TrainingMonitor.of(log::add));
        assertTrue(r.valAccuracy() >= 0.90, r.valAccuracy() + "\n" + String.join("\n", log));
        assertAnExportedClassifier(r);
        assertTrue(
                log.stream().noneMatch(l -> l.contains("diverged")),
                "the defaults do not diverge on the full set: " + log);
    }
}
