package ai.graft.trainer.exec;

import static ai.graft.trainer.exec.Ops.nd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * The loss operators that exported training graphs contain: {@code NegativeLogLikelihoodLoss} and
 * {@code SoftmaxCrossEntropyLoss}, with class weights, {@code ignore_index} and the three
 * reductions, as ONNX's reference defines them (a weighted mean divides by the sum of the weights
 * of the targets counted).
 */
final class Losses {
    private Losses() {}

    /** {@code NegativeLogLikelihoodLoss(input[N, C, ...], target[N, ...], weight[C]?)}. */
    static NDArray negativeLogLikelihood(Node n, Object[] in, Ops.Context ctx) {
        NDArray weight = in.length > 2 && in[2] != null ? nd(in[2], ctx) : null;
        return nll(n, nd(in[0], ctx), nd(in[1], ctx), weight);
    }

    /**
     * {@code SoftmaxCrossEntropyLoss(scores[N, C, ...], labels[N, ...], weights[C]?) -> loss,
     * log_prob?}: the log-softmax over axis 1, then the negative log-likelihood.
     */
    static Object[] softmaxCrossEntropy(Node n, Object[] in, Ops.Context ctx) {
        NDArray scores = nd(in[0], ctx);
        NDArray logProb = scores.logSoftmax(1);
        NDArray weight = in.length > 2 && in[2] != null ? nd(in[2], ctx) : null;
        Object[] out = new Object[n.outputs.size()];
        out[0] = nll(n, logProb, nd(in[1], ctx), weight);
        if (out.length > 1) {
            out[1] = logProb;
        }
        return out;
    }

    private static NDArray nll(Node n, NDArray input, NDArray target, NDArray weight) {
        if (input.getShape().dimension() < 2) {
            throw new IllegalArgumentException(
                    n.describe() + ": the input must have shape [N, C, ...]");
        }
        String reduction = n.s("reduction", "mean");
        if (!reduction.equals("mean") && !reduction.equals("sum") && !reduction.equals("none")) {
            throw new UnsupportedOperatorException(
                    n.describe() + ": reduction='" + reduction + "'; expected none, sum or mean");
        }
        long classes = input.getShape().get(1);
        DataType type = input.getDataType();
        NDArray t = target.toType(DataType.INT64, false);
        NDArray mask = null;
        if (n.has("ignore_index")) {
            mask = t.neq(n.i("ignore_index", 0));
            // An ignored target may lie outside [0, C): read class 0 in its place, weighted 0.
            t = Elementwise.where(mask, t, t.zerosLike());
        }
        NDArray picked = input.gather(t.expandDims(1), 1).squeeze(1);
        NDArray loss = picked.neg();
        NDArray weights = null;
        if (weight != null) {
            NDArray clipped = t.clip(0, classes - 1).toType(DataType.INT64, false);
            weights = weight.gather(clipped.flatten(), 0).reshape(t.getShape()).toType(type, false);
        }
        if (mask != null) {
            NDArray m = mask.toType(type, false);
            weights = weights == null ? m : weights.mul(m);
        }
        if (weights != null) {
            loss = loss.mul(weights);
        }
        switch (reduction) {
            case "none":
                return loss;
            case "sum":
                return loss.sum();
            default:
                return weights == null ? loss.mean() : loss.sum().div(weights.sum());
        }
    }
}
