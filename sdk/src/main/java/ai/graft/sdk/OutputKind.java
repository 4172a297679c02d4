package ai.graft.sdk;

import java.util.Locale;

/**
 * What a model's output holds; the model card's {@code graft.output} key stores it as {@code
 * "logits"}, {@code "probabilities"} or {@code "embedding"}.
 */
public enum OutputKind {
    /** Unnormalised class scores; the SDK applies softmax. */
    LOGITS,
    /** Class probabilities in [0, 1] summing to 1; used as they are. */
    PROBABILITIES,
    /** A feature vector, not class scores; use {@link ImageClassifier#embed}. */
    EMBEDDING;

    /**
     * The name used in the model card.
     *
     * @return {@code "logits"}, {@code "probabilities"} or {@code "embedding"}
     */
    public String cardName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Reads the model card's name of an output kind.
     *
     * @param name {@code "logits"}, {@code "probabilities"} or {@code "embedding"}, any case
     * @return the kind
     * @throws IllegalArgumentException for any other name
     */
    public static OutputKind fromCardName(String name) {
        if (name != null) {
            for (OutputKind k : values()) {
                if (k.name().equalsIgnoreCase(name.trim())) {
                    return k;
                }
            }
        }
        throw new IllegalArgumentException(
                "Unknown output kind '" + name + "', expected logits, probabilities or embedding");
    }
}
