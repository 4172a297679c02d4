package ai.graft.trainer.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Training-mode semantics: batch norm statistics, dropout, freezing, a DJL Trainer step. */
class OnnxBlockTrainingTest {
    private static final float MOMENTUM = 0.8f;
    private static final float EPS = 1e-3f;
    private static final float[] SCALE = {1.5f, 0.5f, 2f};
    private static final float[] BIAS = {0.1f, -0.2f, 0.3f};
    private static final float[] MEAN = {0.5f, -1f, 2f};
    private static final float[] VAR = {1f, 2f, 0.5f};

    private static ModelProto batchNormModel() {
        return new TinyGraph(13)
                .input("x", -1, 3, 4, 4)
                .floats("bn.scale", new long[] {3}, SCALE)
                .floats("bn.bias", new long[] {3}, BIAS)
                .floats("bn.mean", new long[] {3}, MEAN)
                .floats("bn.var", new long[] {3}, VAR)
                .node(
                        "BatchNormalization",
                        new String[] {"x", "bn.scale", "bn.bias", "bn.mean", "bn.var"},
                        new String[] {"y"},
                        "epsilon",
                        EPS,
                        "momentum",
                        MOMENTUM)
                .output("y")
                .build();
    }

    /** Per channel: {mean, population variance} of an [N, 3, 4, 4] array. */
    private static double[][] channelStats(float[] x, int n) {
        double[][] out = new double[3][2];
        int plane = 16;
        for (int c = 0; c < 3; c++) {
            double sum = 0;
            double sq = 0;
            for (int b = 0; b < n; b++) {
                for (int k = 0; k < plane; k++) {
                    double v = x[(b * 3 + c) * plane + k];
                    sum += v;
                    sq += v * v;
                }
            }
            double count = n * plane;
            out[c][0] = sum / count;
            out[c][1] = sq / count - out[c][0] * out[c][0];
        }
        return out;
    }

    private static void assertNormalised(
            float[] x, float[] y, int n, double[] mean, double[] var, String what) {
        int plane = 16;
        for (int b = 0; b < n; b++) {
            for (int c = 0; c < 3; c++) {
                for (int k = 0; k < plane; k++) {
                    int i = (b * 3 + c) * plane + k;
                    double expected =
                            (x[i] - mean[c]) / Math.sqrt(var[c] + EPS) * SCALE[c] + BIAS[c];
                    assertEquals(expected, y[i], 1e-4, what + " at " + i);
                }
            }
        }
    }

    @Test
    void batchNorm_trainingForwardUsesBatchStatsAndUpdatesRunningStatsOnnxWay() throws Exception {
        OnnxBlock block = OnnxBlock.create(batchNormModel());
        try (NDManager manager = NDManager.newBaseManager()) {
            block.initialize(manager);
            int n = 4;
            float[] x = Oracle.random(new long[] {n, 3, 4, 4}, -3, 5, 11);
            NDArray input = manager.create(x, new Shape(n, 3, 4, 4));
            float[] y =
                    block.forward(new ParameterStore(manager, false), new NDList(input), true)
                            .head()
                            .toFloatArray();
            double[][] stats = channelStats(x, n);
            double[] batchMean = new double[3];
            double[] batchVar = new double[3];
            for (int c = 0; c < 3; c++) {
                batchMean[c] = stats[c][0];
                batchVar[c] = stats[c][1];
            }
            assertNormalised(x, y, n, batchMean, batchVar, "training output");

            Map<String, float[]> values = block.parameterValues();
            for (int c = 0; c < 3; c++) {
                // ONNX: running = momentum * running + (1 - momentum) * batch.
                assertEquals(
                        MOMENTUM * MEAN[c] + (1 - MOMENTUM) * batchMean[c],
                        values.get("bn.mean")[c],
                        1e-5,
                        "running mean of channel " + c);
                assertEquals(
                        MOMENTUM * VAR[c] + (1 - MOMENTUM) * batchVar[c],
                        values.get("bn.var")[c],
                        1e-5,
                        "running variance of channel " + c);
            }
            assertArrayEquals(SCALE, values.get("bn.scale"));
        }
    }

