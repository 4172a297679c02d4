package ai.graft.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.Preprocessing.ColorOrder;
import ai.graft.sdk.Preprocessing.Layout;
import ai.graft.sdk.Preprocessing.Resize;
import java.util.List;
import org.junit.jupiter.api.Test;

class PreprocessingTest {

    @Test
    void imagenet_hasTorchvisionValues() {
        Preprocessing p = Preprocessing.imagenet(224, 224);
        assertEquals(224, p.width());
        assertEquals(224, p.height());
        assertEquals(Resize.SHORTER_CROP, p.resize());
        assertEquals(256, p.resizeShorter());
        assertEquals(ColorOrder.RGB, p.colorOrder());
        assertEquals(1f / 255f, p.scale());
        assertArrayEquals(new float[] {0.485f, 0.456f, 0.406f}, p.mean());
        assertArrayEquals(new float[] {0.229f, 0.224f, 0.225f}, p.std());
        assertEquals(Layout.NCHW, p.layout());
        assertEquals(3, p.channels());
        assertEquals(366, Preprocessing.imagenet(320, 384).resizeShorter()); // round(320*256/224)
    }

    @Test
    void caffe_isBgrWithCaffeMean() {
        Preprocessing p = Preprocessing.caffe(224, 224);
        assertEquals(ColorOrder.BGR, p.colorOrder());
        assertEquals(1f, p.scale());
        assertArrayEquals(new float[] {103.939f, 116.779f, 123.68f}, p.mean());
        assertArrayEquals(new float[] {1f, 1f, 1f}, p.std());
        assertEquals(256, p.resizeShorter());
        assertEquals(Resize.SHORTER_CROP, p.resize());
    }

    @Test
    void rawAndUnit_presets() {
        Preprocessing raw = Preprocessing.raw(28, 28);
        assertEquals(Resize.STRETCH, raw.resize());
        assertEquals(1f, raw.scale());
        assertArrayEquals(new float[] {0, 0, 0}, raw.mean());
        assertArrayEquals(new float[] {1, 1, 1}, raw.std());
        Preprocessing unit = Preprocessing.unit(224, 224);
        assertEquals(224, unit.resizeShorter());
        assertEquals(1f / 255f, unit.scale());
        assertEquals(ColorOrder.RGB, unit.colorOrder());
    }

    @Test
    void toJson_hasTheCardForm() {
        assertEquals(
                "{\"width\":224,\"height\":224,\"resize\":\"shorter-crop\",\"resizeShorter\":256,"
                        + "\"color\":\"BGR\",\"scale\":1.0,\"mean\":[103.939,116.779,123.68],"
                        + "\"std\":[1.0,1.0,1.0],\"layout\":\"NCHW\"}",
                Preprocessing.caffe(224, 224).toJson());
    }

    @Test
    void toJson_roundTripsThroughFromJson() {
        List<Preprocessing> all =
                List.of(
                        Preprocessing.imagenet(224, 224),
                        Preprocessing.caffe(227, 227),
                        Preprocessing.raw(28, 28),
                        Preprocessing.unit(224, 224),
                        Preprocessing.builder()
                                .size(64, 32)
                                .resize(Resize.LETTERBOX)
                                .colorOrder(ColorOrder.GRAY)
                                .scale(1f / 127.5f)
                                .mean(1f)
                                .std(0.5f)
                                .layout(Layout.NHWC)
                                .build(),
                        Preprocessing.imagenet(224, 224).toBuilder().resizeShorter(300).build());
        for (Preprocessing p : all) {
            Preprocessing back = Preprocessing.fromJson(p.toJson());
            assertEquals(p, back, p.toJson());
            assertEquals(p.hashCode(), back.hashCode());
            assertEquals(p.toJson(), back.toJson());
            assertEquals(p, p.toBuilder().build());
        }
    }

    @Test
    void fromJson_acceptsTheContractExampleAndDefaults() {
        Preprocessing p =
                Preprocessing.fromJson(
                        "{\"width\":224,\"height\":224,\"resize\":\"shorter-crop\",\"resizeShorter\":256,"
                                + "\"color\":\"BGR\",\"scale\":1.0,\"mean\":[103.939,116.779,123.68],"
                                + "\"std\":[1,1,1],\"layout\":\"NCHW\"}");
        assertEquals(Preprocessing.caffe(224, 224), p);
        Preprocessing minimal = Preprocessing.fromJson("{\"width\":100,\"height\":50}");
        assertEquals(Resize.SHORTER_CROP, minimal.resize());
        assertEquals(57, minimal.resizeShorter()); // round(50 * 256 / 224)
        assertEquals(ColorOrder.RGB, minimal.colorOrder());
        assertArrayEquals(new float[] {0, 0, 0}, minimal.mean());
    }

