package ai.graft.sdk.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void parse_mapsTypesAndKeepsKeyOrder() {
        Object v =
                Json.parse(
                        " {\"b\": 1, \"a\": [true, false, null, -2.5e2, \"x\\u00e9\\n\"], \"c\": {}} ");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of("b", "a", "c"), new ArrayList<>(m.keySet()));
        assertEquals(1.0, m.get("b"));
        List<?> a = (List<?>) m.get("a");
        assertEquals(Arrays.asList(true, false, null, -250.0, "x\u00e9\n"), a);
        assertEquals(Map.of(), m.get("c"));
        assertTrue(m instanceof LinkedHashMap);
    }

    @Test
    void parse_scalarsAndEmptyArray() {
        assertEquals("s", Json.parse("\"s\""));
        assertEquals(0.0, Json.parse("0"));
        assertNull(Json.parse("null"));
        assertEquals(List.of(), Json.parse("[ ]"));
    }

    @Test
    void parse_rejectsMalformedInputWithPosition() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\":1,}"));
        assertTrue(e.getMessage().contains("position 7"), e.getMessage());
        for (String bad :
                new String[] {
                    "",
                    "{",
                    "[1 2]",
                    "{\"a\" 1}",
                    "01",
                    "1.",
                    "\"abc",
                    "tru",
                    "[1]x",
                    "{a:1}",
                    "\"\\q\"",
                    "-"
                }) {
            IllegalArgumentException ex =
                    assertThrows(IllegalArgumentException.class, () -> Json.parse(bad), bad);
            assertTrue(ex.getMessage().startsWith("Malformed JSON at position"), ex.getMessage());
        }
    }

    @Test
    void write_isCompactAndRoundTrips() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "a\"b\\c\n\u0001");
        m.put("n", 3);
        m.put("f", new float[] {0.485f, 1f, 103.939f});
        m.put("d", new double[] {0.1, -2});
        m.put("list", List.of(true, "x"));
        m.put("none", null);
        String json = Json.write(m);
        assertEquals(
                "{\"name\":\"a\\\"b\\\\c\\n\\u0001\",\"n\":3,\"f\":[0.485,1.0,103.939],"
                        + "\"d\":[0.1,-2.0],\"list\":[true,\"x\"],\"none\":null}",
                json);
        Map<?, ?> back = (Map<?, ?>) Json.parse(json);
        assertEquals("a\"b\\c\n\u0001", back.get("name"));
        assertEquals(List.of(0.485, 1.0, 103.939), back.get("f"));
        assertEquals(0.485f, ((Double) ((List<?>) back.get("f")).get(0)).floatValue());
    }

    @Test
    void write_everyArrayKind() {
        assertEquals("[1,-2,3]", Json.write(new int[] {1, -2, 3}));
        assertEquals("[10000000000]", Json.write(new long[] {10_000_000_000L}));
        assertEquals("[\"a\",null,[]]", Json.write(new Object[] {"a", null, new int[0]}));
        assertEquals("[]", Json.write(new float[0]));
        assertEquals("[0.5,2.0]", Json.write(new double[] {0.5, 2}));
    }

    @Test
    void write_nonFiniteNumbersAreNull() {
        assertEquals("[null,null,null]", Json.write(new double[] {Double.NaN, 1 / 0.0, -1 / 0.0}));
        assertEquals("null", Json.write(Float.NaN));
    }

    @Test
    void write_rejectsUnknownTypes() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
        assertTrue(e.getMessage().contains("java.lang.Object"), e.getMessage());
    }

    @Test
    void quote_escapesQuotesAndControlCharacters() {
        assertEquals("\"tab\\there \\\"q\\\" \\u001f\"", Json.quote("tab\there \"q\" \u001f"));
        assertEquals("null", Json.quote(null));
    }
}
