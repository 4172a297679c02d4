package ai.graft.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * A linear head on standardised embeddings, solved rather than tuned: the L2-regularised,
 * class-weighted loss (softmax cross-entropy, or for an SVM head the Weston-Watkins squared hinge,
 * which is smooth) is minimised by {@link Lbfgs} to its optimum. The L2 strength is chosen by
 * {@value #FOLDS}-fold cross-validation on the training embeddings (at most {@value #CV_LIMIT} of
 * them, a seeded sample) over a path from strong to weak, each fit starting from the previous one's
 * weights; the strength with the best held-out accuracy (ties: the lower held-out loss) is then
 * refit on all training embeddings, scaled by the ratio of a fold's rows to all rows (the loss is a
 * mean over rows, the penalty is not).
 *
 * <p>The embeddings come flat ({@code N x D} floats in one array). The two products that are most
 * of the loss and gradient ({@code X W'} and {@code R' X}) run on the PyTorch engine (BLAS), which
 * measured five times less CPU time than Java loops on the same floats (see {@code
 * FeaturesScaleBenchmarkTest}); the rows go to the engine, standardised there, once per fold and
 * once for the final fit (a second copy of the embeddings while the head is fitted), the rest is
 * Java in double. Deterministic on one machine: the same inputs give the same head.
 */
final class LinearHead {
    /** The L2 strengths tried, strongest first. */
    static final double[] STRENGTHS = {1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 3e-4, 1e-4, 3e-5, 1e-5};

    /**
     * The strengths tried, weakest first, when the strongest of {@link #STRENGTHS} scores best
     * (small sets of images want more than it); the path stops there as it does going down.
     */
    static final double[] STRONGER = {3e-1, 1, 3, 10};

    /** Cross-validation folds. */
    static final int FOLDS = 3;

    /** The most training embeddings cross-validation uses (a seeded sample beyond). */
    static final int CV_LIMIT = 6_000;

    /** The path stops after this many strengths in a row that do worse than the best. */
    static final int PATIENCE = 2;

    private static final int PATH_ITERATIONS = 200;
    private static final double PATH_TOLERANCE = 3e-4;
    private static final int REFIT_ITERATIONS = 1000;

    /** The final fit stops when no gradient component exceeds this (or the loss stops falling). */
    static final double REFIT_TOLERANCE = 1e-4;

    private static final String ENGINE = "PyTorch";

    /** The loss. */
    enum Loss {
        /** Softmax cross-entropy: logits. */
        SOFTMAX,
        /** Weston-Watkins multiclass squared hinge: margins. */
        SQUARED_HINGE
    }

    /**
     * One strength of the regularisation path.
     *
     * @param l2 the strength
     * @param cvAccuracy the held-out accuracy over all folds
     * @param cvLoss the held-out mean loss (unweighted, unregularised)
     * @param iterations L-BFGS iterations, summed over the folds
     */
    record PathPoint(double l2, double cvAccuracy, double cvLoss, int iterations) {}

    /**
     * The fitted head. Weights are {@code [classes * dim]}, row-major, one row per class, and read
     * standardised embeddings.
     *
     * @param l2 the strength of the final fit: the chosen one scaled to all rows
     * @param cvL2 the strength chosen on the path
     * @param path the strengths tried, in order
     * @param iterations L-BFGS iterations of the final fit
     * @param converged whether the final fit met its tolerance
     * @param trainAccuracy the final fit's accuracy on the training embeddings
     * @param trainLoss its mean loss there (unweighted, unregularised)
     */
    record Result(
            int classes,
            int dim,
            float[] mean,
            float[] std,
            float[] weight,
            float[] bias,
            double l2,
            double cvL2,
            List<PathPoint> path,
            int iterations,
            boolean converged,
            double trainAccuracy,
            double trainLoss) {

        /** The point of the path that was chosen. */
        PathPoint chosen() {
            for (PathPoint p : path) {
                if (p.l2() == cvL2) {
                    return p;
                }
            }
            throw new IllegalStateException("no path point at " + cvL2);
        }

        /** The weights that read raw (unstandardised) embeddings: standardisation folded in. */
        Folded folded() {
            float[] w = new float[classes * dim];
            float[] b = new float[classes];
            for (int k = 0; k < classes; k++) {
                double shift = bias[k];
                for (int c = 0; c < dim; c++) {
                    double wk = (double) weight[k * dim + c] / std[c];
                    w[k * dim + c] = (float) wk;
                    shift -= wk * mean[c];
                }
                b[k] = (float) shift;
            }
            return new Folded(w, b);
        }

        /**
         * The head's outputs for raw embeddings, in double.
         *
         * @param x rows, flat
         * @param rows how many rows of {@code x} to read
         * @return {@code [rows][classes]}
         */
        double[][] logits(float[] x, int rows) {
            double[][] out = new double[rows][classes];
            for (int i = 0; i < rows; i++) {
                for (int k = 0; k < classes; k++) {
                    double z = bias[k];
                    for (int c = 0; c < dim; c++) {
                        z += weight[k * dim + c] * ((x[i * dim + c] - (double) mean[c]) / std[c]);
                    }
                    out[i][k] = z;
                }
            }
            return out;
        }
    }

