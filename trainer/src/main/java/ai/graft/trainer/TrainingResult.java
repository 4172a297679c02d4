package ai.graft.trainer;

import ai.graft.converter.checkpoint.EpochMetrics;
import ai.graft.trainer.data.Skipped;
import ai.graft.trainer.eval.EvaluationResult;
import ai.graft.trainer.eval.QuantizationCheck;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@link Trainer#train} produced.
 *
 * @param model the exported classifier ({@code model.onnx} in the output folder)
 * @param outDir the output folder, holding the reports
 * @param classes the class names, index = class index
 * @param trainSamples training images
 * @param valSamples validation images
 * @param valAccuracy accuracy of the exported model on the validation set, through the SDK
 * @param bestEpoch the epoch whose weights were kept (1-based)
 * @param epochs the epochs trained (fewer than asked when stopped early)
 * @param history per-epoch metrics
 * @param evaluation the exported model's evaluation on the validation set
 * @param skipped images that could not be read, with the reason
 * @param embeddingsComputed embeddings computed with the backbone in this run ({@code features}; 0
 *     for the graph strategies)
 * @param embeddingsReused embeddings read from the cache ({@code features}; 0 otherwise)
 * @param parityMaxAbsDiff largest difference between the exported model's logits in ONNX Runtime
 *     and the trainer's on the same inputs
 * @param quantized the quantized model beside the exported one and whether it was kept, or null
 *     when none was asked for ({@link TrainingOptions#quantize()})
 * @param seconds wall time of the whole run
 */
public record TrainingResult(
        Path model,
        Path outDir,
        List<String> classes,
        int trainSamples,
        int valSamples,
        double valAccuracy,
        int bestEpoch,
        int epochs,
        List<EpochMetrics> history,
        EvaluationResult evaluation,
        List<Skipped> skipped,
        int embeddingsComputed,
        int embeddingsReused,
        double parityMaxAbsDiff,
        QuantizationCheck quantized,
        double seconds) {
    /** Copies the lists into unmodifiable ones. */
    public TrainingResult {
        classes = List.copyOf(classes);
        history = List.copyOf(history);
        skipped = List.copyOf(skipped);
    }
}
