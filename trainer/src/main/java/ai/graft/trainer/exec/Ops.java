package ai.graft.trainer.exec;

import static ai.graft.converter.graph.ShapeArithmetic.axis;
import static ai.graft.converter.graph.ShapeArithmetic.product;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.internal.NDArrayEx;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.graft.converter.OnnxTensors;
import ai.graft.converter.graph.ShapeArithmetic;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The ONNX operators, each one composed of DJL {@link NDArray} operations so that the engine's
 * autograd differentiates them. Values are either {@link NDArray}s (tensors on the device) or
 * {@link HostTensor}s (constants and shape arithmetic, computed in Java with the converter's {@link
 * ShapeArithmetic}, as shape inference does ahead of time). Stateless.
 */
final class Ops {
    private Ops() {}

    /** What an operator needs besides its inputs. */
    record Context(NDManager manager, boolean training, int opset, boolean batchNormFrozen) {}

    static final Set<String> SUPPORTED = new TreeSet<>();

    static {
        SUPPORTED.addAll(
                List.of(
                        "Abs",
                        "Add",
                        "And",
                        "ArgMax",
                        "ArgMin",
                        "AveragePool",
                        "BatchNormalization",
                        "Cast",
                        "CastLike",
                        "Clip",
                        "Concat",
                        "Constant",
                        "ConstantOfShape",
                        "Conv",
                        "CumSum",
                        "DepthToSpace",
                        "Div",
                        "Dropout",
                        "Elu",
                        "Equal",
                        "Erf",
                        "Exp",
                        "Expand",
                        "Flatten",
                        "Gather",
                        "GatherElements",
                        "Gemm",
                        "GlobalAveragePool",
                        "GlobalMaxPool",
                        "Greater",
                        "GreaterOrEqual",
                        "Hardmax",
                        "HardSigmoid",
                        "HardSwish",
                        "Identity",
                        "InstanceNormalization",
                        "LayerNormalization",
                        "LeakyRelu",
                        "Less",
                        "LessOrEqual",
                        "Log",
                        "LogSoftmax",
                        "LRN",
                        "MatMul",
                        "Max",
                        "MaxPool",
                        "Mean",
                        "MeanVarianceNormalization",
                        "Min",
                        "Mod",
                        "Mul",
                        "Neg",
                        "Or",
                        "Pad",
                        "Pow",
                        "PRelu",
                        "Range",
                        "Reciprocal",
                        "ReduceL1",
                        "ReduceL2",
                        "ReduceLogSum",
                        "ReduceLogSumExp",
                        "ReduceMax",
                        "ReduceMean",
                        "ReduceMin",
                        "ReduceProd",
                        "ReduceSum",
                        "ReduceSumSquare",
                        "Relu",
                        "Reshape",
                        "Resize",
                        "Shape",
                        "Sigmoid",
                        "Size",
                        "Slice",
                        "Softmax",
                        "Softplus",
                        "SpaceToDepth",
                        "Split",
                        "Sqrt",
                        "Squeeze",
                        "Sub",
                        "Sum",
                        "Tanh",
                        "Tile",
                        "Transpose",
                        "Trilu",
                        "Unsqueeze",
                        "Upsample",
                        "Where",
                        "Xor",
                        "Einsum",
                        "ConvTranspose",
                        "TopK",
                        "OneHot",
                        "EyeLike",
                        "NegativeLogLikelihoodLoss",
                        "SoftmaxCrossEntropyLoss"));
        SUPPORTED.addAll(Elementwise.UNARY);
    }

    /** Operators that are computed in Java when all their inputs are host tensors. */
    private static final Set<String> HOST_OPS =
            Set.of(
                    "Add",
                    "Sub",
                    "Mul",
                    "Div",
                    "Cast",
                    "Concat",
                    "Gather",
                    "Identity",
                    "Reshape",
                    "Squeeze",
                    "Unsqueeze",
                    "Flatten",
                    "Slice",
                    "Shape",
                    "Constant",
                    "ConstantOfShape");

    /**
     * Why a node cannot run as its attributes ask, known before any data is seen, or null when it
     * can. Refusals that depend on values (a pad larger than its axis) come at run time as {@link
     * UnsupportedOperatorException}s.
     *
     * @param n the node, of a supported operator
     * @param opset the default domain's opset
     * @return the reason, naming the attribute and its value, or null
     */
    static String refusal(Node n, int opset) {
        switch (n.op) {
            case "Conv":
            case "ConvTranspose":
            case "AveragePool":
            case "MaxPool":
                {
                    String auto = n.s("auto_pad", "NOTSET");
                    if (!List.of("NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID").contains(auto)) {
                        return "auto_pad='" + auto + "'";
                    }
                    if (n.op.equals("MaxPool")
                            && n.outputs.size() > 1
                            && !n.outputs.get(1).isEmpty()) {
                        return "the Indices output of MaxPool";
                    }
                    long[] dilations = n.ints("dilations", null);
                    if (n.op.equals("AveragePool")
                            && dilations != null
                            && Arrays.stream(dilations).anyMatch(d -> d != 1)) {
                        return "dilated average pooling";
                    }
                    return null;
                }
            case "Resize":
            case "Upsample":
                {
                    String mode = n.s("mode", "nearest");
                    if (!List.of("nearest", "linear", "cubic").contains(mode)) {
                        return "mode='" + mode + "'";
                    }
                    if (n.op.equals("Upsample") || opset < 11) {
                        return null;
                    }
                    String transform = n.s("coordinate_transformation_mode", "half_pixel");
                    if (!List.of(
                                    "half_pixel",
                                    "pytorch_half_pixel",
                                    "align_corners",
                                    "asymmetric",
                                    "tf_half_pixel_for_nearest",
                                    "tf_crop_and_resize")
                            .contains(transform)) {
                        return "coordinate_transformation_mode='" + transform + "'";
                    }
                    String nearest = n.s("nearest_mode", "round_prefer_floor");
                    if (!List.of("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")
                            .contains(nearest)) {
                        return "nearest_mode='" + nearest + "'";
                    }
                    if (n.i("antialias", 0) != 0) {
                        return "antialias=1";
                    }
                    if (n.has("axes")) {
                        return "the axes attribute";
                    }
                    String policy = n.s("keep_aspect_ratio_policy", "stretch");
                    return policy.equals("stretch")
                            ? null
                            : "keep_aspect_ratio_policy='" + policy + "'";
                }
            case "Gelu":
                {
                    String approximate = n.s("approximate", "none");
                    return List.of("none", "tanh").contains(approximate)
                            ? null
                            : "approximate='" + approximate + "'";
                }
            case "Pad":
                {
                    String mode = n.s("mode", "constant");
                    return List.of("constant", "reflect", "edge", "wrap").contains(mode)
                            ? null
                            : "mode='" + mode + "'";
                }
            case "DepthToSpace":
                {
                    String mode = n.s("mode", "DCR");
                    return List.of("DCR", "CRD").contains(mode) ? null : "mode='" + mode + "'";
                }
            case "NegativeLogLikelihoodLoss":
            case "SoftmaxCrossEntropyLoss":
                {
                    String reduction = n.s("reduction", "mean");
                    return List.of("none", "sum", "mean").contains(reduction)
                            ? null
                            : "reduction='" + reduction + "'";
                }
            case "Cast":
            case "EyeLike":
                {
                    String attribute = n.op.equals("Cast") ? "to" : "dtype";
                    if (!n.has(attribute)) {
                        return null;
                    }
                    try {
                        djlType(n.i(attribute, 1), null);
                        return null;
                    } catch (UnsupportedOperatorException e) {
                        return attribute + "=" + e.getMessage();
                    }
                }
            case "Constant":
                for (String a : List.of("sparse_value", "value_string", "value_strings")) {
                    if (n.has(a)) {
                        return "a Constant given by " + a;
                    }
                }
                return null;
            case "Einsum":
                {
                    String equation = n.s("equation", "").replace(" ", "");
                    for (String term : equation.split("->", -1)[0].split(",", -1)) {
                        String letters = term.replace("...", "");
                        if (letters.chars().distinct().count() != letters.length()) {
                            return "an index repeated within one operand ('" + term + "')";
                        }
                    }
                    return null;
                }
            default:
                return null;
        }
    }

