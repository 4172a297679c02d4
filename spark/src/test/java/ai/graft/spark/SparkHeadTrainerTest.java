package ai.graft.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.GraftJson;
import ai.graft.sdk.Classification;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ModelCard;
import ai.graft.sdk.OutputKind;
import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparkHeadTrainerTest {
    @TempDir Path dir;

    @Test
    void train_growsTheMllibHeadIntoOneModelWithItsCard() throws Exception {
        SparkTests.spark();
        Path backbone = SparkTests.colourModel(dir.resolve("colours-backbone.onnx"));
        Map<String, Color> colours =
                Map.of("red", Color.RED, "green", Color.GREEN, "blue", Color.BLUE);
        long seed = 0;
        for (Map.Entry<String, Color> c : colours.entrySet()) {
            for (int i = 0; i < 6; i++) {
                SparkTests.png(
                        dir.resolve("data/train/" + c.getKey() + "/" + i + ".png"),
                        c.getValue(),
                        40,
                        seed++);
            }
            for (int i = 0; i < 2; i++) {
                SparkTests.png(
                        dir.resolve("data/val/" + c.getKey() + "/" + i + ".png"),
                        c.getValue(),
                        40,
                        seed++);
            }
        }
        Files.writeString(dir.resolve("data/train/red/broken.jpg"), "not a JPEG");
        Path out = dir.resolve("out");

        GraftSparkTest.Run run =
                GraftSparkTest.graftSpark(
                        "train",
                        "--master",
                        "local[2]",
                        "--backbone",
                        backbone.toString(),
                        "--images",
                        dir.resolve("data").toString(),
                        "--out",
                        out.toString());

        assertEquals(GraftSpark.OK, run.exitCode(), run.err());
        assertTrue(
                run.out().contains("3 classes, 18 training and 6 validation images (1 unreadable)"),
                run.out());
        Path model = out.resolve(SparkHeadTrainer.MODEL_FILE);
        Map<String, Object> metrics =
                GraftJson.readObject(Files.readString(out.resolve(SparkHeadTrainer.METRICS_FILE)));
        assertEquals(1.0, ((Number) metrics.get("valAccuracy")).doubleValue());
        double parity = ((Number) metrics.get("parityMaxAbsDiff")).doubleValue();
        assertTrue(parity < SparkHeadTrainer.PARITY_TOLERANCE, "parity " + parity);
        try (ImageClassifier classifier = ImageClassifier.createFromFile(model)) {
            ModelCard card = classifier.card();
            assertEquals(List.of("blue", "green", "red"), card.labels());
            assertEquals(OutputKind.LOGITS, card.output());
            assertEquals(SparkHeadTrainer.LOGITS, card.outputName());
            assertEquals("features", card.embeddingOutputName());
            assertEquals("features", card.extra().get("graft.strategy"));
            Map<String, Object> training = GraftJson.readObject(card.extra().get("graft.training"));
            assertEquals("spark-mllib", training.get("engine"));
            assertEquals(18, ((Number) training.get("trainSamples")).intValue());
            assertEquals("colours-backbone.onnx", card.extra().get("graft.backbone"));
            assertEquals(
                    ai.graft.sdk.Preprocessing.unit(8, 8).toJson(), card.preprocessing().toJson());
            Path fresh = SparkTests.png(dir.resolve("fresh/green.png"), Color.GREEN, 20, 99);
            Classification c = classifier.classify(fresh);
            assertEquals("green", c.best().label());
            assertEquals(3, classifier.embed(ai.graft.sdk.ImageInput.of(fresh), null).length);
        }
    }
}
