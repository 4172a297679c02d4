package ai.graft.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelCardTest {
    @Test
    void toMetadata_roundTripsThroughFromMetadata() throws Exception {
        ModelCard card =
                new ModelCard(
                        1,
                        List.of("ant", "bee \"quoted\"", "ünïcode"),
                        Preprocessing.caffe(224, 224),
                        OutputKind.PROBABILITIES,
                        "prob",
                        Map.of("backbone", "squeezenet1_1", "graft.embedding.output", "features"));
        Map<String, String> props = card.toMetadata();
        assertEquals("1", props.get("graft.card.version"));
        assertEquals("probabilities", props.get("graft.output"));
        assertEquals("squeezenet1_1", props.get("graft.backbone"));
        for (String k : props.keySet()) {
            assertTrue(k.startsWith(ModelCard.PREFIX), k);
        }
        Map<String, String> withOthers = new LinkedHashMap<>(props);
        withOthers.put("names", "{0: 'x'}");
        ModelCard back = ModelCard.fromMetadata(withOthers);
        assertEquals(card, back);
        assertEquals("features", back.embeddingOutputName());
    }

    @Test
    void fromMetadata_withoutGraftKeys_isEmpty() throws Exception {
        ModelCard c = ModelCard.fromMetadata(Map.of("names", "{0: 'a'}", "imgsz", "[224, 224]"));
        assertTrue(c.isEmpty());
        assertEquals(0, c.version());
        assertNull(c.labels());
        assertNull(c.preprocessing());
        assertNull(c.output());
    }

    @Test
    void fromMetadata_partialCard_leavesAbsentFieldsNull() throws Exception {
        ModelCard c = ModelCard.fromMetadata(Map.of("graft.labels", "[\"a\",\"b\"]"));
        assertEquals(ModelCard.VERSION, c.version());
        assertEquals(List.of("a", "b"), c.labels());
        assertNull(c.preprocessing());
        assertNull(c.outputName());
    }

    @Test
    void fromMetadata_rejectsMalformedValues_namingTheKey() {
        ModelException e1 =
                assertThrows(
                        ModelException.class,
                        () -> ModelCard.fromMetadata(Map.of("graft.labels", "[\"a\", 3]")));
        assertTrue(e1.getMessage().contains("graft.labels"), e1.getMessage());
        ModelException e2 =
                assertThrows(
                        ModelException.class,
                        () -> ModelCard.fromMetadata(Map.of("graft.output", "scores")));
        assertTrue(e2.getMessage().contains("graft.output"), e2.getMessage());
        ModelException e3 =
                assertThrows(
                        ModelException.class,
                        () ->
                                ModelCard.fromMetadata(
                                        Map.of("graft.preprocess", "{\"color\":\"RGB\"}")));
        assertTrue(e3.getMessage().contains("graft.preprocess"), e3.getMessage());
        assertTrue(e3.getMessage().contains("width"), e3.getMessage());
        ModelException e4 =
                assertThrows(
                        ModelException.class,
                        () -> ModelCard.fromMetadata(Map.of("graft.card.version", "2")));
        assertTrue(e4.getMessage().contains("newer"), e4.getMessage());
    }

    @Test
    void fromMetadata_sizesPreprocessingFromDefaults() throws Exception {
        ModelCard c =
                ModelCard.fromMetadata(Map.of("graft.preprocess", "{\"color\":\"BGR\"}"), 32, 48);
        assertEquals(32, c.preprocessing().width());
        assertEquals(48, c.preprocessing().height());
    }

    @Test
    void constructor_rejectsReservedExtraKeysAndBlankLabels() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new ModelCard(1, null, null, null, null, Map.of("graft.labels", "[]")));
        assertThrows(
                IllegalArgumentException.class,
                () -> new ModelCard(1, List.of("a", " "), null, null, null, Map.of()));
    }

    @Test
    void outputKind_cardNames() {
        assertEquals("logits", OutputKind.LOGITS.cardName());
        assertEquals(OutputKind.EMBEDDING, OutputKind.fromCardName("Embedding"));
        assertThrows(IllegalArgumentException.class, () -> OutputKind.fromCardName("softmax"));
    }
}
