package ai.graft.trainer.tune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import java.util.Collection;

/**
 * The training step's guard against non-finite values: a step on an infinite or NaN gradient would
 * ruin every weight for good, so such a gradient is found and cleared instead, as mixed-precision
 * training does.
 */
final class Gradients {
    private Gradients() {}

    /** Outside a gradient collector, PyTorch must not record graphs (its mode is per thread). */
    static void off() {
        ai.djl.pytorch.jni.JniUtils.setGradMode(false);
    }

    /**
     * Whether every gradient of {@code params} is finite (no NaN, no infinity).
     *
     * @param params the parameters; those without an array or a gradient are skipped
     * @return true when all are finite
     */
    static boolean finite(Collection<Parameter> params) {
        NDManager scope = null;
        NDArray total = null;
        try {
            for (Parameter p : params) {
                NDArray a = p.isInitialized() ? p.getArray() : null;
                if (a == null || !a.hasGradient()) {
                    continue;
                }
                if (scope == null) {
                    scope = NDManager.subManagerOf(a);
                }
                NDArray g = a.getGradient();
                g.attach(scope);
                NDArray sum = g.abs().sum();
                total = total == null ? sum : total.add(sum);
            }
            // One read of one number: a single wait for the device per step.
            return total == null || Float.isFinite(total.getFloat());
        } finally {
            if (scope != null) {
                scope.close();
            }
        }
    }

    /**
     * Sets every gradient of {@code params} to zero, NaN and infinite values included (subtracting
     * a gradient from itself would keep them).
     *
     * @param params the parameters
     */
    static void clear(Collection<Parameter> params) {
        for (Parameter p : params) {
            NDArray a = p.isInitialized() ? p.getArray() : null;
            if (a != null && a.hasGradient()) {
                try (NDArray g = a.getGradient()) {
                    g.set(new NDIndex("..."), 0);
                }
            }
        }
    }
}
