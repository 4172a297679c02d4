package ai.graft.converter.zoo;

import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.zoo.GraphBuilder.BiasInit;
import ai.graft.converter.zoo.GraphBuilder.Init;

/**
 * torchvision's later convolutional networks (torchvision 0.14 definitions): MobileNet V3,
 * EfficientNet V2, RegNet Y and ConvNeXt, each written as its module's forward pass with its {@code
 * state_dict} names, as {@link Architectures} writes the older ones.
 */
final class ModernCnns {
    private ModernCnns() {}

    /** What follows a convolution and its batch norm. */
    private enum Act {
        NONE,
        RELU,
        SILU,
        HARDSWISH
    }

    /** torchvision's {@code Conv2dNormActivation}: conv {@code p.0}, batch norm {@code p.1}. */
    private static String convBnAct(
            GraphBuilder g,
            String x,
            String p,
            int in,
            int out,
            int k,
            int stride,
            int groups,
            float eps,
            float momentum,
            Act act) {
        String y =
                g.conv(
                        x,
                        p + ".0",
                        in,
                        out,
                        k,
                        stride,
                        (k - 1) / 2,
                        groups,
                        Init.KAIMING_NORMAL_FAN_OUT,
                        BiasInit.NONE);
        y = g.batchNorm(y, p + ".1", out, eps, momentum);
        return activation(g, y, p + ".2", act);
    }

    private static String activation(GraphBuilder g, String x, String p, Act act) {
        return switch (act) {
            case NONE -> x;
            case RELU -> g.relu(x, p);
            case SILU -> g.silu(x, p);
            case HARDSWISH -> g.hardSwish(x, p);
        };
    }

    /**
     * torchvision's {@code SqueezeExcitation}: {@code scale = gate(fc2(act(fc1(avgpool(x)))))},
     * then {@code scale * x}; fc1 and fc2 are 1x1 convolutions with biases.
     */
    private static String squeezeExcite(
            GraphBuilder g,
            String x,
            String p,
            int channels,
            int squeeze,
            Act act,
            boolean hardGate,
            Init init,
            BiasInit bias) {
        String s = g.globalAveragePool(x, p + ".avgpool");
        s = g.conv(s, p + ".fc1", channels, squeeze, 1, 1, 0, 1, init, bias);
        s = activation(g, s, p + ".activation", act);
        s = g.conv(s, p + ".fc2", squeeze, channels, 1, 1, 0, 1, init, bias);
        s =
                hardGate
                        ? g.hardSigmoid(s, p + ".scale_activation")
                        : g.sigmoid(s, p + ".scale_activation");
        return g.mul(s, x, p);
    }

    /** torchvision's {@code _make_divisible}: v rounded to a multiple of d, not below 90 % of v. */
    static int makeDivisible(double v, int d) {
        int rounded = Math.max(d, (int) (v + d / 2.0) / d * d);
        return rounded < 0.9 * v ? rounded + d : rounded;
    }

    // ---------------------------------------------------------------- MobileNet V3

    /**
     * The shape of a MobileNet V3 (torchvision's {@code inverted_residual_setting}, {@code
     * last_channel} and {@code dropout}): one row per bneck block, {@code {in, kernel, expanded,
     * out, SE, hard-swish, stride}} (SE and hard-swish 1 or 0); the stem is as wide as the first
     * block's input, the last convolution six times the last block's output.
     */
    record MobileNetV3Config(int[][] blocks, int lastChannel, float dropout) {}

    /** MobileNet V3 Large's blocks: in, kernel, expanded, out, SE, hard-swish, stride. */
    private static final int[][] MOBILENET_V3_LARGE_BLOCKS = {
        {16, 3, 16, 16, 0, 0, 1},
        {16, 3, 64, 24, 0, 0, 2},
        {24, 3, 72, 24, 0, 0, 1},
        {24, 5, 72, 40, 1, 0, 2},
        {40, 5, 120, 40, 1, 0, 1},
        {40, 5, 120, 40, 1, 0, 1},
        {40, 3, 240, 80, 0, 1, 2},
        {80, 3, 200, 80, 0, 1, 1},
        {80, 3, 184, 80, 0, 1, 1},
        {80, 3, 184, 80, 0, 1, 1},
        {80, 3, 480, 112, 1, 1, 1},
        {112, 3, 672, 112, 1, 1, 1},
        {112, 5, 672, 160, 1, 1, 2},
        {160, 5, 960, 160, 1, 1, 1},
        {160, 5, 960, 160, 1, 1, 1}
    };

