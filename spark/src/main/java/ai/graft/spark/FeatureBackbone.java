package ai.graft.spark;

import ai.graft.converter.ModelEditor;
import ai.graft.converter.ModelInspector;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.TensorInfo;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.sdk.InputShape;
import ai.graft.sdk.ModelCard;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.OutputKind;
import ai.graft.sdk.Preprocessing;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A backbone file cut at its feature node into a feature extractor (float32, dynamic batch, one
 * output {@value ModelEditor#FEATURES} {@code [N, C]}) with an embedding model card: the same cut
 * that {@code graft train --strategy features} makes of a backbone file.
 *
 * @param name the file name
 * @param sha256 SHA-256 of the model as read (external data inlined)
 * @param preprocessing the override, else the file's model card
 * @param featureModel the feature extractor
 */
record FeatureBackbone(
        String name, String sha256, Preprocessing preprocessing, ModelProto featureModel) {

    /**
     * Input side of a backbone whose input leaves it dynamic, when the preprocessing gives none.
     */
    static final int FILE_INPUT_SIZE = 224;

    /**
     * Reads and cuts a backbone file.
     *
     * @param file the ONNX classifier
     * @param preprocess a preset name or preprocessing JSON, or null for the file's card
     * @param featureNode the feature tensor or node, or null to find the final classifier's input
     * @return the backbone
     * @throws ModelException when the file cannot be read or cut
     * @throws IllegalArgumentException when the preprocessing is missing or invalid
     */
    static FeatureBackbone open(java.nio.file.Path file, String preprocess, String featureNode)
            throws ModelException {
        ModelProto model = OnnxModels.read(file);
        int[] size = inputSize(model);
        Preprocessing pre;
        if (preprocess != null) {
            try {
                pre = Preprocessing.parse(preprocess, size[0], size[1]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "Invalid --preprocess '" + preprocess + "': " + e.getMessage(), e);
            }
        } else {
            pre =
                    ModelCard.fromMetadata(ModelEditor.metadata(model), size[0], size[1])
                            .preprocessing();
            if (pre == null) {
                throw new IllegalArgumentException(
                        "Backbone "
                                + file
                                + " has no preprocessing in its model card; pass --preprocess"
                                + " imagenet|caffe|raw|unit or a preprocessing JSON");
            }
        }
        ModelProto features;
        try {
            features =
                    ModelEditor.cutAtFeatures(
                            ModelEditor.dynamicBatch(ModelEditor.float16ToFloat32(model)),
                            featureNode);
        } catch (IllegalArgumentException e) {
            throw new ModelException(
                    "Cannot cut backbone " + file + " at its features: " + e.getMessage(), e);
        }
        String name = file.getFileName().toString();
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put(ModelCard.KEY_EMBEDDING_OUTPUT, ModelEditor.FEATURES);
        extra.put("graft.backbone", name);
        features =
                ModelEditor.withCard(
                        features,
                        new ModelCard(
                                ModelCard.VERSION,
                                null,
                                pre,
                                OutputKind.EMBEDDING,
                                ModelEditor.FEATURES,
                                extra));
        return new FeatureBackbone(name, sha256(OnnxModels.toBytes(model)), pre, features);
    }

    /** Width and height the input fixes (the SDK's layout rule), else {@link #FILE_INPUT_SIZE}. */
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
