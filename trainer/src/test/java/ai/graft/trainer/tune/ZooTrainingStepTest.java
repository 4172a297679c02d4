package ai.graft.trainer.tune;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.zoo.TinyBackbones;
import ai.graft.trainer.TrainingOptions;
import ai.graft.trainer.exec.OnnxBlock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One training step of each of the zoo's later architectures, at its tiny configuration ({@link
 * TinyBackbones}), in double precision: the whole graph as the builder writes it, executed by
 * {@link OnnxBlock} in training mode (batch norm on batch statistics; dropout is off in these
 * configurations, so the pass is deterministic), the training loop's loss ({@link
 * SmoothedCrossEntropy}) and optimizer ({@link GraphOptimizer}, plain SGD) under a DJL {@link
 * Trainer}, as {@code EpochLoop} runs them.
 *
 * <p>The gradient that autograd gives for a few elements of every trainable parameter (the element
 * of largest gradient and two drawn at random) must match central differences of the loss within
 * {@code 1e-8 + 1e-4 |numeric|}; then one SGD step ({@link GraphOptimizer#update} on every
 * trainable parameter, what DJL's {@code Trainer.step()} does on one device; that method first
 * reads a float32 sum of the gradients, which float64 parameters refuse) must lower the loss on the
 * same batch by what the gradient predicts to first order, within 20 %. The seed of the weights,
 * images and samples is 5; {@code -DzooStepSeed=N} runs the check with another.
 */
class ZooTrainingStepTest {
    private static final int BATCH = 4;
    private static final int CLASSES = 3;
    private static final int[] LABELS = {0, 1, 2, 1};
    private static final long SEED = Long.getLong("zooStepSeed", 5);

    /** Central-difference step: small enough that ReLU kinks are rarely crossed. */
    private static final double H = 1e-6;

    private static final double ABSOLUTE_TOLERANCE = 1e-8;
    private static final double RELATIVE_TOLERANCE = 1e-4;

    /** The step is sized to lower the loss by this fraction of itself, to first order. */
    private static final double PLANNED_DROP = 0.01;

    private static int threads;

    /**
     * One intra-op thread: on tensors this small the thread pool's hand-offs cost more than they
     * save, and on a loaded machine its waits stall (the six checks took 131 s with two threads on
     * two busy cores, 18 s with one).
     */
    @BeforeAll
    static void oneThread() {
        Engine.getEngine(TrainingDevices.ENGINE);
        threads = JniUtils.getNumThreads();
        JniUtils.setNumThreads(1);
    }

    @AfterAll
    static void restoreThreads() {
        JniUtils.setNumThreads(threads);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TinyBackbones.class)
    void oneSgdStep_gradientsMatchCentralDifferencesAndTheLossFalls(TinyBackbones tiny)
            throws Exception {
        ModelProto graph = tiny.build(CLASSES, SEED);
        String name = graph.getGraph().getName();
        OnnxBlock block = OnnxBlock.create(graph);
        int side = tiny.inputSize();
        try (Model model = Model.newInstance("zoo-step", Device.cpu(), TrainingDevices.ENGINE)) {
            Gradients.off();
            model.setDataType(DataType.FLOAT64);
            model.setBlock(block);
            float[] classWeights = new float[CLASSES];
            Arrays.fill(classWeights, 1f);
            SmoothedCrossEntropy loss = new SmoothedCrossEntropy(0f, classWeights);
            Map<String, String> names = new HashMap<>();
            for (Parameter p : block.getParameters().values()) {
                names.put(p.getId(), p.getName());
            }
            GraphOptimizer sgd =
                    new GraphOptimizer(
                            TrainingOptions.Optimizer.SGD,
                            0f,
                            0f,
                            names,
                            Map.of(),
                            Set.of(),
                            model.getNDManager(),
                            Device.cpu());
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(loss)
                            .optOptimizer(sgd)
                            .optDevices(new Device[] {Device.cpu()});
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(BATCH, 3, side, side));
                NDManager manager = trainer.getManager();
                NDArray x = manager.create(images(side), new Shape(BATCH, 3, side, side));
                NDArray y = manager.create(LABELS);
                float total = loss.weightOf(LABELS);

                double before;
                try (GradientCollector gc = trainer.newGradientCollector()) {
                    NDArray logits = trainer.forward(new NDList(x)).head();
                    NDArray l = loss.weightedSum(logits, y).div(total);
                    gc.backward(l);
                    before = l.getDouble();
                }
                Gradients.off();

                List<Parameter> trainable = new ArrayList<>();
                for (Parameter p : block.getParameters().values()) {
                    if (block.isTrainable(p.getName()) && p.requiresGradient()) {
                        trainable.add(p);
                    }
                }
                Random random = new Random(SEED);
                double squaredNorm = 0;
                double worst = 0;
                String worstAt = "";
                int checked = 0;
                int small = 0;
                List<String> failures = new ArrayList<>();
                for (Parameter p : trainable) {
                    NDArray w = p.getArray();
                    double[] grad = w.getGradient().toDoubleArray();
                    double[] values = w.toDoubleArray();
                    for (double g : grad) {
                        squaredNorm += g * g;
                    }
                    for (int i : sample(grad, random)) {
                        NDIndex at = new NDIndex(coordinates(i, w.getShape()));
                        w.set(at, values[i] + H);
                        double up = loss(trainer, loss, x, y, total);
                        w.set(at, values[i] - H);
                        double down = loss(trainer, loss, x, y, total);
                        w.set(at, values[i]);
                        double numeric = (up - down) / (2 * H);
                        double error = Math.abs(grad[i] - numeric);
                        if (Math.abs(numeric) < 1e-6) {
                            small++;
                        } else if (error / Math.abs(numeric) > worst) {
                            worst = error / Math.abs(numeric);
                            worstAt =
                                    String.format(
                                            Locale.ROOT,
                                            "%s[%d], gradient %.3e",
                                            p.getName(),
                                            i,
                                            numeric);
                        }
                        if (error > ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * Math.abs(numeric)) {
                            failures.add(
                                    String.format(
                                            Locale.ROOT,
                                            "%s[%d]: autograd %.9g, central difference %.9g",
                                            p.getName(),
                                            i,
                                            grad[i],
                                            numeric));
                        }
                        checked++;
                    }
                }
                assertTrue(
                        failures.isEmpty(),
                        name + ": gradients differ from central differences: " + failures);

                // w -= lr g lowers the loss by lr |g|^2 to first order
                double rate = PLANNED_DROP * before / squaredNorm;
                sgd.setLearningRate(rate);
                sgd.setStep(0);
                // DJL's Trainer.step() would do this on one device, but it first reads a float32
                // sum of the gradients, which float64 parameters refuse.
                for (Parameter p : trainable) {
                    NDArray w = p.getArray();
                    sgd.update(p.getId(), w, w.getGradient());
                }
                double after = loss(trainer, loss, x, y, total);
                double drop = before - after;
                double planned = rate * squaredNorm;
                System.out.printf(
                        Locale.ROOT,
                        "ZOO STEP %s (seed %d): %d parameter tensors, %d elements checked (%d of"
                                + " gradient below 1e-6), largest relative error %.2e (%s); loss"
                                + " %.6f -> %.6f, drop %.3e, first-order %.3e%n",
                        name,
                        SEED,
                        trainable.size(),
                        checked,
                        small,
                        worst,
                        worstAt,
                        before,
                        after,
                        drop,
                        planned);
                assertTrue(
                        drop > 0.8 * planned && drop < 1.2 * planned,
                        String.format(
                                Locale.ROOT,
                                "%s: one SGD step took the loss from %.6f to %.6f; the gradient"
                                        + " predicts a drop of %.3e",
                                name,
                                before,
                                after,
                                planned));
            }
        }
    }

    /** The batch loss of a training forward pass (batch statistics), outside autograd. */
    private static double loss(
            Trainer trainer, SmoothedCrossEntropy loss, NDArray x, NDArray y, float total) {
        try (NDManager scope = trainer.getManager().newSubManager()) {
            NDArray logits = trainer.forward(new NDList(x)).head();
            logits.attach(scope);
            return loss.weightedSum(logits, y).div(total).getDouble();
        }
    }

    /** The element of largest gradient and two drawn at random (fewer in a smaller tensor). */
    private static Set<Integer> sample(double[] grad, Random random) {
        Set<Integer> picked = new LinkedHashSet<>();
        int largest = 0;
        for (int i = 1; i < grad.length; i++) {
            if (Math.abs(grad[i]) > Math.abs(grad[largest])) {
                largest = i;
            }
        }
        picked.add(largest);
        int wanted = Math.min(3, grad.length);
        while (picked.size() < wanted) {
            picked.add(random.nextInt(grad.length));
        }
        return picked;
    }

    private static long[] coordinates(int flat, Shape shape) {
        long[] c = new long[shape.dimension()];
        long rest = flat;
        for (int k = c.length - 1; k >= 0; k--) {
            c[k] = rest % shape.get(k);
            rest /= shape.get(k);
        }
        return c;
    }

    private static double[] images(int side) {
        Random random = new Random(SEED + 1);
        double[] v = new double[BATCH * 3 * side * side];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextGaussian();
        }
        return v;
    }
}
