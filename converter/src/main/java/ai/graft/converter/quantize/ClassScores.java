package ai.graft.converter.quantize;

/**
 * Class scores as probabilities, and how far one set of them is from another: the measures by which
 * a quantized classifier is compared with its float original more finely than by top-1 agreement.
 */
final class ClassScores {
    /** Tolerance on the sum of scores that are already probabilities. */
    private static final double SUM_TOLERANCE = 1e-3;

    /** The smallest probability a divergence divides by, so that a zero stays finite. */
    private static final double FLOOR = 1e-12;

    private ClassScores() {}

    /**
     * The scores as probabilities: as they are when they already are (non-negative, summing to 1),
     * else their softmax (logits).
     *
     * @param scores the class scores of one image
     * @return probabilities, a new array or {@code scores} itself
     */
    static float[] probabilities(float[] scores) {
        double sum = 0;
        boolean nonNegative = true;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : scores) {
            sum += v;
            nonNegative &= v >= 0;
            max = Math.max(max, v);
        }
        if (nonNegative && Math.abs(sum - 1) <= SUM_TOLERANCE) {
            return scores;
        }
        double[] e = new double[scores.length];
        double total = 0;
        for (int i = 0; i < scores.length; i++) {
            e[i] = Math.exp(scores[i] - max);
            total += e[i];
        }
        float[] p = new float[scores.length];
        for (int i = 0; i < scores.length; i++) {
            p[i] = (float) (e[i] / total);
        }
        return p;
    }

    /**
     * The KL divergence of {@code q} from {@code p}: how much information the scores of the reduced
     * model lose against the original's.
     *
     * @param p the original's probabilities
     * @param q the reduced model's probabilities, same length
     * @return the divergence in nats, at least 0
     */
    static double klDivergence(float[] p, float[] q) {
        double kl = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                kl += p[i] * Math.log(p[i] / Math.max(q[i], FLOOR));
            }
        }
        return Math.max(0, kl);
    }
}
