package ai.graft.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Checks of option values that picocli's types cannot express, each failing as a usage error (exit
 * 2) whose message names the flag as the user typed it: {@code --top-k must be at least 1, got 0}.
 * Commands check their flags here before they build library options, so that a library's own field
 * names ({@code topK}) never reach the user.
 */
final class Flags {
    private Flags() {}

    /**
     * Refuses a value below a minimum.
     *
     * @param spec the command, for the usage message (null outside picocli)
     * @param flag the flag as typed, such as {@code --top-k}
     * @param value its value
     * @param min the smallest accepted value
     * @param note what the minimum means, appended in parentheses; or null
     */
    static void atLeast(CommandSpec spec, String flag, long value, long min, String note) {
        if (value < min) {
            throw usage(
                    spec,
                    flag
                            + " must be at least "
                            + min
                            + (note == null ? "" : " (" + note + ")")
                            + ", got "
                            + value);
        }
    }

    /**
     * Refuses a score outside [0, 1], NaN included.
     *
     * @param spec the command (null outside picocli)
     * @param flag the flag as typed
     * @param value its value
     */
    static void score(CommandSpec spec, String flag, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw usage(spec, flag + " must be a score from 0 to 1, got " + value);
        }
    }

    /**
     * Refuses a negative, infinite or NaN amount.
     *
     * @param spec the command (null outside picocli)
     * @param flag the flag as typed
     * @param value its value, or null when the flag was not given
     */
    static void nonNegative(CommandSpec spec, String flag, Double value) {
        if (value != null && !(value >= 0 && Double.isFinite(value))) {
            throw usage(spec, flag + " must be a finite number, 0 or more, got " + value);
        }
    }

    /**
     * Refuses an amount that is not above 0 (NaN and infinities included).
     *
     * @param spec the command (null outside picocli)
     * @param flag the flag as typed
     * @param value its value, or null when the flag was not given
     */
    static void positive(CommandSpec spec, String flag, Double value) {
        if (value != null && !(value > 0 && Double.isFinite(value))) {
            throw usage(spec, flag + " must be a finite number above 0, got " + value);
        }
    }

    /**
     * Refuses a path that is not an existing file, saying whether it is missing or a folder.
     *
     * @param spec the command (null outside picocli)
     * @param flag the flag as typed
     * @param file its value
     * @param expected what the file should hold, such as {@code a text file with one label per
     *     line}
     */
    static void existingFile(CommandSpec spec, String flag, Path file, String expected) {
        if (Files.isDirectory(file)) {
            throw usage(spec, flag + " " + file + " is a folder, expected " + expected);
        }
        if (!Files.isRegularFile(file)) {
            throw usage(spec, flag + " " + file + ": file not found, expected " + expected);
        }
    }

    /**
     * Refuses an output file whose folder does not exist, before any work is done.
     *
     * @param spec the command (null outside picocli)
     * @param flag the flag as typed
     * @param file the file to be written
     */
    static void writableIn(CommandSpec spec, String flag, Path file) {
        Path folder = file.toAbsolutePath().getParent();
        if (folder == null) {
            return;
        }
        if (Files.isDirectory(file)) {
            throw usage(spec, flag + " " + file + " is a folder, expected a file name");
        }
        if (!Files.isDirectory(folder)) {
            throw usage(
                    spec,
                    flag
                            + " "
                            + file
                            + ": the folder "
                            + folder
                            + (Files.exists(folder)
                                    ? " is a file, not a folder"
                                    : " does not exist; create it first"));
        }
    }

    /**
     * A usage error: picocli's {@link CommandLine.ParameterException} where the command is known,
     * which {@link Graft} maps to {@link ExitCodes#USAGE} with a hint to {@code --help}.
     *
     * @param spec the command (null outside picocli)
     * @param message the message
     * @return the exception, to throw
     */
    static RuntimeException usage(CommandSpec spec, String message) {
        return spec == null
                ? new IllegalArgumentException(message)
                : new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
