package ai.graft.samples.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.Category;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ImageClassifierOptions;
import ai.graft.sdk.LabelsFile;
import ai.graft.sdk.ModelCard;
import ai.graft.sdk.OutputKind;
import ai.graft.sdk.Preprocessing;
import ai.graft.sdk.TestData;
import ai.graft.sdk.testing.TinyOnnx;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application classifies on the class path that graft-sdk gives it: the host's natives only.
 */
class ClassifyImageTest {
    @TempDir Path dir;

    @Test
    void readmeExample_classifiesColoursWithATinyModelThatCarriesItsCard() throws Exception {
        ModelCard card =
                new ModelCard(
                        ModelCard.VERSION,
                        List.of("red", "green", "blue"),
                        Preprocessing.unit(224, 224),
                        OutputKind.LOGITS,
                        "output",
                        Map.of());
        Path model =
                TinyOnnx.rgbClassifier().metadata(card.toMetadata()).write(dir.resolve("rgb.onnx"));
        try (ImageClassifier classifier = ImageClassifier.createFromFile(model)) {
            assertEquals("red", ClassifyImage.best(classifier, png("red.png", Color.RED)).label());
            assertEquals(
                    "green", ClassifyImage.best(classifier, png("green.png", Color.GREEN)).label());
            Category blue = ClassifyImage.best(classifier, png("blue.png", Color.BLUE));
            assertEquals("blue", blue.label());
            // A pure blue image: logits (0, 0, 10), softmax 1 / (1 + 2 e^-10).
            assertEquals(1 / (1 + 2 * Math.exp(-10)), blue.score(), 1e-6);
        }
    }

    @Test
    void sharedSqueezeNet_namesTheSquirrel() throws Exception {
        Path model = TestData.require("models/squeezenet1.1.onnx");
        Path labels = TestData.require("labels/imagenet_classes.txt");
        Path image = TestData.require("images/squirrel_cls.jpg");
        ImageClassifierOptions options =
                ImageClassifierOptions.builder()
                        .labels(LabelsFile.read(labels))
                        .preprocessing("caffe")
                        .build();
        try (ImageClassifier classifier = ImageClassifier.create(model, options)) {
            Category best = ClassifyImage.best(classifier, image);
            assertEquals(335, best.index());
            assertTrue(best.score() > 0.99f, () -> "score " + best.score());
        }
    }

    private Path png(String name, Color colour) throws Exception {
        BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(colour);
        g.fillRect(0, 0, 64, 48);
        g.dispose();
        Path file = dir.resolve(name);
        ImageIO.write(image, "png", file.toFile());
        return file;
    }
}
