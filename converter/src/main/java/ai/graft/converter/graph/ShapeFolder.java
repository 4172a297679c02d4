package ai.graft.converter.graph;

import ai.graft.converter.OnnxTensors;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluates the small integer computations that exporters write to compute shapes at run time
 * (Shape, Gather, Unsqueeze, Concat, arithmetic, Cast, Slice...) where the shapes they read are
 * known, with {@link ShapeArithmetic}. The caller decides whether a folded value may stand for the
 * computation (for example, by folding at two batch sizes and keeping only what agrees, as the
 * opset converter does).
 *
 * <pre>{@code
 * ShapeInference.Result r = ShapeInference.infer(model, 1);
 * Map<String, TensorProto> values = ShapeFolder.fold(model.getGraph(), constants, r.shapes());
 * }</pre>
 *
 * <p>Thread-safe: each call works on its own state.
 */
public final class ShapeFolder {
    /** Larger integer tensors are not folded: shape arithmetic is small. */
    private static final int MAX_ELEMENTS = 64;

    private final Map<String, long[]> values = new HashMap<>();
    private final Map<String, long[]> dims = new HashMap<>();
    private final Map<String, long[]> shapes;

    private ShapeFolder(Map<String, long[]> shapes) {
        this.shapes = shapes;
    }

    /**
     * Folds a graph's integer shape arithmetic.
     *
     * @param g the graph
     * @param constants initializers and Constant outputs by name
     * @param shapes inferred shapes, -1 for unknown dimensions
     * @return the computed int64 values, by tensor name (constants themselves included)
     */
    public static Map<String, TensorProto> fold(
            GraphProto g, Map<String, TensorProto> constants, Map<String, long[]> shapes) {
        ShapeFolder f = new ShapeFolder(shapes);
        for (Map.Entry<String, TensorProto> e : constants.entrySet()) {
            TensorProto t = e.getValue();
            int type = t.getDataType();
            if ((type == TensorProto.DataType.INT64_VALUE
                            || type == TensorProto.DataType.INT32_VALUE)
                    && OnnxTensors.elementCount(t) <= MAX_ELEMENTS) {
                f.values.put(e.getKey(), OnnxTensors.toLongs(t));
                f.dims.put(e.getKey(), OnnxTensors.dims(t));
            }
        }
        for (NodeProto n : g.getNodeList()) {
            if (n.getOutputCount() == 0 || f.values.containsKey(n.getOutput(0))) {
                continue;
            }
            try {
                f.node(n);
            } catch (RuntimeException e) {
                // An unusual node: its output is simply not folded.
            }
        }
        Map<String, TensorProto> out = new HashMap<>();
        for (Map.Entry<String, long[]> e : f.values.entrySet()) {
            out.put(
                    e.getKey(),
                    OnnxTensors.fromLongs(e.getKey(), f.dims.get(e.getKey()), e.getValue()));
        }
        return out;
    }

    private void put(String name, long[] v, long[] d) {
        if (v.length <= MAX_ELEMENTS) {
            values.put(name, v);
            dims.put(name, d);
        }
    }

    private long[] in(NodeProto n, int i) {
        return i < n.getInputCount() ? values.get(n.getInput(i)) : null;
    }

    private long[] inDims(NodeProto n, int i) {
        return dims.get(n.getInput(i));
    }

