package ai.graft.trainer.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.GraftJson;
import ai.graft.converter.ModelEditor;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.quantize.ModelQuantizer;
import ai.graft.trainer.Strategy;
import ai.graft.trainer.TrainingMonitor;
import ai.graft.trainer.data.Datasets;
import ai.graft.trainer.data.ImageDataset;
import ai.graft.trainer.data.Sample;
import ai.graft.trainer.data.Splits;
import ai.graft.trainer.eval.ColourFixtures;
import ai.graft.trainer.tune.TinyNets;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Comparison#run} on tiny generated data: a tiny backbone file and the zoo's smallcnn
 * trained, a finished model measured only, a broken file failing alone; the held-out split, the
 * choice and the reports.
 */
class ComparisonTest {
    @TempDir static Path dir;
    static Path data;
    static Path tiny;
    static Path finished;
    static Path broken;

    @BeforeAll
    static void makeData() throws Exception {
        data = TinyNets.colourFolders(dir.resolve("colours"), 8, 4);
        tiny = TinyNets.classifierFile(dir, 5);
        // Blue and red by their mean colour: a finished model for this data.
        finished =
                ColourFixtures.model(
                        dir.resolve("finished.onnx"),
                        List.of("blue", "red"),
                        new float[][] {{0, 0, 10}, {10, 0, 0}});
        broken = Files.writeString(dir.resolve("broken.onnx"), "not a model");
    }

    private static ComparisonOptions.Builder options(Path out, List<String> backbones) {
        return ComparisonOptions.builder(data, backbones, out)
                .strategies(List.of(Strategy.FEATURES))
                .preprocess("unit")
                .imageSize(20)
                .epochs(2)
                .latencyRuns(3);
    }

    private static Set<Path> files(ImageDataset d) {
        return d.samples().stream().map(Sample::file).collect(Collectors.toSet());
    }

