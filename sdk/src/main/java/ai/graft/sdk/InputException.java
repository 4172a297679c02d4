package ai.graft.sdk;

/**
 * Data given as input cannot be used: a missing or malformed dataset folder, manifest or label
 * file, or a dataset whose classes cannot be trained on. The base of such errors thrown by tools
 * built on the SDK (the trainer's {@code DatasetException}); the command line treats it as bad
 * input (exit code 2), like a bad option. The message names the input, what was expected and what
 * to do.
 */
public class InputException extends GraftException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message.
     *
     * @param message what is wrong, naming the input and what was expected
     */
    public InputException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and the underlying cause.
     *
     * @param message what is wrong, naming the input and what was expected
     * @param cause the underlying failure
     */
    public InputException(String message, Throwable cause) {
        super(message, cause);
    }
}