    /**
     * Runs one node.
     *
     * @param n the node
     * @param in its input values ({@code null} for omitted optional inputs)
     * @param ctx the context
     * @return its output values, one per node output ({@code null} where an optional output is not
     *     produced)
     */
    static Object[] run(Node n, Object[] in, Context ctx) {
        if (HOST_OPS.contains(n.op)
                && allHost(in)
                && !(n.op.equals("Slice") && ((HostTensor) in[0]).shape.length != 1)) {
            return new Object[] {host(n, in, ctx)};
        }
        switch (n.op) {
            case "Conv":
                return one(conv(n, in, ctx));
            case "ConvTranspose":
                return one(convTranspose(n, in, ctx));
            case "BatchNormalization":
                if (n.i("training_mode", 0) != 0) {
                    return Normalization.batchNormTrainingMode(n, in, ctx);
                }
                return one(batchNorm(n, in, ctx));
            case "Relu":
                return one(nd(in[0], ctx).getNDArrayInternal().relu());
            case "Sigmoid":
                return one(nd(in[0], ctx).getNDArrayInternal().sigmoid());
            case "Tanh":
                return one(nd(in[0], ctx).getNDArrayInternal().tanh());
            case "LeakyRelu":
                return one(nd(in[0], ctx).getNDArrayInternal().leakyRelu(n.f("alpha", 0.01f)));
            case "Elu":
                return one(nd(in[0], ctx).getNDArrayInternal().elu(n.f("alpha", 1f)));
            case "HardSigmoid":
                return one(hardSigmoid(nd(in[0], ctx), n.f("alpha", 0.2f), n.f("beta", 0.5f)));
            case "HardSwish":
                {
                    NDArray x = nd(in[0], ctx);
                    try (NDArray h = hardSigmoid(x, 1f / 6f, 0.5f)) {
                        return one(x.mul(h));
                    }
                }
            case "Clip":
                return one(clip(n, in, ctx));
            case "Abs":
                return one(nd(in[0], ctx).abs());
            case "Neg":
                return one(nd(in[0], ctx).neg());
            case "Exp":
                return one(nd(in[0], ctx).exp());
            case "Log":
                return one(nd(in[0], ctx).log());
            case "Sqrt":
                return one(nd(in[0], ctx).sqrt());
            case "Reciprocal":
                return one(nd(in[0], ctx).getNDArrayInternal().rdiv(1f));
            case "Erf":
                return one(nd(in[0], ctx).erf());
            case "Softplus":
                return one(nd(in[0], ctx).getNDArrayInternal().softPlus());
            case "Max":
            case "Min":
            case "Mean":
                {
                    NDArray acc = nd(in[0], ctx);
                    for (int k = 1; k < in.length; k++) {
                        NDArray y = nd(in[k], ctx);
                        acc =
                                n.op.equals("Max")
                                        ? acc.maximum(y)
                                        : n.op.equals("Min") ? acc.minimum(y) : acc.add(y);
                    }
                    return one(n.op.equals("Mean") ? acc.div((float) in.length) : acc);
                }
            case "Expand":
                {
                    NDArray x = nd(in[0], ctx);
                    long[] target = longs(in[1]);
                    long[] xs = x.getShape().getShape();
                    int rank = Math.max(xs.length, target.length);
                    long[] shape = new long[rank];
                    for (int k = 0; k < rank; k++) {
                        long a = k < rank - xs.length ? 1 : xs[k - (rank - xs.length)];
                        long b = k < rank - target.length ? 1 : target[k - (rank - target.length)];
                        shape[k] = a == 1 ? b : a;
                    }
                    return one(x.broadcast(new Shape(shape)));
                }
            case "Add":
            case "Sub":
            case "Mul":
            case "Div":
            case "Pow":
                return one(binary(n.op, in[0], in[1], ctx));
            case "Sum":
                {
                    NDArray acc = nd(in[0], ctx);
                    for (int k = 1; k < in.length; k++) {
                        acc = acc.add(nd(in[k], ctx));
                    }
                    return one(acc);
                }
            case "MaxPool":
                if (n.outputs.size() > 1 && !n.outputs.get(1).isEmpty()) {
                    throw new UnsupportedOperatorException(
                            n.describe() + ": the Indices output of MaxPool is not supported");
                }
                return one(pool(n, nd(in[0], ctx), true));
            case "AveragePool":
                return one(pool(n, nd(in[0], ctx), false));
            case "GlobalAveragePool":
                {
                    NDArray x = nd(in[0], ctx);
                    return one(mean(x, spatialAxes(x), true));
                }
            case "GlobalMaxPool":
                {
                    NDArray x = nd(in[0], ctx);
                    return one(max(x, spatialAxes(x), true));
                }
            case "Gemm":
                return one(gemm(n, in, ctx));
            case "MatMul":
                return one(nd(in[0], ctx).matMul(nd(in[1], ctx)));
            case "Flatten":
                {
                    NDArray x = nd(in[0], ctx);
                    return one(
                            x.reshape(
                                    new Shape(
                                            ShapeArithmetic.flatten(
                                                    x.getShape().getShape(), n.i("axis", 1)))));
                }
            case "Reshape":
                {
                    NDArray x = nd(in[0], ctx);
                    long[] shape =
                            ShapeArithmetic.reshape(
                                    x.getShape().getShape(),
                                    longs(in[1]),
                                    n.i("allowzero", 0) != 0);
                    return one(x.reshape(new Shape(shape)));
                }
            case "Squeeze":
                {
                    NDArray x = nd(in[0], ctx);
                    return one(
                            x.reshape(
                                    new Shape(
                                            ShapeArithmetic.squeeze(
                                                    x.getShape().getShape(), axesOf(n, in, 1)))));
                }
            case "Unsqueeze":
                {
                    NDArray x = nd(in[0], ctx);
                    return one(
                            x.reshape(
                                    new Shape(
                                            ShapeArithmetic.unsqueeze(
                                                    x.getShape().getShape(), axesOf(n, in, 1)))));
                }
            case "Transpose":
                {
                    NDArray x = nd(in[0], ctx);
                    int rank = x.getShape().dimension();
                    long[] perm = n.ints("perm", null);
                    int[] axes = new int[rank];
                    for (int k = 0; k < rank; k++) {
                        axes[k] = perm == null ? rank - 1 - k : (int) perm[k];
                    }
                    return one(x.transpose(axes));
                }
            case "Concat":
                {
                    NDList list = new NDList();
                    for (Object v : in) {
                        if (v != null) {
                            list.add(nd(v, ctx));
                        }
                    }
                    int rank = list.get(0).getShape().dimension();
                    int axis = axis(n.i("axis", 1), rank);
                    return one(list.size() == 1 ? list.get(0) : NDArrays.concat(list, axis));
                }
            case "Split":
                return split(n, in, ctx);
            case "Softmax":
            case "LogSoftmax":
                return one(softmax(n, nd(in[0], ctx), ctx, n.op.equals("LogSoftmax")));
            case "Dropout":
                return dropout(n, in, ctx);
            case "LRN":
                return one(lrn(n, nd(in[0], ctx)));
            case "Pad":
                return one(pad(n, in, ctx));
            case "Shape":
                return new Object[] {shape(n, nd(in[0], ctx).getShape().getShape())};
            case "Gather":
                return one(gather(n, nd(in[0], ctx), host(in[1])));
            case "Slice":
                return one(slice(n, in, ctx));
            case "Cast":
                return one(nd(in[0], ctx).toType(djlType(n.i("to", 1), n), false));
            case "Identity":
                return new Object[] {in[0]};
            case "ConstantOfShape":
                return new Object[] {host(n, new Object[] {host(in[0])}, ctx)};
            case "ReduceMean":
            case "ReduceSum":
            case "ReduceMax":
            case "ReduceMin":
            case "ReduceProd":
            case "ReduceL1":
            case "ReduceL2":
            case "ReduceSumSquare":
            case "ReduceLogSum":
            case "ReduceLogSumExp":
                return one(reduce(n, in, ctx));
            case "LayerNormalization":
                return Normalization.layerNorm(n, in, ctx);
            case "InstanceNormalization":
                return one(Normalization.instanceNorm(n, in, ctx));
            case "MeanVarianceNormalization":
                return one(Normalization.meanVariance(n, nd(in[0], ctx)));
            case "Resize":
            case "Upsample":
                return one(Resize.run(n, in, ctx));
            case "Where":
                return one(Elementwise.where(nd(in[0], ctx), nd(in[1], ctx), nd(in[2], ctx)));
            case "Mod":
                return one(Elementwise.mod(n, nd(in[0], ctx), nd(in[1], ctx)));
            case "PRelu":
                return one(Elementwise.prelu(nd(in[0], ctx), nd(in[1], ctx)));
            case "Size":
                {
                    long[] s =
                            in[0] instanceof HostTensor
                                    ? ((HostTensor) in[0]).shape
                                    : ((NDArray) in[0]).getShape().getShape();
                    return new Object[] {
                        HostTensor.ofLongs(new long[0], new long[] {product(s, 0, s.length)})
                    };
                }
            case "Range":
                return new Object[] {Indexing.range(n, host(in[0]), host(in[1]), host(in[2]))};
            case "CastLike":
                return one(nd(in[0], ctx).toType(typeOf(in[1]), false));
            case "ArgMax":
            case "ArgMin":
                return one(Indexing.argExtreme(n, nd(in[0], ctx)));
            case "Hardmax":
                return one(Indexing.hardmax(n, nd(in[0], ctx), ctx));
            case "CumSum":
                return one(Indexing.cumSum(n, nd(in[0], ctx), scalar(in[1])));
            case "Tile":
                return one(nd(in[0], ctx).tile(longs(in[1])));
            case "Trilu":
                return one(
                        Indexing.trilu(
                                n,
                                nd(in[0], ctx),
                                in.length > 1 && in[1] != null ? scalar(in[1]) : 0));
            case "GatherElements":
                return one(Indexing.gatherElements(n, nd(in[0], ctx), nd(in[1], ctx)));
            case "DepthToSpace":
            case "SpaceToDepth":
                return one(Indexing.depthSpace(n, nd(in[0], ctx)));
            case "Einsum":
                {
                    List<NDArray> operands = new ArrayList<>();
                    for (Object v : in) {
                        operands.add(nd(v, ctx));
                    }
                    return one(Einsum.run(n, operands));
                }
            case "TopK":
                {
                    long k = ctx.opset() < 10 ? n.i("k", 0) : (long) scalar(in[1]);
                    return Indexing.topK(n, nd(in[0], ctx), k);
                }
            case "OneHot":
                return one(
                        Indexing.oneHot(
                                n, nd(in[0], ctx), (long) scalar(in[1]), nd(in[2], ctx), ctx));
            case "EyeLike":
                return one(Indexing.eyeLike(n, nd(in[0], ctx)));
            case "NegativeLogLikelihoodLoss":
                return one(Losses.negativeLogLikelihood(n, in, ctx));
            case "SoftmaxCrossEntropyLoss":
                return Losses.softmaxCrossEntropy(n, in, ctx);
            default:
                if (Elementwise.UNARY.contains(n.op)) {
                    return one(Elementwise.unary(n, nd(in[0], ctx)));
                }
                if (Elementwise.COMPARISONS.contains(n.op)) {
                    return one(Elementwise.compare(n, nd(in[0], ctx), nd(in[1], ctx)));
                }
                throw new UnsupportedOperatorException(
                        n.describe() + ": operator " + n.op + " is not supported");
        }
    }

