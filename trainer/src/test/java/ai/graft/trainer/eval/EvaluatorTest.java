package ai.graft.trainer.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ImageClassifierOptions;
import ai.graft.sdk.ModelCard;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.testing.TinyOnnx;
import ai.graft.trainer.TrainingMonitor;
import ai.graft.trainer.data.DatasetException;
import ai.graft.trainer.data.Datasets;
import ai.graft.trainer.data.ImageDataset;
import ai.graft.trainer.data.Skipped;
import java.awt.Color;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluatorTest {
    @TempDir Path dir;

    @Test
    void evaluate_measuresThroughTheSdkAndSkipsUndecodableFiles() throws Exception {
        // 40 images per class: more than one batch, so batches run on several threads.
        Path data = ColourFixtures.colourFolders(dir.resolve("data"), 40);
        Path model = ColourFixtures.rgbModel(dir.resolve("rgb.onnx"));
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        List<String> status = Collections.synchronizedList(new ArrayList<>());
        EvaluationResult r;
        try (ImageClassifier c = ImageClassifier.createFromFile(model)) {
            r =
                    Evaluator.evaluate(
                            c,
                            Datasets.classFolders(data),
                            TrainingMonitor.of(log::add, status::add));
        }
        // Data classes are sorted (blue, green, red); the result follows the model's labels.
        assertEquals(List.of("red", "green", "blue"), r.classes());
        assertEquals(121, r.samples());
        assertEquals(120.0 / 121, r.accuracy(), 1e-12);
        assertNull(r.top5Accuracy());
        assertArrayEquals(new int[] {40, 0, 1}, r.confusion()[0]);
        assertArrayEquals(new int[] {0, 40, 0}, r.confusion()[1]);
        assertArrayEquals(new int[] {0, 0, 40}, r.confusion()[2]);
        ClassMetrics blue = r.perClass().get(2);
        assertEquals(40.0 / 41, blue.precision(), 1e-12);
        assertEquals(1.0, blue.recall());
        assertEquals(1, r.skipped().size());
        Skipped s = r.skipped().get(0);
        assertEquals(Path.of("red", "broken.jpg").toString(), s.id());
        assertTrue(s.reason().contains("broken.jpg"), s.reason());
        assertTrue(r.imagesPerSecond() > 0);
        assertTrue(status.contains("evaluated 32/" + 122 + " images"), status.toString());
        assertTrue(
                log.size() == 1 && log.get(0).startsWith("evaluated 121 images in "),
                "the count is status, the total is logged: " + log);
    }

    @Test
    void evaluate_acceptsModelLabelsMissingFromTheDataAndShowsThoseItPredicted() throws Exception {
        Path data = dir.resolve("data");
        ColourFixtures.image(data.resolve("red/r.png"), Color.RED);
        ColourFixtures.image(data.resolve("red/g.png"), Color.GREEN); // predicted green
        ColourFixtures.image(data.resolve("blue/b.png"), Color.BLUE);
        Path model = ColourFixtures.rgbModel(dir.resolve("rgb.onnx"));
        EvaluationResult r;
        try (ImageClassifier c = ImageClassifier.createFromFile(model)) {
            r = Evaluator.evaluate(c, Datasets.classFolders(data), TrainingMonitor.SILENT);
        }
        assertEquals(List.of("red", "green", "blue"), r.classes());
        assertEquals(0, r.perClass().get(1).support());
        assertEquals(0.0, r.perClass().get(1).precision());

        Path onlyRed = dir.resolve("red-only");
        ColourFixtures.image(onlyRed.resolve("red/r.png"), Color.RED);
        try (ImageClassifier c = ImageClassifier.createFromFile(model)) {
            r = Evaluator.evaluate(c, Datasets.classFolders(onlyRed), TrainingMonitor.SILENT);
        }
        assertEquals(List.of("red"), r.classes(), "labels neither in the data nor predicted go");
        assertEquals(1.0, r.accuracy());
    }

    @Test
    void evaluate_measuresTopFiveAmongTheModelsLabels() throws Exception {
        Path data = dir.resolve("data");
        ColourFixtures.image(data.resolve("c0/a.png"), Color.RED); // rank 0
        ColourFixtures.image(data.resolve("c0/b.png"), Color.RED); // rank 0
        ColourFixtures.image(data.resolve("c2/a.png"), Color.RED); // rank 4: top-5 hit
        ColourFixtures.image(data.resolve("c5/a.png"), Color.RED); // rank 5: miss
        Path model = ColourFixtures.sixClassModel(dir.resolve("six.onnx"));
        EvaluationResult r;
        try (ImageClassifier c = ImageClassifier.createFromFile(model)) {
            r = Evaluator.evaluate(c, Datasets.classFolders(data), TrainingMonitor.SILENT);
        }
        assertEquals(0.5, r.accuracy(), 1e-12);
        assertEquals(0.75, r.top5Accuracy(), 1e-12);
        assertEquals(List.of("c0", "c2", "c5"), r.classes());
        // Every red image is predicted c0.
        assertArrayEquals(new int[] {2, 0, 0}, r.confusion()[0]);
        assertArrayEquals(new int[] {1, 0, 0}, r.confusion()[1]);
        assertArrayEquals(new int[] {1, 0, 0}, r.confusion()[2]);
    }

    @Test
    void evaluate_rejectsDataClassesTheModelDoesNotKnowNamingThem() throws Exception {
        Path data = dir.resolve("data");
        ColourFixtures.image(data.resolve("red/r.png"), Color.RED);
        ColourFixtures.image(data.resolve("purple/p.png"), Color.MAGENTA);
        ColourFixtures.image(data.resolve("Blue/b.png"), Color.BLUE);
        ImageDataset dataset = Datasets.classFolders(data);
        Path model = ColourFixtures.rgbModel(dir.resolve("rgb.onnx"));
        try (ImageClassifier c = ImageClassifier.createFromFile(model)) {
            DatasetException e =
                    assertThrows(
                            DatasetException.class,
                            () -> Evaluator.evaluate(c, dataset, TrainingMonitor.SILENT));
            assertTrue(e.getMessage().contains("'Blue', 'purple'"), e.getMessage());
            assertTrue(e.getMessage().contains("'red', 'green', 'blue'"), e.getMessage());
            assertTrue(e.getMessage().contains(model.toString()), e.getMessage());
        }
    }

    @Test
    void evaluate_failsWhenNoImageCanBeRead() throws Exception {
        Path data = dir.resolve("data");
        ColourFixtures.broken(data.resolve("red/a.jpg"));
        ColourFixtures.broken(data.resolve("blue/b.png"));
        ImageDataset dataset = Datasets.classFolders(data);
        try (ImageClassifier c =
                ImageClassifier.createFromFile(ColourFixtures.rgbModel(dir.resolve("m.onnx")))) {
            DatasetException e =
                    assertThrows(
                            DatasetException.class,
                            () -> Evaluator.evaluate(c, dataset, TrainingMonitor.SILENT));
            assertTrue(e.getMessage().contains("None of the 2 images"), e.getMessage());
        }
    }

    @Test
    void evaluate_refusesAClassifierThatReportsFewerThanFiveCategories() throws Exception {
        Path data = dir.resolve("data");
        ColourFixtures.image(data.resolve("c0/a.png"), Color.RED);
        Path model = ColourFixtures.sixClassModel(dir.resolve("six.onnx"));
        try (ImageClassifier c =
                ImageClassifier.create(model, ImageClassifierOptions.builder().topK(3).build())) {
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () ->
                                    Evaluator.evaluate(
                                            c,
                                            Datasets.classFolders(data),
                                            TrainingMonitor.SILENT));
            assertTrue(e.getMessage().contains("top 3"), e.getMessage());
        }
    }

    @Test
    void evaluate_refusesAnEmbeddingModel() throws Exception {
        Path data = dir.resolve("data");
        ColourFixtures.image(data.resolve("red/a.png"), Color.RED);
        Path model =
                TinyOnnx.rgbClassifier()
                        .metadata(ModelCard.KEY_OUTPUT, "embedding")
                        .metadata(ModelCard.KEY_PREPROCESS, "{\"color\":\"RGB\"}")
                        .write(dir.resolve("embed.onnx"));
        try (ImageClassifier c = ImageClassifier.createFromFile(model)) {
            ModelException e =
                    assertThrows(
                            ModelException.class,
                            () ->
                                    Evaluator.evaluate(
                                            c,
                                            Datasets.classFolders(data),
                                            TrainingMonitor.SILENT));
            assertTrue(e.getMessage().contains("embedding"), e.getMessage());
        }
    }
}
