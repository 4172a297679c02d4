package ai.graft.trainer;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.graft.converter.checkpoint.EpochMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A softmax-regression head trained with DJL on the PyTorch engine, on standardised embeddings:
 * AdamW, linear warm-up then a cosine learning rate, label smoothing, optional class weights, and
 * early stopping on validation accuracy that keeps the best epoch.
 */
final class LinearHead {
    private static final String ENGINE = "PyTorch";

    /** The trained head. Weights are {@code [classes * dim]}, row-major, one row per class. */
    record Result(
            int classes,
            int dim,
            float[] mean,
            float[] std,
            float[] weight,
            float[] bias,
            List<EpochMetrics> epochs,
            int bestEpoch,
            double bestValAccuracy) {

        /** The weights that read raw (unstandardised) embeddings: standardisation folded in. */
        float[][] folded() {
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
            return new float[][] {w, b};
        }

        /** The trainer's logits of raw embeddings, computed on the engine. */
        float[][] logits(float[][] x) {
            try (NDManager m = NDManager.newBaseManager(ENGINE)) {
                NDArray z = standardise(m, x, mean, std);
                NDArray w = m.create(weight, new Shape(classes, dim));
                NDArray b = m.create(bias);
                float[] out = z.matMul(w.transpose()).add(b).toFloatArray();
                float[][] rows = new float[x.length][classes];
                for (int i = 0; i < x.length; i++) {
                    System.arraycopy(out, i * classes, rows[i], 0, classes);
                }
                return rows;
            }
        }
    }

    private LinearHead() {}

