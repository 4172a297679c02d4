package ai.graft.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.testing.BadModels;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SDK's part of the reliability suite: every bad model of {@link BadModels} is refused by
 * {@link ImageClassifier#create} with a {@link ModelException} naming the file (never another
 * exception, never a classifier), and a model whose weights lie in a file beside it classifies.
 */
class BadModelsTest {
    @TempDir Path dir;

    @Test
    void create_refusesEveryBadModelWithAModelExceptionNamingTheFile() {
        List<BadModels.Case> cases = BadModels.writeAll(dir);
        List<String> failures = new ArrayList<>();
        for (BadModels.Case c : cases) {
            try (ImageClassifier classifier = ImageClassifier.createFromFile(c.model())) {
                failures.add(c + ": accepted, classifier " + classifier);
            } catch (ModelException e) {
                String m = e.getMessage();
                if (!m.contains(c.model().toString()) || !m.contains(c.expected())) {
                    failures.add(c + ": message lacks the file or '" + c.expected() + "': " + m);
                }
            } catch (RuntimeException | LinkageError e) {
                failures.add(c + ": " + e);
            }
        }
        assertTrue(failures.isEmpty(), cases.size() + " cases, failed:\n" + join(failures));
        assertTrue(cases.size() >= 45, "cases: " + cases.size());
    }

    @Test
    void create_externalDataEscapesAreRefusedBeforeOnnxRuntimeReadsThem() {
        // Each escape points at the model's true weights (or /dev/zero): ONNX Runtime alone would
        // load it. The refusal must say what was refused and why.
        for (BadModels.Case c : BadModels.externalData(dir)) {
            ModelException e =
                    assertThrows(
                            ModelException.class,
                            () -> ImageClassifier.createFromFile(c.model()).close(),
                            c.name());
            assertTrue(e.getMessage().contains("tensor 'W'"), c + ": " + e.getMessage());
        }
    }

    @Test
    void classify_worksWithExternalDataInTheModelsFolder() throws Exception {
        Path model = BadModels.writeWithExternalData(dir.resolve("model"));
        try (ImageClassifier classifier = ImageClassifier.createFromFile(model)) {
            assertEquals("red", classifier.classify(image(Color.RED)).top().get(0).label());
            assertEquals("blue", classifier.classify(image(Color.BLUE)).top().get(0).label());
        }
        List<ModelFiles.ExternalData> data = ModelFiles.check(model);
        assertEquals(
                List.of("W", "B"), data.stream().map(ModelFiles.ExternalData::tensor).toList());
        assertEquals(36, data.get(0).length());
        assertEquals(model.resolveSibling("weights/colours.bin").toRealPath(), data.get(0).file());
    }

    @Test
    void classify_worksThroughALinkedModelFolder() throws Exception {
        // The folder is reached through a link: the rule compares real paths on both sides.
        Path model = BadModels.writeWithExternalData(dir.resolve("real"));
        Path linked = Files.createSymbolicLink(dir.resolve("linked"), dir.resolve("real"));
        try (ImageClassifier classifier =
                ImageClassifier.createFromFile(linked.resolve(model.getFileName()))) {
            assertEquals("green", classifier.classify(image(Color.GREEN)).top().get(0).label());
        }
    }

    @Test
    void create_namesTheDimensionAndTheBoundForAbsurdInputSizes() {
        for (BadModels.Case c : BadModels.dimensions(dir)) {
            ModelException e =
                    assertThrows(
                            ModelException.class,
                            () -> ImageClassifier.createFromFile(c.model()).close(),
                            c.name());
            String m = e.getMessage();
            assertTrue(m.contains(c.expected()), c + ": " + m);
            assertTrue(
                    m.contains(Integer.toString(ModelFiles.MAX_IMAGE_SIDE))
                            || m.contains(Long.toString(ModelFiles.MAX_INPUT_BYTES))
                            || m.contains("a size (0 or more) or dynamic"),
                    c + ": " + m);
        }
    }

    private static BufferedImage image(Color colour) {
        BufferedImage image = new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(colour);
        g.fillRect(0, 0, 20, 20);
        g.dispose();
        return image;
    }

    private static String join(List<String> lines) {
        return String.join("\n", lines);
    }
}
