package ai.graft.trainer.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class SmoothedCrossEntropyTest {
    @Test
    void loss_isTheClassWeightedMeanOfSmoothedCrossEntropies() {
        float[][] logits = {{2f, 0f, -1f}, {0.5f, 0.5f, 1.5f}};
        int[] labels = {0, 2};
        float[] weights = {1f, 1f, 3f};
        float s = 0.1f;
        double expected = 0;
        double norm = 0;
        for (int i = 0; i < 2; i++) {
            double max = Math.max(logits[i][0], Math.max(logits[i][1], logits[i][2]));
            double sum = 0;
            for (float z : logits[i]) {
                sum += Math.exp(z - max);
            }
            double ce = 0;
            for (int k = 0; k < 3; k++) {
                double logp = logits[i][k] - max - Math.log(sum);
                double t = (k == labels[i] ? 1 - s : 0) + s / 3;
                ce -= t * logp;
            }
            expected += weights[labels[i]] * ce;
            norm += weights[labels[i]];
        }
        expected /= norm;
        SmoothedCrossEntropy loss = new SmoothedCrossEntropy(s, weights);
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray z = m.create(new float[] {2f, 0f, -1f, 0.5f, 0.5f, 1.5f}, new Shape(2, 3));
            NDArray y = m.create(labels);
            assertEquals(expected, loss.evaluate(new NDList(y), new NDList(z)).getFloat(), 1e-5);
            assertEquals(expected, loss.weightedSum(z, y).getFloat() / loss.weightOf(labels), 1e-5);
            NDArray z64 = z.toType(DataType.FLOAT64, false);
            NDArray l64 = loss.evaluate(new NDList(y), new NDList(z64));
            assertEquals(DataType.FLOAT64, l64.getDataType());
            assertEquals(expected, l64.getDouble(), 1e-7);
        }
    }
}
