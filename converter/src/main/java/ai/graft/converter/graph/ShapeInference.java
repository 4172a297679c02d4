package ai.graft.converter.graph;

import ai.graft.converter.OnnxTensors;
import ai.graft.converter.onnx.proto.OnnxProto.AttributeProto;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Shape and element-type inference for the operators of common image backbones, with constant
 * folding of small integer tensors (shape arithmetic: Shape, Gather, Slice, Concat...), and a count
 * of multiply-adds (Conv, ConvTranspose, Gemm, MatMul). Unknown dimensions are -1; an operator it
 * does not know leaves its outputs unknown. The arithmetic of the shape operators is {@link
 * ShapeArithmetic}'s.
 *
 * <pre>{@code
 * ShapeInference.Result r = ShapeInference.infer(model, 1);
 * long[] features = r.shapes().get("flatten_output");   // for example {1, 512}
 * }</pre>
 *
 * <p>Thread-safe: each call works on its own state.
 */
public final class ShapeInference {
    /**
     * Inferred facts about a graph for one input size.
     *
     * @param shapes the shape of each tensor whose rank is known, -1 for unknown dimensions
     * @param types the element type of each tensor whose type is known
     * @param multiplyAdds the multiply-adds of Conv, ConvTranspose, Gemm and MatMul nodes
     * @param unknownOps the operators whose outputs stayed unknown, sorted
     */
    public record Result(
            Map<String, long[]> shapes,
            Map<String, Integer> types,
            long multiplyAdds,
            Set<String> unknownOps) {}

    private static final Set<String> SAME_SHAPE =
            Set.of(
                    "Relu",
                    "Sigmoid",
                    "Tanh",
                    "Clip",
                    "HardSigmoid",
                    "HardSwish",
                    "LeakyRelu",
                    "Elu",
                    "Selu",
                    "Celu",
                    "PRelu",
                    "Softmax",
                    "LogSoftmax",
                    "Dropout",
                    "Identity",
                    "BatchNormalization",
                    "InstanceNormalization",
                    "LRN",
                    "Cast",
                    "QuantizeLinear",
                    "DequantizeLinear",
                    "Neg",
                    "Abs",
                    "Exp",
                    "Log",
                    "Sqrt",
                    "Reciprocal",
                    "Erf",
                    "Gelu",
                    "Not",
                    "Floor",
                    "Ceil",
                    "Round",
                    "Sign",
                    "Mish",
                    "Softplus",
                    "Softsign",
                    "LayerNormalization",
                    "ThresholdedRelu",
                    "Hardmax",
                    "CastLike",
                    "Sin",
                    "Cos");
    private static final Set<String> BROADCAST =
            Set.of(
                    "Add",
                    "Sub",
                    "Mul",
                    "Div",
                    "Pow",
                    "Max",
                    "Min",
                    "Sum",
                    "Mean",
                    "Equal",
                    "Less",
                    "Greater",
                    "LessOrEqual",
                    "GreaterOrEqual",
                    "Where",
                    "And",
                    "Or",
                    "Xor",
                    "Mod",
                    "BitShift");
    private static final Set<String> ARITHMETIC = Set.of("Add", "Sub", "Mul", "Div");
    private static final Set<String> BOOL_OUT =
            Set.of(
                    "Equal",
                    "Less",
                    "Greater",
                    "LessOrEqual",
                    "GreaterOrEqual",
                    "And",
                    "Or",
                    "Xor",
                    "Not",
                    "IsNaN",
                    "IsInf");

    private final Map<String, long[]> shapes = new HashMap<>();
    private final Map<String, Integer> types = new HashMap<>();
    private final Map<String, long[]> constants = new HashMap<>();
    private final Set<String> unknownOps = new java.util.TreeSet<>();
    private long macs;

    private ShapeInference() {}

