package ai.graft.converter;

import ai.graft.sdk.ModelException;

/**
 * A node of a model cannot be handled: its operator is outside the set that Graft knows (another
 * domain, or an operator missing from {@link OpsetConverter}'s table), or it cannot be expressed in
 * the opset asked for. The message names the model, the node, the operator and the opset; the
 * accessors give them to programs.
 */
public class UnsupportedOperatorException extends ModelException {
    private static final long serialVersionUID = 1L;

    private final String node;
    private final String operator;
    private final long opset;

    /**
     * Creates an exception.
     *
     * @param message what went wrong, naming the model, the node, the operator and the opset
     * @param node the node's name, or its first output where the node has no name
     * @param operator the operator, prefixed by its domain where that is not the default one
     * @param opset the opset of the default domain involved: the one asked for by a conversion, or
     *     the model's own for an operator outside the supported set
     */
    public UnsupportedOperatorException(String message, String node, String operator, long opset) {
        super(message);
        this.node = node;
        this.operator = operator;
        this.opset = opset;
    }

    /**
     * The node that cannot be handled.
     *
     * @return its name, or its first output where it has no name
     */
    public String node() {
        return node;
    }

    /**
     * The node's operator.
     *
     * @return the operator type, {@code domain:Type} outside the default domain
     */
    public String operator() {
        return operator;
    }

    /**
     * The opset of the default domain involved.
     *
     * @return the target opset of a conversion, or the model's opset
     */
    public long opset() {
        return opset;
    }
}
