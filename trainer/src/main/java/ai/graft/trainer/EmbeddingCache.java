package ai.graft.trainer;

import ai.graft.converter.ModelEditor;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.ImageException;
import ai.graft.sdk.ImageInput;
import ai.graft.trainer.data.ImageDataset;
import ai.graft.trainer.data.Sample;
import ai.graft.trainer.data.Skipped;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UTFDataFormatException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;

/**
 * Each image's embedding, computed once with the SDK and kept on disk, keyed by the data's
 * fingerprint, the backbone's hash, the feature node and the preprocessing: a second run with the
 * same inputs reads them back instead of running the backbone.
 *
 * <p>The file is written as it is computed, a chunk of images at a time: a header (the extractor's
 * and the data's keys, the number of images), then chunks that each carry the ids, labels and
 * embeddings (or the reason an image could not be read) of consecutive samples and their own
 * CRC-32, forced to disk before the next chunk is computed. A run that is killed part-way leaves
 * whole chunks behind, and the next run computes only the images after them. Chunks are read back
 * only while they verify: the checksum matches, the header was written for this feature extractor
 * and this data, the dimension is the extractor's, and the chunk lists the data's samples in order
 * with their labels. The first chunk that does not verify (truncated, damaged, made for another
 * backbone) is reported in the log, cut off with everything after it, and recomputed. Appending
 * rather than replacing the file is what makes resuming possible; the checksums take the place of
 * an atomic rename.
 *
 * <p>Embeddings are held flat, {@code N x D} floats in one array, never one array per image.
 *
 * <p>The feature extractor is opened only when an embedding must be computed, and closed by {@link
 * #close()}. Not thread-safe.
 */
final class EmbeddingCache implements AutoCloseable {
    private static final int MAGIC = 0x47524645; // "GRFE"

    /**
     * Version 3 writes chunks, each with its checksum, so that an interrupted run resumes; version
     * 2 (one checksum for the whole file) and 1 files are recomputed.
     */
    static final int FORMAT = 3;

    /** Images per chunk unless a test asks for fewer. */
    static final int CHUNK = 512;

    private static final byte OK = 1;
    private static final byte SKIPPED = 0;

    /** Computes one image's embedding. */
    interface Extractor extends AutoCloseable {
        /**
         * @param input the image
         * @return its embedding
         * @throws ImageException when the image cannot be read
         */
        float[] embed(ImageInput input) throws ImageException;

        @Override
        void close();

        /** The extractor of a classifier whose {@link ModelEditor#FEATURES} output it returns. */
        static Extractor of(ImageClassifier classifier) {
            return new Extractor() {
                @Override
                public float[] embed(ImageInput input) throws ImageException {
                    return classifier.embed(input, ModelEditor.FEATURES);
                }

                @Override
                public void close() {
                    classifier.close();
                }
            };
        }
    }

    /** Opens the feature extractor when an embedding has to be computed. */
    @FunctionalInterface
    interface ExtractorOpener {
        /**
         * @return the extractor
         * @throws GraftException when the extractor cannot be opened
         */
        Extractor open() throws GraftException;
    }

    /**
     * The embeddings of one split: rows in sample order, undecodable samples left out.
     *
     * @param vectors the rows, flat: row {@code i} is {@code [i * dimension, (i + 1) * dimension)};
     *     the array may be longer than {@code size() * dimension} (the room of the skipped images,
     *     unused)
     * @param dimension the width of a row
     * @param labels each row's class
     * @param ids each row's sample id
     * @param skipped the samples that could not be read
     */
    record Embeddings(
            float[] vectors, int dimension, int[] labels, List<String> ids, List<Skipped> skipped) {
        Embeddings {
            if ((long) labels.length * dimension > vectors.length || ids.size() != labels.length) {
                throw new IllegalArgumentException(
                        labels.length
                                + " rows of "
                                + dimension
                                + " do not fit "
                                + vectors.length
                                + " floats and "
                                + ids.size()
                                + " ids");
            }
        }

        int size() {
            return labels.length;
        }

        /** A copy of row {@code i}. */
        float[] row(int i) {
            return Arrays.copyOfRange(vectors, i * dimension, (i + 1) * dimension);
        }
    }

