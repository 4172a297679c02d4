package ai.graft.converter.zoo;

import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.zoo.GraphBuilder.BiasInit;
import ai.graft.converter.zoo.GraphBuilder.Init;
import java.util.List;
import java.util.Locale;

/**
 * torchvision's vision transformers (torchvision 0.14 definitions), at opset 17 for
 * LayerNormalization: the Vision Transformer ({@code VisionTransformer}) and the Swin Transformer
 * ({@code SwinTransformer}, version 1).
 *
 * <p>Parameters carry torchvision's {@code state_dict} names and shapes, with one convention taken
 * from the exporter: a Linear applied to tokens is MatMul(x, W<sup>T</sup>) + b with the weight
 * stored transposed, {@code [in, out]}, under the state_dict name plus {@code _t} ({@code
 * encoder.layers.encoder_layer_0.mlp.0.weight_t}, {@code ...self_attention.in_proj_weight_t}),
 * where the exporter writes the same tensor as a made-up {@code onnx::MatMul_N}. The head and ViT's
 * attention output projection stay Gemm with the untransposed weight, as exported.
 *
 * <p>The exporter traces torch's dynamic shape arithmetic (Shape, Gather, Cast, Where, Range,
 * ScatterND...); here every shape but the batch is known when the graph is built, so the graph
 * reshapes with constants ({@code -1} for the batch) and has the same arithmetic with far fewer
 * nodes. Swin's relative position bias stays a lookup of the learned table (the exporter folds it
 * into a constant, losing the parameter); its shifted-window mask is a constant, as torch computes
 * it from the shapes alone.
 */
final class Transformers {
    private Transformers() {}

    /** ViT's and Swin's LayerNorm epsilon. */
    private static final float VIT_EPS = 1e-6f;

    private static final float SWIN_EPS = 1e-5f;

    /** The shape of a ViT: patch side, hidden width, encoder blocks, heads, MLP width. */
    record VitConfig(int patch, int hidden, int layers, int heads, int mlp) {}

    /** torchvision's {@code vit_b_16}. */
    static final VitConfig VIT_B_16 = new VitConfig(16, 768, 12, 12, 3072);

    /** A ViT-Tiny (DeiT-Tiny's shape, not a torchvision model): 192 wide, 12 blocks, 3 heads. */
    static final VitConfig VIT_TINY = new VitConfig(16, 192, 12, 3, 768);

