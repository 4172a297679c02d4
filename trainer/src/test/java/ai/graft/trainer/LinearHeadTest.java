package ai.graft.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.FeatureTransform;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The solved head: its optimum, the cross-validated strength, determinism. */
class LinearHeadTest {
    /** Gaussian clusters: class k centred at {@code spread * e_k} in the first dimensions. */
    private static float[] clusters(
            int n, int dim, int classes, double spread, int[] y, long seed) {
        Random random = new Random(seed);
        float[] x = new float[n * dim];
        for (int i = 0; i < n; i++) {
            y[i] = i % classes;
            for (int c = 0; c < dim; c++) {
                double centre = c == y[i] ? spread : 0;
                // An offset and a scale per feature, which standardisation must undo.
                x[i * dim + c] = (float) (3 + c + (1 + 0.5 * c) * (centre + random.nextGaussian()));
            }
        }
        return x;
    }

    /**
     * The gradient of the regularised objective at the head, computed here in double from the
     * definition (standardised features, class weights 1): zero at the optimum.
     */
    private static double gradientNorm(
            LinearHead.Result h, float[] x, int n, int[] y, LinearHead.Loss loss) {
        int k = h.classes();
        int d = h.dim();
        double[] gw = new double[k * d];
        double[] gb = new double[k];
        for (int i = 0; i < n; i++) {
            double[] z = new double[k];
            double[] xs = new double[d];
            for (int c = 0; c < d; c++) {
                xs[c] = (x[i * d + c] - (double) h.mean()[c]) / h.std()[c];
            }
            for (int j = 0; j < k; j++) {
                z[j] = h.bias()[j];
                for (int c = 0; c < d; c++) {
                    z[j] += h.weight()[j * d + c] * xs[c];
                }
            }
            double[] r = new double[k];
            if (loss == LinearHead.Loss.SOFTMAX) {
                double max = java.util.Arrays.stream(z).max().getAsDouble();
                double sum = 0;
                for (double v : z) {
                    sum += Math.exp(v - max);
                }
                for (int j = 0; j < k; j++) {
                    r[j] = Math.exp(z[j] - max) / sum - (j == y[i] ? 1 : 0);
                }
            } else {
                for (int j = 0; j < k; j++) {
                    double m = j == y[i] ? 0 : 1 + z[j] - z[y[i]];
                    if (m > 0) {
                        r[j] += 2 * m;
                        r[y[i]] -= 2 * m;
                    }
                }
            }
            for (int j = 0; j < k; j++) {
                gb[j] += r[j] / n;
                for (int c = 0; c < d; c++) {
                    gw[j * d + c] += r[j] * xs[c] / n;
                }
            }
        }
        double max = 0;
        for (int j = 0; j < k; j++) {
            max = Math.max(max, Math.abs(gb[j]));
            for (int c = 0; c < d; c++) {
                max = Math.max(max, Math.abs(gw[j * d + c] + h.l2() * h.weight()[j * d + c]));
            }
        }
        return max;
    }

    private static LinearHead.Result fit(
            float[] x, int n, int dim, int[] y, int classes, LinearHead.Loss loss) {
        return LinearHead.fit(
                x,
                n,
                dim,
                y,
                classes,
                loss,
                FeatureTransform.NONE,
                false,
                42,
                TrainingMonitor.SILENT);
    }

    @Test
    void fit_softmax_reachesTheOptimumOfTheRegularisedLoss() {
        int n = 600;
        int[] y = new int[n];
        float[] x = clusters(n, 6, 3, 1.5, y, 1);
        LinearHead.Result h = fit(x, n, 6, y, 3, LinearHead.Loss.SOFTMAX);
        assertTrue(h.converged(), "converged");
        double norm = gradientNorm(h, x, n, y, LinearHead.Loss.SOFTMAX);
        assertTrue(norm < 2 * LinearHead.REFIT_TOLERANCE, "at the optimum: |gradient| " + norm);
        assertTrue(
                h.trainAccuracy() > 0.7, "learns the clusters (chance 0.33): " + h.trainAccuracy());
    }

