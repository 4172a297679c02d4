package ai.graft.cli;

import static ai.graft.cli.CliRun.graft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.trainer.eval.ColourFixtures;
import ai.graft.trainer.tune.TinyNets;
import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad datasets are bad input: {@code train} and {@code evaluate} both exit with {@link
 * ExitCodes#USAGE} and name the data, and a class whose images cannot be read is refused after they
 * have been tried, not trained on.
 */
class DatasetErrorsTest {
    @TempDir static Path shared;
    private static Path backbone;
    private static Path model;

    @TempDir Path dir;

    @BeforeAll
    static void makeModels() throws Exception {
        backbone = TinyNets.classifierFile(shared, 5);
        model = ColourFixtures.rgbModel(shared.resolve("rgb.onnx"));
    }

    private CliRun train(Path data, String strategy) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "train",
                                "--data",
                                data.toString(),
                                "--backbone",
                                backbone.toString(),
                                "--preprocess",
                                "unit",
                                "--strategy",
                                strategy,
                                "--threads",
                                "1",
                                "--out",
                                dir.resolve("out-" + strategy).toString()));
        if (!strategy.equals("features")) {
            // features solves its head: it has no epochs or batches
            args.addAll(List.of("--epochs", "2", "--batch-size", "4"));
        }
        return graft(args.toArray(new String[0]));
    }

    private static CliRun evaluate(Path data) {
        return graft("evaluate", "--model", model.toString(), "--data", data.toString());
    }

    private static void assertUsage(CliRun run, String... fragments) {
        assertEquals(ExitCodes.USAGE, run.exitCode(), run.err());
        for (String f : fragments) {
            assertTrue(run.err().contains(f), "'" + f + "' in: " + run.err());
        }
        assertFalse(run.err().contains("Exception"), "no exception class names: " + run.err());
        assertEquals("", run.out());
    }

    @Test
    void trainAndEvaluate_exitWithUsageForTheSameBadDataset() throws Exception {
        Path missing = dir.resolve("missing");
        assertUsage(train(missing, "features"), "not found: " + missing);
        assertUsage(evaluate(missing), "not found: " + missing);

        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertUsage(train(empty, "features"), "No class folders in " + empty);
        assertUsage(evaluate(empty), "No class folders in " + empty);

        Path noImages = dir.resolve("no-images");
        Files.createDirectories(noImages.resolve("red"));
        Files.createDirectories(noImages.resolve("blue"));
        Files.writeString(noImages.resolve("red/notes.txt"), "not an image");
        assertUsage(train(noImages, "features"), "No images in the class folders", "" + noImages);
        assertUsage(evaluate(noImages), "No images in the class folders", "" + noImages);

        Path unknownClass = dir.resolve("unknown-class");
        ColourFixtures.image(unknownClass.resolve("red/r.png"), Color.RED);
        ColourFixtures.image(unknownClass.resolve("yellow/y.png"), Color.YELLOW);
        assertUsage(evaluate(unknownClass), "Class 'yellow'", "--data " + unknownClass);
    }

    @Test
    void train_refusesOneClass_whileEvaluateMeasuresIt() throws Exception {
        Path one = dir.resolve("one");
        for (int i = 0; i < 3; i++) {
            ColourFixtures.image(one.resolve("red/r" + i + ".png"), Color.RED);
        }
        assertUsage(train(one, "features"), "Only one class ('red'", "at least two classes");
        // Measuring a model on the images of one of its classes is a valid evaluation.
        CliRun run = evaluate(one);
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        assertTrue(run.out().contains("Accuracy           1.0000  (3 of 3)"), run.out());
    }

    /** A colour dataset whose training images of {@code red} are all text files named .png. */
    private Path dataWithUnreadableRed() throws Exception {
        Path data = TinyNets.colourFolders(dir.resolve("colours"), 4, 2);
        try (Stream<Path> files = Files.list(data.resolve("train/red"))) {
            for (Path f : files.toList()) {
                Files.writeString(f, "not an image");
            }
        }
        return data;
    }

    @Test
    void train_features_refusesAClassWhoseImagesAreAllUnreadable() throws Exception {
        Path data = dataWithUnreadableRed();
        CliRun run = train(data, "features");
        assertUsage(
                run,
                "Dataset " + data,
                "class 'red' has no readable training image: 4 of its 4 images could not be read",
                "(train/red/red0.png: ",
                "; and 1 more)");
        assertFalse(Files.exists(dir.resolve("out-features/model.onnx")), "no model written");
    }

    @Test
    void train_finetune_refusesAClassWhoseImagesAreAllUnreadable() throws Exception {
        Path data = dataWithUnreadableRed();
        CliRun run = train(data, "finetune");
        assertUsage(
                run,
                "class 'red' has no readable training image: 4 of its 4 images could not be read",
                "(train/red/red0.png: ");
        assertFalse(Files.exists(dir.resolve("out-finetune/model.onnx")), "no model written");
        assertFalse(run.err().contains("epoch 1/2:"), "refused after one pass: " + run.err());
    }
}
