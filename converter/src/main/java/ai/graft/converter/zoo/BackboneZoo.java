package ai.graft.converter.zoo;

import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds torchvision's image classification backbones as ONNX models with freshly initialised
 * weights.
 *
 * <p>Each model has opset 13 and IR version 7 (opset 17 and IR version 8 for those with
 * LayerNormalization: convnext_tiny, vit_b_16, vit_tiny, swin_t), one input {@code input} {@code
 * [N,3,S,S]} float with a symbolic batch dimension {@code N}, and one output {@code logits} {@code
 * [N,classes]} ({@code inception_v3_aux} has a second, {@code aux_logits}). S defaults to 224, and
 * to 299 for Inception v3 ({@link #defaultInputSize}). Initializers carry the names of the
 * torchvision module's {@code state_dict} keys ({@code conv1.weight}, {@code
 * layer1.0.bn1.running_mean}, {@code fc.bias}) in the order the forward pass uses them; batch
 * normalization stays a {@code BatchNormalization} node (epsilon as torchvision's layer, momentum
 * 0.9, the ONNX form of PyTorch's 0.1); heads are Flatten + Gemm(transB=1), and dropout is a
 * Dropout node (the identity in inference). Weights are initialised as torchvision's constructors
 * do (Kaiming normal with fan-out for ResNet, MobileNet, EfficientNet and VGG convolutions,
 * truncated normal for GoogLeNet and Inception v3, normal(0, 0.01) or PyTorch's default uniform for
 * linear layers; batch normalization weight 1, bias 0, running mean 0, running variance 1), from a
 * seeded random generator: the same arguments give the same model.
 *
 * <p>Inception v3's auxiliary classifier is asked for by name: {@code inception_v3} is the model
 * without it, the parameters torchvision's model uses in eval mode, and {@code inception_v3_aux}
 * adds {@code AuxLogits} (reading {@code Mixed_6e}, output {@code aux_logits}) so that every
 * parameter of torchvision's {@code inception_v3(aux_logits=True)} has its place; it needs inputs
 * of 299 and more. Neither has torchvision's {@code transform_input}, which is off for a fresh
 * model. Cutting either at its features (as the trainer does) keeps the main path only.
 *
 * <pre>{@code
 * ModelProto model = BackboneZoo.build("resnet18", 10, 224, 42L);
 * OnnxModels.write(model, Path.of("resnet18.onnx"));
 * }</pre>
 *
 * <p>Thread-safe: every call builds an independent model.
 */
public final class BackboneZoo {
    private BackboneZoo() {}

    /**
     * The smallest input side most architectures accept (their feature maps stay non-empty); {@link
     * #minInputSize} gives each one's.
     */
    public static final int MIN_INPUT_SIZE = 32;

    /** The input side most architectures default to; {@link #defaultInputSize} gives each one's. */
    public static final int DEFAULT_INPUT_SIZE = 224;

    /** The largest input side accepted. */
    public static final int MAX_INPUT_SIZE = 4096;

    private interface Builder {
        ModelProto build(int classes, int size, long seed);
    }

    private static final Map<String, Builder> BUILDERS = new LinkedHashMap<>();

    static {
        BUILDERS.put(
                "resnet18",
                (c, s, seed) ->
                        Architectures.resnet(
                                "resnet18", false, new int[] {2, 2, 2, 2}, c, s, seed));
        BUILDERS.put(
                "resnet50",
                (c, s, seed) ->
                        Architectures.resnet("resnet50", true, new int[] {3, 4, 6, 3}, c, s, seed));
        BUILDERS.put("mobilenet_v2", Architectures::mobilenetV2);
        BUILDERS.put("efficientnet_b0", Architectures::efficientnetB0);
        BUILDERS.put("vgg16", Architectures::vgg16);
        BUILDERS.put("vgg19", Architectures::vgg19);
        BUILDERS.put("alexnet", Architectures::alexnet);
        BUILDERS.put("googlenet", Architectures::googlenet);
        BUILDERS.put(
                "inception_v3",
                (c, s, seed) -> InceptionV3.build("inception_v3", false, c, s, seed));
        BUILDERS.put(
                "inception_v3_aux",
                (c, s, seed) -> InceptionV3.build("inception_v3_aux", true, c, s, seed));
        BUILDERS.put("squeezenet1_1", Architectures::squeezenet11);
        BUILDERS.put(
                "mobilenet_v3_large",
                (c, s, seed) ->
                        ModernCnns.mobilenetV3(
                                "mobilenet_v3_large", ModernCnns.MOBILENET_V3_LARGE, c, s, seed));
        BUILDERS.put(
                "mobilenet_v3_small",
                (c, s, seed) ->
                        ModernCnns.mobilenetV3(
                                "mobilenet_v3_small", ModernCnns.MOBILENET_V3_SMALL, c, s, seed));
        BUILDERS.put(
                "efficientnet_v2_s",
                (c, s, seed) ->
                        ModernCnns.efficientnetV2(
                                "efficientnet_v2_s", ModernCnns.EFFICIENTNET_V2_S, c, s, seed));
        BUILDERS.put(
                "regnet_y_400mf",
                (c, s, seed) ->
                        ModernCnns.regnetY(
                                "regnet_y_400mf", ModernCnns.REGNET_Y_400MF, c, s, seed));
        BUILDERS.put(
                "convnext_tiny",
                (c, s, seed) ->
                        ModernCnns.convnext("convnext_tiny", ModernCnns.CONVNEXT_TINY, c, s, seed));
        BUILDERS.put(
                "vit_b_16",
                (c, s, seed) -> Transformers.vit("vit_b_16", Transformers.VIT_B_16, c, s, seed));
        BUILDERS.put(
                "vit_tiny",
                (c, s, seed) -> Transformers.vit("vit_tiny", Transformers.VIT_TINY, c, s, seed));
        BUILDERS.put(
                "swin_t",
                (c, s, seed) -> Transformers.swin("swin_t", Transformers.SWIN_T, c, s, seed));
        BUILDERS.put("smallcnn", Architectures::smallCnn);
    }

    /** Architectures whose smallest input is not {@link #MIN_INPUT_SIZE}, with their own. */
    private static final Map<String, Integer> MIN_INPUTS =
            Map.of(
                    "smallcnn",
                    8,
                    "alexnet",
                    63,
                    "inception_v3",
                    InceptionV3.MIN_INPUT_SIZE,
                    "inception_v3_aux",
                    InceptionV3.MIN_INPUT_SIZE_AUX);

    /** Architectures whose default input is not {@link #DEFAULT_INPUT_SIZE}, with their own. */
    private static final Map<String, Integer> DEFAULT_INPUTS =
            Map.of(
                    "inception_v3",
                    InceptionV3.DEFAULT_INPUT_SIZE,
                    "inception_v3_aux",
                    InceptionV3.DEFAULT_INPUT_SIZE,
                    "efficientnet_v2_s",
                    ModernCnns.EFFICIENTNET_V2_S_INPUT_SIZE);

    /** Architectures whose input side must be a multiple of a number (a ViT's patch side). */
    private static final Map<String, Integer> INPUT_MULTIPLES =
            Map.of("vit_b_16", 16, "vit_tiny", 16);

    /**
     * The number an architecture's input side must be a multiple of: a ViT's patch side, 16; else
     * 1.
     *
     * @param name a name of {@link #names()}
     * @return the multiple
     * @throws IllegalArgumentException for an unknown name
     */
    public static int inputSizeMultiple(String name) {
        builder(name);
        return INPUT_MULTIPLES.getOrDefault(name, 1);
    }

    /**
     * The architectures this zoo builds, named as torchvision's model functions.
     *
     * @return the names: resnet18, resnet50, mobilenet_v2, efficientnet_b0, vgg16, vgg19, alexnet,
     *     googlenet, inception_v3, squeezenet1_1 (torchvision's layouts); inception_v3_aux
     *     (Inception v3 with its auxiliary classifier, a second output {@code aux_logits}); and
     *     mobilenet_v3_large, mobilenet_v3_small, efficientnet_v2_s, regnet_y_400mf, convnext_tiny,
     *     vit_b_16, swin_t (torchvision's later layouts); vit_tiny (a ViT 192 wide with 12 blocks
     *     and 3 heads, DeiT-Tiny's shape, laid out as torchvision's ViT); and smallcnn (four
     *     convolution blocks, for small images such as 28 x 28)
     */
    public static List<String> names() {
        return List.copyOf(BUILDERS.keySet());
    }

    /**
     * The input side an architecture was designed for: 299 for Inception v3, 384 for EfficientNet
     * V2-S, else {@value #DEFAULT_INPUT_SIZE}.
     *
     * @param name a name of {@link #names()}
     * @return the side S of the default input {@code [N,3,S,S]}
     * @throws IllegalArgumentException for an unknown name
     */
    public static int defaultInputSize(String name) {
        builder(name);
        return DEFAULT_INPUTS.getOrDefault(name, DEFAULT_INPUT_SIZE);
    }

    /**
     * The smallest input side an architecture accepts: 8 for smallcnn, 63 for alexnet, 75 for
     * inception_v3, 299 for inception_v3_aux (its auxiliary classifier needs a 17 x 17 map), else
     * {@value #MIN_INPUT_SIZE}.
     *
     * @param name a name of {@link #names()}
     * @return the smallest side S of the input {@code [N,3,S,S]}
     * @throws IllegalArgumentException for an unknown name
     */
    public static int minInputSize(String name) {
        builder(name);
        return MIN_INPUTS.getOrDefault(name, MIN_INPUT_SIZE);
    }

    /**
     * Builds one architecture with freshly initialised weights.
     *
     * @param name a name of {@link #names()}
     * @param classes the number of output classes, at least 1
     * @param inputSize the side S of the square input {@code [N,3,S,S]}, from {@link #minInputSize}
     *     to {@value #MAX_INPUT_SIZE}
     * @param seed the seed of the weights' random generator
     * @return the model
     * @throws IllegalArgumentException for an unknown name, a class count below 1 or an input size
     *     the architecture cannot take (a ViT's must also be a multiple of its patch side, 16)
     */
    public static ModelProto build(String name, int classes, int inputSize, long seed) {
        Builder builder = builder(name);
        if (classes < 1) {
            throw new IllegalArgumentException(
                    "Class count " + classes + " for " + name + " must be at least 1");
        }
        int min = minInputSize(name);
        if (inputSize < min || inputSize > MAX_INPUT_SIZE) {
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "Input size %d is too %s for %s: it takes %d to %d",
                            inputSize,
                            inputSize < min ? "small" : "large",
                            name,
                            min,
                            MAX_INPUT_SIZE));
        }
        int multiple = inputSizeMultiple(name);
        if (inputSize % multiple != 0) {
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "Input size %d for %s must be a multiple of its patch side %d",
                            inputSize,
                            name,
                            multiple));
        }
        return builder.build(classes, inputSize, seed);
    }

    private static Builder builder(String name) {
        Builder builder = name == null ? null : BUILDERS.get(name);
        if (builder == null) {
            throw new IllegalArgumentException(
                    "Unknown backbone '" + name + "', expected one of " + names());
        }
        return builder;
    }
}