    /**
     * Infers shapes with the declared input shapes; a symbolic first dimension takes {@code batch},
     * other symbolic dimensions stay unknown.
     *
     * @param model the model; a malformed node leaves its outputs unknown
     * @param batch the batch size
     * @return what is known
     */
    public static Result infer(ModelProto model, long batch) {
        ShapeInference s = new ShapeInference();
        GraphProto g = model.getGraph();
        for (TensorProto t : g.getInitializerList()) {
            s.shapes.put(t.getName(), OnnxTensors.dims(t));
            s.types.put(t.getName(), t.getDataType());
            s.constant(t);
        }
        for (ValueInfoProto v : Graphs.realInputs(g)) {
            long[] shape = ValueInfos.shape(v);
            if (shape != null && shape.length > 0 && shape[0] < 0) {
                shape[0] = batch;
            }
            s.put(v.getName(), shape, v.getType().getTensorType().getElemType());
        }
        Map<String, ValueInfoProto> hints = new HashMap<>();
        g.getValueInfoList().forEach(v -> hints.put(v.getName(), v));
        g.getOutputList().forEach(v -> hints.put(v.getName(), v));
        for (NodeProto n : g.getNodeList()) {
            try {
                s.node(n);
            } catch (RuntimeException e) {
                // A malformed or unusual node: its outputs stay unknown.
                s.unknownOps.add(n.getOpType());
            }
            for (String o : n.getOutputList()) {
                if (!s.types.containsKey(o) && hints.containsKey(o)) {
                    int t = hints.get(o).getType().getTensorType().getElemType();
                    if (t != 0) {
                        s.types.put(o, t);
                    }
                }
            }
        }
        return new Result(s.shapes, s.types, s.macs, s.unknownOps);
    }

    private void constant(TensorProto t) {
        int type = t.getDataType();
        if (type != TensorProto.DataType.INT64_VALUE && type != TensorProto.DataType.INT32_VALUE) {
            return;
        }
        if (OnnxTensors.elementCount(t) <= 64) {
            constants.put(t.getName(), OnnxTensors.toLongs(t));
        }
    }

    private void put(String name, long[] shape, int type) {
        if (shape != null) {
            shapes.put(name, shape);
        }
        if (type != 0) {
            types.put(name, type);
        }
    }

    private long[] shape(NodeProto n, int i) {
        if (i >= n.getInputCount() || n.getInput(i).isEmpty()) {
            return null;
        }
        return shapes.get(n.getInput(i));
    }

    private long[] constIn(NodeProto n, int i) {
        if (i >= n.getInputCount() || n.getInput(i).isEmpty()) {
            return null;
        }
        return constants.get(n.getInput(i));
    }

