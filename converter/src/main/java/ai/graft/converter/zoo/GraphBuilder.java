package ai.graft.converter.zoo;

import ai.graft.converter.graph.Attributes;
import ai.graft.converter.graph.Graphs;
import ai.graft.converter.graph.ValueInfos;
import ai.graft.converter.onnx.proto.OnnxProto.AttributeProto;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.OperatorSetIdProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Writes an ONNX graph layer by layer, the way {@code torch.onnx.export} lays out a torchvision
 * module: one node per operation in forward order, initializers named like the module's {@code
 * state_dict} keys, in the order the forward pass first uses them. Weights are drawn from one
 * seeded {@link SplittableRandom}, so a name, class count, input size and seed give the same model
 * every time.
 *
 * <p>Every layer method takes the name of its input tensor and returns the name of its output.
 */
final class GraphBuilder {
    static final String INPUT = "input";
    static final String OUTPUT = "logits";
    static final long OPSET = 13;

    /** The opset of models with LayerNormalization, the first that has it. */
    static final long OPSET_LAYER_NORM = 17;

    static final long IR_VERSION = 7;

    /** How a weight tensor is initialised (torchvision's {@code nn.init} calls). */
    enum Init {
        /** {@code kaiming_normal_(mode="fan_out", nonlinearity="relu")}: N(0, 2 / fan_out). */
        KAIMING_NORMAL_FAN_OUT,
        /** {@code kaiming_uniform_()} with its defaults (a = 0): U(+-sqrt(6 / fan_in)). */
        KAIMING_UNIFORM,
        /** PyTorch's default for Conv2d and Linear (kaiming_uniform_ with a = sqrt(5)). */
        TORCH_DEFAULT,
        /** {@code normal_(0, 0.01)}. */
        NORMAL_001,
        /** {@code trunc_normal_(std=0.01, a=-2, b=2)} (GoogLeNet). */
        TRUNC_NORMAL_001,
        /** {@code trunc_normal_(std=0.1, a=-2, b=2)} (Inception v3's default). */
        TRUNC_NORMAL_01,
        /** {@code trunc_normal_(std=0.001, a=-2, b=2)} (Inception v3's auxiliary classifier). */
        TRUNC_NORMAL_0001,
        /** {@code uniform_(-1 / sqrt(out), 1 / sqrt(out))} (EfficientNet's classifier). */
        UNIFORM_INV_SQRT_OUT,
        /** {@code trunc_normal_(std=0.02)} (ConvNeXt, Swin). */
        TRUNC_NORMAL_002,
        /** {@code trunc_normal_(std=sqrt(1 / fan_in))} (ViT's patch embedding). */
        TRUNC_NORMAL_FAN_IN,
        /** {@code xavier_uniform_()}: U(+-sqrt(6 / (fan_in + fan_out))) (ViT's attention, MLP). */
        XAVIER_UNIFORM,
        /** {@code normal_(std=0.02)} (ViT's position embedding). */
        NORMAL_002,
        /** {@code zeros_()} (ViT's head). */
        ZEROS
    }

    /** How a bias is initialised. */
    enum BiasInit {
        NONE,
        ZEROS,
        /** PyTorch's default: U(+-1 / sqrt(fan_in)). */
        TORCH_DEFAULT,
        /** {@code normal_(std=1e-6)} (ViT's MLP). */
        NORMAL_1E6
    }

    private final String graphName;
    private final SplittableRandom random;
    private final List<NodeProto> nodes = new ArrayList<>();
    private final List<TensorProto> initializers = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private final List<Output> extraOutputs = new ArrayList<>();
    private final int inputSize;
    private final long opset;
    private int constants;

    GraphBuilder(String graphName, int inputSize, long seed) {
        this(graphName, inputSize, seed, OPSET);
    }

    /**
     * A builder whose model imports {@code opset}: {@value #OPSET} unless the graph needs a later
     * operator ({@link #OPSET_LAYER_NORM} for LayerNormalization).
     */
    GraphBuilder(String graphName, int inputSize, long seed, long opset) {
        this.graphName = graphName;
        this.inputSize = inputSize;
        this.random = new SplittableRandom(seed);
        this.opset = opset;
    }

