package ai.graft.sdk;

import java.util.List;

/**
 * A value given to {@link ImageClassifierOptions.Builder#allowLabels} or {@link
 * ImageClassifierOptions.Builder#denyLabels} names no class of the model: it is none of the model's
 * labels as spelled, and no class index either. Thrown by {@link ImageClassifier#create}. The
 * message names the value, the model and the closest labels; {@link #filter()} and {@link
 * #reason()} let a caller say it in its own terms (the command line names its flag).
 */
public final class UnknownLabelException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** Which filter held the value. */
    public enum Filter {
        /** {@link ImageClassifierOptions#allowLabels()}. */
        ALLOW("allowLabels"),
        /** {@link ImageClassifierOptions#denyLabels()}. */
        DENY("denyLabels");

        private final String option;

        Filter(String option) {
            this.option = option;
        }

        /**
         * The builder method that sets this filter.
         *
         * @return {@code allowLabels} or {@code denyLabels}
         */
        public String option() {
            return option;
        }
    }

    private final Filter filter;
    private final String label;
    private final String reason;
    private final List<String> suggestions;

    UnknownLabelException(Filter filter, String label, String reason, List<String> suggestions) {
        super("Unknown label '" + label + "' in " + filter.option() + ": " + reason);
        this.filter = filter;
        this.label = label;
        this.reason = reason;
        this.suggestions = List.copyOf(suggestions);
    }

    /**
     * Which filter held the value.
     *
     * @return allow or deny
     */
    public Filter filter() {
        return filter;
    }

    /**
     * The value as given.
     *
     * @return the label or index text
     */
    public String label() {
        return label;
    }

    /**
     * Why the value names no class, and what to give instead (the message without the leading
     * {@code Unknown label 'X' in allowLabels: }).
     *
     * @return the reason, naming the model and the closest labels
     */
    public String reason() {
        return reason;
    }

    /**
     * The model's labels closest to the value, closest first.
     *
     * @return up to three labels, perhaps none
     */
    public List<String> suggestions() {
        return suggestions;
    }
}