    /**
     * Weights and bias that read raw embeddings.
     *
     * @param weight {@code [classes * dim]}, one row per class
     * @param bias {@code [classes]}
     */
    record Folded(float[] weight, float[] bias) {}

    private LinearHead() {}

    /**
     * Chooses the L2 strength by cross-validation and fits the head on all rows.
     *
     * @param x the training embeddings, flat, row {@code i} at {@code [i * dim, (i + 1) * dim)}
     * @param n rows
     * @param dim the width of a row
     * @param y each row's class in {@code [0, classes)}
     * @param classes classes
     * @param loss the loss
     * @param classWeights whether each class weighs {@code n / (classes * count)}
     * @param seed the seed of the cross-validation sample and folds
     * @param monitor receives one line per strength and the choice
     * @return the head
     */
    static Result fit(
            float[] x,
            int n,
            int dim,
            int[] y,
            int classes,
            Loss loss,
            boolean classWeights,
            long seed,
            TrainingMonitor monitor) {
        if (n < 1 || dim < 1 || classes < 2 || (long) n * dim > x.length || y.length < n) {
            throw new IllegalArgumentException(
                    "A head needs at least 1 row, 1 feature and 2 classes, got "
                            + n
                            + " rows of "
                            + dim
                            + " and "
                            + classes
                            + " classes");
        }
        float[] mean = new float[dim];
        float[] std = new float[dim];
        moments(x, n, dim, mean, std);
        float[] sampleWeight = classWeights(y, n, classes, classWeights);
        try (Problem p = new Problem(x, dim, y, classes, mean, std, sampleWeight, loss)) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            List<PathPoint> path = new ArrayList<>();
            int[] foldRows = {n};
            double[] start = crossValidate(p, n, seed, path, foldRows, monitor);
            PathPoint best = best(path);
            // The penalty that suits a fold's rows suits n rows divided by n / foldRows: the
            // mean loss weighs less per row as rows are added, the penalty does not.
            double l2 = best.l2() * foldRows[0] / n;
            Lbfgs.Result r =
                    Lbfgs.minimize(
                            (t, g) -> p.value(t, all, l2, g),
                            start,
                            REFIT_ITERATIONS,
                            REFIT_TOLERANCE);
            double[] theta = r.x();
            double[] trainMetrics = p.heldOut(theta, all);
            monitor.log(
                    String.format(
                            Locale.ROOT,
                            "head: L2 strength %.0e chosen (cross-validated accuracy %.4f on folds"
                                    + " of %d); refit on %d embeddings at %.2e in %d L-BFGS"
                                    + " iterations, training accuracy %.4f",
                            best.l2(),
                            best.cvAccuracy(),
                            foldRows[0],
                            n,
                            l2,
                            r.iterations(),
                            trainMetrics[0]));
            float[] w = new float[classes * dim];
            float[] b = new float[classes];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) theta[i];
            }
            for (int k = 0; k < classes; k++) {
                b[k] = (float) theta[classes * dim + k];
            }
            return new Result(
                    classes,
                    dim,
                    mean,
                    std,
                    w,
                    b,
                    l2,
                    best.l2(),
                    List.copyOf(path),
                    r.iterations(),
                    r.converged(),
                    trainMetrics[0],
                    trainMetrics[1]);
        }
    }

    /**
     * Walks the path on a seeded sample of the rows, filling {@code path}; returns the mean of the
     * folds' weights at the best strength, the start of the final fit.
     */
    private static double[] crossValidate(
            Problem p,
            int n,
            long seed,
            List<PathPoint> path,
            int[] foldRows,
            TrainingMonitor monitor) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Random random = new Random(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int m = Math.min(n, CV_LIMIT);
        int folds = Math.min(FOLDS, m);
        int size = p.parameters();
        if (folds < 2) {
            // One row: nothing to hold out; the strongest strength, no estimate.
            path.add(new PathPoint(STRENGTHS[0], Double.NaN, Double.NaN, 0));
            return new double[size];
        }
        int[][] fit = new int[folds][];
        int[][] held = new int[folds][];
        for (int f = 0; f < folds; f++) {
            List<Integer> in = new ArrayList<>();
            List<Integer> out = new ArrayList<>();
            for (int j = 0; j < m; j++) {
                (j % folds == f ? out : in).add(order[j]);
            }
            fit[f] = sorted(in);
            held[f] = sorted(out);
        }
        foldRows[0] = fit[0].length;
        double[][] theta = new double[folds][size];
        double[] bestStart = new double[size];
        double bestAcc = -1;
        double bestLoss = Double.POSITIVE_INFINITY;
        int worse = 0;
        double[][] first = null;
        for (int pass = 0; pass < 2; pass++) {
            if (pass == 1) {
                if (first == null || !best(path).equals(path.get(0))) {
                    break; // the best is weaker than the strongest tried: no need to go up
                }
                for (int f = 0; f < folds; f++) {
                    theta[f] = first[f].clone();
                }
                worse = 0;
            }
            for (double l2 : pass == 0 ? STRENGTHS : STRONGER) {
                int correct = 0;
                double lossSum = 0;
                int iterations = 0;
                for (int f = 0; f < folds; f++) {
                    int[] rows = fit[f];
                    Lbfgs.Result r =
                            Lbfgs.minimize(
                                    (t, g) -> p.value(t, rows, l2, g),
                                    theta[f],
                                    PATH_ITERATIONS,
                                    PATH_TOLERANCE);
                    theta[f] = r.x();
                    iterations += r.iterations();
                    double[] metrics = p.heldOut(theta[f], held[f]);
                    correct += (int) Math.round(metrics[0] * held[f].length);
                    lossSum += metrics[1] * held[f].length;
                }
                PathPoint point = new PathPoint(l2, (double) correct / m, lossSum / m, iterations);
                path.add(pass == 0 ? path.size() : 0, point); // strongest first
                if (first == null) {
                    first = new double[folds][];
                    for (int f = 0; f < folds; f++) {
                        first[f] = theta[f].clone();
                    }
                }
                monitor.log(
                        String.format(
                                Locale.ROOT,
                                "head: L2 %.0e: cross-validated accuracy %.4f, loss %.4f (%d folds of"
                                        + " %d embeddings, %d iterations)",
                                l2,
                                point.cvAccuracy(),
                                point.cvLoss(),
                                folds,
                                m,
                                iterations));
                if (better(point, bestAcc, bestLoss)) {
                    bestAcc = point.cvAccuracy();
                    bestLoss = point.cvLoss();
                    Arrays.fill(bestStart, 0);
                    for (double[] t : theta) {
                        for (int i = 0; i < size; i++) {
                            bestStart[i] += t[i] / folds;
                        }
                    }
                    worse = 0;
                } else if (++worse >= PATIENCE) {
                    break;
                }
            }
        }
        for (int f = 0; f < folds; f++) {
            p.release(fit[f]);
            p.release(held[f]);
        }
        return bestStart;
    }

    private static boolean better(PathPoint p, double bestAcc, double bestLoss) {
        return p.cvAccuracy() > bestAcc || (p.cvAccuracy() == bestAcc && p.cvLoss() < bestLoss);
    }

    private static PathPoint best(List<PathPoint> path) {
        PathPoint best = path.get(0);
        for (PathPoint p : path) {
            if (better(p, best.cvAccuracy(), best.cvLoss())) {
                best = p;
            }
        }
        return best;
    }

    private static int[] sorted(List<Integer> list) {
        int[] a = list.stream().mapToInt(Integer::intValue).toArray();
        Arrays.sort(a);
        return a;
    }

    private static float[] classWeights(int[] y, int n, int classes, boolean balanced) {
        int[] counts = new int[classes];
        for (int i = 0; i < n; i++) {
            if (y[i] < 0 || y[i] >= classes) {
                throw new IllegalArgumentException(
                        "Row " + i + " has class " + y[i] + ", expected 0 to " + (classes - 1));
            }
            counts[y[i]]++;
        }
        float[] w = new float[classes];
        for (int k = 0; k < classes; k++) {
            w[k] = balanced && counts[k] > 0 ? (float) n / (classes * counts[k]) : 1f;
        }
        return w;
    }

    /** Per-feature mean and standard deviation (in double); a constant feature gets std 1. */
    private static void moments(float[] x, int n, int dim, float[] mean, float[] std) {
        double[] sum = new double[dim];
        double[] sq = new double[dim];
        for (int i = 0; i < n; i++) {
            int o = i * dim;
            for (int c = 0; c < dim; c++) {
                sum[c] += x[o + c];
            }
        }
        for (int c = 0; c < dim; c++) {
            sum[c] /= n;
        }
        for (int i = 0; i < n; i++) {
            int o = i * dim;
            for (int c = 0; c < dim; c++) {
                double d = x[o + c] - sum[c];
                sq[c] += d * d;
            }
        }
        for (int c = 0; c < dim; c++) {
            double s = Math.sqrt(sq[c] / n);
            mean[c] = (float) sum[c];
            std[c] = s > 1e-6 ? (float) s : 1f;
        }
    }

    /**
     * The regularised loss over a set of rows and its gradient. Parameters: the weights {@code
     * [classes * dim]} on standardised features, then the biases {@code [classes]}; the biases are
     * not regularised. Holds copies of the row sets it is asked about on the engine until {@link
     * #release} or {@link #close}.
     */
    static final class Problem implements AutoCloseable {
        private final float[] x;
        private final int dim;
        private final int[] y;
        private final int classes;
        private final float[] mean;
        private final float[] std;
        private final float[] classWeight;
        private final Loss loss;
        private final NDManager manager = NDManager.newBaseManager(ENGINE);
        private final Map<int[], NDArray> onEngine = new IdentityHashMap<>();

        Problem(
                float[] x,
                int dim,
                int[] y,
                int classes,
                float[] mean,
                float[] std,
                float[] classWeight,
                Loss loss) {
            this.x = x;
            this.dim = dim;
            this.y = y;
            this.classes = classes;
            this.mean = mean;
            this.std = std;
            this.classWeight = classWeight;
            this.loss = loss;
        }

        int parameters() {
            return classes * dim + classes;
        }

        /**
         * The weighted mean loss over {@code rows} plus {@code l2 / 2 * |W|^2}, and its gradient.
         *
         * @param theta the parameters
         * @param rows the rows, ascending
         * @param l2 the strength
         * @param gradient receives the gradient; null to skip it
         * @return the value
         */
        double value(double[] theta, int[] rows, double l2, double[] gradient) {
            double[] g = gradient != null ? gradient : new double[theta.length];
            Partial total = evaluate(theta, rows, true);
            int kd = classes * dim;
            double inv = 1 / total.weight;
            double value = total.loss * inv;
            for (int k = 0; k < classes; k++) {
                double rk = total.residualSum[k];
                for (int c = 0; c < dim; c++) {
                    double w = theta[k * dim + c];
                    g[k * dim + c] = total.gradient[k * dim + c] * inv + l2 * w;
                    value += 0.5 * l2 * w * w;
                }
                g[kd + k] = rk * inv;
            }
            return value;
        }

        /** Accuracy and mean (unweighted, unregularised) loss over {@code rows}. */
        double[] heldOut(double[] theta, int[] rows) {
            Partial p = evaluate(theta, rows, false);
            return new double[] {(double) p.correct / rows.length, p.plainLoss / rows.length};
        }

        private Partial evaluate(double[] theta, int[] rows, boolean withGradient) {
            return loss == Loss.SOFTMAX
                    ? softmaxOnEngine(theta, rows, withGradient)
                    : inJava(theta, rows, withGradient);
        }

        /**
         * The softmax loss with every step on the engine: only the sums and the gradient come back
         * (the loss summed in double), instead of the logits and the residuals crossing twice and a
         * loop over them in Java.
         */
        private Partial softmaxOnEngine(double[] theta, int[] rows, boolean withGradient) {
            int kk = classes;
            int m = rows.length;
            float[] w = new float[kk * dim];
            float[] b = new float[kk];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) theta[i];
            }
            for (int k = 0; k < kk; k++) {
                b[k] = (float) theta[kk * dim + k];
            }
            int[] labels = new int[m];
            float[] weights = new float[m];
            Partial p = new Partial(kk * dim, kk, withGradient);
            for (int j = 0; j < m; j++) {
                labels[j] = y[rows[j]];
                weights[j] = classWeight[labels[j]];
                p.weight += weights[j];
            }
            NDArray xs = onEngine(rows);
            try (NDManager sub = manager.newSubManager()) {
                NDArray z =
                        xs.matMul(sub.create(w, new Shape(kk, dim)).transpose())
                                .add(sub.create(b, new Shape(1, kk)));
                z.attach(sub);
                NDArray label = sub.create(labels);
                NDArray oneHot = label.oneHot(kk);
                NDArray logp = z.logSoftmax(1);
                NDArray rowLoss = logp.mul(oneHot).sum(new int[] {1}).neg();
                NDArray sw = sub.create(weights);
                p.plainLoss = rowLoss.toType(DataType.FLOAT64, false).sum().getDouble();
                p.loss = rowLoss.mul(sw).toType(DataType.FLOAT64, false).sum().getDouble();
                p.correct =
                        (int)
                                z.argMax(1)
                                        .toType(DataType.INT64, false)
                                        .eq(label.toType(DataType.INT64, false))
                                        .toType(DataType.INT64, false)
                                        .sum()
                                        .getLong();
                if (withGradient) {
                    NDArray r = logp.exp().sub(oneHot).mul(sw.reshape(m, 1));
                    float[] rs = r.sum(new int[] {0}).toFloatArray();
                    for (int k = 0; k < kk; k++) {
                        p.residualSum[k] = rs[k];
                    }
                    float[] g = r.transpose().matMul(xs).toFloatArray();
                    for (int i = 0; i < g.length; i++) {
                        p.gradient[i] = g[i];
                    }
                }
            }
            return p;
        }

        private Partial inJava(double[] theta, int[] rows, boolean withGradient) {
            // The rows on the engine are standardised: the parameters apply as they are.
            float[] w = new float[classes * dim];
            double[] b = new double[classes];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) theta[i];
            }
            for (int k = 0; k < classes; k++) {
                b[k] = theta[classes * dim + k];
            }
            int m = rows.length;
            int kk = classes;
            Partial p = new Partial(kk * dim, kk, withGradient);
            NDArray xs = onEngine(rows);
            try (NDManager sub = manager.newSubManager()) {
                NDArray wn = sub.create(w, new Shape(kk, dim));
                NDArray zn = xs.matMul(wn.transpose());
                zn.attach(sub);
                float[] z = zn.toFloatArray();
                float[] r = withGradient ? new float[m * kk] : null;
                double[] zd = new double[kk];
                for (int j = 0; j < m; j++) {
                    int label = y[rows[j]];
                    int argmax = 0;
                    for (int k = 0; k < kk; k++) {
                        zd[k] = z[j * kk + k] + b[k];
                        if (zd[k] > zd[argmax]) {
                            argmax = k;
                        }
                    }
                    if (argmax == label) {
                        p.correct++;
                    }
                    double sw = classWeight[label];
                    double l;
                    if (loss == Loss.SOFTMAX) {
                        double max = zd[argmax];
                        double sum = 0;
                        for (int k = 0; k < kk; k++) {
                            sum += Math.exp(zd[k] - max);
                        }
                        double logSum = max + Math.log(sum);
                        l = logSum - zd[label];
                        if (r != null) {
                            for (int k = 0; k < kk; k++) {
                                double rk = sw * (Math.exp(zd[k] - logSum) - (k == label ? 1 : 0));
                                r[j * kk + k] = (float) rk;
                                p.residualSum[k] += rk;
                            }
                        }
                    } else {
                        l = 0;
                        double toTruth = 0;
                        for (int k = 0; k < kk; k++) {
                            double margin = k == label ? 0 : 1 + zd[k] - zd[label];
                            if (margin > 0) {
                                l += margin * margin;
                                toTruth += 2 * margin;
                                if (r != null) {
                                    r[j * kk + k] = (float) (sw * 2 * margin);
                                    p.residualSum[k] += sw * 2 * margin;
                                }
                            }
                        }
                        if (r != null) {
                            r[j * kk + label] = (float) (-sw * toTruth);
                            p.residualSum[label] -= sw * toTruth;
                        }
                    }
                    p.plainLoss += l;
                    p.loss += sw * l;
                    p.weight += sw;
                }
                if (r != null) {
                    NDArray rn = sub.create(r, new Shape(m, kk));
                    NDArray gn = rn.transpose().matMul(xs);
                    gn.attach(sub);
                    float[] g = gn.toFloatArray();
                    for (int i = 0; i < g.length; i++) {
                        p.gradient[i] = g[i];
                    }
                }
            }
            return p;
        }

        /**
         * The rows as one standardised matrix on the engine, copied there once per set of rows
         * (standardised there, so that the products need no correction that loses precision).
         */
        private NDArray onEngine(int[] rows) {
            NDArray have = onEngine.get(rows);
            if (have != null) {
                return have;
            }
            int m = rows.length;
            NDArray created;
            if (m * (long) dim <= x.length && isPrefix(rows)) {
                created = manager.create(FloatBuffer.wrap(x, 0, m * dim), new Shape(m, dim));
            } else {
                float[] gathered = new float[m * dim];
                for (int j = 0; j < m; j++) {
                    System.arraycopy(x, rows[j] * dim, gathered, j * dim, dim);
                }
                created = manager.create(gathered, new Shape(m, dim));
            }
            try (NDManager sub = manager.newSubManager()) {
                NDArray mu = sub.create(mean, new Shape(1, dim));
                NDArray sigma = sub.create(std, new Shape(1, dim));
                created.subi(mu).divi(sigma);
            }
            onEngine.put(rows, created);
            return created;
        }

        private static boolean isPrefix(int[] rows) {
            for (int j = 0; j < rows.length; j++) {
                if (rows[j] != j) {
                    return false;
                }
            }
            return true;
        }

        /** Frees the copies of {@code rows} on the engine. */
        void release(int[] rows) {
            NDArray a = onEngine.remove(rows);
            if (a != null) {
                a.close();
            }
        }

        @Override
        public void close() {
            onEngine.clear();
            manager.close();
        }
    }

    /** Sums over a range of rows. */
    private static final class Partial {
        final double[] gradient;
        final double[] residualSum;
        double loss;
        double plainLoss;
        double weight;
        int correct;

        Partial(int size, int classes, boolean withGradient) {
            gradient = withGradient ? new double[size] : null;
            residualSum = new double[classes];
        }

        void add(Partial o) {
            if (gradient != null) {
                for (int i = 0; i < gradient.length; i++) {
                    gradient[i] += o.gradient[i];
                }
            }
            for (int k = 0; k < residualSum.length; k++) {
                residualSum[k] += o.residualSum[k];
            }
            loss += o.loss;
            plainLoss += o.plainLoss;
            weight += o.weight;
            correct += o.correct;
        }
    }
}
