package ai.graft.cli;

import static ai.graft.cli.CliRun.graft;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.InputShape;
import ai.graft.sdk.ModelCard;
import ai.graft.sdk.Preprocessing;
import ai.graft.sdk.Preprocessing.Layout;
import ai.graft.sdk.testing.TinyOnnx;
import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code graft annotate} and the SDK read a model's input shape by one rule ({@link InputShape}):
 * the card annotate writes has the layout and size that the SDK then uses as they are, for NCHW,
 * NHWC, dynamic sides and shapes that read both ways.
 */
class AnnotateLayoutTest {
    private static final String SIZED = "{\"width\":16,\"height\":16}";

    @TempDir Path dir;

    /**
     * A model input and what its card must say.
     *
     * @param name what the case shows
     * @param shape the input shape, -1 where dynamic
     * @param nhwc whether the model reads its input as NHWC
     * @param preprocess the {@code --preprocess} value
     * @param layout the card's expected layout
     * @param width the card's expected width
     * @param height the card's expected height
     */
    record Case(
            String name,
            long[] shape,
            boolean nhwc,
            String preprocess,
            Layout layout,
            int width,
            int height) {
        @Override
        public String toString() {
            return name + " " + Arrays.toString(shape);
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("NCHW", new long[] {1, 3, 16, 16}, false, "unit", Layout.NCHW, 16, 16),
                // Before the one rule, annotate read these three as NCHW [N, C=16, H=16, W=3 or 1]
                // or as NHWC [N, H=1, W=3, C=3] and wrote a card the SDK refused.
                new Case("NHWC", new long[] {1, 16, 16, 3}, true, "unit", Layout.NHWC, 16, 16),
                new Case("NHWC gray", new long[] {1, 16, 16, 1}, true, "unit", Layout.NHWC, 16, 16),
                new Case("3x3 gray", new long[] {1, 1, 3, 3}, false, "unit", Layout.NCHW, 3, 3),
                new Case("3x3 colour", new long[] {1, 3, 3, 3}, false, "unit", Layout.NCHW, 3, 3),
                new Case("1x3 colour", new long[] {1, 3, 3, 1}, false, "unit", Layout.NCHW, 1, 3),
                new Case(
                        "NCHW dynamic",
                        new long[] {-1, 3, -1, -1},
                        false,
                        SIZED,
                        Layout.NCHW,
                        16,
                        16),
                // Before, annotate wrote NCHW here and the SDK changed it to NHWC at load.
                new Case(
                        "NHWC dynamic",
                        new long[] {-1, -1, -1, 3},
                        true,
                        SIZED,
                        Layout.NHWC,
                        16,
                        16));
    }

    private static int channels(Case c) {
        return (int) (c.nhwc() ? c.shape()[3] : c.shape()[1]);
    }

    /** GlobalAveragePool over the channels (transposed first when NHWC): one class a channel. */
    private static Path model(Path file, Case c) {
        int channels = channels(c);
        TinyOnnx t = new TinyOnnx();
        Object[] dims = new Object[4];
        for (int i = 0; i < 4; i++) {
            dims[i] = TinyOnnx.dim(c.shape()[i], "d" + i);
        }
        t.input("image", TinyOnnx.FLOAT, dims);
        String pooledFrom = "image";
        if (c.nhwc()) {
            t.node(
                    "Transpose",
                    List.of("image"),
                    List.of("nchw"),
                    Map.of("perm", new long[] {0, 3, 1, 2}));
            pooledFrom = "nchw";
        }
        t.node("GlobalAveragePool", List.of(pooledFrom), List.of("pooled"), Map.of());
        t.node("Flatten", List.of("pooled"), List.of("scores"), Map.of("axis", 1L));
        t.output("scores", TinyOnnx.FLOAT, TinyOnnx.dim(-1, "N"), TinyOnnx.dim(channels, null));
        return t.write(file);
    }

    private Path annotate(Case c) throws Exception {
        Path model = model(dir.resolve("model.onnx"), c);
        boolean gray = channels(c) == 1;
        Path labels =
                Files.writeString(
                        dir.resolve("labels.txt"), gray ? "gray\n" : "red\ngreen\nblue\n");
        Path annotated = dir.resolve("annotated.onnx");
        CliRun run =
                graft(
                        "annotate",
                        model.toString(),
                        "--labels",
                        labels.toString(),
                        "--preprocess",
                        c.preprocess(),
                        "--out",
                        annotated.toString());
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        return annotated;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void annotate_writesTheLayoutAndSizeTheSdkUses(Case c) throws Exception {
        Path annotated = annotate(c);
        try (ImageClassifier classifier = ImageClassifier.createFromFile(annotated)) {
            Preprocessing written =
                    ModelCard.fromMetadata(classifier.signature().metadata()).preprocessing();
            assertEquals(c.layout(), written.layout());
            assertEquals(c.width(), written.width());
            assertEquals(c.height(), written.height());
            Preprocessing used = classifier.preprocessing();
            assertEquals(written.layout(), used.layout());
            assertEquals(written.width(), used.width());
            assertEquals(written.height(), used.height());
            // Nothing left to fit: the SDK uses the card as annotate wrote it (for a gray input
            // annotate has already made it GRAY).
            assertEquals(written, used);
        }
    }

    @Test
    void annotatedNhwcModel_classifies() throws Exception {
        Case nhwc = new Case("NHWC", new long[] {1, 16, 16, 3}, true, "unit", Layout.NHWC, 16, 16);
        Path annotated = annotate(nhwc);
        Path blue = SolidImages.png(dir.resolve("blue.png"), Color.BLUE);
        CliRun run = graft("predict", "--model", annotated.toString(), blue.toString());
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        assertTrue(run.out().startsWith(blue + ": 2 blue ("), run.out());
    }

    @Test
    void annotate_refusesAPreprocessingTheModelCannotTake_andWritesNothing() throws Exception {
        Case nchw = new Case("NCHW", new long[] {1, 3, 16, 16}, false, "unit", Layout.NCHW, 16, 16);
        Case gray = new Case("gray", new long[] {1, 1, 16, 16}, false, "unit", Layout.NCHW, 16, 16);
        Path labels = Files.writeString(dir.resolve("labels.txt"), "red\ngreen\nblue\n");
        Path grayLabels = Files.writeString(dir.resolve("gray.txt"), "gray\n");
        record Refusal(Case c, Path labels, String preprocess, String expected) {}
        for (Refusal r :
                List.of(
                        new Refusal(
                                nchw,
                                labels,
                                "{\"width\":32,\"height\":32}",
                                "takes 16x16 images (width x height), but the preprocessing makes"
                                        + " 32x32"),
                        new Refusal(
                                gray,
                                grayLabels,
                                "imagenet",
                                "takes 1 channel (gray), but the preprocessing is RGB with a"
                                        + " different mean or std per channel"))) {
            Path model = model(dir.resolve(r.c().name() + ".onnx"), r.c());
            byte[] before = Files.readAllBytes(model);
            Path annotated = dir.resolve(r.c().name() + "-annotated.onnx");
            CliRun run =
                    graft(
                            "annotate",
                            model.toString(),
                            "--labels",
                            r.labels().toString(),
                            "--preprocess",
                            r.preprocess(),
                            "--out",
                            annotated.toString());
            assertEquals(ExitCodes.USAGE, run.exitCode(), run.err());
            assertTrue(run.err().contains("Invalid --preprocess"), run.err());
            assertTrue(run.err().contains(r.expected()), run.err());
            assertFalse(Files.exists(annotated), "nothing written for " + r.c());
            assertArrayEquals(before, Files.readAllBytes(model));
        }
    }
}