    @Test
    void fit_squaredHinge_reachesTheOptimumOfTheRegularisedLoss() {
        int n = 600;
        int[] y = new int[n];
        float[] x = clusters(n, 6, 3, 1.5, y, 2);
        LinearHead.Result h = fit(x, n, 6, y, 3, LinearHead.Loss.SQUARED_HINGE);
        double norm = gradientNorm(h, x, n, y, LinearHead.Loss.SQUARED_HINGE);
        // Only once differentiable: L-BFGS may end on the decrease test, a little further out.
        assertTrue(norm < 2 * LinearHead.REFIT_TOLERANCE, "at the optimum: |gradient| " + norm);
        assertTrue(
                h.trainAccuracy() > 0.7, "learns the clusters (chance 0.33): " + h.trainAccuracy());
    }

    @Test
    void fit_crossValidation_regularisesNoiseMoreThanSeparableData() {
        int n = 300;
        int[] ySeparable = new int[n];
        float[] separable = clusters(n, 5, 3, 8, ySeparable, 3);
        LinearHead.Result clean = fit(separable, n, 5, ySeparable, 3, LinearHead.Loss.SOFTMAX);

        // Labels that no feature predicts, many features, few rows: only a strong penalty helps.
        int m = 90;
        int dim = 60;
        Random random = new Random(4);
        int[] yNoise = new int[m];
        float[] noise = new float[m * dim];
        for (int i = 0; i < m; i++) {
            yNoise[i] = random.nextInt(3);
            for (int c = 0; c < dim; c++) {
                noise[i * dim + c] = (float) random.nextGaussian();
            }
        }
        LinearHead.Result noisy = fit(noise, m, dim, yNoise, 3, LinearHead.Loss.SOFTMAX);

        assertEquals(1.0, clean.chosen().cvAccuracy(), 1e-9, "separable: " + clean.path());
        assertTrue(clean.cvL2() <= 1e-3, "separable data needs little penalty: " + clean.path());
        assertTrue(noisy.cvL2() >= 1e-2, "noise needs a strong penalty: " + noisy.path());
        assertEquals(LinearHead.STRENGTHS[0], clean.path().get(0).l2(), "strongest first");
    }