    private static Object[] one(NDArray array) {
        return new Object[] {array};
    }

    // ---------------------------------------------------------------- value helpers

    static boolean allHost(Object[] in) {
        for (Object v : in) {
            if (v != null && !(v instanceof HostTensor)) {
                return false;
            }
        }
        return true;
    }

    static NDArray nd(Object value, Context ctx) {
        if (value instanceof NDArray) {
            return (NDArray) value;
        }
        if (value instanceof HostTensor) {
            return ((HostTensor) value).toNDArray(ctx.manager());
        }
        throw new IllegalArgumentException("Missing required input");
    }

    static HostTensor host(Object value) {
        if (value instanceof HostTensor) {
            return (HostTensor) value;
        }
        return HostTensor.fromNDArray((NDArray) value);
    }

    static long[] longs(Object value) {
        return host(value).toLongs();
    }

    static double scalar(Object value) {
        HostTensor t = host(value);
        if (t.size() != 1) {
            throw new IllegalArgumentException(
                    "Expected a scalar, got shape " + Arrays.toString(t.shape));
        }
        return t.doubleAt(0);
    }

    private static int[] spatialAxes(NDArray x) {
        int rank = x.getShape().dimension();
        int[] axes = new int[rank - 2];
        for (int k = 0; k < axes.length; k++) {
            axes[k] = k + 2;
        }
        return axes;
    }

    /** Axes from the attribute (older opsets) or from input {@code k} (opset 13+). */
    private static long[] axesOf(Node n, Object[] in, int k) {
        if (n.has("axes")) {
            return n.ints("axes", null);
        }
        if (k < in.length && in[k] != null) {
            return longs(in[k]);
        }
        return null;
    }

    /** The DJL element type of a value. */
    private static DataType typeOf(Object value) {
        if (value instanceof NDArray) {
            return ((NDArray) value).getDataType();
        }
        HostTensor t = (HostTensor) value;
        return t.isFloat() ? DataType.FLOAT32 : djlType(t.type, null);
    }

    static DataType djlType(long onnxType, Node n) {
        switch ((int) onnxType) {
            case TensorProto.DataType.FLOAT_VALUE:
                return DataType.FLOAT32;
            case TensorProto.DataType.DOUBLE_VALUE:
                return DataType.FLOAT64;
            case TensorProto.DataType.FLOAT16_VALUE:
                return DataType.FLOAT16;
            case TensorProto.DataType.INT64_VALUE:
                return DataType.INT64;
            case TensorProto.DataType.INT32_VALUE:
                return DataType.INT32;
            case TensorProto.DataType.INT8_VALUE:
                return DataType.INT8;
            case TensorProto.DataType.UINT8_VALUE:
                return DataType.UINT8;
            case TensorProto.DataType.BOOL_VALUE:
                return DataType.BOOLEAN;
            default:
                throw new UnsupportedOperatorException(
                        (n == null ? "" : n.describe() + ": ")
                                + "element type "
                                + OnnxTensors.typeName((int) onnxType)
                                + " is not supported");
        }
    }

    // ---------------------------------------------------------------- host (shape) arithmetic

    private static HostTensor host(Node n, Object[] in, Context ctx) {
        switch (n.op) {
            case "Constant":
                return constant(n);
            case "Identity":
                return (HostTensor) in[0];
            case "Cast":
                return ((HostTensor) in[0]).cast((int) n.i("to", 1));
            case "Shape":
                return shape(n, ((HostTensor) in[0]).shape);
            case "ConstantOfShape":
                {
                    long[] shape = ((HostTensor) in[0]).toLongs();
                    int size = Math.toIntExact(product(shape, 0, shape.length));
                    TensorProto value = n.t("value");
                    HostTensor v =
                            value == null
                                    ? HostTensor.ofFloats(new long[0], new float[] {0f})
                                    : HostTensor.fromProto(value);
                    if (v.isFloat()) {
                        float[] out = new float[size];
                        Arrays.fill(out, v.floats[0]);
                        return HostTensor.ofFloats(shape, out);
                    }
                    long[] out = new long[size];
                    Arrays.fill(out, v.longs[0]);
                    return HostTensor.ofLongs(v.type, shape, out);
                }
            case "Reshape":
                {
                    HostTensor x = (HostTensor) in[0];
                    return x.reshape(
                            ShapeArithmetic.reshape(
                                    x.shape, longs(in[1]), n.i("allowzero", 0) != 0));
                }
            case "Flatten":
                {
                    HostTensor x = (HostTensor) in[0];
                    return x.reshape(ShapeArithmetic.flatten(x.shape, n.i("axis", 1)));
                }
            case "Squeeze":
                {
                    HostTensor x = (HostTensor) in[0];
                    return x.reshape(ShapeArithmetic.squeeze(x.shape, axesOf(n, in, 1)));
                }
            case "Unsqueeze":
                {
                    HostTensor x = (HostTensor) in[0];
                    return x.reshape(ShapeArithmetic.unsqueeze(x.shape, axesOf(n, in, 1)));
                }
            case "Concat":
                return hostConcat(n, in);
            case "Gather":
                return hostGather(n, (HostTensor) in[0], (HostTensor) in[1]);
            case "Slice":
                return hostSlice(n, in);
            default:
                return hostBinary(n.op, (HostTensor) in[0], (HostTensor) in[1]);
        }
    }

