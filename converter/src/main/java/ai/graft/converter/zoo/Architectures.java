package ai.graft.converter.zoo;

import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.zoo.GraphBuilder.BiasInit;
import ai.graft.converter.zoo.GraphBuilder.Init;
import java.util.List;

/**
 * The torchvision architectures, each written as its module's forward pass (torchvision 0.14+
 * definitions). Names follow the modules' {@code state_dict} keys so that the weights of a
 * torchvision export fit position by position and name by name. Inception v3, the largest, has its
 * own class, {@link InceptionV3}.
 */
final class Architectures {
    private Architectures() {}

    private static final float BN_EPS = 1e-5f;

    // ---------------------------------------------------------------- small CNN

    /**
     * A small CNN for small images and quick runs (not a torchvision model): four blocks of 3x3
     * convolution (16, 32, 64, 128 channels), BatchNorm and ReLU, the first three followed by 2x2
     * max pooling, then global average pooling and a linear classifier {@code fc}. About 9 M
     * multiply-adds at 48 x 48, 100 k parameters.
     */
    static ModelProto smallCnn(int classes, int size, long seed) {
        GraphBuilder g = new GraphBuilder("smallcnn", size, seed);
        Init kn = Init.KAIMING_NORMAL_FAN_OUT;
        int[] widths = {16, 32, 64, 128};
        String x = GraphBuilder.INPUT;
        int in = 3;
        for (int i = 0; i < widths.length; i++) {
            String p = "features." + i;
            x = g.conv(x, p + ".conv", in, widths[i], 3, 1, 1, 1, kn, BiasInit.NONE);
            x = g.batchNorm(x, p + ".bn", widths[i], BN_EPS);
            x = g.relu(x, p + ".relu");
            if (i < widths.length - 1) {
                x = g.maxPool(x, p + ".pool", 2, 2, 0, false);
            }
            in = widths[i];
        }
        x = g.globalAveragePool(x, "avgpool");
        x = g.flatten(x, "flatten");
        x = g.linear(x, "fc", in, classes, Init.TORCH_DEFAULT, BiasInit.TORCH_DEFAULT);
        return g.build(x, classes);
    }

    // ---------------------------------------------------------------- SqueezeNet 1.1

    static ModelProto squeezenet11(int classes, int size, long seed) {
        GraphBuilder g = new GraphBuilder("squeezenet1_1", size, seed);
        String x = g.conv(GraphBuilder.INPUT, "features.0", 3, 64, 3, 2, 0, 1, SQ, BiasInit.ZEROS);
        x = g.relu(x, "features.1");
        x = g.maxPool(x, "features.2", 3, 2, 0, true);
        x = fire(g, x, "features.3", 64, 16, 64);
        x = fire(g, x, "features.4", 128, 16, 64);
        x = g.maxPool(x, "features.5", 3, 2, 0, true);
        x = fire(g, x, "features.6", 128, 32, 128);
        x = fire(g, x, "features.7", 256, 32, 128);
        x = g.maxPool(x, "features.8", 3, 2, 0, true);
        x = fire(g, x, "features.9", 256, 48, 192);
        x = fire(g, x, "features.10", 384, 48, 192);
        x = fire(g, x, "features.11", 384, 64, 256);
        x = fire(g, x, "features.12", 512, 64, 256);
        x = g.dropout(x, "classifier.0", 0.5f);
        x = g.conv(x, "classifier.1", 512, classes, 1, 1, 0, 1, Init.NORMAL_001, BiasInit.ZEROS);
        x = g.relu(x, "classifier.2");
        x = g.globalAveragePool(x, "classifier.3");
        x = g.flatten(x, "flatten");
        return g.build(x, classes);
    }

    private static final Init SQ = Init.KAIMING_UNIFORM;