    @Test
    @SuppressWarnings("unchecked")
    void run_trainsMeasuresAndChooses_onImagesNoRunSaw_andOneFailureStopsNothing()
            throws Exception {
        Path out = dir.resolve("out");
        List<String> backbones =
                List.of(tiny.toString(), "smallcnn", broken.toString(), finished.toString());
        List<String> snapshots = new ArrayList<>();
        TrainingMonitor monitor =
                line -> {
                    // The reports hold what finished before each later combination starts.
                    if (line.startsWith("[3/4]")) {
                        snapshots.add(read(out.resolve(Comparison.JSON)));
                    }
                };
        ComparisonResult r = Comparison.run(options(out, backbones).build(), monitor);

        // One split: half of each validation class held out, written to the manifest the runs
        // trained on; its test images are in neither the training nor the validation set.
        TestSplit split = r.split();
        assertTrue(split.made());
        assertEquals(out.resolve(TestSplit.MANIFEST), split.trainingData());
        Splits manifest = Datasets.open(split.trainingData(), 0.2, 1, 1);
        assertEquals(files(split.test()), files(manifest.test()));
        Set<Path> overlap = new HashSet<>(files(manifest.train()));
        overlap.addAll(files(manifest.val()));
        overlap.retainAll(files(split.test()));
        assertTrue(overlap.isEmpty(), "test images in training or validation: " + overlap);
        assertEquals(4, split.test().size(), "2 of each class's 4 validation images");
        assertEquals(16, split.trainImages());
        assertEquals(4, split.valImages());

        assertEquals(4, r.measurements().size());
        assertTrue(r.complete());
        Measurement tinyRun = r.measurements().get(0);
        Measurement small = r.measurements().get(1);
        Measurement failed = r.measurements().get(2);
        Measurement done = r.measurements().get(3);
        assertEquals("tiny/features/fp32", tinyRun.name());
        assertEquals("smallcnn/features/fp32", small.name());
        for (Measurement m : List.of(tinyRun, small, done)) {
            assertTrue(m.ok(), m.name() + ": " + m.error());
            assertEquals(4, m.testImages());
            assertNull(m.top5(), "fewer than 5 classes");
            assertTrue(m.p50LatencyMs() > 0 && m.p95LatencyMs() >= m.p50LatencyMs(), m.name());
            assertTrue(m.imagesPerSecond() > 0, m.name());
            assertEquals(Files.size(m.model()), m.fileBytes());
            assertTrue(m.parameters() > 0 && m.multiplyAdds() > 0, m.name());
        }
        assertEquals(out.resolve("tiny-features/model.onnx"), tinyRun.model());
        assertEquals(out.resolve("smallcnn-features/model.onnx"), small.model());
        assertTrue(tinyRun.trainSeconds() > 0 && tinyRun.valAccuracy() != null);

        assertFalse(failed.ok());
        assertEquals("broken/features/fp32", failed.name());
        assertTrue(failed.error().startsWith("training failed: "), failed.error());
        assertTrue(failed.error().contains("broken.onnx"), failed.error());
        assertEquals(1, r.failed());

        // The finished model is measured as it is: no run, no training time.
        assertEquals("finished/finished/fp32", done.name());
        assertEquals(Measurement.FINISHED, done.strategy());
        assertEquals(finished, done.model());
        assertTrue(Double.isNaN(done.trainSeconds()));
        assertNull(done.valAccuracy());
        assertEquals(1.0, done.top1(), 1e-9, "blue and red by their mean colour");
        assertEquals(1.0, done.macroF1(), 1e-9);
        assertFalse(Files.exists(out.resolve("finished-finished")));

        // No budgets: the most accurate model is chosen, and it is on the front.
        assertEquals(1.0, r.choice().best().top1(), 1e-9);
        assertTrue(r.paretoFront().contains(r.choice().best()));
        assertEquals(Ranking.paretoFront(r.measurements()), r.paretoFront());

        Map<String, Object> json = GraftJson.readObject(read(out.resolve(Comparison.JSON)));
        assertEquals(Boolean.TRUE, json.get("complete"));
        assertEquals(r.choice().best().name(), json.get("best"));
        assertEquals(r.choice().reason(), json.get("reason"));
        Map<String, Object> splitJson = (Map<String, Object>) json.get("split");
        assertEquals(split.fingerprint(), splitJson.get("testFingerprint"));
        assertEquals(4.0, ((Number) splitJson.get("testImages")).doubleValue());
        List<Map<String, Object>> models = (List<Map<String, Object>>) json.get("models");
        assertEquals(4, models.size());
        for (String key :
                List.of(
                        "name",
                        "backbone",
                        "strategy",
                        "precision",
                        "top1",
                        "top5",
                        "macroF1",
                        "p50LatencyMs",
                        "p95LatencyMs",
                        "imagesPerSecond",
                        "fileBytes",
                        "sizeMb",
                        "parameters",
                        "multiplyAdds",
                        "trainSeconds",
                        "valAccuracy",
                        "paretoFront",
                        "withinBudgets")) {
            assertTrue(models.get(0).containsKey(key), key + " in " + models.get(0));
        }
        assertEquals(Boolean.FALSE, models.get(2).get("ok"));
        assertEquals(failed.error(), models.get(2).get("error"));

        String md = read(out.resolve(Comparison.MARKDOWN));
        assertTrue(md.contains("| tiny/features/fp32 |"), md);
        assertTrue(md.contains("## Failed\n\n- broken/features/fp32: training failed"), md);
        assertTrue(md.contains(split.fingerprint()), md);
        BufferedImage png = ImageIO.read(out.resolve(Comparison.PLOT).toFile());
        assertEquals(1000, png.getWidth());

        // Before the third combination, the reports already held the first two.
        assertEquals(1, snapshots.size());
        Map<String, Object> partial = GraftJson.readObject(snapshots.get(0));
        assertEquals(Boolean.FALSE, partial.get("complete"));
        assertEquals(2, ((List<?>) partial.get("models")).size());
    }