    static HostTensor constant(Node n) {
        if (n.has("value")) {
            return HostTensor.fromProto(n.t("value"));
        }
        if (n.has("value_float")) {
            return HostTensor.ofFloats(new long[0], new float[] {n.f("value_float", 0f)});
        }
        if (n.has("value_floats")) {
            float[] v = n.floats("value_floats");
            return HostTensor.ofFloats(new long[] {v.length}, v);
        }
        if (n.has("value_int")) {
            return HostTensor.ofLongs(new long[0], new long[] {n.i("value_int", 0)});
        }
        if (n.has("value_ints")) {
            long[] v = n.ints("value_ints", null);
            return HostTensor.ofLongs(new long[] {v.length}, v);
        }
        throw new UnsupportedOperatorException(
                n.describe() + ": only value, value_float(s) and value_int(s) are supported");
    }

    private static HostTensor shape(Node n, long[] shape) {
        long[] out = ShapeArithmetic.shapeOf(shape, n.i("start", 0), n.i("end", shape.length));
        return HostTensor.ofLongs(new long[] {out.length}, out);
    }

    private static HostTensor hostBinary(String op, HostTensor a, HostTensor b) {
        long[] shape = ShapeArithmetic.broadcast(a.shape, b.shape);
        if (shape == null) {
            throw new IllegalArgumentException(
                    "Cannot broadcast "
                            + Arrays.toString(a.shape)
                            + " with "
                            + Arrays.toString(b.shape));
        }
        int size = Math.toIntExact(product(shape, 0, shape.length));
        int[] ia = ShapeArithmetic.broadcastIndex(a.shape, shape);
        int[] ib = ShapeArithmetic.broadcastIndex(b.shape, shape);
        if (a.isFloat() || b.isFloat()) {
            float[] out = new float[size];
            for (int k = 0; k < size; k++) {
                double x = a.doubleAt(ia[k]);
                double y = b.doubleAt(ib[k]);
                out[k] =
                        (float)
                                switch (op) {
                                    case "Add" -> x + y;
                                    case "Sub" -> x - y;
                                    case "Mul" -> x * y;
                                    default -> x / y;
                                };
            }
            return HostTensor.ofFloats(shape, out);
        }
        long[] out = new long[size];
        for (int k = 0; k < size; k++) {
            out[k] = ShapeArithmetic.apply(op, a.longs[ia[k]], b.longs[ib[k]]);
        }
        return HostTensor.ofLongs(a.type, shape, out);
    }

    private static HostTensor hostConcat(Node n, Object[] in) {
        List<HostTensor> parts = new ArrayList<>();
        for (Object v : in) {
            if (v != null) {
                parts.add((HostTensor) v);
            }
        }
        HostTensor first = parts.get(0);
        int rank = first.shape.length;
        int axis = axis(n.i("axis", 1), rank);
        long outer = product(first.shape, 0, axis);
        long[] shape = first.shape.clone();
        shape[axis] = 0;
        boolean isFloat = false;
        for (HostTensor p : parts) {
            shape[axis] += p.shape[axis];
            isFloat |= p.isFloat();
        }
        int size = Math.toIntExact(product(shape, 0, rank));
        float[] f = isFloat ? new float[size] : null;
        long[] l = isFloat ? null : new long[size];
        int pos = 0;
        for (long o = 0; o < outer; o++) {
            for (HostTensor p : parts) {
                int chunk = Math.toIntExact(product(p.shape, axis, rank));
                for (int k = 0; k < chunk; k++) {
                    int src = (int) (o * chunk + k);
                    if (isFloat) {
                        f[pos++] = (float) p.doubleAt(src);
                    } else {
                        l[pos++] = p.longs[src];
                    }
                }
            }
        }
        return isFloat ? HostTensor.ofFloats(shape, f) : HostTensor.ofLongs(first.type, shape, l);
    }

    private static HostTensor hostGather(Node n, HostTensor data, HostTensor indices) {
        long axis = n.i("axis", 0);
        long[] shape = ShapeArithmetic.gather(data.shape, axis, indices.shape);
        int[] from = ShapeArithmetic.gatherIndex(data.shape, axis, indices.toLongs());
        float[] f = data.isFloat() ? new float[from.length] : null;
        long[] l = data.isFloat() ? null : new long[from.length];
        for (int k = 0; k < from.length; k++) {
            if (f != null) {
                f[k] = data.floats[from[k]];
            } else {
                l[k] = data.longs[from[k]];
            }
        }
        return f != null ? HostTensor.ofFloats(shape, f) : HostTensor.ofLongs(data.type, shape, l);
    }

    private static HostTensor hostSlice(Node n, Object[] in) {
        HostTensor x = (HostTensor) in[0];
        if (x.shape.length != 1) {
            throw new UnsupportedOperatorException(
                    n.describe() + ": slicing a constant of rank " + x.shape.length);
        }
        ShapeArithmetic.SliceRange range = slicePlan(n, in, x.shape)[0];
        long start = range.start();
        long step = range.step();
        long count = range.count();
        float[] f = x.isFloat() ? new float[(int) count] : null;
        long[] l = x.isFloat() ? null : new long[(int) count];
        for (int k = 0; k < count; k++) {
            int src = (int) (start + k * step);
            if (f != null) {
                f[k] = x.floats[src];
            } else {
                l[k] = x.longs[src];
            }
        }
        long[] shape = {count};
        return f != null ? HostTensor.ofFloats(shape, f) : HostTensor.ofLongs(x.type, shape, l);
    }

    // ---------------------------------------------------------------- elementwise

    private static NDArray hardSigmoid(NDArray x, float alpha, float beta) {
        // Closing an intermediate only drops this handle; autograd keeps what it needs.
        try (NDArray t = x.mul(alpha)) {
            t.addi(beta);
            return t.clip(0, 1);
        }
    }

    private static NDArray clip(Node n, Object[] in, Context ctx) {
        NDArray x = nd(in[0], ctx);
        double min;
        double max;
        if (ctx.opset() < 11) {
            min = n.f("min", Float.NEGATIVE_INFINITY);
            max = n.f("max", Float.POSITIVE_INFINITY);
        } else {
            min = in.length > 1 && in[1] != null ? scalar(in[1]) : Double.NEGATIVE_INFINITY;
            max = in.length > 2 && in[2] != null ? scalar(in[2]) : Double.POSITIVE_INFINITY;
        }
        if (Double.isInfinite(min) && Double.isInfinite(max)) {
            return x;
        }
        // A finite stand-in for an absent bound: clamp needs both numbers.
        double lo = Double.isInfinite(min) ? -Float.MAX_VALUE : min;
        double hi = Double.isInfinite(max) ? Float.MAX_VALUE : max;
        NDArray y = x.clip(lo, hi);
        // PyTorch clamps integers with float bounds into floats; ONNX keeps the input's type.
        return y.getDataType() == x.getDataType() ? y : y.toType(x.getDataType(), false);
    }

    private static NDArray binary(String op, Object a, Object b, Context ctx) {
        NDArray y = arithmetic(op, a, b, ctx);
        DataType type =
                a instanceof NDArray
                        ? ((NDArray) a).getDataType()
                        : ((HostTensor) a).isFloat() ? DataType.FLOAT32 : y.getDataType();
        // ONNX keeps the first operand's type: integer Div truncates (PyTorch divides into
        // floats), and Pow of an integer base by a float exponent stays an integer.
        if ((op.equals("Div") || op.equals("Pow")) && y.getDataType() != type) {
            return y.toType(type, false);
        }
        return y;
    }

