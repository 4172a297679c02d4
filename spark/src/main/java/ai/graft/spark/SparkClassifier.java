package ai.graft.spark;

import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ModelException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;

/**
 * Classifies or embeds images on a Spark cluster with an ONNX model: the model file is shipped with
 * the job, each executor JVM loads it once into an SDK {@link ImageClassifier} that its tasks
 * share, and each partition is classified in batches. An image that cannot be read gives a row with
 * an {@code error}, never a failed job.
 *
 * <pre>{@code
 * SparkSession spark = SparkSession.builder().appName("classify").getOrCreate();
 * SparkClassifier classifier =
 *         SparkClassifier.create(spark, "model.onnx", SparkClassifierOptions.defaults());
 * Dataset<Row> images = ImageRows.read(spark, "hdfs:///photos");
 * classifier.classify(images).write().parquet("hdfs:///photos-classified");
 * }</pre>
 *
 * <p>Only the driver uses this object; it holds no native memory (the executors' classifiers live
 * until their JVM exits).
 */
public final class SparkClassifier {
    /** URI schemes accepted for a model that Spark fetches itself. */
    static final Set<String> REMOTE_SCHEMES =
            Set.of("hdfs", "viewfs", "s3a", "gs", "abfs", "abfss", "wasbs", "http", "https");

    private final String fileName;
    private final SparkClassifierOptions options;

    private SparkClassifier(String fileName, SparkClassifierOptions options) {
        this.fileName = fileName;
        this.options = options;
    }

    /**
     * Ships a model with the job ({@code SparkContext.addFile}). A local model is opened on the
     * driver first, so that a file that is not a usable model fails here, naming it, rather than in
     * every task.
     *
     * @param spark the session
     * @param model a local {@code .onnx} file, or a URI with one of the schemes hdfs, viewfs, s3a,
     *     gs, abfs, abfss, wasbs, http, https
     * @param options how executors run it
     * @return the classifier
     * @throws ModelException when a local model cannot be used
     * @throws IllegalArgumentException when the location is neither an existing file nor a URI of
     *     an accepted scheme
     */
    public static SparkClassifier create(
            SparkSession spark, String model, SparkClassifierOptions options)
            throws ModelException {
        Objects.requireNonNull(spark, "spark");
        Objects.requireNonNull(options, "options");
        Path local = localModel(model);
        if (local != null) {
            check(local, options);
            spark.sparkContext().addFile(local.toAbsolutePath().toString());
            return new SparkClassifier(local.getFileName().toString(), options);
        }
        spark.sparkContext().addFile(model);
        String path = URI.create(model).getPath();
        return new SparkClassifier(path.substring(path.lastIndexOf('/') + 1), options);
    }

    /**
     * Opens a local model with the options and closes it: a file that is not a usable model fails
     * here, on the driver, naming the file, before Spark starts any task.
     *
     * @param model the local file
     * @param options how executors will run it
     * @throws ModelException when it is not a usable model
     */
    static void check(Path model, SparkClassifierOptions options) throws ModelException {
        ImageClassifier.create(model, options.sdkOptions()).close();
    }

    /**
     * Like {@link #check}, and checks the output an embedding reads, so that a model without one
     * fails before Spark starts rather than in every task.
     *
     * @param model the local model file
     * @param options how it runs, {@link SparkClassifierOptions#outputName()} included
     * @throws ModelException when the model cannot be used
     * @throws IllegalArgumentException when the output is unknown, or none is named and the card
     *     names none
     */
    static void checkEmbedding(Path model, SparkClassifierOptions options) throws ModelException {
        try (ImageClassifier c = ImageClassifier.create(model, options.sdkOptions())) {
            c.embeddingOutput(options.outputName());
        }
    }