    /**
     * What a cache file holds that verifies: its first {@code covered} samples (embedded or
     * skipped), the byte offset where the verified part ends, and why the rest does not verify
     * (null when the file ends cleanly after whole chunks).
     */
    record Verified(
            int covered,
            long end,
            int dimension,
            float[] vectors,
            int[] labels,
            List<String> ids,
            List<Skipped> skipped,
            String problem) {
        static Verified bad(String problem) {
            return new Verified(0, 0, 0, null, new int[0], List.of(), List.of(), problem);
        }

        /** Rows read so far. */
        int rows() {
            return ids.size();
        }
    }

    private final Path dir;
    private final String modelHash;
    private final int dimension;
    private final ExtractorOpener opener;
    private final int chunk;
    private Extractor extractor;
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
        this(dir, modelKey, dimension, opener, CHUNK);
    }

    EmbeddingCache(Path dir, String modelKey, int dimension, ExtractorOpener opener, int chunk) {
        if (chunk < 1) {
            throw new IllegalArgumentException("chunk must be at least 1, got " + chunk);
        }
        this.dir = dir;
        this.modelHash = Backbone.sha256(modelKey.getBytes(StandardCharsets.UTF_8));
        this.dimension = dimension;
        this.opener = opener;
        this.chunk = chunk;
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
     * The split's embeddings: from the cache as far as its file verifies, the rest computed (in
     * parallel) and appended to it. A file that does not verify is named in the log with the
     * reason; a file that ends after whole chunks (an interrupted run) is resumed, saying so.
     *
     * @throws GraftException when the extractor cannot be opened or the cache cannot be written
     */
    Embeddings get(ImageDataset data, String split, int threads, TrainingMonitor monitor)
            throws GraftException {
        Path file = file(data);
        int n = data.size();
        Verified v = Verified.bad(null);
        if (Files.exists(file)) {
            v = read(file, data, modelHash, dimension);
            if (v.covered() == n && v.problem() == null) {
                reused += v.rows();
                monitor.log(
                        String.format(
                                Locale.ROOT,
                                "%s: %d embeddings from the cache (%s)",
                                split,
                                v.rows(),
                                file.getFileName()));
                return new Embeddings(v.vectors(), v.dimension(), v.labels(), v.ids(), v.skipped());
            }
            if (v.problem() != null) {
                monitor.log(
                        split
                                + ": the embeddings cache "
                                + file
                                + " does not verify ("
                                + v.problem()
                                + "); "
                                + (v.covered() == 0
                                        ? "recomputing it"
                                        : "keeping its first "
                                                + v.covered()
                                                + " images, computing the other "
                                                + (n - v.covered())));
            } else {
                monitor.log(
                        String.format(
                                Locale.ROOT,
                                "%s: resuming an interrupted cache (%s): %d of %d images from it,"
                                        + " computing the other %d",
                                split,
                                file.getFileName(),
                                v.covered(),
                                n,
                                n - v.covered()));
            }
        }
        reused += v.rows();
        try {
            Files.createDirectories(dir);
        } catch (IOException x) {
            throw new GraftException("Cannot create " + dir + ": " + x.getMessage(), x);
        }
        return compute(file, data, split, v, threads, monitor);
    }

    /** Closes the extractor if one was opened. */
    @Override
    public void close() {
        if (extractor != null) {
            extractor.close();
            extractor = null;
        }
    }

    /**
     * Computes the samples after the verified part {@code v} of the file, a chunk at a time,
     * appending each chunk to the file before the next.
     */
    private Embeddings compute(
            Path file,
            ImageDataset data,
            String split,
            Verified v,
            int threads,
            TrainingMonitor monitor)
            throws GraftException {
        List<Sample> samples = data.samples();
        int n = samples.size();
        int dim = v.dimension() > 0 ? v.dimension() : dimension;
        float[] flat = dim > 0 ? grow(v.vectors(), (long) n * dim) : null;
        int rows = v.rows();
        int[] labels = Arrays.copyOf(v.labels(), n);
        List<String> ids = new ArrayList<>(v.ids());
        List<Skipped> skipped = new ArrayList<>(v.skipped());
        int workers = Math.max(1, Math.min(threads, n));
        ExecutorService pool = workers > 1 ? Executors.newFixedThreadPool(workers) : null;
        long start = System.nanoTime();
        int first = v.covered();
        try (FileChannel out =
                FileChannel.open(
                        file,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE,
                        StandardOpenOption.READ)) {
            if (first == 0) {
                out.truncate(0);
                out.position(0);
                writeFully(out, header(modelHash, data.fingerprint(), n));
            } else {
                out.truncate(v.end());
                out.position(v.end());
            }
            if (first < n && extractor == null) {
                extractor = opener.open();
            }
            while (first < n) {
                int count = Math.min(chunk, n - first);
                float[][] got = new float[count][];
                String[] errors = new String[count];
                embedChunk(samples, first, got, errors, pool, workers);
                for (int j = 0; j < count; j++) {
                    Sample s = samples.get(first + j);
                    if (got[j] == null) {
                        skipped.add(new Skipped(s.id(), errors[j]));
                        continue;
                    }
                    if (dim == 0) {
                        dim = got[j].length;
                        flat = new float[(int) Math.min(Integer.MAX_VALUE, (long) n * dim)];
                    } else if (got[j].length != dim) {
                        throw new GraftException(
                                "The feature extractor gave "
                                        + got[j].length
                                        + " values for "
                                        + s.id()
                                        + ", "
                                        + dim
                                        + " for the images before it");
                    }
                    System.arraycopy(got[j], 0, flat, rows * dim, dim);
                    labels[rows] = s.label();
                    ids.add(s.id());
                    rows++;
                }
                writeFully(out, chunkBytes(samples, first, got, errors, dim));
                out.force(false);
                first += count;
                computed += count - countNull(got);
                int done = first - v.covered();
                double seconds = (System.nanoTime() - start) / 1e9;
                String line =
                        String.format(
                                Locale.ROOT,
                                "%s: embedded %d/%d images (%.0f/s)",
                                split,
                                first,
                                n,
                                done / Math.max(seconds, 1e-9));
                // The count is progress; the total stays in the log.
                if (first == n) {
                    monitor.log(line);
                } else {
                    monitor.status(line);
                }
            }
        } catch (IOException x) {
            throw new GraftException(
                    "Cannot write the embeddings cache " + file + ": " + x.getMessage(), x);
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
        return new Embeddings(
                flat == null ? new float[0] : flat,
                Math.max(dim, 0),
                Arrays.copyOf(labels, rows),
                List.copyOf(ids),
                List.copyOf(skipped));
    }

    private void embedChunk(
            List<Sample> samples,
            int first,
            float[][] got,
            String[] errors,
            ExecutorService pool,
            int workers)
            throws GraftException {
        if (pool == null) {
            embedRange(samples, first, got, errors, 0, 1);
            return;
        }
        List<Future<?>> futures = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            int offset = w;
            futures.add(
                    pool.submit(
                            () -> {
                                embedRange(samples, first, got, errors, offset, workers);
                                return null;
                            }));
        }
        try {
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GraftException("Interrupted while computing embeddings", e);
        } catch (ExecutionException e) {
            for (Future<?> f : futures) {
                f.cancel(true);
            }
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            throw new GraftException("Computing embeddings failed: " + cause.getMessage(), cause);
        }
    }

    private void embedRange(
            List<Sample> samples,
            int first,
            float[][] got,
            String[] errors,
            int offset,
            int stride) {
        for (int j = offset; j < got.length; j += stride) {
            try {
                got[j] = extractor.embed(samples.get(first + j).input());
            } catch (ImageException e) {
                errors[j] = e.getMessage();
            }
        }
    }

    private static int countNull(float[][] rows) {
        int c = 0;
        for (float[] r : rows) {
            c += r == null ? 1 : 0;
        }
        return c;
    }

    private static float[] grow(float[] have, long size) {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    size + " embedding values do not fit in one array; use fewer images");
        }
        if (have != null && have.length == size) {
            return have;
        }
        return have == null ? new float[(int) size] : Arrays.copyOf(have, (int) size);
    }

    private static void writeFully(FileChannel out, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            out.write(b);
        }
    }

    /** magic, format, the extractor's key, the data's fingerprint, the image count, CRC-32. */
    static byte[] header(String modelHash, String dataFingerprint, int n) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(MAGIC);
        out.writeInt(FORMAT);
        out.writeUTF(modelHash);
        out.writeUTF(dataFingerprint);
        out.writeInt(n);
        out.flush();
        CRC32 crc = new CRC32();
        crc.update(bytes.toByteArray());
        out.writeLong(crc.getValue());
        out.flush();
        return bytes.toByteArray();
    }

    /**
     * One chunk: the index of its first sample, the count, the dimension, then per sample its id,
     * label and either its embedding or the reason it was skipped; then the CRC-32 of all that.
     */
    static byte[] chunkBytes(
            List<Sample> samples, int first, float[][] got, String[] errors, int dim)
            throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + got.length * (dim * 4 + 40));
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(first);
        out.writeInt(got.length);
        out.writeInt(Math.max(dim, 0));
        ByteBuffer row = ByteBuffer.allocate(Math.max(dim, 0) * Float.BYTES);
        for (int j = 0; j < got.length; j++) {
            Sample s = samples.get(first + j);
            out.writeUTF(s.id());
            out.writeInt(s.label());
            if (got[j] == null) {
                out.writeByte(SKIPPED);
                out.writeUTF(errors[j] == null ? "unreadable" : errors[j]);
            } else {
                out.writeByte(OK);
                row.clear();
                row.asFloatBuffer().put(got[j]);
                out.write(row.array(), 0, dim * Float.BYTES);
            }
        }
        out.flush();
        CRC32 crc = new CRC32();
        crc.update(bytes.toByteArray());
        out.writeLong(crc.getValue());
        out.flush();
        return bytes.toByteArray();
    }

    /**
     * Reads a cache file as far as it verifies against the data and the extractor.
     *
     * @param file the cache file
     * @param data the split it must hold the embeddings of
     * @param modelHash the extractor's key
     * @param dimension the extractor's embedding dimension, or 0 when unknown
     * @return the verified samples, where they end, and why the rest does not verify
     */
    static Verified read(Path file, ImageDataset data, String modelHash, int dimension) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            return Verified.bad("it cannot be read: " + e.getMessage());
        }
        if (size == 0) {
            return Verified.bad("the file is empty");
        }
        try (InputStream raw = Files.newInputStream(file);
                CountingInput counting = new CountingInput(raw, size);
                DataInputStream in = new DataInputStream(counting)) {
            return read(in, counting, data, modelHash, dimension);
        } catch (IOException e) {
            return Verified.bad("it cannot be read: " + e.getMessage());
        }
    }

    private static Verified read(
            DataInputStream in,
            CountingInput counting,
            ImageDataset data,
            String modelHash,
            int dimension)
            throws IOException {
        List<Sample> samples = data.samples();
        int n = samples.size();
        try {
            counting.startCrc();
            if (counting.size() < 4 || in.readInt() != MAGIC) {
                return Verified.bad("it is not an embeddings cache");
            }
            int format = in.readInt();
            if (format != FORMAT) {
                return Verified.bad("it has format " + format + ", this version reads " + FORMAT);
            }
            String model = in.readUTF();
            String fingerprint = in.readUTF();
            int count = in.readInt();
            long crc = counting.crc();
            if (in.readLong() != crc) {
                return Verified.bad("its header is damaged: its checksum does not match");
            }
            if (!model.equals(modelHash)) {
                return Verified.bad(
                        "it was computed with another backbone, feature node or preprocessing");
            }
            if (!fingerprint.equals(data.fingerprint())) {
                return Verified.bad("it was computed for other data");
            }
            if (count != n) {
                return Verified.bad("it is for " + count + " images, the data has " + n);
            }
        } catch (EOFException | UTFDataFormatException e) {
            return Verified.bad("it is truncated: its header ends early");
        }
        long end = counting.position();
        int covered = 0;
        int dim = 0;
        float[] flat = null;
        int[] labels = new int[n];
        List<String> ids = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        int rows = 0;
        String problem = null;
        while (covered < n) {
            if (counting.position() == counting.size()) {
                break; // an interrupted run: whole chunks, then nothing
            }
            counting.startCrc();
            int rowsBefore = rows;
            int skippedBefore = skipped.size();
            try {
                int first = in.readInt();
                int count = in.readInt();
                int d = in.readInt();
                if (first != covered || count < 1 || count > n - covered) {
                    problem =
                            "a chunk after image "
                                    + covered
                                    + " declares images "
                                    + first
                                    + " to "
                                    + (first + (long) count);
                    break;
                }
                if (d < 0
                        || (dim > 0 && d > 0 && d != dim)
                        || (dimension > 0 && d > 0 && d != dimension)) {
                    problem =
                            "it holds embeddings of dimension "
                                    + d
                                    + ", the backbone's features have "
                                    + (dimension > 0 ? dimension : dim);
                    break;
                }
                if (d > 0 && flat == null) {
                    dim = d;
                    if ((long) n * dim > Integer.MAX_VALUE - 8) {
                        problem = n + " embeddings of " + dim + " do not fit in one array";
                        break;
                    }
                    flat = new float[n * dim];
                }
                String bad = null;
                byte[] row = new byte[Math.max(d, 0) * Float.BYTES];
                for (int j = 0; j < count && bad == null; j++) {
                    Sample s = samples.get(first + j);
                    String id = in.readUTF();
                    int label = in.readInt();
                    byte kind = in.readByte();
                    if (!id.equals(s.id())) {
                        bad = "it lists the image " + id + " out of the data's order";
                    } else if (label != s.label()) {
                        bad = "it gives the image " + id + " another label than the data does";
                    } else if (kind == OK && d > 0) {
                        in.readFully(row);
                        ByteBuffer.wrap(row).asFloatBuffer().get(flat, rows * dim, dim);
                        labels[rows] = label;
                        ids.add(id);
                        rows++;
                    } else if (kind == SKIPPED) {
                        skipped.add(new Skipped(id, in.readUTF()));
                    } else {
                        bad = "it marks the image " + id + " with an unknown kind " + kind;
                    }
                }
                long crc = counting.crc();
                if (bad == null && in.readLong() != crc) {
                    bad = "it is damaged after image " + covered + ": a checksum does not match";
                }
                if (bad != null) {
                    problem = bad;
                } else {
                    covered += count;
                    end = counting.position();
                }
            } catch (EOFException | UTFDataFormatException e) {
                problem = "it is truncated after image " + covered + ": a chunk ends early";
            }
            if (problem != null) {
                // Nothing of a chunk that does not verify is kept.
                rows = rowsBefore;
                trim(ids, rowsBefore);
                trim(skipped, skippedBefore);
                break;
            }
        }
        if (problem == null && covered == n && counting.position() < counting.size()) {
            problem = "it has " + (counting.size() - end) + " unexpected bytes at its end";
        }
        return new Verified(
                covered,
                end,
                dim,
                flat,
                Arrays.copyOf(labels, rows),
                List.copyOf(ids),
                List.copyOf(skipped),
                problem);
    }

    private static void trim(List<?> list, int size) {
        while (list.size() > size) {
            list.remove(list.size() - 1);
        }
    }

    /** Counts the bytes read and keeps a CRC-32 of those since the last {@link #startCrc()}. */
    private static final class CountingInput extends InputStream {
        private final InputStream in;
        private final long size;
        private final CRC32 crc = new CRC32();
        private long position;

        CountingInput(InputStream in, long size) {
            this.in = new java.io.BufferedInputStream(in, 1 << 16);
            this.size = size;
        }

        long size() {
            return size;
        }

        long position() {
            return position;
        }

        void startCrc() {
            crc.reset();
        }

        long crc() {
            return crc.getValue();
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                crc.update(b);
                position++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int r = in.read(b, off, len);
            if (r > 0) {
                crc.update(b, off, r);
                position += r;
            }
            return r;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