    private static NDArray arithmetic(String op, Object a, Object b, Context ctx) {
        if (b instanceof HostTensor && ((HostTensor) b).size() == 1 && a instanceof NDArray) {
            NDArray x = (NDArray) a;
            HostTensor s = (HostTensor) b;
            if (s.shape.length <= x.getShape().dimension()) {
                double v = s.doubleAt(0);
                Number num = x.getDataType().isFloating() ? (Number) (float) v : (Number) (long) v;
                switch (op) {
                    case "Add":
                        return x.add(num);
                    case "Sub":
                        return x.sub(num);
                    case "Mul":
                        return x.mul(num);
                    case "Div":
                        return x.div(num);
                    default:
                        return x.pow(num);
                }
            }
        }
        NDArray x = nd(a, ctx);
        NDArray y = nd(b, ctx);
        switch (op) {
            case "Add":
                return x.add(y);
            case "Sub":
                return x.sub(y);
            case "Mul":
                return x.mul(y);
            case "Div":
                return x.div(y);
            default:
                return x.pow(y);
        }
    }

    // ---------------------------------------------------------------- convolution and pooling

    /**
     * The begin and end pads of the spatial dims for Conv and pooling: explicit {@code pads} or
     * {@code auto_pad}.
     */
    private static long[][] spatialPads(
            Node n, long[] inSpatial, long[] kernel, long[] strides, long[] dilations) {
        int k = inSpatial.length;
        long[] begin = new long[k];
        long[] end = new long[k];
        String auto = n.s("auto_pad", "NOTSET");
        if (auto.equals("SAME_UPPER") || auto.equals("SAME_LOWER")) {
            for (int d = 0; d < k; d++) {
                long out = (inSpatial[d] + strides[d] - 1) / strides[d];
                long extent = (kernel[d] - 1) * dilations[d] + 1;
                long total = Math.max(0, (out - 1) * strides[d] + extent - inSpatial[d]);
                long small = total / 2;
                begin[d] = auto.equals("SAME_UPPER") ? small : total - small;
                end[d] = total - begin[d];
            }
        } else if (!auto.equals("VALID")) {
            long[] pads = n.ints("pads", null);
            if (pads != null) {
                for (int d = 0; d < k; d++) {
                    begin[d] = pads[d];
                    end[d] = pads[d + k];
                }
            }
        }
        return new long[][] {begin, end};
    }

    /** Pads the last {@code begin.length} axes with a constant. */
    private static NDArray padSpatial(NDArray x, long[] begin, long[] end, double value) {
        int k = begin.length;
        long[] p = new long[2 * k];
        for (int j = 0; j < k; j++) {
            int d = k - 1 - j;
            p[2 * j] = begin[d];
            p[2 * j + 1] = end[d];
        }
        return x.pad(new Shape(p), value);
    }

    private static long[] ones(int k) {
        long[] out = new long[k];
        Arrays.fill(out, 1);
        return out;
    }

    private static NDArray conv(Node n, Object[] in, Context ctx) {
        NDArray x = nd(in[0], ctx);
        NDArray w = nd(in[1], ctx);
        NDArray b = in.length > 2 && in[2] != null ? nd(in[2], ctx) : null;
        long[] xs = x.getShape().getShape();
        int k = xs.length - 2;
        long[] kernel = n.ints("kernel_shape", null);
        if (kernel == null) {
            kernel = Arrays.copyOfRange(w.getShape().getShape(), 2, 2 + k);
        }
        long[] strides = n.ints("strides", ones(k));
        long[] dilations = n.ints("dilations", ones(k));
        long[][] pads =
                spatialPads(n, Arrays.copyOfRange(xs, 2, 2 + k), kernel, strides, dilations);
        long[] padding = pads[0];
        if (!Arrays.equals(pads[0], pads[1])) {
            x = padSpatial(x, pads[0], pads[1], 0);
            padding = new long[k];
        }
        NDArrayEx ex = x.getNDArrayInternal();
        return ex.convolution(
                        x,
                        w,
                        b,
                        new Shape(strides),
                        new Shape(padding),
                        new Shape(dilations),
                        (int) n.i("group", 1))
                .singletonOrThrow();
    }

    /**
     * {@code ConvTranspose} as a convolution: the input spread out by the strides (zeros between
     * elements), padded by the dilated kernel's extent less the pads, convolved at stride 1 with
     * the kernel flipped and its channel axes swapped per group.
     */
    private static NDArray convTranspose(Node n, Object[] in, Context ctx) {
        NDArray x = nd(in[0], ctx);
        NDArray w = nd(in[1], ctx);
        NDArray b = in.length > 2 && in[2] != null ? nd(in[2], ctx) : null;
        long[] xs = x.getShape().getShape();
        long[] ws = w.getShape().getShape();
        int k = xs.length - 2;
        long group = n.i("group", 1);
        long[] kernel = n.ints("kernel_shape", Arrays.copyOfRange(ws, 2, 2 + k));
        long[] strides = n.ints("strides", ones(k));
        long[] dilations = n.ints("dilations", ones(k));
        long[] outputPadding = n.ints("output_padding", new long[k]);
        long[] outputShape = n.ints("output_shape", null);
        String auto = n.s("auto_pad", "NOTSET");
        long[] begin = new long[k];
        long[] end = new long[k];
        if (outputShape != null || auto.equals("SAME_UPPER") || auto.equals("SAME_LOWER")) {
            for (int d = 0; d < k; d++) {
                long target =
                        outputShape == null
                                ? xs[2 + d] * strides[d]
                                : outputShape[outputShape.length - k + d];
                long total =
                        strides[d] * (xs[2 + d] - 1)
                                + outputPadding[d]
                                + (kernel[d] - 1) * dilations[d]
                                + 1
                                - target;
                boolean upper = auto.equals("SAME_UPPER");
                // Floor division, as ONNX's formula means it: a negative total (an output
                // larger than the full transposed convolution) grows the end.
                begin[d] = upper ? Math.floorDiv(total, 2) : total - Math.floorDiv(total, 2);
                end[d] = total - begin[d];
            }
        } else if (!auto.equals("VALID")) {
            long[] pads = n.ints("pads", null);
            if (pads != null) {
                for (int d = 0; d < k; d++) {
                    begin[d] = pads[d];
                    end[d] = pads[d + k];
                }
            }
        }
        for (int d = 0; d < k; d++) {
            int axis = 2 + d;
            long size = x.getShape().get(axis);
            if (strides[d] > 1) {
                long[] spread = new long[xs.length + 1 - (axis + 1)];
                long[] none = new long[spread.length];
                spread[0] = strides[d] - 1;
                NDArray t = padSpatial(x.expandDims(axis + 1), none, spread, 0);
                long[] ts = t.getShape().getShape();
                long[] merged = new long[xs.length];
                for (int j = 0, m = 0; j < ts.length; j++) {
                    if (j == axis + 1) {
                        merged[m - 1] *= ts[j];
                    } else {
                        merged[m++] = ts[j];
                    }
                }
                x = sliceAxis(t.reshape(new Shape(merged)), axis, 0, (size - 1) * strides[d] + 1);
            }
            long extent = (kernel[d] - 1) * dilations[d];
            long before = extent - begin[d];
            long after = extent - end[d] + outputPadding[d];
            long dim = x.getShape().get(axis);
            if (before < 0 || after < 0) {
                x = sliceAxis(x, axis, Math.max(0, -before), dim - Math.max(0, -after));
            }
            long[] pb = new long[xs.length - axis];
            long[] pe = new long[pb.length];
            pb[0] = Math.max(0, before);
            pe[0] = Math.max(0, after);
            if (pb[0] > 0 || pe[0] > 0) {
                x = padSpatial(x, pb, pe, 0);
            }
        }
        long cin = ws[0];
        long coutPerGroup = ws[1];
        long[] grouped = new long[ws.length + 1];
        grouped[0] = group;
        grouped[1] = cin / group;
        grouped[2] = coutPerGroup;
        System.arraycopy(ws, 2, grouped, 3, k);
        int[] perm = new int[grouped.length];
        for (int j = 0; j < perm.length; j++) {
            perm[j] = j;
        }
        perm[1] = 2;
        perm[2] = 1;
        long[] flat = new long[ws.length];
        flat[0] = group * coutPerGroup;
        flat[1] = cin / group;
        System.arraycopy(ws, 2, flat, 2, k);
        int[] spatial = new int[k];
        for (int d = 0; d < k; d++) {
            spatial[d] = 2 + d;
        }
        NDArray kernelArray =
                w.reshape(new Shape(grouped))
                        .transpose(perm)
                        .reshape(new Shape(flat))
                        .flip(spatial);
        return x.getNDArrayInternal()
                .convolution(
                        x,
                        kernelArray,
                        b,
                        new Shape(ones(k)),
                        new Shape(new long[k]),
                        new Shape(dilations),
                        (int) group)
                .singletonOrThrow();
    }

