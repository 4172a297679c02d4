package ai.graft.sdk;

import java.util.List;
import java.util.Objects;

/**
 * The result of classifying one image: an immutable value.
 *
 * @param top the best categories, best first, at most {@link ImageClassifierOptions#topK()} of
 *     them, after the score threshold and the allow and deny lists; unmodifiable, possibly empty
 * @param latencyMs the time the classification took end to end, in milliseconds
 * @param timings the time per stage
 */
public record Classification(List<Category> top, double latencyMs, StageTimings timings) {
    /**
     * Copies {@code top} into an unmodifiable list.
     *
     * @param top the best categories, best first
     * @param latencyMs end-to-end milliseconds
     * @param timings milliseconds per stage
     */
    public Classification {
        top = List.copyOf(top);
        Objects.requireNonNull(timings, "timings");
    }

    /**
     * The best category.
     *
     * @return the first of {@link #top()}
     * @throws IllegalStateException when no category passed the filters
     */
    public Category best() {
        if (top.isEmpty()) {
            throw new IllegalStateException(
                    "No category passed the score threshold and label filters");
        }
        return top.get(0);
    }
}
