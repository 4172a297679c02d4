package ai.graft.trainer.tune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.loss.Loss;

/**
 * Softmax cross-entropy on logits with label smoothing and per-class weights: for a sample of class
 * y, {@code w_y * -sum_k t_k log softmax(z)_k} with {@code t = (1 - s) onehot(y) + s / K}; the
 * batch loss is the weighted mean, {@code sum_i w_yi ce_i / sum_i w_yi}.
 */
final class SmoothedCrossEntropy extends Loss {
    private final float smoothing;
    private final float[] classWeights;

    /**
     * @param smoothing label smoothing in [0, 1)
     * @param classWeights one weight per class
     */
    SmoothedCrossEntropy(float smoothing, float[] classWeights) {
        super("SmoothedCrossEntropy");
        this.smoothing = smoothing;
        this.classWeights = classWeights.clone();
    }

    /** {@inheritDoc} */
    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray logits = predictions.singletonOrThrow();
        NDArray y = labels.singletonOrThrow();
        return weightedSum(logits, y).div(weightOf(y));
    }

    /**
     * The numerator of the batch loss, {@code sum_i w_yi ce_i}, so that splits of one batch (one
     * per device) can share the denominator of the whole batch.
     *
     * @param logits {@code [N, K]}
     * @param labels {@code [N]} class indices
     * @return a scalar
     */
    NDArray weightedSum(NDArray logits, NDArray labels) {
        int classes = classWeights.length;
        NDArray logp = logits.logSoftmax(1);
        NDArray oneHot =
                labels.toType(DataType.INT64, false)
                        .oneHot(classes)
                        .toType(logp.getDataType(), false);
        NDArray target = oneHot.mul(1 - smoothing).add(smoothing / classes);
        NDArray perSample = target.mul(logp).sum(new int[] {1}).neg();
        // The weights take the logits' type: a float64 run (a gradient check) mixes no types.
        NDArray w =
                oneHot.matMul(
                                logits.getManager()
                                        .create(classWeights, new Shape(classes, 1))
                                        .toType(logp.getDataType(), false)
                                        .toDevice(logits.getDevice(), false))
                        .reshape(-1);
        return perSample.mul(w).sum();
    }

    /**
     * The denominator of the batch loss: the summed class weights of its labels.
     *
     * @param labels class indices
     * @return the sum
     */
    float weightOf(int[] labels) {
        double sum = 0;
        for (int y : labels) {
            sum += classWeights[y];
        }
        return (float) sum;
    }

    private float weightOf(NDArray labels) {
        long[] l = labels.toType(DataType.INT64, false).toLongArray();
        double sum = 0;
        for (long y : l) {
            sum += classWeights[(int) y];
        }
        return (float) sum;
    }
}