    private static NDArray pool(Node n, NDArray x, boolean max) {
        long[] xs = x.getShape().getShape();
        int k = xs.length - 2;
        long[] kernel = n.ints("kernel_shape", null);
        long[] strides = n.ints("strides", ones(k));
        long[] dilations = n.ints("dilations", ones(k));
        boolean ceil = n.i("ceil_mode", 0) != 0;
        long[][] pads =
                spatialPads(n, Arrays.copyOfRange(xs, 2, 2 + k), kernel, strides, dilations);
        if (!Arrays.equals(dilations, ones(k))) {
            if (!max) {
                throw new UnsupportedOperatorException(n.describe() + ": dilated average pooling");
            }
            return dilatedMaxPool(x, kernel, strides, dilations, pads, ceil);
        }
        // PyTorch pools take symmetric padding of at most half the kernel; pad explicitly
        // otherwise.
        boolean explicit = !Arrays.equals(pads[0], pads[1]);
        for (int d = 0; d < k; d++) {
            explicit |= pads[0][d] * 2 > kernel[d];
        }
        Shape kShape = new Shape(kernel);
        Shape sShape = new Shape(strides);
        if (max) {
            if (!explicit) {
                return x.getNDArrayInternal().maxPool(kShape, sShape, new Shape(pads[0]), ceil);
            }
            NDArray padded = padSpatial(x, pads[0], pads[1], Double.NEGATIVE_INFINITY);
            NDArray y =
                    padded.getNDArrayInternal()
                            .maxPool(kShape, sShape, new Shape(new long[k]), ceil);
            padded.close();
            return cropPooled(y, xs, kernel, strides, pads, ceil);
        }
        boolean countPad = n.i("count_include_pad", 0) != 0;
        if (!countPad) {
            // DJL's PyTorch avgPool counts padding whatever countIncludePad says; exclude it by
            // dividing by the real share of each window below.
            for (long p : pads[0]) {
                explicit |= p != 0;
            }
        }
        if (!explicit) {
            return x.getNDArrayInternal()
                    .avgPool(kShape, sShape, new Shape(pads[0]), ceil, countPad);
        }
        Shape zero = new Shape(new long[k]);
        NDArray padded = padSpatial(x, pads[0], pads[1], 0);
        NDArray avg =
                cropPooled(
                        padded.getNDArrayInternal().avgPool(kShape, sShape, zero, ceil, true),
                        xs,
                        kernel,
                        strides,
                        pads,
                        ceil);
        padded.close();
        if (countPad) {
            return avg;
        }
        // Average over the real elements only: divide by the share of each window that is not
        // padding.
        long[] maskShape = new long[xs.length];
        Arrays.fill(maskShape, 1);
        System.arraycopy(xs, 2, maskShape, 2, k);
        NDArray mask = padSpatial(x.getManager().ones(new Shape(maskShape)), pads[0], pads[1], 0);
        NDArray share =
                cropPooled(
                        mask.getNDArrayInternal().avgPool(kShape, sShape, zero, ceil, true),
                        xs,
                        kernel,
                        strides,
                        pads,
                        ceil);
        NDArray y = avg.div(share);
        avg.close();
        mask.close();
        share.close();
        return y;
    }

    /**
     * Max pooling with dilations (DJL's pool has none): the maximum of one strided slice per kernel
     * tap of the input padded with -infinity.
     */
    private static NDArray dilatedMaxPool(
            NDArray x,
            long[] kernel,
            long[] strides,
            long[] dilations,
            long[][] pads,
            boolean ceil) {
        long[] xs = x.getShape().getShape();
        int k = kernel.length;
        long[] out = new long[k];
        long[] end = new long[k];
        for (int d = 0; d < k; d++) {
            long in = xs[2 + d];
            long extent = (kernel[d] - 1) * dilations[d] + 1;
            long span = in + pads[0][d] + pads[1][d] - extent;
            out[d] =
                    (ceil
                                    ? Math.floorDiv(span + strides[d] - 1, strides[d])
                                    : Math.floorDiv(span, strides[d]))
                            + 1;
            if (ceil && (out[d] - 1) * strides[d] >= in + pads[0][d]) {
                out[d]--;
            }
            end[d] = Math.max(0, (out[d] - 1) * strides[d] + extent - in - pads[0][d]);
        }
        NDArray padded = padSpatial(x, pads[0], end, Double.NEGATIVE_INFINITY);
        NDArray y = null;
        long taps = product(kernel, 0, k);
        for (long t = 0; t < taps; t++) {
            NDIndex ordered = new NDIndex().addAllDim(2);
            long rest = t;
            long[] tapOf = new long[k];
            for (int d = k - 1; d >= 0; d--) {
                tapOf[d] = rest % kernel[d];
                rest /= kernel[d];
            }
            for (int d = 0; d < k; d++) {
                long start = tapOf[d] * dilations[d];
                ordered.addSliceDim(start, start + (out[d] - 1) * strides[d] + 1, strides[d]);
            }
            NDArray slice = padded.get(ordered);
            y = y == null ? slice : y.maximum(slice);
        }
        return y;
    }

    /**
     * Pooling an explicitly padded input loses the rule that a ceil-mode window starting in the end
     * padding is dropped (PyTorch and ONNX Runtime drop it); crop such windows away.
     */
    private static NDArray cropPooled(
            NDArray y, long[] xs, long[] kernel, long[] strides, long[][] pads, boolean ceil) {
        if (!ceil) {
            return y;
        }
        int k = kernel.length;
        long[] ys = y.getShape().getShape();
        NDIndex index = new NDIndex().addAllDim(2);
        boolean crop = false;
        for (int d = 0; d < k; d++) {
            long in = xs[2 + d];
            long span = in + pads[0][d] + pads[1][d] - kernel[d];
            long out = (span + strides[d] - 1) / strides[d] + 1;
            if ((out - 1) * strides[d] >= in + pads[0][d]) {
                out--;
            }
            crop |= out < ys[2 + d];
            index.addSliceDim(0, Math.min(out, ys[2 + d]));
        }
        if (!crop) {
            return y;
        }
        NDArray cropped = y.get(index);
        y.close();
        return cropped;
    }

    private static NDArray batchNorm(Node n, Object[] in, Context ctx) {
        NDArray x = nd(in[0], ctx);
        NDArray scale = nd(in[1], ctx);
        NDArray bias = nd(in[2], ctx);
        NDArray mean = nd(in[3], ctx);
        NDArray var = nd(in[4], ctx);
        float eps = n.f("epsilon", 1e-5f);
        float momentum = n.f("momentum", 0.9f);
        NDArrayEx ex = x.getNDArrayInternal();
        if (!ctx.training() || ctx.batchNormFrozen()) {
            return ex.batchNorm(x, mean, var, scale, bias, 1, momentum, eps, false)
                    .singletonOrThrow();
        }
        // DJL's momentum has ONNX's meaning (running = m * running + (1 - m) * batch) and
        // PyTorch updates the running statistics in place, but with the unbiased batch
        // variance where ONNX uses the population variance. So PyTorch updates a copy, and the
        // running variance becomes m*old + (1-m)*var*(c-1)/c = copy*(c-1)/c + m*old/c, with c
        // values per channel. (Autograd saves the array it was given: that copy must not change
        // again.)
        long c = x.size() / x.getShape().get(1);
        if (c <= 1) {
            return ex.batchNorm(x, mean, var, scale, bias, 1, momentum, eps, true)
                    .singletonOrThrow();
        }
        try (NDArray copy = var.add(0f)) {
            NDArray y =
                    ex.batchNorm(x, mean, copy, scale, bias, 1, momentum, eps, true)
                            .singletonOrThrow();
            try (NDArray share = copy.mul((c - 1) / (double) c)) {
                var.muli(momentum / (double) c).addi(share);
            }
            return y;
        }
    }

