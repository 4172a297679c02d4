package ai.graft.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bytedeco.opencv.global.opencv_core;
import org.bytedeco.opencv.global.opencv_imgcodecs;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Real pretrained models and photographs from {@code ../shared/data} (see {@link TestData}). */
class RealModelsTest {

    private static ImageClassifierOptions squeezenetOptions() {
        return ImageClassifierOptions.builder()
                .preprocessing(Preprocessing.caffe(224, 224))
                .labelsFile(TestData.require("labels/imagenet_classes.txt"))
                .build();
    }

    @ParameterizedTest
    @MethodSource("squeezenets")
    void squeezenet_classifiesDogAndSquirrel(String model) throws Exception {
        Path file = TestData.require("models/" + model);
        try (ImageClassifier c = ImageClassifier.create(file, squeezenetOptions())) {
            Category dog =
                    c.classify(TestData.require("images/dog_golden_retriever_winml.jpg")).best();
            assertEquals(207, dog.index());
            assertEquals("golden retriever", dog.label());
            assertEquals(0.995, dog.score(), 0.01);

            Category squirrel = c.classify(TestData.require("images/squirrel_cls.jpg")).best();
            assertEquals(335, squirrel.index());
            assertTrue(squirrel.label().startsWith("fox squirrel"), squirrel.label());
            assertTrue(squirrel.score() > 0.9, "score " + squirrel.score());
            System.out.printf(
                    "%s: dog %d %s %.4f, squirrel %d %s %.4f%n",
                    model,
                    dog.index(),
                    dog.label(),
                    dog.score(),
                    squirrel.index(),
                    squirrel.label(),
                    squirrel.score());
        }
    }

    static Stream<String> squeezenets() {
        return Stream.of(
                "squeezenet1.1.onnx", "squeezenet1.1_fp16.onnx", "squeezenet1.1_features.onnx");
    }

    @Test
    void squeezenetFeatures_embedsAndBatches() throws Exception {
        Path file = TestData.require("models/squeezenet1.1_features.onnx");
        Path dog = TestData.require("images/dog_golden_retriever_winml.jpg");
        Path squirrel = TestData.require("images/squirrel_cls.jpg");
        try (ImageClassifier c = ImageClassifier.create(file, squeezenetOptions())) {
            assertEquals("softmaxout_1", c.card().outputName());
            float[] features = c.embed(ImageInput.of(dog), "features");
            assertEquals(512, features.length);
            List<Classification> batch =
                    c.classifyBatch(List.of(ImageInput.of(dog), ImageInput.of(squirrel)));
            assertEquals(207, batch.get(0).best().index());
            assertEquals(335, batch.get(1).best().index());
            ImageClassifierTest.assertSameCategories(c.classify(dog), batch.get(0), 1e-5);
        }
    }

    static Stream<Arguments> referenceModels() throws Exception {
        Path dir = TestData.root().resolve("models/reference");
        if (!Files.isDirectory(dir)) {
            // One case that reports the absence through TestData.require.
            return Stream.of(Arguments.of("models/reference"));
        }
        List<Arguments> models = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.filter(p -> p.toString().endsWith(".onnx"))
                    .sorted()
                    .forEach(p -> models.add(Arguments.of("models/reference/" + p.getFileName())));
        }
        return models.stream();
    }

    @ParameterizedTest
    @MethodSource("referenceModels")
    void referenceModel_loadsClassifiesAndBatchesLikeSingleRuns(String model) throws Exception {
        Path file = TestData.require(model);
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            labels.add("label" + i);
        }
        ImageClassifierOptions options =
                ImageClassifierOptions.builder()
                        .preprocessing(Preprocessing.imagenet(224, 224))
                        .labels(labels)
                        .topK(10)
                        .build();
        List<ImageInput> images =
                List.of(
                        ImageInput.of(TestData.require("images/squirrel_cls.jpg")),
                        ImageInput.of(TestData.require("images/orange.jpg")),
                        ImageInput.of(TestData.require("images/apple.jpg")));
        try (ImageClassifier c = ImageClassifier.create(file, options)) {
            assertEquals(10, c.card().labels().size());
            List<Classification> batch = c.classifyBatch(images);
            assertEquals(3, batch.size());
            for (int i = 0; i < 3; i++) {
                Classification single = c.classify(images.get(i));
                assertEquals(10, single.top().size());
                double sum = 0;
                for (Category cat : single.top()) {
                    sum += cat.score();
                }
                assertEquals(1.0, sum, 1e-4, "scores of all 10 classes sum to 1");
                ImageClassifierTest.assertSameCategories(single, batch.get(i), 1e-5);
            }
        }
    }

    @Test
    void mnist_grayModelClassifiesDigitCells() throws Exception {
        Path model = TestData.require("models/mnist-cntk.onnx");
        Path sheet = TestData.require("datasets/opencv_digits_5000.png");
        List<String> digits = new ArrayList<>();
        for (int d = 0; d < 10; d++) {
            digits.add(String.valueOf(d));
        }
        ImageClassifierOptions options =
                ImageClassifierOptions.builder()
                        .preprocessing(Preprocessing.raw(28, 28))
                        .labels(digits)
                        .build();
        int correct = 0;
        int total = 0;
        try (ImageClassifier c = ImageClassifier.create(model, options);
                Mat all =
                        opencv_imgcodecs.imread(
                                sheet.toString(), opencv_imgcodecs.IMREAD_GRAYSCALE)) {
            assertEquals(Preprocessing.ColorOrder.GRAY, c.preprocessing().colorOrder());
            assertEquals(1000, all.rows());
            // 5 rows of 20x20 cells per digit; 10 cells from each digit's first row.
            for (int digit = 0; digit < 10; digit++) {
                for (int col = 0; col < 100; col += 10) {
                    try (Mat cell = cell(all, digit * 5, col)) {
                        Classification r = c.classify(cell);
                        if (r.best().index() == digit) {
                            correct++;
                        }
                        total++;
                    }
                }
            }
            try (Mat seven = cell(all, 7 * 5 + 2, 3)) {
                assertEquals("7", c.classify(seven).best().label());
            }
        }
        System.out.printf("mnist-cntk: %d/%d digit cells correct%n", correct, total);
        assertTrue(correct >= 0.9 * total, correct + "/" + total + " correct");
    }

    /** A 20x20 cell of the digit sheet, zero-padded to 28x28 (white digit on black). */
    private static Mat cell(Mat sheet, int row, int col) {
        Mat padded = new Mat(28, 28, opencv_core.CV_8UC1, new Scalar(0));
        try (Rect src = new Rect(col * 20, row * 20, 20, 20);
                Rect dst = new Rect(4, 4, 20, 20);
                Mat from = sheet.apply(src);
                Mat to = padded.apply(dst)) {
            from.copyTo(to);
        }
        return padded;
    }
}
