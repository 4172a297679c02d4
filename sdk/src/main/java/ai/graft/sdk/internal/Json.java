package ai.graft.sdk.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * A minimal JSON reader and writer for the model card, so that the SDK needs no JSON library. The
 * SDK's alone: the other modules read and write JSON with {@code ai.graft.converter.GraftJson}.
 *
 * <p>{@link #parse(String)} maps objects to {@code LinkedHashMap<String, Object>} (key order kept;
 * a repeated key keeps the last value), arrays to {@code List<Object>}, strings to {@code String},
 * numbers to {@code Double}, {@code true}/{@code false} to {@code Boolean} and {@code null} to
 * {@code null}. Thread-safe: all methods are static and stateless.
 */
public final class Json {
    private Json() {}

    /**
     * Parses JSON text (RFC 8259; leading and trailing white space allowed).
     *
     * @param text JSON text
     * @return a {@code Map}, {@code List}, {@code String}, {@code Double}, {@code Boolean} or
     *     {@code null}
     * @throws IllegalArgumentException on malformed input, with the character position
     */
    public static Object parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("JSON text is null");
        }
        Parser p = new Parser(text);
        p.skipWs();
        Object v = p.value(0);
        p.skipWs();
        if (p.pos < text.length()) {
            throw p.error("unexpected text after the JSON value");
        }
        return v;
    }

    /**
     * Writes a value as compact JSON (no spaces). Accepts {@code Map} (keys written with {@code
     * String.valueOf}), {@code Iterable}, {@code Object[]}, {@code float[]}, {@code double[]},
     * {@code int[]}, {@code long[]}, {@code String}, {@code Character}, {@code Number}, {@code
     * Boolean} and {@code null}. Non-finite numbers (NaN, infinities) are written as {@code null},
     * which JSON cannot otherwise express. A {@code float} is written with its shortest decimal
     * form ({@code 0.485f} as {@code 0.485}).
     *
     * @param value the value
     * @return JSON text
     * @throws IllegalArgumentException for any other type
     */
    public static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(value, sb);
        return sb.toString();
    }

    /**
     * Quotes a string as a JSON string literal, escaping quotes, backslashes and control
     * characters.
     *
     * @param s the string
     * @return the literal, with its surrounding quotes; {@code null} for a null string
     */
    public static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(s.length() + 2);
        quote(s, sb);
        return sb.toString();
    }

    private static void quote(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    sb.append("\\\"");
                    break;
                case '\\':
                    sb.append("\\\\");
                    break;
                case '\n':
                    sb.append("\\n");
                    break;
                case '\r':
                    sb.append("\\r");
                    break;
                case '\t':
                    sb.append("\\t");
                    break;
                case '\b':
                    sb.append("\\b");
                    break;
                case '\f':
                    sb.append("\\f");
                    break;
                default:
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }

    private static void write(Object v, StringBuilder sb) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof String) {
            quote((String) v, sb);
        } else if (v instanceof Character) {
            quote(v.toString(), sb);
        } else if (v instanceof Boolean) {
            sb.append(v.toString());
        } else if (v instanceof Float) {
            writeFloat((Float) v, sb);
        } else if (v instanceof Double) {
            writeDouble((Double) v, sb);
        } else if (v instanceof Number) {
            // Integer, Long, Short, Byte, BigInteger, BigDecimal: their toString is valid JSON.
            sb.append(v.toString());
        } else if (v instanceof Map) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                quote(String.valueOf(e.getKey()), sb);
                sb.append(':');
                write(e.getValue(), sb);
            }
            sb.append('}');
        } else if (v instanceof Iterable) {
            sb.append('[');
            boolean first = true;
            for (Object o : (Iterable<?>) v) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                write(o, sb);
            }
            sb.append(']');
        } else if (v instanceof Object[] a) {
            array(a.length, i -> write(a[i], sb), sb);
        } else if (v instanceof float[] a) {
            array(a.length, i -> writeFloat(a[i], sb), sb);
        } else if (v instanceof double[] a) {
            array(a.length, i -> writeDouble(a[i], sb), sb);
        } else if (v instanceof int[] a) {
            array(a.length, i -> sb.append(a[i]), sb);
        } else if (v instanceof long[] a) {
            array(a.length, i -> sb.append(a[i]), sb);
        } else {
            throw new IllegalArgumentException(
                    "Cannot write "
                            + v.getClass().getName()
                            + " as JSON, expected Map, List, array, String, Number, Boolean or"
                            + " null");
        }
    }

    /** A JSON array of {@code length} elements, each written by {@code element}. */
    private static void array(int length, IntConsumer element, StringBuilder sb) {
        sb.append('[');
        for (int i = 0; i < length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            element.accept(i);
        }
        sb.append(']');
    }

    private static void writeFloat(float f, StringBuilder sb) {
        if (!Float.isFinite(f)) {
            sb.append("null");
        } else if (f == Math.rint(f) && Math.abs(f) < 1e15f) {
            sb.append((long) f).append(".0");
        } else {
            // Float.toString gives the shortest decimal that reads back as the same float.
            sb.append(Float.toString(f));
        }
    }

    private static void writeDouble(double d, StringBuilder sb) {
        if (!Double.isFinite(d)) {
            sb.append("null");
        } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            sb.append((long) d).append(".0");
        } else {
            sb.append(Double.toString(d));
        }
    }

    private static final class Parser {
        private static final int MAX_DEPTH = 512;
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        IllegalArgumentException error(String what) {
            String near;
            if (pos >= s.length()) {
                near = "end of input";
            } else {
                int end = Math.min(s.length(), pos + 20);
                near = "'" + s.substring(pos, end) + (end < s.length() ? "...'" : "'");
            }
            return new IllegalArgumentException(
                    "Malformed JSON at position " + pos + " (near " + near + "): " + what);
        }

        void skipWs() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                    pos++;
                } else {
                    break;
                }
            }
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("nested deeper than " + MAX_DEPTH + " levels");
            }
            if (pos >= s.length()) {
                throw error("expected a value");
            }
            char c = s.charAt(pos);
            switch (c) {
                case '{':
                    return object(depth);
                case '[':
                    return array(depth);
                case '"':
                    return string();
                case 't':
                    literal("true");
                    return Boolean.TRUE;
                case 'f':
                    literal("false");
                    return Boolean.FALSE;
                case 'n':
                    literal("null");
                    return null;
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        return number();
                    }
                    throw error(
                            "expected a value (object, array, string, number, true, false or null)");
            }
        }

        void literal(String word) {
            if (!s.startsWith(word, pos)) {
                throw error("expected " + word);
            }
            pos += word.length();
        }

        Map<String, Object> object(int depth) {
            pos++; // {
            Map<String, Object> m = new LinkedHashMap<>();
            skipWs();
            if (pos < s.length() && s.charAt(pos) == '}') {
                pos++;
                return m;
            }
            while (true) {
                skipWs();
                if (pos >= s.length() || s.charAt(pos) != '"') {
                    throw error("expected a string key");
                }
                String key = string();
                skipWs();
                if (pos >= s.length() || s.charAt(pos) != ':') {
                    throw error("expected ':' after key " + quote(key));
                }
                pos++;
                skipWs();
                m.put(key, value(depth + 1));
                skipWs();
                if (pos >= s.length()) {
                    throw error("expected ',' or '}'");
                }
                char c = s.charAt(pos);
                if (c == ',') {
                    pos++;
                } else if (c == '}') {
                    pos++;
                    return m;
                } else {
                    throw error("expected ',' or '}'");
                }
            }
        }

        List<Object> array(int depth) {
            pos++; // [
            List<Object> list = new ArrayList<>();
            skipWs();
            if (pos < s.length() && s.charAt(pos) == ']') {
                pos++;
                return list;
            }
            while (true) {
                skipWs();
                list.add(value(depth + 1));
                skipWs();
                if (pos >= s.length()) {
                    throw error("expected ',' or ']'");
                }
                char c = s.charAt(pos);
                if (c == ',') {
                    pos++;
                } else if (c == ']') {
                    pos++;
                    return list;
                } else {
                    throw error("expected ',' or ']'");
                }
            }
        }

        String string() {
            pos++; // opening quote
            StringBuilder sb = null;
            int start = pos;
            while (true) {
                if (pos >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(pos);
                if (c == '"') {
                    String out =
                            sb == null
                                    ? s.substring(start, pos)
                                    : sb.append(s, start, pos).toString();
                    pos++;
                    return out;
                }
                if (c < 0x20) {
                    throw error("control character in string, expected it escaped");
                }
                if (c == '\\') {
                    if (sb == null) {
                        sb = new StringBuilder();
                    }
                    sb.append(s, start, pos);
                    pos++;
                    if (pos >= s.length()) {
                        throw error("unterminated escape");
                    }
                    char e = s.charAt(pos);
                    switch (e) {
                        case '"':
                        case '\\':
                        case '/':
                            sb.append(e);
                            break;
                        case 'b':
                            sb.append('\b');
                            break;
                        case 'f':
                            sb.append('\f');
                            break;
                        case 'n':
                            sb.append('\n');
                            break;
                        case 'r':
                            sb.append('\r');
                            break;
                        case 't':
                            sb.append('\t');
                            break;
                        case 'u':
                            if (pos + 4 >= s.length()) {
                                throw error("incomplete \\u escape");
                            }
                            int cp = 0;
                            for (int i = 1; i <= 4; i++) {
                                int d = Character.digit(s.charAt(pos + i), 16);
                                if (d < 0) {
                                    throw error("bad \\u escape, expected 4 hex digits");
                                }
                                cp = cp * 16 + d;
                            }
                            sb.append((char) cp);
                            pos += 4;
                            break;
                        default:
                            throw error("unknown escape \\" + e);
                    }
                    pos++;
                    start = pos;
                } else {
                    pos++;
                }
            }
        }

        Double number() {
            int start = pos;
            if (s.charAt(pos) == '-') {
                pos++;
            }
            if (pos >= s.length() || !isDigit(s.charAt(pos))) {
                throw error("expected a digit");
            }
            if (s.charAt(pos) == '0') {
                pos++;
            } else {
                while (pos < s.length() && isDigit(s.charAt(pos))) {
                    pos++;
                }
            }
            if (pos < s.length() && s.charAt(pos) == '.') {
                pos++;
                if (pos >= s.length() || !isDigit(s.charAt(pos))) {
                    throw error("expected a digit after '.'");
                }
                while (pos < s.length() && isDigit(s.charAt(pos))) {
                    pos++;
                }
            }
            if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
                pos++;
                if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
                    pos++;
                }
                if (pos >= s.length() || !isDigit(s.charAt(pos))) {
                    throw error("expected a digit in the exponent");
                }
                while (pos < s.length() && isDigit(s.charAt(pos))) {
                    pos++;
                }
            }
            return Double.valueOf(s.substring(start, pos));
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }
    }
}