    @Test
    void parse_acceptsPresetNamesAndJson() {
        assertEquals(Preprocessing.caffe(224, 224), Preprocessing.parse("caffe", 224, 224));
        assertEquals(Preprocessing.imagenet(160, 160), Preprocessing.parse("ImageNet", 160, 160));
        assertEquals(Preprocessing.raw(28, 28), Preprocessing.parse(" raw ", 28, 28));
        assertEquals(Preprocessing.unit(224, 224), Preprocessing.parse("unit", 224, 224));
        Preprocessing fromJson =
                Preprocessing.parse("{\"color\":\"GRAY\",\"resize\":\"stretch\"}", 28, 28);
        assertEquals(28, fromJson.width());
        assertEquals(1, fromJson.channels());
        assertEquals(Resize.STRETCH, fromJson.resize());
        Preprocessing own = Preprocessing.parse("{\"width\":32,\"height\":16}", 28, 28);
        assertEquals(32, own.width());
        assertEquals(16, own.height());
    }

    @Test
    void parse_rejectsUnknownName() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Preprocessing.parse("torch", 224, 224));
        assertTrue(e.getMessage().contains("'torch'"), e.getMessage());
        assertTrue(e.getMessage().contains("imagenet, caffe, raw, unit"), e.getMessage());
    }

    @Test
    void fromJson_namesTheBadField() {
        assertMessage("'width'", "{\"height\":224}");
        assertMessage("'color'", "{\"width\":2,\"height\":2,\"color\":\"CMYK\"}");
        assertMessage("'resize'", "{\"width\":2,\"height\":2,\"resize\":\"crop\"}");
        assertMessage("'layout'", "{\"width\":2,\"height\":2,\"layout\":\"CHW\"}");
        assertMessage("'mean'", "{\"width\":2,\"height\":2,\"mean\":[1,2]}");
        assertMessage("'mean'", "{\"width\":2,\"height\":2,\"mean\":\"zero\"}");
        assertMessage("'std'", "{\"width\":2,\"height\":2,\"std\":[1,0,1]}");
        assertMessage("'scale'", "{\"width\":2,\"height\":2,\"scale\":\"1/255\"}");
        assertMessage("'width'", "{\"width\":2.5,\"height\":2}");
        assertMessage("'height'", "{\"width\":2,\"height\":-3}");
        assertMessage("'colour'", "{\"width\":2,\"height\":2,\"colour\":\"RGB\"}");
        assertMessage("position", "{\"width\":2,");
        assertMessage("expected an object", "[1,2]");
    }

    private static void assertMessage(String expected, String json) {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Preprocessing.fromJson(json));
        assertTrue(e.getMessage().contains(expected), json + " -> " + e.getMessage());
    }

    @Test
    void build_validatesWithMessagesNamingTheField() {
        assertBuildFails("'width'", Preprocessing.builder().size(0, 224));
        assertBuildFails("'height'", Preprocessing.builder().size(224, -1));
        assertBuildFails("'mean'", Preprocessing.builder().mean(1f, 2f));
        assertBuildFails(
                "'mean'", Preprocessing.builder().colorOrder(ColorOrder.GRAY).mean(1f, 2f, 3f));
        assertBuildFails("'std'", Preprocessing.builder().std(1f, 0f, 1f));
        assertBuildFails("'std'", Preprocessing.builder().std(1f));
        assertBuildFails("'scale'", Preprocessing.builder().scale(0f));
        assertBuildFails("'scale'", Preprocessing.builder().scale(Float.NaN));
        assertBuildFails("'resizeShorter'", Preprocessing.builder().resizeShorter(100));
        assertBuildFails("'resizeShorter'", Preprocessing.builder().resizeShorter(-1));
        assertBuildFails("'resize'", Preprocessing.builder().resize(null));
    }

    private static void assertBuildFails(String field, Preprocessing.Builder b) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        assertTrue(e.getMessage().contains(field), e.getMessage());
    }

    @Test
    void values_areImmutable() {
        Preprocessing p = Preprocessing.caffe(224, 224);
        p.mean()[0] = 0;
        p.std()[0] = 5;
        assertEquals(103.939f, p.mean()[0]);
        assertEquals(1f, p.std()[0]);
        float[] mean = {1, 2, 3};
        Preprocessing q = Preprocessing.builder().mean(mean).build();
        mean[0] = 9;
        assertEquals(1f, q.mean()[0]);
        assertNotEquals(p, q);
    }

    @Test
    void stretchAndLetterbox_reportLongerSideForDecoding() {
        assertEquals(64, Preprocessing.raw(64, 32).resizeShorter());
        Preprocessing lb = Preprocessing.builder().size(640, 480).resize(Resize.LETTERBOX).build();
        assertEquals(640, lb.resizeShorter());
    }
}
