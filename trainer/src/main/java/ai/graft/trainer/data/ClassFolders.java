package ai.graft.trainer.data;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads folders of class folders, also under {@code train/}, {@code val/} and {@code test/} split
 * folders: the class-folder source behind {@link Datasets#fromFolder} and {@link
 * Datasets#classFolders}.
 */
final class ClassFolders {
    /** File name extensions (lower case) taken as images in class folders. */
    static final Set<String> IMAGE_EXTENSIONS =
            Set.of("jpg", "jpeg", "png", "bmp", "gif", "tif", "tiff", "webp");

    private ClassFolders() {}

    /** {@link Datasets#fromFolder}: reads {@code root} and splits it. */
    static Splits split(Path root, double valFraction, long seed, int minPerClass)
            throws DatasetException {
        StratifiedSplits.checkArguments(valFraction, minPerClass);
        requireDirectory(root);
        Map<String, Path> dirs = subfolders(root);
        Path trainDir = find(dirs, StratifiedSplits.TRAIN_NAMES);
        if (trainDir == null) {
            Folder all = Folder.scan(root, root);
            ImageDataset pool = all.toDataset(all.classes, null);
            return StratifiedSplits.assemble(
                    pool, null, null, valFraction, seed, minPerClass, c -> root.resolve(c));
        }
        Path valDir = find(dirs, StratifiedSplits.VAL_NAMES);
        Path testDir = find(dirs, StratifiedSplits.TEST_NAMES);
        List<String> others = new ArrayList<>();
        for (Map.Entry<String, Path> e : dirs.entrySet()) {
            String lower = e.getKey().toLowerCase(Locale.ROOT);
            if (!StratifiedSplits.TRAIN_NAMES.contains(lower)
                    && !StratifiedSplits.VAL_NAMES.contains(lower)
                    && !StratifiedSplits.TEST_NAMES.contains(lower)) {
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
        return StratifiedSplits.assemble(
                pool, val, test, valFraction, seed, minPerClass, c -> trainDir.resolve(c));
    }

    /** {@link Datasets#classFolders}: one folder of class folders, ids relative to it. */
    static ImageDataset read(Path dir) throws DatasetException {
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
}
