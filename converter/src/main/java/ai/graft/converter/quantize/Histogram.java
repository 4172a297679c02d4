package ai.graft.converter.quantize;

import java.nio.FloatBuffer;

/**
 * A histogram of one activation over a fixed symmetric range {@code [-bound, bound]}, set from the
 * largest magnitude the first calibration pass saw, and the range choices that read it: a
 * percentile, or the entropy (KL divergence) method. Its memory is the bins alone, whatever the
 * number of images.
 *
 * <p>Not thread-safe.
 */
final class Histogram {
    /** Bins of the histogram; TensorRT's calibration uses 2048 too. */
    static final int BINS = 2048;

    /** Levels that the entropy method quantizes the histogram to: one per 8-bit value. */
    static final int LEVELS = 256;

    private final double bound;
    private final long[] counts = new long[BINS];
    private final float min;
    private final float max;

    /**
     * An empty histogram.
     *
     * @param min the smallest value of the tensor (from the first pass)
     * @param max the largest value of the tensor (from the first pass)
     */
    Histogram(float min, float max) {
        this.min = min;
        this.max = max;
        this.bound = Math.max(Math.abs((double) min), Math.abs((double) max));
    }

    /**
     * Counts the values remaining in a buffer, without moving its position.
     *
     * @param values the values
     */
    void add(FloatBuffer values) {
        if (bound == 0) {
            counts[BINS / 2] += values.remaining();
            return;
        }
        double perBin = BINS / (2 * bound);
        for (int i = values.position(); i < values.limit(); i++) {
            float v = values.get(i);
            if (Float.isNaN(v)) {
                continue;
            }
            int bin = (int) ((v + bound) * perBin);
            counts[Math.max(0, Math.min(BINS - 1, bin))]++;
        }
    }

    /**
     * The range that leaves out {@code (100 - percentile) / 2} percent of the values on each side,
     * within the values seen.
     *
     * @param percentile the share of values kept, in percent, for example 99.99
     * @return the range
     */
    TensorRange percentile(double percentile) {
        long total = total();
        if (total == 0 || bound == 0) {
            return new TensorRange(min, max);
        }
        double cut = (100 - percentile) / 200 * total;
        long sum = 0;
        int left = 0;
        while (left < BINS - 1 && sum + counts[left] <= cut) {
            sum += counts[left++];
        }
        sum = 0;
        int right = BINS - 1;
        while (right > 0 && sum + counts[right] <= cut) {
            sum += counts[right--];
        }
        return clamp(edge(left), edge(right + 1));
    }

    /**
     * The symmetric threshold around 0 whose quantization to {@value #LEVELS} levels changes the
     * distribution least, measured by KL divergence with outliers folded into the edge bins (the
     * TensorRT method, as ONNX Runtime's calibrator implements it), within the values seen.
     *
     * @return the range
     */
    TensorRange entropy() {
        if (total() == 0 || bound == 0) {
            return new TensorRange(min, max);
        }
        int zero = BINS / 2;
        int half = LEVELS / 2;
        double best = Double.POSITIVE_INFINITY;
        int bestHalfWidth = zero;
        for (int i = half; i <= zero; i++) {
            double d = divergence(zero - i, Math.min(zero + i, BINS));
            if (d < best) {
                best = d;
                bestHalfWidth = i;
            }
        }
        return clamp(edge(zero - bestHalfWidth), edge(Math.min(zero + bestHalfWidth, BINS)));
    }

    /** KL divergence between bins [start, end) with outliers folded in and its quantized form. */
    private double divergence(int start, int end) {
        int n = end - start;
        double[] p = new double[n];
        for (int j = 0; j < n; j++) {
            p[j] = counts[start + j];
        }
        for (int j = 0; j < start; j++) {
            p[0] += counts[j];
        }
        for (int j = end; j < BINS; j++) {
            p[n - 1] += counts[j];
        }
        // Merge the sliced bins (without the outliers) into LEVELS groups, then spread each
        // group's count evenly over its non-empty bins.
        double[] q = new double[n];
        int perLevel = n / LEVELS;
        for (int level = 0; level < LEVELS; level++) {
            int from = level * perLevel;
            int to = level == LEVELS - 1 ? n : from + perLevel;
            double sum = 0;
            int nonEmpty = 0;
            for (int j = from; j < to; j++) {
                sum += counts[start + j];
                nonEmpty += p[j] != 0 ? 1 : 0;
            }
            for (int j = from; j < to; j++) {
                q[j] = p[j] != 0 && nonEmpty > 0 ? sum / nonEmpty : 0;
            }
        }
        return klDivergence(smooth(p), smooth(q));
    }

    /** Moves a little mass into empty bins so that the divergence stays finite. */
    private static double[] smooth(double[] d) {
        final double eps = 1e-4;
        int zeros = 0;
        for (double v : d) {
            zeros += v == 0 ? 1 : 0;
        }
        int nonZeros = d.length - zeros;
        if (nonZeros == 0) {
            return null;
        }
        double take = eps * zeros / nonZeros;
        double[] out = new double[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = d[i] == 0 ? eps : d[i] - take;
        }
        return out;
    }

    private static double klDivergence(double[] p, double[] q) {
        if (p == null || q == null) {
            return Double.POSITIVE_INFINITY;
        }
        double sp = 0;
        double sq = 0;
        for (int i = 0; i < p.length; i++) {
            sp += p[i];
            sq += q[i];
        }
        double kl = 0;
        for (int i = 0; i < p.length; i++) {
            double pi = p[i] / sp;
            double qi = q[i] / sq;
            if (pi > 0 && qi > 0) {
                kl += pi * Math.log(pi / qi);
            }
        }
        return kl;
    }

    private long total() {
        long t = 0;
        for (long c : counts) {
            t += c;
        }
        return t;
    }

    private float edge(int bin) {
        return (float) (-bound + bin * (2 * bound / BINS));
    }

    private TensorRange clamp(float lo, float hi) {
        float a = Math.max(min, lo);
        float b = Math.min(max, hi);
        return b >= a ? new TensorRange(a, b) : new TensorRange(min, max);
    }
}