    private void node(NodeProto n) {
        String op = n.getOpType();
        String out = n.getOutputCount() > 0 ? n.getOutput(0) : "";
        long[] x = shape(n, 0);
        Integer inType = n.getInputCount() > 0 ? types.get(n.getInput(0)) : null;
        int type = inType == null ? 0 : inType;
        if (BOOL_OUT.contains(op)) {
            type = TensorProto.DataType.BOOL_VALUE;
        }
        if (op.equals("Cast")) {
            type = (int) Attributes.getInt(n, "to", 0);
        }
        if (op.equals("Shape")
                || op.equals("Size")
                || op.startsWith("Arg")
                || op.equals("NonZero")) {
            type = TensorProto.DataType.INT64_VALUE;
        }
        if (op.equals("Where") && n.getInputCount() > 1) {
            Integer t1 = types.get(n.getInput(1));
            type = t1 == null ? 0 : t1;
        }
        long[] result = null;
        switch (op) {
            case "Constant" -> {
                AttributeProto v = Attributes.find(n, "value");
                if (v != null && v.hasT()) {
                    TensorProto t = v.getT().toBuilder().setName(out).build();
                    result = OnnxTensors.dims(t);
                    type = t.getDataType();
                    constant(t);
                } else if (Attributes.find(n, "value_ints") != null) {
                    long[] ints = Attributes.getInts(n, "value_ints");
                    result = new long[] {ints.length};
                    type = TensorProto.DataType.INT64_VALUE;
                    constants.put(out, ints);
                } else if (Attributes.find(n, "value_int") != null) {
                    result = new long[0];
                    type = TensorProto.DataType.INT64_VALUE;
                    constants.put(out, new long[] {Attributes.getInt(n, "value_int", 0)});
                } else if (Attributes.find(n, "value_float") != null) {
                    result = new long[0];
                    type = TensorProto.DataType.FLOAT_VALUE;
                } else if (Attributes.find(n, "value_floats") != null) {
                    result = new long[] {Attributes.find(n, "value_floats").getFloatsCount()};
                    type = TensorProto.DataType.FLOAT_VALUE;
                }
            }
            case "Conv" -> result = conv(n, x, shape(n, 1));
            case "ConvTranspose" -> result = convTranspose(n, x, shape(n, 1));
            case "MaxPool", "AveragePool", "LpPool" -> {
                result = pool(n, x);
                if (n.getOutputCount() > 1 && result != null) {
                    put(n.getOutput(1), result.clone(), TensorProto.DataType.INT64_VALUE);
                }
            }
            case "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool" -> {
                if (x != null) {
                    result = x.clone();
                    for (int i = 2; i < result.length; i++) {
                        result[i] = 1;
                    }
                }
            }
            case "Gemm" -> result = gemm(n, x, shape(n, 1));
            case "MatMul" -> result = matmul(x, shape(n, 1));
            case "Flatten" -> {
                if (x != null) {
                    result = ShapeArithmetic.flatten(x, Attributes.getInt(n, "axis", 1));
                }
            }
            case "Reshape" -> result = reshape(n, x);
            case "Transpose" -> {
                if (x != null) {
                    long[] perm = Attributes.getInts(n, "perm");
                    result = new long[x.length];
                    for (int i = 0; i < x.length; i++) {
                        result[i] = x[perm == null ? x.length - 1 - i : (int) perm[i]];
                    }
                }
            }
            case "Concat" -> result = concat(n, x);
            case "Shape" -> {
                if (x != null) {
                    long[] dims =
                            ShapeArithmetic.shapeOf(
                                    x,
                                    Attributes.getInt(n, "start", 0),
                                    Attributes.getInt(n, "end", x.length));
                    result = new long[] {dims.length};
                    if (Arrays.stream(dims).allMatch(d -> d >= 0)) {
                        constants.put(out, dims);
                    }
                }
            }
            case "Gather" -> result = gather(n, x);
            case "Unsqueeze" -> result = unsqueeze(n, x);
            case "Squeeze" -> result = squeeze(n, x);
            case "Slice" -> result = slice(n, x);
            case "Expand" -> result = expand(n, x);
            case "Pad" -> result = pad(n, x);
            case "ReduceMean",
                            "ReduceSum",
                            "ReduceMax",
                            "ReduceMin",
                            "ReduceProd",
                            "ReduceL2",
                            "ReduceL1",
                            "ReduceLogSumExp",
                            "ReduceSumSquare" ->
                    result = reduce(n, x);
            default -> {
                if (SAME_SHAPE.contains(op) || BOOL_OUT.contains(op) && !BROADCAST.contains(op)) {
                    result = x == null ? null : x.clone();
                    if (op.equals("Cast") && constIn(n, 0) != null) {
                        constants.put(out, constIn(n, 0));
                    }
                    if (op.equals("Dropout") && n.getOutputCount() > 1 && x != null) {
                        put(n.getOutput(1), x.clone(), TensorProto.DataType.BOOL_VALUE);
                    }
                } else if (BROADCAST.contains(op)) {
                    result = x;
                    for (int i = 1; i < n.getInputCount() && result != null; i++) {
                        result = ShapeArithmetic.broadcast(result, shape(n, i));
                    }
                    foldArithmetic(n, out);
                } else {
                    unknownOps.add(op);
                }
            }
        }
        put(out, result, type);
    }

    private long[] conv(NodeProto n, long[] x, long[] w) {
        if (x == null || w == null || x.length < 3) {
            return null;
        }
        int spatial = x.length - 2;
        long[] kernel = Attributes.getInts(n, "kernel_shape");
        if (kernel == null) {
            kernel = Arrays.copyOfRange(w, 2, w.length);
        }
        long[] out = new long[x.length];
        out[0] = x[0];
        out[1] = w[0];
        spatialOut(n, x, kernel, false, out);
        long group = Attributes.getInt(n, "group", 1);
        long perOut = (x[1] < 0 ? -1 : x[1] / group) * ShapeArithmetic.product(kernel, 0, spatial);
        long total = ShapeArithmetic.product(out, 0, out.length);
        if (perOut > 0 && total > 0) {
            macs += total * perOut;
        }
        return out;
    }

