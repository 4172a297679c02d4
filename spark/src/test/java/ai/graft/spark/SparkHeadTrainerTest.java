package ai.graft.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.FeatureTransform;
import ai.graft.converter.GraftJson;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.sdk.Classification;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ModelCard;
import ai.graft.sdk.OutputKind;
import java.awt.Color;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparkHeadTrainerTest {
    @TempDir Path dir;

    /** Six training and two validation images of each of red, green and blue, noisy. */
    private Path colourImages() {
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
        return dir.resolve("data");
    }

    private static List<String> ops(Path model) throws Exception {
        return OnnxModels.read(model).getGraph().getNodeList().stream()
                .map(NodeProto::getOpType)
                .toList();
    }

    @Test
    void train_growsTheMllibHeadIntoOneModelWithItsCard() throws Exception {
        SparkTests.spark();
        Path backbone = SparkTests.colourModel(dir.resolve("colours-backbone.onnx"));
        Path data = colourImages();
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
                        data.toString(),
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

        // The default head reads the signed square roots, and the graph computes them.
        assertEquals("sqrt", metrics.get("featureTransform"));
        List<String> ops = ops(model);
        assertEquals(2, ops.stream().filter("Sqrt"::equals).count(), ops.toString());
        assertTrue(ops.contains("Sub") && ops.contains("Gemm"), ops.toString());

        // The strength is the one of the lowest cross-validated log loss over the whole grid.
        @SuppressWarnings("unchecked")
        Map<String, Object> search = (Map<String, Object>) metrics.get("regParamSearch");
        assertEquals("logLoss", search.get("metric"));
        assertEquals(SparkHeadTrainer.FOLDS, ((Number) search.get("folds")).intValue());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> path = (List<Map<String, Object>>) search.get("path");
        assertEquals(SparkHeadTrainer.REG_PARAM_GRID.length, path.size(), path.toString());
        double lowest = Double.POSITIVE_INFINITY;
        double best = Double.NaN;
        for (int i = 0; i < path.size(); i++) {
            double l2 = ((Number) path.get(i).get("regParam")).doubleValue();
            double loss = ((Number) path.get(i).get("cvLogLoss")).doubleValue();
            assertEquals(SparkHeadTrainer.REG_PARAM_GRID[i], l2, 0);
            assertTrue(loss > 0 && Double.isFinite(loss), path.toString());
            if (loss < lowest) {
                lowest = loss;
                best = l2;
            }
        }
        assertEquals(best, ((Number) search.get("chosen")).doubleValue(), 0);
        assertEquals(best, ((Number) metrics.get("regParam")).doubleValue(), 0);
        try (ImageClassifier classifier = ImageClassifier.createFromFile(model)) {
            ModelCard card = classifier.card();
            assertEquals(List.of("blue", "green", "red"), card.labels());
            assertEquals(OutputKind.LOGITS, card.output());
            assertEquals(SparkHeadTrainer.LOGITS, card.outputName());
            assertEquals("features", card.embeddingOutputName());
            assertEquals("features", card.extra().get("graft.strategy"));
            Map<String, Object> training = GraftJson.readObject(card.extra().get("graft.training"));
            assertEquals("spark-mllib", training.get("engine"));
            @SuppressWarnings("unchecked")
            Map<String, Object> hyper = (Map<String, Object>) training.get("hyperparameters");
            assertEquals("sqrt", hyper.get("featureTransform"));
            assertEquals(best, ((Number) hyper.get("regParam")).doubleValue(), 0);
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

    @Test
    void train_withRegParamSkipsTheSearch_andNoneKeepsTheEmbeddings() throws Exception {
        SparkTests.spark();
        Path backbone = SparkTests.colourModel(dir.resolve("colours-fixed.onnx"));
        Path data = colourImages();
        Path out = dir.resolve("fixed");

        GraftSparkTest.Run run =
                GraftSparkTest.graftSpark(
                        "train",
                        "--master",
                        "local[2]",
                        "--backbone",
                        backbone.toString(),
                        "--images",
                        data.toString(),
                        "--out",
                        out.toString(),
                        "--reg-param",
                        "3e-3",
                        "--feature-transform",
                        "none");

        assertEquals(GraftSpark.OK, run.exitCode(), run.err());
        assertTrue(run.out().contains("none features, regularisation 3e-03 (given)"), run.out());
        Map<String, Object> metrics =
                GraftJson.readObject(Files.readString(out.resolve(SparkHeadTrainer.METRICS_FILE)));
        assertEquals("none", metrics.get("featureTransform"));
        assertEquals(3e-3, ((Number) metrics.get("regParam")).doubleValue(), 0);
        assertTrue(metrics.containsKey("regParamSearch"), metrics.toString());
        assertNull(metrics.get("regParamSearch"), metrics.toString());
        assertEquals(1.0, ((Number) metrics.get("valAccuracy")).doubleValue());
        double parity = ((Number) metrics.get("parityMaxAbsDiff")).doubleValue();
        assertTrue(parity < SparkHeadTrainer.PARITY_TOLERANCE, "parity " + parity);
        List<String> ops = ops(out.resolve(SparkHeadTrainer.MODEL_FILE));
        assertFalse(ops.contains("Sqrt"), ops.toString());
    }

    @Test
    void headInput_isTheSignedSquareRootOfEachValue() {
        SparkSession spark = SparkTests.spark();
        double[] values = {-4, -0.25, 0, 0.0625, 9, 1e-8};
        Dataset<Row> rows =
                spark.createDataFrame(
                        List.of(RowFactory.create(Vectors.dense(values))),
                        new StructType().add(ImageRows.FEATURES, new VectorUDT(), false));

        Vector got =
                (Vector) SparkHeadTrainer.headInput(rows, FeatureTransform.SQRT).first().get(0);
        Vector same =
                (Vector) SparkHeadTrainer.headInput(rows, FeatureTransform.NONE).first().get(0);

        assertArrayEquals(new double[] {-2, -0.5, 0, 0.25, 3, 1e-4}, got.toArray(), 1e-12);
        assertArrayEquals(values, same.toArray(), 0);
    }

    @Test
    void train_refusesAnUnknownTransformOrStrengthNamingIt() throws Exception {
        Path backbone = SparkTests.colourModel(dir.resolve("colours-refused.onnx"));
        Path images = Files.createDirectories(dir.resolve("in"));
        Path out = dir.resolve("refused");
        String[][] cases = {
            {"--feature-transform", "log"},
            {"--reg-param", "-1"},
            {"--reg-param", "NaN"},
        };
        String[] expected = {
            "Unknown feature transform 'log', expected one of [sqrt, none]",
            "regularisation -1.0 is out of range, expected 0 to 1000",
            "regularisation NaN is out of range, expected 0 to 1000",
        };
        for (int i = 0; i < cases.length; i++) {
            List<String> args =
                    new ArrayList<>(
                            List.of(
                                    "train",
                                    "--backbone",
                                    backbone.toString(),
                                    "--images",
                                    images.toString(),
                                    "--out",
                                    out.toString()));
            args.addAll(List.of(cases[i]));
            GraftSparkTest.Run run = GraftSparkTest.graftSpark(args.toArray(String[]::new));
            assertEquals(GraftSpark.USAGE, run.exitCode(), args + ": " + run.err());
            assertTrue(run.err().contains(expected[i]), args + ": " + run.err());
        }
        assertFalse(Files.exists(out));
    }
}
