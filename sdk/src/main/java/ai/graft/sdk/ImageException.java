package ai.graft.sdk;

/**
 * An image could not be used: it does not exist, does not decode, or is larger than allowed. The
 * message names the image.
 */
public class ImageException extends GraftException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message.
     *
     * @param message what went wrong, naming the image and what was expected
     */
    public ImageException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and the underlying cause.
     *
     * @param message what went wrong, naming the image and what was expected
     * @param cause the underlying failure
     */
    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