    @Test
    void run_reusesTheDatasOwnTestSplit_andWritesNoManifest() throws Exception {
        Path own = dir.resolve("own");
        for (String c : List.of("blue", "red")) {
            for (String split : List.of("train", "val")) {
                try (var files = Files.list(data.resolve(split).resolve(c))) {
                    for (Path f : files.toList()) {
                        Path to = own.resolve(split).resolve(c).resolve(f.getFileName());
                        Files.createDirectories(to.getParent());
                        Files.copy(f, to);
                    }
                }
            }
            ColourFixtures.image(
                    own.resolve("test").resolve(c).resolve("t.png"),
                    c.equals("blue") ? java.awt.Color.BLUE : java.awt.Color.RED);
        }
        Path out = dir.resolve("own-out");
        ComparisonResult r =
                Comparison.run(
                        ComparisonOptions.builder(own, List.of(finished.toString()), out)
                                .latencyRuns(2)
                                .build(),
                        TrainingMonitor.SILENT);
        assertFalse(r.split().made());
        assertEquals(own, r.split().trainingData());
        assertEquals(2, r.split().test().size());
        assertFalse(Files.exists(out.resolve(TestSplit.MANIFEST)));
        assertEquals(1.0, r.measurements().get(0).top1(), 1e-9);
        assertEquals(r.measurements().get(0), r.choice().best());
    }

    @Test
    void run_withABudgetNothingMeets_choosesNone_andSaysSo() throws Exception {
        ComparisonResult r =
                Comparison.run(
                        options(dir.resolve("budget"), List.of(finished.toString()))
                                .maxSizeMb(1e-6)
                                .build(),
                        TrainingMonitor.SILENT);
        assertNull(r.choice().best());
        assertTrue(
                r.choice()
                        .reason()
                        .startsWith("No model fits the budgets (file at most 1.0E-6" + " MB)"),
                r.choice().reason());
    }