    static Result train(
            float[][] xTrain,
            int[] yTrain,
            float[][] xVal,
            int[] yVal,
            int classes,
            TrainingOptions o,
            TrainingMonitor monitor) {
        int n = xTrain.length;
        int dim = xTrain[0].length;
        boolean svm = o.head() == TrainingOptions.Head.SVM;
        float[] mean = new float[dim];
        float[] std = new float[dim];
        moments(xTrain, mean, std);
        float[] classWeight = new float[classes];
        int[] counts = new int[classes];
        for (int y : yTrain) {
            counts[y]++;
        }
        for (int k = 0; k < classes; k++) {
            classWeight[k] =
                    o.classWeights() && counts[k] > 0 ? (float) n / (classes * counts[k]) : 1f;
        }
        int batch = Math.min(o.batchSize(), n);
        int stepsPerEpoch = (n + batch - 1) / batch;
        int totalSteps = stepsPerEpoch * o.epochs();
        int warmupSteps = Math.min(stepsPerEpoch * o.warmupEpochs(), totalSteps / 2);
        float lr = (float) o.learningRate();
        Tracker schedule = step -> learningRate(step, lr, warmupSteps, totalSteps);
        Optimizer weightOptimizer =
                Optimizer.adamW()
                        .optLearningRateTracker(schedule)
                        .optWeightDecays((float) o.weightDecay())
                        .build();
        Optimizer biasOptimizer =
                Optimizer.adamW().optLearningRateTracker(schedule).optWeightDecays(0f).build();
        Random random = new Random(o.seed());
        List<EpochMetrics> history = new ArrayList<>();
        float[] bestW = new float[classes * dim];
        float[] bestB = new float[classes];
        int bestEpoch = 0;
        double bestAcc = -1;
        double bestLoss = Double.POSITIVE_INFINITY;
        try (NDManager m = NDManager.newBaseManager(ENGINE)) {
            NDArray x = standardise(m, xTrain, mean, std);
            NDArray y = m.create(yTrain);
            NDArray xv = standardise(m, xVal, mean, std);
            NDArray yv = m.create(yVal);
            NDArray cw = m.create(classWeight, new Shape(classes, 1));
            NDArray w = m.zeros(new Shape(classes, dim));
            NDArray b = m.zeros(new Shape(classes));
            w.setRequiresGradient(true);
            b.setRequiresGradient(true);
            int[] order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            int step = 0;
            int sinceBest = 0;
            for (int epoch = 1; epoch <= o.epochs(); epoch++) {
                long t0 = System.nanoTime();
                shuffle(order, random);
                for (int from = 0; from < n; from += batch) {
                    int to = Math.min(n, from + batch);
                    try (NDManager sub = m.newSubManager()) {
                        int[] idx = java.util.Arrays.copyOfRange(order, from, to);
                        NDArray index = sub.create(idx).toType(DataType.INT64, false);
                        NDArray xb = x.get(index);
                        NDArray yb = y.get(index);
                        xb.attach(sub);
                        yb.attach(sub);
                        try (GradientCollector gc =
                                Engine.getEngine(ENGINE).newGradientCollector()) {
                            gc.zeroGradients();
                            NDArray wt = w.transpose();
                            wt.attach(sub);
                            NDArray logits = xb.matMul(wt).add(b);
                            NDArray loss =
                                    svm
                                            ? hinge(logits, yb, cw, classes)
                                            : loss(
                                                    logits,
                                                    yb,
                                                    cw,
                                                    classes,
                                                    (float) o.labelSmoothing());
                            gc.backward(loss);
                        }
                        NDArray gw = w.getGradient();
                        NDArray gb = b.getGradient();
                        gw.attach(sub);
                        gb.attach(sub);
                        weightOptimizer.update("weight", w, gw);
                        biasOptimizer.update("bias", b, gb);
                    }
                    step++;
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                double[] train = evaluate(m, x, y, w, b, classes, svm);
                double[] val = evaluate(m, xv, yv, w, b, classes, svm);
                double rate = learningRate(Math.max(0, step - 1), lr, warmupSteps, totalSteps);
                history.add(
                        new EpochMetrics(
                                epoch,
                                train[0],
                                train[1],
                                val[0],
                                val[1],
                                rate,
                                n / Math.max(seconds, 1e-9),
                                seconds));
                monitor.log(
                        String.format(
                                Locale.ROOT,
                                "epoch %d/%d: loss %.4f, accuracy %.4f, val loss %.4f, val"
                                        + " accuracy %.4f, lr %.2e",
                                epoch,
                                o.epochs(),
                                train[0],
                                train[1],
                                val[0],
                                val[1],
                                rate));
                if (val[1] > bestAcc + 1e-12
                        || (Math.abs(val[1] - bestAcc) <= 1e-12 && val[0] < bestLoss)) {
                    if (val[1] > bestAcc + 1e-12) {
                        sinceBest = 0;
                    }
                    bestAcc = val[1];
                    bestLoss = val[0];
                    bestEpoch = epoch;
                    bestW = w.toFloatArray();
                    bestB = b.toFloatArray();
                } else {
                    sinceBest++;
                }
                if (o.patience() > 0 && sinceBest >= o.patience()) {
                    monitor.log(
                            String.format(
                                    Locale.ROOT,
                                    "early stop: no better validation accuracy for %d epochs;"
                                            + " keeping epoch %d",
                                    o.patience(),
                                    bestEpoch));
                    break;
                }
            }
        }
        return new Result(
                classes, dim, mean, std, bestW, bestB, List.copyOf(history), bestEpoch, bestAcc);
    }

    /** Linear warm-up from lr/warmup to lr, then cosine to 1 % of lr at the last step. */
    static float learningRate(int step, float lr, int warmupSteps, int totalSteps) {
        if (step < warmupSteps) {
            return lr * (step + 1) / warmupSteps;
        }
        double span = Math.max(1, totalSteps - warmupSteps - 1);
        double t = Math.min(1.0, (step - warmupSteps) / span);
        double min = lr * 0.01;
        return (float) (min + (lr - min) * 0.5 * (1 + Math.cos(Math.PI * t)));
    }

    /** Label-smoothed, class-weighted softmax cross-entropy, averaged over the batch weights. */
    private static NDArray loss(
            NDArray logits, NDArray labels, NDArray classWeights, int classes, float smoothing) {
        NDArray logp = logits.logSoftmax(1);
        NDArray oneHot = labels.oneHot(classes).toType(DataType.FLOAT32, false);
        NDArray target = oneHot.mul(1 - smoothing).add(smoothing / classes);
        NDArray perSample = target.mul(logp).sum(new int[] {1}).neg();
        NDArray weights = oneHot.matMul(classWeights).reshape(-1);
        return perSample.mul(weights).sum().div(weights.sum());
    }

    /**
     * Class-weighted multiclass hinge loss (Weston and Watkins): for each other class, how far its
     * score comes within a margin of 1 of the true class's score; averaged over the batch weights.
     */
    private static NDArray hinge(
            NDArray scores, NDArray labels, NDArray classWeights, int classes) {
        NDArray oneHot = labels.oneHot(classes).toType(DataType.FLOAT32, false);
        NDArray weights = oneHot.matMul(classWeights).reshape(-1);
        return hingePerSample(scores, oneHot).mul(weights).sum().div(weights.sum());
    }

    private static NDArray hingePerSample(NDArray scores, NDArray oneHot) {
        NDArray truth = scores.mul(oneHot).sum(new int[] {1}, true);
        NDArray others = oneHot.neg().add(1f);
        return scores.sub(truth).add(1f).maximum(0f).mul(others).sum(new int[] {1});
    }

    /**
     * Plain (unsmoothed, unweighted) loss (cross-entropy, or the hinge loss of an SVM head) and
     * accuracy, without gradients.
     */
    private static double[] evaluate(
            NDManager parent,
            NDArray x,
            NDArray y,
            NDArray w,
            NDArray b,
            int classes,
            boolean svm) {
        if (x.getShape().get(0) == 0) {
            return new double[] {Double.NaN, Double.NaN};
        }
        try (NDManager sub = parent.newSubManager()) {
            NDArray wt = w.stopGradient().transpose();
            NDArray bs = b.stopGradient();
            wt.attach(sub);
            bs.attach(sub);
            NDArray logits = x.matMul(wt).add(bs);
            logits.attach(sub);
            NDArray oneHot = y.oneHot(classes).toType(DataType.FLOAT32, false);
            double loss =
                    svm
                            ? hingePerSample(logits, oneHot).mean().getFloat()
                            : oneHot.mul(logits.logSoftmax(1))
                                    .sum(new int[] {1})
                                    .neg()
                                    .mean()
                                    .getFloat();
            NDArray correct =
                    logits.argMax(1)
                            .toType(DataType.INT64, false)
                            .eq(y.toType(DataType.INT64, false));
            double accuracy = correct.toType(DataType.FLOAT32, false).mean().getFloat();
            return new double[] {loss, accuracy};
        }
    }

    private static NDArray standardise(NDManager m, float[][] rows, float[] mean, float[] std) {
        int dim = mean.length;
        float[] flat = new float[rows.length * dim];
        for (int i = 0; i < rows.length; i++) {
            for (int c = 0; c < dim; c++) {
                flat[i * dim + c] = (rows[i][c] - mean[c]) / std[c];
            }
        }
        return m.create(flat, new Shape(rows.length, dim));
    }

    /** Per-feature mean and standard deviation (in double); a constant feature gets std 1. */
    private static void moments(float[][] x, float[] mean, float[] std) {
        int dim = mean.length;
        double[] sum = new double[dim];
        double[] sq = new double[dim];
        for (float[] row : x) {
            for (int c = 0; c < dim; c++) {
                sum[c] += row[c];
            }
        }
        for (int c = 0; c < dim; c++) {
            sum[c] /= x.length;
        }
        for (float[] row : x) {
            for (int c = 0; c < dim; c++) {
                double d = row[c] - sum[c];
                sq[c] += d * d;
            }
        }
        for (int c = 0; c < dim; c++) {
            double s = Math.sqrt(sq[c] / x.length);
            mean[c] = (float) sum[c];
            std[c] = s > 1e-6 ? (float) s : 1f;
        }
    }

    private static void shuffle(int[] a, Random random) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
