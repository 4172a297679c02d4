package ai.graft.converter;

import ai.graft.converter.graph.ShapeArithmetic;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ImageException;
import ai.graft.sdk.Images;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.OnnxRuntime;
import ai.graft.sdk.Preprocessing;
import ai.graft.sdk.TensorWriter;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Runs two models on the same inputs with ONNX Runtime (CPU) and reports how far their outputs
 * differ: seeded standard-normal inputs in the declared shapes, and optionally real images
 * preprocessed by the SDK's one preprocessing implementation.
 *
 * <pre>{@code
 * ParityReport r = ParityChecker.compare(
 *         Path.of("squeezenet1.1_fp16.onnx"), Path.of("squeezenet1.1.onnx"),
 *         ParityOptions.builder().seed(1).build());
 * System.out.println(r.toJson());
 * }</pre>
 *
 * <p>Inputs are matched by name (or by position when each model has one input); outputs are
 * compared where both models have the same name (or by position when each has one output). Where
 * one model takes float16, both get the same float16-rounded values. Thread-safe: each call uses
 * its own sessions.
 */
public final class ParityChecker {
    private ParityChecker() {}

    /**
     * Compares two model files (external data resolved relative to each).
     *
     * @param a the first model
     * @param b the second model
     * @param options inputs to run
     * @return the differences
     * @throws GraftException if a model cannot be read or run, the models' inputs or outputs do not
     *     match, or an image cannot be read
     */
    public static ParityReport compare(Path a, Path b, ParityOptions options)
            throws GraftException {
        return compare(OnnxModels.read(a), a.toString(), OnnxModels.read(b), b.toString(), options);
    }

    /**
     * Compares two models in memory.
     *
     * @param a the first model
     * @param nameA its name in the report
     * @param b the second model
     * @param nameB its name in the report
     * @param options inputs to run
     * @return the differences
     * @throws GraftException as {@link #compare(Path, Path, ParityOptions)}
     */
    public static ParityReport compare(
            ModelProto a, String nameA, ModelProto b, String nameB, ParityOptions options)
            throws GraftException {
        return compare(OnnxModels.toBytes(a), nameA, OnnxModels.toBytes(b), nameB, options);
    }

