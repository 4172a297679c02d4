package ai.graft.sdk;

import java.util.Objects;

/**
 * One class of a {@link Classification}.
 *
 * @param index the class index, the position in the model's output
 * @param label the class label
 * @param score the probability of the class, in [0, 1]
 */
public record Category(int index, String label, float score) {
    /**
     * Validates the fields.
     *
     * @param index the class index
     * @param label the class label
     * @param score the probability, in [0, 1]
     * @throws IllegalArgumentException when the index is negative or the score outside [0, 1]
     */
    public Category {
        if (index < 0) {
            throw new IllegalArgumentException("Category index must be >= 0, got " + index);
        }
        Objects.requireNonNull(label, "label");
        if (!(score >= 0f && score <= 1f)) {
            throw new IllegalArgumentException(
                    "Category score must be in [0, 1], got " + score + " for '" + label + "'");
        }
    }
}
