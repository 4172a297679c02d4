package ai.graft.converter.quantize;

import java.nio.file.Path;
import java.util.Objects;

/**
 * An image whose class is known, for measuring accuracy.
 *
 * @param file the image file
 * @param label its class, one of the model's labels
 */
public record LabelledImage(Path file, String label) {
    /**
     * Checks the fields.
     *
     * @param file the image file
     * @param label its class
     */
    public LabelledImage {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(label, "label");
    }
}
