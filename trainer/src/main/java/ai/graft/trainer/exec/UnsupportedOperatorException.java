package ai.graft.trainer.exec;

/**
 * The executor cannot run a node as the model asks: an operator, attribute value, input or element
 * type it does not support. The message names the node, the operator and what is not supported; it
 * is never a wrong answer computed silently.
 */
public final class UnsupportedOperatorException extends UnsupportedOperationException {
    private static final long serialVersionUID = 1L;

    /**
     * Makes one.
     *
     * @param message what is not supported, naming the node and the operator
     */
    public UnsupportedOperatorException(String message) {
        super(message);
    }
}