    /** MobileNet V3 Small's blocks, as {@link #MOBILENET_V3_LARGE_BLOCKS}. */
    private static final int[][] MOBILENET_V3_SMALL_BLOCKS = {
        {16, 3, 16, 16, 1, 0, 2},
        {16, 3, 72, 24, 0, 0, 2},
        {24, 3, 88, 24, 0, 0, 1},
        {24, 5, 96, 40, 1, 1, 2},
        {40, 5, 240, 40, 1, 1, 1},
        {40, 5, 240, 40, 1, 1, 1},
        {40, 5, 120, 48, 1, 1, 1},
        {48, 5, 144, 48, 1, 1, 1},
        {48, 5, 288, 96, 1, 1, 2},
        {96, 5, 576, 96, 1, 1, 1},
        {96, 5, 576, 96, 1, 1, 1}
    };

    /** torchvision's {@code mobilenet_v3_large}. */
    static final MobileNetV3Config MOBILENET_V3_LARGE =
            new MobileNetV3Config(MOBILENET_V3_LARGE_BLOCKS, 1280, 0.2f);

    /** torchvision's {@code mobilenet_v3_small}. */
    static final MobileNetV3Config MOBILENET_V3_SMALL =
            new MobileNetV3Config(MOBILENET_V3_SMALL_BLOCKS, 1024, 0.2f);

    /**
     * A MobileNet V3, as {@link #MOBILENET_V3_LARGE} or {@link #MOBILENET_V3_SMALL}: batch norm eps
     * 0.001 and PyTorch momentum 0.01, hard-swish as x * HardSigmoid(x) (opset 13 has no
     * HardSwish), squeeze-excitation with a hard-sigmoid gate, classifier Linear, Hardswish,
     * Dropout, Linear with N(0, 0.01) weights.
     */
    static ModelProto mobilenetV3(
            String name, MobileNetV3Config c, int classes, int size, long seed) {
        GraphBuilder g = new GraphBuilder(name, size, seed);
        int[][] blocks = c.blocks();
        float eps = 1e-3f;
        float momentum = 0.99f;
        String x =
                convBnAct(
                        g,
                        GraphBuilder.INPUT,
                        "features.0",
                        3,
                        blocks[0][0],
                        3,
                        2,
                        1,
                        eps,
                        momentum,
                        Act.HARDSWISH);
        int index = 1;
        for (int[] b : blocks) {
            int in = b[0];
            int k = b[1];
            int expanded = b[2];
            int out = b[3];
            Act act = b[5] == 1 ? Act.HARDSWISH : Act.RELU;
            String p = "features." + index++ + ".block";
            int j = 0;
            String y = x;
            if (expanded != in) {
                y = convBnAct(g, y, p + "." + j++, in, expanded, 1, 1, 1, eps, momentum, act);
            }
            y =
                    convBnAct(
                            g,
                            y,
                            p + "." + j++,
                            expanded,
                            expanded,
                            k,
                            b[6],
                            expanded,
                            eps,
                            momentum,
                            act);
            if (b[4] == 1) {
                y =
                        squeezeExcite(
                                g,
                                y,
                                p + "." + j++,
                                expanded,
                                makeDivisible(expanded / 4, 8),
                                Act.RELU,
                                true,
                                Init.KAIMING_NORMAL_FAN_OUT,
                                BiasInit.ZEROS);
            }
            y = convBnAct(g, y, p + "." + j, expanded, out, 1, 1, 1, eps, momentum, Act.NONE);
            x = b[6] == 1 && in == out ? g.add(y, x, p) : y;
        }
        int lastIn = blocks[blocks.length - 1][3];
        int lastOut = 6 * lastIn;
        x =
                convBnAct(
                        g,
                        x,
                        "features." + index,
                        lastIn,
                        lastOut,
                        1,
                        1,
                        1,
                        eps,
                        momentum,
                        Act.HARDSWISH);
        x = g.globalAveragePool(x, "avgpool");
        x = g.flatten(x, "flatten");
        int lastChannel = c.lastChannel();
        x = g.linear(x, "classifier.0", lastOut, lastChannel, Init.NORMAL_001, BiasInit.ZEROS);
        x = g.hardSwish(x, "classifier.1");
        x = g.dropout(x, "classifier.2", c.dropout());
        x = g.linear(x, "classifier.3", lastChannel, classes, Init.NORMAL_001, BiasInit.ZEROS);
        return g.build(x, classes);
    }