    @Test
    void batchNorm_evalForwardUsesRunningStatsAndLeavesThem() throws Exception {
        OnnxBlock block = OnnxBlock.create(batchNormModel());
        try (NDManager manager = NDManager.newBaseManager()) {
            block.initialize(manager);
            float[] x = Oracle.random(new long[] {2, 3, 4, 4}, -3, 5, 12);
            NDArray input = manager.create(x, new Shape(2, 3, 4, 4));
            float[] y =
                    block.forward(new ParameterStore(manager, false), new NDList(input), false)
                            .head()
                            .toFloatArray();
            double[] mean = new double[3];
            double[] var = new double[3];
            for (int c = 0; c < 3; c++) {
                mean[c] = MEAN[c];
                var[c] = VAR[c];
            }
            assertNormalised(x, y, 2, mean, var, "eval output");
            assertArrayEquals(MEAN, block.parameterValues().get("bn.mean"));
            assertArrayEquals(VAR, block.parameterValues().get("bn.var"));
        }
    }

    @Test
    void batchNorm_frozenUsesRunningStatsInTrainingAndFreezesAffine() throws Exception {
        OnnxBlock block = OnnxBlock.create(batchNormModel());
        String node = block.batchNormNodes().get(0);
        block.freezeBatchNorm(true);
        assertTrue(block.isBatchNormFrozen(node));
        assertFalse(block.parameter("bn.scale").requiresGradient());
        assertFalse(block.parameter("bn.bias").requiresGradient());
        try (NDManager manager = NDManager.newBaseManager()) {
            block.initialize(manager);
            float[] x = Oracle.random(new long[] {2, 3, 4, 4}, -3, 5, 13);
            NDArray input = manager.create(x, new Shape(2, 3, 4, 4));
            float[] y =
                    block.forward(new ParameterStore(manager, false), new NDList(input), true)
                            .head()
                            .toFloatArray();
            double[] mean = new double[3];
            double[] var = new double[3];
            for (int c = 0; c < 3; c++) {
                mean[c] = MEAN[c];
                var[c] = VAR[c];
            }
            assertNormalised(x, y, 2, mean, var, "frozen training output");
            assertArrayEquals(MEAN, block.parameterValues().get("bn.mean"));
            assertArrayEquals(VAR, block.parameterValues().get("bn.var"));

            block.freezeBatchNorm(false);
            assertFalse(block.isBatchNormFrozen(node));
            assertTrue(block.parameter("bn.scale").requiresGradient());
            block.forward(new ParameterStore(manager, false), new NDList(input), true);
            assertNotEquals(MEAN[0], block.parameterValues().get("bn.mean")[0]);
        }
    }

    @Test
    void runningStats_neverTrainEvenWhenAllParametersAreUnfrozen() throws Exception {
        OnnxBlock block = OnnxBlock.create(batchNormModel());
        block.freezeParameters(false);
        assertFalse(block.isTrainable("bn.mean"));
        assertFalse(block.parameter("bn.mean").requiresGradient());
        assertFalse(block.parameter("bn.var").requiresGradient());
        assertEquals(Parameter.Type.RUNNING_MEAN, block.parameter("bn.mean").getType());
        assertEquals(Parameter.Type.GAMMA, block.parameter("bn.scale").getType());
        assertTrue(block.parameter("bn.scale").requiresGradient());
    }

    @Test
    void dropout_isActiveOnlyInTraining() throws Exception {
        ModelProto model =
                new TinyGraph(13)
                        .input("x", 1, 1000)
                        .floats("ratio", new long[0], new float[] {0.5f})
                        .node("Dropout", new String[] {"x", "ratio"}, new String[] {"y"})
                        .output("y")
                        .build();
        OnnxBlock block = OnnxBlock.create(model);
        assertNull(block.parameter("x"));
        assertFalse(block.isTrainable("ratio"));
        try (NDManager manager = NDManager.newBaseManager()) {
            block.initialize(manager);
            NDArray ones = manager.ones(new Shape(1, 1000));
            ParameterStore store = new ParameterStore(manager, false);
            float[] eval = block.forward(store, new NDList(ones), false).head().toFloatArray();
            for (float v : eval) {
                assertEquals(1f, v);
            }
            float[] train = block.forward(store, new NDList(ones), true).head().toFloatArray();
            int zeros = 0;
            for (float v : train) {
                assertTrue(v == 0f || v == 2f, "dropout keeps and rescales by 1/(1-ratio): " + v);
                zeros += v == 0f ? 1 : 0;
            }
            assertTrue(zeros > 400 && zeros < 600, "dropped " + zeros + " of 1000");
        }
    }

