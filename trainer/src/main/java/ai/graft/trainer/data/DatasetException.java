package ai.graft.trainer.data;

import ai.graft.sdk.InputException;

/**
 * A dataset cannot be used: a missing or malformed folder, CSV manifest or IDX file, or a class
 * with too few images. The message names the file or class, what was expected and what to do.
 * Thrown before training starts, or, for a class left with too few readable images ({@link
 * Datasets#requireReadable}), once its images have been read; single images that do not decode are
 * not errors but {@link Skipped} entries. Bad input to the command line: exit code 2.
 */
public class DatasetException extends InputException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message.
     *
     * @param message what is wrong, naming the dataset file or class
     */
    public DatasetException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and its cause.
     *
     * @param message what is wrong, naming the dataset file or class
     * @param cause the underlying failure
     */
    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
