package ai.graft.converter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GraftJsonTest {
    @Test
    void write_isCompactInMapOrder() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("z", 1);
        m.put("a", List.of("x", true));
        m.put("m", null);
        m.put("n", Map.of("k", 2L));
        assertEquals("{\"z\":1,\"a\":[\"x\",true],\"m\":null,\"n\":{\"k\":2}}", GraftJson.write(m));
    }

    @Test
    void write_numbersAsTheShortestDecimalAndNonFiniteAsNull() {
        List<Object> values = new ArrayList<>();
        values.add(0.485f);
        values.add(2.0);
        values.add(1.0 / 3);
        values.add(Double.NaN);
        values.add(Float.POSITIVE_INFINITY);
        values.add(new float[] {0.1f, Float.NaN});
        values.add(new double[] {Double.NEGATIVE_INFINITY, 0.5});
        values.add(new int[] {1, 2});
        values.add(new long[] {3L});
        assertEquals(
                "[0.485,2.0,0.3333333333333333,null,null,[0.1,null],[null,0.5],[1,2],[3]]",
                GraftJson.write(values));
    }

    @Test
    void write_escapesQuotesBackslashesAndControlCharactersAndKeepsOtherText() {
        assertEquals("\"a\\\"b\\\\c\\n\\t\\u0001 é/ü\"", GraftJson.write("a\"b\\c\n\t\u0001 é/ü"));
    }

    @Test
    void readObject_readsBackWhatWriteWrote() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epochs", 4);
        m.put("rate", 0.001);
        m.put("augment", List.of("hflip"));
        m.put("nested", Map.of("size", 224));
        m.put("none", null);
        assertEquals(m, GraftJson.readObject(GraftJson.write(m)));
    }

    @Test
    void readObject_keepsKeyOrderAndTheLastOfARepeatedKey() {
        Map<String, Object> m = GraftJson.readObject("{\"b\":1,\"a\":2,\"b\":3}");
        assertEquals(List.of("b", "a"), new ArrayList<>(m.keySet()));
        assertEquals(3, m.get("b"));
    }

    @Test
    void read_givesATree() {
        JsonNode n = GraftJson.read(" {\"top\":[{\"label\":\"cat\",\"score\":0.5}]} ");
        assertEquals("cat", n.at("/top/0/label").textValue());
        assertEquals(0.5, n.at("/top/0/score").doubleValue());
        assertNull(n.get("missing"));
    }

    @Test
    void read_rejectsMalformedTextWithLineAndColumn() {
        for (String bad :
                Arrays.asList(
                        "{\"a\":}", "[1,2", "{\"a\":1} x", "NaN", "{'a':1}", "[1] // note", "")) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> GraftJson.read(bad), bad);
            assertTrue(e.getMessage().startsWith("Malformed JSON"), e.getMessage());
        }
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> GraftJson.read("{\n\"a\": x}"));
        assertTrue(
                e.getMessage().startsWith("Malformed JSON at line 2, column 6: "), e.getMessage());
    }

    @Test
    void readObject_rejectsOtherValuesSayingWhatWasExpected() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> GraftJson.readObject("[1]"));
        assertEquals("Expected a JSON object, got array", e.getMessage());
    }
}