    int inputSize() {
        return inputSize;
    }

    // ---------------------------------------------------------------- layers with parameters

    /** Conv2d with square kernel, stride and padding; weight {@code prefix.weight}. */
    String conv(
            String x,
            String prefix,
            int in,
            int out,
            int kernel,
            int stride,
            int pad,
            int groups,
            Init init,
            BiasInit bias) {
        return conv(x, prefix, in, out, kernel, kernel, stride, pad, pad, groups, init, bias);
    }

    /**
     * Conv2d with a {@code kernelH x kernelW} kernel and padding {@code padH, padW} (Inception's
     * 1x7 and 7x1 factorised convolutions); weight {@code prefix.weight}.
     */
    String conv(
            String x,
            String prefix,
            int in,
            int out,
            int kernelH,
            int kernelW,
            int stride,
            int padH,
            int padW,
            int groups,
            Init init,
            BiasInit bias) {
        long[] wDims = {out, in / groups, kernelH, kernelW};
        int fanIn = in / groups * kernelH * kernelW;
        int fanOut = out * kernelH * kernelW;
        List<String> inputs = new ArrayList<>(List.of(x));
        inputs.add(weight(prefix + ".weight", wDims, init, fanIn, fanOut));
        if (bias != BiasInit.NONE) {
            inputs.add(bias(prefix + ".bias", out, bias, fanIn));
        }
        return node(
                "Conv",
                prefix,
                inputs,
                Attributes.ofInts("dilations", 1, 1),
                Attributes.ofInt("group", groups),
                Attributes.ofInts("kernel_shape", kernelH, kernelW),
                Attributes.ofInts("pads", padH, padW, padH, padW),
                Attributes.ofInts("strides", stride, stride));
    }

    /** BatchNorm2d, kept as a node: weight 1, bias 0, running mean 0, running variance 1. */
    String batchNorm(String x, String prefix, int channels, float epsilon) {
        return batchNorm(x, prefix, channels, epsilon, 0.9f);
    }

    /**
     * BatchNorm2d with an ONNX momentum (PyTorch's {@code momentum=m} is ONNX's {@code 1 - m}:
     * MobileNet V3's 0.01 is 0.99 here).
     */
    String batchNorm(String x, String prefix, int channels, float epsilon, float momentum) {
        List<String> inputs =
                List.of(
                        x,
                        constant(prefix + ".weight", channels, 1f),
                        constant(prefix + ".bias", channels, 0f),
                        constant(prefix + ".running_mean", channels, 0f),
                        constant(prefix + ".running_var", channels, 1f));
        return node(
                "BatchNormalization",
                prefix,
                inputs,
                Attributes.ofFloat("epsilon", epsilon),
                Attributes.ofFloat("momentum", momentum));
    }

    /**
     * LayerNorm over the last axis (opset 17's LayerNormalization): weight {@code prefix.weight} 1,
     * bias {@code prefix.bias} 0.
     */
    String layerNorm(String x, String prefix, int channels, float epsilon) {
        List<String> inputs =
                List.of(
                        x,
                        constant(prefix + ".weight", channels, 1f),
                        constant(prefix + ".bias", channels, 0f));
        return node(
                "LayerNormalization",
                prefix,
                inputs,
                Attributes.ofInt("axis", -1),
                Attributes.ofFloat("epsilon", epsilon));
    }

    /**
     * torchvision's LayerNorm2d on {@code [N,C,H,W]}: channels last, LayerNorm, channels first, as
     * the exporter writes {@code x.permute(0, 2, 3, 1)}, {@code F.layer_norm}, {@code x.permute(0,
     * 3, 1, 2)}.
     */
    String layerNorm2d(String x, String prefix, int channels, float epsilon) {
        String y = transpose(x, prefix, 0, 2, 3, 1);
        y = layerNorm(y, prefix, channels, epsilon);
        return transpose(y, prefix, 0, 3, 1, 2);
    }

