package ai.graft.trainer;

import ai.graft.sdk.GraftException;
import ai.graft.sdk.ModelException;
import ai.graft.trainer.data.DatasetException;
import ai.graft.trainer.tune.GraphTrainer;
import java.util.Objects;

/**
 * Trains a classifier from a backbone and labelled images, with any {@link Strategy}, and exports
 * it as one ONNX file, {@code OUT/}{@value #MODEL_FILE}, whose model card carries the labels, the
 * preprocessing and the training provenance; the file is checked against the trainer's own logits
 * before it is written, then evaluated on the validation set through the SDK, and the reports
 * ({@code report.md}, {@code report.json}, metrics, plots) are written to {@code OUT}.
 *
 * <p>Two pipelines stand behind this entry point: {@code features} (a frozen backbone, embeddings
 * computed once and cached, a linear head trained on them: {@code FeatureTrainer}) and the graph
 * strategies {@code finetune}, {@code full} and {@code scratch} (the whole graph trains with DJL on
 * augmented images, with a checkpoint each epoch: {@link GraphTrainer}).
 *
 * <pre>{@code
 * TrainingOptions options =
 *         TrainingOptions.builder(Path.of("hymenoptera"), "squeezenet1.1.onnx", Path.of("out"))
 *                 .strategy(Strategy.FINETUNE)
 *                 .preprocess("caffe")
 *                 .build();
 * TrainingResult result = Trainer.train(options, TrainingMonitor.of(System.err::println));
 * try (ImageClassifier model = ImageClassifier.createFromFile(result.model())) {
 *     System.out.println(model.classify(Path.of("bee.jpg")).top().get(0).label());
 * }
 * }</pre>
 *
 * <p>Not thread-safe for one output folder: two runs must not share {@code OUT}.
 */
public final class Trainer {
    /** The exported model's file name in the output folder. */
    public static final String MODEL_FILE = "model.onnx";

    private Trainer() {}

    /**
     * Trains, exports, checks and evaluates, with the pipeline of the options' strategy.
     *
     * @param options what to train
     * @param monitor receives the lines to keep (one per step and per epoch) and the status
     * @return the result
     * @throws DatasetException when the data cannot be read or has no validation images
     * @throws ModelException when the backbone or the checkpoint to resume cannot be used
     * @throws GraftException when the exported model fails its parity check or a file cannot be
     *     written
     * @throws IllegalArgumentException when the options do not fit the strategy or the checkpoint
     */
    public static TrainingResult train(TrainingOptions options, TrainingMonitor monitor)
            throws GraftException {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(monitor, "monitor");
        return options.strategy().trainsGraph()
                ? GraphTrainer.train(options, monitor)
                : FeatureTrainer.train(options, monitor);
    }
}