    private static String fire(GraphBuilder g, String x, String p, int in, int squeeze, int e) {
        String s = g.conv(x, p + ".squeeze", in, squeeze, 1, 1, 0, 1, SQ, BiasInit.ZEROS);
        s = g.relu(s, p + ".squeeze_activation");
        String a = g.conv(s, p + ".expand1x1", squeeze, e, 1, 1, 0, 1, SQ, BiasInit.ZEROS);
        a = g.relu(a, p + ".expand1x1_activation");
        String b = g.conv(s, p + ".expand3x3", squeeze, e, 3, 1, 1, 1, SQ, BiasInit.ZEROS);
        b = g.relu(b, p + ".expand3x3_activation");
        return g.concat(List.of(a, b), p);
    }

    // ---------------------------------------------------------------- ResNet

    static ModelProto resnet(
            String name, boolean bottleneck, int[] blocks, int classes, int size, long seed) {
        GraphBuilder g = new GraphBuilder(name, size, seed);
        Init kn = Init.KAIMING_NORMAL_FAN_OUT;
        String x = g.conv(GraphBuilder.INPUT, "conv1", 3, 64, 7, 2, 3, 1, kn, BiasInit.NONE);
        x = g.batchNorm(x, "bn1", 64, BN_EPS);
        x = g.relu(x, "relu");
        x = g.maxPool(x, "maxpool", 3, 2, 1, false);
        int expansion = bottleneck ? 4 : 1;
        int inplanes = 64;
        for (int layer = 0; layer < 4; layer++) {
            int planes = 64 << layer;
            for (int b = 0; b < blocks[layer]; b++) {
                int stride = layer > 0 && b == 0 ? 2 : 1;
                String p = "layer" + (layer + 1) + "." + b;
                boolean down = b == 0 && (stride != 1 || inplanes != planes * expansion);
                x =
                        bottleneck
                                ? bottleneck(g, x, p, inplanes, planes, stride, down)
                                : basicBlock(g, x, p, inplanes, planes, stride, down);
                inplanes = planes * expansion;
            }
        }
        x = g.globalAveragePool(x, "avgpool");
        x = g.flatten(x, "flatten");
        x = g.linear(x, "fc", inplanes, classes, Init.TORCH_DEFAULT, BiasInit.TORCH_DEFAULT);
        return g.build(x, classes);
    }

    private static String basicBlock(
            GraphBuilder g, String x, String p, int in, int planes, int stride, boolean down) {
        Init kn = Init.KAIMING_NORMAL_FAN_OUT;
        String y = g.conv(x, p + ".conv1", in, planes, 3, stride, 1, 1, kn, BiasInit.NONE);
        y = g.batchNorm(y, p + ".bn1", planes, BN_EPS);
        y = g.relu(y, p + ".relu");
        y = g.conv(y, p + ".conv2", planes, planes, 3, 1, 1, 1, kn, BiasInit.NONE);
        y = g.batchNorm(y, p + ".bn2", planes, BN_EPS);
        String identity = down ? downsample(g, x, p, in, planes, stride) : x;
        return g.relu(g.add(y, identity, p), p + ".relu");
    }

    private static String bottleneck(
            GraphBuilder g, String x, String p, int in, int planes, int stride, boolean down) {
        Init kn = Init.KAIMING_NORMAL_FAN_OUT;
        int out = planes * 4;
        String y = g.conv(x, p + ".conv1", in, planes, 1, 1, 0, 1, kn, BiasInit.NONE);
        y = g.batchNorm(y, p + ".bn1", planes, BN_EPS);
        y = g.relu(y, p + ".relu");
        // torchvision's ResNet v1.5: the stride sits on the 3x3 convolution
        y = g.conv(y, p + ".conv2", planes, planes, 3, stride, 1, 1, kn, BiasInit.NONE);
        y = g.batchNorm(y, p + ".bn2", planes, BN_EPS);
        y = g.relu(y, p + ".relu");
        y = g.conv(y, p + ".conv3", planes, out, 1, 1, 0, 1, kn, BiasInit.NONE);
        y = g.batchNorm(y, p + ".bn3", out, BN_EPS);
        String identity = down ? downsample(g, x, p, in, out, stride) : x;
        return g.relu(g.add(y, identity, p), p + ".relu");
    }

