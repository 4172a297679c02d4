package ai.graft.converter.zoo;

import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds torchvision's image classification backbones as ONNX models with freshly initialised
 * weights.
 *
 * <p>Each model has opset 13 and IR version 7, one input {@code input} {@code [N,3,S,S]} float with
 * a symbolic batch dimension {@code N}, and one output {@code logits} {@code [N,classes]}.
 * Initializers carry the names of the torchvision module's {@code state_dict} keys ({@code
 * conv1.weight}, {@code layer1.0.bn1.running_mean}, {@code fc.bias}) in the order the forward pass
 * uses them; batch normalization stays a {@code BatchNormalization} node (epsilon as torchvision's
 * layer, momentum 0.9, the ONNX form of PyTorch's 0.1); heads are Flatten + Gemm(transB=1), and
 * dropout is a Dropout node (the identity in inference). Weights are initialised as torchvision's
 * constructors do (Kaiming normal with fan-out for ResNet, MobileNet and EfficientNet convolutions,
 * normal(0, 0.01) or PyTorch's default uniform for linear layers; batch normalization weight 1,
 * bias 0, running mean 0, running variance 1), from a seeded random generator: the same arguments
 * give the same model.
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

    /** The smallest input side accepted (every architecture's feature map stays non-empty). */
    public static final int MIN_INPUT_SIZE = 32;

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
        BUILDERS.put("alexnet", Architectures::alexnet);
        BUILDERS.put("googlenet", Architectures::googlenet);
        BUILDERS.put("squeezenet1_1", Architectures::squeezenet11);
        BUILDERS.put("smallcnn", Architectures::smallCnn);
    }

    /** Architectures that take inputs smaller than {@link #MIN_INPUT_SIZE}, with their minimum. */
    private static final Map<String, Integer> SMALL_INPUTS = Map.of("smallcnn", 8);

    /**
     * The architectures this zoo builds, named as torchvision's model functions.
     *
     * @return the names: resnet18, resnet50, mobilenet_v2, efficientnet_b0, vgg16, alexnet,
     *     googlenet, squeezenet1_1 (torchvision's layouts), and smallcnn (four convolution blocks,
     *     for small images such as 28 x 28)
     */
    public static List<String> names() {
        return List.copyOf(BUILDERS.keySet());
    }

    /**
     * Builds one architecture with freshly initialised weights.
     *
     * @param name a name of {@link #names()}
     * @param classes the number of output classes, at least 1
     * @param inputSize the side S of the square input {@code [N,3,S,S]}, from {@value
     *     #MIN_INPUT_SIZE} to {@value #MAX_INPUT_SIZE} (AlexNet needs at least 63; smallcnn takes 8
     *     and more)
     * @param seed the seed of the weights' random generator
     * @return the model
     * @throws IllegalArgumentException for an unknown name, a class count below 1 or an input size
     *     the architecture cannot take
     */
    public static ModelProto build(String name, int classes, int inputSize, long seed) {
        Builder builder = name == null ? null : BUILDERS.get(name);
        if (builder == null) {
            throw new IllegalArgumentException(
                    "Unknown backbone '" + name + "', expected one of " + names());
        }
        if (classes < 1) {
            throw new IllegalArgumentException(
                    "Class count " + classes + " for " + name + " must be at least 1");
        }
        int min = SMALL_INPUTS.getOrDefault(name, MIN_INPUT_SIZE);
        if (inputSize < min || inputSize > MAX_INPUT_SIZE) {
            throw new IllegalArgumentException(
                    "Input size "
                            + inputSize
                            + " for "
                            + name
                            + " must be from "
                            + min
                            + " to "
                            + MAX_INPUT_SIZE);
        }
        return builder.build(classes, inputSize, seed);
    }
}
