package ai.graft.converter;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * JSON outside the SDK, through Jackson with one configuration, so that reports, checkpoints,
 * model-card provenance and every command's {@code --json} output read alike. (The SDK keeps its
 * own small card parser and needs no JSON library.)
 *
 * <p>Written JSON is compact (no spaces), keeps a map's iteration order, writes a {@code float}
 * with its shortest decimal form ({@code 0.485f} as {@code 0.485}) and writes non-finite numbers
 * (NaN, infinities), which JSON cannot express, as {@code null}. Reading is strict RFC 8259: no
 * comments, no NaN, nothing after the value. Thread-safe.
 *
 * <pre>{@code
 * String text = GraftJson.write(Map.of("accuracy", 0.9, "loss", Double.NaN));
 * double accuracy = GraftJson.read(text).get("accuracy").doubleValue();
 * }</pre>
 */
public final class GraftJson {
    private static final ObjectMapper MAPPER =
            JsonMapper.builder()
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .addModule(finiteOrNull())
                    .build();

    private GraftJson() {}

    /**
     * Writes a value as compact JSON: a {@code Map} (keys as strings), a collection, an array, a
     * {@code String}, a {@code Number}, a {@code Boolean}, a {@code JsonNode}, or {@code null}.
     *
     * @param value the value
     * @return JSON text on one line
     * @throws IllegalArgumentException when Jackson cannot write the value
     */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "Cannot write "
                            + value.getClass().getName()
                            + " as JSON: "
                            + e.getOriginalMessage(),
                    e);
        }
    }

    /**
     * Parses JSON text (leading and trailing white space allowed).
     *
     * @param text JSON text
     * @return the value as a tree
     * @throws IllegalArgumentException on malformed or empty input, with the line and column
     */
    public static JsonNode read(String text) {
        if (text == null) {
            throw new IllegalArgumentException("JSON text is null");
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw malformed(e);
        }
        if (node == null || node.isMissingNode()) {
            throw new IllegalArgumentException("Malformed JSON: no value, expected a JSON text");
        }
        return node;
    }

    /**
     * Parses a JSON object into plain Java values, the form that {@link #write} writes back the
     * same: objects as {@code LinkedHashMap} in key order (a repeated key keeps the last value),
     * arrays as {@code List}, numbers as {@code Integer}, {@code Long} or {@code BigInteger} when
     * written without fraction or exponent and {@code Double} otherwise, {@code String}, {@code
     * Boolean} and {@code null}.
     *
     * @param text JSON text holding one object
     * @return the object's keys and values, modifiable
     * @throws IllegalArgumentException on malformed input, with the line and column, or when the
     *     value is not an object
     */
    public static Map<String, Object> readObject(String text) {
        JsonNode node = read(text);
        if (!node.isObject()) {
            throw new IllegalArgumentException(
                    "Expected a JSON object, got " + node.getNodeType().toString().toLowerCase());
        }
        return MAPPER.convertValue(node, new TypeReference<LinkedHashMap<String, Object>>() {});
    }

    private static IllegalArgumentException malformed(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String where =
                at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        return new IllegalArgumentException(
                "Malformed JSON" + where + ": " + e.getOriginalMessage(), e);
    }

    /** Float and double values, boxed or not, alone or in arrays: non-finite ones as null. */
    private static SimpleModule finiteOrNull() {
        SimpleModule m = new SimpleModule("graft-finite-or-null");
        m.addSerializer(Double.class, new NumberOrNull<>(Double.class));
        m.addSerializer(Double.TYPE, new NumberOrNull<>(Double.class));
        m.addSerializer(Float.class, new NumberOrNull<>(Float.class));
        m.addSerializer(Float.TYPE, new NumberOrNull<>(Float.class));
        m.addSerializer(double[].class, new DoublesOrNull());
        m.addSerializer(float[].class, new FloatsOrNull());
        return m;
    }

    private static void number(double d, JsonGenerator g) throws IOException {
        if (Double.isFinite(d)) {
            g.writeNumber(d);
        } else {
            g.writeNull();
        }
    }

    private static void number(float f, JsonGenerator g) throws IOException {
        if (Float.isFinite(f)) {
            g.writeNumber(f);
        } else {
            g.writeNull();
        }
    }

    private static final class NumberOrNull<T extends Number> extends StdSerializer<T> {
        NumberOrNull(Class<T> type) {
            super(type);
        }

        @Override
        public void serialize(T value, JsonGenerator g, SerializerProvider p) throws IOException {
            if (value instanceof Float f) {
                number(f.floatValue(), g);
            } else {
                number(value.doubleValue(), g);
            }
        }
    }

    private static final class DoublesOrNull extends StdSerializer<double[]> {
        DoublesOrNull() {
            super(double[].class);
        }

        @Override
        public void serialize(double[] a, JsonGenerator g, SerializerProvider p)
                throws IOException {
            g.writeStartArray(a, a.length);
            for (double d : a) {
                number(d, g);
            }
            g.writeEndArray();
        }
    }

    private static final class FloatsOrNull extends StdSerializer<float[]> {
        FloatsOrNull() {
            super(float[].class);
        }

        @Override
        public void serialize(float[] a, JsonGenerator g, SerializerProvider p) throws IOException {
            g.writeStartArray(a, a.length);
            for (float f : a) {
                number(f, g);
            }
            g.writeEndArray();
        }
    }
}
