package ai.graft.trainer.compare;

import ai.graft.converter.ModelInspector;
import ai.graft.converter.ModelSummary;
import ai.graft.converter.OnnxModels;
import ai.graft.sdk.ClassifierBenchmark;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ImageClassifier;
import ai.graft.trainer.TrainingMonitor;
import ai.graft.trainer.data.ImageDataset;
import ai.graft.trainer.eval.EvaluationResult;
import ai.graft.trainer.eval.Evaluator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Measures one model file as it ships: its accuracy on the test images through the SDK ({@link
 * Evaluator}), its end-to-end latency and throughput through the SDK's {@link ClassifierBenchmark}
 * (as {@code graft benchmark} does), its size, parameters and multiply-adds ({@link
 * ModelInspector}).
 */
final class ModelMeasurer {
    /** Classifications before the timed ones. */
    static final int WARMUP = 5;

    private final ImageDataset test;
    private final List<Path> latencyImages;
    private final int latencyRuns;
    private final TrainingMonitor monitor;

    ModelMeasurer(
            ImageDataset test, List<Path> latencyImages, int latencyRuns, TrainingMonitor monitor) {
        this.test = test;
        this.latencyImages = List.copyOf(latencyImages);
        this.latencyRuns = latencyRuns;
        this.monitor = monitor;
    }

    /**
     * Measures {@code model}.
     *
     * @param c what the model is
     * @param precision its precision
     * @param model the file
     * @param trainSeconds the training run's wall time, NaN for a finished model
     * @param valAccuracy the run's validation accuracy, null for a finished model
     * @return the measurement
     * @throws GraftException when the model cannot be read or run, or no test image can be read
     */
    Measurement measure(
            Combination c, Precision precision, Path model, double trainSeconds, Double valAccuracy)
            throws GraftException {
        ModelSummary summary = ModelInspector.inspect(OnnxModels.read(model));
        long bytes;
        try {
            bytes = Files.size(model);
        } catch (IOException e) {
            throw new GraftException("Cannot read the size of " + model + ": " + e.getMessage(), e);
        }
        EvaluationResult eval;
        ClassifierBenchmark.Report bench;
        try (ImageClassifier classifier = ImageClassifier.createFromFile(model)) {
            eval = Evaluator.evaluate(classifier, test, monitor);
            bench =
                    ClassifierBenchmark.run(
                            classifier,
                            latencyImages,
                            new ClassifierBenchmark.Options(WARMUP, latencyRuns, monitor::status));
        }
        Measurement m =
                new Measurement(
                        c.name(precision),
                        c.backbone(),
                        c.strategyName(),
                        precision,
                        model,
                        null,
                        eval.samples(),
                        eval.accuracy(),
                        eval.top5Accuracy(),
                        eval.macroF1(),
                        bench.p50LatencyMs(),
                        bench.p95LatencyMs(),
                        bench.imagesPerSecond(),
                        bytes,
                        summary.parameterCount(),
                        summary.multiplyAdds(),
                        trainSeconds,
                        valAccuracy);
        monitor.log(
                String.format(
                        Locale.ROOT,
                        "%s: test top-1 %.4f on %d images, macro F1 %.4f, p50 %.2f ms, p95 %.2f"
                                + " ms, %.1f images/s, %.2f MB",
                        m.name(),
                        m.top1(),
                        m.testImages(),
                        m.macroF1(),
                        m.p50LatencyMs(),
                        m.p95LatencyMs(),
                        m.imagesPerSecond(),
                        m.sizeMb()));
        return m;
    }
}
