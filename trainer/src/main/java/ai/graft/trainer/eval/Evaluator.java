package ai.graft.trainer.eval;

import ai.graft.sdk.Category;
import ai.graft.sdk.Classification;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ImageException;
import ai.graft.sdk.ImageInput;
import ai.graft.sdk.ModelException;
import ai.graft.trainer.TrainingMonitor;
import ai.graft.trainer.data.DatasetException;
import ai.graft.trainer.data.ImageDataset;
import ai.graft.trainer.data.Sample;
import ai.graft.trainer.data.Skipped;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Evaluates an ONNX classifier on a labelled image set through the SDK's {@link ImageClassifier},
 * so that what is measured is what ships: the same decoding, preprocessing and scores as in
 * production.
 *
 * <pre>{@code
 * try (ImageClassifier model = ImageClassifier.createFromFile(Path.of("model.onnx"))) {
 *     ImageDataset data = Datasets.classFolders(Path.of("val"));
 *     EvaluationResult r = Evaluator.evaluate(model, data, System.err::println);
 *     System.out.println(r.toMarkdown());
 * }
 * }</pre>
 *
 * <p>The data set's classes are matched to the model's labels by name; model labels with no images
 * are fine. Images go to {@link ImageClassifier#classifyBatch} in batches, from as many threads as
 * there are processors (the classifier is thread-safe). A file that does not decode is skipped and
 * listed in the result, never stopping the run. The result lists every class of the data set, plus
 * any other model label that was predicted; top-5 accuracy ranks among all the model's labels.
 */
public final class Evaluator {
    /** Images per {@code classifyBatch} call. */
    static final int BATCH = 32;

    private Evaluator() {}

    /**
     * Classifies every image of {@code data} with {@code model} and measures the result.
     *
     * @param model the classifier; it must report at least its top 5 categories ({@link
     *     ai.graft.sdk.ImageClassifierOptions#topK}, 5 by default) when it has 5 or more labels
     * @param data the labelled images; its class names must be among the model's labels
     * @param monitor receives the count of images done as its status ("evaluated 320/1000 images")
     *     and a closing line
     * @return the metrics
     * @throws DatasetException when a class of the data is not among the model's labels (the
     *     message names it), the data has no images, or none of them can be read
     * @throws ModelException when the model outputs an embedding rather than class scores
     * @throws IllegalArgumentException when the classifier reports fewer than its top 5 categories
     */
    public static EvaluationResult evaluate(
            ImageClassifier model, ImageDataset data, TrainingMonitor monitor)
            throws DatasetException, ModelException {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(monitor, "monitor");
        List<String> labels = model.labels();
        if (labels == null) {
            throw new ModelException(
                    "Model "
                            + model.modelPath()
                            + " outputs an embedding, not class scores; only a classifier can be"
                            + " evaluated");
        }
        int[] toModel = matchClasses(data.classes(), labels, model);
        int topK = model.options().topK();
        if (topK < Math.min(5, labels.size())) {
            throw new IllegalArgumentException(
                    "The classifier reports its top "
                            + topK
                            + " categories; evaluation needs at least the top 5"
                            + " (ImageClassifierOptions.topK)");
        }
        List<Sample> samples = data.samples();
        int n = samples.size();
        if (n == 0) {
            throw new DatasetException("The data set has no images to evaluate");
        }

        float[][] scores = new float[n][];
        String[] errors = new String[n];
        long start = System.nanoTime();
        classifyAll(model, samples, labels.size(), scores, errors, monitor);
        double seconds = (System.nanoTime() - start) / 1e9;

        List<Skipped> skipped = new ArrayList<>();
        int ok = 0;
        for (int i = 0; i < n; i++) {
            if (scores[i] == null) {
                skipped.add(new Skipped(samples.get(i).id(), errors[i]));
            } else {
                ok++;
            }
        }
        if (ok == 0) {
            Skipped first = skipped.get(0);
            throw new DatasetException(
                    "None of the "
                            + n
                            + " images could be read (first: "
                            + first.id()
                            + ": "
                            + first.reason()
                            + ")");
        }
        int[] truth = new int[ok];
        float[][] rows = new float[ok][];
        for (int i = 0, j = 0; i < n; i++) {
            if (scores[i] != null) {
                truth[j] = toModel[samples.get(i).label()];
                rows[j++] = scores[i];
            }
        }
        monitor.log(
                String.format(
                        Locale.ROOT,
                        "evaluated %d images in %.1f s (%d skipped)",
                        ok,
                        seconds,
                        skipped.size()));
        EvaluationResult all =
                Metrics.compute(labels, truth, rows, skipped, ok / Math.max(seconds, 1e-9));
        return Metrics.select(all, relevant(all, toModel));
    }

    /** Each data class's index among the model's labels; an error naming those not found. */
    private static int[] matchClasses(
            List<String> classes, List<String> labels, ImageClassifier model)
            throws DatasetException {
        Map<String, Integer> index = new HashMap<>();
        for (int i = labels.size() - 1; i >= 0; i--) {
            index.put(labels.get(i), i); // the first of duplicate labels wins
        }
        int[] toModel = new int[classes.size()];
        List<String> missing = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            Integer i = index.get(classes.get(c));
            if (i == null) {
                missing.add(classes.get(c));
            } else {
                toModel[c] = i;
            }
        }
        if (!missing.isEmpty()) {
            List<String> shown = labels.size() > 20 ? labels.subList(0, 20) : labels;
            throw new DatasetException(
                    (missing.size() == 1 ? "Class " : "Classes ")
                            + quoted(missing)
                            + " of the data "
                            + (missing.size() == 1 ? "is" : "are")
                            + " not among the "
                            + labels.size()
                            + " labels of model "
                            + model.modelPath()
                            + " ("
                            + quoted(shown)
                            + (shown.size() < labels.size() ? ", ..." : "")
                            + "); name the class folders as the model's labels (as in"
                            + " training)");
        }
        return toModel;
    }

    private static String quoted(List<String> names) {
        StringBuilder sb = new StringBuilder();
        for (String s : names) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append('\'').append(s).append('\'');
        }
        return sb.toString();
    }

    /** The model labels to report: every class of the data, and any other that was predicted. */
    private static int[] relevant(EvaluationResult all, int[] toModel) {
        int k = all.classes().size();
        boolean[] keep = new boolean[k];
        for (int i : toModel) {
            keep[i] = true;
        }
        int[][] confusion = all.confusion();
        for (int[] row : confusion) {
            for (int j = 0; j < k; j++) {
                if (row[j] > 0) {
                    keep[j] = true;
                }
            }
        }
        int[] idx = new int[k];
        int m = 0;
        for (int j = 0; j < k; j++) {
            if (keep[j]) {
                idx[m++] = j;
            }
        }
        return Arrays.copyOf(idx, m);
    }

    /** Fills {@code scores[i]} (or {@code errors[i]} when image i cannot be read), in parallel. */
    private static void classifyAll(
            ImageClassifier model,
            List<Sample> samples,
            int classes,
            float[][] scores,
            String[] errors,
            TrainingMonitor monitor) {
        int n = samples.size();
        int chunks = (n + BATCH - 1) / BATCH;
        int threads = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), chunks));
        ExecutorService pool =
                Executors.newFixedThreadPool(
                        threads,
                        r -> {
                            Thread t = new Thread(r, "graft-evaluate");
                            t.setDaemon(true);
                            return t;
                        });
        try {
            List<Future<?>> futures = new ArrayList<>(chunks);
            for (int from = 0; from < n; from += BATCH) {
                int lo = from;
                int hi = Math.min(n, from + BATCH);
                futures.add(
                        pool.submit(
                                () ->
                                        classifyChunk(
                                                model, samples, lo, hi, classes, scores, errors)));
            }
            int done = 0;
            long lastReport = 0;
            for (Future<?> f : futures) {
                f.get();
                done = Math.min(n, done + BATCH);
                long now = System.nanoTime();
                // The first, the last, and at most one a second between.
                if (lastReport == 0 || done == n || now - lastReport >= 1_000_000_000L) {
                    monitor.status("evaluated " + done + "/" + n + " images");
                    lastReport = now;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Evaluation interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException("Evaluation failed: " + cause, cause);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void classifyChunk(
            ImageClassifier model,
            List<Sample> samples,
            int from,
            int to,
            int classes,
            float[][] scores,
            String[] errors) {
        List<ImageInput> inputs = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            inputs.add(samples.get(i).input());
        }
        try {
            List<Classification> results = model.classifyBatch(inputs);
            for (int i = from; i < to; i++) {
                scores[i] = row(results.get(i - from), classes);
            }
        } catch (ImageException batchFailure) {
            // One bad file fails the whole batch: classify one at a time to find it and keep the
            // rest.
            for (int i = from; i < to; i++) {
                try {
                    scores[i] = row(model.classify(inputs.get(i - from)), classes);
                } catch (ImageException e) {
                    errors[i] = e.getMessage();
                }
            }
        }
    }

    /** The reported scores as a full row; classes the classifier did not report are NaN. */
    private static float[] row(Classification c, int classes) {
        float[] row = new float[classes];
        Arrays.fill(row, Float.NaN);
        for (Category cat : c.top()) {
            row[cat.index()] = cat.score();
        }
        return row;
    }
}
