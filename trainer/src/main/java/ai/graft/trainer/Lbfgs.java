package ai.graft.trainer;

import java.util.Arrays;

/**
 * Limited-memory BFGS for smooth convex objectives: the two-loop recursion over the last {@value
 * #MEMORY} steps and a backtracking (Armijo) line search. Deterministic: the same function and
 * start give the same iterates.
 *
 * <p>Graft has its own because no JVM library it may depend on fits: Smile has L-BFGS but is GPL-3,
 * Apache Commons Math 3.6.1 (2016) has none, and DJL's optimisers are first-order. Fitting the
 * {@code features} heads needs only this much (about a hundred lines), and the tests hold it
 * against closed-form optima.
 */
final class Lbfgs {
    /** Steps remembered. */
    static final int MEMORY = 10;

    private static final double ARMIJO = 1e-4;
    private static final int MAX_BACKTRACKS = 40;

    /** A differentiable function. */
    @FunctionalInterface
    interface Function {
        /**
         * @param x the point (not to be changed)
         * @param gradient receives the gradient at {@code x}
         * @return the value at {@code x}
         */
        double evaluate(double[] x, double[] gradient);
    }

    /**
     * Where the minimisation stopped.
     *
     * @param x the point
     * @param value the function's value there
     * @param gradientNorm the largest absolute component of the gradient there
     * @param iterations iterations taken
     * @param evaluations function evaluations
     * @param converged whether the gradient or the decrease fell below the tolerance (not the
     *     iteration limit)
     */
    record Result(
            double[] x,
            double value,
            double gradientNorm,
            int iterations,
            int evaluations,
            boolean converged) {}

    private Lbfgs() {}

    /**
     * Minimises {@code f} from {@code start}.
     *
     * @param f the function
     * @param start the first point (not changed)
     * @param maxIterations the most iterations
     * @param tolerance stop when the largest absolute gradient component is at most this, or when
     *     an iteration lowers the value by less than {@code tolerance * 1e-3} relatively
     * @return the last point
     */
    static Result minimize(Function f, double[] start, int maxIterations, double tolerance) {
        if (maxIterations < 0 || !(tolerance > 0)) {
            throw new IllegalArgumentException(
                    "maxIterations must be >= 0 and tolerance > 0, got "
                            + maxIterations
                            + " and "
                            + tolerance);
        }
        int n = start.length;
        double[] x = start.clone();
        double[] g = new double[n];
        double value = f.evaluate(x, g);
        int evaluations = 1;
        double[][] s = new double[MEMORY][n];
        double[][] y = new double[MEMORY][n];
        double[] rho = new double[MEMORY];
        double[] alpha = new double[MEMORY];
        int stored = 0;
        int newest = -1;
        double[] d = new double[n];
        double[] xNew = new double[n];
        double[] gNew = new double[n];
        int iteration = 0;
        boolean converged = maxNorm(g) <= tolerance;
        while (!converged && iteration < maxIterations) {
            // d = -H g by the two-loop recursion
            System.arraycopy(g, 0, d, 0, n);
            for (int j = 0; j < stored; j++) {
                int k = Math.floorMod(newest - j, MEMORY);
                alpha[k] = rho[k] * dot(s[k], d);
                axpy(-alpha[k], y[k], d);
            }
            double gamma;
            if (stored > 0) {
                gamma = dot(s[newest], y[newest]) / dot(y[newest], y[newest]);
            } else {
                gamma = 1.0 / Math.max(1.0, Math.sqrt(dot(g, g)));
            }
            scale(d, gamma);
            for (int j = stored - 1; j >= 0; j--) {
                int k = Math.floorMod(newest - j, MEMORY);
                double beta = rho[k] * dot(y[k], d);
                axpy(alpha[k] - beta, s[k], d);
            }
            scale(d, -1);
            double slope = dot(g, d);
            if (!(slope < 0)) {
                // Not a descent direction (rounding): restart from the gradient.
                stored = 0;
                System.arraycopy(g, 0, d, 0, n);
                scale(d, -1.0 / Math.max(1.0, Math.sqrt(dot(g, g))));
                slope = dot(g, d);
            }
            double step = 1;
            double valueNew = Double.NaN;
            boolean accepted = false;
            for (int b = 0; b < MAX_BACKTRACKS; b++) {
                for (int i = 0; i < n; i++) {
                    xNew[i] = x[i] + step * d[i];
                }
                valueNew = f.evaluate(xNew, gNew);
                evaluations++;
                if (valueNew <= value + ARMIJO * step * slope) {
                    accepted = true;
                    break;
                }
                // Minimum of the quadratic through value, slope and valueNew; kept in [0.1, 0.5].
                double q = -slope * step * step / (2 * (valueNew - value - slope * step));
                step =
                        Double.isFinite(q)
                                ? Math.min(0.5 * step, Math.max(0.1 * step, q))
                                : step / 2;
            }
            iteration++;
            if (!accepted) {
                converged = true; // no decrease left at this precision
                break;
            }
            int k = (newest + 1) % MEMORY;
            double sy = 0;
            double yy = 0;
            for (int i = 0; i < n; i++) {
                s[k][i] = xNew[i] - x[i];
                y[k][i] = gNew[i] - g[i];
                sy += s[k][i] * y[k][i];
                yy += y[k][i] * y[k][i];
            }
            if (sy > 1e-12 * yy && yy > 0) {
                rho[k] = 1 / sy;
                newest = k;
                stored = Math.min(stored + 1, MEMORY);
            }
            double decrease = value - valueNew;
            double[] t = x;
            x = xNew;
            xNew = t;
            t = g;
            g = gNew;
            gNew = t;
            value = valueNew;
            converged =
                    maxNorm(g) <= tolerance
                            || decrease <= tolerance * 1e-3 * Math.max(1, Math.abs(value));
        }
        return new Result(x, value, maxNorm(g), iteration, evaluations, converged);
    }

    static double dot(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static void axpy(double a, double[] x, double[] y) {
        for (int i = 0; i < x.length; i++) {
            y[i] += a * x[i];
        }
    }

    private static void scale(double[] x, double a) {
        for (int i = 0; i < x.length; i++) {
            x[i] *= a;
        }
    }

    private static double maxNorm(double[] g) {
        return Arrays.stream(g).map(Math::abs).max().orElse(0);
    }
}
