package ai.graft.spark;

import static org.apache.spark.sql.functions.col;

import ai.graft.converter.FeatureTransform;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.LabelsFile;
import ai.graft.sdk.ModelException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.ml.functions;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The main class of {@code graft spark} and of {@code spark-submit}: {@code classify}, {@code
 * embed} and {@code train} as Spark jobs. Exit codes: 0 success, 1 failure, 2 invalid usage or
 * input, 3 unusable model.
 *
 * <pre>
 * spark-submit --class ai.graft.spark.GraftSpark graft-spark-jobs.jar \
 *     classify --model model.onnx --images hdfs:///photos --out hdfs:///photos-classified
 * </pre>
 */
@Command(
        name = "graft spark",
        mixinStandardHelpOptions = true,
        description = "Graft's batch work as Spark jobs.",
        subcommands = {GraftSpark.Classify.class, GraftSpark.Embed.class, GraftSpark.Train.class})
public final class GraftSpark implements Callable<Integer> {
    static final int OK = 0;
    static final int FAILURE = 1;
    static final int USAGE = 2;
    static final int BAD_MODEL = 3;

    /** local, local[N], local[*], local[N,F], spark://H:P[,H:P], yarn, k8s://URL. */
    private static final Pattern MASTER =
            Pattern.compile(
                    "local|local\\[(\\*|[1-9]\\d{0,3})(,[1-9]\\d{0,2})?\\]"
                            + "|spark://[A-Za-z0-9.\\-]+:\\d{1,5}(,[A-Za-z0-9.\\-]+:\\d{1,5})*"
                            + "|yarn|k8s://https?://[A-Za-z0-9.\\-]+(:\\d{1,5})?/?");

    @Spec CommandLine.Model.CommandSpec spec;