    private long[] convTranspose(NodeProto n, long[] x, long[] w) {
        if (x == null || w == null || x.length < 3) {
            return null;
        }
        int spatial = x.length - 2;
        long group = Attributes.getInt(n, "group", 1);
        long[] kernel = Attributes.getInts(n, "kernel_shape");
        if (kernel == null) {
            kernel = Arrays.copyOfRange(w, 2, w.length);
        }
        long[] strides = orOnes(Attributes.getInts(n, "strides"), spatial);
        long[] dil = orOnes(Attributes.getInts(n, "dilations"), spatial);
        long[] pads = Attributes.getInts(n, "pads");
        long[] outPad = Attributes.getInts(n, "output_padding");
        long[] out = new long[x.length];
        out[0] = x[0];
        out[1] = w[1] * group;
        long[] explicit = Attributes.getInts(n, "output_shape");
        for (int i = 0; i < spatial; i++) {
            if (explicit != null) {
                out[i + 2] = explicit[explicit.length - spatial + i];
                continue;
            }
            long in = x[i + 2];
            long p = pads == null ? 0 : pads[i] + pads[i + spatial];
            long op = outPad == null ? 0 : outPad[i];
            out[i + 2] =
                    in < 0 ? -1 : strides[i] * (in - 1) + op + ((kernel[i] - 1) * dil[i] + 1) - p;
        }
        long total = ShapeArithmetic.product(x, 0, x.length);
        if (total > 0) {
            macs += total * (w[1]) * ShapeArithmetic.product(kernel, 0, spatial);
        }
        return out;
    }

    private long[] pool(NodeProto n, long[] x) {
        if (x == null || x.length < 3) {
            return null;
        }
        long[] kernel = Attributes.getInts(n, "kernel_shape");
        if (kernel == null) {
            return null;
        }
        long[] out = x.clone();
        spatialOut(n, x, kernel, Attributes.getInt(n, "ceil_mode", 0) == 1, out);
        return out;
    }

    private static void spatialOut(NodeProto n, long[] x, long[] kernel, boolean ceil, long[] out) {
        int spatial = x.length - 2;
        long[] strides = orOnes(Attributes.getInts(n, "strides"), spatial);
        long[] dil = orOnes(Attributes.getInts(n, "dilations"), spatial);
        long[] pads = Attributes.getInts(n, "pads");
        String autoPad = Attributes.getString(n, "auto_pad", "NOTSET");
        for (int i = 0; i < spatial; i++) {
            long in = x[i + 2];
            if (in < 0) {
                out[i + 2] = -1;
                continue;
            }
            if (autoPad.startsWith("SAME")) {
                out[i + 2] = (in + strides[i] - 1) / strides[i];
                continue;
            }
            long p = pads == null || autoPad.equals("VALID") ? 0 : pads[i] + pads[i + spatial];
            long span = in + p - dil[i] * (kernel[i] - 1) - 1;
            long o =
                    ceil
                            ? Math.floorDiv(span + strides[i] - 1, strides[i]) + 1
                            : span / strides[i] + 1;
            // With ceil mode, the last window must start inside the input or left padding.
            if (ceil && (o - 1) * strides[i] >= in + (pads == null ? 0 : pads[i])) {
                o--;
            }
            out[i + 2] = o;
        }
    }

    private long[] gemm(NodeProto n, long[] a, long[] b) {
        if (a == null || b == null || a.length != 2 || b.length != 2) {
            return null;
        }
        boolean ta = Attributes.getInt(n, "transA", 0) == 1;
        boolean tb = Attributes.getInt(n, "transB", 0) == 1;
        long m = ta ? a[1] : a[0];
        long k = ta ? a[0] : a[1];
        long cols = tb ? b[0] : b[1];
        if (m > 0 && k > 0 && cols > 0) {
            macs += m * k * cols;
        }
        return new long[] {m, cols};
    }

