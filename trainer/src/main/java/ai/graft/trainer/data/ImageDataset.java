package ai.graft.trainer.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * An immutable set of labelled images: the class names (index = label) and the samples. Made by
 * {@link Datasets}; {@link #subset} and {@link #limitPerClass} derive smaller sets with the same
 * classes. Thread-safe.
 */
public final class ImageDataset {
    private final List<String> classes;
    private final List<Sample> samples;
    private volatile String fingerprint;

    private ImageDataset(List<String> classes, List<Sample> samples) {
        this.classes = classes;
        this.samples = samples;
    }

    /**
     * A dataset of the given classes and samples.
     *
     * @param classes the class names, index = label; unique, not blank
     * @param samples the samples; labels within {@code [0, classes.size())}, ids unique
     * @return the dataset
     * @throws IllegalArgumentException for a duplicate or blank class name, a label out of range or
     *     a duplicate id
     */
    public static ImageDataset of(List<String> classes, List<Sample> samples) {
        Objects.requireNonNull(classes, "classes");
        Objects.requireNonNull(samples, "samples");
        Set<String> seen = new HashSet<>();
        for (String c : classes) {
            if (c == null || c.isBlank()) {
                throw new IllegalArgumentException("Class names must not be blank, got " + classes);
            }
            if (!seen.add(c)) {
                throw new IllegalArgumentException(
                        "Class '" + c + "' is listed twice in " + classes);
            }
        }
        List<String> classCopy = List.copyOf(classes);
        List<Sample> sampleCopy = List.copyOf(samples);
        checkSamples(classCopy, sampleCopy);
        return new ImageDataset(classCopy, sampleCopy);
    }

    private static void checkSamples(List<String> classes, List<Sample> samples) {
        Set<String> ids = new HashSet<>(samples.size() * 2);
        for (Sample s : samples) {
            if (s.label() >= classes.size()) {
                throw new IllegalArgumentException(
                        "Sample "
                                + s.id()
                                + " has label "
                                + s.label()
                                + ", expected an index below "
                                + classes.size()
                                + " (classes "
                                + classes
                                + ")");
            }
            if (!ids.add(s.id())) {
                throw new IllegalArgumentException(
                        "Sample id " + s.id() + " occurs twice; ids must be unique in a dataset");
            }
        }
    }

    /**
     * The class names; index = label.
     *
     * @return an unmodifiable list
     */
    public List<String> classes() {
        return classes;
    }

    /**
     * The samples, in the dataset's order (for folders: class by class, files sorted by path).
     *
     * @return an unmodifiable list
     */
    public List<Sample> samples() {
        return samples;
    }

    /**
     * The number of samples.
     *
     * @return the size
     */
    public int size() {
        return samples.size();
    }

    /**
     * The number of samples of each class.
     *
     * @return a new array, index = label
     */
    public int[] countsPerClass() {
        int[] counts = new int[classes.size()];
        for (Sample s : samples) {
            counts[s.label()]++;
        }
        return counts;
    }

    /**
     * A SHA-256 fingerprint of the data, recorded in the model card so that a model can be traced
     * to what it was trained on: over the class names and, for the samples sorted by id, each id,
     * its content key (file size in bytes, or -1 when it cannot be read; for in-memory images their
     * size and pixels) and its label. The same files give the same fingerprint in any order.
     *
     * @return 64 lowercase hex digits
     */
    public String fingerprint() {
        String f = fingerprint;
        if (f == null) {
            f = computeFingerprint();
            fingerprint = f;
        }
        return f;
    }

    private String computeFingerprint() {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
        ByteBuffer num = ByteBuffer.allocate(Long.BYTES);
        putLong(md, num, classes.size());
        for (String c : classes) {
            putString(md, num, c);
        }
        List<Sample> sorted = new ArrayList<>(samples);
        sorted.sort(Comparator.comparing(Sample::id).thenComparingInt(Sample::label));
        putLong(md, num, sorted.size());
        for (Sample s : sorted) {
            putString(md, num, s.id());
            if (s.isInMemory()) {
                putLong(md, num, s.width());
                putLong(md, num, s.height());
                md.update(s.pixels());
            } else {
                long size;
                try {
                    size = Files.size(s.file());
                } catch (IOException | SecurityException e) {
                    size = -1; // the loader reports it as skipped; the fingerprint still exists
                }
                putLong(md, num, size);
            }
            putLong(md, num, s.label());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void putLong(MessageDigest md, ByteBuffer num, long v) {
        num.clear();
        num.putLong(v);
        md.update(num.array());
    }

    private static void putString(MessageDigest md, ByteBuffer num, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        putLong(md, num, b.length);
        md.update(b);
    }

    /**
     * A dataset with the same classes and other samples (for example one part of a split).
     *
     * @param samples the samples; labels must index this dataset's classes
     * @return the new dataset
     * @throws IllegalArgumentException for a label out of range or a duplicate id
     */
    public ImageDataset subset(List<Sample> samples) {
        Objects.requireNonNull(samples, "samples");
        List<Sample> copy = List.copyOf(samples);
        checkSamples(classes, copy);
        return new ImageDataset(classes, copy);
    }

    /**
     * At most {@code n} samples of each class, chosen at random with a seed, in this dataset's
     * order. Each class's choice depends only on the seed and that class's samples, so adding a
     * class does not change what the others keep.
     *
     * @param n the most samples to keep per class, positive
     * @param seed the seed
     * @return the new dataset; this one when no class has more than {@code n}
     * @throws IllegalArgumentException when {@code n} is not positive
     */
    public ImageDataset limitPerClass(int n, long seed) {
        if (n <= 0) {
            throw new IllegalArgumentException("Samples per class must be positive, got " + n);
        }
        int[][] byClass = indicesByClass(this);
        boolean[] keep = new boolean[samples.size()];
        boolean changed = false;
        for (int c = 0; c < byClass.length; c++) {
            int[] idx = byClass[c];
            if (idx.length <= n) {
                for (int i : idx) {
                    keep[i] = true;
                }
                continue;
            }
            changed = true;
            int[] shuffled = idx.clone();
            new Rng(Rng.seed(seed, Rng.LIMIT, c)).shuffle(shuffled);
            for (int k = 0; k < n; k++) {
                keep[shuffled[k]] = true;
            }
        }
        if (!changed) {
            return this;
        }
        List<Sample> kept = new ArrayList<>();
        for (int i = 0; i < keep.length; i++) {
            if (keep[i]) {
                kept.add(samples.get(i));
            }
        }
        return new ImageDataset(classes, List.copyOf(kept));
    }

    /** For each class, the indices of its samples in dataset order. */
    static int[][] indicesByClass(ImageDataset d) {
        int[] counts = d.countsPerClass();
        int[][] out = new int[counts.length][];
        for (int c = 0; c < counts.length; c++) {
            out[c] = new int[counts[c]];
        }
        int[] fill = new int[counts.length];
        List<Sample> s = d.samples;
        for (int i = 0; i < s.size(); i++) {
            int c = s.get(i).label();
            out[c][fill[c]++] = i;
        }
        return out;
    }

    @Override
    public String toString() {
        return "ImageDataset["
                + samples.size()
                + " samples, classes "
                + classes
                + ", per class "
                + Arrays.toString(countsPerClass())
                + "]";
    }
}
