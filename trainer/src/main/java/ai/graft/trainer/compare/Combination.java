package ai.graft.trainer.compare;

import ai.graft.trainer.Strategy;

/**
 * One backbone with one strategy, trained once and measured in each precision; or a finished model,
 * measured only.
 *
 * @param backbone the backbone as given (file or zoo name)
 * @param label the backbone's short name in reports (a file's name without {@code .onnx}, made
 *     unique)
 * @param strategy the strategy, or null for a finished model
 */
record Combination(String backbone, String label, Strategy strategy) {

    /** Whether the backbone is a finished model, measured without training. */
    boolean finished() {
        return strategy == null;
    }

    /** The strategy's name, or {@value Measurement#FINISHED}. */
    String strategyName() {
        return finished() ? Measurement.FINISHED : strategy.cliName();
    }

    /** The name of the combination in one precision: {@code label/strategy/precision}. */
    String name(Precision precision) {
        return label + "/" + strategyName() + "/" + precision.cliName();
    }

    /** The run's own folder in the comparison's output folder: {@code label-strategy}. */
    String folder() {
        return label.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + strategyName();
    }
}