    private static ModelProto smallNet() {
        return new TinyGraph(13)
                .input("x", -1, 3, 8, 8)
                .weight("conv.weight", -0.5f, 0.5f, 4, 3, 3, 3)
                .weight("conv.bias", -0.1f, 0.1f, 4)
                .floats("bn.scale", new long[] {4}, new float[] {1, 1, 1, 1})
                .floats("bn.bias", new long[] {4}, new float[] {0, 0, 0, 0})
                .floats("bn.mean", new long[] {4}, new float[] {0, 0, 0, 0})
                .floats("bn.var", new long[] {4}, new float[] {1, 1, 1, 1})
                .weight("fc.weight", -0.5f, 0.5f, 2, 4)
                .weight("fc.bias", -0.1f, 0.1f, 2)
                .longs("flat", 0, -1)
                .node(
                        "Conv",
                        new String[] {"x", "conv.weight", "conv.bias"},
                        new String[] {"c"},
                        "pads",
                        new long[] {1, 1, 1, 1})
                .node(
                        "BatchNormalization",
                        new String[] {"c", "bn.scale", "bn.bias", "bn.mean", "bn.var"},
                        new String[] {"b"})
                .node("Relu", "b", "r")
                .node("GlobalAveragePool", "r", "p")
                .node("Reshape", new String[] {"p", "flat"}, new String[] {"f"})
                .node(
                        "Gemm",
                        new String[] {"f", "fc.weight", "fc.bias"},
                        new String[] {"y"},
                        "transB",
                        1L)
                .output("y")
                .build();
    }