    private static String downsample(
            GraphBuilder g, String x, String p, int in, int out, int stride) {
        String d =
                g.conv(
                        x,
                        p + ".downsample.0",
                        in,
                        out,
                        1,
                        stride,
                        0,
                        1,
                        Init.KAIMING_NORMAL_FAN_OUT,
                        BiasInit.NONE);
        return g.batchNorm(d, p + ".downsample.1", out, BN_EPS);
    }

    // ---------------------------------------------------------------- MobileNet V2

    static ModelProto mobilenetV2(int classes, int size, long seed) {
        GraphBuilder g = new GraphBuilder("mobilenet_v2", size, seed);
        int[][] settings = { // t, c, n, s
            {1, 16, 1, 1},
            {6, 24, 2, 2},
            {6, 32, 3, 2},
            {6, 64, 4, 2},
            {6, 96, 3, 1},
            {6, 160, 3, 2},
            {6, 320, 1, 1}
        };
        String x = convBnRelu6(g, GraphBuilder.INPUT, "features.0", 3, 32, 3, 2, 1);
        int in = 32;
        int index = 1;
        for (int[] s : settings) {
            for (int i = 0; i < s[2]; i++) {
                int stride = i == 0 ? s[3] : 1;
                x = invertedResidual(g, x, "features." + index++, in, s[1], stride, s[0]);
                in = s[1];
            }
        }
        x = convBnRelu6(g, x, "features." + index, in, 1280, 1, 1, 1);
        x = g.globalAveragePool(x, "avgpool");
        x = g.flatten(x, "flatten");
        x = g.dropout(x, "classifier.0", 0.2f);
        x = g.linear(x, "classifier.1", 1280, classes, Init.NORMAL_001, BiasInit.ZEROS);
        return g.build(x, classes);
    }

    private static String convBnRelu6(
            GraphBuilder g, String x, String p, int in, int out, int k, int stride, int groups) {
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
        y = g.batchNorm(y, p + ".1", out, BN_EPS);
        return g.relu6(y, p + ".2");
    }

    private static String invertedResidual(
            GraphBuilder g, String x, String p, int in, int out, int stride, int expand) {
        int hidden = in * expand;
        String y = x;
        int j = 0;
        String c = p + ".conv.";
        if (expand != 1) {
            y = convBnRelu6(g, y, c + j++, in, hidden, 1, 1, 1);
        }
        y = convBnRelu6(g, y, c + j++, hidden, hidden, 3, stride, hidden);
        y = g.conv(y, c + j++, hidden, out, 1, 1, 0, 1, Init.KAIMING_NORMAL_FAN_OUT, BiasInit.NONE);
        y = g.batchNorm(y, c + j, out, BN_EPS);
        return stride == 1 && in == out ? g.add(x, y, p) : y;
    }

    // ---------------------------------------------------------------- EfficientNet B0

    static ModelProto efficientnetB0(int classes, int size, long seed) {
        GraphBuilder g = new GraphBuilder("efficientnet_b0", size, seed);
        int[][] stages = { // expand, kernel, stride, in, out, layers
            {1, 3, 1, 32, 16, 1},
            {6, 3, 2, 16, 24, 2},
            {6, 5, 2, 24, 40, 2},
            {6, 3, 2, 40, 80, 3},
            {6, 5, 1, 80, 112, 3},
            {6, 5, 2, 112, 192, 4},
            {6, 3, 1, 192, 320, 1}
        };
        String x = convBnSilu(g, GraphBuilder.INPUT, "features.0", 3, 32, 3, 2, 1, true);
        for (int s = 0; s < stages.length; s++) {
            int[] st = stages[s];
            for (int i = 0; i < st[5]; i++) {
                int in = i == 0 ? st[3] : st[4];
                int stride = i == 0 ? st[2] : 1;
                String p = "features." + (s + 1) + "." + i + ".block";
                x = mbConv(g, x, p, in, st[4], st[0], st[1], stride);
            }
        }
        x = convBnSilu(g, x, "features.8", 320, 1280, 1, 1, 1, true);
        x = g.globalAveragePool(x, "avgpool");
        x = g.flatten(x, "flatten");
        x = g.dropout(x, "classifier.0", 0.2f);
        x = g.linear(x, "classifier.1", 1280, classes, Init.UNIFORM_INV_SQRT_OUT, BiasInit.ZEROS);
        return g.build(x, classes);
    }

