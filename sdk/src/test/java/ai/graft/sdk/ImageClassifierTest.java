package ai.graft.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.testing.TinyOnnx;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageClassifierTest {
    private static final List<String> RGB = List.of("red", "green", "blue");

    @TempDir Path dir;

    private Path rgbModel() {
        return TinyOnnx.rgbClassifier().write(dir.resolve("rgb.onnx"));
    }

    private static ImageClassifierOptions.Builder unitRgb() {
        return ImageClassifierOptions.builder()
                .labels(RGB)
                .preprocessing(Preprocessing.unit(224, 224));
    }

    static Mat solid(int r, int g, int b) {
        return new Mat(300, 400, opencv_core.CV_8UC3, new Scalar(b, g, r, 0));
    }

    static BufferedImage solidImage(Color c) {
        BufferedImage img = new BufferedImage(320, 240, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(c);
        g.fillRect(0, 0, 320, 240);
        g.dispose();
        return img;
    }

    static byte[] png(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** Softmax of 10 * (r, g, b) / 255, the tiny model's probabilities for a solid colour. */
    static float[] expected(int r, int g, int b) {
        double[] z = {10 * r / 255.0, 10 * g / 255.0, 10 * b / 255.0};
        double max = Math.max(z[0], Math.max(z[1], z[2]));
        double sum = 0;
        for (int i = 0; i < 3; i++) {
            z[i] = Math.exp(z[i] - max);
            sum += z[i];
        }
        return new float[] {(float) (z[0] / sum), (float) (z[1] / sum), (float) (z[2] / sum)};
    }

    @Test
    void classify_solidColoursFromEveryInputKind() throws Exception {
        try (ImageClassifier c = ImageClassifier.create(rgbModel(), unitRgb().build())) {
            try (Mat red = solid(255, 0, 0)) {
                Classification r = c.classify(red);
                assertEquals("red", r.top().get(0).label());
                assertEquals(0, r.top().get(0).index());
                assertEquals(expected(255, 0, 0)[0], r.top().get(0).score(), 1e-4);
                assertEquals(3, r.top().size());
                assertTrue(r.latencyMs() > 0);
                assertTrue(r.timings().inferenceMs() > 0);
            }
            assertEquals("green", c.classify(solidImage(Color.GREEN)).best().label());
            byte[] blue = png(solidImage(Color.BLUE));
            assertEquals("blue", c.classify(blue, "blue.png").best().label());
            Path file = dir.resolve("green.png");
            Files.write(file, png(solidImage(Color.GREEN)));
            assertEquals("green", c.classify(file).best().label());
            try (Mat blueMat = solid(0, 0, 255);
                    OpenCVFrameConverter.ToMat conv = new OpenCVFrameConverter.ToMat()) {
                Frame f = conv.convert(blueMat);
                assertEquals("blue", c.classify(f).best().label());
            }
            try (Mat gray = new Mat(50, 60, opencv_core.CV_8UC1, new Scalar(200))) {
                Classification g = c.classify(gray);
                // Equal channels: all three classes tie.
                assertEquals(1f / 3, g.top().get(0).score(), 1e-4);
            }
        }
    }

    @Test
    void classify_resultIsImmutableAndSortedBestFirst() throws Exception {
        try (ImageClassifier c = ImageClassifier.create(rgbModel(), unitRgb().build());
                Mat m = solid(200, 120, 40)) {
            Classification r = c.classify(m);
            float[] e = expected(200, 120, 40);
            assertEquals(List.of("red", "green", "blue"), labels(r));
            for (Category cat : r.top()) {
                assertEquals(e[cat.index()], cat.score(), 1e-4);
            }
            assertThrows(UnsupportedOperationException.class, () -> r.top().remove(0));
        }
    }

    @Test
    void topK_limitsTheNumberOfCategories() throws Exception {
        try (ImageClassifier c = ImageClassifier.create(rgbModel(), unitRgb().topK(2).build());
                Mat m = solid(200, 120, 40)) {
            assertEquals(List.of("red", "green"), labels(c.classify(m)));
        }
    }

    @Test
    void scoreThreshold_dropsLowScores() throws Exception {
        try (ImageClassifier c =
                        ImageClassifier.create(rgbModel(), unitRgb().scoreThreshold(0.1f).build());
                Mat m = solid(200, 120, 40)) {
            // softmax(7.84, 4.71, 1.57): 0.956, 0.042, 0.002
            assertEquals(List.of("red"), labels(c.classify(m)));
        }
        try (ImageClassifier c =
                        ImageClassifier.create(
                                rgbModel(), unitRgb().scoreThreshold(0.99f).build());
                Mat m = solid(200, 120, 40)) {
            assertTrue(c.classify(m).top().isEmpty());
            assertThrows(IllegalStateException.class, () -> c.classify(m).best());
        }
    }

    @Test
    void allowAndDenyLabels_filterWithoutRenormalising() throws Exception {
        float[] e = expected(200, 120, 40);
        try (ImageClassifier c =
                        ImageClassifier.create(
                                rgbModel(),
                                unitRgb().allowLabels(List.of("blue", "green")).build());
                Mat m = solid(200, 120, 40)) {
            Classification r = c.classify(m);
            assertEquals(List.of("green", "blue"), labels(r));
            assertEquals(e[1], r.top().get(0).score(), 1e-4);
        }
        try (ImageClassifier c =
                        ImageClassifier.create(
                                rgbModel(), unitRgb().denyLabels(List.of("red")).build());
                Mat m = solid(200, 120, 40)) {
            assertEquals(List.of("green", "blue"), labels(c.classify(m)));
        }
        IllegalArgumentException ex =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                ImageClassifier.create(
                                        rgbModel(),
                                        unitRgb().allowLabels(List.of("purple")).build()));
        assertTrue(ex.getMessage().contains("'purple'"), ex.getMessage());
    }

    @Test
    void softmaxAndFourDimensionalOutputs_giveTheSameScores() throws Exception {
        float[][] w = {{10, 0, 0}, {0, 10, 0}, {0, 0, 10}};
        float[] b = {0, 0, 0};
        Path probs4d =
                TinyOnnx.classifier(224, 224, -1, w, b, true, true).write(dir.resolve("p4.onnx"));
        Path logits4d =
                TinyOnnx.classifier(224, 224, -1, w, b, false, true).write(dir.resolve("l4.onnx"));
        try (ImageClassifier p = ImageClassifier.create(probs4d, unitRgb().build());
                ImageClassifier l = ImageClassifier.create(logits4d, unitRgb().build());
                Mat m = solid(200, 120, 40)) {
            assertArrayEquals(new long[] {-1, 3, 1, 1}, p.signature().outputShapes().get(0));
            float[] e = expected(200, 120, 40);
            Classification rp = p.classify(m);
            Classification rl = l.classify(m);
            for (int i = 0; i < 3; i++) {
                assertEquals(e[rp.top().get(i).index()], rp.top().get(i).score(), 1e-4);
                assertEquals(e[rl.top().get(i).index()], rl.top().get(i).score(), 1e-4);
            }
        }
    }

    @Test
    void cardOutputKind_isObeyed() throws Exception {
        float[][] w = {{10, 0, 0}, {0, 10, 0}, {0, 0, 10}};
        // A softmax model whose card wrongly says "logits": the SDK trusts the card and applies
        // softmax again, which flattens the scores. Shows the card is read, not guessed over.
        Path m =
                TinyOnnx.classifier(224, 224, -1, w, new float[3], true, false)
                        .metadata(ModelCard.KEY_OUTPUT, "logits")
                        .write(dir.resolve("wrong.onnx"));
        try (ImageClassifier c = ImageClassifier.create(m, unitRgb().build());
                Mat img = solid(255, 0, 0)) {
            assertEquals(OutputKind.LOGITS, c.card().output());
            double p0 = expected(255, 0, 0)[0];
            double twice = Math.exp(p0) / (Math.exp(p0) + 2 * Math.exp((1 - p0) / 2));
            assertEquals(twice, c.classify(img).best().score(), 1e-4);
        }
    }

    @Test
    void card_suppliesLabelsPreprocessingAndOutputName() throws Exception {
        ModelCard card =
                new ModelCard(
                        1,
                        RGB,
                        Preprocessing.unit(224, 224),
                        OutputKind.LOGITS,
                        "output",
                        Map.of("graft.backbone", "tiny"));
        Path m = TinyOnnx.rgbClassifier().metadata(card.toMetadata()).write(dir.resolve("c.onnx"));
        try (ImageClassifier c = ImageClassifier.createFromFile(m);
                Mat img = solid(0, 255, 0)) {
            assertEquals("green", c.classify(img).best().label());
            assertEquals(card, c.card());
            assertEquals("tiny", c.card().extra().get("graft.backbone"));
            assertEquals(Device.CPU, c.device());
        }
    }

    @Test
    void cardPreprocessingWithoutSize_takesTheModelInputSize() throws Exception {
        Path m =
                TinyOnnx.rgbClassifier()
                        .metadata(ModelCard.KEY_LABELS, "[\"r\",\"g\",\"b\"]")
                        .metadata(
                                ModelCard.KEY_PREPROCESS,
                                "{\"color\":\"RGB\",\"scale\":0.00392156862}")
                        .write(dir.resolve("nosize.onnx"));
        try (ImageClassifier c = ImageClassifier.createFromFile(m)) {
            assertEquals(224, c.preprocessing().width());
            assertEquals(224, c.preprocessing().height());
        }
        Path dyn =
                TinyOnnx.classifier(
                                -1, -1, -1, new float[][] {{1, 0, 0}}, new float[1], false, false)
                        .metadata(ModelCard.KEY_LABELS, "[\"only\"]")
                        .metadata(ModelCard.KEY_PREPROCESS, "{\"color\":\"RGB\"}")
                        .write(dir.resolve("dyn.onnx"));
        ModelException e =
                assertThrows(ModelException.class, () -> ImageClassifier.createFromFile(dyn));
        assertTrue(e.getMessage().contains(dyn.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("width"), e.getMessage());
        ModelException e2 =
                assertThrows(
                        ModelException.class,
                        () ->
                                ImageClassifier.create(
                                        dyn,
                                        ImageClassifierOptions.builder()
                                                .preprocessing("imagenet")
                                                .build()));
        assertTrue(e2.getMessage().contains("dynamic input size"), e2.getMessage());
    }

    @Test
    void preprocessingByName_isSizedFromTheModel() throws Exception {
        try (ImageClassifier c =
                ImageClassifier.create(
                        rgbModel(),
                        ImageClassifierOptions.builder()
                                .labels(RGB)
                                .preprocessing("unit")
                                .build())) {
            assertEquals(Preprocessing.unit(224, 224), c.preprocessing());
        }
    }

    @Test
    void ultralyticsMetadata_suppliesLabelsAndPreprocessing() throws Exception {
        Path m =
                TinyOnnx.rgbClassifier()
                        .metadata("names", "{0: 'red', 1: \"green's\", 2: 'blue'}")
                        .metadata("imgsz", "[224, 224]")
                        .metadata("task", "classify")
                        .write(dir.resolve("yolo-cls.onnx"));
        try (ImageClassifier c = ImageClassifier.createFromFile(m);
                Mat img = solid(0, 255, 0)) {
            assertEquals("green's", c.classify(img).best().label());
            assertEquals(Preprocessing.unit(224, 224), c.card().preprocessing());
            assertEquals(List.of("red", "green's", "blue"), c.card().labels());
        }
    }

    @Test
    void labelsFileBesideTheModel_isUsed_stemSpecificFirst() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("m"));
        Path m = TinyOnnx.rgbClassifier().write(sub.resolve("colours.onnx"));
        Files.writeString(sub.resolve("labels.txt"), "r\ng\nb\n\n");
        ImageClassifierOptions o =
                ImageClassifierOptions.builder()
                        .preprocessing(Preprocessing.unit(224, 224))
                        .build();
        try (ImageClassifier c = ImageClassifier.create(m, o)) {
            assertEquals(List.of("r", "g", "b"), c.card().labels());
        }
        Files.writeString(sub.resolve("colours.labels.txt"), "R\nG\nB\n");
        try (ImageClassifier c = ImageClassifier.create(m, o)) {
            assertEquals(List.of("R", "G", "B"), c.card().labels());
        }
        // The explicit labels file wins over both.
        Path explicit = Files.writeString(dir.resolve("x.txt"), "x\ny\nz");
        try (ImageClassifier c =
                ImageClassifier.create(m, o.toBuilder().labelsFile(explicit).build())) {
            assertEquals(List.of("x", "y", "z"), c.card().labels());
        }
    }

    @Test
    void create_refusesWithoutLabelsOrPreprocessing() {
        Path m = rgbModel();
        ModelException both =
                assertThrows(ModelException.class, () -> ImageClassifier.createFromFile(m));
        assertTrue(both.getMessage().contains(m.toString()), both.getMessage());
        assertTrue(
                both.getMessage().contains("has no labels and does not say how to preprocess"),
                both.getMessage());
        assertTrue(both.getMessage().contains("--labels FILE"), both.getMessage());
        assertTrue(
                both.getMessage().contains("--preprocess imagenet|caffe|raw|unit|JSON"),
                both.getMessage());
        assertTrue(both.getMessage().contains("graft annotate"), both.getMessage());

        ModelException noPre =
                assertThrows(
                        ModelException.class,
                        () ->
                                ImageClassifier.create(
                                        m, ImageClassifierOptions.builder().labels(RGB).build()));
        assertTrue(
                noPre.getMessage().contains("does not say how to preprocess"), noPre.getMessage());
        assertTrue(!noPre.getMessage().contains("no labels"), noPre.getMessage());

        ModelException noLabels =
                assertThrows(
                        ModelException.class,
                        () ->
                                ImageClassifier.create(
                                        m,
                                        ImageClassifierOptions.builder()
                                                .preprocessing(Preprocessing.unit(224, 224))
                                                .build()));
        assertTrue(noLabels.getMessage().contains("has no labels"), noLabels.getMessage());
        assertTrue(
                noLabels.getMessage().contains("rgb.labels.txt or labels.txt"),
                noLabels.getMessage());
        assertTrue(noLabels.getMessage().contains("--labels FILE"), noLabels.getMessage());
    }

    @Test
    void create_refusesLabelCountMismatch_namingModelSourceAndNumbers() throws Exception {
        Path m = rgbModel();
        Path labels = Files.writeString(dir.resolve("four.txt"), "a\nb\nc\nd\n");
        ModelException e =
                assertThrows(
                        ModelException.class,
                        () ->
                                ImageClassifier.create(
                                        m,
                                        ImageClassifierOptions.builder()
                                                .labelsFile(labels)
                                                .preprocessing(Preprocessing.unit(224, 224))
                                                .build()));
        assertTrue(e.getMessage().contains(m.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(labels.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("has 3 classes"), e.getMessage());
        assertTrue(e.getMessage().contains("holds 4 labels"), e.getMessage());
    }

    @Test
    void create_refusesMissingAndNonOnnxFiles() throws Exception {
        Path missing = dir.resolve("nope.onnx");
        ModelException e1 =
                assertThrows(ModelException.class, () -> ImageClassifier.createFromFile(missing));
        assertEquals("Model file not found: " + missing, e1.getMessage());

        Path text = Files.writeString(dir.resolve("notes.onnx"), "this is not a model\n");
        ModelException e2 =
                assertThrows(ModelException.class, () -> ImageClassifier.createFromFile(text));
        assertTrue(
                e2.getMessage().startsWith("Model file " + text + " is not a valid ONNX model"),
                e2.getMessage());

        ModelException e3 =
                assertThrows(ModelException.class, () -> ImageClassifier.createFromFile(dir));
        assertTrue(e3.getMessage().contains("directory"), e3.getMessage());
    }

    @Test
    void create_refusesModelsWhoseInputIsNotAFloatImage() {
        Path twoD = TinyOnnx.twoDimensionalInput().write(dir.resolve("table.onnx"));
        ModelException e1 =
                assertThrows(
                        ModelException.class,
                        () -> ImageClassifier.create(twoD, unitRgb().build()));
        assertTrue(e1.getMessage().contains(twoD.toString()), e1.getMessage());
        assertTrue(e1.getMessage().contains("has no image input"), e1.getMessage());
        assertTrue(e1.getMessage().contains("features FLOAT [-1, 4]"), e1.getMessage());

        Path int64 = TinyOnnx.int64Input().write(dir.resolve("ints.onnx"));
        ModelException e2 =
                assertThrows(
                        ModelException.class,
                        () -> ImageClassifier.create(int64, unitRgb().build()));
        assertTrue(e2.getMessage().contains(int64.toString()), e2.getMessage());
        assertTrue(e2.getMessage().contains("INT64 [-1, 3, 8, 8]"), e2.getMessage());
    }

    @Test
    void create_refusesPreprocessingOfAnotherSize() {
        ModelException e =
                assertThrows(
                        ModelException.class,
                        () ->
                                ImageClassifier.create(
                                        rgbModel(),
                                        unitRgb()
                                                .preprocessing(Preprocessing.imagenet(299, 299))
                                                .build()));
        assertTrue(e.getMessage().contains("takes 224x224"), e.getMessage());
        assertTrue(e.getMessage().contains("299x299"), e.getMessage());
    }

    @Test
    void grayModel_getsGrayPreprocessing() throws Exception {
        Path m =
                TinyOnnx.classifier(
                                28,
                                28,
                                1,
                                new float[][] {{1}, {-1}},
                                new float[] {-0.5f, 0.5f},
                                false,
                                false)
                        .write(dir.resolve("gray.onnx"));
        try (ImageClassifier c =
                ImageClassifier.create(
                        m,
                        ImageClassifierOptions.builder()
                                .labels(List.of("bright", "dark"))
                                .preprocessing(Preprocessing.unit(28, 28))
                                .build())) {
            assertEquals(Preprocessing.ColorOrder.GRAY, c.preprocessing().colorOrder());
            try (Mat white = solid(255, 255, 255);
                    Mat black = solid(0, 0, 0)) {
                assertEquals("bright", c.classify(white).best().label());
                assertEquals("dark", c.classify(black).best().label());
            }
        }
    }

    @Test
    void nhwcModel_getsNhwcLayout() throws Exception {
        TinyOnnx t = new TinyOnnx();
        t.input("image", TinyOnnx.FLOAT, TinyOnnx.dim(-1, "N"), 16L, 16L, 3L);
        t.node(
                "Transpose",
                List.of("image"),
                List.of("nchw"),
                Map.of("perm", new long[] {0, 3, 1, 2}));
        t.node("GlobalAveragePool", List.of("nchw"), List.of("pooled"), Map.of());
        t.node("Flatten", List.of("pooled"), List.of("output"), Map.of("axis", 1L));
        t.output("output", TinyOnnx.FLOAT, TinyOnnx.dim(-1, "N"), 3L);
        Path m = t.write(dir.resolve("nhwc.onnx"));
        try (ImageClassifier c =
                        ImageClassifier.create(
                                m,
                                ImageClassifierOptions.builder()
                                        .labels(RGB)
                                        .preprocessing(Preprocessing.raw(16, 16))
                                        .build());
                Mat img = solid(0, 0, 255)) {
            assertEquals(Preprocessing.Layout.NHWC, c.preprocessing().layout());
            assertEquals("blue", c.classify(img).best().label());
            assertArrayEquals(
                    new float[] {0, 0, 255}, c.embed(ImageInput.of(img), "output"), 1e-3f);
        }
    }

    @Test
    void classify_reportsBadImagesAsImageException() throws Exception {
        try (ImageClassifier c =
                ImageClassifier.create(rgbModel(), unitRgb().maxImagePixels(1000).build())) {
            Path missing = dir.resolve("missing.jpg");
            ImageException e1 = assertThrows(ImageException.class, () -> c.classify(missing));
            assertTrue(e1.getMessage().contains(missing.toString()), e1.getMessage());
            byte[] big = png(solidImage(Color.RED));
            ImageException e2 =
                    assertThrows(ImageException.class, () -> c.classify(big, "big.png"));
            assertTrue(e2.getMessage().contains("big.png"), e2.getMessage());
            ImageException e3 =
                    assertThrows(
                            ImageException.class,
                            () -> c.classify(new byte[] {1, 2, 3}, "junk.jpg"));
            assertTrue(e3.getMessage().contains("junk.jpg"), e3.getMessage());
            try (Mat empty = new Mat()) {
                assertThrows(ImageException.class, () -> c.classify(empty));
            }
        }
    }

    @Test
    void classifyBatch_equalsSingleClassifications_dynamicAndFixedBatch() throws Exception {
        float[][] w = {{3, -1, 0.5f}, {0, 2, -2}, {-1, 1, 4}, {1, 1, 1}};
        float[] b = {0.1f, -0.2f, 0.3f, 0};
        List<String> labels = List.of("a", "b", "c", "d");
        Path dyn =
                TinyOnnx.classifier(32, 32, -1, w, b, false, false).write(dir.resolve("dyn.onnx"));
        Path one =
                TinyOnnx.classifier(32, 32, 1, w, b, false, false).write(dir.resolve("one.onnx"));
        ImageClassifierOptions o =
                ImageClassifierOptions.builder()
                        .labels(labels)
                        .preprocessing(Preprocessing.imagenet(32, 32))
                        .topK(4)
                        .build();
        List<Mat> mats =
                List.of(
                        solid(250, 10, 10),
                        solid(10, 250, 10),
                        solid(30, 60, 250),
                        solid(128, 128, 128));
        List<ImageInput> inputs = new ArrayList<>();
        for (Mat m : mats) {
            inputs.add(ImageInput.of(m));
        }
        try (ImageClassifier d = ImageClassifier.create(dyn, o);
                ImageClassifier s = ImageClassifier.create(one, o)) {
            List<Classification> batch = d.classifyBatch(inputs);
            List<Classification> fixed = s.classifyBatch(inputs);
            assertEquals(4, batch.size());
            for (int i = 0; i < inputs.size(); i++) {
                Classification single = d.classify(inputs.get(i));
                assertSameCategories(single, batch.get(i), 1e-5);
                assertSameCategories(single, fixed.get(i), 1e-5);
            }
            assertTrue(d.classifyBatch(List.of()).isEmpty());
        } finally {
            mats.forEach(Mat::close);
        }
    }

    @Test
    void embed_returnsTheNamedOutput() throws Exception {
        try (ImageClassifier c = ImageClassifier.create(rgbModel(), unitRgb().build());
                Mat m = solid(255, 0, 0)) {
            float[] v = c.embed(ImageInput.of(m), "output");
            assertArrayEquals(new float[] {10, 0, 0}, v, 1e-4f);
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> c.embed(ImageInput.of(m), "nope"));
            assertTrue(e.getMessage().contains("Unknown output 'nope'"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> c.embed(ImageInput.of(m), null));
        }
    }

    @Test
    void embeddingModel_needsNoLabels_andRefusesClassify() throws Exception {
        Path m =
                TinyOnnx.rgbClassifier()
                        .metadata(ModelCard.KEY_OUTPUT, "embedding")
                        .metadata(ModelCard.KEY_EMBEDDING_OUTPUT, "output")
                        .metadata(ModelCard.KEY_PREPROCESS, Preprocessing.unit(224, 224).toJson())
                        .write(dir.resolve("emb.onnx"));
        try (ImageClassifier c = ImageClassifier.createFromFile(m);
                Mat img = solid(0, 0, 255)) {
            assertNull(c.card().labels());
            assertArrayEquals(new float[] {0, 0, 10}, c.embed(ImageInput.of(img), null), 1e-4f);
            assertThrows(IllegalStateException.class, () -> c.classify(img));
        }
    }

    @Test
    void useAfterClose_throwsIllegalStateException() throws Exception {
        ImageClassifier c = ImageClassifier.create(rgbModel(), unitRgb().build());
        try (Mat m = solid(255, 0, 0)) {
            c.classify(m);
            c.close();
            c.close();
            IllegalStateException e =
                    assertThrows(IllegalStateException.class, () -> c.classify(m));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> c.embed(ImageInput.of(m), "output"));
            assertThrows(
                    IllegalStateException.class, () -> c.classifyBatch(List.of(ImageInput.of(m))));
        }
    }

    @Test
    void cudaRequestedWithoutCuda_fallsBackToCpu() throws Exception {
        try (ImageClassifier c =
                ImageClassifier.create(rgbModel(), unitRgb().device(Device.AUTO).build())) {
            assertTrue(c.device() == Device.CPU || c.device() == Device.CUDA);
        }
        try (ImageClassifier c =
                        ImageClassifier.create(rgbModel(), unitRgb().device(Device.CUDA).build());
                Mat m = solid(255, 0, 0)) {
            assertTrue(c.device() == Device.CPU || c.device() == Device.CUDA);
            assertEquals("red", c.classify(m).best().label());
        }
    }

    @Test
    void options_validate() {
        assertThrows(
                IllegalArgumentException.class,
                () -> ImageClassifierOptions.builder().topK(0).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> ImageClassifierOptions.builder().scoreThreshold(1.5f).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> ImageClassifierOptions.builder().intraOpThreads(-1).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> ImageClassifierOptions.builder().maxImagePixels(0).build());
        assertThrows(
                IllegalArgumentException.class,
                () -> ImageClassifierOptions.builder().labels(List.of()).build());
        ImageClassifierOptions o = ImageClassifierOptions.builder().topK(3).build();
        assertEquals(3, o.toBuilder().build().topK());
        assertEquals(5, ImageClassifierOptions.defaults().topK());
        assertEquals(Device.CPU, ImageClassifierOptions.defaults().device());
        assertEquals(100_000_000L, ImageClassifierOptions.defaults().maxImagePixels());
    }

    static List<String> labels(Classification c) {
        List<String> l = new ArrayList<>();
        for (Category cat : c.top()) {
            l.add(cat.label());
        }
        return l;
    }

    static void assertSameCategories(Classification expected, Classification actual, double tol) {
        assertEquals(expected.top().size(), actual.top().size());
        for (int i = 0; i < expected.top().size(); i++) {
            assertEquals(expected.top().get(i).index(), actual.top().get(i).index());
            assertEquals(expected.top().get(i).label(), actual.top().get(i).label());
            assertEquals(expected.top().get(i).score(), actual.top().get(i).score(), tol);
        }
    }
}
