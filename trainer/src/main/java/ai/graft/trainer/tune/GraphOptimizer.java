package ai.graft.trainer.tune;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.optimizer.Optimizer;
import ai.graft.trainer.TrainingOptions;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SGD with momentum or AdamW, as PyTorch's {@code torch.optim} defines them, with a learning-rate
 * factor and a weight-decay switch per parameter, and state that a checkpoint can save and restore
 * exactly (DJL's own optimizers keep theirs private).
 *
 * <ul>
 *   <li>SGD: {@code d = g + wd * w; buf = momentum * buf + d; w -= lr * buf}.
 *   <li>AdamW: {@code w *= 1 - lr * wd; m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2; w -= lr *
 *       (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)}, with b1 0.9, b2 0.999, eps 1e-8.
 * </ul>
 *
 * <p>The trainer sets the learning rate and the step before each {@link
 * ai.djl.training.Trainer#step()}; with several devices DJL's parameter server calls {@link
 * #update} once per device with the summed gradient, and each device keeps a copy of the state.
 * Gradients are zeroed after the update. Single-threaded, as DJL's training.
 */
final class GraphOptimizer extends Optimizer {
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPSILON = 1e-8f;

    private final TrainingOptions.Optimizer kind;
    private final float momentum;
    private final float weightDecay;
    private final Map<String, String> names;
    private final Map<String, Float> factors;
    private final Set<String> decayed;
    private final NDManager stateManager;
    private final Device mainDevice;
    private final Map<String, Map<Device, NDArray[]>> state = new ConcurrentHashMap<>();
    private final Map<String, float[][]> pending = new HashMap<>();
    private double learningRate;
    private long step;

    /**
     * @param kind SGD or AdamW
     * @param momentum SGD's momentum
     * @param weightDecay the weight decay of the decayed parameters
     * @param names parameter id to name (the state is saved by name)
     * @param factors parameter id to learning-rate factor (absent: 1)
     * @param decayed ids of the parameters with weight decay
     * @param stateManager owns the state arrays
     * @param mainDevice the device whose state copy is saved
     */
    GraphOptimizer(
            TrainingOptions.Optimizer kind,
            float momentum,
            float weightDecay,
            Map<String, String> names,
            Map<String, Float> factors,
            Set<String> decayed,
            NDManager stateManager,
            Device mainDevice) {
        super(new Builder());
        this.kind = kind;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.names = Map.copyOf(names);
        this.factors = Map.copyOf(factors);
        this.decayed = Set.copyOf(decayed);
        this.stateManager = stateManager;
        this.mainDevice = mainDevice;
    }

    /**
     * Sets the head's learning rate of the next update; parameters scale it by their factor.
     *
     * @param learningRate the rate
     */
    void setLearningRate(double learningRate) {
        this.learningRate = learningRate;
    }

    /**
     * Sets the 0-based index of the next update (AdamW's bias correction uses it).
     *
     * @param step the step
     */
    void setStep(long step) {
        this.step = step;
    }

    /** {@inheritDoc} */
    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        float lr = (float) (learningRate * factors.getOrDefault(parameterId, 1f));
        float wd = decayed.contains(parameterId) ? weightDecay : 0f;
        boolean sgd = kind == TrainingOptions.Optimizer.SGD;
        NDArray[] s =
                sgd && momentum == 0 ? new NDArray[0] : state(parameterId, weight, sgd ? 1 : 2);
        try (NDManager scope = NDManager.subManagerOf(weight)) {
            scope.tempAttachAll(weight, grad);
            scope.tempAttachAll(s);
            if (sgd) {
                NDArray d = wd > 0 ? grad.add(weight.mul(wd)) : grad;
                if (momentum > 0) {
                    s[0].muli(momentum).addi(d);
                    d = s[0];
                }
                weight.subi(d.mul(lr));
            } else {
                if (wd > 0) {
                    weight.muli(1f - lr * wd);
                }
                long t = step + 1;
                double c1 = 1 - Math.pow(BETA1, t);
                double c2 = 1 - Math.pow(BETA2, t);
                s[0].muli(BETA1).addi(grad.mul(1 - BETA1));
                s[1].muli(BETA2).addi(grad.mul(grad).muli(1 - BETA2));
                NDArray denom = s[1].div((float) c2).sqrt().addi(EPSILON);
                weight.subi(s[0].div(denom).muli((float) (lr / c1)));
            }
        }
        // PyTorch accumulates gradients: clear them for the next batch.
        if (weight.hasGradient()) {
            try (NDArray g = weight.getGradient()) {
                g.set(new NDIndex("..."), 0);
            }
        }
    }

    private NDArray[] state(String id, NDArray weight, int count) {
        Map<Device, NDArray[]> perDevice =
                state.computeIfAbsent(id, k -> new ConcurrentHashMap<>());
        Device device = weight.getDevice();
        NDArray[] arrays = perDevice.get(device);
        if (arrays != null) {
            return arrays;
        }
        arrays = new NDArray[count];
        float[][] saved = pending.remove(id);
        NDArray[] other = perDevice.isEmpty() ? null : perDevice.values().iterator().next();
        for (int k = 0; k < count; k++) {
            NDArray a;
            if (other != null) {
                a = other[k].toDevice(device, true);
            } else if (saved != null) {
                a = stateManager.create(saved[k], weight.getShape()).toDevice(device, false);
            } else {
                a = stateManager.zeros(weight.getShape(), weight.getDataType(), device);
            }
            a.attach(stateManager);
            arrays[k] = a;
        }
        perDevice.put(device, arrays);
        return arrays;
    }

    /**
     * The state of the main device's copy, by parameter name in name order: one array (SGD's
     * momentum buffer) or two (AdamW's first and second moments) per parameter that has been
     * updated or restored.
     *
     * @return float32 values, row-major
     */
    Map<String, float[][]> saveState() {
        // Sorted, so that the same state always gives the same checkpoint bytes.
        Map<String, float[][]> out = new TreeMap<>();
        for (Map.Entry<String, Map<Device, NDArray[]>> e : state.entrySet()) {
            NDArray[] arrays = e.getValue().get(mainDevice);
            if (arrays == null) {
                arrays = e.getValue().values().iterator().next();
            }
            float[][] values = new float[arrays.length][];
            for (int k = 0; k < arrays.length; k++) {
                values[k] = arrays[k].toFloatArray();
            }
            out.put(names.get(e.getKey()), values);
        }
        for (Map.Entry<String, float[][]> e : pending.entrySet()) {
            out.put(names.get(e.getKey()), e.getValue());
        }
        return out;
    }

    /**
     * Restores saved state; it takes effect at each parameter's next update.
     *
     * @param saved by parameter name, as {@link #saveState()} gave it
     * @param shapes parameter name to shape, to check the saved values
     * @throws IllegalArgumentException when a name is unknown or a size does not match
     */
    void restoreState(Map<String, float[][]> saved, Map<String, Shape> shapes) {
        Map<String, String> ids = new HashMap<>();
        names.forEach((id, name) -> ids.put(name, id));
        int count = kind == TrainingOptions.Optimizer.SGD ? 1 : 2;
        for (Map.Entry<String, float[][]> e : saved.entrySet()) {
            String id = ids.get(e.getKey());
            Shape shape = shapes.get(e.getKey());
            if (id == null || shape == null) {
                throw new IllegalArgumentException(
                        "Optimizer state for unknown parameter '" + e.getKey() + "'");
            }
            float[][] v = e.getValue();
            if (v.length != count) {
                throw new IllegalArgumentException(
                        "Optimizer state of '"
                                + e.getKey()
                                + "' has "
                                + v.length
                                + " arrays, "
                                + kind.cliName()
                                + " keeps "
                                + count);
            }
            for (float[] a : v) {
                if (a.length != shape.size()) {
                    throw new IllegalArgumentException(
                            "Optimizer state of '"
                                    + e.getKey()
                                    + "' has "
                                    + a.length
                                    + " values, the parameter "
                                    + shape.size());
                }
            }
            state.remove(id);
            pending.put(id, v);
        }
    }

    private static final class Builder extends OptimizerBuilder<Builder> {
        @Override
        protected Builder self() {
            return this;
        }
    }
}
