package ai.graft.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.testing.TinyOnnx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ImageClassifierOptions.Builder#allowLabels} and {@code denyLabels} as resolved. */
class ImageClassifierLabelFilterTest {
    private static final String SQUIRREL = "fox squirrel, eastern fox squirrel, Sciurus niger";

    @TempDir Path dir;

    private ImageClassifier create(List<String> labels, List<String> allow, List<String> deny)
            throws ModelException {
        Path model = TinyOnnx.rgbClassifier().write(dir.resolve("rgb.onnx"));
        return ImageClassifier.create(
                model,
                ImageClassifierOptions.builder()
                        .labels(labels)
                        .preprocessing(Preprocessing.unit(224, 224))
                        .allowLabels(allow)
                        .denyLabels(deny)
                        .build());
    }

    private static List<Integer> classify(ImageClassifier c) throws ImageException {
        try (Mat m = ImageClassifierTest.solid(200, 120, 40)) {
            return c.classify(m).top().stream().map(Category::index).toList();
        }
    }

    @Test
    void allowLabels_acceptsALabelWithCommasAsTheModelSpellsIt() throws Exception {
        try (ImageClassifier c =
                create(List.of(SQUIRREL, "green", "blue"), List.of(SQUIRREL), List.of())) {
            assertEquals(List.of(0), classify(c));
        }
        try (ImageClassifier c =
                create(List.of(SQUIRREL, "green", "blue"), List.of(), List.of(SQUIRREL))) {
            assertEquals(List.of(1, 2), classify(c).stream().sorted().toList());
        }
    }

    @Test
    void allowAndDeny_acceptClassIndices() throws Exception {
        try (ImageClassifier c = create(List.of("red", "green", "blue"), List.of("2"), List.of())) {
            assertEquals(List.of(2), classify(c));
        }
        try (ImageClassifier c =
                create(List.of("red", "green", "blue"), List.of("0", "blue"), List.of("0"))) {
            assertEquals(List.of(2), classify(c));
        }
    }

    @Test
    void allowLabels_aLabelThatIsANumberMeansTheLabelNotTheIndex() throws Exception {
        // Labels "2", "0", "1": "0" is the label of class 1; "3" is no label, so it is index 3,
        // which is out of range.
        try (ImageClassifier c = create(List.of("2", "0", "1"), List.of("0"), List.of())) {
            assertEquals(List.of(1), classify(c));
        }
        UnknownLabelException e =
                assertThrows(
                        UnknownLabelException.class,
                        () -> create(List.of("2", "0", "1"), List.of("3"), List.of()));
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());
        assertTrue(e.getMessage().contains("class index from 0 to 2"), e.getMessage());
    }

    @Test
    void unknownLabel_namesTheValueAndModelAndSuggestsCloseLabels() {
        List<String> labels = List.of(SQUIRREL, "grey squirrel", "blue");
        UnknownLabelException typo =
                assertThrows(
                        UnknownLabelException.class,
                        () -> create(labels, List.of("fox squirel"), List.of()));
        assertEquals(UnknownLabelException.Filter.ALLOW, typo.filter());
        assertEquals("fox squirel", typo.label());
        assertEquals(SQUIRREL, typo.suggestions().get(0));
        String message = typo.getMessage();
        assertTrue(message.startsWith("Unknown label 'fox squirel' in allowLabels: "), message);
        assertTrue(message.contains("rgb.onnx"), message);
        assertTrue(message.contains("Did you mean '" + SQUIRREL + "' (class 0)"), message);
        assertTrue(message.endsWith(typo.reason()), message);

        // One of the comma-separated names alone is not the label, but it is suggested.
        UnknownLabelException part =
                assertThrows(
                        UnknownLabelException.class,
                        () -> create(labels, List.of(), List.of("fox squirrel")));
        assertEquals(UnknownLabelException.Filter.DENY, part.filter());
        assertTrue(part.getMessage().contains("in denyLabels"), part.getMessage());
        assertEquals(SQUIRREL, part.suggestions().get(0));

        // Several labels joined by commas: say to give each separately.
        UnknownLabelException joined =
                assertThrows(
                        UnknownLabelException.class,
                        () -> create(labels, List.of("blue,grey squirrel"), List.of()));
        assertTrue(joined.getMessage().contains("give each separately"), joined.getMessage());

        UnknownLabelException nothingClose =
                assertThrows(
                        UnknownLabelException.class,
                        () -> create(labels, List.of("zebra"), List.of()));
        assertEquals(List.of(), nothingClose.suggestions());
        assertTrue(!nothingClose.getMessage().contains("Did you mean"), nothingClose.getMessage());
    }

    @Test
    void allowLabels_everyImageNetLabelCanBeNamedWhole() throws Exception {
        Path squeezenet = TestData.require("models/squeezenet1.1.onnx");
        List<String> imagenet = Files.readAllLines(TestData.require("labels/imagenet_classes.txt"));
        List<String> withCommas = imagenet.stream().filter(l -> l.contains(",")).toList();
        assertEquals(492, withCommas.size());
        try (ImageClassifier c =
                ImageClassifier.create(
                        squeezenet,
                        ImageClassifierOptions.builder()
                                .labels(imagenet)
                                .preprocessing(Preprocessing.caffe(224, 224))
                                .allowLabels(withCommas)
                                .topK(1000)
                                .build())) {
            List<Category> top = c.classify(TestData.require("images/squirrel_cls.jpg")).top();
            assertEquals(492, top.size());
            assertEquals(SQUIRREL, top.get(0).label());
            assertEquals(335, top.get(0).index());
        }
    }
}