    @Test
    @SuppressWarnings("unchecked")
    void run_measuresInt8AndFp16VersionsOfEachModel_andARefusedQuantizationFailsItsRowAlone()
            throws Exception {
        Path out = dir.resolve("precisions");
        List<Precision> all = List.of(Precision.FP32, Precision.INT8, Precision.FP16);
        ComparisonResult r =
                Comparison.run(
                        options(out, List.of(tiny.toString(), finished.toString()))
                                .precisions(all)
                                .build(),
                        TrainingMonitor.SILENT);
        assertEquals(6, r.measurements().size());
        assertTrue(r.complete());
        Map<String, Measurement> byName = new HashMap<>();
        for (Measurement m : r.measurements()) {
            assertTrue(m.ok(), m.name() + ": " + m.error());
            assertEquals(4, m.testImages(), m.name());
            assertEquals(Files.size(m.model()), m.fileBytes());
            byName.put(m.name(), m);
        }
        assertEquals(
                List.of(
                        "tiny/features/fp32",
                        "tiny/features/int8",
                        "tiny/features/fp16",
                        "finished/finished/fp32",
                        "finished/finished/int8",
                        "finished/finished/fp16"),
                r.measurements().stream().map(Measurement::name).toList());
        // The quantized files sit beside the run's model, a finished model's in its own folder,
        // in their precision, with the card and the quantizer's provenance kept.
        Map<String, ai.graft.converter.quantize.Precision> expected =
                Map.of(
                        "tiny-features/model-int8.onnx",
                        ai.graft.converter.quantize.Precision.INT8_QDQ,
                        "tiny-features/model-fp16.onnx",
                        ai.graft.converter.quantize.Precision.FP16,
                        "finished-finished/model-int8.onnx",
                        ai.graft.converter.quantize.Precision.INT8_QDQ,
                        "finished-finished/model-fp16.onnx",
                        ai.graft.converter.quantize.Precision.FP16);
        for (Map.Entry<String, ai.graft.converter.quantize.Precision> e : expected.entrySet()) {
            ModelProto model = OnnxModels.read(out.resolve(e.getKey()));
            assertEquals(e.getValue(), ai.graft.converter.quantize.Precision.of(model), e.getKey());
            Map<String, String> card = ModelEditor.metadata(model);
            assertTrue(card.containsKey(ModelQuantizer.CARD_KEY), e.getKey() + ": " + card);
            assertTrue(card.containsKey("graft.labels"), e.getKey() + ": " + card);
        }
        assertEquals(
                out.resolve("tiny-features/model-int8.onnx"),
                byName.get("tiny/features/int8").model());
        // Blue against red by mean colour survives float16. (The int8 figure is whatever the
        // quantizer's default calibration gives; it is reported, not refused.)
        assertEquals(1.0, byName.get("finished/finished/fp16").top1(), 1e-9);
        // The trained model's training time carries over to its quantized versions.
        assertEquals(
                byName.get("tiny/features/fp32").trainSeconds(),
                byName.get("tiny/features/int8").trainSeconds());

        Map<String, Object> json = GraftJson.readObject(read(out.resolve(Comparison.JSON)));
        List<Map<String, Object>> models = (List<Map<String, Object>>) json.get("models");
        assertEquals("int8", models.get(1).get("precision"));
        assertNull(models.get(0).get("top1LossPointsVsFp32"), "fp32 has no loss against itself");
        for (int i : new int[] {1, 2, 4, 5}) {
            double lost =
                    100
                            * (r.measurements().get(i < 3 ? 0 : 3).top1()
                                    - r.measurements().get(i).top1());
            assertEquals(
                    lost, ((Number) models.get(i).get("top1LossPointsVsFp32")).doubleValue(), 1e-9);
        }
        String md = read(out.resolve(Comparison.MARKDOWN));
        assertTrue(md.contains("| finished/finished/fp16 | fp16 | 1.0000 | 0.00 |"), md);
        assertTrue(md.contains("| tiny/features/fp32 | fp32 |"), md);

        // A finished model already in INT8: measured as it is in fp32, while the quantizer's
        // refusal fails its int8 row alone, saying why; the other model is quantized still.
        Path already =
                Files.copy(
                        out.resolve("finished-finished/model-int8.onnx"),
                        dir.resolve("already.onnx"));
        ComparisonResult refused =
                Comparison.run(
                        options(
                                        dir.resolve("refused"),
                                        List.of(already.toString(), finished.toString()))
                                .precisions(List.of(Precision.FP32, Precision.INT8))
                                .build(),
                        TrainingMonitor.SILENT);
        List<Measurement> rows = refused.measurements();
        assertEquals(4, rows.size());
        assertTrue(rows.get(0).ok(), rows.get(0).error());
        assertEquals("already/finished/int8", rows.get(1).name());
        assertFalse(rows.get(1).ok());
        assertTrue(
                rows.get(1).error().startsWith("quantization failed: ")
                        && rows.get(1).error().contains("is already quantized"),
                rows.get(1).error());
        assertTrue(rows.get(2).ok() && rows.get(3).ok(), rows.get(3).error());
        assertEquals(1, refused.failed());
        assertTrue(
                read(dir.resolve("refused").resolve(Comparison.MARKDOWN))
                        .contains("- already/finished/int8: quantization failed: "));
    }

    @Test
    void options_refuseWhatCannotBeCompared() {
        Path out = dir.resolve("never");
        assertEquals(
                "A backbone is listed twice in [smallcnn, smallcnn]; list each once",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> options(out, List.of("smallcnn", "smallcnn")).build())
                        .getMessage());
        assertEquals(
                "max latency (ms) must be a number above 0, got 0.0",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> options(out, List.of("smallcnn")).maxLatencyMs(0.0).build())
                        .getMessage());
        assertEquals(
                "Image size 4 is below what smallcnn takes, 8",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> options(out, List.of("smallcnn")).imageSize(4).build())
                        .getMessage());
        assertEquals(
                "Image size 40 is not a multiple of 16, which vit_tiny needs (its patch side)",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> options(out, List.of("vit_tiny")).imageSize(40).build())
                        .getMessage());
        assertEquals(
                "Unknown precision 'fp64', expected one of [fp32, int8, fp16]",
                assertThrows(IllegalArgumentException.class, () -> Precision.fromName("fp64"))
                        .getMessage());
        assertFalse(Files.exists(out));
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
