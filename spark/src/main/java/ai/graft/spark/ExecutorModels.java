package ai.graft.spark;

import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ModelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classifiers of this JVM, one per model file and options: an executor loads a model once, on
 * its first task, and every later task (and every core running tasks at once: a classifier is
 * thread-safe) shares it. They are closed when the JVM exits.
 */
final class ExecutorModels {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);

    private record Key(Path file, long size, long modified, SparkClassifierOptions options) {}

    private static final Map<Key, ImageClassifier> MODELS = new ConcurrentHashMap<>();

    static {
        // Images are decoded here, with JavaCV's OpenBLAS: MLlib must not bind a second one.
        JavaBlas.useInThisJvm();
        Runtime.getRuntime()
                .addShutdownHook(new Thread(ExecutorModels::closeAll, "graft-close-models"));
    }

    private ExecutorModels() {}

    /**
     * The classifier of a model shipped with the job ({@code SparkContext.addFile} or {@code
     * --files}), loading it on first use.
     *
     * @param fileName the shipped file's name
     * @param options how it runs
     * @return the shared classifier; do not close it
     * @throws ModelException when the file is missing here or cannot be used
     */
    static ImageClassifier get(String fileName, SparkClassifierOptions options)
            throws ModelException {
        Path file = Path.of(SparkFiles.get(fileName));
        Key key;
        try {
            key =
                    new Key(
                            file,
                            Files.size(file),
                            Files.getLastModifiedTime(file).toMillis(),
                            options);
        } catch (java.io.IOException e) {
            throw new ModelException(
                    "Model "
                            + fileName
                            + " did not reach this executor ("
                            + file
                            + ": "
                            + e.getMessage()
                            + "); ship it with SparkContext.addFile or spark-submit --files",
                    e);
        }
        ImageClassifier model = MODELS.get(key);
        if (model != null) {
            return model;
        }
        synchronized (MODELS) {
            model = MODELS.get(key);
            if (model == null) {
                model = ImageClassifier.create(file, options.sdkOptions());
                MODELS.put(key, model);
                LOG.info("loaded {} on this executor ({})", fileName, model.device());
            }
            return model;
        }
    }

    /** Closes every classifier of this JVM; later {@link #get} calls load them again. */
    static void closeAll() {
        List<ImageClassifier> open;
        synchronized (MODELS) {
            open = new ArrayList<>(MODELS.values());
            MODELS.clear();
        }
        for (ImageClassifier m : open) {
            try {
                m.close();
            } catch (RuntimeException e) {
                LOG.warn("could not close {}: {}", m.modelPath(), e.toString());
            }
        }
    }
}
