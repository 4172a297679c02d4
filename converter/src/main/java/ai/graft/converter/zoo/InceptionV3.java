package ai.graft.converter.zoo;

import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.zoo.GraphBuilder.BiasInit;
import ai.graft.converter.zoo.GraphBuilder.Init;
import java.util.List;

/**
 * torchvision's Inception v3 ({@code Inception3}, torchvision 0.14+ definitions): the stem {@code
 * Conv2d_1a_3x3} to {@code Conv2d_4a_3x3}, the modules {@code Mixed_5b} to {@code Mixed_7c}, global
 * average pooling, dropout and {@code fc}.
 *
 * <p>Every convolution is a BasicConv2d (conv without bias, BatchNorm with eps 0.001, ReLU);
 * weights are drawn as torchvision's constructor draws them, {@code trunc_normal_(std=0.1)} for
 * convolutions and {@code fc}, 0.001 for the auxiliary classifier's {@code fc}; linear biases keep
 * PyTorch's default. {@code transform_input} is off, as for a fresh torchvision model: the graph
 * expects ImageNet-normalised input and has no input transform.
 *
 * <p>With {@code aux}, the auxiliary classifier {@code AuxLogits} reads {@code Mixed_6e} and writes
 * a second output {@value #AUX_OUTPUT}, so that the graph holds every parameter of torchvision's
 * default {@code inception_v3(aux_logits=True)}; without it, the graph holds the parameters that
 * model uses in eval mode, the ones its ONNX export keeps (the auxiliary branch runs only in
 * training).
 *
 * <p>The nodes follow the module's forward pass: each padded average pooling is one AveragePool
 * with {@code count_include_pad=1}, and InceptionE's inner concatenations stay Concat nodes of
 * their own, where the exporter of PyTorch 1.13 writes a Pad before an unpadded AveragePool and
 * merges the nested Concats; the values are the same.
 */
final class InceptionV3 {
    private InceptionV3() {}

    /** The input side Inception v3 was trained at, and its default here. */
    static final int DEFAULT_INPUT_SIZE = 299;

    /**
     * The smallest input side: {@code Mixed_7a}'s stride-2 3x3 convolutions need a 3x3 map at
     * {@code Mixed_6e} (torchvision's {@code min_size}).
     */
    static final int MIN_INPUT_SIZE = 75;

    /**
     * The smallest input side with the auxiliary classifier: its 5x5 convolution, after a 5x5
     * stride-3 average pooling, needs {@code Mixed_6e} at 17x17, which only 299 and more give.
     */
    static final int MIN_INPUT_SIZE_AUX = 299;

    /** The name of the auxiliary classifier's output. */
    static final String AUX_OUTPUT = "aux_logits";

    private static final Init STD_01 = Init.TRUNC_NORMAL_01;

    /**
     * Builds the model.
     *
     * @param name the graph's name
     * @param aux whether the auxiliary classifier and its output are included
     * @param classes the class count
     * @param size the input side, at least {@link #MIN_INPUT_SIZE} ({@link #MIN_INPUT_SIZE_AUX}
     *     with {@code aux})
     * @param seed the weights' seed
     * @return the model
     */
    static ModelProto build(String name, boolean aux, int classes, int size, long seed) {
        GraphBuilder g = new GraphBuilder(name, size, seed);
        String x = conv(g, GraphBuilder.INPUT, "Conv2d_1a_3x3", 3, 32, 3, 2, 0);
        x = conv(g, x, "Conv2d_2a_3x3", 32, 32, 3, 1, 0);
        x = conv(g, x, "Conv2d_2b_3x3", 32, 64, 3, 1, 1);
        x = g.maxPool(x, "maxpool1", 3, 2, 0, false);
        x = conv(g, x, "Conv2d_3b_1x1", 64, 80, 1, 1, 0);
        x = conv(g, x, "Conv2d_4a_3x3", 80, 192, 3, 1, 0);
        x = g.maxPool(x, "maxpool2", 3, 2, 0, false);
        x = inceptionA(g, x, "Mixed_5b", 192, 32);
        x = inceptionA(g, x, "Mixed_5c", 256, 64);
        x = inceptionA(g, x, "Mixed_5d", 288, 64);
        x = inceptionB(g, x, "Mixed_6a", 288);
        x = inceptionC(g, x, "Mixed_6b", 768, 128);
        x = inceptionC(g, x, "Mixed_6c", 768, 160);
        x = inceptionC(g, x, "Mixed_6d", 768, 160);
        x = inceptionC(g, x, "Mixed_6e", 768, 192);
        if (aux) {
            g.addOutput(auxLogits(g, x, "AuxLogits", 768, classes), AUX_OUTPUT, classes);
        }
        x = inceptionD(g, x, "Mixed_7a", 768);
        x = inceptionE(g, x, "Mixed_7b", 1280);
        x = inceptionE(g, x, "Mixed_7c", 2048);
        x = g.globalAveragePool(x, "avgpool");
        x = g.dropout(x, "dropout", 0.5f);
        x = g.flatten(x, "flatten");
        x = g.linear(x, "fc", 2048, classes, STD_01, BiasInit.TORCH_DEFAULT);
        return g.build(x, classes);
    }

