package ai.graft.spark;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.bit_xor;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.signum;
import static org.apache.spark.sql.functions.sqrt;
import static org.apache.spark.sql.functions.xxhash64;

import ai.graft.converter.AtomicFiles;
import ai.graft.converter.FeatureTransform;
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
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Column;
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
 * regression is fitted on the signed square roots of the embeddings (by default; the class is the
 * image's parent folder) with its L2 strength chosen by the lowest log loss of 3-fold
 * cross-validation on the training embeddings (unless one is given), and the head is grown onto the
 * cut backbone as the same roots and one Gemm: one deployable ONNX file, {@code OUT/model.onnx},
 * whose model card carries the labels, the preprocessing and the training provenance, as {@code
 * graft train --strategy features} writes it. Before the file is moved into place its logits (ONNX
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

    /** The L2 strengths that cross-validation tries, strongest first. */
    static final double[] REG_PARAM_GRID = {1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 3e-4, 1e-4};

    /** Cross-validation folds. */
    static final int FOLDS = 3;

    private static final String CV_METRIC = "logLoss";
    private static final int PARITY_IMAGES = 8;
    private static final int SKIPPED_KEPT = 100;
    private static final String INDEX = "classIndex";
    private static final String HEAD_PREFIX = "head.";
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
        // The driver checks parity with JavaCV too (and in local mode is the executor).
        JavaBlas.useInThisJvm();
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
        // What the head reads, computed once: the search's many L-BFGS passes (each a Spark job)
        // read it from the cache, in one partition per core rather than one per few image files.
        int partitions = Math.max(1, spark.sparkContext().defaultParallelism());
        Dataset<Row> train =
                headInput(
                                trainOk.join(
                                        org.apache.spark.sql.functions.broadcast(index),
                                        ImageRows.CLASS),
                                options.featureTransform())
                        .coalesce(partitions)
                        .persist(StorageLevel.MEMORY_AND_DISK());
        Dataset<Row> val =
                headInput(
                                valOk.join(
                                        org.apache.spark.sql.functions.broadcast(index),
                                        ImageRows.CLASS),
                                options.featureTransform())
                        .coalesce(partitions)
                        .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            return fitHead(
                    spark,
                    options,
                    backbone,
                    trainDir,
                    valDir,
                    classes,
                    train,
                    val,
                    skipped,
                    skippedCount,
                    start);
        } finally {
            train.unpersist();
            val.unpersist();
        }
    }

    private static HeadTrainingResult fitHead(
            SparkSession spark,
            HeadTrainingOptions options,
            FeatureBackbone backbone,
            String trainDir,
            String valDir,
            List<String> classes,
            Dataset<Row> train,
            Dataset<Row> val,
            List<String> skipped,
            long skippedCount,
            long start)
            throws GraftException {
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

        LogisticRegression estimator =
                new LogisticRegression()
                        .setFamily("multinomial")
                        .setMaxIter(options.maxIter())
                        .setElasticNetParam(0)
                        .setStandardization(true)
                        .setTol(1e-6)
                        .setFeaturesCol(ImageRows.FEATURES)
                        .setLabelCol(INDEX);
        LogisticRegressionModel head;
        List<HeadTrainingResult.RegParamPoint> path = new ArrayList<>();
        if (options.regParam().isPresent()) {
            head = estimator.setRegParam(options.regParam().getAsDouble()).fit(train);
        } else {
            head = crossValidated(estimator, train, options.seed(), path);
        }
        double regParam = head.getRegParam();
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
        hyper.put("featureTransform", options.featureTransform().cliName());
        hyper.put("regParam", regParam);
        hyper.put("regParamChosenBy", path.isEmpty() ? "given" : searchName());
        hyper.put("regParamPath", pathJson(path));
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
                grow(
                        backbone.featureModel(),
                        options.featureTransform(),
                        wb[0],
                        wb[1],
                        classes.size(),
                        dim,
                        card);

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
                        options.featureTransform(),
                        regParam,
                        path,
                        parity,
                        seconds);
        writeMetrics(options.outDir().resolve(METRICS_FILE), result, training, options.seed());
        return result;
    }

    /**
     * Fits one head per strength of {@link #REG_PARAM_GRID} on each of {@value #FOLDS} seeded folds
     * of the training embeddings, keeps the strength of the lowest mean held-out log loss, and
     * refits it on all of them (Spark ML's {@link CrossValidator}).
     *
     * @param path receives each strength with its mean held-out log loss, in grid order
     * @return the refitted head
     */
    private static LogisticRegressionModel crossValidated(
            LogisticRegression estimator,
            Dataset<Row> train,
            long seed,
            List<HeadTrainingResult.RegParamPoint> path) {
        MulticlassClassificationEvaluator evaluator =
                new MulticlassClassificationEvaluator()
                        .setMetricName(CV_METRIC)
                        .setLabelCol(INDEX)
                        .setPredictionCol(estimator.getPredictionCol())
                        .setProbabilityCol(estimator.getProbabilityCol());
        // CrossValidator keeps the largest metric unless the evaluator says smaller is better.
        if (evaluator.isLargerBetter()) {
            throw new IllegalStateException(
                    "Spark's " + CV_METRIC + " evaluator ranks larger as better; expected a loss");
        }
        ParamMap[] grid =
                new ParamGridBuilder().addGrid(estimator.regParam(), REG_PARAM_GRID).build();
        CrossValidatorModel cv =
                new CrossValidator()
                        .setEstimator(estimator)
                        .setEvaluator(evaluator)
                        .setEstimatorParamMaps(grid)
                        .setNumFolds(FOLDS)
                        .setSeed(seed)
                        .fit(train);
        double[] losses = cv.avgMetrics();
        int best = 0;
        for (int i = 0; i < grid.length; i++) {
            Object value = grid[i].apply(estimator.regParam());
            double l2 = ((Number) value).doubleValue();
            path.add(new HeadTrainingResult.RegParamPoint(l2, losses[i]));
            LOG.info(
                    String.format(
                            Locale.ROOT,
                            "regularisation %.0e: %d-fold held-out log loss %.4f",
                            l2,
                            FOLDS,
                            losses[i]));
            if (losses[i] < losses[best]) {
                best = i;
            }
        }
        LogisticRegressionModel head = (LogisticRegressionModel) cv.bestModel();
        double chosen = path.get(best).regParam();
        if (head.getRegParam() != chosen) {
            throw new IllegalStateException(
                    "CrossValidator refitted regularisation "
                            + head.getRegParam()
                            + ", expected "
                            + chosen
                            + " (the lowest log loss)");
        }
        LOG.info(String.format(Locale.ROOT, "regularisation chosen: %.0e", chosen));
        return head;
    }

    private static String searchName() {
        return FOLDS + "-fold cross-validation on the training embeddings, lowest log loss";
    }

    private static List<Map<String, Object>> pathJson(List<HeadTrainingResult.RegParamPoint> path) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (HeadTrainingResult.RegParamPoint p : path) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("regParam", p.regParam());
            m.put("cvLogLoss", p.cvLogLoss());
            out.add(m);
        }
        return out;
    }

    /**
     * The rows with what the head reads in {@link ImageRows#FEATURES}: for {@link
     * FeatureTransform#SQRT} the signed square root of each value, as a Spark SQL expression on the
     * vector's values.
     */
    static Dataset<Row> headInput(Dataset<Row> rows, FeatureTransform transform) {
        if (transform == FeatureTransform.NONE) {
            return rows;
        }
        Column values =
                org.apache.spark.ml.functions.vector_to_array(col(ImageRows.FEATURES), "float64");
        Column roots =
                org.apache.spark.sql.functions.transform(
                        values, x -> signum(x).multiply(sqrt(abs(x))));
        return rows.withColumn(
                ImageRows.FEATURES, org.apache.spark.ml.functions.array_to_vector(roots));
    }

    /**
     * The backbone's feature extractor with the head: for {@link FeatureTransform#SQRT} the signed
     * square root of the features, then Gemm(·, W, b) as output {@value #LOGITS}; the {@code
     * features} output kept second and untransformed, and the card.
     */
    static ModelProto grow(
            ModelProto features,
            FeatureTransform transform,
            float[] weight,
            float[] bias,
            int classes,
            int dim,
            ModelCard card) {
        String input = ModelEditor.FEATURES;
        if (transform == FeatureTransform.SQRT) {
            ModelEditor.Appended roots = ModelEditor.appendSignedSqrt(features, input, HEAD_PREFIX);
            features = roots.model();
            input = roots.output();
        }
        HeadOptions head =
                HeadOptions.builder(classes)
                        .init(HeadOptions.Init.ZERO)
                        .inputName(input)
                        .outputName(LOGITS)
                        .parameterPrefix(HEAD_PREFIX)
                        .keepOutputs(true)
                        .build();
        ModelProto model = ModelEditor.appendHead(features, head);
        model =
                ModelEditor.replaceInitializer(
                        model, HEAD_PREFIX + "weight", new long[] {classes, dim}, weight);
        model =
                ModelEditor.replaceInitializer(
                        model, HEAD_PREFIX + "bias", new long[] {classes}, bias);
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

    private static void writeMetrics(
            Path file, HeadTrainingResult r, Map<String, Object> training, long seed)
            throws GraftException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", r.model().toString());
        m.put("classes", r.classes());
        m.put("trainImages", r.trainImages());
        m.put("valImages", r.valImages());
        m.put("trainAccuracy", r.trainAccuracy());
        m.put("valAccuracy", r.valAccuracy());
        m.put("iterations", r.iterations());
        m.put("featureTransform", r.featureTransform().cliName());
        m.put("regParam", r.regParam());
        if (r.regParamPath().isEmpty()) {
            m.put("regParamSearch", null);
        } else {
            Map<String, Object> search = new LinkedHashMap<>();
            search.put("method", searchName());
            search.put("folds", FOLDS);
            search.put("seed", seed);
            search.put("metric", CV_METRIC);
            search.put("path", pathJson(r.regParamPath()));
            search.put("chosen", r.regParam());
            m.put("regParamSearch", search);
        }
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
                        .add(
                                INDEX,
                                DataTypes.DoubleType,
                                false,
                                // Every fold's fit knows all the classes, even one a fold lacks.
                                NominalAttribute.defaultAttr()
                                        .withName(INDEX)
                                        .withNumValues(classes.size())
                                        .toMetadata());
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
