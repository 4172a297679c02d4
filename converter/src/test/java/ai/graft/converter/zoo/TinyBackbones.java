package ai.graft.converter.zoo;

import ai.graft.converter.OnnxTensors;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.zoo.ModernCnns.ConvNextConfig;
import ai.graft.converter.zoo.ModernCnns.EfficientNetV2Config;
import ai.graft.converter.zoo.ModernCnns.MobileNetV3Config;
import ai.graft.converter.zoo.ModernCnns.RegNetYConfig;
import ai.graft.converter.zoo.Transformers.SwinConfig;
import ai.graft.converter.zoo.Transformers.VitConfig;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The zoo's later builders at tiny configurations, for checks of a whole network that must run in
 * seconds (gradient checks in double precision): the same builder code as {@link BackboneZoo}'s
 * {@code mobilenet_v3_*}, {@code efficientnet_v2_s}, {@code regnet_y_400mf}, {@code convnext_tiny},
 * {@code vit_*} and {@code swin_t}, with a few thousand parameters and every kind of block those
 * have. They are test fixtures, not in {@link BackboneZoo#names()}.
 *
 * <p>Dropout is off (ratio 0, as torchvision's {@code dropout=0.0}), so a training forward pass is
 * deterministic. {@link #markers()} names parameters that prove a configuration has the blocks it
 * claims.
 */
public enum TinyBackbones {
    /**
     * Three bneck blocks: squeeze-excitation with ReLU at stride 2 (no expansion), an expansion
     * with ReLU at stride 2, and a residual block with squeeze-excitation and hard-swish; the
     * classifier's Linear, hard-swish, Linear.
     */
    MOBILENET_V3(32, List.of("features.1.block.1.fc1.weight", "features.3.block.2.fc2.bias")),
    /**
     * A Fused-MBConv stage without expansion (residual), one with expansion at stride 2, and an
     * MBConv stage with squeeze-excitation of two blocks (the second residual).
     */
    EFFICIENTNET_V2(
            32,
            List.of(
                    "features.1.0.block.0.0.weight",
                    "features.2.0.block.1.0.weight",
                    "features.3.1.block.2.fc1.weight")),
    /** Two stages of one and two Y blocks (group width 4, squeeze-excitation, projections). */
    REGNET_Y(
            32,
            List.of(
                    "trunk_output.block1.block1-0.proj.0.weight",
                    "trunk_output.block2.block2-1.f.se.fc1.weight")),
    /**
     * Two stages of one and two ConvNeXt blocks with a downsampling layer between; layer scale 0.5
     * instead of torchvision's 1e-6, so that the blocks' own gradients are not a millionth of the
     * residual path's.
     */
    CONVNEXT(
            32,
            List.of(
                    "features.1.0.layer_scale",
                    "features.2.0.weight",
                    "features.3.1.block.2.weight")),
    /**
     * Patch 8, width 16, two encoder blocks of two heads, MLP 32: 17 tokens. torchvision zeroes the
     * head, which would make every other gradient zero; here it is redrawn from N(0, 0.3).
     */
    VIT(32, List.of("class_token", "encoder.pos_embedding", "heads.head.weight")),
    /**
     * Width 8, two stages of two blocks with one and two heads, 2x2 windows, every second block
     * shifted by one (the shifted-window mask in both stages); at 28 x 28 the 7 x 7 map is padded
     * to whole windows and for the patch merging.
     */
    SWIN(
            28,
            List.of(
                    "features.1.1.attn.relative_position_bias_table",
                    "features.2.reduction.weight_t",
                    "features.3.1.attn.qkv.weight_t"));

    private static final VitConfig VIT_CONFIG = new VitConfig(8, 16, 2, 2, 32);

    private final int inputSize;
    private final List<String> markers;

    TinyBackbones(int inputSize, List<String> markers) {
        this.inputSize = inputSize;
        this.markers = markers;
    }

    /**
     * The input side S of {@code [N, 3, S, S]}.
     *
     * @return the side
     */
    public int inputSize() {
        return inputSize;
    }

    /**
     * Initializers that the configuration must have (its squeeze-excitation, its shifted
     * window...).
     *
     * @return initializer names
     */
    public List<String> markers() {
        return markers;
    }

    /**
     * Builds the tiny model with freshly initialised weights.
     *
     * @param classes the number of classes
     * @param seed the seed of the weights
     * @return the model, named {@code tiny_} and the family
     */
    public ModelProto build(int classes, long seed) {
        String name = "tiny_" + name().toLowerCase(java.util.Locale.ROOT);
        int s = inputSize;
        return switch (this) {
            case MOBILENET_V3 ->
                    ModernCnns.mobilenetV3(
                            name,
                            new MobileNetV3Config(
                                    new int[][] {
                                        {8, 3, 8, 8, 1, 0, 2},
                                        {8, 3, 16, 12, 0, 0, 2},
                                        {12, 5, 24, 12, 1, 1, 1}
                                    },
                                    16,
                                    0f),
                            classes,
                            s,
                            seed);
            case EFFICIENTNET_V2 ->
                    ModernCnns.efficientnetV2(
                            name,
                            new EfficientNetV2Config(
                                    new int[][] {
                                        {1, 1, 3, 1, 8, 8, 1},
                                        {1, 2, 3, 2, 8, 12, 1},
                                        {0, 2, 3, 2, 12, 16, 2}
                                    },
                                    32,
                                    0f),
                            classes,
                            s,
                            seed);
            case REGNET_Y ->
                    ModernCnns.regnetY(
                            name,
                            new RegNetYConfig(8, new int[] {8, 16}, new int[] {1, 2}, 4),
                            classes,
                            s,
                            seed);
            case CONVNEXT ->
                    ModernCnns.convnext(
                            name,
                            new ConvNextConfig(new int[] {8, 16}, new int[] {1, 2}, 0.5f),
                            classes,
                            s,
                            seed);
            case VIT ->
                    redrawn(
                            Transformers.vit(name, VIT_CONFIG, classes, s, seed),
                            "heads.head.weight",
                            0.3,
                            seed);
            case SWIN ->
                    Transformers.swin(
                            name,
                            new SwinConfig(8, new int[] {2, 2}, new int[] {1, 2}, 2),
                            classes,
                            s,
                            seed);
        };
    }

    /** The model with one float initializer redrawn from N(0, std^2). */
    private static ModelProto redrawn(ModelProto model, String name, double std, long seed) {
        GraphProto.Builder g = model.getGraph().toBuilder();
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            if (t.getName().equals(name)) {
                float[] v = new float[(int) OnnxTensors.elementCount(t)];
                for (int k = 0; k < v.length; k++) {
                    v[k] = (float) (std * random.nextGaussian());
                }
                g.setInitializer(i, OnnxTensors.fromFloats(name, OnnxTensors.dims(t), v));
                return model.toBuilder().setGraph(g).build();
            }
        }
        throw new IllegalArgumentException("No initializer '" + name + "' in " + g.getName());
    }
}
