package ai.graft.cli;

import java.io.PrintWriter;

/**
 * The progress display of every command, on standard error. Long work reports two kinds of event:
 * {@linkplain #log lines to keep} (a training run's data, epochs and export) and {@linkplain
 * #status a status} that each call replaces (a progress bar, a count of images done). On an
 * interactive terminal the status is one line redrawn in place, at most ten times a second, and a
 * line to keep replaces it and stays; in a pipe or a file the lines to keep are printed and the
 * status is not, so that scripts and logs see no redraws.
 *
 * <p>Thread-safe: the trainer reports from several threads.
 */
final class Progress implements AutoCloseable {
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintWriter err;
    private final boolean terminal;
    private long lastDrawNanos;
    private int lastLength;

    /**
     * A display that draws when standard error is a terminal, unless {@code GRAFT_NO_PROGRESS} is
     * set.
     *
     * @param err standard error
     */
    Progress(PrintWriter err) {
        this(err, System.console() != null && System.getenv("GRAFT_NO_PROGRESS") == null);
    }

    /**
     * A display for a terminal or for a pipe.
     *
     * @param err where it writes
     * @param terminal whether to draw the status in place (else it is dropped)
     */
    Progress(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    /**
     * A line to keep: on a terminal it replaces the status and stays; in a pipe it is printed.
     *
     * @param line the message, without a line break
     */
    synchronized void log(String line) {
        if (terminal) {
            err.print("\r" + padded(line) + "\n");
            lastLength = 0;
            // The status line is empty now: the next status is drawn at once.
            lastDrawNanos = 0;
        } else {
            err.println(line);
        }
        err.flush();
    }

    /**
     * The current progress: on a terminal it replaces the previous status in place (at most ten
     * redraws a second); in a pipe it is dropped.
     *
     * @param line the status, without a line break
     */
    synchronized void status(String line) {
        long now = System.nanoTime();
        if (!terminal || (lastDrawNanos != 0 && now - lastDrawNanos < REDRAW_NANOS)) {
            return;
        }
        lastDrawNanos = now;
        err.print("\r" + padded(line));
        lastLength = line.length();
        err.flush();
    }

    /** Clears the status line. */
    @Override
    public synchronized void close() {
        if (terminal && lastLength > 0) {
            err.print("\r" + " ".repeat(lastLength) + "\r");
            lastLength = 0;
            err.flush();
        }
    }

    /** The line, padded with spaces to cover a longer status under it. */
    private String padded(String line) {
        return line.length() < lastLength ? line + " ".repeat(lastLength - line.length()) : line;
    }
}
