package ai.graft.sdk;

/**
 * Base of Graft's checked exceptions: a failure of the environment (a file, a model, an image, a
 * camera) rather than a programming error. The message names the value, what was expected and,
 * where there is one, what to do; the native error, if any, is kept as the cause.
 */
public class GraftException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message.
     *
     * @param message what went wrong, naming the input and what was expected
     */
    public GraftException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and the underlying cause.
     *
     * @param message what went wrong, naming the input and what was expected
     * @param cause the underlying failure
     */
    public GraftException(String message, Throwable cause) {
        super(message, cause);
    }
}