    private static String convBnSilu(
            GraphBuilder g,
            String x,
            String p,
            int in,
            int out,
            int k,
            int stride,
            int groups,
            boolean activation) {
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
        y = g.batchNorm(y, p + ".1", out, BN_EPS);
        return activation ? g.silu(y, p + ".2") : y;
    }

    private static String mbConv(
            GraphBuilder g, String x, String p, int in, int out, int expand, int k, int stride) {
        int hidden = in * expand;
        int j = 0;
        String y = x;
        if (hidden != in) {
            y = convBnSilu(g, y, p + "." + j++, in, hidden, 1, 1, 1, true);
        }
        y = convBnSilu(g, y, p + "." + j++, hidden, hidden, k, stride, hidden, true);
        // squeeze-and-excitation: scale = sigmoid(fc2(silu(fc1(avgpool(y))))), y * scale
        String se = p + "." + j++;
        int squeeze = Math.max(1, in / 4);
        Init kn = Init.KAIMING_NORMAL_FAN_OUT;
        String s = g.globalAveragePool(y, se + ".avgpool");
        s = g.conv(s, se + ".fc1", hidden, squeeze, 1, 1, 0, 1, kn, BiasInit.ZEROS);
        s = g.silu(s, se + ".activation");
        s = g.conv(s, se + ".fc2", squeeze, hidden, 1, 1, 0, 1, kn, BiasInit.ZEROS);
        s = g.sigmoid(s, se + ".scale_activation");
        y = g.mul(s, y, se);
        y = convBnSilu(g, y, p + "." + j, hidden, out, 1, 1, 1, false);
        // stochastic depth is the identity in inference
        return stride == 1 && in == out ? g.add(y, x, p) : y;
    }

    // ---------------------------------------------------------------- VGG and AlexNet

    /**
     * VGG-16's feature layers (torchvision's configuration "D"): the output channels of each 3x3
     * convolution, 0 for a 2x2 max pooling.
     */
    private static final int[] VGG16 = {
        64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0
    };

    /** VGG-19's feature layers (configuration "E"), written as {@link #VGG16}. */
    private static final int[] VGG19 = {
        64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0
    };

    static ModelProto vgg16(int classes, int size, long seed) {
        return vgg("vgg16", VGG16, classes, size, seed);
    }

    static ModelProto vgg19(int classes, int size, long seed) {
        return vgg("vgg19", VGG19, classes, size, seed);
    }

    /** VGG without batch normalization: {@code cfg}'s features, then the 4096-wide classifier. */
    private static ModelProto vgg(String name, int[] cfg, int classes, int size, long seed) {
        GraphBuilder g = new GraphBuilder(name, size, seed);
        String x = GraphBuilder.INPUT;
        int in = 3;
        int index = 0;
        Sizes sz = new Sizes(name, size);
        for (int c : cfg) {
            if (c == 0) {
                x = g.maxPool(x, "features." + index++, 2, 2, 0, false);
                sz.pool(2, 2, 0, false);
            } else {
                x =
                        g.conv(
                                x,
                                "features." + index++,
                                in,
                                c,
                                3,
                                1,
                                1,
                                1,
                                Init.KAIMING_NORMAL_FAN_OUT,
                                BiasInit.ZEROS);
                x = g.relu(x, "features." + index++);
                in = c;
            }
        }
        x = g.adaptiveAvgPool(x, "avgpool", sz.size, 7);
        x = g.flatten(x, "flatten");
        Init n = Init.NORMAL_001;
        x = g.linear(x, "classifier.0", 512 * 7 * 7, 4096, n, BiasInit.ZEROS);
        x = g.relu(x, "classifier.1");
        x = g.dropout(x, "classifier.2", 0.5f);
        x = g.linear(x, "classifier.3", 4096, 4096, n, BiasInit.ZEROS);
        x = g.relu(x, "classifier.4");
        x = g.dropout(x, "classifier.5", 0.5f);
        x = g.linear(x, "classifier.6", 4096, classes, n, BiasInit.ZEROS);
        return g.build(x, classes);
    }