    /**
     * Checks a model location: a local file that exists, or a URI of an accepted scheme.
     *
     * @param model the location
     * @return the local file, or null for a remote URI
     * @throws IllegalArgumentException when it is neither
     */
    static Path localModel(String model) {
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("No model given; expected an .onnx file");
        }
        int colon = model.indexOf("://");
        if (colon > 0) {
            String scheme = model.substring(0, colon).toLowerCase(Locale.ROOT);
            if (scheme.equals("file")) {
                return localModel(model.substring(colon + 3));
            }
            if (!REMOTE_SCHEMES.contains(scheme)) {
                throw new IllegalArgumentException(
                        "Model "
                                + model
                                + " has an unsupported scheme '"
                                + scheme
                                + "'; expected a local file or one of "
                                + REMOTE_SCHEMES.stream().sorted().toList());
            }
            URI uri;
            try {
                uri = new URI(model);
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException(
                        "Model " + model + " is not a valid URI: " + e.getMessage(), e);
            }
            String path = uri.getPath();
            if (path == null || path.isEmpty() || path.endsWith("/")) {
                throw new IllegalArgumentException(
                        "Model " + model + " names no file; expected a URI ending in a file name");
            }
            return null;
        }
        Path p = Path.of(model);
        if (!Files.exists(p)) {
            throw new IllegalArgumentException("Model file not found: " + model);
        }
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException(
                    "Model path is not a file, expected an .onnx file: " + model);
        }
        if (!Files.isReadable(p)) {
            throw new IllegalArgumentException("Model file is not readable: " + model);
        }
        return p;
    }

    /**
     * Classifies images.
     *
     * @param images rows with a string {@link ImageRows#PATH} and binary {@link ImageRows#CONTENT}
     *     column (as {@link ImageRows#read} gives); other columns are dropped
     * @return rows of {@link ImageRows#CLASSIFIED}: {@code path, label, score, top, error}
     */
    public Dataset<Row> classify(Dataset<Row> images) {
        return requireImages(images)
                .select(ImageRows.PATH, ImageRows.CONTENT)
                .mapPartitions(
                        new PartitionClassifier(fileName, options),
                        Encoders.row(ImageRows.CLASSIFIED));
    }

    /**
     * Embeds images: the output named by the options, else the card's {@code
     * graft.embedding.output}.
     *
     * @param images rows with {@link ImageRows#PATH} and {@link ImageRows#CONTENT}; their other
     *     columns follow the new ones unchanged
     * @return rows {@code path, features, error} (the embedding as a Spark ML vector, null with an
     *     error), then the other columns
     */
    public Dataset<Row> embed(Dataset<Row> images) {
        Dataset<Row> in = requireImages(images);
        String[] rest =
                Arrays.stream(in.columns())
                        .filter(c -> !c.equals(ImageRows.PATH) && !c.equals(ImageRows.CONTENT))
                        .toArray(String[]::new);
        StructType schema = ImageRows.EMBEDDED;
        for (String c : rest) {
            schema = schema.add(in.schema().apply(c));
        }
        return in.select(ImageRows.PATH, concat(ImageRows.CONTENT, rest))
                .mapPartitions(new PartitionEmbedder(fileName, options), Encoders.row(schema));
    }

    /**
     * The shipped model's file name, as executors find it with {@code SparkFiles.get}.
     *
     * @return the file name
     */
    public String modelFileName() {
        return fileName;
    }

    /**
     * How executors run the model.
     *
     * @return the options
     */
    public SparkClassifierOptions options() {
        return options;
    }

    private static String[] concat(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    private static Dataset<Row> requireImages(Dataset<Row> images) {
        Objects.requireNonNull(images, "images");
        StructType s = images.schema();
        Set<String> names = Set.of(s.fieldNames());
        if (!names.contains(ImageRows.PATH) || !names.contains(ImageRows.CONTENT)) {
            throw new IllegalArgumentException(
                    "Image rows need columns '"
                            + ImageRows.PATH
                            + "' (string) and '"
                            + ImageRows.CONTENT
                            + "' (binary), as Spark's binaryFile source gives; got "
                            + Arrays.toString(s.fieldNames()));
        }
        return images;
    }
}
