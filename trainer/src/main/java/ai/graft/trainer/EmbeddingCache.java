package ai.graft.trainer;

import ai.graft.converter.AtomicFiles;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ImageException;
import ai.graft.trainer.data.ImageDataset;
import ai.graft.trainer.data.Sample;
import ai.graft.trainer.data.Skipped;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;

/**
 * Each image's embedding, computed once with the SDK and kept on disk, keyed by the data's
 * fingerprint, the backbone's hash, the feature node and the preprocessing: a second run with the
 * same inputs reads them back instead of running the backbone.
 *
 * <p>A cache file is used only when it verifies: its checksum matches, it was written for this
 * feature extractor and this data, its dimension is the extractor's, and it lists each sample of
 * the data once with its label. A file that does not verify (truncated, emptied, overwritten, made
 * for another backbone) is reported in the log and recomputed; the new file replaces it atomically.
 *
 * <p>The feature extractor is opened only when an embedding must be computed, and closed by {@link
 * #close()}. Not thread-safe.
 */
final class EmbeddingCache implements AutoCloseable {
    private static final int MAGIC = 0x47524645; // "GRFE"

    /** Version 2 added the keys and the checksum; version 1 files are recomputed. */
    static final int FORMAT = 2;

    /** magic, format, the two key lengths, n, dim, skipped count, checksum. */
    private static final int MIN_BYTES = 4 + 4 + 2 + 2 + 4 + 4 + 4 + 8;

    /** Opens the feature extractor when an embedding has to be computed. */
    @FunctionalInterface
    interface ExtractorOpener {
        /**
         * @return a classifier whose {@link ai.graft.converter.ModelEditor#FEATURES} output is the
         *     embedding
         * @throws GraftException when the extractor cannot be opened
         */
        ImageClassifier open() throws GraftException;
    }

    /** The embeddings of one split: rows in sample order, undecodable samples left out. */
    record Embeddings(float[][] vectors, int[] labels, List<String> ids, List<Skipped> skipped) {
        int size() {
            return vectors.length;
        }

        int dimension() {
            return vectors.length == 0 ? 0 : vectors[0].length;
        }
    }

    /** A cache file read back: its embeddings, or why it does not verify. */
    record Verified(Embeddings embeddings, String problem) {
        static Verified ok(Embeddings e) {
            return new Verified(e, null);
        }

        static Verified bad(String problem) {
            return new Verified(null, problem);
        }
    }

    private final Path dir;
    private final String modelHash;
    private final int dimension;
    private final ExtractorOpener opener;
    private ImageClassifier extractor;
    private int computed;
    private int reused;

