package ai.graft.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.split;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Image rows: the folders Spark reads ({@code binaryFile}), the columns Graft writes, and the
 * conversion of Spark's {@code file:} paths into the plain paths {@code graft predict} prints.
 */
public final class ImageRows {
    /** The image file's path: a plain path for a local file, else the file system's URI. */
    public static final String PATH = "path";

    /** The encoded image bytes (Spark's {@code binaryFile} column). */
    public static final String CONTENT = "content";

    /** The best category's label. */
    public static final String LABEL = "label";

    /** The best category's score in [0, 1]. */
    public static final String SCORE = "score";

    /** The top categories, best first: array of struct {@code index, label, score}. */
    public static final String TOP = "top";

    /** Why the image could not be classified or embedded; null when it was. */
    public static final String ERROR = "error";

    /** The embedding, a Spark ML vector. */
    public static final String FEATURES = "features";

    /** The class folder: the name of the image's parent folder. */
    public static final String CLASS = "class";

    /** The file name extensions read as images (as {@code graft predict} reads folders). */
    public static final List<String> EXTENSIONS =
            List.of("jpg", "jpeg", "png", "bmp", "gif", "tif", "tiff", "webp");

    /** The struct of one entry of {@link #TOP}. */
    public static final StructType CATEGORY =
            new StructType(
                    new StructField[] {
                        DataTypes.createStructField("index", DataTypes.IntegerType, false),
                        DataTypes.createStructField("label", DataTypes.StringType, true),
                        DataTypes.createStructField("score", DataTypes.FloatType, false)
                    });

    /** The schema of {@link SparkClassifier#classify}'s rows. */
    public static final StructType CLASSIFIED =
            new StructType(
                    new StructField[] {
                        DataTypes.createStructField(PATH, DataTypes.StringType, false),
                        DataTypes.createStructField(LABEL, DataTypes.StringType, true),
                        DataTypes.createStructField(SCORE, DataTypes.FloatType, true),
                        DataTypes.createStructField(
                                TOP, DataTypes.createArrayType(CATEGORY, false), true),
                        DataTypes.createStructField(ERROR, DataTypes.StringType, true)
                    });

    /** The schema of {@link SparkClassifier#embed}'s rows. */
    public static final StructType EMBEDDED =
            new StructType(
                    new StructField[] {
                        DataTypes.createStructField(PATH, DataTypes.StringType, false),
                        DataTypes.createStructField(FEATURES, SQLDataTypes.VectorType(), true),
                        DataTypes.createStructField(ERROR, DataTypes.StringType, true)
                    });

    private ImageRows() {}

    /**
     * Reads the image files under a folder, recursively, as rows {@code path, content} (Spark's
     * {@code binaryFile} source, keeping files whose extension is one of {@link #EXTENSIONS}, in
     * any case). Files are read by the executors when the rows are used.
     *
     * @param spark the session
     * @param folder a local folder or a file system URI ({@code hdfs://}, {@code s3a://}, ...)
     * @return the rows
     */
    public static Dataset<Row> read(SparkSession spark, String folder) {
        String pattern = "\\.(" + String.join("|", EXTENSIONS) + ")$";
        return spark.read()
                .format("binaryFile")
                .option("recursiveFileLookup", "true")
                .load(folder)
                .filter(lower(col(PATH)).rlike(pattern))
                .select(col(PATH), col(CONTENT));
    }

    /**
     * Adds the {@link #CLASS} column: the name of each image's parent folder.
     *
     * @param images rows with {@link #PATH}
     * @return the rows with the class
     */
    public static Dataset<Row> withClassFolder(Dataset<Row> images) {
        return images.withColumn(CLASS, element_at(split(col(PATH), "/"), -2));
    }

    /**
     * The path to show for an image: a {@code file:} URI as a plain local path, any other path
     * unchanged.
     *
     * @param sparkPath the path Spark gives
     * @return the path to show
     */
    public static String displayPath(String sparkPath) {
        if (sparkPath.startsWith("file:")) {
            try {
                return Path.of(URI.create(sparkPath)).toString();
            } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
                return sparkPath.substring("file:".length());
            }
        }
        return sparkPath;
    }
}
