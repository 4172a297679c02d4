package ai.graft.trainer.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

/** Runs a model with ONNX Runtime (the oracle) and with {@link OnnxBlock}, and compares. */
final class Oracle {
    private Oracle() {}

    /** The output of one run: values and shape. */
    record Output(float[] values, long[] shape) {}

    /** The difference between the two runs. */
    record Diff(double maxAbsDiff, double scale) {
        double relative() {
            return maxAbsDiff / Math.max(scale, 1e-12);
        }

        @Override
        public String toString() {
            return String.format(
                    "max |diff| %.3g, output scale %.3g, relative %.3g",
                    maxAbsDiff, scale, relative());
        }
    }

    static float[] random(long[] shape, float lo, float hi, long seed) {
        int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        float[] v = new float[n];
        Random r = new Random(seed);
        for (int i = 0; i < n; i++) {
            v[i] = lo + (hi - lo) * r.nextFloat();
        }
        return v;
    }

    static Output ort(ModelProto model, float[] input, long[] shape) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.NO_OPT);
            try (OrtSession session = env.createSession(model.toByteArray(), options);
                    OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), shape);
                    OrtSession.Result result =
                            session.run(Map.of(session.getInputNames().iterator().next(), t))) {
                OnnxTensor out = (OnnxTensor) result.get(0);
                FloatBuffer fb = out.getFloatBuffer();
                float[] values = new float[fb.remaining()];
                fb.get(values);
                return new Output(values, out.getInfo().getShape());
            }
        }
    }

    static Output djl(ModelProto model, float[] input, long[] shape, boolean training)
            throws Exception {
        OnnxBlock block = OnnxBlock.create(model);
        try (NDManager manager = NDManager.newBaseManager()) {
            block.initialize(manager, DataType.FLOAT32, new Shape(shape));
            NDArray x = manager.create(input, new Shape(shape));
            NDList out = block.forward(new ParameterStore(manager, false), new NDList(x), training);
            NDArray y = out.head().toType(DataType.FLOAT32, false);
            return new Output(y.toFloatArray(), y.getShape().getShape());
        }
    }

    static Diff diff(Output expected, Output actual) {
        assertArrayEquals(expected.shape(), actual.shape(), "output shape");
        double max = 0;
        double scale = 0;
        for (int i = 0; i < expected.values().length; i++) {
            max = Math.max(max, Math.abs(expected.values()[i] - actual.values()[i]));
            scale = Math.max(scale, Math.abs(expected.values()[i]));
        }
        return new Diff(max, scale);
    }

    /** Asserts inference parity within 1e-4 of the output scale (and 1e-6 absolute). */
    static Diff assertParity(ModelProto model, long[] shape, float lo, float hi) throws Exception {
        float[] input = random(shape, lo, hi, 7);
        Diff d = diff(ort(model, input, shape), djl(model, input, shape, false));
        assertTrue(
                d.maxAbsDiff() <= 1e-4 * d.scale() + 1e-6,
                () -> "Parity with ONNX Runtime failed: " + d);
        return d;
    }
}
