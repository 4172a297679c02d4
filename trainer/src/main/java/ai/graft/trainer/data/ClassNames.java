package ai.graft.trainer.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Names for classes that have only numbers: IDX files (the MNIST family) label their images 0 to
 * N-1, and a CSV manifest may too. A file with one name per line, in class order, gives them names,
 * which then travel into the model's labels and the reports.
 *
 * <pre>{@code
 * Splits named = ClassNames.apply(splits, Path.of("fashion-classes.txt"));
 * }</pre>
 */
public final class ClassNames {
    private ClassNames() {}

    /**
     * Reads a names file: one name per line, UTF-8, surrounding spaces and blank lines at the end
     * ignored.
     *
     * @param file the names file
     * @return the names, in order
     * @throws DatasetException when the file cannot be read, has a blank line among the names, or
     *     names a class twice; the message names the file and the line
     */
    public static List<String> read(Path file) throws DatasetException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new DatasetException("Class names file not found: " + file, e);
        } catch (IOException e) {
            throw new DatasetException(
                    "Cannot read the class names file " + file + ": " + e.getMessage(), e);
        }
        int end = lines.size();
        while (end > 0 && lines.get(end - 1).isBlank()) {
            end--;
        }
        List<String> names = new ArrayList<>(end);
        for (int i = 0; i < end; i++) {
            String name = lines.get(i).strip();
            if (i == 0 && name.startsWith("\uFEFF")) {
                name = name.substring(1).strip();
            }
            if (name.isEmpty()) {
                throw new DatasetException(
                        file + " line " + (i + 1) + ": blank; expected one class name per line");
            }
            int first = names.indexOf(name);
            if (first >= 0) {
                throw new DatasetException(
                        file
                                + " line "
                                + (i + 1)
                                + ": '"
                                + name
                                + "' names a class already named on line "
                                + (first + 1));
            }
            names.add(name);
        }
        return names;
    }

    /**
     * The dataset with its classes renamed from {@code file}, in class-index order.
     *
     * @param data the dataset
     * @param file the names file
     * @return the renamed dataset (same samples, same labels)
     * @throws DatasetException when the file cannot be read or has another number of names than the
     *     dataset has classes
     */
    public static ImageDataset apply(ImageDataset data, Path file) throws DatasetException {
        return rename(data, names(file, data.classes()));
    }

    /**
     * The splits with their classes renamed from {@code file}, in class-index order.
     *
     * @param splits the splits (they share their classes)
     * @param file the names file
     * @return the renamed splits
     * @throws DatasetException when the file cannot be read or has another number of names than the
     *     data has classes
     */
    public static Splits apply(Splits splits, Path file) throws DatasetException {
        List<String> names = names(file, splits.train().classes());
        return new Splits(
                rename(splits.train(), names),
                splits.val() == null ? null : rename(splits.val(), names),
                splits.test() == null ? null : rename(splits.test(), names));
    }

    private static List<String> names(Path file, List<String> classes) throws DatasetException {
        List<String> names = read(file);
        if (names.size() != classes.size()) {
            throw new DatasetException(
                    file
                            + " names "
                            + names.size()
                            + (names.size() == 1 ? " class" : " classes")
                            + ", but the data has "
                            + classes.size()
                            + " ("
                            + classes
                            + "); expected one name per class, in class order");
        }
        return names;
    }

    private static ImageDataset rename(ImageDataset data, List<String> names) {
        return ImageDataset.of(names, data.samples());
    }
}
