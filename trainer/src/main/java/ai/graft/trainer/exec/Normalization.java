package ai.graft.trainer.exec;

import static ai.graft.converter.graph.ShapeArithmetic.axis;
import static ai.graft.trainer.exec.Ops.nd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * The normalisations other than inference-mode BatchNormalization: LayerNormalization,
 * InstanceNormalization, MeanVarianceNormalization, and BatchNormalization with {@code
 * training_mode=1}. Statistics are population statistics, as ONNX defines them; gradients flow
 * through them by autograd.
 */
final class Normalization {
    private Normalization() {}

    /**
     * {@code LayerNormalization(X, Scale, B?) -> Y, Mean?, InvStdDev?}: normalised over the axes
     * from {@code axis} to the last.
     */
    static Object[] layerNorm(Node n, Object[] in, Ops.Context ctx) {
        NDArray x = nd(in[0], ctx);
        NDArray scale = nd(in[1], ctx);
        NDArray bias = in.length > 2 && in[2] != null ? nd(in[2], ctx) : null;
        long[] xs = x.getShape().getShape();
        int rank = xs.length;
        int axis = axis(n.i("axis", -1), rank);
        float eps = n.f("epsilon", 1e-5f);
        Shape normalized = new Shape(Arrays.copyOfRange(xs, axis, rank));
        boolean statistics =
                (n.outputs.size() > 1 && !n.outputs.get(1).isEmpty())
                        || (n.outputs.size() > 2 && !n.outputs.get(2).isEmpty());
        Object[] out = new Object[n.outputs.size()];
        if (!statistics
                && bias != null
                && scale.getShape().equals(normalized)
                && bias.getShape().equals(normalized)
                && scale.getDataType() == x.getDataType()
                && bias.getDataType() == x.getDataType()) {
            // The engine's fused layer norm: less memory for autograd in training.
            out[0] =
                    x.getNDArrayInternal()
                            .layerNorm(x, normalized, scale, bias, eps)
                            .singletonOrThrow();
            return out;
        }
        int[] axes = new int[rank - axis];
        for (int k = 0; k < axes.length; k++) {
            axes[k] = axis + k;
        }
        NDArray mean = Ops.mean(x, axes, true);
        NDArray centred = x.sub(mean);
        NDArray inv = Ops.mean(centred.square(), axes, true).add(eps).pow(-0.5);
        NDArray y = centred.mul(inv).mul(scale);
        out[0] = bias == null ? y : y.add(bias);
        if (out.length > 1) {
            out[1] = mean;
        }
        if (out.length > 2) {
            out[2] = inv;
        }
        return out;
    }

    /** {@code InstanceNormalization(X, scale[C], B[C])}: per sample and channel. */
    static NDArray instanceNorm(Node n, Object[] in, Ops.Context ctx) {
        NDArray x = nd(in[0], ctx);
        long[] xs = x.getShape().getShape();
        float eps = n.f("epsilon", 1e-5f);
        int[] axes = new int[xs.length - 2];
        for (int k = 0; k < axes.length; k++) {
            axes[k] = k + 2;
        }
        Shape channel = perChannel(xs);
        NDArray scale = nd(in[1], ctx).reshape(channel);
        NDArray bias = nd(in[2], ctx).reshape(channel);
        NDArray centred = x.sub(Ops.mean(x, axes, true));
        NDArray inv = Ops.mean(centred.square(), axes, true).add(eps).pow(-0.5);
        return centred.mul(inv).mul(scale).add(bias);
    }

    /**
     * {@code MeanVarianceNormalization}: {@code (X - E[X]) / (sqrt(E[X^2] - E[X]^2) + 1e-9)} over
     * {@code axes} (default {@code [0, 2, 3]}), as ONNX's function body.
     */
    static NDArray meanVariance(Node n, NDArray x) {
        int rank = x.getShape().dimension();
        long[] a = n.ints("axes", new long[] {0, 2, 3});
        int[] axes = new int[a.length];
        for (int k = 0; k < a.length; k++) {
            axes[k] = axis(a[k], rank);
        }
        NDArray mean = Ops.mean(x, axes, true);
        NDArray variance = Ops.mean(x.square(), axes, true).sub(mean.square());
        return x.sub(mean).div(variance.sqrt().add(1e-9));
    }

    /**
     * {@code BatchNormalization} with {@code training_mode=1}: batch statistics, and the updated
     * running statistics as outputs 1 and 2 ({@code running * momentum + batch * (1 - momentum)},
     * population variance). The block's own parameters are not changed.
     */
    static Object[] batchNormTrainingMode(Node n, Object[] in, Ops.Context ctx) {
        NDArray x = nd(in[0], ctx);
        long[] xs = x.getShape().getShape();
        float eps = n.f("epsilon", 1e-5f);
        float momentum = n.f("momentum", 0.9f);
        int[] axes = new int[xs.length - 1];
        axes[0] = 0;
        for (int k = 1; k < axes.length; k++) {
            axes[k] = k + 1;
        }
        Shape channel = perChannel(xs);
        NDArray mean = Ops.mean(x, axes, true);
        NDArray centred = x.sub(mean);
        NDArray variance = Ops.mean(centred.square(), axes, true);
        NDArray y =
                centred.mul(variance.add(eps).pow(-0.5))
                        .mul(nd(in[1], ctx).reshape(channel))
                        .add(nd(in[2], ctx).reshape(channel));
        Object[] out = new Object[n.outputs.size()];
        out[0] = y;
        Shape c = new Shape(xs[1]);
        if (out.length > 1) {
            out[1] = nd(in[3], ctx).mul(momentum).add(mean.reshape(c).mul(1 - momentum));
        }
        if (out.length > 2) {
            out[2] = nd(in[4], ctx).mul(momentum).add(variance.reshape(c).mul(1 - momentum));
        }
        return out;
    }

    private static Shape perChannel(long[] xs) {
        long[] s = new long[xs.length];
        Arrays.fill(s, 1);
        s[1] = xs[1];
        return new Shape(s);
    }
}
