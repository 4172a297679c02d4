package ai.graft.trainer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.graft.converter.FeatureTransform;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * A linear head on transformed (see {@link FeatureTransform}) and standardised embeddings, solved
 * rather than tuned: the L2-regularised, class-weighted loss (softmax cross-entropy, or for an SVM
 * head the Weston-Watkins squared hinge, which is smooth) is minimised by {@link Lbfgs} to its
 * optimum. The L2 strength is chosen by {@value #FOLDS}-fold cross-validation on the training
 * embeddings (at most {@value #CV_LIMIT} of them, a seeded sample) over a path from strong to weak,
 * each fit starting from the previous one's weights; the strength with the lowest held-out loss
 * (ties: the better held-out accuracy) is then refit on all training embeddings, scaled by the
 * ratio of a fold's rows to all rows (the loss is a mean over rows, the penalty is not).
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

    /** Below this many cross-validated rows the folds are drawn more than once. */
    static final int CV_REPEAT_ROWS = 2_000;

    /** The most draws of the folds. */
    static final int CV_MAX_REPEATS = 5;

    /** The most training embeddings cross-validation uses (a seeded sample beyond). */
    static final int CV_LIMIT = 6_000;

    /** The path stops after this many strengths in a row that do worse than the best. */
    static final int PATIENCE = 2;

    private static final int PATH_ITERATIONS = 200;
    private static final double PATH_TOLERANCE = 3e-4;
    private static final int REFIT_ITERATIONS = 1000;

    /**
     * The final fit stops when no gradient component exceeds this (or the loss stops falling). On
     * Fashion-MNIST (48,000 embeddings) 3e-4 took 82 iterations and 1e-4 225, for a validation
     * accuracy 0.0004 lower (5 of 12,000 images); 1e-3 took 48 and lost 0.0024.
     */
    static final double REFIT_TOLERANCE = 3e-4;

    private static final String ENGINE = "PyTorch";

    /** Floats copied to the engine at a time (4 MB). */
    private static final int UPLOAD_FLOATS = 1 << 20;

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
     * transformed, then standardised embeddings ({@code mean} and {@code std} are those of the
     * transformed ones).
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
            FeatureTransform transform,
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

        /**
         * The weights that read unstandardised (but transformed) embeddings: standardisation folded
         * in.
         */
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
                        double v = transform.apply(x[i * dim + c]);
                        z += weight[k * dim + c] * ((v - mean[c]) / std[c]);
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
     * @param transform what the head reads of each embedding
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
            FeatureTransform transform,
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
        moments(x, n, dim, transform, mean, std);
        float[] sampleWeight = classWeights(y, n, classes, classWeights);
        try (Problem p =
                new Problem(x, dim, y, classes, transform, mean, std, sampleWeight, loss)) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            List<PathPoint> path = new ArrayList<>();
            int[] foldRows = {n};
            long t0 = System.nanoTime();
            double[] start = crossValidate(p, n, seed, path, foldRows, monitor);
            long t1 = System.nanoTime();
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
            long t2 = System.nanoTime();
            monitor.log(
                    String.format(
                            Locale.ROOT,
                            "head: L2 strength %.0e chosen (cross-validated loss %.4f, accuracy"
                                    + " %.4f on folds of %d, %.1f s); refit on %d embeddings at"
                                    + " %.2e in %d L-BFGS iterations (%.1f s), training accuracy"
                                    + " %.4f",
                            best.l2(),
                            best.cvLoss(),
                            best.cvAccuracy(),
                            foldRows[0],
                            (t1 - t0) / 1e9,
                            n,
                            l2,
                            r.iterations(),
                            (t2 - t1) / 1e9,
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
                    transform,
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
        Random random = new Random(seed);
        int[] order = shuffled(n, random);
        int m = Math.min(n, CV_LIMIT);
        int folds = Math.min(FOLDS, m);
        int size = p.parameters();
        if (folds < 2) {
            // One row: nothing to hold out; the strongest strength, no estimate.
            path.add(new PathPoint(STRENGTHS[0], Double.NaN, Double.NaN, 0));
            return new double[size];
        }
        int repeats = repeats(m);
        int splits = repeats * folds;
        int[][] fit = new int[splits][];
        int[][] held = new int[splits][];
        for (int r = 0; r < repeats; r++) {
            int[] sample = r == 0 ? order : shuffledSample(order, m, random);
            for (int f = 0; f < folds; f++) {
                List<Integer> in = new ArrayList<>();
                List<Integer> out = new ArrayList<>();
                for (int j = 0; j < m; j++) {
                    (j % folds == f ? out : in).add(sample[j]);
                }
                fit[r * folds + f] = sorted(in);
                held[r * folds + f] = sorted(out);
            }
        }
        foldRows[0] = fit[0].length;
        double[][] theta = new double[splits][size];
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
                for (int f = 0; f < splits; f++) {
                    theta[f] = first[f].clone();
                }
                worse = 0;
            }
            for (double l2 : pass == 0 ? STRENGTHS : STRONGER) {
                int correct = 0;
                double lossSum = 0;
                int iterations = 0;
                for (int f = 0; f < splits; f++) {
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
                int scored = m * repeats;
                PathPoint point =
                        new PathPoint(l2, (double) correct / scored, lossSum / scored, iterations);
                path.add(pass == 0 ? path.size() : 0, point); // strongest first
                if (first == null) {
                    first = new double[splits][];
                    for (int f = 0; f < splits; f++) {
                        first[f] = theta[f].clone();
                    }
                }
                monitor.log(
                        String.format(
                                Locale.ROOT,
                                "head: L2 %.0e: cross-validated accuracy %.4f, loss %.4f (%d folds of"
                                        + " %d embeddings%s, %d iterations)",
                                l2,
                                point.cvAccuracy(),
                                point.cvLoss(),
                                folds,
                                m,
                                repeats > 1 ? ", " + repeats + " shuffles" : "",
                                iterations));
                if (better(point, bestAcc, bestLoss)) {
                    bestAcc = point.cvAccuracy();
                    bestLoss = point.cvLoss();
                    Arrays.fill(bestStart, 0);
                    for (double[] t : theta) {
                        for (int i = 0; i < size; i++) {
                            bestStart[i] += t[i] / splits;
                        }
                    }
                    worse = 0;
                } else if (++worse >= PATIENCE) {
                    break;
                }
            }
        }
        for (int f = 0; f < splits; f++) {
            p.release(fit[f]);
            p.release(held[f]);
        }
        return bestStart;
    }

    /**
     * How many times the folds are drawn: once when at least {@value #CV_REPEAT_ROWS} rows are
     * cross-validated; for fewer, as many shuffles (at most {@value #CV_MAX_REPEATS}) as bring the
     * rows scored to about that many. On a few hundred rows one draw of three folds is noisy: on
     * 245 embeddings of ants and bees, eight draws put the held-out loss at one strength anywhere
     * from 0.26 to 0.32, and the seeded draw at 0.38, which chose a strength ten times too strong.
     */
    static int repeats(int rows) {
        return Math.max(1, Math.min(CV_MAX_REPEATS, CV_REPEAT_ROWS / Math.max(1, rows)));
    }

    private static int[] shuffled(int n, Random random) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** The first {@code m} of {@code order}, in a new random order. */
    private static int[] shuffledSample(int[] order, int m, Random random) {
        int[] sample = Arrays.copyOf(order, m);
        for (int i = m - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = sample[i];
            sample[i] = sample[j];
            sample[j] = t;
        }
        return sample;
    }

    /**
     * Whether a point of the path beats the best so far: a lower held-out loss (ties: a higher
     * held-out accuracy). The loss, not the accuracy, decides: on a few hundred rows the held-out
     * accuracy moves in steps of one image and is flat over a decade of strengths, while the loss
     * is smooth and has one minimum (glmnet's cross-validation chooses by the deviance too).
     */
    private static boolean better(PathPoint p, double bestAcc, double bestLoss) {
        return p.cvLoss() < bestLoss || (p.cvLoss() == bestLoss && p.cvAccuracy() > bestAcc);
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

    /**
     * Per-feature mean and standard deviation of the transformed rows (in double); a constant
     * feature gets std 1.
     */
    private static void moments(
            float[] x, int n, int dim, FeatureTransform transform, float[] mean, float[] std) {
        double[] sum = new double[dim];
        double[] sq = new double[dim];
        for (int i = 0; i < n; i++) {
            int o = i * dim;
            for (int c = 0; c < dim; c++) {
                sum[c] += transform.apply(x[o + c]);
            }
        }
        for (int c = 0; c < dim; c++) {
            sum[c] /= n;
        }
        for (int i = 0; i < n; i++) {
            int o = i * dim;
            for (int c = 0; c < dim; c++) {
                double d = transform.apply(x[o + c]) - sum[c];
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
        private final FeatureTransform transform;
        private final float[] mean;
        private final float[] std;
        private final float[] classWeight;
        private final Loss loss;
        private final NDManager manager = NDManager.newBaseManager(ENGINE);
        private final Map<int[], RowSet> onEngine = new IdentityHashMap<>();

        Problem(
                float[] x,
                int dim,
                int[] y,
                int classes,
                FeatureTransform transform,
                float[] mean,
                float[] std,
                float[] classWeight,
                Loss loss) {
            this.x = x;
            this.dim = dim;
            this.y = y;
            this.classes = classes;
            this.transform = transform;
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
         * loop over them in Java. With the gradient it computes the weighted loss only; held out,
         * the plain loss and the right answers only: each tensor operation on {@code n x classes}
         * allocates and walks a new array, and they were half of a pass on 48,000 rows.
         */
        private Partial softmaxOnEngine(double[] theta, int[] rows, boolean withGradient) {
            int kk = classes;
            float[] w = new float[kk * dim];
            float[] b = new float[kk];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) theta[i];
            }
            for (int k = 0; k < kk; k++) {
                b[k] = (float) theta[kk * dim + k];
            }
            Partial p = new Partial(kk * dim, kk, withGradient);
            RowSet set = onEngine(rows);
            p.weight = set.weightSum();
            try (NDManager sub = manager.newSubManager()) {
                NDArray z =
                        set.xs()
                                .matMul(sub.create(w, new Shape(kk, dim)).transpose())
                                .addi(sub.create(b, new Shape(1, kk)));
                z.attach(sub);
                NDArray logp = z.logSoftmax(1);
                if (withGradient) {
                    // weighted loss: -sum(w_i log p_i,y_i); residuals w_i (p_i - onehot_i)
                    p.loss =
                            -logp.mul(set.weightedOneHot())
                                    .sum()
                                    .toType(DataType.FLOAT64, false)
                                    .getDouble();
                    NDArray r = logp.exp();
                    if (set.rowWeight() != null) {
                        r.muli(set.rowWeight());
                    }
                    r.subi(set.weightedOneHot());
                    float[] rs = r.sum(new int[] {0}).toFloatArray();
                    for (int k = 0; k < kk; k++) {
                        p.residualSum[k] = rs[k];
                    }
                    float[] g = r.transpose().matMul(set.xs()).toFloatArray();
                    for (int i = 0; i < g.length; i++) {
                        p.gradient[i] = g[i];
                    }
                } else {
                    p.plainLoss =
                            -logp.mul(set.oneHot())
                                    .sum()
                                    .toType(DataType.FLOAT64, false)
                                    .getDouble();
                    p.correct =
                            (int)
                                    z.argMax(1)
                                            .eq(set.labels())
                                            .toType(DataType.INT64, false)
                                            .sum()
                                            .getLong();
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
            NDArray xs = onEngine(rows).xs();
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
         * The rows as one transformed and standardised matrix on the engine, copied there once per
         * set of rows (standardised there, so that the products need no correction that loses
         * precision).
         */
        private RowSet onEngine(int[] rows) {
            RowSet have = onEngine.get(rows);
            if (have != null) {
                return have;
            }
            int m = rows.length;
            // Copied a block of rows at a time, so that no second N x D array is made in Java.
            NDArray created = manager.zeros(new Shape(m, dim), DataType.FLOAT32);
            int block = Math.max(1, Math.min(m, UPLOAD_FLOATS / dim));
            float[] rowsOf = new float[block * dim];
            for (int first = 0; first < m; first += block) {
                int count = Math.min(block, m - first);
                for (int j = 0; j < count; j++) {
                    int from = rows[first + j] * dim;
                    int to = j * dim;
                    for (int c = 0; c < dim; c++) {
                        rowsOf[to + c] = (float) transform.apply(x[from + c]);
                    }
                }
                try (NDArray part =
                        manager.create(
                                FloatBuffer.wrap(rowsOf, 0, count * dim), new Shape(count, dim))) {
                    created.set(new NDIndex("{}:{}", first, first + count), part);
                }
            }
            try (NDManager sub = manager.newSubManager()) {
                NDArray mu = sub.create(mean, new Shape(1, dim));
                NDArray sigma = sub.create(std, new Shape(1, dim));
                created.subi(mu).divi(sigma);
            }
            int[] labels = new int[m];
            float[] weights = new float[m];
            boolean uniform = true;
            double weightSum = 0;
            for (int j = 0; j < m; j++) {
                labels[j] = y[rows[j]];
                weights[j] = classWeight[labels[j]];
                uniform &= weights[j] == 1f;
                weightSum += weights[j];
            }
            NDArray label = manager.create(labels).toType(DataType.INT64, false);
            NDArray oneHot = label.oneHot(classes);
            NDArray rowWeight = uniform ? null : manager.create(weights, new Shape(m, 1));
            NDArray weightedOneHot = uniform ? oneHot : oneHot.mul(rowWeight);
            RowSet set = new RowSet(created, label, oneHot, rowWeight, weightedOneHot, weightSum);
            onEngine.put(rows, set);
            return set;
        }

        /** Frees the copies of {@code rows} on the engine. */
        void release(int[] rows) {
            RowSet a = onEngine.remove(rows);
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

    /**
     * A set of rows on the engine: the transformed, standardised embeddings, and what every pass
     * over them needs of their labels.
     *
     * @param xs {@code [m, dim]}
     * @param labels {@code [m]}, int64
     * @param oneHot {@code [m, classes]}
     * @param rowWeight {@code [m, 1]}, each row's class weight; null when all are 1
     * @param weightedOneHot {@code oneHot} times {@code rowWeight}
     * @param weightSum the sum of the rows' weights
     */
    private record RowSet(
            NDArray xs,
            NDArray labels,
            NDArray oneHot,
            NDArray rowWeight,
            NDArray weightedOneHot,
            double weightSum)
            implements AutoCloseable {
        @Override
        public void close() {
            xs.close();
            labels.close();
            oneHot.close();
            if (rowWeight != null) {
                rowWeight.close();
                weightedOneHot.close();
            }
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
