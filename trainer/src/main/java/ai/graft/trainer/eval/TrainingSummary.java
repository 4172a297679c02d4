package ai.graft.trainer.eval;

import ai.graft.trainer.data.Skipped;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a training run was, for its report: where the model came from, on what data, with which
 * settings.
 *
 * @param backbone the backbone's name or file
 * @param strategy the transfer-learning strategy ({@code features}, {@code finetune}, ...)
 * @param dataFingerprint SHA-256 of the training and validation data
 * @param trainSamples training images used
 * @param valSamples validation images used
 * @param epochs epochs trained
 * @param bestEpoch the epoch whose weights were kept (1-based)
 * @param seed the seed of the split, sampling and shuffling
 * @param hyperparameters the settings, in the order given (values: strings, numbers, booleans,
 *     lists or maps of those; anything else is written with {@code toString})
 * @param versions the versions of Graft, the engine and the libraries
 * @param skipped files that could not be read, with the reason
 * @param note a sentence on how the model was made, or null
 */
public record TrainingSummary(
        String backbone,
        String strategy,
        String dataFingerprint,
        int trainSamples,
        int valSamples,
        int epochs,
        int bestEpoch,
        long seed,
        Map<String, Object> hyperparameters,
        Map<String, String> versions,
        List<Skipped> skipped,
        String note) {
    /** Copies the maps and the list into unmodifiable ones (maps keep their order). */
    public TrainingSummary {
        hyperparameters =
                hyperparameters == null
                        ? Map.of()
                        : Collections.unmodifiableMap(new LinkedHashMap<>(hyperparameters));
        versions =
                versions == null
                        ? Map.of()
                        : Collections.unmodifiableMap(new LinkedHashMap<>(versions));
        skipped = skipped == null ? List.of() : List.copyOf(skipped);
    }
}