    private long[] matmul(long[] a, long[] b) {
        if (a == null || b == null || a.length == 0 || b.length == 0) {
            return null;
        }
        long[] a2 = a.length == 1 ? new long[] {1, a[0]} : a;
        long[] b2 = b.length == 1 ? new long[] {b[0], 1} : b;
        long[] batchA = Arrays.copyOf(a2, a2.length - 2);
        long[] batchB = Arrays.copyOf(b2, b2.length - 2);
        long[] batch = ShapeArithmetic.broadcast(batchA, batchB);
        if (batch == null) {
            return null;
        }
        long m = a2[a2.length - 2];
        long k = a2[a2.length - 1];
        long cols = b2[b2.length - 1];
        long[] out = Arrays.copyOf(batch, batch.length + 2);
        out[batch.length] = m;
        out[batch.length + 1] = cols;
        long total = ShapeArithmetic.product(out, 0, out.length);
        if (total > 0 && k > 0) {
            macs += total * k;
        }
        if (a.length == 1 || b.length == 1) {
            int drop = a.length == 1 ? out.length - 2 : out.length - 1;
            long[] squeezed = new long[out.length - 1];
            for (int i = 0, j = 0; i < out.length; i++) {
                if (i != drop) {
                    squeezed[j++] = out[i];
                }
            }
            return squeezed;
        }
        return out;
    }

    private long[] reshape(NodeProto n, long[] x) {
        long[] target = constIn(n, 1);
        if (target == null) {
            target = Attributes.getInts(n, "shape"); // opset < 5
        }
        if (target == null) {
            long[] s = shape(n, 1);
            if (s != null && s.length == 1 && s[0] >= 0) {
                long[] unknown = new long[(int) s[0]];
                Arrays.fill(unknown, -1);
                return unknown;
            }
            return null;
        }
        long[] out = ShapeArithmetic.reshape(x, target, Attributes.getInt(n, "allowzero", 0) == 1);
        if (constIn(n, 0) != null && Arrays.stream(out).allMatch(d -> d >= 0)) {
            constants.put(n.getOutput(0), constIn(n, 0));
        }
        return out;
    }

    /** Expand: the input broadcast with the constant target shape. */
    private long[] expand(NodeProto n, long[] x) {
        long[] target = constIn(n, 1);
        if (x == null || target == null) {
            return null;
        }
        return ShapeArithmetic.broadcast(x, target);
    }