    // ---------------------------------------------------------------- EfficientNet V2

    /**
     * The shape of an EfficientNet V2 (torchvision's {@code inverted_residual_setting}, {@code
     * last_channel} and {@code dropout}): one row per stage, {@code {fused, expand, kernel, stride,
     * in, out, layers}} (fused 1 for Fused-MBConv, 0 for MBConv with squeeze-excitation); the stem
     * is as wide as the first stage's input.
     */
    record EfficientNetV2Config(int[][] stages, int lastChannel, float dropout) {}

    /** EfficientNet V2-S's stages: fused (1) or not, expand, kernel, stride, in, out, layers. */
    private static final int[][] EFFICIENTNET_V2_S_STAGES = {
        {1, 1, 3, 1, 24, 24, 2},
        {1, 4, 3, 2, 24, 48, 4},
        {1, 4, 3, 2, 48, 64, 4},
        {0, 4, 3, 2, 64, 128, 6},
        {0, 6, 3, 1, 128, 160, 9},
        {0, 6, 3, 2, 160, 256, 15}
    };

    /** torchvision's {@code efficientnet_v2_s}. */
    static final EfficientNetV2Config EFFICIENTNET_V2_S =
            new EfficientNetV2Config(EFFICIENTNET_V2_S_STAGES, 1280, 0.2f);

    /** The input side EfficientNet V2-S's published weights were trained and evaluated at. */
    static final int EFFICIENTNET_V2_S_INPUT_SIZE = 384;

    /**
     * An EfficientNet V2, as {@link #EFFICIENTNET_V2_S} for V2-S: batch norm eps 0.001;
     * Fused-MBConv stages (a full kxk expansion convolution, then a 1x1 projection, no
     * squeeze-excitation) then MBConv stages with squeeze-excitation of {@code in / 4} channels;
     * stochastic depth is the identity in inference.
     */
    static ModelProto efficientnetV2(
            String name, EfficientNetV2Config c, int classes, int size, long seed) {
        GraphBuilder g = new GraphBuilder(name, size, seed);
        int[][] stages = c.stages();
        float eps = 1e-3f;
        float m = 0.9f;
        String x =
                convBnAct(
                        g,
                        GraphBuilder.INPUT,
                        "features.0",
                        3,
                        stages[0][4],
                        3,
                        2,
                        1,
                        eps,
                        m,
                        Act.SILU);
        for (int s = 0; s < stages.length; s++) {
            int[] st = stages[s];
            for (int i = 0; i < st[6]; i++) {
                int in = i == 0 ? st[4] : st[5];
                int out = st[5];
                int stride = i == 0 ? st[3] : 1;
                int expanded = in * st[1];
                String p = "features." + (s + 1) + "." + i + ".block";
                String y;
                if (st[0] == 1) {
                    if (expanded != in) {
                        y =
                                convBnAct(
                                        g, x, p + ".0", in, expanded, st[2], stride, 1, eps, m,
                                        Act.SILU);
                        y = convBnAct(g, y, p + ".1", expanded, out, 1, 1, 1, eps, m, Act.NONE);
                    } else {
                        y = convBnAct(g, x, p + ".0", in, out, st[2], stride, 1, eps, m, Act.SILU);
                    }
                } else {
                    y = convBnAct(g, x, p + ".0", in, expanded, 1, 1, 1, eps, m, Act.SILU);
                    y =
                            convBnAct(
                                    g, y, p + ".1", expanded, expanded, st[2], stride, expanded,
                                    eps, m, Act.SILU);
                    y =
                            squeezeExcite(
                                    g,
                                    y,
                                    p + ".2",
                                    expanded,
                                    Math.max(1, in / 4),
                                    Act.SILU,
                                    false,
                                    Init.KAIMING_NORMAL_FAN_OUT,
                                    BiasInit.ZEROS);
                    y = convBnAct(g, y, p + ".3", expanded, out, 1, 1, 1, eps, m, Act.NONE);
                }
                x = stride == 1 && in == out ? g.add(y, x, p) : y;
            }
        }
        int lastIn = stages[stages.length - 1][5];
        int last = c.lastChannel();
        x =
                convBnAct(
                        g,
                        x,
                        "features." + (stages.length + 1),
                        lastIn,
                        last,
                        1,
                        1,
                        1,
                        eps,
                        m,
                        Act.SILU);
        x = g.globalAveragePool(x, "avgpool");
        x = g.flatten(x, "flatten");
        x = g.dropout(x, "classifier.0", c.dropout());
        x = g.linear(x, "classifier.1", last, classes, Init.UNIFORM_INV_SQRT_OUT, BiasInit.ZEROS);
        return g.build(x, classes);
    }

