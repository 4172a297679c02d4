package ai.graft.trainer;

import ai.graft.converter.ModelEditor;
import ai.graft.converter.ModelInspector;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.TensorInfo;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.zoo.BackboneZoo;
import ai.graft.sdk.InputShape;
import ai.graft.sdk.ModelCard;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.ModelFiles;
import ai.graft.sdk.OutputKind;
import ai.graft.sdk.Preprocessing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A backbone resolved from a file or a zoo name, cut at its feature node into a feature extractor
 * with one output {@value ModelEditor#FEATURES} {@code [N, C]} and an embedding model card.
 *
 * @param name the file name, or the zoo architecture's name
 * @param sha256 SHA-256 of the file; of the model with its external data inlined when its weights
 *     lie in other files too; of the built model's bytes for a zoo name
 * @param preprocessing the backbone's preprocessing: the override, else its model card
 * @param featureModel the feature extractor (float32, dynamic batch)
 */
public record Backbone(
        String name, String sha256, Preprocessing preprocessing, ModelProto featureModel) {

    /**
     * Input side of a backbone file whose input has no fixed size, when the preprocessing gives
     * none.
     */
    static final int FILE_INPUT_SIZE = 224;

    /** Seed of a zoo architecture's fresh weights unless one is given. */
    static final long ZOO_SEED = 0;

    /**
     * Opens a backbone and cuts it at its features.
     *
     * @param backbone an ONNX classifier file, or a zoo architecture name (fresh weights, seed 0,
     *     at the architecture's default size, {@link BackboneZoo#defaultInputSize}, unless the
     *     preprocessing gives a size)
     * @param preprocess a preprocessing preset name or JSON, or null to use the file's model card
     * @param featureNode the feature tensor or node, or null to find the final classifier's input
     * @return the backbone
     * @throws ModelException when the file cannot be read or cut at its features
     * @throws IllegalArgumentException when the backbone is neither a file nor a zoo name, or the
     *     preprocessing is missing or invalid
     */
    public static Backbone open(String backbone, String preprocess, String featureNode)
            throws ModelException {
        return open(backbone, preprocess, featureNode, ZOO_SEED);
    }

    /**
     * Opens a backbone and cuts it at its features, a zoo architecture's fresh weights drawn from
     * {@code seed}.
     *
     * @param backbone an ONNX classifier file, or a zoo architecture name (fresh weights, at the
     *     architecture's default size, {@link BackboneZoo#defaultInputSize}, unless the
     *     preprocessing gives a size)
     * @param preprocess a preprocessing preset name or JSON, or null to use the file's model card
     * @param featureNode the feature tensor or node, or null to find the final classifier's input
     * @param seed the seed of a zoo architecture's weights (a file's weights are its own)
     * @return the backbone
     * @throws ModelException when the file cannot be read or cut at its features
     * @throws IllegalArgumentException when the backbone is neither a file nor a zoo name, or the
     *     preprocessing is missing or invalid
     */
    public static Backbone open(String backbone, String preprocess, String featureNode, long seed)
            throws ModelException {
        Path file = Path.of(backbone);
        ModelProto model;
        String name;
        byte[] bytes;
        Preprocessing pre;
        if (Files.isRegularFile(file)) {
            name = file.getFileName().toString();
            // Weights kept in files beside the model are read under the one external-data rule.
            model = OnnxModels.read(file);
            if (ModelFiles.check(file).isEmpty()) {
                try {
                    bytes = Files.readAllBytes(file);
                } catch (IOException e) {
                    throw new ModelException(
                            "Cannot read backbone " + file + ": " + e.getMessage(), e);
                }
            } else {
                // The fingerprint (the embedding cache's key) must change when the weights do.
                bytes = OnnxModels.toBytes(model);
            }
            pre = preprocessing(model, file.toString(), preprocess);
        } else if (BackboneZoo.names().contains(backbone)) {
            name = backbone;
            int size = BackboneZoo.defaultInputSize(backbone);
            pre =
                    preprocess == null
                            ? Preprocessing.imagenet(size, size)
                            : Preprocessing.parse(preprocess, size, size);
            if (pre.width() != pre.height()) {
                throw new IllegalArgumentException(
                        "Zoo backbones take square inputs; the preprocessing asks for "
                                + pre.width()
                                + "x"
                                + pre.height());
            }
            model = BackboneZoo.build(backbone, 1000, pre.width(), seed);
            bytes = OnnxModels.toBytes(model);
        } else {
            throw new IllegalArgumentException(
                    "Backbone '"
                            + backbone
                            + "' is neither an ONNX file nor a zoo architecture; expected a .onnx"
                            + " file or one of "
                            + BackboneZoo.names());
        }
        ModelProto features;
        try {
            model = ModelEditor.float16ToFloat32(model);
            model = ModelEditor.dynamicBatch(model);
            features = ModelEditor.cutAtFeatures(model, featureNode);
        } catch (IllegalArgumentException e) {
            throw new ModelException(
                    "Cannot cut backbone " + backbone + " at its features: " + e.getMessage(), e);
        }
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put(ModelCard.KEY_EMBEDDING_OUTPUT, ModelEditor.FEATURES);
        extra.put("graft.backbone", name);
        ModelCard card =
                new ModelCard(
                        ModelCard.VERSION,
                        null,
                        pre,
                        OutputKind.EMBEDDING,
                        ModelEditor.FEATURES,
                        extra);
        features = ModelEditor.withCard(features, card);
        return new Backbone(name, sha256(bytes), pre, features);
    }

    /** The backbone's preprocessing: the override, else its card; never a guess. */
    private static Preprocessing preprocessing(ModelProto model, String file, String preprocess)
            throws ModelException {
        int[] size = inputSize(model);
        if (preprocess != null) {
            try {
                return Preprocessing.parse(preprocess, size[0], size[1]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "Invalid --preprocess '" + preprocess + "': " + e.getMessage(), e);
            }
        }
        ModelCard card = ModelCard.fromMetadata(ModelEditor.metadata(model), size[0], size[1]);
        if (card.preprocessing() == null) {
            throw new IllegalArgumentException(
                    "Backbone "
                            + file
                            + " has no preprocessing in its model card; pass --preprocess"
                            + " imagenet|caffe|raw|unit or a preprocessing JSON");
        }
        return card.preprocessing();
    }

    /**
     * Width and height the input fixes, read by the SDK's rule ({@link InputShape}: NCHW or NHWC),
     * else {@link #FILE_INPUT_SIZE} for a side it leaves dynamic.
     */
    private static int[] inputSize(ModelProto model) {
        List<TensorInfo> inputs = ModelInspector.inspect(model).inputs();
        if (!inputs.isEmpty() && inputs.get(0).shape().length == 4) {
            InputShape g = InputShape.of(inputs.get(0).shape());
            return new int[] {
                g.width() > 0 ? g.width() : FILE_INPUT_SIZE,
                g.height() > 0 ? g.height() : FILE_INPUT_SIZE
            };
        }
        return new int[] {FILE_INPUT_SIZE, FILE_INPUT_SIZE};
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
