package ai.graft.spark;

import static org.apache.spark.sql.functions.bit_xor;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.xxhash64;

import ai.graft.converter.AtomicFiles;
import ai.graft.converter.GraftJson;
import ai.graft.converter.HeadOptions;
import ai.graft.converter.ModelEditor;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ImageClassifierOptions;
import ai.graft.sdk.ImageException;
import ai.graft.sdk.ImageInput;
import ai.graft.sdk.ModelCard;
import ai.graft.sdk.OnnxRuntime;
import ai.graft.sdk.OutputKind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code features} strategy on Spark: the backbone is cut at its feature node, the executors
 * embed every image with it (one SDK model per executor), Spark MLlib's multinomial logistic
 * regression is fitted on the embeddings (the class is the image's parent folder), and the head is
 * grown onto the cut backbone as one Gemm: one deployable ONNX file, {@code OUT/model.onnx}, whose
 * model card carries the labels, the preprocessing and the training provenance, as {@code graft
 * train --strategy features} writes it. Before the file is moved into place its logits (ONNX
 * Runtime on the images) are checked against the MLlib head's (on the executors' embeddings);
 * {@code OUT/metrics.json} records the run.
 *
 * <pre>{@code
 * HeadTrainingResult r =
 *         SparkHeadTrainer.train(
 *                 spark,
 *                 HeadTrainingOptions.builder(
 *                                 Path.of("squeezenet.onnx"), "hdfs:///flowers", Path.of("out"))
 *                         .build());
 * System.out.println(r.model() + " " + r.valAccuracy());
 * }</pre>
 *
 * <p>Runs on the driver; two runs must not share an output folder.
 */
