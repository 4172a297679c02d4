package ai.graft.sdk;

/**
 * A video source could not be opened or read: a missing or damaged video file, a camera that is
 * absent or busy, a network stream that refuses the connection or times out. The message names the
 * source, why it failed and what to try; the native error, if any, is the cause.
 */
public class SourceException extends GraftException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message.
     *
     * @param message what went wrong, naming the source and what to try
     */
    public SourceException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and the underlying cause.
     *
     * @param message what went wrong, naming the source and what to try
     * @param cause the underlying failure
     */
    public SourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
