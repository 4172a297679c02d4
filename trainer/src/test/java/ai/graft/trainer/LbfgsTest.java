package ai.graft.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** L-BFGS against optima known in closed form. */
class LbfgsTest {
    /**
     * Ridge regression |Aw - b|^2 / 2n + l2 / 2 |w|^2: its optimum solves (A'A/n + l2 I) w = A'b/n.
     */
    @Test
    void minimize_findsTheClosedFormRidgeOptimum() {
        Random random = new Random(3);
        int n = 200;
        int d = 12;
        double l2 = 0.05;
        double[][] a = new double[n][d];
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                // Columns of very different scales: an ill-conditioned problem.
                a[i][j] = random.nextGaussian() * (1 + 4 * j);
            }
            b[i] = random.nextGaussian() * 3 + a[i][0] - 0.2 * a[i][5];
        }
        Lbfgs.Function f =
                (w, g) -> {
                    java.util.Arrays.fill(g, 0);
                    double value = 0;
                    for (int i = 0; i < n; i++) {
                        double r = -b[i];
                        for (int j = 0; j < d; j++) {
                            r += a[i][j] * w[j];
                        }
                        value += r * r / (2.0 * n);
                        for (int j = 0; j < d; j++) {
                            g[j] += a[i][j] * r / n;
                        }
                    }
                    for (int j = 0; j < d; j++) {
                        value += 0.5 * l2 * w[j] * w[j];
                        g[j] += l2 * w[j];
                    }
                    return value;
                };
        double[][] m = new double[d][d + 1];
        for (int j = 0; j < d; j++) {
            for (int k = 0; k < d; k++) {
                double s = 0;
                for (int i = 0; i < n; i++) {
                    s += a[i][j] * a[i][k];
                }
                m[j][k] = s / n + (j == k ? l2 : 0);
            }
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += a[i][j] * b[i];
            }
            m[j][d] = s / n;
        }
        double[] exact = solve(m);

        Lbfgs.Result r = Lbfgs.minimize(f, new double[d], 500, 1e-10);
        assertTrue(r.converged(), "converged: " + r);
        assertArrayEquals(exact, r.x(), 1e-6);
        Lbfgs.Result again = Lbfgs.minimize(f, new double[d], 500, 1e-10);
        assertArrayEquals(r.x(), again.x(), 0.0, "deterministic");
    }

    @Test
    void minimize_findsTheMinimumOfRosenbrocksValley() {
        Lbfgs.Function f =
                (x, g) -> {
                    double a = 1 - x[0];
                    double b = x[1] - x[0] * x[0];
                    g[0] = -2 * a - 400 * x[0] * b;
                    g[1] = 200 * b;
                    return a * a + 100 * b * b;
                };
        Lbfgs.Result r = Lbfgs.minimize(f, new double[] {-1.2, 1}, 1000, 1e-9);
        assertArrayEquals(new double[] {1, 1}, r.x(), 1e-5);
        assertEquals(0, r.value(), 1e-10);
    }

    @Test
    void minimize_rejectsNonsenseLimits() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Lbfgs.minimize((x, g) -> 0, new double[1], 10, 0));
        assertTrue(e.getMessage().contains("tolerance > 0"), e.getMessage());
    }

    /** Gaussian elimination with partial pivoting of an augmented matrix. */
    private static double[] solve(double[][] m) {
        int d = m.length;
        for (int c = 0; c < d; c++) {
            int p = c;
            for (int r = c + 1; r < d; r++) {
                if (Math.abs(m[r][c]) > Math.abs(m[p][c])) {
                    p = r;
                }
            }
            double[] t = m[c];
            m[c] = m[p];
            m[p] = t;
            for (int r = c + 1; r < d; r++) {
                double k = m[r][c] / m[c][c];
                for (int j = c; j <= d; j++) {
                    m[r][j] -= k * m[c][j];
                }
            }
        }
        double[] x = new double[d];
        for (int r = d - 1; r >= 0; r--) {
            double s = m[r][d];
            for (int j = r + 1; j < d; j++) {
                s -= m[r][j] * x[j];
            }
            x[r] = s / m[r][r];
        }
        return x;
    }
}
