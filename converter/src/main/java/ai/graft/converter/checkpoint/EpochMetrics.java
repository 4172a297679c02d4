package ai.graft.converter.checkpoint;

/**
 * The metrics of one training epoch, as the learning curves and {@code metrics.csv} show them. A
 * value that was not measured is {@link Double#NaN}.
 *
 * @param epoch the epoch, 1-based
 * @param trainLoss mean training loss
 * @param trainAccuracy training accuracy in [0, 1]
 * @param valLoss mean validation loss
 * @param valAccuracy validation accuracy in [0, 1]
 * @param learningRate the learning rate at the end of the epoch
 * @param imagesPerSecond training throughput
 * @param seconds wall time of the epoch
 */
public record EpochMetrics(
        int epoch,
        double trainLoss,
        double trainAccuracy,
        double valLoss,
        double valAccuracy,
        double learningRate,
        double imagesPerSecond,
        double seconds) {}