    /**
     * Compares two serialized models.
     *
     * @param a the first model's bytes
     * @param nameA its name in the report
     * @param b the second model's bytes
     * @param nameB its name in the report
     * @param options inputs to run
     * @return the differences
     * @throws GraftException as {@link #compare(Path, Path, ParityOptions)}
     */
    public static ParityReport compare(
            byte[] a, String nameA, byte[] b, String nameB, ParityOptions options)
            throws GraftException {
        OrtEnvironment env = OnnxRuntime.environment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            if (options.intraOpThreads() > 0) {
                so.setIntraOpNumThreads(options.intraOpThreads());
            }
            try (OrtSession sa = open(env, a, nameA, so);
                    OrtSession sb = open(env, b, nameB, so)) {
                return new Run(env, sa, nameA, sb, nameB, options).compare();
            }
        } catch (OrtException e) {
            throw new ModelException(
                    "ONNX Runtime failed comparing "
                            + nameA
                            + " and "
                            + nameB
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }

    private static OrtSession open(
            OrtEnvironment env, byte[] bytes, String name, OrtSession.SessionOptions so)
            throws ModelException {
        try {
            return env.createSession(bytes, so);
        } catch (OrtException e) {
            throw new ModelException(
                    "ONNX Runtime cannot load model " + name + ": " + e.getMessage(), e);
        }
    }

    /** One comparison: matched inputs and outputs, and the running maxima. */
    private static final class Run {
        private final OrtEnvironment env;
        private final OrtSession sa;
        private final OrtSession sb;
        private final String nameA;
        private final String nameB;
        private final ParityOptions options;
        private final Map<String, String> inputs = new LinkedHashMap<>(); // A name -> B name
        private final Map<String, String> outputs = new LinkedHashMap<>();
        private final Map<String, double[]> stats = new LinkedHashMap<>(); // abs, rel, agree, rows
        private final Map<String, long[]> shapes = new LinkedHashMap<>();
        private final Map<String, Long> counts = new LinkedHashMap<>();

        Run(
                OrtEnvironment env,
                OrtSession sa,
                String nameA,
                OrtSession sb,
                String nameB,
                ParityOptions options)
                throws OrtException, ModelException {
            this.env = env;
            this.sa = sa;
            this.sb = sb;
            this.nameA = nameA;
            this.nameB = nameB;
            this.options = options;
            match(sa.getInputNames(), sb.getInputNames(), inputs, "inputs", true);
            match(sa.getOutputNames(), sb.getOutputNames(), outputs, "outputs", false);
        }

        private void match(
                java.util.Set<String> a,
                java.util.Set<String> b,
                Map<String, String> into,
                String what,
                boolean all)
                throws ModelException {
            for (String n : a) {
                if (b.contains(n)) {
                    into.put(n, n);
                }
            }
            if (into.isEmpty() && a.size() == 1 && b.size() == 1) {
                into.put(a.iterator().next(), b.iterator().next());
            }
            if (into.isEmpty() || all && (into.size() != a.size() || into.size() != b.size())) {
                throw new ModelException(
                        "Models "
                                + nameA
                                + " and "
                                + nameB
                                + " have different "
                                + what
                                + ": "
                                + a
                                + " and "
                                + b);
            }
        }

        ParityReport compare() throws OrtException, GraftException {
            Random random = new Random(options.seed());
            for (int r = 0; r < options.randomRuns(); r++) {
                Map<String, float[]> values = new LinkedHashMap<>();
                Map<String, long[]> dims = new LinkedHashMap<>();
                for (String in : inputs.keySet()) {
                    long[] shape = shape(in);
                    float[] v =
                            new float
                                    [Math.toIntExact(
                                            ShapeArithmetic.product(shape, 0, shape.length))];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) random.nextGaussian();
                    }
                    values.put(in, v);
                    dims.put(in, shape);
                }
                runBoth(values, dims);
            }
            if (!options.images().isEmpty()) {
                runImages();
            }
            List<ParityReport.Output> list = new ArrayList<>();
            for (Map.Entry<String, String> e : outputs.entrySet()) {
                double[] s = stats.get(e.getKey());
                if (s == null) {
                    continue;
                }
                list.add(
                        new ParityReport.Output(
                                e.getKey(),
                                e.getValue(),
                                shapes.get(e.getKey()),
                                counts.get(e.getKey()),
                                s[0],
                                s[1],
                                s[3] == 0 ? Double.NaN : s[2] / s[3]));
            }
            return new ParityReport(
                    nameA,
                    nameB,
                    options.seed(),
                    options.batchSize(),
                    options.randomRuns(),
                    options.images().size(),
                    list);
        }

        private void runImages() throws OrtException, GraftException {
            if (inputs.size() != 1) {
                throw new ModelException(
                        "Images need a model with one input; " + nameA + " has " + inputs.keySet());
            }
            String in = inputs.keySet().iterator().next();
            Preprocessing p = options.preprocessing();
            long[] shape =
                    p.layout() == Preprocessing.Layout.NCHW
                            ? new long[] {1, p.channels(), p.height(), p.width()}
                            : new long[] {1, p.height(), p.width(), p.channels()};
            long[] declared = info(sa, in).getShape();
            if (declared.length != 4) {
                throw new ModelException(
                        "Model "
                                + nameA
                                + " input '"
                                + in
                                + "' is not an image tensor: shape "
                                + Arrays.toString(declared));
            }
            for (int i = 1; i < 4; i++) {
                if (declared[i] > 0 && declared[i] != shape[i]) {
                    throw new ModelException(
                            "Model "
                                    + nameA
                                    + " input '"
                                    + in
                                    + "' has shape "
                                    + Arrays.toString(declared)
                                    + "; the preprocessing gives "
                                    + Arrays.toString(shape));
                }
            }
            try (TensorWriter writer = p.newWriter()) {
                for (Path image : options.images()) {
                    FloatBuffer buf =
                            FloatBuffer.allocate(
                                    Math.toIntExact(ShapeArithmetic.product(shape, 0, 4)));
                    try (Mat mat =
                            Images.decode(image, Images.DEFAULT_MAX_PIXELS, p.decodeShortSide())) {
                        writer.write(mat, buf);
                    }
                    runBoth(Map.of(in, buf.array()), Map.of(in, shape));
                }
            } catch (RuntimeException e) {
                throw new ImageException("Could not preprocess images: " + e.getMessage(), e);
            }
        }

