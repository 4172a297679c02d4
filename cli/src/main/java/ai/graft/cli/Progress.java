package ai.graft.cli;

import java.io.PrintWriter;

/**
 * A one-line progress display on an interactive terminal; silent when output goes to a pipe or a
 * file, so that scripts see only results.
 */
final class Progress implements AutoCloseable {
    private final PrintWriter err;
    private final boolean enabled;
    private long lastDrawNanos;
    private int lastLength;

    Progress(PrintWriter err) {
        this(err, System.console() != null && System.getenv("GRAFT_NO_PROGRESS") == null);
    }

    Progress(PrintWriter err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    /** Shows the message, at most ten times a second. */
    void show(String message) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDrawNanos < 100_000_000L) {
            return;
        }
        lastDrawNanos = now;
        String padded = message;
        if (message.length() < lastLength) {
            padded = message + " ".repeat(lastLength - message.length());
        }
        lastLength = message.length();
        err.print("\r" + padded);
        err.flush();
    }

    /** Clears the line. */
    @Override
    public void close() {
        if (enabled && lastLength > 0) {
            err.print("\r" + " ".repeat(lastLength) + "\r");
            err.flush();
        }
    }
}
