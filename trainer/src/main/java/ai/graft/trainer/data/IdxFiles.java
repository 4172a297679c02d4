package ai.graft.trainer.data;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (MNIST, Fashion-MNIST, KMNIST and the like), plain or gzip-compressed: the IDX
 * source behind {@link Datasets#fromIdx} and {@link Datasets#open}.
 */
final class IdxFiles {
    /** {@code train-images-idx3-ubyte[.gz]}, also with a dot before {@code idx3} (Kaggle). */
    private static final Pattern IMAGES =
            Pattern.compile("(.+)-images[.-]idx3-ubyte(\\.gz)?", Pattern.CASE_INSENSITIVE);

    private IdxFiles() {}

    /** Decoded IDX files: pixels per image, labels. */
    private record Idx(byte[][] images, int rows, int cols, int[] labels) {}

    /** {@link Datasets#fromIdx}. */
    static ImageDataset read(Path images, Path labels, List<String> classNames)
            throws DatasetException {
        Idx idx = readIdx(images, labels);
        List<String> classes = classNames != null ? classNames : digitClasses(maxLabel(idx));
        return idxDataset(idx, classes, images);
    }

    private static int maxLabel(Idx idx) {
        int max = 0;
        for (int l : idx.labels) {
            max = Math.max(max, l);
        }
        return max;
    }

    private static List<String> digitClasses(int maxLabel) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i <= maxLabel; i++) {
            out.add(Integer.toString(i));
        }
        return out;
    }

    private static ImageDataset idxDataset(Idx idx, List<String> classes, Path images)
            throws DatasetException {
        List<Sample> samples = new ArrayList<>(idx.labels.length);
        for (int i = 0; i < idx.labels.length; i++) {
            if (idx.labels[i] >= classes.size()) {
                throw new DatasetException(
                        images
                                + ": image "
                                + i
                                + " has label "
                                + idx.labels[i]
                                + ", but there are only "
                                + classes.size()
                                + " class names "
                                + classes);
            }
            samples.add(
                    Sample.pixels(idx.images[i], idx.cols, idx.rows, idx.labels[i], "idx:" + i));
        }
        return ImageDataset.of(classes, samples);
    }

    private static Idx readIdx(Path images, Path labels) throws DatasetException {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(labels, "labels");
        byte[] img = readMaybeGzip(images);
        byte[] lab = readMaybeGzip(labels);
        int[] imgDims = idxHeader(img, images, 3, "images (idx3-ubyte)");
        int[] labDims = idxHeader(lab, labels, 1, "labels (idx1-ubyte)");
        int n = imgDims[0];
        int rows = imgDims[1];
        int cols = imgDims[2];
        long pixels = (long) rows * cols;
        if (rows <= 0 || cols <= 0) {
            throw new DatasetException(
                    images + ": IDX header declares images of " + rows + "x" + cols + " pixels");
        }
        long need = 16 + n * pixels;
        if (img.length < need) {
            throw new DatasetException(
                    images
                            + ": truncated: the header declares "
                            + n
                            + " images of "
                            + rows
                            + "x"
                            + cols
                            + " ("
                            + need
                            + " bytes), the file has "
                            + img.length);
        }
        if (lab.length < 8L + labDims[0]) {
            throw new DatasetException(
                    labels
                            + ": truncated: the header declares "
                            + labDims[0]
                            + " labels, the file has "
                            + (lab.length - 8));
        }
        if (labDims[0] != n) {
            throw new DatasetException(
                    images
                            + " holds "
                            + n
                            + " images but "
                            + labels
                            + " holds "
                            + labDims[0]
                            + " labels; expected the same count");
        }
        byte[][] out = new byte[n][];
        int[] l = new int[n];
        for (int i = 0; i < n; i++) {
            int from = (int) (16 + i * pixels);
            out[i] = Arrays.copyOfRange(img, from, (int) (from + pixels));
            l[i] = lab[8 + i] & 0xFF;
        }
        return new Idx(out, rows, cols, l);
    }

    /** Checks the magic (unsigned byte data, {@code ndims} dimensions) and returns the dims. */
    private static int[] idxHeader(byte[] b, Path file, int ndims, String what)
            throws DatasetException {
        int headerBytes = 4 + 4 * ndims;
        if (b.length < headerBytes || b[0] != 0 || b[1] != 0 || b[2] != 0x08 || b[3] != ndims) {
            String magic =
                    b.length >= 4
                            ? String.format(
                                    Locale.ROOT,
                                    "0x%02x%02x%02x%02x",
                                    b[0] & 0xFF,
                                    b[1] & 0xFF,
                                    b[2] & 0xFF,
                                    b[3] & 0xFF)
                            : b.length + " bytes";
            throw new DatasetException(
                    file
                            + ": not an IDX file of "
                            + what
                            + ": it starts with "
                            + magic
                            + ", expected 0x000008"
                            + String.format(Locale.ROOT, "%02x", ndims)
                            + " (unsigned bytes, "
                            + ndims
                            + (ndims == 1 ? " dimension)" : " dimensions)"));
        }
        int[] dims = new int[ndims];
        for (int i = 0; i < ndims; i++) {
            int o = 4 + 4 * i;
            dims[i] =
                    ((b[o] & 0xFF) << 24)
                            | ((b[o + 1] & 0xFF) << 16)
                            | ((b[o + 2] & 0xFF) << 8)
                            | (b[o + 3] & 0xFF);
            if (dims[i] < 0) {
                throw new DatasetException(
                        file + ": IDX header declares a negative dimension " + dims[i]);
            }
        }
        return dims;
    }

    private static byte[] readMaybeGzip(Path file) throws DatasetException {
        if (!Files.isRegularFile(file)) {
            throw new DatasetException("IDX file not found: " + file);
        }
        try {
            byte[] raw = Files.readAllBytes(file);
            if (raw.length >= 2 && (raw[0] & 0xFF) == 0x1f && (raw[1] & 0xFF) == 0x8b) {
                try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
                    return in.readAllBytes();
                }
            }
            return raw;
        } catch (IOException e) {
            throw new DatasetException("Cannot read IDX file " + file + ": " + e.getMessage(), e);
        }
    }

    /** IDX image files of a folder by prefix, each with its label file. */
    static Map<String, Path[]> pairs(Path dir) throws DatasetException {
        Map<String, Path[]> out = new TreeMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                Matcher m = IMAGES.matcher(p.getFileName().toString());
                if (m.matches() && Files.isRegularFile(p)) {
                    String prefix = m.group(1);
                    Path[] earlier = out.get(prefix);
                    // Both foo.gz and foo: prefer the plain file (already decompressed).
                    if (earlier == null || earlier[0].toString().endsWith(".gz")) {
                        out.put(prefix, new Path[] {p, labelsFor(dir, prefix, p)});
                    }
                }
            }
        } catch (IOException e) {
            throw new DatasetException("Cannot list dataset folder " + dir + ": " + e, e);
        }
        return out;
    }

    /**
     * A single images file with its label file, by prefix; empty when the file's name is not that
     * of IDX images.
     */
    static Map<String, Path[]> pair(Path images) throws DatasetException {
        Map<String, Path[]> pair = new LinkedHashMap<>();
        Matcher m = IMAGES.matcher(images.getFileName().toString());
        if (m.matches()) {
            pair.put(
                    m.group(1),
                    new Path[] {images, labelsFor(images.getParent(), m.group(1), images)});
        }
        return pair;
    }

    private static Path labelsFor(Path dir, String prefix, Path images) throws DatasetException {
        if (dir == null) {
            dir = Path.of("");
        }
        for (String sep : new String[] {"-", "."}) {
            for (String ext : new String[] {"", ".gz"}) {
                Path p = dir.resolve(prefix + "-labels" + sep + "idx1-ubyte" + ext);
                if (Files.isRegularFile(p)) {
                    return p;
                }
            }
        }
        throw new DatasetException(
                "IDX images "
                        + images
                        + " have no label file: expected "
                        + dir.resolve(prefix + "-labels-idx1-ubyte[.gz]"));
    }

    /**
     * {@link Datasets#open} on IDX files: {@code train} trains, {@code t10k} or {@code test} tests.
     */
    static Splits split(
            Path where, Map<String, Path[]> pairs, double valFraction, long seed, int minPerClass)
            throws DatasetException {
        Path[] train = null;
        Path[] test = null;
        for (Map.Entry<String, Path[]> e : pairs.entrySet()) {
            String p = e.getKey().toLowerCase(Locale.ROOT);
            if (p.equals("train")) {
                train = e.getValue();
            } else if (p.equals("t10k") || p.equals("test")) {
                test = e.getValue();
            }
        }
        if (train == null) {
            if (pairs.size() != 1) {
                throw new DatasetException(
                        "IDX dataset "
                                + where
                                + " has the image files "
                                + pairs.keySet()
                                + "-images-idx3-ubyte; expected train-* (and optionally t10k-* or"
                                + " test-*)");
            }
            train = pairs.values().iterator().next();
            test = null;
        }
        Idx trainIdx = readIdx(train[0], train[1]);
        Idx testIdx = test == null ? null : readIdx(test[0], test[1]);
        int max = maxLabel(trainIdx);
        if (testIdx != null) {
            max = Math.max(max, maxLabel(testIdx));
        }
        List<String> classes = digitClasses(max);
        ImageDataset pool = idxDataset(trainIdx, classes, train[0]);
        ImageDataset testSet = testIdx == null ? null : idxDataset(testIdx, classes, test[0]);
        Path trainImages = train[0];
        return StratifiedSplits.assemble(
                pool,
                null,
                testSet,
                valFraction,
                seed,
                minPerClass,
                c -> "label " + c + " in " + trainImages);
    }
}