    @Test
    void fit_sqrt_isTheHeadOfTheRootedRowsAndReadsRawRows() {
        int n = 400;
        int[] y = new int[n];
        float[] x = clusters(n, 5, 3, 1.5, y, 7);
        for (int i = 0; i < x.length; i += 3) {
            x[i] = -x[i]; // negative values too: the root keeps the sign
        }
        float[] rooted = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            rooted[i] = (float) (Math.signum(x[i]) * Math.sqrt(Math.abs(x[i])));
        }
        LinearHead.Result viaSqrt =
                LinearHead.fit(
                        x,
                        n,
                        5,
                        y,
                        3,
                        LinearHead.Loss.SOFTMAX,
                        FeatureTransform.SQRT,
                        false,
                        42,
                        TrainingMonitor.SILENT);
        LinearHead.Result onRoots = fit(rooted, n, 5, y, 3, LinearHead.Loss.SOFTMAX);
        assertEquals(FeatureTransform.SQRT, viaSqrt.transform());
        assertEquals(onRoots.cvL2(), viaSqrt.cvL2());
        assertArrayEquals(onRoots.mean(), viaSqrt.mean(), 1e-5f);
        assertArrayEquals(onRoots.weight(), viaSqrt.weight(), 5e-3f);
        double[][] a = viaSqrt.logits(x, n);
        double[][] b = onRoots.logits(rooted, n);
        for (int i = 0; i < n; i++) {
            assertArrayEquals(b[i], a[i], 1e-2, "row " + i);
        }
    }

    @Test
    void fit_choosesTheStrengthOfTheLowestHeldOutLoss() {
        int n = 240;
        int dim = 30;
        int[] y = new int[n];
        float[] x = clusters(n, dim, 3, 0.8, y, 8);
        LinearHead.Result h = fit(x, n, dim, y, 3, LinearHead.Loss.SOFTMAX);
        double lowest =
                h.path().stream().mapToDouble(LinearHead.PathPoint::cvLoss).min().orElseThrow();
        assertEquals(lowest, h.chosen().cvLoss(), 0.0, h.path().toString());
    }

    @Test
    void repeats_drawTheFoldsAgainForFewRows() {
        assertEquals(LinearHead.CV_MAX_REPEATS, LinearHead.repeats(245));
        assertEquals(2, LinearHead.repeats(1_000));
        assertEquals(1, LinearHead.repeats(LinearHead.CV_REPEAT_ROWS));
        assertEquals(1, LinearHead.repeats(LinearHead.CV_LIMIT));
        assertEquals(LinearHead.CV_MAX_REPEATS, LinearHead.repeats(2));
    }

    @Test
    void fit_isDeterministic() {
        int n = 5000;
        int[] y = new int[n];
        float[] x = clusters(n, 8, 4, 1.0, y, 5);
        LinearHead.Result one = fit(x, n, 8, y, 4, LinearHead.Loss.SOFTMAX);
        LinearHead.Result two = fit(x, n, 8, y, 4, LinearHead.Loss.SOFTMAX);
        assertArrayEquals(one.weight(), two.weight(), 0f);
        assertArrayEquals(one.bias(), two.bias(), 0f);
        assertEquals(one.path(), two.path());
    }

    @Test
    void fit_classWeights_favourTheRareClass() {
        // 900 rows of class 0 and 100 of class 1, overlapping: unweighted, class 1 loses.
        int n = 1000;
        int[] y = new int[n];
        float[] x = new float[n];
        Random random = new Random(6);
        for (int i = 0; i < n; i++) {
            y[i] = i < 900 ? 0 : 1;
            x[i] = (float) (random.nextGaussian() + (y[i] == 1 ? 1.0 : 0));
        }
        List<Integer> rare = new ArrayList<>();
        for (boolean weighted : new boolean[] {false, true}) {
            LinearHead.Result h =
                    LinearHead.fit(
                            x,
                            n,
                            1,
                            y,
                            2,
                            LinearHead.Loss.SOFTMAX,
                            FeatureTransform.NONE,
                            weighted,
                            1,
                            TrainingMonitor.SILENT);
            double[][] z = h.logits(x, n);
            int found = 0;
            for (int i = 900; i < n; i++) {
                found += z[i][1] > z[i][0] ? 1 : 0;
            }
            rare.add(found);
        }
        assertTrue(rare.get(1) > rare.get(0) + 30, "recall of the rare class: " + rare);
    }

    @Test
    void fit_flatStorage_readsOnlyTheRowsItIsGiven() {
        int n = 200;
        int[] y = new int[n];
        float[] x = clusters(n, 4, 2, 2, y, 7);
        float[] longer = java.util.Arrays.copyOf(x, x.length + 4 * 50);
        java.util.Arrays.fill(longer, x.length, longer.length, Float.NaN);
        LinearHead.Result a = fit(x, n, 4, y, 2, LinearHead.Loss.SOFTMAX);
        LinearHead.Result b = fit(longer, n, 4, y, 2, LinearHead.Loss.SOFTMAX);
        assertArrayEquals(a.weight(), b.weight(), 0f, "unused room after the rows is ignored");
    }

    @Test
    void fit_rejectsALabelOutsideTheClasses() {
        int[] y = {0, 1, 2};
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> fit(new float[3], 3, 1, y, 2, LinearHead.Loss.SOFTMAX));
        assertEquals("Row 2 has class 2, expected 0 to 1", e.getMessage());
    }
}