    /**
     * Runs a command line and exits with its code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(
                run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * Runs a command line.
     *
     * @param args the arguments
     * @param out where results go
     * @param err where errors go
     * @return the exit code
     */
    static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new GraftSpark());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler(
                (e, commandLine, parsed) -> {
                    commandLine.getErr().println("graft spark: " + message(e));
                    if (e instanceof ModelException) {
                        return BAD_MODEL;
                    }
                    if (e instanceof IllegalArgumentException) {
                        return USAGE;
                    }
                    if (!(e instanceof GraftException) && !(e instanceof IOException)) {
                        e.printStackTrace(commandLine.getErr());
                    }
                    return FAILURE;
                });
        return cl.execute(args);
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null ? e.toString() : m;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return USAGE;
    }

    /**
     * Checks a {@code --master} value.
     *
     * @param master the value
     * @throws IllegalArgumentException when Spark would not accept it or it is out of range
     */
    static void checkMaster(String master) {
        if (master == null || !MASTER.matcher(master).matches()) {
            throw new IllegalArgumentException(
                    "Invalid --master '"
                            + master
                            + "'; expected local, local[N], local[*], spark://HOST:PORT, yarn or"
                            + " k8s://https://HOST:PORT");
        }
    }

    /** Options every command shares: the Spark master and how executors run the model. */
    static final class Common {
        @Option(
                names = "--master",
                paramLabel = "URL",
                description =
                        "Spark master: local[N], spark://HOST:PORT, yarn, k8s://... (default: the"
                                + " one spark-submit sets, else local[*]).")
        String master;

        @Option(
                names = "--batch-size",
                defaultValue = "32",
                description = "Images per ONNX Runtime run within a partition (default: 32).")
        int batchSize;

        @Option(
                names = "--intra-op-threads",
                defaultValue = "1",
                description =
                        "ONNX Runtime threads per run; Spark already runs one task per core"
                                + " (default: 1; 0: ONNX Runtime chooses).")
        int intraOpThreads;

        @Option(
                names = "--preprocess",
                paramLabel = "NAME|JSON",
                description =
                        "Preprocessing overriding the model card: imagenet, caffe, raw, unit or a"
                                + " JSON.")
        String preprocess;

        private boolean createdSession;

        @Option(
                names = "--labels",
                paramLabel = "FILE",
                description =
                        "Class labels, one a line, overriding the model's (read here, shipped with"
                                + " the job).")
        Path labels;

        SparkClassifierOptions.Builder options() throws ModelException {
            return SparkClassifierOptions.builder()
                    .batchSize(batchSize)
                    .intraOpThreads(intraOpThreads)
                    .preprocessing(preprocess)
                    .labels(labels == null ? null : LabelsFile.read(labels));
        }

        /**
         * The session: the one already running in this JVM (then {@link #release} leaves it
         * running), else a new one on {@code --master}, else on the master spark-submit set, else
         * local[*].
         */
        SparkSession session(String app) {
            createdSession = SparkSession.getDefaultSession().isEmpty();
            SparkConf conf = new SparkConf();
            SparkSession.Builder b = SparkSession.builder().appName(app);
            if (master != null) {
                checkMaster(master);
                b.master(master);
            } else if (!conf.contains("spark.master")) {
                b.master("local[*]");
            }
            return b.getOrCreate();
        }

        /** Stops the session when this command started it. */
        void release(SparkSession spark) {
            if (createdSession) {
                spark.stop();
            }
        }
    }

    /** Options of the commands that write rows. */
    static final class Output {
        @Option(
                names = "--images",
                required = true,
                paramLabel = "DIR",
                description = "Folder of images, searched recursively (local or a URI).")
        String images;

        @Option(
                names = "--out",
                required = true,
                paramLabel = "DIR",
                description = "Output folder (written atomically; must not exist).")
        String out;

        @Option(
                names = "--format",
                defaultValue = "parquet",
                description = "parquet (default) or json (JSON lines).")
        String format;

        @Option(names = "--overwrite", description = "Replace an existing output folder.")
        boolean overwrite;

        void checkImages(SparkSession spark) throws IOException {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(images);
            org.apache.hadoop.fs.FileSystem fs =
                    p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(p)) {
                throw new IllegalArgumentException("Images folder not found: " + images);
            }
            if (!fs.getFileStatus(p).isDirectory()) {
                throw new IllegalArgumentException(
                        "Images path is not a folder, expected a folder of images: " + images);
            }
        }

        /** Writes, then prints how many rows and errors the output holds. */
        void write(SparkSession spark, Dataset<Row> rows, OutputWriter.Format f, PrintWriter out)
                throws IOException {
            long start = System.nanoTime();
            OutputWriter.write(rows, f, this.out, overwrite);
            double seconds = (System.nanoTime() - start) / 1e9;
            Dataset<Row> written =
                    f == OutputWriter.Format.PARQUET
                            ? spark.read().parquet(this.out)
                            : spark.read().json(this.out);
            long n = written.count();
            long errors =
                    java.util.Arrays.asList(written.columns()).contains(ImageRows.ERROR)
                            ? written.filter(col(ImageRows.ERROR).isNotNull()).count()
                            : 0;
            out.printf(
                    Locale.ROOT,
                    "%d images (%d unreadable) in %.1f s (%.1f images/s), written to %s (%s)%n",
                    n,
                    errors,
                    seconds,
                    n / seconds,
                    this.out,
                    f.cliName());
        }
    }

    /** What a job over a folder of images computes: its rows from the images' rows. */
    @FunctionalInterface
    private interface ImageJob {
        Dataset<Row> rows(SparkClassifier model, Dataset<Row> images);
    }

    /** Checks a local model file on the driver before Spark starts. */
    @FunctionalInterface
    private interface ModelCheck {
        void check(Path model, SparkClassifierOptions options) throws ModelException;
    }

    /**
     * Classify's and embed's run: the model checked on this machine when it is a local file (before
     * Spark starts), the session, the images folder and output folder checked, the rows computed
     * and written.
     */
    private static int runImageJob(
            Common common,
            Output output,
            String model,
            SparkClassifierOptions options,
            OutputWriter.Format format,
            String appName,
            PrintWriter out,
            ModelCheck check,
            ImageJob job)
            throws Exception {
        Path local = SparkClassifier.localModel(model);
        if (common.master != null) {
            checkMaster(common.master);
        }
        if (local != null) {
            check.check(local, options);
        }
        SparkSession spark = common.session(appName);
        try {
            output.checkImages(spark);
            OutputWriter.check(spark, output.out, output.overwrite);
            SparkClassifier classifier = SparkClassifier.create(spark, model, options);
            Dataset<Row> rows = job.rows(classifier, ImageRows.read(spark, output.images));
            output.write(spark, rows, format, out);
            return OK;
        } finally {
            common.release(spark);
        }
    }

    /** {@code graft spark classify}. */
    @Command(
            name = "classify",
            mixinStandardHelpOptions = true,
            description = {
                "Classify a folder of images as a Spark job.",
                "Rows: path, label, score, top (index, label, score), error. An unreadable image"
                        + " gives an error, never a failed job. JSON lines are shaped like graft"
                        + " predict --json's: path and top, or path and error."
            })
    static final class Classify implements Callable<Integer> {
        @Spec CommandLine.Model.CommandSpec spec;
        @Mixin Common common;
        @Mixin Output output;

        @Option(
                names = "--model",
                required = true,
                paramLabel = "FILE",
                description = "The classifier (.onnx, local or a URI).")
        String model;

        @Option(
                names = {"-k", "--top-k"},
                defaultValue = "5",
                description = "Categories per image (default: 5).")
        int topK;

        @Override
        public Integer call() throws Exception {
            OutputWriter.Format format = OutputWriter.Format.parse(output.format);
            SparkClassifierOptions options = common.options().topK(topK).build();
            return runImageJob(
                    common,
                    output,
                    model,
                    options,
                    format,
                    "graft classify",
                    spec.commandLine().getOut(),
                    SparkClassifier::check,
                    (classifier, images) -> {
                        Dataset<Row> rows = classifier.classify(images);
                        return format == OutputWriter.Format.JSON
                                ? rows.select(ImageRows.PATH, ImageRows.TOP, ImageRows.ERROR)
                                : rows;
                    });
        }
    }

    /** {@code graft spark embed}. */
    @Command(
            name = "embed",
            mixinStandardHelpOptions = true,
            description = {
                "Embed a folder of images as a Spark job.",
                "Rows: path, features (a Spark ML vector; an array in JSON), error."
            })
    static final class Embed implements Callable<Integer> {
        @Spec CommandLine.Model.CommandSpec spec;
        @Mixin Common common;
        @Mixin Output output;

        @Option(
                names = "--model",
                required = true,
                paramLabel = "FILE",
                description = "The model (.onnx, local or a URI).")
        String model;

        @Option(
                names = "--output",
                paramLabel = "NAME",
                description = "The model output to read (default: the card's embedding output).")
        String outputName;

        @Override
        public Integer call() throws Exception {
            OutputWriter.Format format = OutputWriter.Format.parse(output.format);
            SparkClassifierOptions options = common.options().outputName(outputName).build();
            return runImageJob(
                    common,
                    output,
                    model,
                    options,
                    format,
                    "graft embed",
                    spec.commandLine().getOut(),
                    SparkClassifier::checkEmbedding,
                    (embedder, images) -> {
                        Dataset<Row> rows = embedder.embed(images);
                        return format == OutputWriter.Format.JSON
                                ? rows.withColumn(
                                        ImageRows.FEATURES,
                                        functions.vector_to_array(
                                                col(ImageRows.FEATURES), "float32"))
                                : rows;
                    });
        }
    }

    /** {@code graft spark train}. */
    @Command(
            name = "train",
            mixinStandardHelpOptions = true,
            description = {
                "Train a linear head on a frozen backbone with Spark MLlib (the features"
                        + " strategy).",
                "Images are class folders (DIR/CLASS/IMAGE, or DIR/train and DIR/val). Writes"
                        + " OUT/model.onnx (the backbone with the head and its model card) and"
                        + " OUT/metrics.json on the driver's disk."
            })
    static final class Train implements Callable<Integer> {
        @Spec CommandLine.Model.CommandSpec spec;
        @Mixin Common common;

        @Option(
                names = "--backbone",
                required = true,
                paramLabel = "FILE",
                description = "The backbone: an ONNX classifier on the driver's disk.")
        Path backbone;

        @Option(
                names = "--images",
                required = true,
                paramLabel = "DIR",
                description = "Class folders of training images (local or a URI).")
        String images;

        @Option(
                names = "--val",
                paramLabel = "DIR",
                description =
                        "Class folders of validation images (default: DIR/val, else a split of --images).")
        String val;

        @Option(
                names = "--out",
                required = true,
                paramLabel = "DIR",
                description = "Output folder on the driver's disk.")
        Path out;

        @Option(
                names = "--val-fraction",
                defaultValue = "0.2",
                description = "Share held out when there is no validation folder (default: 0.2).")
        double valFraction;

        @Option(
                names = "--seed",
                defaultValue = "42",
                description = "Seed of the split (default: 42).")
        long seed;

        @Option(
                names = "--max-iter",
                defaultValue = "200",
                description = "Most L-BFGS iterations (default: 200).")
        int maxIter;

        @Option(
                names = "--reg-param",
                paramLabel = "X",
                description =
                        "L2 regularisation on standardised features, 0 to 1000 (default: chosen"
                                + " among 1e-1 to 1e-4 by the lowest log loss of 3-fold"
                                + " cross-validation on the training images).")
        Double regParam;

        @Option(
                names = "--feature-transform",
                paramLabel = "sqrt|none",
                description =
                        "What the head reads of each embedding before standardising it: its"
                                + " signed square root (power normalisation, computed by the"
                                + " exported model), or the embedding as it is (default: sqrt).")
        String featureTransform = "sqrt";

        @Option(
                names = "--feature-node",
                paramLabel = "NAME",
                description = "Where to cut the backbone (default: the final classifier's input).")
        String featureNode;

        @Override
        public Integer call() throws Exception {
            if (common.labels != null) {
                throw new IllegalArgumentException(
                        "train takes its labels from the class folders; leave out --labels");
            }
            if (!Files.isRegularFile(backbone)) {
                throw new IllegalArgumentException(
                        "Backbone file not found: " + backbone + "; expected an .onnx file");
            }
            Path parent = out.toAbsolutePath().getParent();
            if (parent == null || !Files.isDirectory(parent)) {
                throw new IllegalArgumentException(
                        "The folder of output " + out + " does not exist: " + parent);
            }
            if (Files.exists(out) && !Files.isDirectory(out)) {
                throw new IllegalArgumentException(
                        "Output " + out + " is a file; expected a folder");
            }
            HeadTrainingOptions options =
                    HeadTrainingOptions.builder(backbone, images, out)
                            .valImages(val)
                            .valFraction(valFraction)
                            .seed(seed)
                            .maxIter(maxIter)
                            .regParam(regParam)
                            .featureTransform(FeatureTransform.fromName(featureTransform))
                            .preprocess(common.preprocess)
                            .featureNode(featureNode)
                            .embedding(common.options().build())
                            .build();
            if (common.master != null) {
                checkMaster(common.master);
            }
            SparkSession spark = common.session("graft train");
            try {
                HeadTrainingResult r = SparkHeadTrainer.train(spark, options);
                spec.commandLine()
                        .getOut()
                        .printf(
                                Locale.ROOT,
                                "%s: %d classes, %d training and %d validation images (%d"
                                        + " unreadable), %s features, regularisation %s,"
                                        + " validation accuracy %.4f, parity %.2e, %.1f s%n",
                                r.model(),
                                r.classes().size(),
                                r.trainImages(),
                                r.valImages(),
                                r.skippedCount(),
                                r.featureTransform().cliName(),
                                String.format(Locale.ROOT, "%.0e", r.regParam())
                                        + (r.regParamPath().isEmpty()
                                                ? " (given)"
                                                : " (cross-validated)"),
                                r.valAccuracy(),
                                r.parityMaxAbsDiff(),
                                r.seconds());
                return OK;
            } finally {
                common.release(spark);
            }
        }
    }
}
