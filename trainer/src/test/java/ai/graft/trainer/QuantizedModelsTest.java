package ai.graft.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.OnnxModels;
import ai.graft.converter.quantize.Precision;
import ai.graft.converter.quantize.Tolerance;
import ai.graft.trainer.data.Datasets;
import ai.graft.trainer.data.Splits;
import ai.graft.trainer.eval.ColourFixtures;
import ai.graft.trainer.eval.QuantizationCheck;
import ai.graft.trainer.tune.TinyNets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link QuantizedModels#check}: a quantized model within the tolerance is written beside the float
 * one, one that loses more is refused with the figures, one the quantizer cannot take fails with
 * why; neither leaves a file.
 */
class QuantizedModelsTest {
    @TempDir static Path dir;
    static Splits splits;

    @BeforeAll
    static void makeData() throws Exception {
        splits = Datasets.open(TinyNets.colourFolders(dir.resolve("colours"), 8, 4), 0.2, 1, 1);
    }

    @Test
    void check_keepsAFp16ModelThatLosesNothing_besideTheFloatOne() throws Exception {
        Path model =
                ColourFixtures.model(
                        Files.createDirectories(dir.resolve("kept")).resolve("model.onnx"),
                        List.of("blue", "red"),
                        new float[][] {{0, 0, 10}, {10, 0, 0}});
        QuantizationCheck c =
                QuantizedModels.check(
                        model,
                        Precision.FP16,
                        splits.train(),
                        splits.val(),
                        TrainingMonitor.SILENT);
        assertNull(c.error());
        assertTrue(c.kept(), c.line());
        assertEquals(dir.resolve("kept/model-fp16.onnx"), c.file());
        assertEquals(Precision.FP16, Precision.of(OnnxModels.read(c.file())));
        assertEquals(8, c.report().accuracy().images(), "every validation image");
        assertEquals(1.0, c.report().accuracy().original(), 1e-9);
        assertEquals(1.0, c.report().accuracy().reduced(), 1e-9);
        assertEquals(Tolerance.ACCURACY_POINTS, c.tolerance());
        assertEquals(16, c.report().images(), "checked on every training image");
        assertTrue(c.markdown().contains("| model-fp16.onnx | fp16 | 1.0000 |"), c.markdown());
    }

    @Test
    void check_refusesAnInt8ModelThatLosesMoreThanTheTolerance_andRemovesAnOldFile()
            throws Exception {
        // Blue against red decided by weights 1/50 000 of the largest in their row: int8 weights
        // round them to zero, so both classes score alike and half the images change class.
        Path folder = Files.createDirectories(dir.resolve("refused"));
        Path model =
                ColourFixtures.model(
                        folder.resolve("model.onnx"),
                        List.of("blue", "red"),
                        new float[][] {{0, 1000, 0.02f}, {0.02f, 1000, 0}});
        Path stale = Files.writeString(folder.resolve("model-int8.onnx"), "an earlier run's");
        QuantizationCheck c =
                QuantizedModels.check(
                        model,
                        Precision.INT8_QDQ,
                        splits.train(),
                        splits.val(),
                        TrainingMonitor.SILENT);
        assertFalse(c.kept(), c.line());
        assertFalse(Files.exists(stale));
        assertEquals(1.0, c.report().accuracy().original(), 1e-9);
        assertTrue(c.loss() > Tolerance.ACCURACY_POINTS, c.line());
        assertTrue(c.line().startsWith("refused, float model kept: it loses "), c.line());
        assertTrue(c.markdown().contains("**Not kept:** the int8 QDQ model loses"), c.markdown());
        assertEquals(Boolean.FALSE, c.toMap().get("kept"));
    }

    @Test
    void check_reportsWhyTheQuantizerRefusedTheModel() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("failed"));
        Path float16 = folder.resolve("model.onnx");
        Path original =
                ColourFixtures.model(
                        dir.resolve("original.onnx"),
                        List.of("blue", "red"),
                        new float[][] {{0, 0, 10}, {10, 0, 0}});
        OnnxModels.write(
                QuantizedModels.quantize(original, Precision.FP16, splits.train(), null).model(),
                float16);
        QuantizationCheck c =
                QuantizedModels.check(
                        float16,
                        Precision.INT8_QDQ,
                        splits.train(),
                        splits.val(),
                        TrainingMonitor.SILENT);
        assertFalse(c.kept());
        assertNull(c.report());
        assertTrue(c.error().contains("is already float16"), c.error());
        assertTrue(c.markdown().startsWith("**No int8 QDQ model was kept:**"), c.markdown());
        assertFalse(Files.exists(folder.resolve("model-int8.onnx")));
        assertThrows(
                IllegalArgumentException.class, () -> QuantizedModels.fileName(Precision.FP32));
    }
}