    static ModelProto alexnet(int classes, int size, long seed) {
        GraphBuilder g = new GraphBuilder("alexnet", size, seed);
        Init d = Init.TORCH_DEFAULT;
        BiasInit b = BiasInit.TORCH_DEFAULT;
        Sizes sz = new Sizes("alexnet", size);
        String x = g.conv(GraphBuilder.INPUT, "features.0", 3, 64, 11, 4, 2, 1, d, b);
        sz.conv(11, 4, 2);
        x = g.relu(x, "features.1");
        x = g.maxPool(x, "features.2", 3, 2, 0, false);
        sz.pool(3, 2, 0, false);
        x = g.conv(x, "features.3", 64, 192, 5, 1, 2, 1, d, b);
        x = g.relu(x, "features.4");
        x = g.maxPool(x, "features.5", 3, 2, 0, false);
        sz.pool(3, 2, 0, false);
        x = g.conv(x, "features.6", 192, 384, 3, 1, 1, 1, d, b);
        x = g.relu(x, "features.7");
        x = g.conv(x, "features.8", 384, 256, 3, 1, 1, 1, d, b);
        x = g.relu(x, "features.9");
        x = g.conv(x, "features.10", 256, 256, 3, 1, 1, 1, d, b);
        x = g.relu(x, "features.11");
        x = g.maxPool(x, "features.12", 3, 2, 0, false);
        sz.pool(3, 2, 0, false);
        x = g.adaptiveAvgPool(x, "avgpool", sz.size, 6);
        x = g.flatten(x, "flatten");
        x = g.dropout(x, "classifier.0", 0.5f);
        x = g.linear(x, "classifier.1", 256 * 6 * 6, 4096, d, b);
        x = g.relu(x, "classifier.2");
        x = g.dropout(x, "classifier.3", 0.5f);
        x = g.linear(x, "classifier.4", 4096, 4096, d, b);
        x = g.relu(x, "classifier.5");
        x = g.linear(x, "classifier.6", 4096, classes, d, b);
        return g.build(x, classes);
    }

    // ---------------------------------------------------------------- GoogLeNet

    /** GoogLeNet's BasicConv2d with its weights' init, trunc_normal(std 0.01). */
    private static String basicConv(
            GraphBuilder g, String x, String p, int in, int out, int k, int stride, int pad) {
        return basicConv(g, x, p, in, out, k, k, stride, pad, pad, Init.TRUNC_NORMAL_001);
    }

    /**
     * torchvision's BasicConv2d (GoogLeNet, Inception v3): conv {@code p.conv} without bias, a
     * {@code kernelH x kernelW} kernel and padding {@code padH, padW}; BatchNorm {@code p.bn} with
     * eps 0.001, as torchvision's; ReLU.
     */
    static String basicConv(
            GraphBuilder g,
            String x,
            String p,
            int in,
            int out,
            int kernelH,
            int kernelW,
            int stride,
            int padH,
            int padW,
            Init init) {
        String y =
                g.conv(
                        x,
                        p + ".conv",
                        in,
                        out,
                        kernelH,
                        kernelW,
                        stride,
                        padH,
                        padW,
                        1,
                        init,
                        BiasInit.NONE);
        y = g.batchNorm(y, p + ".bn", out, 1e-3f);
        return g.relu(y, p);
    }