    // ---------------------------------------------------------------- RegNet Y

    /**
     * The shape of a RegNet Y: the stem's width, each stage's width and depth, the group width of
     * the 3x3 convolutions (bottleneck ratio 1, squeeze-excitation of a quarter of each block's
     * input width, as every RegNet Y of torchvision has).
     */
    record RegNetYConfig(int stem, int[] widths, int[] depths, int groupWidth) {}

    /** torchvision's {@code regnet_y_400mf}. */
    static final RegNetYConfig REGNET_Y_400MF =
            new RegNetYConfig(32, new int[] {48, 104, 208, 440}, new int[] {1, 3, 6, 6}, 8);

    /**
     * A RegNet Y, as {@link #REGNET_Y_400MF} for RegNetY-400MF: stem of 32 channels; four stages
     * (torchvision's {@code trunk_output.block1} to {@code block4}) of 1, 3, 6 and 6 residual
     * bottleneck blocks 48, 104, 208 and 440 wide, group width 8, bottleneck ratio 1,
     * squeeze-excitation of a quarter of each block's input width (torchvision's {@code
     * BlockParams.from_init_params(depth=16, w_0=48, w_a=27.89, w_m=2.09, group_width=8,
     * se_ratio=0.25)} worked out). Convolutions N(0, sqrt(2 / fan_out)), the squeeze-excitation
     * biases PyTorch's default, fc N(0, 0.01) with a zero bias.
     */
    static ModelProto regnetY(String name, RegNetYConfig c, int classes, int size, long seed) {
        GraphBuilder g = new GraphBuilder(name, size, seed);
        int[] widths = c.widths();
        int[] depths = c.depths();
        int groupWidth = c.groupWidth();
        float eps = 1e-5f;
        float m = 0.9f;
        String x = convBnAct(g, GraphBuilder.INPUT, "stem", 3, c.stem(), 3, 2, 1, eps, m, Act.RELU);
        int in = c.stem();
        for (int s = 0; s < widths.length; s++) {
            int out = widths[s];
            for (int b = 0; b < depths[s]; b++) {
                String p = "trunk_output.block" + (s + 1) + ".block" + (s + 1) + "-" + b;
                int stride = b == 0 ? 2 : 1;
                String proj = null;
                if (in != out || stride != 1) {
                    proj = convBnAct(g, x, p + ".proj", in, out, 1, stride, 1, eps, m, Act.NONE);
                }
                String f = convBnAct(g, x, p + ".f.a", in, out, 1, 1, 1, eps, m, Act.RELU);
                f =
                        convBnAct(
                                g,
                                f,
                                p + ".f.b",
                                out,
                                out,
                                3,
                                stride,
                                out / groupWidth,
                                eps,
                                m,
                                Act.RELU);
                f =
                        squeezeExcite(
                                g,
                                f,
                                p + ".f.se",
                                out,
                                (int) Math.round(0.25 * in),
                                Act.RELU,
                                false,
                                Init.KAIMING_NORMAL_FAN_OUT,
                                BiasInit.TORCH_DEFAULT);
                f = convBnAct(g, f, p + ".f.c", out, out, 1, 1, 1, eps, m, Act.NONE);
                x = g.relu(proj != null ? g.add(proj, f, p) : g.add(x, f, p), p + ".activation");
                in = out;
            }
        }
        x = g.globalAveragePool(x, "avgpool");
        x = g.flatten(x, "flatten");
        x = g.linear(x, "fc", in, classes, Init.NORMAL_001, BiasInit.ZEROS);
        return g.build(x, classes);
    }

