package ai.graft.cli;

import ai.graft.trainer.TrainingDefaults;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * How a command that trains splits a dataset without a {@code val/} folder: {@code --val-fraction}
 * and {@code --min-per-class}, shared by {@code train} and {@code compare} as a picocli mixin.
 */
final class SplitOptions {
    @Option(
            names = "--val-fraction",
            defaultValue = "" + TrainingDefaults.VAL_FRACTION,
            description =
                    "Validation share when the data has no val/ split (default:"
                            + " ${DEFAULT-VALUE}).")
    double valFraction;

    @Option(
            names = "--min-per-class",
            defaultValue = "" + TrainingDefaults.MIN_PER_CLASS,
            description = "Fewest images a class may have (default: ${DEFAULT-VALUE}).")
    int minPerClass;

    /**
     * Refuses values no split can use, naming the flag.
     *
     * @param spec the command, for the usage error
     */
    void check(CommandSpec spec) {
        if (!(valFraction > 0 && valFraction < 1)) {
            throw Flags.usage(spec, "--val-fraction must be between 0 and 1, got " + valFraction);
        }
        Flags.atLeast(spec, "--min-per-class", minPerClass, 1, null);
    }
}
