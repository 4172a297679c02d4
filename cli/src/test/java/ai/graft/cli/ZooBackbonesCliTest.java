package ai.graft.cli;

import static ai.graft.cli.CliRun.graft;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.GraftJson;
import ai.graft.converter.ModelEditor;
import ai.graft.converter.OnnxModels;
import ai.graft.sdk.ModelCard;
import ai.graft.sdk.OutputKind;
import ai.graft.sdk.Preprocessing;
import com.fasterxml.jackson.databind.JsonNode;
import java.awt.Color;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The later backbones through the commands: listed, written, inspected and quantized. */
class ZooBackbonesCliTest {
    @TempDir Path dir;

    @Test
    void zoo_listsTheTransformersAndModernCnns() {
        CliRun run = graft("zoo", "--json");
        assertEquals(ExitCodes.OK, run.exitCode(), run.err());
        String names = GraftJson.read(run.out()).get("architectures").toString();
        for (String n :
                List.of(
                        "vit_b_16",
                        "vit_tiny",
                        "swin_t",
                        "convnext_tiny",
                        "efficientnet_v2_s",
                        "regnet_y_400mf",
                        "mobilenet_v3_large")) {
            assertTrue(names.contains("\"" + n + "\""), names);
        }
    }

    @Test
    void vitTiny_isWrittenInspectedWithItsClassTokenAndQuantizedToInt8() throws Exception {
        Path model = dir.resolve("vit.onnx");
        CliRun zoo =
                graft(
                        "zoo",
                        "vit_tiny",
                        "--size",
                        "32",
                        "--classes",
                        "2",
                        "--out",
                        model.toString());
        assertEquals(ExitCodes.OK, zoo.exitCode(), zoo.err());

        CliRun inspect = graft("inspect", model.toString(), "--json");
        assertEquals(ExitCodes.OK, inspect.exitCode(), inspect.err());
        JsonNode summary = GraftJson.read(inspect.out());
        assertEquals(17, summary.get("opsets").get("").intValue());
        JsonNode feature = summary.get("featureNode");
        assertEquals("/class/Gather", feature.get("producer").textValue(), inspect.out());
        assertEquals("[1,192]", feature.get("shape").toString());

        // a card with labels makes it a classifier that quantize accepts
        Path card = dir.resolve("vit-card.onnx");
        OnnxModels.write(
                ModelEditor.withCard(
                        OnnxModels.read(model),
                        new ModelCard(
                                ModelCard.VERSION,
                                List.of("warm", "cold"),
                                Preprocessing.imagenet(32, 32),
                                OutputKind.LOGITS,
                                "logits",
                                Map.of())),
                card);
        Path calib = dir.resolve("calib");
        Color[] colours = {Color.RED, Color.GREEN, Color.BLUE, Color.YELLOW};
        for (int i = 0; i < colours.length; i++) {
            SolidImages.png(calib.resolve("c" + i + ".png"), colours[i]);
        }
        Path out = dir.resolve("vit-int8.onnx");
        CliRun quantize =
                graft(
                        "quantize",
                        card.toString(),
                        "--out",
                        out.toString(),
                        "--int8",
                        "--calibrate",
                        calib.toString(),
                        "--json");
        assertEquals(ExitCodes.OK, quantize.exitCode(), quantize.err() + quantize.out());
        JsonNode q = GraftJson.read(quantize.out());
        assertTrue(q.get("written").booleanValue(), quantize.out());
        CliRun again = graft("inspect", out.toString(), "--json");
        assertEquals("int8 QDQ", GraftJson.read(again.out()).get("precision").textValue());
    }
}