    @Test
    void trainerStep_updatesTrainableParametersAndLeavesFrozenOnes() throws Exception {
        OnnxBlock block = OnnxBlock.create(smallNet());
        assertEquals(
                java.util.List.of(
                        "conv.weight",
                        "conv.bias",
                        "bn.scale",
                        "bn.bias",
                        "bn.mean",
                        "bn.var",
                        "fc.weight",
                        "fc.bias"),
                java.util.List.copyOf(block.parameterValues().keySet()),
                "float initializers become parameters, by name; int64 shapes are constants");
        block.freezeParameters(true, p -> p.getName().startsWith("conv."));
        Map<String, float[]> before = block.parameterValues();
        Map<String, float[]> after;
        try (Model model = Model.newInstance("small")) {
            model.setBlock(block);
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                            .optOptimizer(
                                    Optimizer.sgd()
                                            .setLearningRateTracker(Tracker.fixed(0.5f))
                                            .build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(4, 3, 8, 8));
                NDManager manager = trainer.getManager();
                NDArray x = manager.randomUniform(-1, 1, new Shape(4, 3, 8, 8));
                NDArray label = manager.create(new float[] {0, 1, 0, 1});
                try (GradientCollector gc = trainer.newGradientCollector()) {
                    NDList out = trainer.forward(new NDList(x));
                    NDArray loss = trainer.getLoss().evaluate(new NDList(label), out);
                    gc.backward(loss);
                }
                trainer.step();
            }
            after = block.parameterValues();
        }
        assertArrayEquals(before.get("conv.weight"), after.get("conv.weight"), "frozen");
        assertArrayEquals(before.get("conv.bias"), after.get("conv.bias"), "frozen");
        for (String trained : new String[] {"fc.weight", "fc.bias", "bn.scale", "bn.bias"}) {
            assertNotEquals(
                    java.util.Arrays.toString(before.get(trained)),
                    java.util.Arrays.toString(after.get(trained)),
                    trained + " should have trained");
        }
        assertNotEquals(
                java.util.Arrays.toString(before.get("bn.mean")),
                java.util.Arrays.toString(after.get("bn.mean")),
                "running mean updated by the training forward pass");
    }

    @Test
    void selectedOutputs_cutTheGraphAtAFeatureNode() throws Exception {
        OnnxBlock block = OnnxBlock.create(smallNet(), java.util.List.of("f"));
        assertFalse(block.getParameters().keys().isEmpty());
        try (NDManager manager = NDManager.newBaseManager()) {
            block.initialize(manager, DataType.FLOAT32, new Shape(2, 3, 8, 8));
            assertEquals(
                    new Shape(2, 4), block.getOutputShapes(new Shape[] {new Shape(2, 3, 8, 8)})[0]);
            NDList out =
                    block.forward(
                            new ParameterStore(manager, false),
                            new NDList(manager.ones(new Shape(2, 3, 8, 8))),
                            false);
            assertEquals("f", out.head().getName());
        }
    }

    @Test
    void trainerSteps_transformerBlockOfNewOperatorsLearns() throws Exception {
        // Tokens [N, 4, 8] -> LayerNormalization -> self-attention (batched MatMul, Softmax) ->
        // Gelu -> PRelu -> mean over tokens -> linear head: every weight trains through the
        // executor's newer operators.
        ModelProto graph =
                new TinyGraph(20)
                        .input("x", -1, 4, 8)
                        .weight("ln.scale", 0.8f, 1.2f, 8)
                        .weight("ln.bias", -0.1f, 0.1f, 8)
                        .weight("wq", -0.3f, 0.3f, 8, 8)
                        .weight("wk", -0.3f, 0.3f, 8, 8)
                        .weight("slope", 0.1f, 0.3f, 8)
                        .weight("head.weight", -0.3f, 0.3f, 8, 2)
                        .weight("head.bias", -0.1f, 0.1f, 2)
                        .node(
                                "LayerNormalization",
                                new String[] {"x", "ln.scale", "ln.bias"},
                                new String[] {"n"})
                        .node("MatMul", new String[] {"n", "wq"}, new String[] {"q"})
                        .node("MatMul", new String[] {"n", "wk"}, new String[] {"k"})
                        .node("Transpose", "k", "kt", "perm", new long[] {0, 2, 1})
                        .node("MatMul", new String[] {"q", "kt"}, new String[] {"s"})
                        .node("Softmax", "s", "p", "axis", -1L)
                        .node("MatMul", new String[] {"p", "n"}, new String[] {"a"})
                        .node("Gelu", "a", "g")
                        .node("PRelu", new String[] {"g", "slope"}, new String[] {"r"})
                        .node("ReduceMean", "r", "m", "axes", new long[] {1}, "keepdims", 0L)
                        .node("MatMul", new String[] {"m", "head.weight"}, new String[] {"h"})
                        .node("Add", new String[] {"h", "head.bias"}, new String[] {"y"})
                        .output("y")
                        .build();
        OnnxBlock block = OnnxBlock.create(graph);
        int n = 16;
        float[] x = Oracle.random(new long[] {n, 4, 8}, -1, 1, 21);
        float[] labels = new float[n];
        for (int b = 0; b < n; b++) {
            // The class is whether feature 0 is, on average over the tokens, above feature 1.
            double d = 0;
            for (int t = 0; t < 4; t++) {
                d += x[(b * 4 + t) * 8] - x[(b * 4 + t) * 8 + 1];
            }
            labels[b] = d > 0 ? 1 : 0;
        }
        Map<String, float[]> before = block.parameterValues();
        Map<String, float[]> after;
        float first;
        float last = Float.NaN;
        try (Model model = Model.newInstance("attention")) {
            model.setBlock(block);
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                            .optOptimizer(
                                    Optimizer.adam()
                                            .optLearningRateTracker(Tracker.fixed(0.05f))
                                            .build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(n, 4, 8));
                NDManager manager = trainer.getManager();
                NDArray input = manager.create(x, new Shape(n, 4, 8));
                NDArray label = manager.create(labels);
                first = Float.NaN;
                for (int step = 0; step < 60; step++) {
                    try (GradientCollector gc = trainer.newGradientCollector()) {
                        NDList out = trainer.forward(new NDList(input));
                        NDArray loss = trainer.getLoss().evaluate(new NDList(label), out);
                        last = loss.getFloat();
                        first = step == 0 ? last : first;
                        gc.backward(loss);
                    }
                    trainer.step();
                }
            }
            after = block.parameterValues();
        }
        assertTrue(last < 0.5f * first, "loss " + first + " -> " + last + " should halve");
        for (String trained : before.keySet()) {
            assertNotEquals(
                    java.util.Arrays.toString(before.get(trained)),
                    java.util.Arrays.toString(after.get(trained)),
                    trained + " should have trained");
        }
    }
}