    static ModelProto googlenet(int classes, int size, long seed) {
        GraphBuilder g = new GraphBuilder("googlenet", size, seed);
        String x = basicConv(g, GraphBuilder.INPUT, "conv1", 3, 64, 7, 2, 3);
        x = g.maxPool(x, "maxpool1", 3, 2, 0, true);
        x = basicConv(g, x, "conv2", 64, 64, 1, 1, 0);
        x = basicConv(g, x, "conv3", 64, 192, 3, 1, 1);
        x = g.maxPool(x, "maxpool2", 3, 2, 0, true);
        x = inception(g, x, "inception3a", 192, 64, 96, 128, 16, 32, 32);
        x = inception(g, x, "inception3b", 256, 128, 128, 192, 32, 96, 64);
        x = g.maxPool(x, "maxpool3", 3, 2, 0, true);
        x = inception(g, x, "inception4a", 480, 192, 96, 208, 16, 48, 64);
        x = inception(g, x, "inception4b", 512, 160, 112, 224, 24, 64, 64);
        x = inception(g, x, "inception4c", 512, 128, 128, 256, 24, 64, 64);
        x = inception(g, x, "inception4d", 512, 112, 144, 288, 32, 64, 64);
        x = inception(g, x, "inception4e", 528, 256, 160, 320, 32, 128, 128);
        x = g.maxPool(x, "maxpool4", 2, 2, 0, true);
        x = inception(g, x, "inception5a", 832, 256, 160, 320, 32, 128, 128);
        x = inception(g, x, "inception5b", 832, 384, 192, 384, 48, 128, 128);
        x = g.globalAveragePool(x, "avgpool");
        x = g.flatten(x, "flatten");
        x = g.dropout(x, "dropout", 0.2f);
        x = g.linear(x, "fc", 1024, classes, Init.TRUNC_NORMAL_001, BiasInit.ZEROS);
        return g.build(x, classes);
    }

    private static String inception(
            GraphBuilder g,
            String x,
            String p,
            int in,
            int ch1x1,
            int ch3x3red,
            int ch3x3,
            int ch5x5red,
            int ch5x5,
            int poolProj) {
        String b1 = basicConv(g, x, p + ".branch1", in, ch1x1, 1, 1, 0);
        String b2 = basicConv(g, x, p + ".branch2.0", in, ch3x3red, 1, 1, 0);
        b2 = basicConv(g, b2, p + ".branch2.1", ch3x3red, ch3x3, 3, 1, 1);
        String b3 = basicConv(g, x, p + ".branch3.0", in, ch5x5red, 1, 1, 0);
        // torchvision's branch3 uses a 3x3 kernel (a known deviation from the paper, kept so
        // that its weights fit)
        b3 = basicConv(g, b3, p + ".branch3.1", ch5x5red, ch5x5, 3, 1, 1);
        String b4 = g.maxPool(x, p + ".branch4.0", 3, 1, 1, true);
        b4 = basicConv(g, b4, p + ".branch4.1", in, poolProj, 1, 1, 0);
        return g.concat(List.of(b1, b2, b3, b4), p);
    }

    /** Tracks the side of a square feature map, to size adaptive pooling. */
    private static final class Sizes {
        private final String arch;
        private final int input;
        int size;

        Sizes(String arch, int input) {
            this.arch = arch;
            this.input = input;
            this.size = input;
        }

        void conv(int k, int stride, int pad) {
            size = (size + 2 * pad - k) / stride + 1;
            check();
        }

        void pool(int k, int stride, int pad, boolean ceil) {
            int span = size + 2 * pad - k;
            if (span < 0) {
                size = 0;
                check();
            }
            int out = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
            if (ceil && (out - 1) * stride >= size + pad) {
                out--;
            }
            size = out;
            check();
        }

        private void check() {
            if (size < 1) {
                throw new IllegalArgumentException(
                        "Input size "
                                + input
                                + " is too small for "
                                + arch
                                + ": its feature map shrinks to nothing; use a larger input size");
            }
        }
    }
}