    /** Pad (opset 11+: pads as an input; earlier as an attribute): each axis grows by its pads. */
    private long[] pad(NodeProto n, long[] x) {
        long[] pads = constIn(n, 1);
        if (pads == null) {
            pads = Attributes.getInts(n, "pads");
        }
        if (x == null || pads == null || pads.length != 2 * x.length) {
            return null;
        }
        long[] out = x.clone();
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] < 0 ? -1 : x[i] + pads[i] + pads[i + x.length];
        }
        return out;
    }

    private long[] concat(NodeProto n, long[] x) {
        if (x == null) {
            return null;
        }
        int axis = (int) Attributes.getInt(n, "axis", 0);
        if (axis < 0) {
            axis += x.length;
        }
        long[] out = x.clone();
        for (int i = 1; i < n.getInputCount(); i++) {
            long[] s = shape(n, i);
            if (s == null || s.length != x.length) {
                return null;
            }
            out[axis] = out[axis] < 0 || s[axis] < 0 ? -1 : out[axis] + s[axis];
        }
        long[][] parts = new long[n.getInputCount()][];
        int total = 0;
        for (int i = 0; i < parts.length; i++) {
            parts[i] = constIn(n, i);
            if (parts[i] == null) {
                return out;
            }
            total += parts[i].length;
        }
        long[] joined = new long[total];
        int pos = 0;
        for (long[] p : parts) {
            System.arraycopy(p, 0, joined, pos, p.length);
            pos += p.length;
        }
        constants.put(n.getOutput(0), joined);
        return out;
    }

    private long[] gather(NodeProto n, long[] x) {
        long[] idxShape = shape(n, 1);
        if (x == null || idxShape == null) {
            return null;
        }
        long[] out = ShapeArithmetic.gather(x, Attributes.getInt(n, "axis", 0), idxShape);
        long[] data = constIn(n, 0);
        long[] idx = constIn(n, 1);
        if (data != null && idx != null && x.length == 1) {
            int[] from = ShapeArithmetic.gatherIndex(x, 0, idx);
            long[] vals = new long[from.length];
            for (int i = 0; i < from.length; i++) {
                vals[i] = data[from[i]];
            }
            constants.put(n.getOutput(0), vals);
        }
        return out;
    }

    private long[] axes(NodeProto n, int inputIndex) {
        long[] axes = Attributes.getInts(n, "axes");
        return axes != null ? axes : constIn(n, inputIndex);
    }

    private long[] unsqueeze(NodeProto n, long[] x) {
        long[] axes = axes(n, 1);
        if (x == null || axes == null) {
            return null;
        }
        long[] out = ShapeArithmetic.unsqueeze(x, axes);
        if (constIn(n, 0) != null) {
            constants.put(n.getOutput(0), constIn(n, 0));
        }
        return out;
    }

    private long[] squeeze(NodeProto n, long[] x) {
        if (x == null) {
            return null;
        }
        long[] out = ShapeArithmetic.squeeze(x, axes(n, 1));
        if (constIn(n, 0) != null) {
            constants.put(n.getOutput(0), constIn(n, 0));
        }
        return out;
    }

    private long[] slice(NodeProto n, long[] x) {
        if (x == null) {
            return null;
        }
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps = null;
        if (Attributes.find(n, "starts") != null) {
            starts = Attributes.getInts(n, "starts");
            ends = Attributes.getInts(n, "ends");
            axes = Attributes.getInts(n, "axes");
        } else {
            starts = constIn(n, 1);
            ends = constIn(n, 2);
            axes = constIn(n, 3);
            steps = constIn(n, 4);
        }
        if (starts == null || ends == null) {
            return null;
        }
        long[] out = x.clone();
        int[] begin = new int[x.length];
        int[] stride = new int[x.length];
        Arrays.fill(stride, 1);
        for (int i = 0; i < starts.length; i++) {
            int axis = (int) (axes == null ? i : axes[i]);
            if (axis < 0) {
                axis += x.length;
            }
            long dim = x[axis];
            long step = steps == null ? 1 : steps[i];
            if (dim < 0) {
                out[axis] = -1;
                continue;
            }
            ShapeArithmetic.SliceRange range = ShapeArithmetic.slice(dim, starts[i], ends[i], step);
            out[axis] = range.count();
            begin[axis] = (int) range.start();
            stride[axis] = (int) step;
        }
        long[] data = constIn(n, 0);
        if (data != null && x.length == 1 && out[0] >= 0) {
            long[] vals = new long[(int) out[0]];
            for (int i = 0; i < vals.length; i++) {
                vals[i] = data[begin[0] + i * stride[0]];
            }
            constants.put(n.getOutput(0), vals);
        }
        return out;
    }

    private long[] reduce(NodeProto n, long[] x) {
        if (x == null) {
            return null;
        }
        long[] axes = axes(n, 1);
        boolean keep = Attributes.getInt(n, "keepdims", 1) == 1;
        boolean[] reduced = new boolean[x.length];
        if (axes == null || axes.length == 0) {
            if (Attributes.getInt(n, "noop_with_empty_axes", 0) == 1) {
                return x.clone();
            }
            Arrays.fill(reduced, true);
        } else {
            for (long a : axes) {
                reduced[(int) (a < 0 ? a + x.length : a)] = true;
            }
        }
        long[] out = new long[x.length];
        int j = 0;
        for (int i = 0; i < x.length; i++) {
            if (!reduced[i]) {
                out[j++] = x[i];
            } else if (keep) {
                out[j++] = 1;
            }
        }
        return Arrays.copyOf(out, j);
    }

    private void foldArithmetic(NodeProto n, String out) {
        if (n.getInputCount() != 2) {
            return;
        }
        long[] a = constIn(n, 0);
        long[] b = constIn(n, 1);
        if (a == null || b == null || (a.length != b.length && a.length != 1 && b.length != 1)) {
            return;
        }
        int len = Math.max(a.length, b.length);
        long[] r = new long[len];
        for (int i = 0; i < len; i++) {
            long p = a[a.length == 1 ? 0 : i];
            long q = b[b.length == 1 ? 0 : i];
            String op = n.getOpType();
            if (!ARITHMETIC.contains(op) || op.equals("Div") && (p < 0 || q <= 0)) {
                // Runtimes round the division of negatives differently: not folded.
                return;
            }
            r[i] = ShapeArithmetic.apply(op, p, q);
        }
        constants.put(out, r);
    }

    private static long[] orOnes(long[] v, int n) {
        if (v != null) {
            return v;
        }
        long[] ones = new long[n];
        Arrays.fill(ones, 1);
        return ones;
    }
}