    // ---------------------------------------------------------------- ConvNeXt

    /**
     * The shape of a ConvNeXt: each stage's width and depth, and the layer scale's start value
     * (torchvision's {@code block_setting} and {@code layer_scale}).
     */
    record ConvNextConfig(int[] dims, int[] depths, float layerScale) {}

    /** torchvision's {@code convnext_tiny}. */
    static final ConvNextConfig CONVNEXT_TINY =
            new ConvNextConfig(new int[] {96, 192, 384, 768}, new int[] {3, 3, 9, 3}, 1e-6f);

    /**
     * A ConvNeXt, as {@link #CONVNEXT_TINY} for ConvNeXt-Tiny (opset 17 for LayerNormalization): a
     * 4x4 stride-4 patchify convolution and LayerNorm2d, four stages of 3, 3, 9 and 3 blocks 96,
     * 192, 384 and 768 wide with LayerNorm2d and a 2x2 stride-2 convolution between them, global
     * average pooling, LayerNorm2d, Flatten and Linear. A block is a 7x7 depthwise convolution,
     * LayerNorm (channels last), Linear to 4x, GELU, Linear back, a learned per-channel layer scale
     * (1e-6) and the residual. LayerNorm eps 1e-6; convolution and linear weights {@code
     * trunc_normal_(std=0.02)}, biases 0.
     */
    static ModelProto convnext(String name, ConvNextConfig c, int classes, int size, long seed) {
        GraphBuilder g = new GraphBuilder(name, size, seed, GraphBuilder.OPSET_LAYER_NORM);
        int[] dims = c.dims();
        int[] depths = c.depths();
        float eps = 1e-6f;
        Init tn = Init.TRUNC_NORMAL_002;
        String x =
                g.conv(
                        GraphBuilder.INPUT,
                        "features.0.0",
                        3,
                        dims[0],
                        4,
                        4,
                        0,
                        1,
                        tn,
                        BiasInit.ZEROS);
        x = g.layerNorm2d(x, "features.0.1", dims[0], eps);
        int index = 1;
        for (int s = 0; s < dims.length; s++) {
            int d = dims[s];
            for (int b = 0; b < depths[s]; b++) {
                String p = "features." + index + "." + b;
                String y = g.conv(x, p + ".block.0", d, d, 7, 1, 3, d, tn, BiasInit.ZEROS);
                y = g.transpose(y, p + ".block.1", 0, 2, 3, 1);
                y = g.layerNorm(y, p + ".block.2", d, eps);
                y = g.linearMatMul(y, p + ".block.3", d, 4 * d, tn, BiasInit.ZEROS);
                y = g.gelu(y, p + ".block.4");
                y = g.linearMatMul(y, p + ".block.5", 4 * d, d, tn, BiasInit.ZEROS);
                y = g.transpose(y, p + ".block.6", 0, 3, 1, 2);
                String scale =
                        g.parameter(p + ".layer_scale", new long[] {d, 1, 1}, null, c.layerScale());
                y = g.mul(scale, y, p);
                x = g.add(y, x, p);
            }
            index++;
            if (s + 1 < dims.length) {
                String p = "features." + index++;
                x = g.layerNorm2d(x, p + ".0", d, eps);
                x = g.conv(x, p + ".1", d, dims[s + 1], 2, 2, 0, 1, tn, BiasInit.ZEROS);
            }
        }
        x = g.globalAveragePool(x, "avgpool");
        int last = dims[dims.length - 1];
        x = g.layerNorm2d(x, "classifier.0", last, eps);
        x = g.flatten(x, "classifier.1");
        x = g.linear(x, "classifier.2", last, classes, tn, BiasInit.ZEROS);
        return g.build(x, classes);
    }
}