    /** InceptionA: 1x1, 5x5, double 3x3 and average-pooled branches. */
    private static String inceptionA(GraphBuilder g, String x, String p, int in, int poolFeatures) {
        String b1 = conv(g, x, p + ".branch1x1", in, 64, 1, 1, 0);
        String b5 = conv(g, x, p + ".branch5x5_1", in, 48, 1, 1, 0);
        b5 = conv(g, b5, p + ".branch5x5_2", 48, 64, 5, 1, 2);
        String b3 = conv(g, x, p + ".branch3x3dbl_1", in, 64, 1, 1, 0);
        b3 = conv(g, b3, p + ".branch3x3dbl_2", 64, 96, 3, 1, 1);
        b3 = conv(g, b3, p + ".branch3x3dbl_3", 96, 96, 3, 1, 1);
        String bp = g.avgPool(x, p, 3, 1, 1);
        bp = conv(g, bp, p + ".branch_pool", in, poolFeatures, 1, 1, 0);
        return g.concat(List.of(b1, b5, b3, bp), p);
    }

    /** InceptionB (grid reduction): stride-2 3x3, double 3x3 and max-pooled branches. */
    private static String inceptionB(GraphBuilder g, String x, String p, int in) {
        String b3 = conv(g, x, p + ".branch3x3", in, 384, 3, 2, 0);
        String bd = conv(g, x, p + ".branch3x3dbl_1", in, 64, 1, 1, 0);
        bd = conv(g, bd, p + ".branch3x3dbl_2", 64, 96, 3, 1, 1);
        bd = conv(g, bd, p + ".branch3x3dbl_3", 96, 96, 3, 2, 0);
        String bp = g.maxPool(x, p, 3, 2, 0, false);
        return g.concat(List.of(b3, bd, bp), p);
    }

    /** InceptionC: 7x7 convolutions factorised into 1x7 and 7x1. */
    private static String inceptionC(GraphBuilder g, String x, String p, int in, int c7) {
        String b1 = conv(g, x, p + ".branch1x1", in, 192, 1, 1, 0);
        String b7 = conv(g, x, p + ".branch7x7_1", in, c7, 1, 1, 0);
        b7 = conv1xN(g, b7, p + ".branch7x7_2", c7, c7, 7);
        b7 = convNx1(g, b7, p + ".branch7x7_3", c7, 192, 7);
        String bd = conv(g, x, p + ".branch7x7dbl_1", in, c7, 1, 1, 0);
        bd = convNx1(g, bd, p + ".branch7x7dbl_2", c7, c7, 7);
        bd = conv1xN(g, bd, p + ".branch7x7dbl_3", c7, c7, 7);
        bd = convNx1(g, bd, p + ".branch7x7dbl_4", c7, c7, 7);
        bd = conv1xN(g, bd, p + ".branch7x7dbl_5", c7, 192, 7);
        String bp = g.avgPool(x, p, 3, 1, 1);
        bp = conv(g, bp, p + ".branch_pool", in, 192, 1, 1, 0);
        return g.concat(List.of(b1, b7, bd, bp), p);
    }

