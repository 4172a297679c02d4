package ai.graft.bench;

import ai.graft.converter.GraftJson;
import ai.graft.sdk.OnnxRuntime;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * ONNX Runtime alone on a ready tensor, for several model files side by side in one process (for
 * example a float32 model and its {@code graft quantize} INT8 and float16 versions): median and
 * 90th-percentile milliseconds per batch-1 run at each intra-op thread count. The runs of the
 * models alternate in rounds, so that a machine that slows down or speeds up over the run affects
 * them alike.
 *
 * <pre>{@code
 * java -cp ... ai.graft.bench.QuantizedLatencyBenchmark --threads 1,2 --runs 200 \
 *     squeezenet1.1.onnx squeezenet1.1-int8.onnx
 * }</pre>
 */
public final class QuantizedLatencyBenchmark {
    private static final String USAGE =
            "Usage: QuantizedLatencyBenchmark [--threads 1,2] [--runs N] [--warmup N] [--json]"
                    + " MODEL...";

    /** Runs per round of one model before the next model's turn. */
    private static final int ROUND = 10;

    private QuantizedLatencyBenchmark() {}

    /**
     * Runs the benchmark and prints one line per model and thread count.
     *
     * @param args options, then the model files
     * @throws Exception when a model cannot be loaded or run
     */
    public static void main(String[] args) throws Exception {
        List<Integer> threads = List.of(1, 2);
        int runs = 200;
        int warmup = 20;
        boolean json = false;
        List<Path> models = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" ->
                        threads =
                                Arrays.stream(args[++i].split(",")).map(Integer::valueOf).toList();
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--json" -> json = true;
                default -> models.add(Path.of(args[i]));
            }
        }
        if (models.isEmpty()) {
            System.err.println(USAGE);
            System.exit(2);
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int t : threads) {
            rows.addAll(measure(models, t, runs, warmup));
        }
        for (Map<String, Object> row : rows) {
            System.out.printf(
                    Locale.ROOT,
                    "threads %d  %-40s %8.0f bytes  p50 %6.2f ms  p90 %6.2f ms%n",
                    row.get("threads"),
                    row.get("model"),
                    ((Number) row.get("bytes")).doubleValue(),
                    row.get("p50Ms"),
                    row.get("p90Ms"));
        }
        if (json) {
            System.out.println(GraftJson.write(rows));
        }
    }

    private static List<Map<String, Object>> measure(
            List<Path> models, int threads, int runs, int warmup) throws Exception {
        OrtEnvironment env = OnnxRuntime.environment();
        List<OrtSession> sessions = new ArrayList<>();
        List<OnnxTensor> inputs = new ArrayList<>();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(threads);
            for (Path m : models) {
                OrtSession s = env.createSession(m.toString(), so);
                sessions.add(s);
                inputs.add(input(env, s));
            }
            double[][] ms = new double[models.size()][runs];
            for (int i = 0; i < models.size(); i++) {
                for (int w = 0; w < warmup; w++) {
                    run(sessions.get(i), inputs.get(i));
                }
            }
            for (int done = 0; done < runs; done += ROUND) {
                for (int i = 0; i < models.size(); i++) {
                    for (int k = done; k < Math.min(runs, done + ROUND); k++) {
                        ms[i][k] = run(sessions.get(i), inputs.get(i));
                    }
                }
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            for (int i = 0; i < models.size(); i++) {
                double[] sorted = ms[i].clone();
                Arrays.sort(sorted);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("model", models.get(i).toString());
                row.put("bytes", Files.size(models.get(i)));
                row.put("threads", threads);
                row.put("runs", runs);
                row.put("p50Ms", sorted[runs / 2]);
                row.put("p90Ms", sorted[runs * 9 / 10]);
                rows.add(row);
            }
            return rows;
        } finally {
            for (OnnxTensor t : inputs) {
                t.close();
            }
            for (OrtSession s : sessions) {
                s.close();
            }
        }
    }

    /** A seeded normal input of the model's declared shape, batch 1. */
    private static OnnxTensor input(OrtEnvironment env, OrtSession s) throws OrtException {
        TensorInfo info = (TensorInfo) s.getInputInfo().values().iterator().next().getInfo();
        long[] shape = info.getShape().clone();
        long n = 1;
        for (int d = 0; d < shape.length; d++) {
            shape[d] = shape[d] < 0 ? 1 : shape[d];
            n *= shape[d];
        }
        float[] v = new float[Math.toIntExact(n)];
        Random r = new Random(1);
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * 50);
        }
        return OnnxTensor.createTensor(env, FloatBuffer.wrap(v), shape);
    }

    private static double run(OrtSession s, OnnxTensor input) throws OrtException {
        String name = s.getInputNames().iterator().next();
        long t0 = System.nanoTime();
        s.run(Map.of(name, input)).close();
        return (System.nanoTime() - t0) / 1e6;
    }
}
