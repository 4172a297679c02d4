package ai.graft.trainer.tune;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Where a training run reports progress: lines worth keeping in a log (data, backbone, one line per
 * epoch, export), and a status that changes with every batch (a progress bar, for a terminal).
 * Called from the training thread.
 */
public interface TrainingMonitor {
    /**
     * A line for the log.
     *
     * @param line the message, without a line break
     */
    void log(String line);

    /**
     * The current batch's progress: loss, accuracy, images per second and the time left; replaces
     * the previous status. Ignored by default (a pipe or log file wants only {@link #log} lines).
     *
     * @param line the status, without a line break
     */
    default void status(String line) {}

    /**
     * A monitor that logs to a consumer and ignores the status.
     *
     * @param log receives the log lines
     * @return the monitor
     */
    static TrainingMonitor of(Consumer<String> log) {
        Objects.requireNonNull(log, "log");
        return log::accept;
    }
}
