package ai.graft.sdk;

import ai.graft.sdk.internal.Labels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns one image's row of the model's output into its top categories: a softmax for logits (or a
 * row that does not look like probabilities when the model does not say), the allow and deny
 * filters, the score threshold, and the top {@code k} by score. Immutable; the caller passes the
 * scratch array, so one instance serves every thread.
 */
final class Scores {
    private final List<String> labels;
    private final int numClasses;
    private final OutputKind outputKind;
    private final boolean[] allowed;
    private final int topK;
    private final float threshold;

    private Scores(
            List<String> labels,
            int numClasses,
            OutputKind outputKind,
            boolean[] allowed,
            int topK,
            float threshold) {
        this.labels = labels;
        this.numClasses = numClasses;
        this.outputKind = outputKind;
        this.allowed = allowed;
        this.topK = topK;
        this.threshold = threshold;
    }

    /**
     * The scores of a bound model with the options' filters, top {@code k} and threshold.
     *
     * @throws UnknownLabelException when an allowed or denied value is neither one of the model's
     *     labels nor a class index
     */
    static Scores create(ModelBinding model, ImageClassifierOptions options) {
        List<String> labels = model.labels();
        boolean[] allowed = labels == null ? null : allowedMask(labels, options, model.modelPath());
        return new Scores(
                labels,
                model.numClasses(),
                model.outputKind(),
                allowed,
                options.topK(),
                options.scoreThreshold());
    }

    /**
     * The top categories of the row of {@code out} that starts at {@code offset}.
     *
     * @param scratch room for one row, overwritten
     * @return up to {@code k} categories, best first, each with a score in [0, 1]
     */
    List<Category> top(float[] out, int offset, float[] scratch) {
        float[] p = scratch;
        System.arraycopy(out, offset, p, 0, numClasses);
        boolean probabilities;
        if (outputKind == OutputKind.PROBABILITIES) {
            probabilities = true;
        } else if (outputKind == OutputKind.LOGITS) {
            probabilities = false;
        } else {
            probabilities = looksLikeProbabilities(p, numClasses);
        }
        if (!probabilities) {
            softmax(p, numClasses);
        }
        int k = Math.min(topK, numClasses);
        int[] best = new int[k];
        int count = 0;
        for (int i = 0; i < numClasses; i++) {
            float s = p[i];
            if (!(s >= threshold) || !allowed[i]) {
                continue;
            }
            // Insertion into the sorted top-k: O(classes * k), fast for the usual small k.
            if (count == k && s <= p[best[k - 1]]) {
                continue;
            }
            int j = count < k ? count++ : k - 1;
            while (j > 0 && p[best[j - 1]] < s) {
                best[j] = best[j - 1];
                j--;
            }
            best[j] = i;
        }
        List<Category> top = new ArrayList<>(count);
        for (int j = 0; j < count; j++) {
            int i = best[j];
            float s = Math.min(1f, Math.max(0f, p[i]));
            top.add(new Category(i, labels.get(i), s));
        }
        return top;
    }

    /**
     * The rule used when the card does not say what the output holds: probabilities when every
     * value is in [0, 1] and they sum to 1 within 1e-3.
     */
    static boolean looksLikeProbabilities(float[] v, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            if (!(v[i] >= 0f && v[i] <= 1f)) {
                return false;
            }
            sum += v[i];
        }
        return Math.abs(sum - 1.0) <= 1e-3;
    }

    /** Replaces the first {@code n} values by their softmax, computed stably (max subtracted). */
    static void softmax(float[] v, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            if (v[i] > max) {
                max = v[i];
            }
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double e = Math.exp(v[i] - max);
            v[i] = (float) e;
            sum += e;
        }
        for (int i = 0; i < n; i++) {
            v[i] = (float) (v[i] / sum);
        }
    }

    /** Which classes may be reported: all or the allowed ones, less the denied ones. */
    private static boolean[] allowedMask(
            List<String> labels, ImageClassifierOptions options, Path modelPath) {
        boolean[] mask = new boolean[labels.size()];
        Arrays.fill(mask, options.allowLabels().isEmpty());
        for (String a : options.allowLabels()) {
            for (int i : indicesOf(labels, a, UnknownLabelException.Filter.ALLOW, modelPath)) {
                mask[i] = true;
            }
        }
        for (String d : options.denyLabels()) {
            for (int i : indicesOf(labels, d, UnknownLabelException.Filter.DENY, modelPath)) {
                mask[i] = false;
            }
        }
        return mask;
    }

    /**
     * The classes a filter value names: every class with exactly that label, else, when the value
     * is a decimal number, the class with that index. A label that is itself a number therefore
     * wins over the index.
     */
    private static int[] indicesOf(
            List<String> labels,
            String value,
            UnknownLabelException.Filter filter,
            Path modelPath) {
        int[] found = new int[0];
        for (int i = 0; i < labels.size(); i++) {
            if (labels.get(i).equals(value)) {
                found = Arrays.copyOf(found, found.length + 1);
                found[found.length - 1] = i;
            }
        }
        if (found.length > 0) {
            return found;
        }
        boolean number = value.length() <= 9 && value.chars().allMatch(c -> c >= '0' && c <= '9');
        if (number && Integer.parseInt(value) < labels.size()) {
            return new int[] {Integer.parseInt(value)};
        }
        List<String> close = new ArrayList<>();
        List<String> described = new ArrayList<>();
        for (int i : Labels.closest(labels, value, 3)) {
            close.add(labels.get(i));
            described.add("'" + labels.get(i) + "' (class " + i + ")");
        }
        StringBuilder reason = new StringBuilder();
        if (number) {
            reason.append(modelPath)
                    .append(" has no label '")
                    .append(value)
                    .append("', and class index ")
                    .append(value)
                    .append(" is out of range.");
        } else {
            reason.append(modelPath).append(" has no class with that label.");
        }
        if (!described.isEmpty()) {
            reason.append(" Did you mean ").append(String.join(" or ", described)).append('?');
        }
        if (value.contains(",")) {
            reason.append(
                    " A label with commas must be one of the model's labels whole; to name"
                            + " several classes, give each separately.");
        }
        reason.append(" Expected a label spelled exactly as the model spells it, or a class index")
                .append(" from 0 to ")
                .append(labels.size() - 1);
        throw new UnknownLabelException(filter, value, reason.toString(), close);
    }
}