    /**
     * Linear on a tensor of any rank as the exporter writes it: MatMul(x, W<sup>T</sup>) then
     * Add(b, .). The transposed weight {@code [in, out]} is stored under {@code prefix.weight_t}
     * (the exporter's name is a made-up {@code onnx::MatMul_N}); its values are those of
     * torchvision's {@code prefix.weight} {@code [out, in]}, transposed.
     */
    String linearMatMul(String x, String prefix, int in, int out, Init init, BiasInit bias) {
        return linearMatMul(x, prefix, prefix + ".weight_t", prefix + ".bias", in, out, init, bias);
    }

    /**
     * {@link #linearMatMul(String, String, int, int, Init, BiasInit)} with the parameters' names
     * given ({@code nn.MultiheadAttention}'s {@code in_proj_weight} and {@code in_proj_bias}).
     */
    String linearMatMul(
            String x,
            String prefix,
            String weightName,
            String biasName,
            int in,
            int out,
            Init init,
            BiasInit bias) {
        String w = weightTransposed(weightName, out, in, init);
        String y = node("MatMul", prefix, List.of(x, w));
        return node("Add", prefix, List.of(bias(biasName, out, bias, in), y));
    }

    /**
     * Linear without bias on tokens: MatMul(x, W<sup>T</sup>), the weight {@code prefix.weight_t}.
     */
    String linearMatMulNoBias(String x, String prefix, int in, int out, Init init) {
        String w = weightTransposed(prefix + ".weight_t", out, in, init);
        return node("MatMul", prefix, List.of(x, w));
    }

