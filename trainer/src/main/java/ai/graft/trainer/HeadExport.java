package ai.graft.trainer;

import ai.graft.converter.FeatureTransform;
import ai.graft.converter.HeadOptions;
import ai.graft.converter.ModelEditor;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.sdk.ModelCard;

/**
 * Grows the trained head onto the feature extractor: the head's feature transform, then one Gemm
 * with the folded weights.
 */
final class HeadExport {
    static final String LOGITS = "logits";
    private static final String PREFIX = "head.";

    private HeadExport() {}

    /**
     * The classifier: the feature extractor, then (for {@link FeatureTransform#SQRT}) the signed
     * square root of the features, then Gemm(·, W', b') as output {@value #LOGITS}; the {@code
     * features} output stays second and untransformed.
     */
    static ModelProto classifier(ModelProto features, LinearHead.Result head, ModelCard card) {
        String input = ModelEditor.FEATURES;
        if (head.transform() == FeatureTransform.SQRT) {
            ModelEditor.Appended sqrt = ModelEditor.appendSignedSqrt(features, input, PREFIX);
            features = sqrt.model();
            input = sqrt.output();
        }
        HeadOptions options =
                HeadOptions.builder(head.classes())
                        .init(HeadOptions.Init.ZERO)
                        .inputName(input)
                        .outputName(LOGITS)
                        .parameterPrefix(PREFIX)
                        .keepOutputs(true)
                        .build();
        ModelProto model = ModelEditor.appendHead(features, options);
        LinearHead.Folded folded = head.folded();
        model =
                ModelEditor.replaceInitializer(
                        model,
                        PREFIX + "weight",
                        new long[] {head.classes(), head.dim()},
                        folded.weight());
        model =
                ModelEditor.replaceInitializer(
                        model, PREFIX + "bias", new long[] {head.classes()}, folded.bias());
        return ModelEditor.withCard(model, card);
    }
}
