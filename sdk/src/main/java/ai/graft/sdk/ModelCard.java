package ai.graft.sdk;

import ai.graft.sdk.internal.Json;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a deployed model needs besides its weights, carried inside the {@code .onnx} file in {@code
 * metadata_props} under keys prefixed {@code graft.}: class labels, preprocessing, what the output
 * is, and free-form provenance.
 *
 * <p>Keys of card schema version {@value #VERSION} (all values are strings):
 *
 * <ul>
 *   <li>{@code graft.card.version}: {@code "1"}
 *   <li>{@code graft.labels}: a JSON array of strings, index = class index
 *   <li>{@code graft.preprocess}: the {@link Preprocessing#toJson() preprocessing JSON}
 *   <li>{@code graft.output}: {@code "logits"}, {@code "probabilities"} or {@code "embedding"}
 *   <li>{@code graft.output.name}: the name of the classification output (optional)
 *   <li>{@code graft.embedding.output}: the name of an embedding output (optional)
 *   <li>{@code graft.backbone}, {@code graft.strategy}, {@code graft.training} (JSON provenance),
 *       {@code graft.created} and any other {@code graft.*} key: kept in {@link #extra()}
 * </ul>
 *
 * <pre>{@code
 * ModelCard card = new ModelCard(ModelCard.VERSION, List.of("ant", "bee"),
 *         Preprocessing.imagenet(224, 224), OutputKind.LOGITS, "logits",
 *         Map.of("graft.backbone", "resnet18"));
 * Map<String, String> props = card.toMetadata();   // written into metadata_props
 * ModelCard back = ModelCard.fromMetadata(props);   // equal to card
 * }</pre>
 *
 * @param version the card schema version; 0 when the model carries no card
 * @param labels class labels, index = class index; unmodifiable; null when absent
 * @param preprocessing how images become the input tensor; null when absent
 * @param output what the classification output holds; null when absent
 * @param outputName the name of the classification output; null when absent
 * @param extra every other {@code graft.*} entry, keyed by its full metadata key (for example
 *     {@code graft.backbone}); unmodifiable, in insertion order
 */
public record ModelCard(
        int version,
        List<String> labels,
        Preprocessing preprocessing,
        OutputKind output,
        String outputName,
        Map<String, String> extra) {

    /** The prefix of every model card key in {@code metadata_props}. */
    public static final String PREFIX = "graft.";

    /** The card schema version this SDK writes and reads. */
    public static final int VERSION = 1;

    /** Key of the card schema version. */
    public static final String KEY_VERSION = "graft.card.version";

    /** Key of the labels (JSON array of strings). */
    public static final String KEY_LABELS = "graft.labels";

    /** Key of the preprocessing (JSON object). */
    public static final String KEY_PREPROCESS = "graft.preprocess";

    /** Key of the output kind. */
    public static final String KEY_OUTPUT = "graft.output";

    /** Key of the classification output name. */
    public static final String KEY_OUTPUT_NAME = "graft.output.name";

    /** Key of the embedding output name (kept in {@link #extra()}). */
    public static final String KEY_EMBEDDING_OUTPUT = "graft.embedding.output";

    private static final List<String> RESERVED =
            List.of(KEY_VERSION, KEY_LABELS, KEY_PREPROCESS, KEY_OUTPUT, KEY_OUTPUT_NAME);

    /**
     * Validates and copies the fields. Keys of {@code extra} without the {@code graft.} prefix get
     * it.
     *
     * @param version the card schema version, 0 for none
     * @param labels class labels, or null
     * @param preprocessing the preprocessing, or null
     * @param output the output kind, or null
     * @param outputName the classification output name, or null
     * @param extra other {@code graft.*} entries
     * @throws IllegalArgumentException when the version is negative, a label is null or blank, or
     *     {@code extra} holds one of the keys that have their own field
     */
    public ModelCard {
        if (version < 0) {
            throw new IllegalArgumentException("Model card version must be >= 0, got " + version);
        }
        if (labels != null) {
            for (int i = 0; i < labels.size(); i++) {
                String l = labels.get(i);
                if (l == null || l.isBlank()) {
                    throw new IllegalArgumentException(
                            "Model card label " + i + " is " + (l == null ? "null" : "blank"));
                }
            }
            labels = List.copyOf(labels);
        }
        if (outputName != null && outputName.isEmpty()) {
            outputName = null;
        }
        Map<String, String> x = new LinkedHashMap<>();
        if (extra != null) {
            for (Map.Entry<String, String> e : extra.entrySet()) {
                String key = Objects.requireNonNull(e.getKey(), "extra key");
                if (!key.startsWith(PREFIX)) {
                    key = PREFIX + key;
                }
                if (RESERVED.contains(key)) {
                    throw new IllegalArgumentException(
                            "Model card extra must not hold '"
                                    + key
                                    + "', which has its own field");
                }
                x.put(key, Objects.requireNonNull(e.getValue(), "value of " + key));
            }
        }
        extra = Collections.unmodifiableMap(x);
    }

    /**
     * The card of a model that carries none: version 0, every field null, no extra.
     *
     * @return an empty card
     */
    public static ModelCard empty() {
        return new ModelCard(0, null, null, null, null, Map.of());
    }

    /**
     * Whether this card holds nothing at all (a model without {@code graft.*} metadata).
     *
     * @return true when every field is absent
     */
    public boolean isEmpty() {
        return version == 0
                && labels == null
                && preprocessing == null
                && output == null
                && outputName == null
                && extra.isEmpty();
    }

    /**
     * The name of the embedding output, from {@code graft.embedding.output}.
     *
     * @return the output name, or null when the card names none
     */
    public String embeddingOutputName() {
        return extra.get(KEY_EMBEDDING_OUTPUT);
    }

    /**
     * Reads the card from a model's {@code metadata_props}, ignoring keys without the {@code
     * graft.} prefix. Fields whose keys are absent are null. A preprocessing JSON must give its
     * width and height here; {@link #fromMetadata(Map, int, int)} takes them from the model.
     *
     * @param metadataProps the model's metadata, for example {@code
     *     session.getMetadata().getCustomMetadata()}
     * @return the card; {@link #empty()} when there are no {@code graft.} keys
     * @throws ModelException when a card value is malformed or the card version is newer than
     *     {@value #VERSION}; the message names the key
     */
    public static ModelCard fromMetadata(Map<String, String> metadataProps) throws ModelException {
        return fromMetadata(metadataProps, 0, 0);
    }

    /**
     * Reads the card like {@link #fromMetadata(Map)}, using a default input size for a {@code
     * graft.preprocess} JSON without {@code width} and {@code height}.
     *
     * @param metadataProps the model's metadata
     * @param defaultWidth the width to use when the preprocessing JSON has none (for example the
     *     model's input width), or 0 for none
     * @param defaultHeight the height to use when the preprocessing JSON has none, or 0
     * @return the card; {@link #empty()} when there are no {@code graft.} keys
     * @throws ModelException when a card value is malformed, the preprocessing lacks a size that no
     *     default supplies, or the card version is newer than {@value #VERSION}
     */
    public static ModelCard fromMetadata(
            Map<String, String> metadataProps, int defaultWidth, int defaultHeight)
            throws ModelException {
        Objects.requireNonNull(metadataProps, "metadataProps");
        boolean any = false;
        Map<String, String> extra = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : metadataProps.entrySet()) {
            if (e.getKey() != null && e.getKey().startsWith(PREFIX)) {
                any = true;
                if (!RESERVED.contains(e.getKey()) && e.getValue() != null) {
                    extra.put(e.getKey(), e.getValue());
                }
            }
        }
        if (!any) {
            return empty();
        }
        int version = VERSION;
        String v = metadataProps.get(KEY_VERSION);
        if (v != null) {
            try {
                version = Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                throw new ModelException(
                        "Invalid model card key " + KEY_VERSION + ": '" + v + "', expected 1");
            }
            if (version < 1) {
                throw new ModelException(
                        "Invalid model card key " + KEY_VERSION + ": '" + v + "', expected 1");
            }
            if (version > VERSION) {
                throw new ModelException(
                        "Model card version "
                                + version
                                + " is newer than this SDK reads ("
                                + VERSION
                                + "); upgrade graft-sdk");
            }
        }
        List<String> labels = null;
        String l = metadataProps.get(KEY_LABELS);
        if (l != null) {
            labels = parseLabels(l);
        }
        Preprocessing pre = null;
        String p = metadataProps.get(KEY_PREPROCESS);
        if (p != null) {
            if (!p.trim().startsWith("{")) {
                throw new ModelException(
                        "Invalid model card key "
                                + KEY_PREPROCESS
                                + ": expected a JSON object, got '"
                                + p
                                + "'");
            }
            try {
                pre = Preprocessing.parse(p, defaultWidth, defaultHeight);
            } catch (IllegalArgumentException e) {
                throw new ModelException(
                        "Invalid model card key " + KEY_PREPROCESS + ": " + e.getMessage(), e);
            }
        }
        OutputKind output = null;
        String o = metadataProps.get(KEY_OUTPUT);
        if (o != null) {
            try {
                output = OutputKind.fromCardName(o);
            } catch (IllegalArgumentException e) {
                throw new ModelException(
                        "Invalid model card key " + KEY_OUTPUT + ": " + e.getMessage(), e);
            }
        }
        String outputName = metadataProps.get(KEY_OUTPUT_NAME);
        return new ModelCard(version, labels, pre, output, outputName, extra);
    }

    private static List<String> parseLabels(String json) throws ModelException {
        Object parsed;
        try {
            parsed = Json.parse(json);
        } catch (IllegalArgumentException e) {
            throw new ModelException(
                    "Invalid model card key " + KEY_LABELS + ": " + e.getMessage(), e);
        }
        if (!(parsed instanceof List<?> list) || list.isEmpty()) {
            throw new ModelException(
                    "Invalid model card key "
                            + KEY_LABELS
                            + ": expected a non-empty JSON array of strings, got "
                            + abbreviate(json));
        }
        List<String> labels = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof String s) || s.isBlank()) {
                throw new ModelException(
                        "Invalid model card key "
                                + KEY_LABELS
                                + ": element "
                                + i
                                + " is "
                                + Json.write(list.get(i))
                                + ", expected a non-blank string");
            }
            labels.add(s);
        }
        return labels;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    /**
     * The card as {@code metadata_props} entries, {@code graft.*} keys only; absent fields are left
     * out. {@link #fromMetadata(Map)} reads them back to an equal card (a version 0, "no card", is
     * written as version {@value #VERSION}).
     *
     * @return a new modifiable map in key order version, labels, preprocess, output, output name,
     *     extra
     */
    public Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(KEY_VERSION, String.valueOf(version > 0 ? version : VERSION));
        if (labels != null) {
            m.put(KEY_LABELS, Json.write(labels));
        }
        if (preprocessing != null) {
            m.put(KEY_PREPROCESS, preprocessing.toJson());
        }
        if (output != null) {
            m.put(KEY_OUTPUT, output.cardName());
        }
        if (outputName != null) {
            m.put(KEY_OUTPUT_NAME, outputName);
        }
        m.putAll(extra);
        return m;
    }

    /**
     * A copy with other labels.
     *
     * @param newLabels the labels, or null
     * @return a new card
     */
    public ModelCard withLabels(List<String> newLabels) {
        return new ModelCard(version, newLabels, preprocessing, output, outputName, extra);
    }

    /**
     * A copy with another preprocessing.
     *
     * @param newPreprocessing the preprocessing, or null
     * @return a new card
     */
    public ModelCard withPreprocessing(Preprocessing newPreprocessing) {
        return new ModelCard(version, labels, newPreprocessing, output, outputName, extra);
    }
}