    private static NDArray gemm(Node n, Object[] in, Context ctx) {
        NDArray a = nd(in[0], ctx);
        NDArray b = nd(in[1], ctx);
        NDArray c = in.length > 2 && in[2] != null ? nd(in[2], ctx) : null;
        float alpha = n.f("alpha", 1f);
        float beta = n.f("beta", 1f);
        boolean transA = n.i("transA", 0) != 0;
        boolean transB = n.i("transB", 0) != 0;
        if (transA) {
            a = a.transpose();
        }
        long units = transB ? b.getShape().get(0) : b.getShape().get(1);
        if (alpha == 1f
                && (c == null
                        || (beta == 1f
                                && c.size() == units
                                && c.getShape().getLastDimension() == units))) {
            NDArray weight = transB ? b : b.transpose();
            NDArray bias = c == null ? null : c.getShape().dimension() == 1 ? c : c.reshape(units);
            return a.getNDArrayInternal().linear(a, weight, bias).singletonOrThrow();
        }
        NDArray y = a.matMul(transB ? b.transpose() : b);
        if (alpha != 1f) {
            y = y.mul(alpha);
        }
        if (c != null) {
            y = y.add(beta == 1f ? c : c.mul(beta));
        }
        return y;
    }

    // ---------------------------------------------------------------- the rest

    private static NDArray softmax(Node n, NDArray x, Context ctx, boolean log) {
        int rank = x.getShape().dimension();
        if (ctx.opset() < 13) {
            // Before opset 13 the input is seen as 2-D: [prod(dims < axis), prod(dims >= axis)].
            int axis = axis(n.i("axis", 1), rank);
            Shape original = x.getShape();
            long[] s = original.getShape();
            NDArray flat = x.reshape(product(s, 0, axis), product(s, axis, rank));
            NDArray y = log ? flat.logSoftmax(1) : flat.softmax(1);
            return y.reshape(original);
        }
        int axis = axis(n.i("axis", -1), rank);
        return log ? x.logSoftmax(axis) : x.softmax(axis);
    }

    private static Object[] dropout(Node n, Object[] in, Context ctx) {
        NDArray x = nd(in[0], ctx);
        double ratio;
        if (ctx.opset() < 12) {
            ratio = n.f("ratio", 0.5f);
        } else {
            ratio = in.length > 1 && in[1] != null ? scalar(in[1]) : 0.5;
            if (in.length > 2
                    && in[2] != null
                    && scalar(in[2]) != 0
                    && ratio > 0
                    && !ctx.training()) {
                throw new UnsupportedOperatorException(
                        n.describe()
                                + ": training_mode=true in an inference pass; the block's own"
                                + " training flag decides when Dropout is active");
            }
        }
        Object[] out = new Object[n.outputs.size()];
        if (ctx.training() && ratio > 0) {
            if (out.length > 1 && !n.outputs.get(1).isEmpty()) {
                throw new UnsupportedOperatorException(
                        n.describe() + ": the mask output of Dropout is not supported in training");
            }
            out[0] = x.getNDArrayInternal().dropout(x, (float) ratio, true).singletonOrThrow();
        } else {
            out[0] = x;
            if (out.length > 1) {
                out[1] = x.getManager().ones(x.getShape(), DataType.BOOLEAN);
            }
        }
        return out;
    }

    private static NDArray lrn(Node n, NDArray x) {
        float alpha = n.f("alpha", 1e-4f);
        float beta = n.f("beta", 0.75f);
        float bias = n.f("bias", 1f);
        long size = n.i("size", 1);
        Shape original = x.getShape();
        long[] s = original.getShape();
        // [N, 1, C, rest, 1]: the channel window becomes a 3-D pooling window.
        NDArray sq = x.square().reshape(s[0], 1, s[1], product(s, 2, s.length), 1);
        long before = (size - 1) / 2;
        long after = size - 1 - before;
        NDArray padded = padSpatial(sq, new long[] {before, 0, 0}, new long[] {after, 0, 0}, 0);
        NDArray mean =
                padded.getNDArrayInternal()
                        .avgPool(
                                new Shape(size, 1, 1),
                                new Shape(1, 1, 1),
                                new Shape(0, 0, 0),
                                false,
                                true);
        NDArray denom = mean.mul(alpha).add(bias).pow(beta).reshape(original);
        return x.div(denom);
    }

    private static NDArray pad(Node n, Object[] in, Context ctx) {
        NDArray x = nd(in[0], ctx);
        int rank = x.getShape().dimension();
        String mode = n.s("mode", "constant");
        long[] pads;
        double value;
        long[] axes = null;
        if (ctx.opset() < 11) {
            pads = n.ints(n.has("pads") ? "pads" : "paddings", null);
            value = n.f("value", 0f);
        } else {
            pads = longs(in[1]);
            value = in.length > 2 && in[2] != null ? scalar(in[2]) : 0;
            if (in.length > 3 && in[3] != null) {
                axes = longs(in[3]);
            }
        }
        long[] begin = new long[rank];
        long[] end = new long[rank];
        int m = pads.length / 2;
        for (int j = 0; j < m; j++) {
            int a = axes == null ? j : axis(axes[j], rank);
            begin[a] = pads[j];
            end[a] = pads[j + m];
        }
        if (mode.equals("constant")) {
            return padSpatial(x, begin, end, value);
        }
        if (!mode.equals("reflect") && !mode.equals("edge") && !mode.equals("wrap")) {
            throw new UnsupportedOperatorException(
                    n.describe()
                            + ": mode='"
                            + mode
                            + "'; expected constant, reflect, edge or wrap");
        }
        for (int a = 0; a < rank; a++) {
            if (begin[a] < 0 || end[a] < 0) {
                long dim = x.getShape().get(a);
                x = sliceAxis(x, a, Math.max(0, -begin[a]), dim - Math.max(0, -end[a]));
            }
            long dim = x.getShape().get(a);
            long most =
                    mode.equals("reflect") ? dim - 1 : mode.equals("wrap") ? dim : Long.MAX_VALUE;
            if (begin[a] > most || end[a] > most) {
                throw new UnsupportedOperatorException(
                        n.describe()
                                + ": "
                                + mode
                                + " padding of "
                                + Math.max(begin[a], end[a])
                                + " on an axis of size "
                                + dim);
            }
            NDList parts = new NDList();
            if (begin[a] > 0) {
                parts.add(
                        switch (mode) {
                            case "edge" -> sliceAxis(x, a, 0, 1).repeat(a, begin[a]);
                            case "wrap" -> sliceAxis(x, a, dim - begin[a], dim);
                            default -> sliceAxis(x, a, 1, begin[a] + 1).flip(a);
                        });
            }
            parts.add(x);
            if (end[a] > 0) {
                parts.add(
                        switch (mode) {
                            case "edge" -> sliceAxis(x, a, dim - 1, dim).repeat(a, end[a]);
                            case "wrap" -> sliceAxis(x, a, 0, end[a]);
                            default -> sliceAxis(x, a, dim - 1 - end[a], dim - 1).flip(a);
                        });
            }
            if (parts.size() > 1) {
                x = NDArrays.concat(parts, a);
            }
        }
        return x;
    }

    private static NDArray sliceAxis(NDArray x, int axis, long start, long end) {
        return x.get(new NDIndex().addAllDim(axis).addSliceDim(start, end));
    }

