package ai.graft.trainer;

import ai.graft.converter.AtomicFiles;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ImageException;
import ai.graft.trainer.data.ImageDataset;
import ai.graft.trainer.data.Sample;
import ai.graft.trainer.data.Skipped;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Each image's embedding, computed once with the SDK and kept on disk, keyed by the data's
 * fingerprint, the backbone's hash, the feature node and the preprocessing: a second run with the
 * same inputs reads them back instead of running the backbone.
 */
final class EmbeddingCache {
    private static final int MAGIC = 0x47524645; // "GRFE"
    private static final int FORMAT = 1;

    /** The embeddings of one split: rows in sample order, undecodable samples left out. */
    record Embeddings(float[][] vectors, int[] labels, List<String> ids, List<Skipped> skipped) {
        int size() {
            return vectors.length;
        }

        int dimension() {
            return vectors.length == 0 ? 0 : vectors[0].length;
        }
    }

    private final Path dir;
    private final String modelKey;
    private int computed;
    private int reused;

    /**
     * @param dir the cache folder
     * @param modelKey what identifies the feature extractor: backbone hash, feature node and
     *     preprocessing
     */
    EmbeddingCache(Path dir, String modelKey) {
        this.dir = dir;
        this.modelKey = modelKey;
    }

    /** Embeddings computed with the backbone so far (not read from the cache). */
    int computed() {
        return computed;
    }

    /** Embeddings read from the cache so far. */
    int reused() {
        return reused;
    }

    Path file(ImageDataset data) {
        String key =
                Backbone.sha256(
                        (FORMAT + "\n" + data.fingerprint() + "\n" + modelKey)
                                .getBytes(StandardCharsets.UTF_8));
        return dir.resolve("embeddings-" + key.substring(0, 32) + ".bin");
    }

    /**
     * The split's embeddings, from the cache when present, else computed (in parallel) and cached.
     */
    Embeddings get(
            ImageDataset data,
            String split,
            ImageClassifier extractor,
            int threads,
            Consumer<String> progress)
            throws IOException {
        Path file = file(data);
        if (Files.isRegularFile(file)) {
            Embeddings cached = read(file);
            if (cached != null) {
                reused += cached.size();
                progress.accept(
                        String.format(
                                Locale.ROOT,
                                "%s: %d embeddings from the cache (%s)",
                                split,
                                cached.size(),
                                file.getFileName()));
                return cached;
            }
        }
        Embeddings e = compute(data, split, extractor, threads, progress);
        computed += e.size();
        Files.createDirectories(dir);
        write(file, e);
        return e;
    }

    private static Embeddings compute(
            ImageDataset data,
            String split,
            ImageClassifier extractor,
            int threads,
            Consumer<String> progress)
            throws IOException {
        List<Sample> samples = data.samples();
        int n = samples.size();
        float[][] out = new float[n][];
        String[] errors = new String[n];
        AtomicInteger done = new AtomicInteger();
        long start = System.nanoTime();
        int workers = Math.max(1, Math.min(threads, n));
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                int first = w;
                futures.add(
                        pool.submit(
                                () -> {
                                    for (int i = first; i < n; i += workers) {
                                        try {
                                            out[i] =
                                                    extractor.embed(
                                                            samples.get(i).input(),
                                                            ai.graft.converter.ModelEditor
                                                                    .FEATURES);
                                        } catch (ImageException e) {
                                            errors[i] = e.getMessage();
                                        }
                                        int d = done.incrementAndGet();
                                        if (d % 100 == 0 || d == n) {
                                            double s = (System.nanoTime() - start) / 1e9;
                                            progress.accept(
                                                    String.format(
                                                            Locale.ROOT,
                                                            "%s: embedded %d/%d images (%.0f/s)",
                                                            split,
                                                            d,
                                                            n,
                                                            d / Math.max(s, 1e-9)));
                                        }
                                    }
                                    return null;
                                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("Interrupted while computing embeddings", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException("Computing embeddings failed: " + cause.getMessage(), cause);
        } finally {
            pool.shutdownNow();
        }
        List<float[]> vectors = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Sample s = samples.get(i);
            if (out[i] == null) {
                skipped.add(new Skipped(s.id(), errors[i]));
            } else {
                vectors.add(out[i]);
                labels.add(s.label());
                ids.add(s.id());
            }
        }
        return new Embeddings(
                vectors.toArray(new float[0][]),
                labels.stream().mapToInt(Integer::intValue).toArray(),
                List.copyOf(ids),
                List.copyOf(skipped));
    }

    private static void write(Path file, Embeddings e) throws IOException {
        AtomicFiles.write(
                file,
                os -> {
                    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(os));
                    out.writeInt(MAGIC);
                    out.writeInt(FORMAT);
                    out.writeInt(e.size());
                    out.writeInt(e.dimension());
                    for (int i = 0; i < e.size(); i++) {
                        out.writeUTF(e.ids().get(i));
                        out.writeInt(e.labels()[i]);
                        for (float v : e.vectors()[i]) {
                            out.writeFloat(v);
                        }
                    }
                    out.writeInt(e.skipped().size());
                    for (Skipped s : e.skipped()) {
                        out.writeUTF(s.id());
                        out.writeUTF(s.reason() == null ? "" : s.reason());
                    }
                    out.flush();
                });
    }

    /** The cached embeddings, or null when the file is not a readable cache of this format. */
    private static Embeddings read(Path file) {
        try (DataInputStream in =
                new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            if (in.readInt() != MAGIC || in.readInt() != FORMAT) {
                return null;
            }
            int n = in.readInt();
            int dim = in.readInt();
            float[][] vectors = new float[n][dim];
            int[] labels = new int[n];
            List<String> ids = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                ids.add(in.readUTF());
                labels[i] = in.readInt();
                for (int j = 0; j < dim; j++) {
                    vectors[i][j] = in.readFloat();
                }
            }
            int skippedCount = in.readInt();
            List<Skipped> skipped = new ArrayList<>(skippedCount);
            for (int i = 0; i < skippedCount; i++) {
                skipped.add(new Skipped(in.readUTF(), in.readUTF()));
            }
            return new Embeddings(vectors, labels, List.copyOf(ids), List.copyOf(skipped));
        } catch (IOException | RuntimeException e) {
            return null; // a damaged cache is recomputed
        }
    }
}