public final class SparkHeadTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(SparkHeadTrainer.class);

    /** The output of the grown head. */
    public static final String LOGITS = "logits";

    /** The model's file name in the output folder. */
    public static final String MODEL_FILE = "model.onnx";

    /** The run's record in the output folder. */
    public static final String METRICS_FILE = "metrics.json";

    /** The largest accepted difference between exported and MLlib logits. */
    static final double PARITY_TOLERANCE = 1e-4;

    private static final int PARITY_IMAGES = 8;
    private static final int SKIPPED_KEPT = 100;
    private static final String INDEX = "classIndex";
    private static final String HASH = "fingerprint";

    private SparkHeadTrainer() {}

    /**
     * Trains, grows, checks and writes.
     *
     * @param spark the session
     * @param options what to train
     * @return the result
     * @throws GraftException when the backbone cannot be used, the images cannot be read, a file
     *     cannot be written, or the exported model fails its parity check
     * @throws IllegalArgumentException when the data do not make a classification problem
     */
    public static HeadTrainingResult train(SparkSession spark, HeadTrainingOptions options)
            throws GraftException {
        long start = System.nanoTime();
        FeatureBackbone backbone =
                FeatureBackbone.open(
                        options.backbone(), options.preprocess(), options.featureNode());
        Path out = options.outDir();
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new GraftException("Cannot create " + out + ": " + e.getMessage(), e);
        }
        // The extractor travels to the executors under a name unique to its content.
        Path work;
        try {
            work = Files.createTempDirectory("graft-spark-");
        } catch (IOException e) {
            throw new GraftException("Cannot create a temporary folder: " + e.getMessage(), e);
        }
        byte[] extractorBytes = OnnxModels.toBytes(backbone.featureModel());
        Path extractor =
                work.resolve(
                        "graft-features-"
                                + FeatureBackbone.sha256(extractorBytes).substring(0, 16)
                                + ".onnx");
        try {
            Files.write(extractor, extractorBytes);
            return train(spark, options, backbone, extractor, start);
        } catch (IOException e) {
            throw new GraftException(
                    "Cannot write the feature extractor " + extractor + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(extractor);
                Files.deleteIfExists(work);
            } catch (IOException e) {
                LOG.warn("could not remove {}: {}", work, e.toString());
            }
        }
    }

    private static HeadTrainingResult train(
            SparkSession spark,
            HeadTrainingOptions options,
            FeatureBackbone backbone,
            Path extractor,
            long start)
            throws GraftException {
        SparkClassifierOptions embedOptions =
                options.embedding().toBuilder().outputName(ModelEditor.FEATURES).build();
        SparkClassifier embedder =
                SparkClassifier.create(spark, extractor.toString(), embedOptions);

        Dataset<Row> trainImages;
        Dataset<Row> valImages;
        String trainDir = options.images();
        String valDir = options.valImages();
        if (valDir == null
                && isDir(spark, join(trainDir, "train"))
                && isDir(spark, join(trainDir, "val"))) {
            valDir = join(trainDir, "val");
            trainDir = join(trainDir, "train");
        }
        if (valDir != null) {
            trainImages = labelled(ImageRows.read(spark, trainDir));
            valImages = labelled(ImageRows.read(spark, valDir));
        } else {
            Dataset<Row>[] split =
                    labelled(ImageRows.read(spark, trainDir))
                            .randomSplit(
                                    new double[] {1 - options.valFraction(), options.valFraction()},
                                    options.seed());
            trainImages = split[0];
            valImages = split[1];
        }

        Dataset<Row> trainEmb = embedder.embed(trainImages).persist(StorageLevel.MEMORY_AND_DISK());
        Dataset<Row> valEmb = embedder.embed(valImages).persist(StorageLevel.MEMORY_AND_DISK());
        try {
            return fitAndExport(
                    spark, options, backbone, trainDir, valDir, trainEmb, valEmb, start);
        } finally {
            trainEmb.unpersist();
            valEmb.unpersist();
        }
    }

    private static HeadTrainingResult fitAndExport(
            SparkSession spark,
            HeadTrainingOptions options,
            FeatureBackbone backbone,
            String trainDir,
            String valDir,
            Dataset<Row> trainEmb,
            Dataset<Row> valEmb,
            long start)
            throws GraftException {
        List<String> skipped = new ArrayList<>();
        long skippedCount = 0;
        for (Dataset<Row> d : List.of(trainEmb, valEmb)) {
            Dataset<Row> bad = d.filter(col(ImageRows.ERROR).isNotNull());
            skippedCount += bad.count();
            for (Row r :
                    bad.select(ImageRows.PATH, ImageRows.ERROR)
                            .limit(SKIPPED_KEPT)
                            .collectAsList()) {
                if (skipped.size() < SKIPPED_KEPT) {
                    // The SDK's message names the image.
                    skipped.add(r.getString(1));
                    LOG.warn("skipped {}", r.getString(1));
                }
            }
        }
        Dataset<Row> trainOk = trainEmb.filter(col(ImageRows.ERROR).isNull());
        Dataset<Row> valOk = valEmb.filter(col(ImageRows.ERROR).isNull());
        List<String> classes = new ArrayList<>();
        for (Row r : trainOk.select(ImageRows.CLASS).distinct().collectAsList()) {
            classes.add(r.getString(0));
        }
        classes.sort(null);
        if (classes.size() < 2) {
            throw new IllegalArgumentException(
                    "Images "
                            + trainDir
                            + " have "
                            + classes.size()
                            + " readable class folder(s) "
                            + classes
                            + "; expected at least 2 (DIR/CLASS/IMAGE)");
        }
        List<String> unknown = new ArrayList<>();
        for (Row r : valOk.select(ImageRows.CLASS).distinct().collectAsList()) {
            if (!classes.contains(r.getString(0))) {
                unknown.add(r.getString(0));
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(
                    "Validation classes "
                            + unknown
                            + " have no readable training image; expected classes among "
                            + classes);
        }
        Dataset<Row> index = classIndex(spark, classes);
        Dataset<Row> train =
                trainOk.join(org.apache.spark.sql.functions.broadcast(index), ImageRows.CLASS);
        Dataset<Row> val =
                valOk.join(org.apache.spark.sql.functions.broadcast(index), ImageRows.CLASS);
        long trainCount = train.count();
        long valCount = val.count();
        if (valCount == 0) {
            throw new IllegalArgumentException(
                    "No readable validation image"
                            + (valDir != null ? " in " + valDir : "; raise --val-fraction"));
        }
        LOG.info(
                "data: {} classes, {} training and {} validation images, {} unreadable",
                classes.size(),
                trainCount,
                valCount,
                skippedCount);

        LogisticRegressionModel head =
                new LogisticRegression()
                        .setFamily("multinomial")
                        .setMaxIter(options.maxIter())
                        .setRegParam(options.regParam())
                        .setElasticNetParam(0)
                        .setStandardization(true)
                        .setTol(1e-6)
                        .setFeaturesCol(ImageRows.FEATURES)
                        .setLabelCol(INDEX)
                        .fit(train);
        double trainAccuracy = accuracy(head, train);
        double valAccuracy = accuracy(head, val);
        int iterations = head.summary().totalIterations();
        LOG.info(
                String.format(
                        Locale.ROOT,
                        "head: %d L-BFGS iterations, training accuracy %.4f, validation accuracy"
                                + " %.4f",
                        iterations,
                        trainAccuracy,
                        valAccuracy));

        float[][] wb = weights(head, classes.size());
        int dim = wb[0].length / classes.size();
        long fingerprint = 0;
        for (Dataset<Row> d : List.of(train, val)) {
            Row r = d.agg(bit_xor(col(HASH))).first();
            fingerprint = fingerprint * 31 + (r.isNullAt(0) ? 0 : r.getLong(0));
        }
        Map<String, Object> hyper = new LinkedHashMap<>();
        hyper.put("head", "softmax");
        hyper.put("solver", "spark-mllib-lbfgs");
        hyper.put("maxIter", options.maxIter());
        hyper.put("regParam", options.regParam());
        hyper.put("standardization", true);
        hyper.put("valFraction", valDir == null ? options.valFraction() : null);
        hyper.put("seed", options.seed());
        hyper.put("featureNode", options.featureNode());
        hyper.put("preprocessing", GraftJson.readObject(backbone.preprocessing().toJson()));
        Map<String, String> versions = new LinkedHashMap<>();
        String graft = SparkHeadTrainer.class.getPackage().getImplementationVersion();
        versions.put("graft", graft == null ? "dev" : graft);
        versions.put("spark", spark.version());
        versions.put("onnxruntime", OnnxRuntime.version());
        versions.put("java", System.getProperty("java.version"));
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("strategy", "features");
        training.put("engine", "spark-mllib");
        training.put(
                "dataFingerprint",
                FeatureBackbone.sha256(
                        (trainDir + "\n" + valDir + "\n" + Long.toHexString(fingerprint))
                                .getBytes(StandardCharsets.UTF_8)));
        training.put("backboneSha256", backbone.sha256());
        training.put("trainSamples", trainCount);
        training.put("valSamples", valCount);
        training.put("epochs", iterations);
        training.put("headTrainAccuracy", trainAccuracy);
        training.put("headValAccuracy", valAccuracy);
        training.put("hyperparameters", hyper);
        training.put("versions", versions);
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put(ModelCard.KEY_EMBEDDING_OUTPUT, ModelEditor.FEATURES);
        extra.put("graft.backbone", backbone.name());
        extra.put("graft.strategy", "features");
        extra.put("graft.training", GraftJson.write(training));
        extra.put("graft.created", Instant.now().toString());
        ModelCard card =
                new ModelCard(
                        ModelCard.VERSION,
                        classes,
                        backbone.preprocessing(),
                        OutputKind.LOGITS,
                        LOGITS,
                        extra);
        ModelProto classifier =
                grow(backbone.featureModel(), wb[0], wb[1], classes.size(), dim, card);

        Path modelFile = options.outDir().resolve(MODEL_FILE);
        List<Row> probe =
                val.select(ImageRows.PATH, ImageRows.FEATURES).limit(PARITY_IMAGES).collectAsList();
        double parity = exportChecked(spark, classifier, modelFile, wb, probe);
        double seconds = (System.nanoTime() - start) / 1e9;
        LOG.info(
                String.format(
                        Locale.ROOT,
                        "exported %s (parity: max |logit difference| %.2e), %.1f s",
                        modelFile,
                        parity,
                        seconds));
        HeadTrainingResult result =
                new HeadTrainingResult(
                        modelFile,
                        classes,
                        trainCount,
                        valCount,
                        skipped,
                        skippedCount,
                        trainAccuracy,
                        valAccuracy,
                        iterations,
                        parity,
                        seconds);
        writeMetrics(options.outDir().resolve(METRICS_FILE), result, training);
        return result;
    }

    /**
     * The backbone's feature extractor with the head: Gemm(features, W, b) as output {@value
     * #LOGITS}, the {@code features} output kept second, and the card.
     */
    static ModelProto grow(
            ModelProto features,
            float[] weight,
            float[] bias,
            int classes,
            int dim,
            ModelCard card) {
        HeadOptions head =
                HeadOptions.builder(classes)
                        .init(HeadOptions.Init.ZERO)
                        .inputName(ModelEditor.FEATURES)
                        .outputName(LOGITS)
                        .parameterPrefix("head.")
                        .keepOutputs(true)
                        .build();
        ModelProto model = ModelEditor.appendHead(features, head);
        model =
                ModelEditor.replaceInitializer(
                        model, "head.weight", new long[] {classes, dim}, weight);
        model = ModelEditor.replaceInitializer(model, "head.bias", new long[] {classes}, bias);
        return ModelEditor.withCard(model, card);
    }

    /** The head's weights {@code [classes * dim]} row-major and biases {@code [classes]}. */
    static float[][] weights(LogisticRegressionModel head, int classes) {
        Matrix w = head.coefficientMatrix();
        Vector b = head.interceptVector();
        if (w.numRows() != classes) {
            throw new IllegalStateException(
                    "MLlib fitted " + w.numRows() + " classes, expected " + classes);
        }
        int dim = w.numCols();
        float[] weight = new float[classes * dim];
        float[] bias = new float[classes];
        for (int c = 0; c < classes; c++) {
            for (int k = 0; k < dim; k++) {
                weight[c * dim + k] = (float) w.apply(c, k);
            }
            bias[c] = (float) b.apply(c);
        }
        return new float[][] {weight, bias};
    }

    /**
     * Writes the classifier beside its final place, compares its logits in ONNX Runtime (through
     * the SDK, with the card alone) with the head's on the executors' embeddings of a few
     * validation images, and moves it into place only when they agree.
     */
    private static double exportChecked(
            SparkSession spark,
            ModelProto classifier,
            Path modelFile,
            float[][] wb,
            List<Row> probe)
            throws GraftException {
        return OnnxModels.writeChecked(
                classifier,
                modelFile,
                "the MLlib head's",
                PARITY_TOLERANCE,
                candidate -> {
                    int classes = wb[1].length;
                    int dim = wb[0].length / classes;
                    double max = 0;
                    try (ImageClassifier model =
                            ImageClassifier.create(
                                    candidate,
                                    ImageClassifierOptions.builder().intraOpThreads(1).build())) {
                        for (Row r : probe) {
                            String path = r.getString(0);
                            Vector x = (Vector) r.get(1);
                            float[] got =
                                    model.embed(
                                            ImageInput.of(readBytes(spark, path), path), LOGITS);
                            for (int c = 0; c < classes; c++) {
                                double expected = wb[1][c];
                                for (int k = 0; k < dim; k++) {
                                    expected += (double) wb[0][c * dim + k] * (float) x.apply(k);
                                }
                                max = Math.max(max, Math.abs(got[c] - expected));
                            }
                        }
                    } catch (ImageException e) {
                        throw new GraftException(
                                "Parity check could not read a validation image: " + e.getMessage(),
                                e);
                    }
                    return max;
                });
    }

    private static byte[] readBytes(SparkSession spark, String path) throws GraftException {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
        try {
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            try (InputStream in = fs.open(p)) {
                return in.readAllBytes();
            }
        } catch (IOException e) {
            throw new GraftException(
                    "Parity check could not read " + path + ": " + e.getMessage(), e);
        }
    }

    private static void writeMetrics(Path file, HeadTrainingResult r, Map<String, Object> training)
            throws GraftException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", r.model().toString());
        m.put("classes", r.classes());
        m.put("trainImages", r.trainImages());
        m.put("valImages", r.valImages());
        m.put("trainAccuracy", r.trainAccuracy());
        m.put("valAccuracy", r.valAccuracy());
        m.put("iterations", r.iterations());
        m.put("parityMaxAbsDiff", r.parityMaxAbsDiff());
        m.put("skippedCount", r.skippedCount());
        m.put("skipped", r.skipped());
        m.put("seconds", r.seconds());
        m.put("training", training);
        try {
            AtomicFiles.write(file, (GraftJson.write(m) + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new GraftException("Cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static double accuracy(LogisticRegressionModel head, Dataset<Row> rows) {
        Dataset<Row> p = head.transform(rows);
        long n = p.count();
        long right = p.filter(col("prediction").equalTo(col(INDEX))).count();
        return n == 0 ? 0 : (double) right / n;
    }

    private static Dataset<Row> classIndex(SparkSession spark, List<String> classes) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < classes.size(); i++) {
            rows.add(RowFactory.create(classes.get(i), (double) i));
        }
        StructType schema =
                new StructType()
                        .add(ImageRows.CLASS, DataTypes.StringType, false)
                        .add(INDEX, DataTypes.DoubleType, false);
        return spark.createDataFrame(rows, schema);
    }

    private static Dataset<Row> labelled(Dataset<Row> images) {
        return ImageRows.withClassFolder(images)
                .withColumn(HASH, xxhash64(col(ImageRows.PATH), col(ImageRows.CONTENT)));
    }

    private static String join(String dir, String child) {
        return dir.endsWith("/") ? dir + child : dir + "/" + child;
    }

    private static boolean isDir(SparkSession spark, String dir) {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(dir);
        try {
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            return fs.exists(p) && fs.getFileStatus(p).isDirectory();
        } catch (IOException e) {
            return false;
        }
    }
}