    /** InceptionD (grid reduction): 3x3 and 7x7-then-3x3 branches at stride 2, max pooling. */
    private static String inceptionD(GraphBuilder g, String x, String p, int in) {
        String b3 = conv(g, x, p + ".branch3x3_1", in, 192, 1, 1, 0);
        b3 = conv(g, b3, p + ".branch3x3_2", 192, 320, 3, 2, 0);
        String b7 = conv(g, x, p + ".branch7x7x3_1", in, 192, 1, 1, 0);
        b7 = conv1xN(g, b7, p + ".branch7x7x3_2", 192, 192, 7);
        b7 = convNx1(g, b7, p + ".branch7x7x3_3", 192, 192, 7);
        b7 = conv(g, b7, p + ".branch7x7x3_4", 192, 192, 3, 2, 0);
        String bp = g.maxPool(x, p, 3, 2, 0, false);
        return g.concat(List.of(b3, b7, bp), p);
    }

    /** InceptionE: 3x3 branches that split into parallel 1x3 and 3x1 convolutions. */
    private static String inceptionE(GraphBuilder g, String x, String p, int in) {
        String b1 = conv(g, x, p + ".branch1x1", in, 320, 1, 1, 0);
        String b3 = conv(g, x, p + ".branch3x3_1", in, 384, 1, 1, 0);
        b3 =
                g.concat(
                        List.of(
                                conv1xN(g, b3, p + ".branch3x3_2a", 384, 384, 3),
                                convNx1(g, b3, p + ".branch3x3_2b", 384, 384, 3)),
                        p);
        String bd = conv(g, x, p + ".branch3x3dbl_1", in, 448, 1, 1, 0);
        bd = conv(g, bd, p + ".branch3x3dbl_2", 448, 384, 3, 1, 1);
        bd =
                g.concat(
                        List.of(
                                conv1xN(g, bd, p + ".branch3x3dbl_3a", 384, 384, 3),
                                convNx1(g, bd, p + ".branch3x3dbl_3b", 384, 384, 3)),
                        p);
        String bp = g.avgPool(x, p, 3, 1, 1);
        bp = conv(g, bp, p + ".branch_pool", in, 192, 1, 1, 0);
        return g.concat(List.of(b1, b3, bd, bp), p);
    }

    /** InceptionAux: 5x5 stride-3 average pooling, 1x1 and 5x5 convolutions, a linear layer. */
    private static String auxLogits(GraphBuilder g, String x, String p, int in, int classes) {
        String y = g.avgPool(x, p, 5, 3, 0);
        y = conv(g, y, p + ".conv0", in, 128, 1, 1, 0);
        // torchvision sets stddev 0.01 on the BasicConv2d, not on its Conv2d, which its init loop
        // looks at: the weights are drawn with the default 0.1
        y = conv(g, y, p + ".conv1", 128, 768, 5, 1, 0);
        y = g.globalAveragePool(y, p);
        y = g.flatten(y, p);
        return g.linear(y, p + ".fc", 768, classes, Init.TRUNC_NORMAL_0001, BiasInit.TORCH_DEFAULT);
    }

    /** A square BasicConv2d with Inception's default init. */
    private static String conv(
            GraphBuilder g, String x, String p, int in, int out, int k, int stride, int pad) {
        return Architectures.basicConv(g, x, p, in, out, k, k, stride, pad, pad, STD_01);
    }

    /** A 1 x n BasicConv2d that keeps the map's size. */
    private static String conv1xN(GraphBuilder g, String x, String p, int in, int out, int n) {
        return Architectures.basicConv(g, x, p, in, out, 1, n, 1, 0, n / 2, STD_01);
    }

    /** An n x 1 BasicConv2d that keeps the map's size. */
    private static String convNx1(GraphBuilder g, String x, String p, int in, int out, int n) {
        return Architectures.basicConv(g, x, p, in, out, n, 1, 1, n / 2, 0, STD_01);
    }
}