    private void node(NodeProto n) {
        String out = n.getOutput(0);
        switch (n.getOpType()) {
            case "Shape" -> {
                long[] s = shapes.get(n.getInput(0));
                if (s == null) {
                    return;
                }
                long[] v =
                        ShapeArithmetic.shapeOf(
                                s,
                                Attributes.getInt(n, "start", 0),
                                Attributes.getInt(n, "end", s.length));
                if (Arrays.stream(v).allMatch(d -> d >= 0)) {
                    put(out, v, new long[] {v.length});
                }
            }
            case "Identity", "Cast" -> {
                long[] v = in(n, 0);
                if (v == null) {
                    return;
                }
                if (n.getOpType().equals("Cast")) {
                    long to = Attributes.getInt(n, "to", 0);
                    if (to != TensorProto.DataType.INT64_VALUE
                            && to != TensorProto.DataType.INT32_VALUE) {
                        return;
                    }
                }
                put(out, v, inDims(n, 0));
            }
            case "Gather" -> {
                long[] data = in(n, 0);
                long[] idx = in(n, 1);
                if (data == null
                        || idx == null
                        || inDims(n, 0).length != 1
                        || Attributes.getInt(n, "axis", 0) != 0) {
                    return;
                }
                int[] from = ShapeArithmetic.gatherIndex(inDims(n, 0), 0, idx);
                long[] v = new long[from.length];
                for (int i = 0; i < from.length; i++) {
                    v[i] = data[from[i]];
                }
                put(out, v, inDims(n, 1));
            }
            case "Unsqueeze", "Squeeze" -> {
                long[] v = in(n, 0);
                long[] axes = n.getInputCount() > 1 ? in(n, 1) : Attributes.getInts(n, "axes");
                if (v == null) {
                    return;
                }
                long[] d = inDims(n, 0);
                if (n.getOpType().equals("Unsqueeze")) {
                    if (axes == null) {
                        return;
                    }
                    put(out, v, ShapeArithmetic.unsqueeze(d, axes));
                    return;
                }
                put(out, v, ShapeArithmetic.squeeze(d, axes));
            }
            case "Concat" -> {
                List<Long> v = new ArrayList<>();
                for (int i = 0; i < n.getInputCount(); i++) {
                    long[] x = in(n, i);
                    if (x == null || inDims(n, i).length != 1) {
                        return;
                    }
                    for (long e : x) {
                        v.add(e);
                    }
                }
                put(out, v.stream().mapToLong(Long::longValue).toArray(), new long[] {v.size()});
            }
            case "Add", "Sub", "Mul", "Div" -> {
                long[] a = in(n, 0);
                long[] b = in(n, 1);
                if (a == null
                        || b == null
                        || a.length != b.length && a.length != 1 && b.length != 1) {
                    return;
                }
                long[] da = inDims(n, 0);
                long[] db = inDims(n, 1);
                int len = Math.max(a.length, b.length);
                long[] v = new long[len];
                for (int i = 0; i < len; i++) {
                    long x = a[a.length == 1 ? 0 : i];
                    long y = b[b.length == 1 ? 0 : i];
                    // Integer division rounds differently by sign across runtimes.
                    if (n.getOpType().equals("Div") && (x < 0 || y <= 0)) {
                        return;
                    }
                    v[i] = ShapeArithmetic.apply(n.getOpType(), x, y);
                }
                long[] d =
                        a.length > b.length
                                ? da
                                : b.length > a.length ? db : da.length >= db.length ? da : db;
                put(out, v, d);
            }
            case "Slice" -> {
                long[] data = in(n, 0);
                if (data == null || inDims(n, 0).length != 1) {
                    return;
                }
                long[] starts = n.getInputCount() > 1 ? in(n, 1) : Attributes.getInts(n, "starts");
                long[] ends = n.getInputCount() > 2 ? in(n, 2) : Attributes.getInts(n, "ends");
                long[] steps = n.getInputCount() > 4 ? in(n, 4) : null;
                long[] axes = n.getInputCount() > 3 ? in(n, 3) : Attributes.getInts(n, "axes");
                boolean axisZero =
                        axes == null && (n.getInputCount() <= 3 || n.getInput(3).isEmpty())
                                || axes != null
                                        && axes.length == 1
                                        && (axes[0] == 0 || axes[0] == -1);
                if (!axisZero
                        || starts == null
                        || ends == null
                        || starts.length != 1
                        || n.getInputCount() > 4 && (steps == null || steps[0] != 1)) {
                    return;
                }
                ShapeArithmetic.SliceRange r =
                        ShapeArithmetic.slice(data.length, starts[0], ends[0], 1);
                int s = (int) r.start();
                long[] v = Arrays.copyOfRange(data, s, s + (int) r.count());
                put(out, v, new long[] {v.length});
            }
            default -> {}
        }
    }
}