    /**
     * A Vision Transformer: patch embedding {@code conv_proj} (a patch x patch stride-patch
     * convolution), the class token first, the position embedding, encoder blocks ({@code
     * encoder.layers.encoder_layer_i}: LayerNorm, multi-head self-attention, residual, LayerNorm,
     * MLP with GELU, residual), the final LayerNorm {@code encoder.ln}, the class token ({@code
     * x[:, 0]}) and the head {@code heads.head}. Weights as torchvision draws them: {@code
     * conv_proj} truncated normal with std sqrt(1 / fan_in), attention in-projection and MLP Xavier
     * uniform, the MLP biases N(0, 1e-6), the position embedding N(0, 0.02), the class token and
     * the head zero (so a fresh model's logits are all 0 until its head is trained).
     *
     * @throws IllegalArgumentException when the input side is not a multiple of the patch side
     */
    static ModelProto vit(String name, VitConfig c, int classes, int size, long seed) {
        if (size % c.patch() != 0) {
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "Input size %d for %s must be a multiple of its patch side %d",
                            size,
                            name,
                            c.patch()));
        }
        GraphBuilder g = new GraphBuilder(name, size, seed, GraphBuilder.OPSET_LAYER_NORM);
        int d = c.hidden();
        int grid = size / c.patch();
        int tokens = grid * grid + 1;
        String x =
                g.conv(
                        GraphBuilder.INPUT,
                        "conv_proj",
                        3,
                        d,
                        c.patch(),
                        c.patch(),
                        0,
                        1,
                        Init.TRUNC_NORMAL_FAN_IN,
                        BiasInit.ZEROS);
        x = g.reshape(x, "reshape", 0, d, grid * grid);
        x = g.transpose(x, "permute", 0, 2, 1);
        String token = g.parameter("class_token", new long[] {1, 1, d}, null, 0f);
        token = g.expandToBatch(token, x, "class_token", 1, d);
        x = g.concat(List.of(token, x), "cat", 1);
        String pos =
                g.parameter("encoder.pos_embedding", new long[] {1, tokens, d}, Init.NORMAL_002, 0);
        x = g.add(x, pos, "encoder");
        for (int i = 0; i < c.layers(); i++) {
            String p = "encoder.layers.encoder_layer_" + i;
            String y = g.layerNorm(x, p + ".ln_1", d, VIT_EPS);
            y = selfAttention(g, y, p + ".self_attention", d, c.heads(), tokens);
            x = g.add(y, x, p);
            y = g.layerNorm(x, p + ".ln_2", d, VIT_EPS);
            y =
                    g.linearMatMul(
                            y, p + ".mlp.0", d, c.mlp(), Init.XAVIER_UNIFORM, BiasInit.NORMAL_1E6);
            y = g.gelu(y, p + ".mlp.1");
            y =
                    g.linearMatMul(
                            y, p + ".mlp.3", c.mlp(), d, Init.XAVIER_UNIFORM, BiasInit.NORMAL_1E6);
            x = g.add(x, y, p);
        }
        x = g.layerNorm(x, "encoder.ln", d, VIT_EPS);
        x = g.select(x, "class", 1, 0);
        x = g.linear(x, "heads.head", d, classes, Init.ZEROS, BiasInit.ZEROS);
        return g.build(x, classes);
    }

    /**
     * {@code nn.MultiheadAttention(d, heads, batch_first=True)} on {@code [N, T, d]}: one
     * in-projection to q, k and v, {@code softmax(q k^T / sqrt(d / heads)) v} per head, the output
     * projection {@code out_proj} (a Gemm on {@code [N * T, d]}, as exported).
     */
    private static String selfAttention(
            GraphBuilder g, String x, String p, int d, int heads, int tokens) {
        int hd = d / heads;
        String qkv =
                g.linearMatMul(
                        x,
                        p,
                        p + ".in_proj_weight_t",
                        p + ".in_proj_bias",
                        d,
                        3 * d,
                        Init.XAVIER_UNIFORM,
                        BiasInit.ZEROS);
        String y = attention(g, qkv, p, heads, hd, tokens, null, null);
        y = g.reshape(y, p, -1, d);
        y = g.linear(y, p + ".out_proj", d, d, Init.TORCH_DEFAULT, BiasInit.ZEROS);
        return g.reshape(y, p, -1, tokens, d);
    }

    /**
     * Scaled dot-product attention from a {@code [B, T, 3 * heads * hd]} in-projection: {@code [B,
     * T, heads * hd]}, with an additive bias {@code [1, heads, T, T]} and a window mask {@code [1,
     * windows, 1, T, T]} when given.
     */
    private static String attention(
            GraphBuilder g,
            String qkv,
            String p,
            int heads,
            int hd,
            int tokens,
            String bias,
            WindowMask mask) {
        String t = g.reshape(qkv, p, -1, tokens, 3, heads, hd);
        t = g.transpose(t, p, 2, 0, 3, 1, 4);
        String q = g.select(t, p, 0, 0);
        String k = g.select(t, p, 0, 1);
        String v = g.select(t, p, 0, 2);
        q = g.divide(q, (float) Math.sqrt(hd), p);
        String a = g.matMul(q, g.transpose(k, p, 0, 1, 3, 2), p);
        if (bias != null) {
            a = g.add(a, bias, p);
        }
        if (mask != null) {
            a = g.reshape(a, p, -1, mask.windows(), heads, tokens, tokens);
            a = g.add(a, mask.tensor(), p);
            a = g.reshape(a, p, -1, heads, tokens, tokens);
        }
        a = g.softmax(a, p);
        String y = g.matMul(a, v, p);
        y = g.transpose(y, p, 0, 2, 1, 3);
        return g.reshape(y, p, -1, tokens, heads * hd);
    }

    private record WindowMask(String tensor, int windows) {}

    // ---------------------------------------------------------------- Swin

    /**
     * The shape of a Swin Transformer (version 1, 4x4 patches): the first stage's width (each later
     * stage twice the one before), each stage's depth and heads, the window side.
     */
    record SwinConfig(int dim, int[] depths, int[] heads, int window) {}

    /** torchvision's {@code swin_t}. */
    static final SwinConfig SWIN_T =
            new SwinConfig(96, new int[] {2, 2, 6, 2}, new int[] {3, 6, 12, 24}, 7);

    /**
     * A Swin Transformer, as {@link #SWIN_T} for Swin-T: a 4x4 stride-4 patch embedding {@code
     * features.0} with LayerNorm (channels last from there on), four stages of 2, 2, 6 and 2 Swin
     * blocks 96, 192, 384 and 768 wide with 3, 6, 12 and 24 heads and 7x7 windows (every second
     * block shifted by 3), patch merging between stages (2x2 neighbours concatenated, LayerNorm,
     * Linear to twice the width without bias), the final LayerNorm {@code norm}, global average
     * pooling and {@code head}. Linear weights {@code trunc_normal_(std=0.02)} with zero biases,
     * the relative position bias tables too, the patch embedding PyTorch's default.
     */
    static ModelProto swin(String name, SwinConfig c, int classes, int size, long seed) {
        GraphBuilder g = new GraphBuilder(name, size, seed, GraphBuilder.OPSET_LAYER_NORM);
        int[] depths = c.depths();
        int[] heads = c.heads();
        int window = c.window();
        int dim = c.dim();
        String x =
                g.conv(
                        GraphBuilder.INPUT,
                        "features.0.0",
                        3,
                        dim,
                        4,
                        4,
                        0,
                        1,
                        Init.TORCH_DEFAULT,
                        BiasInit.TORCH_DEFAULT);
        int h = size / 4;
        int w = size / 4;
        x = g.transpose(x, "features.0.1", 0, 2, 3, 1);
        x = g.layerNorm(x, "features.0.2", dim, SWIN_EPS);
        int index = 1;
        for (int s = 0; s < depths.length; s++) {
            for (int b = 0; b < depths[s]; b++) {
                String p = "features." + index + "." + b;
                int shift = b % 2 == 0 ? 0 : window / 2;
                x = swinBlock(g, x, p, dim, heads[s], window, shift, h, w);
            }
            index++;
            if (s + 1 < depths.length) {
                x = patchMerging(g, x, "features." + index++, dim, h, w);
                h = (h + 1) / 2;
                w = (w + 1) / 2;
                dim *= 2;
            }
        }
        x = g.layerNorm(x, "norm", dim, SWIN_EPS);
        x = g.transpose(x, "permute", 0, 3, 1, 2);
        x = g.globalAveragePool(x, "avgpool");
        x = g.flatten(x, "flatten");
        x = g.linear(x, "head", dim, classes, Init.TRUNC_NORMAL_002, BiasInit.ZEROS);
        return g.build(x, classes);
    }

    private static String swinBlock(
            GraphBuilder g,
            String x,
            String p,
            int dim,
            int heads,
            int window,
            int shift,
            int h,
            int w) {
        String y = g.layerNorm(x, p + ".norm1", dim, SWIN_EPS);
        y = windowAttention(g, y, p + ".attn", dim, heads, window, shift, h, w);
        x = g.add(x, y, p);
        y = g.layerNorm(x, p + ".norm2", dim, SWIN_EPS);
        Init tn = Init.TRUNC_NORMAL_002;
        y = g.linearMatMul(y, p + ".mlp.0", dim, 4 * dim, tn, BiasInit.ZEROS);
        y = g.gelu(y, p + ".mlp.1");
        y = g.linearMatMul(y, p + ".mlp.3", 4 * dim, dim, tn, BiasInit.ZEROS);
        return g.add(x, y, p);
    }

    /**
     * torchvision's {@code shifted_window_attention} on {@code [N, h, w, dim]}: pad to whole
     * windows, roll by {@code -shift} (no shift where a window covers the map), split into windows,
     * attention with the relative position bias and the shifted-window mask, merge, roll back,
     * crop.
     */
    private static String windowAttention(
            GraphBuilder g,
            String x,
            String p,
            int dim,
            int heads,
            int window,
            int shift,
            int h,
            int w) {
        int padB = (window - h % window) % window;
        int padR = (window - w % window) % window;
        int ph = h + padB;
        int pw = w + padR;
        if (padB > 0 || padR > 0) {
            x = g.pad(x, p, 0, 0, 0, 0, 0, padB, padR, 0);
        }
        int shiftH = window >= ph ? 0 : shift;
        int shiftW = window >= pw ? 0 : shift;
        x = roll(g, x, p, shiftH, shiftW, ph, pw, false);
        int nh = ph / window;
        int nw = pw / window;
        int tokens = window * window;
        x = g.reshape(x, p, -1, nh, window, nw, window, dim);
        x = g.transpose(x, p, 0, 1, 3, 2, 4, 5);
        x = g.reshape(x, p, -1, tokens, dim);
        Init tn = Init.TRUNC_NORMAL_002;
        String qkv = g.linearMatMul(x, p + ".qkv", dim, 3 * dim, tn, BiasInit.ZEROS);
        int side = 2 * window - 1;
        String table =
                g.parameter(
                        p + ".relative_position_bias_table",
                        new long[] {(long) side * side, heads},
                        tn,
                        0);
        String bias =
                g.gatherConstant(table, p, new long[] {tokens * tokens}, relativeIndex(window));
        bias = g.reshape(bias, p, tokens, tokens, heads);
        bias = g.transpose(bias, p, 2, 0, 1);
        bias = g.reshape(bias, p, 1, heads, tokens, tokens);
        WindowMask mask =
                shiftH + shiftW > 0
                        ? new WindowMask(
                                g.floatConstant(
                                        p,
                                        new long[] {1, nh * nw, 1, tokens, tokens},
                                        shiftMask(ph, pw, window, shiftH, shiftW)),
                                nh * nw)
                        : null;
        String y = attention(g, qkv, p, heads, dim / heads, tokens, bias, mask);
        y = g.linearMatMul(y, p + ".proj", dim, dim, tn, BiasInit.ZEROS);
        y = g.reshape(y, p, -1, nh, nw, window, window, dim);
        y = g.transpose(y, p, 0, 1, 3, 2, 4, 5);
        y = g.reshape(y, p, -1, ph, pw, dim);
        y = roll(g, y, p, shiftH, shiftW, ph, pw, true);
        if (padB > 0) {
            y = g.slice(y, p, 1, 0, h);
        }
        if (padR > 0) {
            y = g.slice(y, p, 2, 0, w);
        }
        return y;
    }

    /** {@code torch.roll} on axes 1 and 2 by {@code -sh, -sw} (back: {@code +sh, +sw}). */
    private static String roll(
            GraphBuilder g, String x, String p, int sh, int sw, int h, int w, boolean back) {
        if (sh > 0) {
            int cut = back ? h - sh : sh;
            x = g.concat(List.of(g.slice(x, p, 1, cut, h), g.slice(x, p, 1, 0, cut)), p, 1);
        }
        if (sw > 0) {
            int cut = back ? w - sw : sw;
            x = g.concat(List.of(g.slice(x, p, 2, cut, w), g.slice(x, p, 2, 0, cut)), p, 2);
        }
        return x;
    }

    /** torchvision's {@code relative_position_index} for a square window, flattened. */
    static long[] relativeIndex(int window) {
        int n = window * window;
        long[] index = new long[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                int dh = i / window - j / window + window - 1;
                int dw = i % window - j % window + window - 1;
                index[i * n + j] = (long) dh * (2 * window - 1) + dw;
            }
        }
        return index;
    }

    /**
     * The shifted-window mask, {@code [windows, T, T]} flattened: 0 between tokens of the same
     * region of the rolled map, -100 between tokens of different regions, as torchvision computes
     * it.
     */
    static float[] shiftMask(int h, int w, int window, int sh, int sw) {
        int[] region = new int[h * w];
        int[] hEdges = {0, h - window, h - sh, h};
        int[] wEdges = {0, w - window, w - sw, w};
        int count = 0;
        for (int a = 0; a < 3; a++) {
            for (int b = 0; b < 3; b++) {
                for (int i = hEdges[a]; i < hEdges[a + 1]; i++) {
                    for (int j = wEdges[b]; j < wEdges[b + 1]; j++) {
                        region[i * w + j] = count;
                    }
                }
                count++;
            }
        }
        int nh = h / window;
        int nw = w / window;
        int t = window * window;
        float[] mask = new float[nh * nw * t * t];
        for (int wi = 0; wi < nh; wi++) {
            for (int wj = 0; wj < nw; wj++) {
                int base = (wi * nw + wj) * t * t;
                for (int a = 0; a < t; a++) {
                    int ra = region[(wi * window + a / window) * w + wj * window + a % window];
                    for (int b = 0; b < t; b++) {
                        int rb = region[(wi * window + b / window) * w + wj * window + b % window];
                        mask[base + a * t + b] = ra == rb ? 0f : -100f;
                    }
                }
            }
        }
        return mask;
    }

    /**
     * torchvision's {@code PatchMerging} on {@code [N, h, w, dim]}: pad to even sides, the four 2x2
     * neighbours concatenated ({@code x[0::2, 0::2]}, {@code x[1::2, 0::2]}, {@code x[0::2, 1::2]},
     * {@code x[1::2, 1::2]}), LayerNorm {@code p.norm}, Linear {@code p.reduction} to twice the
     * width without bias.
     */
    private static String patchMerging(GraphBuilder g, String x, String p, int dim, int h, int w) {
        if (h % 2 == 1 || w % 2 == 1) {
            x = g.pad(x, p, 0, 0, 0, 0, 0, h % 2, w % 2, 0);
        }
        int ph = h + h % 2;
        int pw = w + w % 2;
        // [N, ph/2, 2, pw/2, 2, dim]: axis 2 picks the row parity, axis 4 the column parity
        String t = g.reshape(x, p, -1, ph / 2, 2, pw / 2, 2, dim);
        // cat order (row, column): (0,0), (1,0), (0,1), (1,1) = column-major over the parities
        t = g.transpose(t, p, 0, 1, 3, 4, 2, 5);
        t = g.reshape(t, p, -1, ph / 2, pw / 2, 4 * dim);
        t = g.layerNorm(t, p + ".norm", 4 * dim, SWIN_EPS);
        return g.linearMatMulNoBias(t, p + ".reduction", 4 * dim, 2 * dim, Init.TRUNC_NORMAL_002);
    }
}
