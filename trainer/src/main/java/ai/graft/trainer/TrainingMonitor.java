package ai.graft.trainer;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Where training and evaluation report what they do, as two kinds of event that say what they are:
 * {@linkplain #log lines to keep} (the data, the backbone, one line per epoch, the export, the
 * result) and {@linkplain #status a status} that each call replaces (a progress bar with the loss
 * and the time left, a count of images done). A terminal redraws the status in place and keeps the
 * lines; a log file wants only the lines.
 *
 * <p>Called from the thread that trains, and for the status also from the threads that embed or
 * evaluate images: an implementation that draws must be thread-safe.
 *
 * <pre>{@code
 * TrainingResult r = Trainer.train(options, TrainingMonitor.of(System.err::println));
 * }</pre>
 */
@FunctionalInterface
public interface TrainingMonitor {
    /** A monitor that ignores every event. */
    TrainingMonitor SILENT = line -> {};

    /**
     * A line for the log.
     *
     * @param line the message, without a line break
     */
    void log(String line);

    /**
     * The current progress, replacing the previous status. Ignored by default (a pipe or log file
     * wants only {@link #log} lines).
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

    /**
     * A monitor that hands each kind of event to its own consumer.
     *
     * @param log receives the log lines
     * @param status receives the status
     * @return the monitor
     */
    static TrainingMonitor of(Consumer<String> log, Consumer<String> status) {
        Objects.requireNonNull(log, "log");
        Objects.requireNonNull(status, "status");
        return new TrainingMonitor() {
            @Override
            public void log(String line) {
                log.accept(line);
            }

            @Override
            public void status(String line) {
                status.accept(line);
            }
        };
    }
}
