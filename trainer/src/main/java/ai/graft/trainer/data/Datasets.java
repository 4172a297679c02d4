package ai.graft.trainer.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Reads labelled image sets: folders of class folders, CSV manifests and IDX files (the MNIST
 * family), and splits them into training, validation and test sets.
 *
 * <pre>{@code
 * Splits splits = Datasets.open(Path.of("data/hymenoptera"), 0.2, 42, 5);
 * ImageDataset train = splits.train();
 * try (BatchLoader loader = new BatchLoader(train, Preprocessing.imagenet(224, 224),
 *         Augmentation.standard(), 32, true, 42, 4)) {
 *     Iterator<Batch> batches = loader.epoch(0);
 *     ...
 * }
 * }</pre>
 *
 * <p>Only names and labels are read here; images are decoded when they are used, and one that does
 * not decode is skipped then ({@link BatchLoader#skipped()}), never an error of the whole set.
 * Structural problems (a missing folder, a malformed manifest or IDX file, a class with too few
 * images) are {@link DatasetException}s, raised before any training.
 */
public final class Datasets {
    // Each source is read by its own package-private class: ClassFolders, CsvManifests and
    // IdxFiles; StratifiedSplits checks and splits what they read, ReadableImages checks it again
    // once the images have been decoded.

    private Datasets() {}

    /**
     * Reads a folder with one sub-folder per class, or with {@code train/}, {@code val/} (also
     * {@code valid/} or {@code validation/}) and {@code test/} sub-folders each holding class
     * folders. Without a validation folder, a seeded stratified split of {@code valFraction} of
     * each class becomes the validation set. Class names are the training folder's class folders,
     * sorted; hidden files and folders and files without an image extension (jpg, jpeg, png, bmp,
     * gif, tif, tiff, webp) are ignored; images in nested folders of a class folder belong to that
     * class.
     *
     * @param root the dataset folder
     * @param valFraction the share of each class held out for validation when there is no
     *     validation folder, in {@code [0, 1)}; 0 = no validation set
     * @param seed the seed of the split
     * @param minPerClass the fewest images a training class may have (before the split), at least 0
     * @return the splits; {@code test} only from a test folder
     * @throws DatasetException when the folder is missing or has no class folders or images, when
     *     it has fewer than two classes, when a validation or test class is not a training class,
     *     or when a class has fewer than {@code minPerClass} images (the message names each such
     *     class and its count)
     * @throws IllegalArgumentException when {@code valFraction} or {@code minPerClass} is out of
     *     range
     */
    public static Splits fromFolder(Path root, double valFraction, long seed, int minPerClass)
            throws DatasetException {
        return ClassFolders.split(root, valFraction, seed, minPerClass);
    }

    /**
     * Reads one folder of class folders (for example a validation set to evaluate on). Class names
     * are the sub-folders' names, sorted; ids are paths relative to {@code dir}.
     *
     * @param dir the folder
     * @return the dataset
     * @throws DatasetException when the folder is missing or holds no class folders or no images
     */
    public static ImageDataset classFolders(Path dir) throws DatasetException {
        return ClassFolders.read(dir);
    }

    /**
     * Checks the training set once its images have been read: images that could not be read do not
     * count, so each class must keep at least one readable image, and at least {@code minPerClass}
     * where it had that many (a split can leave a class fewer training images than the minimum the
     * whole set was checked against; those must then all be readable).
     *
     * @param train the training set
     * @param skipped the samples that could not be read (of any split; others are ignored)
     * @param minPerClass the fewest images a class may have, as given to {@link #open}
     * @param data the dataset's path, for the message
     * @throws DatasetException naming each class left short, how many of its images could not be
     *     read, and the first few of them with the reason
     */
    public static void requireReadable(
            ImageDataset train, Collection<Skipped> skipped, int minPerClass, Path data)
            throws DatasetException {
        ReadableImages.require(train, skipped, minPerClass, data);
    }

    /**
     * Reads a CSV manifest: a header row with (at least) the columns {@code path} and {@code label}
     * (any order, case-insensitive), then one row per image. Relative paths are resolved against
     * the CSV file's folder; a label is a class name, and the classes are sorted (numerically when
     * every label is an integer). Fields may be quoted as RFC 4180 says. An optional {@code split}
     * column is used by {@link #open}; here every row is included.
     *
     * @param csv the manifest
     * @return the dataset; ids are the paths as written in the manifest
     * @throws DatasetException when the file cannot be read, lacks a column, has an empty field or
     *     a path listed twice (the message gives the line), or when none of the listed files exists
     */
    public static ImageDataset fromCsv(Path csv) throws DatasetException {
        return CsvManifests.read(csv);
    }

    /**
     * Reads an IDX image file and its label file (MNIST, Fashion-MNIST, KMNIST and the like),
     * gzip-compressed or plain (recognised from the content). Images become 8-bit gray samples with
     * ids {@code idx:<n>}, {@code n} counted from 0 in file order.
     *
     * @param images the {@code *-images-idx3-ubyte[.gz]} file: unsigned bytes, 3 dimensions
     * @param labels the {@code *-labels-idx1-ubyte[.gz]} file: unsigned bytes, 1 dimension
     * @param classNames the class names, index = label; {@code null} for {@code "0"} up to the
     *     largest label
     * @return the dataset
     * @throws DatasetException when a file is missing, not IDX of the expected type, truncated, the
     *     counts differ, or a label has no class name
     */
    public static ImageDataset fromIdx(Path images, Path labels, List<String> classNames)
            throws DatasetException {
        return IdxFiles.read(images, labels, classNames);
    }

    /**
     * Opens a dataset of any supported kind and splits it:
     *
     * <ul>
     *   <li>a folder of IDX files ({@code <prefix>-images-idx3-ubyte[.gz]} with {@code
     *       <prefix>-labels-idx1-ubyte[.gz]}, as Fashion-MNIST and MNIST ship): {@code train}
     *       trains, {@code t10k} (or {@code test}) is the test set; a folder with a single pair
     *       trains on it. Classes {@code "0"} up to the largest label. A single {@code
     *       *-images-idx3-ubyte} file works too;
     *   <li>a {@code .csv} manifest ({@link #fromCsv}); with a {@code split} column, rows marked
     *       {@code train}, {@code val} (or {@code valid}, {@code validation}) and {@code test} go
     *       to those sets (a blank split trains);
     *   <li>any other folder: {@link #fromFolder}.
     * </ul>
     *
     * Without validation data, a seeded stratified {@code valFraction} of each training class is
     * held out; {@code minPerClass} is checked on the training data before that split.
     *
     * @param path the folder or file
     * @param valFraction the share held out for validation when there is no validation data, in
     *     {@code [0, 1)}
     * @param seed the seed of the split
     * @param minPerClass the fewest images a training class may have, at least 0
     * @return the splits
     * @throws DatasetException when the path is missing or of no supported kind, or as the readers
     *     of each kind say
     * @throws IllegalArgumentException when {@code valFraction} or {@code minPerClass} is out of
     *     range
     */
    public static Splits open(Path path, double valFraction, long seed, int minPerClass)
            throws DatasetException {
        Objects.requireNonNull(path, "path");
        StratifiedSplits.checkArguments(valFraction, minPerClass);
        if (!Files.exists(path)) {
            throw new DatasetException(
                    "Dataset not found: "
                            + path
                            + "; expected a folder of class folders, a .csv manifest or a folder"
                            + " of IDX files");
        }
        if (Files.isDirectory(path)) {
            Map<String, Path[]> idx = IdxFiles.pairs(path);
            if (!idx.isEmpty()) {
                return IdxFiles.split(path, idx, valFraction, seed, minPerClass);
            }
            return fromFolder(path, valFraction, seed, minPerClass);
        }
        String name = path.getFileName().toString();
        if (name.toLowerCase(Locale.ROOT).endsWith(".csv")) {
            return CsvManifests.split(path, valFraction, seed, minPerClass);
        }
        Map<String, Path[]> pair = IdxFiles.pair(path);
        if (!pair.isEmpty()) {
            return IdxFiles.split(path, pair, valFraction, seed, minPerClass);
        }
        throw new DatasetException(
                "Unsupported dataset file "
                        + path
                        + "; expected a folder of class folders, a .csv manifest (columns"
                        + " path,label) or IDX files (*-images-idx3-ubyte[.gz])");
    }

    /**
     * Writes splits as a CSV manifest ({@code path} absolute, {@code label}, {@code split}: train,
     * val, test) that {@link #open} reads back into the same images in the same three sets,
     * whatever the seed or validation fraction then: a split made once can be trained on by several
     * runs. Written atomically.
     *
     * @param csv the manifest to write
     * @param splits the splits; every sample must be a file
     * @throws DatasetException when a sample is an image in memory (IDX data), or the file cannot
     *     be written
     */
    public static void writeManifest(Path csv, Splits splits) throws DatasetException {
        Objects.requireNonNull(csv, "csv");
        Objects.requireNonNull(splits, "splits");
        ManifestWriter.write(csv, splits);
    }

    /**
     * How many of a class's {@code n} images go to validation (kept here for the tests; see {@link
     * StratifiedSplits#valCount}).
     */
    static int valCount(int n, double f) {
        return StratifiedSplits.valCount(n, f);
    }
}
