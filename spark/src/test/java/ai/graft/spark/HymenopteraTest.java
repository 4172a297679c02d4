package ai.graft.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.graft.converter.ModelEditor;
import ai.graft.converter.OnnxModels;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ModelCard;
import ai.graft.sdk.OutputKind;
import ai.graft.sdk.Preprocessing;
import ai.graft.sdk.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spark's classification is the SDK's: the same top-1 on every hymenoptera validation image. */
class HymenopteraTest {
    @TempDir Path dir;

    /** SqueezeNet 1.1 with a card: ImageNet labels, Caffe preprocessing, probabilities. */
    static Path cardedSqueezeNet(Path file) throws Exception {
        List<String> labels = Files.readAllLines(TestData.require("labels/imagenet_classes.txt"));
        OnnxModels.write(
                ModelEditor.withCard(
                        OnnxModels.read(TestData.require("models/squeezenet1.1.onnx")),
                        new ModelCard(
                                ModelCard.VERSION,
                                labels,
                                Preprocessing.caffe(224, 224),
                                OutputKind.PROBABILITIES,
                                "softmaxout_1",
                                Map.of())),
                file);
        return file;
    }

    @Test
    void classify_givesTheSdksTop1OnEveryValidationImage() throws Exception {
        Path val = TestData.require("datasets/hymenoptera/val");
        Path model = cardedSqueezeNet(dir.resolve("squeezenet-hymenoptera.onnx"));
        SparkClassifier classifier =
                SparkClassifier.create(
                        SparkTests.spark(), model.toString(), SparkClassifierOptions.defaults());
        List<Row> rows =
                classifier
                        .classify(ImageRows.read(SparkTests.spark(), val.toString()))
                        .collectAsList();
        long files;
        try (Stream<Path> s = Files.walk(val)) {
            files = s.filter(Files::isRegularFile).count();
        }
        assertEquals(files, rows.size());
        assertEquals(77, rows.size());
        try (ImageClassifier sdk = ImageClassifier.createFromFile(model)) {
            for (Row r : rows) {
                assertNull(r.get(4), r.getString(0));
                Path image = Path.of(r.getString(0));
                int expected = sdk.classify(image).best().index();
                Row best = r.<Row>getList(3).get(0);
                assertEquals(expected, best.getInt(0), image.toString());
                assertEquals(sdk.labels().get(expected), r.getString(1));
            }
        }
    }
}