    /**
     * @param dir the cache folder
     * @param modelKey what identifies the feature extractor: backbone hash, feature node and
     *     preprocessing
     * @param dimension the extractor's embedding dimension, or 0 when its model does not say
     * @param opener opens the extractor on first need
     */
    EmbeddingCache(Path dir, String modelKey, int dimension, ExtractorOpener opener) {
        this.dir = dir;
        this.modelHash = Backbone.sha256(modelKey.getBytes(StandardCharsets.UTF_8));
        this.dimension = dimension;
        this.opener = opener;
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
                        (FORMAT + "\n" + data.fingerprint() + "\n" + modelHash)
                                .getBytes(StandardCharsets.UTF_8));
        return dir.resolve("embeddings-" + key.substring(0, 32) + ".bin");
    }

    /**
     * The split's embeddings, from the cache when its file verifies, else computed (in parallel)
     * and cached; a file that does not verify is named in the log with the reason.
     *
     * @throws GraftException when the extractor cannot be opened or the cache cannot be written
     */
    Embeddings get(ImageDataset data, String split, int threads, TrainingMonitor monitor)
            throws GraftException {
        Path file = file(data);
        if (Files.exists(file)) {
            Verified cached = read(file, data, modelHash, dimension);
            if (cached.embeddings() != null) {
                reused += cached.embeddings().size();
                monitor.log(
                        String.format(
                                Locale.ROOT,
                                "%s: %d embeddings from the cache (%s)",
                                split,
                                cached.embeddings().size(),
                                file.getFileName()));
                return cached.embeddings();
            }
            monitor.log(
                    split
                            + ": the embeddings cache "
                            + file
                            + " does not verify ("
                            + cached.problem()
                            + "); recomputing it");
        }
        if (extractor == null) {
            extractor = opener.open();
        }
        Embeddings e = compute(data, split, extractor, threads, monitor);
        computed += e.size();
        try {
            Files.createDirectories(dir);
            write(file, e, modelHash, data.fingerprint());
        } catch (IOException x) {
            throw new GraftException(
                    "Cannot write the embeddings cache " + file + ": " + x.getMessage(), x);
        }
        return e;
    }

    /** Closes the extractor if one was opened. */
    @Override
    public void close() {
        if (extractor != null) {
            extractor.close();
            extractor = null;
        }
    }

    private static Embeddings compute(
            ImageDataset data,
            String split,
            ImageClassifier extractor,
            int threads,
            TrainingMonitor monitor)
            throws GraftException {
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
                                            String line =
                                                    String.format(
                                                            Locale.ROOT,
                                                            "%s: embedded %d/%d images (%.0f/s)",
                                                            split,
                                                            d,
                                                            n,
                                                            d / Math.max(s, 1e-9));
                                            // The count is progress; the total stays in the log.
                                            if (d == n) {
                                                monitor.log(line);
                                            } else {
                                                monitor.status(line);
                                            }
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
            throw new GraftException("Interrupted while computing embeddings", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new GraftException("Computing embeddings failed: " + cause.getMessage(), cause);
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

    /**
     * Writes a cache file atomically: magic, format, the extractor's and the data's keys, the
     * embeddings, the skipped samples, then a CRC-32 of everything before it.
     *
     * @param file the cache file
     * @param e the embeddings
     * @param modelHash the extractor's key (SHA-256 of its model key)
     * @param dataFingerprint the data's fingerprint
     * @throws IOException when the file cannot be written; the previous one is then unchanged
     */
    static void write(Path file, Embeddings e, String modelHash, String dataFingerprint)
            throws IOException {
        AtomicFiles.write(
                file,
                os -> {
                    CRC32 crc = new CRC32();
                    DataOutputStream out =
                            new DataOutputStream(
                                    new BufferedOutputStream(new CheckedOutputStream(os, crc)));
                    out.writeInt(MAGIC);
                    out.writeInt(FORMAT);
                    out.writeUTF(modelHash);
                    out.writeUTF(dataFingerprint);
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
                        out.writeUTF(s.reason());
                    }
                    out.flush();
                    out.writeLong(crc.getValue());
                    out.flush();
                });
    }

    /**
     * Reads a cache file and verifies it against the data and the extractor.
     *
     * @param file the cache file
     * @param data the split it must hold the embeddings of
     * @param modelHash the extractor's key
     * @param dimension the extractor's embedding dimension, or 0 when unknown
     * @return the embeddings, or why the file does not verify
     */
    static Verified read(Path file, ImageDataset data, String modelHash, int dimension) {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size == 0) {
                return Verified.bad("the file is empty");
            }
            if (size > Integer.MAX_VALUE - 64) {
                return Verified.bad("the file is " + size + " bytes, larger than a cache can be");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            return Verified.bad("it cannot be read: " + e.getMessage());
        }
        if (bytes.length < 4 || ByteBuffer.wrap(bytes).getInt() != MAGIC) {
            return Verified.bad("it is not an embeddings cache");
        }
        if (bytes.length < 8) {
            return Verified.bad("it is truncated: " + bytes.length + " bytes");
        }
        int format = ByteBuffer.wrap(bytes).getInt(4);
        if (format != FORMAT) {
            return Verified.bad("it has format " + format + ", this version reads " + FORMAT);
        }
        if (bytes.length < MIN_BYTES) {
            return Verified.bad("it is truncated: " + bytes.length + " bytes");
        }
        int body = bytes.length - Long.BYTES;
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, body);
        if (crc.getValue() != ByteBuffer.wrap(bytes).getLong(body)) {
            return Verified.bad("it is damaged or truncated: its checksum does not match");
        }
        try (DataInputStream in =
                new DataInputStream(new ByteArrayInputStream(bytes, 8, body - 8))) {
            if (!in.readUTF().equals(modelHash)) {
                return Verified.bad(
                        "it was computed with another backbone, feature node or preprocessing");
            }
            if (!in.readUTF().equals(data.fingerprint())) {
                return Verified.bad("it was computed for other data");
            }
            int n = in.readInt();
            int dim = in.readInt();
            if (n < 0 || n > data.size() || dim < 0 || (n > 0 && dim == 0)) {
                return Verified.bad(
                        "it declares "
                                + n
                                + " embeddings of dimension "
                                + dim
                                + " for "
                                + data.size()
                                + " images");
            }
            if (n > 0 && dimension > 0 && dim != dimension) {
                return Verified.bad(
                        "it holds embeddings of dimension "
                                + dim
                                + ", the backbone's features have "
                                + dimension);
            }
            if ((long) n * dim * Float.BYTES > in.available()) {
                return Verified.bad("it is truncated: its embeddings do not fit in the file");
            }
            Map<String, Integer> index = new HashMap<>();
            List<Sample> samples = data.samples();
            for (int i = 0; i < samples.size(); i++) {
                index.put(samples.get(i).id(), i);
            }
            float[][] vectors = new float[n][dim];
            int[] labels = new int[n];
            List<String> ids = new ArrayList<>(n);
            Set<String> seen = new HashSet<>();
            int previous = -1;
            for (int i = 0; i < n; i++) {
                String id = in.readUTF();
                Integer at = index.get(id);
                if (at == null || at <= previous) {
                    return Verified.bad("it lists the image " + id + " out of the data's order");
                }
                previous = at;
                labels[i] = in.readInt();
                if (labels[i] != samples.get(at).label()) {
                    return Verified.bad(
                            "it gives the image " + id + " another label than the data does");
                }
                for (int j = 0; j < dim; j++) {
                    vectors[i][j] = in.readFloat();
                }
                ids.add(id);
                seen.add(id);
            }
            int skippedCount = in.readInt();
            if (skippedCount != samples.size() - n) {
                return Verified.bad(
                        "it accounts for "
                                + (n + (long) skippedCount)
                                + " images, the data has "
                                + samples.size());
            }
            List<Skipped> skipped = new ArrayList<>(skippedCount);
            for (int i = 0; i < skippedCount; i++) {
                String id = in.readUTF();
                if (!index.containsKey(id) || !seen.add(id)) {
                    return Verified.bad("it lists the skipped image " + id + " wrongly");
                }
                skipped.add(new Skipped(id, in.readUTF()));
            }
            if (in.available() != 0) {
                return Verified.bad("it has " + in.available() + " unexpected bytes at its end");
            }
            return Verified.ok(
                    new Embeddings(vectors, labels, List.copyOf(ids), List.copyOf(skipped)));
        } catch (EOFException | UTFDataFormatException e) {
            return Verified.bad("it is malformed: its records end early");
        } catch (IOException e) {
            return Verified.bad("it cannot be read: " + e.getMessage());
        }
    }
}