        private TensorInfo info(OrtSession s, String input) throws OrtException {
            NodeInfo n = s.getInputInfo().get(input);
            if (!(n.getInfo() instanceof TensorInfo t)) {
                throw new IllegalArgumentException("Input '" + input + "' is not a tensor");
            }
            return t;
        }

        private long[] shape(String in) throws OrtException {
            long[] shape = info(sa, in).getShape().clone();
            long[] other = info(sb, inputs.get(in)).getShape();
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] < 0 && i < other.length && other[i] > 0) {
                    shape[i] = other[i];
                }
                if (shape[i] < 0) {
                    if (i == 0) {
                        shape[i] = options.batchSize();
                    } else {
                        throw new IllegalArgumentException(
                                "Input '"
                                        + in
                                        + "' of "
                                        + nameA
                                        + " has a symbolic dimension at axis "
                                        + i
                                        + "; give a model with a fixed input size");
                    }
                }
            }
            return shape;
        }

        private void runBoth(Map<String, float[]> values, Map<String, long[]> dims)
                throws OrtException, ModelException {
            // Where either model takes float16, both see the same float16-rounded values.
            Map<String, float[]> fed = new LinkedHashMap<>();
            for (Map.Entry<String, float[]> e : values.entrySet()) {
                float[] v = e.getValue();
                if (info(sa, e.getKey()).type == OnnxJavaType.FLOAT16
                        || info(sb, inputs.get(e.getKey())).type == OnnxJavaType.FLOAT16) {
                    v = v.clone();
                    for (int i = 0; i < v.length; i++) {
                        v[i] = OnnxTensors.halfToFloat(OnnxTensors.floatToHalf(v[i]));
                    }
                }
                fed.put(e.getKey(), v);
            }
            Map<String, float[]> outA = run(sa, fed, dims, Map.of());
            Map<String, float[]> outB = run(sb, fed, dims, inputs);
            for (Map.Entry<String, String> e : outputs.entrySet()) {
                float[] x = outA.get(e.getKey());
                float[] y = outB.get(e.getValue());
                if (x == null || y == null) {
                    continue;
                }
                if (x.length != y.length) {
                    throw new ModelException(
                            "Output '"
                                    + e.getKey()
                                    + "' has "
                                    + x.length
                                    + " values in "
                                    + nameA
                                    + " and "
                                    + y.length
                                    + " in "
                                    + nameB);
                }
                double[] s = stats.computeIfAbsent(e.getKey(), k -> new double[4]);
                for (int i = 0; i < x.length; i++) {
                    double d = Math.abs((double) x[i] - y[i]);
                    if (Double.isNaN(d) && !(Float.isNaN(x[i]) && Float.isNaN(y[i]))) {
                        d = Double.POSITIVE_INFINITY;
                    } else if (Double.isNaN(d)) {
                        d = 0;
                    }
                    double m = Math.max(Math.abs(x[i]), Math.abs(y[i]));
                    double rel = d == 0 ? 0 : d / m;
                    s[0] = Math.max(s[0], d);
                    s[1] = Math.max(s[1], rel);
                }
                long[] shape = lastShapes.get(e.getKey());
                int rows = shape.length > 0 && shape[0] > 0 ? (int) shape[0] : 1;
                int per = x.length / Math.max(rows, 1);
                if (per > 1) {
                    for (int r = 0; r < rows; r++) {
                        s[2] += argmax(x, r * per, per) == argmax(y, r * per, per) ? 1 : 0;
                        s[3]++;
                    }
                }
                shapes.put(e.getKey(), shape);
                counts.merge(e.getKey(), (long) x.length, Long::sum);
            }
        }

        private final Map<String, long[]> lastShapes = new LinkedHashMap<>();

        private Map<String, float[]> run(
                OrtSession s,
                Map<String, float[]> values,
                Map<String, long[]> dims,
                Map<String, String> rename)
                throws OrtException {
            Map<String, OnnxTensor> feed = new LinkedHashMap<>();
            try {
                for (Map.Entry<String, float[]> e : values.entrySet()) {
                    String name = rename.getOrDefault(e.getKey(), e.getKey());
                    feed.put(name, tensor(s, name, e.getValue(), dims.get(e.getKey())));
                }
                Map<String, float[]> out = new LinkedHashMap<>();
                try (OrtSession.Result result = s.run(feed)) {
                    for (Map.Entry<String, OnnxValue> e : result) {
                        if (e.getValue() instanceof OnnxTensor t) {
                            float[] v = floats(t);
                            if (v != null) {
                                out.put(e.getKey(), v);
                                if (s == sa) {
                                    lastShapes.put(e.getKey(), t.getInfo().getShape());
                                }
                            }
                        }
                    }
                }
                return out;
            } finally {
                feed.values().forEach(OnnxTensor::close);
            }
        }

        private OnnxTensor tensor(OrtSession s, String name, float[] v, long[] shape)
                throws OrtException {
            OnnxJavaType type = info(s, name).type;
            switch (type) {
                case FLOAT:
                    return OnnxTensor.createTensor(env, FloatBuffer.wrap(v), shape);
                case FLOAT16:
                    short[] h = new short[v.length];
                    for (int i = 0; i < v.length; i++) {
                        h[i] = OnnxTensors.floatToHalf(v[i]);
                    }
                    return OnnxTensor.createTensor(
                            env, ShortBuffer.wrap(h), shape, OnnxJavaType.FLOAT16);
                case DOUBLE:
                    double[] d = new double[v.length];
                    for (int i = 0; i < v.length; i++) {
                        d[i] = v[i];
                    }
                    return OnnxTensor.createTensor(env, DoubleBuffer.wrap(d), shape);
                default:
                    throw new IllegalArgumentException(
                            "Input '"
                                    + name
                                    + "' has element type "
                                    + type
                                    + "; parity checks feed float, float16 or double inputs");
            }
        }

        private static float[] floats(OnnxTensor t) {
            switch (t.getInfo().type) {
                case FLOAT, FLOAT16, BFLOAT16 -> {
                    FloatBuffer fb = t.getFloatBuffer();
                    float[] out = new float[fb.remaining()];
                    fb.get(out);
                    return out;
                }
                case DOUBLE -> {
                    DoubleBuffer db = t.getDoubleBuffer();
                    float[] out = new float[db.remaining()];
                    for (int i = 0; i < out.length; i++) {
                        out[i] = (float) db.get();
                    }
                    return out;
                }
                case INT64 -> {
                    java.nio.LongBuffer lb = t.getLongBuffer();
                    float[] out = new float[lb.remaining()];
                    for (int i = 0; i < out.length; i++) {
                        out[i] = lb.get();
                    }
                    return out;
                }
                case INT32 -> {
                    java.nio.IntBuffer ib = t.getIntBuffer();
                    float[] out = new float[ib.remaining()];
                    for (int i = 0; i < out.length; i++) {
                        out[i] = ib.get();
                    }
                    return out;
                }
                default -> {
                    return null;
                }
            }
        }

        private static int argmax(float[] v, int from, int n) {
            int best = 0;
            for (int i = 1; i < n; i++) {
                if (v[from + i] > v[from + best]) {
                    best = i;
                }
            }
            return best;
        }
    }
}
