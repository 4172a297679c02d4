package ai.graft.trainer;

import ai.djl.engine.Engine;
import ai.graft.converter.checkpoint.EpochMetrics;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ImageClassifier;
import ai.graft.sdk.OnnxRuntime;
import ai.graft.trainer.data.ClassNames;
import ai.graft.trainer.data.DatasetException;
import ai.graft.trainer.data.Datasets;
import ai.graft.trainer.data.ImageDataset;
import ai.graft.trainer.data.Splits;
import ai.graft.trainer.eval.EvaluationResult;
import ai.graft.trainer.eval.Evaluator;
import ai.graft.trainer.eval.QuantizationCheck;
import ai.graft.trainer.eval.Reports;
import ai.graft.trainer.eval.TrainingSummary;
import ai.graft.trainer.eval.TransferCheck;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The steps every training strategy shares: opening the data at the start; at the end, evaluating
 * the exported classifier on the validation set through the SDK and writing the reports.
 */
public final class TrainingSteps {
    private TrainingSteps() {}

    /**
     * Opens and splits {@link TrainingOptions#data()} (limited to {@link
     * TrainingOptions#perClass()} images a class when that is set) and logs its size.
     *
     * @param options the run's settings
     * @param monitor where the line goes
     * @return the splits; their validation set is not empty
     * @throws GraftException when the data cannot be read or has no validation images
     */
    public static Splits openData(TrainingOptions options, TrainingMonitor monitor)
            throws GraftException {
        Splits splits =
                Datasets.open(
                        options.data(),
                        options.valFraction(),
                        options.seed(),
                        options.minPerClass());
        if (options.classNames() != null) {
            splits = ClassNames.apply(splits, options.classNames());
        }
        if (options.perClass() > 0) {
            splits =
                    splits.limitPerClass(options.perClass(), options.valFraction(), options.seed());
        }
        ImageDataset train = splits.train();
        ImageDataset val = splits.val();
        if (val == null || val.size() == 0) {
            throw new DatasetException(
                    "Dataset "
                            + options.data()
                            + " has no validation images; add a val/ folder or raise"
                            + " --val-fraction");
        }
        monitor.log(
                String.format(
                        Locale.ROOT,
                        "data: %d classes, %d training and %d validation images",
                        train.classes().size(),
                        train.size(),
                        val.size()));
        return splits;
    }

    /**
     * Evaluates {@code modelFile} on {@code val}, quantizes it when the options ask ({@link
     * QuantizedModels#check}), writes the reports into {@code outDir}, logs the closing line and
     * gathers what the run produced.
     *
     * @param modelFile the exported classifier, already in place
     * @param outDir the output folder for the reports
     * @param train the training set (for the raw-pixel baseline of a transfer strategy, and to
     *     calibrate a quantized model)
     * @param val the validation set
     * @param options the run's settings
     * @param summary what the run was; its sample, epoch and skipped counts go into the result
     * @param classes the class names, index = class index
     * @param history per-epoch metrics, in order
     * @param embeddingsComputed embeddings computed with the backbone in this run (0 when none)
     * @param embeddingsReused embeddings read from the cache (0 when none)
     * @param parityMaxAbsDiff the export's parity figure
     * @param startNanos {@link System#nanoTime()} at the start of the run
     * @param monitor where the lines and the evaluation's progress go
     * @return the run's result
     * @throws GraftException when the model cannot be evaluated or a report cannot be written
     */
    public static TrainingResult evaluateAndWrite(
            Path modelFile,
            Path outDir,
            ImageDataset train,
            ImageDataset val,
            TrainingOptions options,
            TrainingSummary summary,
            List<String> classes,
            List<EpochMetrics> history,
            int embeddingsComputed,
            int embeddingsReused,
            double parityMaxAbsDiff,
            long startNanos,
            TrainingMonitor monitor)
            throws GraftException {
        EvaluationResult evaluation;
        try (ImageClassifier model = ImageClassifier.createFromFile(modelFile)) {
            evaluation = Evaluator.evaluate(model, val, monitor);
        }
        TransferCheck transfer =
                options.strategy() == Strategy.SCRATCH
                        ? null
                        : PixelBaseline.check(train, val, evaluation.accuracy(), options, monitor);
        QuantizationCheck quantized =
                options.quantize() == null
                        ? null
                        : QuantizedModels.check(modelFile, options.quantize(), train, val, monitor);
        Reports.write(outDir, summary, evaluation, history, transfer, quantized);
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        monitor.log(
                String.format(
                        Locale.ROOT,
                        "validation accuracy %.4f (%d images), reports in %s, %.1f s",
                        evaluation.accuracy(),
                        evaluation.samples(),
                        outDir,
                        seconds));
        return new TrainingResult(
                modelFile,
                outDir,
                classes,
                summary.trainSamples(),
                summary.valSamples(),
                evaluation.accuracy(),
                summary.bestEpoch(),
                summary.epochs(),
                history,
                evaluation,
                summary.skipped(),
                embeddingsComputed,
                embeddingsReused,
                parityMaxAbsDiff,
                quantized,
                seconds);
    }

    /** The versions of Graft, the engines and Java, for the reports. */
    public static Map<String, String> versions() {
        Map<String, String> v = new LinkedHashMap<>();
        String graft = TrainingSteps.class.getPackage().getImplementationVersion();
        v.put("graft", graft == null ? "dev" : graft);
        v.put("djl", Engine.getDjlVersion());
        v.put("pytorch", Engine.getEngine("PyTorch").getVersion());
        v.put("onnxruntime", OnnxRuntime.version());
        v.put("java", System.getProperty("java.version"));
        return v;
    }
}
