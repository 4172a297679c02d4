package ai.graft.trainer;

import ai.graft.converter.HeadOptions;
import ai.graft.converter.ModelEditor;
import ai.graft.converter.OnnxTensors;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
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
     * The classifier: the feature extractor, then (for {@link
     * TrainingOptions.FeatureTransform#SQRT}) the signed square root of the features, then Gemm(·,
     * W', b') as output {@value #LOGITS}; the {@code features} output stays second and
     * untransformed.
     */
    static ModelProto classifier(ModelProto features, LinearHead.Result head, ModelCard card) {
        String input = ModelEditor.FEATURES;
        if (head.transform() == TrainingOptions.FeatureTransform.SQRT) {
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
        GraphProto.Builder g = model.getGraph().toBuilder();
        replace(g, PREFIX + "weight", new long[] {head.classes(), head.dim()}, folded.weight());
        replace(g, PREFIX + "bias", new long[] {head.classes()}, folded.bias());
        return ModelEditor.withCard(model.toBuilder().setGraph(g).build(), card);
    }

    private static void replace(GraphProto.Builder g, String name, long[] dims, float[] values) {
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            if (t.getName().equals(name)) {
                long[] have = OnnxTensors.dims(t);
                if (!java.util.Arrays.equals(have, dims)) {
                    throw new IllegalStateException(
                            "Head initializer '"
                                    + name
                                    + "' has shape "
                                    + java.util.Arrays.toString(have)
                                    + ", expected "
                                    + java.util.Arrays.toString(dims));
                }
                g.setInitializer(i, OnnxTensors.fromFloats(name, dims, values));
                return;
            }
        }
        throw new IllegalStateException("The appended head has no initializer '" + name + "'");
    }
}