    /**
     * A learned tensor of any shape (a class token, a position embedding, a layer scale), filled
     * with {@code value}, or drawn as {@code init} when {@code init} is not null.
     */
    String parameter(String name, long[] dims, Init init, float value) {
        if (init == null) {
            int n = Math.toIntExact(Arrays.stream(dims).reduce(1, Math::multiplyExact));
            ByteBuffer buf = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                buf.putFloat(value);
            }
            return addInitializer(name, dims, buf.array());
        }
        long last = dims[dims.length - 1];
        return weight(name, dims, init, (int) last, (int) last);
    }

    /** Linear as torchvision exports it: Gemm(x, W[out,in], b, transB=1). */
    String linear(String x, String prefix, int in, int out, Init init, BiasInit bias) {
        String w = weight(prefix + ".weight", new long[] {out, in}, init, in, out);
        String b = bias(prefix + ".bias", out, bias, in);
        return node(
                "Gemm",
                prefix,
                List.of(x, w, b),
                Attributes.ofFloat("alpha", 1f),
                Attributes.ofFloat("beta", 1f),
                Attributes.ofInt("transB", 1));
    }

    // ---------------------------------------------------------------- parameter-free layers

    String relu(String x, String prefix) {
        return node("Relu", prefix, List.of(x));
    }

    /** ReLU6 as Clip(x, 0, 6) with the bounds as Constant nodes (as the exporter writes it). */
    String relu6(String x, String prefix) {
        String lo = scalarConstant(prefix, 0f);
        String hi = scalarConstant(prefix, 6f);
        return node("Clip", prefix, List.of(x, lo, hi));
    }

    /** {@code nn.Hardsigmoid} as the exporter writes it: HardSigmoid(alpha 1/6, beta 0.5). */
    String hardSigmoid(String x, String prefix) {
        return node("HardSigmoid", prefix, List.of(x), Attributes.ofFloat("alpha", 1f / 6));
    }

    /** {@code nn.Hardswish} at opset 13, as the exporter writes it: x * HardSigmoid(x). */
    String hardSwish(String x, String prefix) {
        return mul(x, hardSigmoid(x, prefix), prefix);
    }

    /**
     * The exact GELU ({@code nn.GELU()}) as the exporter writes it: x * (Erf(x / sqrt 2) + 1) *
     * 0.5.
     */
    String gelu(String x, String prefix) {
        String d = node("Div", prefix, List.of(x, scalarConstant(prefix, (float) Math.sqrt(2))));
        String e = node("Erf", prefix, List.of(d));
        String a = add(e, scalarConstant(prefix, 1f), prefix);
        String m = mul(x, a, prefix);
        return mul(m, scalarConstant(prefix, 0.5f), prefix);
    }

    /** x divided by a constant scalar. */
    String divide(String x, float divisor, String prefix) {
        return node("Div", prefix, List.of(x, scalarConstant(prefix, divisor)));
    }

    String matMul(String a, String b, String prefix) {
        return node("MatMul", prefix, List.of(a, b));
    }

    String softmax(String x, String prefix) {
        return node("Softmax", prefix, List.of(x), Attributes.ofInt("axis", -1));
    }

    String transpose(String x, String prefix, long... perm) {
        return node("Transpose", prefix, List.of(x), Attributes.ofInts("perm", perm));
    }

    /** Reshape to a constant shape (0 copies the input's size, -1 is inferred). */
    String reshape(String x, String prefix, long... shape) {
        String s = intsConstant(prefix, new long[] {shape.length}, shape);
        return node("Reshape", prefix, List.of(x, s), Attributes.ofInt("allowzero", 0));
    }

    /** Gather along {@code axis} at one constant index, which drops that axis. */
    String select(String x, String prefix, int axis, long index) {
        String i = intsConstant(prefix, new long[0], new long[] {index});
        return node("Gather", prefix, List.of(x, i), Attributes.ofInt("axis", axis));
    }

    /**
     * Expands a {@code [1, rest...]} tensor to the batch of {@code like} ({@code [N, ...]}):
     * Shape(like), its first element, the constant {@code rest}, Concat, Expand; as {@code
     * class_token.expand(n, -1, -1)}.
     */
    String expandToBatch(String x, String like, String prefix, long... rest) {
        String shape = node("Shape", prefix, List.of(like));
        String first = intsConstant(prefix, new long[] {1}, new long[] {0});
        String n = node("Gather", prefix, List.of(shape, first), Attributes.ofInt("axis", 0));
        String tail = intsConstant(prefix, new long[] {rest.length}, rest);
        String target = node("Concat", prefix, List.of(n, tail), Attributes.ofInt("axis", 0));
        return node("Expand", prefix, List.of(x, target));
    }

    /** Concat along {@code axis}. */
    String concat(List<String> xs, String prefix, int axis) {
        return node("Concat", prefix, xs, Attributes.ofInt("axis", axis));
    }

    /** Slice of one axis, [start, end). */
    String slice(String x, String prefix, int axis, long start, long end) {
        String s = intsConstant(prefix, new long[] {1}, new long[] {start});
        String e = intsConstant(prefix, new long[] {1}, new long[] {end});
        String a = intsConstant(prefix, new long[] {1}, new long[] {axis});
        return node("Slice", prefix, List.of(x, s, e, a));
    }

    /** Pad with zeros ({@code pads} as ONNX's: every axis' start, then every axis' end). */
    String pad(String x, String prefix, long... pads) {
        String p = intsConstant(prefix, new long[] {pads.length}, pads);
        return node("Pad", prefix, List.of(x, p));
    }

    /** Gather along axis 0 of a constant index tensor (a table lookup). */
    String gatherConstant(String table, String prefix, long[] dims, long[] indices) {
        String i = intsConstant(prefix, dims, indices);
        return node("Gather", prefix, List.of(table, i), Attributes.ofInt("axis", 0));
    }

    /** A constant float tensor as a Constant node. */
    String floatConstant(String prefix, long[] dims, float[] values) {
        return tensorConstant(prefix, dims, values);
    }

    String sigmoid(String x, String prefix) {
        return node("Sigmoid", prefix, List.of(x));
    }

    /** SiLU as x * Sigmoid(x). */
    String silu(String x, String prefix) {
        String s = sigmoid(x, prefix);
        return mul(x, s, prefix);
    }

    String mul(String a, String b, String prefix) {
        return node("Mul", prefix, List.of(a, b));
    }

    String add(String a, String b, String prefix) {
        return node("Add", prefix, List.of(a, b));
    }

    String concat(List<String> xs, String prefix) {
        return node("Concat", prefix, xs, Attributes.ofInt("axis", 1));
    }

    String maxPool(String x, String prefix, int kernel, int stride, int pad, boolean ceil) {
        return node(
                "MaxPool",
                prefix,
                List.of(x),
                Attributes.ofInt("ceil_mode", ceil ? 1 : 0),
                Attributes.ofInts("kernel_shape", kernel, kernel),
                Attributes.ofInts("pads", pad, pad, pad, pad),
                Attributes.ofInts("strides", stride, stride));
    }

    /**
     * {@code F.avg_pool2d(x, kernel, stride, pad)} with PyTorch's default {@code
     * count_include_pad=True}: padded zeros count in the average.
     */
    String avgPool(String x, String prefix, int kernel, int stride, int pad) {
        return node(
                "AveragePool",
                prefix,
                List.of(x),
                Attributes.ofInt("ceil_mode", 0),
                Attributes.ofInt("count_include_pad", 1),
                Attributes.ofInts("kernel_shape", kernel, kernel),
                Attributes.ofInts("pads", pad, pad, pad, pad),
                Attributes.ofInts("strides", stride, stride));
    }

    String globalAveragePool(String x, String prefix) {
        return node("GlobalAveragePool", prefix, List.of(x));
    }

    String flatten(String x, String prefix) {
        return node("Flatten", prefix, List.of(x), Attributes.ofInt("axis", 1));
    }

    /** Dropout; in inference it passes its input through (no training_mode input is given). */
    String dropout(String x, String prefix, float p) {
        String ratio = scalarConstant(prefix, p);
        return node("Dropout", prefix, List.of(x, ratio));
    }

    /**
     * {@code AdaptiveAvgPool2d(target)} on a square {@code size x size} map: nothing when the sizes
     * agree, AveragePool when {@code size} is a multiple of {@code target}, else PyTorch's bins
     * written as two MatMuls with constant averaging matrices (rows: output bins).
     */
    String adaptiveAvgPool(String x, String prefix, int size, int target) {
        if (size == target) {
            return x;
        }
        if (size % target == 0) {
            int k = size / target;
            return node(
                    "AveragePool",
                    prefix,
                    List.of(x),
                    Attributes.ofInt("ceil_mode", 0),
                    Attributes.ofInts("kernel_shape", k, k),
                    Attributes.ofInts("pads", 0, 0, 0, 0),
                    Attributes.ofInts("strides", k, k));
        }
        float[] p = new float[target * size]; // [target, size]
        for (int i = 0; i < target; i++) {
            int start = (int) Math.floor((double) i * size / target);
            int end = (int) Math.ceil((double) (i + 1) * size / target);
            for (int j = start; j < end; j++) {
                p[i * size + j] = 1f / (end - start);
            }
        }
        float[] pt = new float[size * target]; // [size, target]
        for (int i = 0; i < target; i++) {
            for (int j = 0; j < size; j++) {
                pt[j * target + i] = p[i * size + j];
            }
        }
        String rows = tensorConstant(prefix, new long[] {target, size}, p);
        String cols = tensorConstant(prefix, new long[] {size, target}, pt);
        String w = node("MatMul", prefix, List.of(x, cols)); // [N,C,size,target]
        return node("MatMul", prefix, List.of(rows, w)); // [N,C,target,target]
    }

    // ---------------------------------------------------------------- the model

    /**
     * Makes {@code tensor} one more graph output, named {@code name}, {@code [N, columns]}, listed
     * after {@value #OUTPUT} (Inception v3's auxiliary logits).
     */
    void addOutput(String tensor, String name, int columns) {
        extraOutputs.add(new Output(tensor, name, columns));
    }

    /**
     * The finished model; {@code output} is renamed {@value #OUTPUT}, outputs added with {@link
     * #addOutput} follow it.
     *
     * @param output the tensor holding the logits
     * @param classes the class count
     */
    ModelProto build(String output, int classes) {
        Map<String, String> rename = new HashMap<>();
        rename.put(output, OUTPUT);
        for (Output o : extraOutputs) {
            rename.put(o.tensor(), o.name());
        }
        List<NodeProto> finalNodes = new ArrayList<>(nodes.size());
        for (NodeProto n : nodes) {
            NodeProto.Builder b = n.toBuilder();
            for (int i = 0; i < b.getOutputCount(); i++) {
                b.setOutput(i, rename.getOrDefault(b.getOutput(i), b.getOutput(i)));
            }
            for (int i = 0; i < b.getInputCount(); i++) {
                b.setInput(i, rename.getOrDefault(b.getInput(i), b.getInput(i)));
            }
            finalNodes.add(b.build());
        }
        GraphProto.Builder graph =
                GraphProto.newBuilder()
                        .setName(graphName)
                        .addAllNode(finalNodes)
                        .addAllInitializer(initializers)
                        .addInput(tensorInfo(INPUT, 3, inputSize, inputSize))
                        .addOutput(tensorInfo(OUTPUT, classes));
        for (Output o : extraOutputs) {
            graph.addOutput(tensorInfo(o.name(), o.columns()));
        }
        return ModelProto.newBuilder()
                // opset 17 came with IR version 8 (ONNX 1.12)
                .setIrVersion(opset >= OPSET_LAYER_NORM ? 8 : IR_VERSION)
                .setProducerName("graft-zoo")
                .setProducerVersion("1")
                .setDocString(
                        graphName
                                + " with freshly initialised weights, laid out like torchvision's")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(graph)
                .build();
    }

    /** A further graph output: {@code tensor} renamed {@code name}, {@code [N, columns]}. */
    private record Output(String tensor, String name, int columns) {}

    // ---------------------------------------------------------------- helpers

    private String node(String op, String prefix, List<String> inputs, AttributeProto... attrs) {
        String name = Graphs.unique(names, "/" + prefix.replace('.', '/') + "/" + op);
        String out = name + "_output_0";
        nodes.add(
                Graphs.node(op, name, inputs, List.of(out)).toBuilder()
                        .addAllAttribute(Arrays.asList(attrs))
                        .build());
        return out;
    }

    private String weight(String name, long[] dims, Init init, int fanIn, int fanOut) {
        int n = Math.toIntExact(Arrays.stream(dims).reduce(1, Math::multiplyExact));
        ByteBuffer buf = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        switch (init) {
            case KAIMING_NORMAL_FAN_OUT -> fillNormal(buf, n, Math.sqrt(2.0 / fanOut));
            case KAIMING_UNIFORM -> fillUniform(buf, n, Math.sqrt(6.0 / fanIn));
            case TORCH_DEFAULT -> fillUniform(buf, n, 1.0 / Math.sqrt(fanIn));
            case NORMAL_001 -> fillNormal(buf, n, 0.01);
            case TRUNC_NORMAL_001 -> fillTruncatedNormal(buf, n, 0.01);
            case TRUNC_NORMAL_01 -> fillTruncatedNormal(buf, n, 0.1);
            case TRUNC_NORMAL_0001 -> fillTruncatedNormal(buf, n, 0.001);
            case UNIFORM_INV_SQRT_OUT -> fillUniform(buf, n, 1.0 / Math.sqrt(fanOut));
            case TRUNC_NORMAL_002 -> fillTruncatedNormal(buf, n, 0.02);
            case TRUNC_NORMAL_FAN_IN -> fillTruncatedNormal(buf, n, Math.sqrt(1.0 / fanIn));
            case XAVIER_UNIFORM -> fillUniform(buf, n, Math.sqrt(6.0 / (fanIn + fanOut)));
            case NORMAL_002 -> fillNormal(buf, n, 0.02);
            case ZEROS -> {}
        }
        return addInitializer(name, dims, buf.array());
    }

    /** A Linear weight drawn as {@code [out, in]} and stored transposed, {@code [in, out]}. */
    private String weightTransposed(String name, int out, int in, Init init) {
        weight(name, new long[] {out, in}, init, in, out);
        TensorProto drawn = initializers.remove(initializers.size() - 1);
        ByteBuffer src = drawn.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer dst = ByteBuffer.allocate(out * in * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < in; i++) {
            for (int o = 0; o < out; o++) {
                dst.putFloat(src.getFloat((o * in + i) * 4));
            }
        }
        return addInitializer(name, new long[] {in, out}, dst.array());
    }

    private String bias(String name, int n, BiasInit init, int fanIn) {
        if (init == BiasInit.TORCH_DEFAULT) {
            ByteBuffer buf = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
            fillUniform(buf, n, 1.0 / Math.sqrt(fanIn));
            return addInitializer(name, new long[] {n}, buf.array());
        }
        if (init == BiasInit.NORMAL_1E6) {
            ByteBuffer buf = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
            fillNormal(buf, n, 1e-6);
            return addInitializer(name, new long[] {n}, buf.array());
        }
        return constant(name, n, 0f);
    }

    private String constant(String name, int n, float value) {
        ByteBuffer buf = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            buf.putFloat(value);
        }
        return addInitializer(name, new long[] {n}, buf.array());
    }

    private void fillNormal(ByteBuffer buf, int n, double std) {
        for (int i = 0; i < n; i++) {
            buf.putFloat((float) (random.nextGaussian() * std));
        }
    }

    /** N(0, std) redrawn outside [-2, 2], as {@code trunc_normal_(std=std, a=-2, b=2)}. */
    private void fillTruncatedNormal(ByteBuffer buf, int n, double std) {
        for (int i = 0; i < n; i++) {
            double v;
            do {
                v = random.nextGaussian() * std;
            } while (v < -2 || v > 2);
            buf.putFloat((float) v);
        }
    }

    private void fillUniform(ByteBuffer buf, int n, double bound) {
        for (int i = 0; i < n; i++) {
            buf.putFloat((float) ((random.nextDouble() * 2 - 1) * bound));
        }
    }

    private String addInitializer(String name, long[] dims, byte[] littleEndian) {
        TensorProto.Builder t =
                TensorProto.newBuilder()
                        .setName(name)
                        .setDataType(TensorProto.DataType.FLOAT_VALUE)
                        // the array is never touched again, so protobuf may keep it uncopied
                        .setRawData(UnsafeByteOperations.unsafeWrap(littleEndian));
        for (long d : dims) {
            t.addDims(d);
        }
        initializers.add(t.build());
        return name;
    }

    private String scalarConstant(String prefix, float value) {
        return tensorConstant(prefix, new long[0], new float[] {value});
    }

    private String tensorConstant(String prefix, long[] dims, float[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asFloatBuffer().put(values);
        TensorProto.Builder t =
                TensorProto.newBuilder()
                        .setDataType(TensorProto.DataType.FLOAT_VALUE)
                        .setRawData(UnsafeByteOperations.unsafeWrap(buf.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        String name =
                Graphs.unique(names, "/" + prefix.replace('.', '/') + "/Constant" + (constants++));
        String out = name + "_output_0";
        nodes.add(
                Graphs.node("Constant", name, List.of(), List.of(out)).toBuilder()
                        .addAttribute(Attributes.ofTensor("value", t.build()))
                        .build());
        return out;
    }

    private String intsConstant(String prefix, long[] dims, long[] values) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.asLongBuffer().put(values);
        TensorProto.Builder t =
                TensorProto.newBuilder()
                        .setDataType(TensorProto.DataType.INT64_VALUE)
                        .setRawData(UnsafeByteOperations.unsafeWrap(buf.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        String name =
                Graphs.unique(names, "/" + prefix.replace('.', '/') + "/Constant" + (constants++));
        String out = name + "_output_0";
        nodes.add(
                Graphs.node("Constant", name, List.of(), List.of(out)).toBuilder()
                        .addAttribute(Attributes.ofTensor("value", t.build()))
                        .build());
        return out;
    }

    /** A float tensor [N, dims...], N symbolic. */
    private static ValueInfoProto tensorInfo(String name, long... dims) {
        long[] shape = new long[dims.length + 1];
        shape[0] = -1;
        System.arraycopy(dims, 0, shape, 1, dims.length);
        return ValueInfos.of(name, TensorProto.DataType.FLOAT_VALUE, shape, "N");
    }
}
