package ai.graft.spark;

import java.io.IOException;
import java.util.Locale;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Writes a job's rows as a folder of Parquet or JSON-lines files, atomically: Spark writes into a
 * hidden sibling folder, which is renamed to the output only when the job has succeeded. A failed
 * job leaves no output folder (and no half-written one where an old output stood).
 */
final class OutputWriter {
    /** The output formats. */
    enum Format {
        PARQUET,
        JSON;

        static Format parse(String name) {
            for (Format f : values()) {
                if (f.name().equalsIgnoreCase(name)) {
                    return f;
                }
            }
            throw new IllegalArgumentException(
                    "Unknown format '" + name + "', expected parquet or json");
        }

        String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private OutputWriter() {}

    /**
     * Checks an output location before any work: its parent exists and it does not, unless it may
     * be replaced.
     *
     * @param spark the session (for the file system's configuration)
     * @param out the output folder, local or a file system URI
     * @param overwrite whether an existing output may be replaced
     * @throws IllegalArgumentException when it cannot be written
     * @throws IOException when the file system cannot be reached
     */
    static void check(SparkSession spark, String out, boolean overwrite) throws IOException {
        if (out == null || out.isBlank()) {
            throw new IllegalArgumentException("No output folder given");
        }
        Path path = new Path(out);
        FileSystem fs = path.getFileSystem(conf(spark));
        Path parent = fs.makeQualified(path).getParent();
        if (parent == null) {
            throw new IllegalArgumentException(
                    "Output " + out + " is a root folder; expected a new folder inside one");
        }
        if (!fs.exists(parent) || !fs.getFileStatus(parent).isDirectory()) {
            throw new IllegalArgumentException(
                    "The folder of output " + out + " does not exist: " + parent);
        }
        if (fs.exists(path) && !overwrite) {
            throw new IllegalArgumentException(
                    "Output " + out + " already exists; choose a new folder or pass --overwrite");
        }
        if (fs.exists(path) && !fs.getFileStatus(path).isDirectory()) {
            throw new IllegalArgumentException(
                    "Output " + out + " is a file; expected a folder to write into");
        }
    }

    /**
     * Writes the rows and moves them into place.
     *
     * @param rows what to write
     * @param format the format
     * @param out the output folder
     * @param overwrite whether an existing output is replaced
     * @throws IOException when the move fails
     */
    static void write(Dataset<Row> rows, Format format, String out, boolean overwrite)
            throws IOException {
        Path target = new Path(out);
        FileSystem fs = target.getFileSystem(conf(rows.sparkSession()));
        target = fs.makeQualified(target);
        Path temp =
                new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
        boolean done = false;
        try {
            switch (format) {
                case PARQUET -> rows.write().parquet(temp.toString());
                case JSON -> rows.write().json(temp.toString());
            }
            Path old = null;
            if (fs.exists(target)) {
                if (!overwrite) {
                    throw new IOException("Output " + out + " appeared while the job ran");
                }
                old =
                        new Path(
                                target.getParent(),
                                "." + target.getName() + ".old-" + UUID.randomUUID());
                rename(fs, target, old);
            }
            rename(fs, temp, target);
            done = true;
            if (old != null) {
                fs.delete(old, true);
            }
        } finally {
            if (!done) {
                fs.delete(temp, true);
            }
        }
    }

    private static void rename(FileSystem fs, Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("Could not rename " + from + " to " + to);
        }
    }

    private static Configuration conf(SparkSession spark) {
        return spark.sparkContext().hadoopConfiguration();
    }
}
