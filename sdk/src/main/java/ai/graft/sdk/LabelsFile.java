package ai.graft.sdk;

import ai.graft.sdk.internal.Labels;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads a labels file as {@link ImageClassifier} does for {@link
 * ImageClassifierOptions#labelsFile()} and a {@code labels.txt} beside a model, so that a tool that
 * writes labels into a {@link ModelCard} accepts the same files with the same errors.
 *
 * <p>The format: one label per line, line {@code i + 1} being class {@code i}, surrounding white
 * space and a UTF-8 byte-order mark removed; or, when the text starts with {@code [}, a JSON array
 * of non-blank strings. Blank lines at the end are ignored; a blank line before the last label is
 * an error, since it would shift every index after it.
 *
 * <pre>{@code
 * List<String> labels = LabelsFile.read(Path.of("labels.txt"));
 * ModelCard card = ModelCard.empty().withLabels(labels);
 * }</pre>
 *
 * <p>Thread-safe: stateless.
 */
public final class LabelsFile {
    private LabelsFile() {}

    /**
     * Reads a labels file.
     *
     * @param file the file, UTF-8
     * @return the labels by class index, at least one; unmodifiable
     * @throws ModelException when the file is missing or a folder, cannot be read, is not valid
     *     JSON where it starts with {@code [}, has a blank line among its labels or holds none; the
     *     message names the file
     */
    public static List<String> read(Path file) throws ModelException {
        return List.copyOf(Labels.read(file));
    }
}
