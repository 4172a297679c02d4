package ai.graft.sdk;

/**
 * A model could not be used: the file is missing or not ONNX, its input is not an image, or its
 * labels or preprocessing are missing or inconsistent. The message names the model file.
 */
public class ModelException extends GraftException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message.
     *
     * @param message what went wrong, naming the model and what was expected
     */
    public ModelException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and the underlying cause.
     *
     * @param message what went wrong, naming the model and what was expected
     * @param cause the underlying failure
     */
    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