    /** Normalises a Slice node: per axis of the input, the range read after clamping. */
    private static ShapeArithmetic.SliceRange[] slicePlan(Node n, Object[] in, long[] shape) {
        int rank = shape.length;
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps = null;
        if (n.has("starts")) {
            starts = n.ints("starts", null);
            ends = n.ints("ends", null);
            axes = n.ints("axes", null);
        } else {
            starts = longs(in[1]);
            ends = longs(in[2]);
            axes = in.length > 3 && in[3] != null ? longs(in[3]) : null;
            steps = in.length > 4 && in[4] != null ? longs(in[4]) : null;
        }
        ShapeArithmetic.SliceRange[] plan = new ShapeArithmetic.SliceRange[rank];
        for (int a = 0; a < rank; a++) {
            plan[a] = new ShapeArithmetic.SliceRange(0, 1, shape[a]);
        }
        for (int j = 0; j < starts.length; j++) {
            int a = axes == null ? j : axis(axes[j], rank);
            plan[a] =
                    ShapeArithmetic.slice(
                            shape[a], starts[j], ends[j], steps == null ? 1 : steps[j]);
        }
        return plan;
    }

    private static NDArray slice(Node n, Object[] in, Context ctx) {
        NDArray x = nd(in[0], ctx);
        long[] shape = x.getShape().getShape();
        ShapeArithmetic.SliceRange[] plan = slicePlan(n, in, shape);
        NDIndex index = new NDIndex();
        List<Integer> flips = new ArrayList<>();
        for (int a = 0; a < shape.length; a++) {
            long start = plan[a].start();
            long step = plan[a].step();
            long count = plan[a].count();
            if (step < 0) {
                // Read the axis reversed: element i of the flipped axis is dim-1-i.
                flips.add(a);
                start = shape[a] - 1 - start;
                step = -step;
            }
            index.addSliceDim(start, start + (count - 1) * step + 1, step);
        }
        if (!flips.isEmpty()) {
            x = x.flip(flips.stream().mapToInt(Integer::intValue).toArray());
        }
        return x.get(index);
    }

    private static NDArray gather(Node n, NDArray data, HostTensor indices) {
        int rank = data.getShape().dimension();
        int axis = axis(n.i("axis", 0), rank);
        long dim = data.getShape().get(axis);
        long[] idx = indices.toLongs().clone();
        for (int k = 0; k < idx.length; k++) {
            if (idx[k] < -dim || idx[k] >= dim) {
                throw new IllegalArgumentException(
                        n.describe() + ": index " + idx[k] + " is outside an axis of size " + dim);
            }
            idx[k] = idx[k] < 0 ? idx[k] + dim : idx[k];
        }
        long[] s = data.getShape().getShape();
        NDArray joined;
        if (idx.length <= 4) {
            NDList parts = new NDList();
            for (long j : idx) {
                parts.add(sliceAxis(data, axis, j, j + 1));
            }
            joined = parts.size() == 1 ? parts.get(0) : NDArrays.concat(parts, axis);
        } else {
            // Many indices (a relative position table, an embedding): one gather, not a slice
            // per index.
            long[] along = new long[rank];
            Arrays.fill(along, 1);
            along[axis] = idx.length;
            long[] target = s.clone();
            target[axis] = idx.length;
            NDArray index =
                    data.getManager()
                            .create(idx, new Shape(along))
                            .broadcast(new Shape(target))
                            .duplicate();
            joined = data.gather(index, axis);
        }
        long[] shape = new long[rank - 1 + indices.shape.length];
        System.arraycopy(s, 0, shape, 0, axis);
        System.arraycopy(indices.shape, 0, shape, axis, indices.shape.length);
        System.arraycopy(s, axis + 1, shape, axis + indices.shape.length, rank - axis - 1);
        return joined.reshape(new Shape(shape));
    }

    private static Object[] split(Node n, Object[] in, Context ctx) {
        NDArray x = nd(in[0], ctx);
        int rank = x.getShape().dimension();
        int axis = axis(n.i("axis", 0), rank);
        long dim = x.getShape().get(axis);
        int parts = n.outputs.size();
        long[] sizes = n.ints("split", null);
        if (sizes == null && in.length > 1 && in[1] != null) {
            sizes = longs(in[1]);
        }
        if (sizes == null) {
            long chunk = (dim + parts - 1) / parts;
            sizes = new long[parts];
            for (int k = 0; k < parts; k++) {
                sizes[k] = Math.min(chunk, dim - k * chunk);
            }
        }
        Object[] out = new Object[parts];
        long start = 0;
        for (int k = 0; k < parts; k++) {
            out[k] = sliceAxis(x, axis, start, start + sizes[k]);
            start += sizes[k];
        }
        return out;
    }

    private static NDArray reduce(Node n, Object[] in, Context ctx) {
        NDArray x = nd(in[0], ctx);
        int rank = x.getShape().dimension();
        long[] axes = n.has("axes") ? n.ints("axes", null) : null;
        if (axes == null && in.length > 1 && in[1] != null) {
            axes = longs(in[1]);
        }
        boolean keep = n.i("keepdims", 1) != 0;
        if (axes == null || axes.length == 0) {
            if (n.i("noop_with_empty_axes", 0) != 0) {
                return x;
            }
            axes = new long[rank];
            for (int k = 0; k < rank; k++) {
                axes[k] = k;
            }
        }
        int[] ax = new int[axes.length];
        for (int k = 0; k < ax.length; k++) {
            ax[k] = axis(axes[k], rank);
        }
        switch (n.op) {
            case "ReduceMean":
                return mean(x, ax, keep);
            case "ReduceSum":
                return x.sum(ax, keep);
            case "ReduceMin":
                return extreme(x, ax, keep, false);
            case "ReduceProd":
                return prod(x, ax, keep);
            case "ReduceL1":
                return x.abs().sum(ax, keep);
            case "ReduceL2":
                return x.square().sum(ax, keep).sqrt();
            case "ReduceSumSquare":
                return x.square().sum(ax, keep);
            case "ReduceLogSum":
                return x.sum(ax, keep).log();
            case "ReduceLogSumExp":
                {
                    // Shifted by the (constant) maximum so that exp cannot overflow.
                    NDArray m = extreme(x, ax, true, true).stopGradient();
                    NDArray finite = Elementwise.where(m.isInfinite(), m.zerosLike(), m);
                    NDArray y = x.sub(finite).exp().sum(ax, true).log().add(finite);
                    return keep ? y : y.reshape(x.sum(ax, false).getShape());
                }
            default:
                return max(x, ax, keep);
        }
    }

    /** Product over several axes, one axis at a time. */
    private static NDArray prod(NDArray x, int[] axes, boolean keep) {
        int[] sorted = axes.clone();
        Arrays.sort(sorted);
        NDArray y = x;
        for (int k = sorted.length - 1; k >= 0; k--) {
            y = y.prod(new int[] {sorted[k]}, keep);
        }
        return y;
    }

    private static NDArray extreme(NDArray x, int[] axes, boolean keep, boolean max) {
        if (max) {
            return max(x, axes, keep);
        }
        int[] sorted = axes.clone();
        Arrays.sort(sorted);
        NDArray y = x;
        for (int k = sorted.length - 1; k >= 0; k--) {
            y = y.min(new int[] {sorted[k]}, keep);
        }
        return y;
    }

    /** Mean over several axes (DJL's PyTorch mean takes one axis). */
    static NDArray mean(NDArray x, int[] axes, boolean keep) {
        if (axes.length == 1) {
            return x.mean(axes, keep);
        }
        long count = 1;
        for (int a : axes) {
            count *= x.getShape().get(a);
        }
        try (NDArray sum = x.sum(axes, keep)) {
            return sum.div((float) count);
        }
    }

    /** Maximum over several axes, one axis at a time. */
    private static NDArray max(NDArray x, int[] axes, boolean keep) {
        if (axes.length == 1) {
            return x.max(axes, keep);
        }
        int[] sorted = axes.clone();
        Arrays.sort(sorted);
        NDArray y = x;
        for (int k = sorted.length - 1; k >= 0; k--) {
            NDArray next = y.max(new int[] {sorted[k]}, keep);
            if (y != x) {
                y.close();
            }
            y = next;
        }
        return y;
    }
}
