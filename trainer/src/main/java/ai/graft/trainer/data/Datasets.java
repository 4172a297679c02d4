package ai.graft.trainer.data;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

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
    /** File name extensions (lower case) taken as images in class folders. */
    static final Set<String> IMAGE_EXTENSIONS =
            Set.of("jpg", "jpeg", "png", "bmp", "gif", "tif", "tiff", "webp");

    private static final Set<String> TRAIN_NAMES = Set.of("train");
    private static final Set<String> VAL_NAMES = Set.of("val", "valid", "validation");
    private static final Set<String> TEST_NAMES = Set.of("test");

    /** {@code train-images-idx3-ubyte[.gz]}, also with a dot before {@code idx3} (Kaggle). */
    private static final Pattern IDX_IMAGES =
            Pattern.compile("(.+)-images[.-]idx3-ubyte(\\.gz)?", Pattern.CASE_INSENSITIVE);

    private static final Pattern INTEGER = Pattern.compile("-?\\d{1,18}");

    private Datasets() {}

    // ------------------------------------------------------------------------------------------
    // Folders

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
        checkArguments(valFraction, minPerClass);
        requireDirectory(root);
        Map<String, Path> dirs = subfolders(root);
        Path trainDir = find(dirs, TRAIN_NAMES);
        if (trainDir == null) {
            Folder all = Folder.scan(root, root);
            ImageDataset pool = all.toDataset(all.classes, null);
            return assemble(pool, null, null, valFraction, seed, minPerClass, c -> root.resolve(c));
        }
        Path valDir = find(dirs, VAL_NAMES);
        Path testDir = find(dirs, TEST_NAMES);
        List<String> others = new ArrayList<>();
        for (Map.Entry<String, Path> e : dirs.entrySet()) {
            String lower = e.getKey().toLowerCase(Locale.ROOT);
            if (!TRAIN_NAMES.contains(lower)
                    && !VAL_NAMES.contains(lower)
                    && !TEST_NAMES.contains(lower)) {
                others.add(e.getKey());
            }
        }
        if (!others.isEmpty()) {
            throw new DatasetException(
                    "Dataset folder "
                            + root
                            + " has a train/ folder and also the folders "
                            + others
                            + "; expected either split folders (train/, val/, test/) holding class"
                            + " folders, or class folders only");
        }
        Folder train = Folder.scan(trainDir, root);
        ImageDataset pool = train.toDataset(train.classes, null);
        ImageDataset val = null;
        if (valDir != null) {
            Folder v = Folder.scan(valDir, root);
            val = v.toDataset(train.classes, trainDir);
        }
        ImageDataset test = null;
        if (testDir != null) {
            Folder t = Folder.scan(testDir, root);
            test = t.toDataset(train.classes, trainDir);
        }
        return assemble(pool, val, test, valFraction, seed, minPerClass, c -> trainDir.resolve(c));
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
        requireDirectory(dir);
        Folder f = Folder.scan(dir, dir);
        return f.toDataset(f.classes, null);
    }

    private static void requireDirectory(Path dir) throws DatasetException {
        Objects.requireNonNull(dir, "dir");
        if (!Files.exists(dir)) {
            throw new DatasetException("Dataset folder not found: " + dir);
        }
        if (!Files.isDirectory(dir)) {
            throw new DatasetException(
                    "Dataset " + dir + " is a file, expected a folder with one folder per class");
        }
    }

    /** Visible sub-folders by name, sorted. */
    private static Map<String, Path> subfolders(Path dir) throws DatasetException {
        Map<String, Path> out = new TreeMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (!ignored(name) && Files.isDirectory(p)) {
                    out.put(name, p);
                }
            }
        } catch (IOException e) {
            throw new DatasetException("Cannot list dataset folder " + dir + ": " + e, e);
        }
        return out;
    }

    private static boolean ignored(String name) {
        // Hidden files, and the resource forks macOS puts into zip files.
        return name.startsWith(".") || name.equals("__MACOSX");
    }

    private static Path find(Map<String, Path> dirs, Set<String> names) {
        for (Map.Entry<String, Path> e : dirs.entrySet()) {
            if (names.contains(e.getKey().toLowerCase(Locale.ROOT))) {
                return e.getValue();
            }
        }
        return null;
    }

    static boolean hasImageExtension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot >= 0
                && IMAGE_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** The class folders of one folder and their image files. */
    private static final class Folder {
        final Path dir;
        final Path idBase;
        final List<String> classes;
        final List<List<Path>> files;

        private Folder(Path dir, Path idBase, List<String> classes, List<List<Path>> files) {
            this.dir = dir;
            this.idBase = idBase;
            this.classes = classes;
            this.files = files;
        }

        static Folder scan(Path dir, Path idBase) throws DatasetException {
            Map<String, Path> classDirs = subfolders(dir);
            if (classDirs.isEmpty()) {
                throw new DatasetException(
                        "No class folders in "
                                + dir
                                + ": expected one sub-folder per class holding its images (or"
                                + " train/ and val/ folders holding such class folders)");
            }
            List<String> classes = new ArrayList<>(classDirs.keySet());
            List<List<Path>> files = new ArrayList<>();
            int total = 0;
            for (Path classDir : classDirs.values()) {
                List<Path> images = images(classDir);
                total += images.size();
                files.add(images);
            }
            if (total == 0) {
                throw new DatasetException(
                        "No images in the class folders "
                                + classes
                                + " of "
                                + dir
                                + ": expected files ending "
                                + new TreeSet<>(IMAGE_EXTENSIONS));
            }
            return new Folder(dir, idBase, classes, files);
        }

        /** Image files under a class folder (recursively, links followed), sorted by path. */
        private static List<Path> images(Path classDir) throws DatasetException {
            List<Path> out = new ArrayList<>();
            try {
                Files.walkFileTree(
                        classDir,
                        EnumSet.of(FileVisitOption.FOLLOW_LINKS),
                        Integer.MAX_VALUE,
                        new SimpleFileVisitor<>() {
                            @Override
                            public FileVisitResult preVisitDirectory(
                                    Path d, BasicFileAttributes attrs) {
                                return !d.equals(classDir) && ignored(d.getFileName().toString())
                                        ? FileVisitResult.SKIP_SUBTREE
                                        : FileVisitResult.CONTINUE;
                            }

                            @Override
                            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                                if (!attrs.isDirectory()
                                        && !ignored(f.getFileName().toString())
                                        && hasImageExtension(f)) {
                                    out.add(f);
                                }
                                return FileVisitResult.CONTINUE;
                            }

                            @Override
                            public FileVisitResult visitFileFailed(Path f, IOException e) {
                                // A broken link or a link loop: the file is not an image; a
                                // folder that cannot be read surfaces below as missing images.
                                return FileVisitResult.CONTINUE;
                            }
                        });
            } catch (IOException e) {
                throw new DatasetException("Cannot list class folder " + classDir + ": " + e, e);
            }
            out.sort(Comparator.comparing(p -> classDir.relativize(p).toString()));
            return out;
        }

        /**
         * Samples labelled by {@code targetClasses}; {@code trainDir} (for messages) is set when
         * these are validation or test folders that must match the training classes.
         */
        ImageDataset toDataset(List<String> targetClasses, Path trainDir) throws DatasetException {
            Map<String, Integer> index = new HashMap<>();
            for (int i = 0; i < targetClasses.size(); i++) {
                index.put(targetClasses.get(i), i);
            }
            List<Sample> samples = new ArrayList<>();
            for (int c = 0; c < classes.size(); c++) {
                Integer label = index.get(classes.get(c));
                if (label == null) {
                    throw new DatasetException(
                            "Class folder '"
                                    + classes.get(c)
                                    + "' in "
                                    + dir
                                    + " is not a training class; the training folder "
                                    + trainDir
                                    + " has "
                                    + targetClasses);
                }
                for (Path f : files.get(c)) {
                    String id =
                            idBase.relativize(f)
                                    .toString()
                                    .replace(f.getFileSystem().getSeparator(), "/");
                    samples.add(Sample.ofFile(f, label, id));
                }
            }
            return ImageDataset.of(targetClasses, samples);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Readable images

    /** How many unreadable files a message names per class. */
    static final int NAMED_UNREADABLE = 3;

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
        Objects.requireNonNull(train, "train");
        Objects.requireNonNull(skipped, "skipped");
        Map<String, Integer> labels = new HashMap<>();
        for (Sample s : train.samples()) {
            labels.put(s.id(), s.label());
        }
        List<String> classes = train.classes();
        List<List<Skipped>> unreadable = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            unreadable.add(new ArrayList<>());
        }
        for (Skipped s : skipped) {
            Integer label = labels.get(s.id());
            if (label != null) {
                unreadable.get(label).add(s);
            }
        }
        int[] counts = train.countsPerClass();
        List<String> problems = new ArrayList<>();
        for (int c = 0; c < classes.size(); c++) {
            List<Skipped> bad = unreadable.get(c);
            int readable = counts[c] - bad.size();
            int needed = Math.max(1, Math.min(minPerClass, counts[c]));
            if (readable >= needed) {
                continue;
            }
            bad.sort(Comparator.comparing(Skipped::id));
            StringBuilder m = new StringBuilder("class '").append(classes.get(c)).append("' has ");
            m.append(
                    readable == 0
                            ? "no readable training image"
                            : readable
                                    + " readable training "
                                    + (readable == 1 ? "image" : "images")
                                    + ", fewer than the minimum of "
                                    + needed);
            m.append(": ")
                    .append(bad.size())
                    .append(" of its ")
                    .append(counts[c])
                    .append(counts[c] == 1 ? " image" : " images")
                    .append(" could not be read (");
            for (int i = 0; i < Math.min(NAMED_UNREADABLE, bad.size()); i++) {
                m.append(i == 0 ? "" : "; ")
                        .append(bad.get(i).id())
                        .append(": ")
                        .append(bad.get(i).reason());
            }
            if (bad.size() > NAMED_UNREADABLE) {
                m.append("; and ").append(bad.size() - NAMED_UNREADABLE).append(" more");
            }
            problems.add(m.append(')').toString());
        }
        if (!problems.isEmpty()) {
            throw new DatasetException(
                    "Dataset "
                            + data
                            + ": "
                            + String.join("; ", problems)
                            + ". Replace or remove the unreadable files, add images, or remove the"
                            + (problems.size() == 1 ? " class" : " classes"));
        }
    }

    // ------------------------------------------------------------------------------------------
    // Splits

    private static void checkArguments(double valFraction, int minPerClass) {
        if (!(valFraction >= 0 && valFraction < 1)) {
            throw new IllegalArgumentException(
                    "Validation fraction must be in [0, 1), got " + valFraction);
        }
        if (minPerClass < 0) {
            throw new IllegalArgumentException(
                    "Minimum images per class must be at least 0, got " + minPerClass);
        }
    }

    /**
     * Checks the training pool and, without a validation set, splits it.
     *
     * @param where for a class name, where its images are (for messages)
     */
    private static Splits assemble(
            ImageDataset pool,
            ImageDataset val,
            ImageDataset test,
            double valFraction,
            long seed,
            int minPerClass,
            Function<String, Object> where)
            throws DatasetException {
        List<String> classes = pool.classes();
        if (classes.size() < 2) {
            throw new DatasetException(
                    "Only one class ('"
                            + classes.get(0)
                            + "' in "
                            + where.apply(classes.get(0))
                            + "): a classifier needs at least two classes");
        }
        int[] counts = pool.countsPerClass();
        List<String> tooFew = new ArrayList<>();
        for (int c = 0; c < counts.length; c++) {
            if (counts[c] < minPerClass) {
                tooFew.add(
                        "'"
                                + classes.get(c)
                                + "' has "
                                + counts[c]
                                + (counts[c] == 1 ? " image" : " images")
                                + " ("
                                + where.apply(classes.get(c))
                                + ")");
            }
        }
        if (!tooFew.isEmpty()) {
            throw new DatasetException(
                    (tooFew.size() == 1 ? "Class " : "Classes ")
                            + String.join(", ", tooFew)
                            + ", fewer than the minimum of "
                            + minPerClass
                            + " per class; add images or remove the class");
        }
        if (val != null || valFraction == 0) {
            return new Splits(pool, val, test);
        }
        ImageDataset[] parts = stratifiedSplit(pool, valFraction, seed);
        return new Splits(parts[0], parts[1], test);
    }

    /**
     * Splits each class at random (seeded) into training and validation samples, keeping the
     * dataset's order inside each part.
     *
     * @return {train, val}
     */
    static ImageDataset[] stratifiedSplit(ImageDataset pool, double valFraction, long seed) {
        int[][] byClass = ImageDataset.indicesByClass(pool);
        boolean[] isVal = new boolean[pool.size()];
        for (int c = 0; c < byClass.length; c++) {
            int[] idx = byClass[c].clone();
            int k = valCount(idx.length, valFraction);
            new Rng(Rng.seed(seed, Rng.SPLIT, c)).shuffle(idx);
            for (int i = 0; i < k; i++) {
                isVal[idx[i]] = true;
            }
        }
        List<Sample> train = new ArrayList<>();
        List<Sample> val = new ArrayList<>();
        List<Sample> samples = pool.samples();
        for (int i = 0; i < isVal.length; i++) {
            (isVal[i] ? val : train).add(samples.get(i));
        }
        return new ImageDataset[] {pool.subset(train), pool.subset(val)};
    }

    /**
     * How many of a class's {@code n} images go to validation: {@code round(n * f)}, but at least
     * one when the class has two or more (so that validation sees every class) and never all.
     */
    static int valCount(int n, double f) {
        if (f <= 0 || n < 2) {
            return 0;
        }
        long k = Math.round(n * f);
        return (int) Math.min(n - 1, Math.max(1, k));
    }

    // ------------------------------------------------------------------------------------------
    // CSV

    /** One manifest row. */
    private record Row(String path, String label, String split, int line) {}

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
        List<Row> rows = readManifest(csv);
        List<String> classes = sortedClasses(rows);
        return manifestDataset(csv, rows, classes);
    }

    private static List<Row> readManifest(Path csv) throws DatasetException {
        Objects.requireNonNull(csv, "csv");
        if (!Files.isRegularFile(csv)) {
            throw new DatasetException("CSV manifest not found: " + csv);
        }
        String text;
        try {
            text =
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .decode(ByteBuffer.wrap(Files.readAllBytes(csv)))
                            .toString();
        } catch (CharacterCodingException e) {
            throw new DatasetException(
                    "CSV manifest " + csv + " is not UTF-8 text; save it as UTF-8", e);
        } catch (IOException e) {
            throw new DatasetException("Cannot read CSV manifest " + csv + ": " + e, e);
        }
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        List<CsvRecord> records = parseCsv(text, csv);
        if (records.isEmpty()) {
            throw new DatasetException(
                    "CSV manifest " + csv + " is empty; expected a header row 'path,label'");
        }
        List<String> header = records.get(0).fields;
        int pathCol = -1;
        int labelCol = -1;
        int splitCol = -1;
        for (int i = 0; i < header.size(); i++) {
            String h = header.get(i).trim().toLowerCase(Locale.ROOT);
            if (h.equals("path") && pathCol < 0) {
                pathCol = i;
            } else if (h.equals("label") && labelCol < 0) {
                labelCol = i;
            } else if (h.equals("split") && splitCol < 0) {
                splitCol = i;
            }
        }
        if (pathCol < 0 || labelCol < 0) {
            throw new DatasetException(
                    "CSV manifest "
                            + csv
                            + ": the header (line 1) must name the columns 'path' and 'label', got "
                            + header);
        }
        List<Row> rows = new ArrayList<>();
        Map<String, Integer> firstLine = new HashMap<>();
        for (CsvRecord r : records.subList(1, records.size())) {
            int needed = Math.max(pathCol, labelCol) + 1;
            if (r.fields.size() < needed) {
                throw new DatasetException(
                        "CSV manifest "
                                + csv
                                + ", line "
                                + r.line
                                + ": "
                                + r.fields.size()
                                + " fields, expected at least "
                                + needed
                                + " (columns "
                                + header
                                + ")");
            }
            String path = r.fields.get(pathCol).trim();
            String label = r.fields.get(labelCol).trim();
            String split =
                    splitCol >= 0 && splitCol < r.fields.size()
                            ? r.fields.get(splitCol).trim()
                            : "";
            if (path.isEmpty() || label.isEmpty()) {
                throw new DatasetException(
                        "CSV manifest "
                                + csv
                                + ", line "
                                + r.line
                                + ": empty "
                                + (path.isEmpty() ? "path" : "label")
                                + "; every row needs a path and a label");
            }
            Integer earlier = firstLine.putIfAbsent(path, r.line);
            if (earlier != null) {
                throw new DatasetException(
                        "CSV manifest "
                                + csv
                                + ": "
                                + path
                                + " is listed twice (lines "
                                + earlier
                                + " and "
                                + r.line
                                + ")");
            }
            rows.add(new Row(path, label, split, r.line));
        }
        if (rows.isEmpty()) {
            throw new DatasetException(
                    "CSV manifest "
                            + csv
                            + " has a header but no rows; expected one row per image");
        }
        return rows;
    }

    private static List<String> sortedClasses(List<Row> rows) {
        Set<String> names = new TreeSet<>();
        boolean numeric = true;
        for (Row r : rows) {
            names.add(r.label);
            numeric &= INTEGER.matcher(r.label).matches();
        }
        List<String> classes = new ArrayList<>(names);
        if (numeric) {
            classes.sort(Comparator.comparingLong(Long::parseLong));
        }
        return classes;
    }

    private static ImageDataset manifestDataset(Path csv, List<Row> rows, List<String> classes)
            throws DatasetException {
        Path base = csv.toAbsolutePath().getParent();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < classes.size(); i++) {
            index.put(classes.get(i), i);
        }
        List<Sample> samples = new ArrayList<>();
        boolean anyExists = false;
        for (Row r : rows) {
            Path file;
            try {
                file = base.resolve(r.path);
            } catch (InvalidPathException e) {
                throw new DatasetException(
                        "CSV manifest " + csv + ", line " + r.line + ": invalid path " + r.path, e);
            }
            anyExists |= Files.exists(file);
            samples.add(Sample.ofFile(file, index.get(r.label), r.path));
        }
        if (!anyExists && !rows.isEmpty()) {
            throw new DatasetException(
                    "None of the "
                            + rows.size()
                            + " files listed in "
                            + csv
                            + " exists (the first is "
                            + base.resolve(rows.get(0).path)
                            + "); paths are relative to the manifest's folder");
        }
        return ImageDataset.of(classes, samples);
    }

    private static final class CsvRecord {
        final List<String> fields = new ArrayList<>();
        final int line;

        CsvRecord(int line) {
            this.line = line;
        }
    }

    /**
     * RFC 4180 records (quoted fields may hold commas, quotes and line breaks); blank lines
     * skipped.
     */
    private static List<CsvRecord> parseCsv(String text, Path csv) throws DatasetException {
        List<CsvRecord> out = new ArrayList<>();
        int line = 1;
        CsvRecord rec = new CsvRecord(line);
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean fieldStart = true;
        int quoteLine = 0;
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char ch = text.charAt(i);
            if (quoted) {
                if (ch == '"') {
                    if (i + 1 < n && text.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    if (ch == '\n') {
                        line++;
                    }
                    field.append(ch);
                }
                continue;
            }
            if (ch == '"' && fieldStart) {
                quoted = true;
                quoteLine = line;
                fieldStart = false;
            } else if (ch == ',') {
                rec.fields.add(field.toString());
                field.setLength(0);
                fieldStart = true;
            } else if (ch == '\n' || ch == '\r') {
                if (ch == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') {
                    i++;
                }
                rec.fields.add(field.toString());
                field.setLength(0);
                fieldStart = true;
                if (!(rec.fields.size() == 1 && rec.fields.get(0).isBlank())) {
                    out.add(rec);
                }
                line++;
                rec = new CsvRecord(line);
            } else {
                field.append(ch);
                if (!Character.isWhitespace(ch)) {
                    fieldStart = false;
                }
            }
        }
        if (quoted) {
            throw new DatasetException(
                    "CSV manifest "
                            + csv
                            + ", line "
                            + quoteLine
                            + ": a quoted field is not closed; expected a closing '\"'");
        }
        rec.fields.add(field.toString());
        if (!(rec.fields.size() == 1 && rec.fields.get(0).isBlank())) {
            out.add(rec);
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------
    // IDX

    /** Decoded IDX files: pixels per image, labels. */
    private record Idx(byte[][] images, int rows, int cols, int[] labels) {}

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

    // ------------------------------------------------------------------------------------------
    // Dispatch

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
        checkArguments(valFraction, minPerClass);
        if (!Files.exists(path)) {
            throw new DatasetException(
                    "Dataset not found: "
                            + path
                            + "; expected a folder of class folders, a .csv manifest or a folder"
                            + " of IDX files");
        }
        if (Files.isDirectory(path)) {
            Map<String, Path[]> idx = idxPairs(path);
            if (!idx.isEmpty()) {
                return openIdx(path, idx, valFraction, seed, minPerClass);
            }
            return fromFolder(path, valFraction, seed, minPerClass);
        }
        String name = path.getFileName().toString();
        if (name.toLowerCase(Locale.ROOT).endsWith(".csv")) {
            return openCsv(path, valFraction, seed, minPerClass);
        }
        Matcher m = IDX_IMAGES.matcher(name);
        if (m.matches()) {
            Map<String, Path[]> pair = new LinkedHashMap<>();
            pair.put(m.group(1), new Path[] {path, labelsFor(path.getParent(), m.group(1), path)});
            return openIdx(path, pair, valFraction, seed, minPerClass);
        }
        throw new DatasetException(
                "Unsupported dataset file "
                        + path
                        + "; expected a folder of class folders, a .csv manifest (columns"
                        + " path,label) or IDX files (*-images-idx3-ubyte[.gz])");
    }

    /** IDX image files of a folder by prefix, each with its label file. */
    private static Map<String, Path[]> idxPairs(Path dir) throws DatasetException {
        Map<String, Path[]> out = new TreeMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                Matcher m = IDX_IMAGES.matcher(p.getFileName().toString());
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

    private static Splits openIdx(
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
        return assemble(
                pool,
                null,
                testSet,
                valFraction,
                seed,
                minPerClass,
                c -> "label " + c + " in " + trainImages);
    }

    private static Splits openCsv(Path csv, double valFraction, long seed, int minPerClass)
            throws DatasetException {
        List<Row> rows = readManifest(csv);
        List<String> classes = sortedClasses(rows);
        List<Row> train = new ArrayList<>();
        List<Row> val = new ArrayList<>();
        List<Row> test = new ArrayList<>();
        for (Row r : rows) {
            String s = r.split.toLowerCase(Locale.ROOT);
            if (s.isEmpty() || TRAIN_NAMES.contains(s)) {
                train.add(r);
            } else if (VAL_NAMES.contains(s)) {
                val.add(r);
            } else if (TEST_NAMES.contains(s)) {
                test.add(r);
            } else {
                throw new DatasetException(
                        "CSV manifest "
                                + csv
                                + ", line "
                                + r.line
                                + ": unknown split '"
                                + r.split
                                + "', expected train, val or test (or blank for train)");
            }
        }
        if (train.isEmpty()) {
            throw new DatasetException(
                    "CSV manifest " + csv + " has no training rows (split blank or 'train')");
        }
        ImageDataset pool = manifestDataset(csv, train, classes);
        ImageDataset valSet = val.isEmpty() ? null : manifestDataset(csv, val, classes);
        ImageDataset testSet = test.isEmpty() ? null : manifestDataset(csv, test, classes);
        return assemble(
                pool, valSet, testSet, valFraction, seed, minPerClass, c -> "manifest " + csv);
    }
}
