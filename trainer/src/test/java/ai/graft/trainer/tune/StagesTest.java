package ai.graft.trainer.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.ModelEditor;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.zoo.BackboneZoo;
import ai.graft.sdk.TestData;
import ai.graft.trainer.exec.OnnxBlock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StagesTest {

    private static List<Stages.Stage> stagesOf(ModelProto classifier) throws Exception {
        ModelProto features =
                ModelEditor.cutAtFeatures(
                        ModelEditor.dynamicBatch(ModelEditor.float16ToFloat32(classifier)), null);
        OnnxBlock block = OnnxBlock.create(features);
        return Stages.of(features.getGraph(), ModelEditor.FEATURES, block::isTrainable);
    }

    @Test
    void tinyNet_hasStemFireAndResidualStages() throws Exception {
        List<Stages.Stage> stages = stagesOf(TinyNets.classifier(1));
        assertEquals(
                List.of("stem", "fire", "res"), stages.stream().map(Stages.Stage::name).toList());
        assertEquals(
                List.of("stem.conv.weight", "stem.conv.bias", "stem.bn.weight", "stem.bn.bias"),
                stages.get(0).parameters(),
                "a batch norm belongs to its convolution; running statistics never train");
        assertEquals(List.of("stem.bn"), stages.get(0).batchNorms());
        assertEquals(
                List.of(
                        "fire.squeeze.weight",
                        "fire.squeeze.bias",
                        "fire.expand1x1.weight",
                        "fire.expand1x1.bias",
                        "fire.expand3x3.weight",
                        "fire.expand3x3.bias"),
                stages.get(1).parameters(),
                "the squeeze convolution that feeds the branches is part of the module");
        assertEquals(List.of("res.bn"), stages.get(2).batchNorms());
    }

    @Test
    void zooSqueezeNet_hasOneStagePerFireModuleAfterTheStem() throws Exception {
        List<Stages.Stage> stages = stagesOf(BackboneZoo.build("squeezenet1_1", 10, 64, 0));
        assertEquals(9, stages.size());
        assertEquals("features.0", stages.get(0).name());
        assertEquals("features.12", stages.get(8).name());
        assertEquals(6, stages.get(8).parameters().size());
        assertTrue(stages.get(8).parameters().contains("features.12.squeeze.weight"));
    }

    @Test
    void zooResNet18_hasOneStagePerResidualBlock() throws Exception {
        List<Stages.Stage> stages = stagesOf(BackboneZoo.build("resnet18", 10, 64, 0));
        assertEquals(8, stages.size(), stages.stream().map(Stages.Stage::name).toList().toString());
        assertTrue(stages.get(0).parameters().contains("conv1.weight"), "the stem joins block 1");
        assertTrue(stages.get(0).parameters().contains("layer1.0.conv2.weight"));
        assertEquals("layer4.1", stages.get(7).name());
        assertEquals(2, stages.get(7).batchNorms().size(), "bn1 and bn2 of the last block");
        assertEquals(3, stages.get(6).batchNorms().size(), "with the downsample's batch norm");
    }

    @Test
    void zooInceptionV3_hasOneStagePerStemConvolutionThenOnePerMixedModule() throws Exception {
        List<Stages.Stage> stages = stagesOf(BackboneZoo.build("inception_v3", 10, 75, 0));
        assertEquals(
                List.of(
                        "Conv2d_1a_3x3",
                        "Conv2d_2a_3x3",
                        "Conv2d_2b_3x3",
                        "Conv2d_3b_1x1",
                        "Conv2d_4a_3x3.conv..Mixed_5b.branch_pool.bn",
                        "Mixed_5c",
                        "Mixed_5d",
                        "Mixed_6a",
                        "Mixed_6b",
                        "Mixed_6c",
                        "Mixed_6d",
                        "Mixed_6e",
                        "Mixed_7a",
                        "Mixed_7b",
                        "Mixed_7c"),
                stages.stream().map(Stages.Stage::name).toList());
        assertEquals(
                List.of(
                        "Conv2d_1a_3x3.conv.weight",
                        "Conv2d_1a_3x3.bn.weight",
                        "Conv2d_1a_3x3.bn.bias"),
                stages.get(0).parameters(),
                "BasicConv2d: no bias; running statistics never train");
        assertTrue(
                stages.get(4).parameters().contains("Conv2d_4a_3x3.conv.weight"),
                "the last stem convolution joins the first module, as in GoogLeNet");
        assertEquals(9, stages.get(14).batchNorms().size(), "Mixed_7c's nine BasicConv2d");
    }

    @Test
    void zooInceptionV3Aux_hasTheSameStagesOnceCutAtItsFeatures() throws Exception {
        List<Stages.Stage> aux = stagesOf(BackboneZoo.build("inception_v3_aux", 10, 299, 0));
        assertEquals(stagesOf(BackboneZoo.build("inception_v3", 10, 75, 0)), aux);
        assertTrue(
                aux.stream()
                        .flatMap(s -> s.parameters().stream())
                        .noneMatch(p -> p.startsWith("AuxLogits")),
                "the auxiliary classifier does not feed the features");
    }

    @Test
    void zooVgg19_hasOneStagePerConvolutionAndHiddenLinearLayer() throws Exception {
        ModelProto features =
                ModelEditor.cutAtFeatures(
                        ModelEditor.dynamicBatch(BackboneZoo.build("vgg19", 10, 32, 0)), null);
        // VGG has no running statistics, so every initializer trains; this spares building the
        // executor's 139 M parameters, which takes longer than the split itself
        List<Stages.Stage> stages = Stages.of(features.getGraph(), ModelEditor.FEATURES, n -> true);
        List<String> names = stages.stream().map(Stages.Stage::name).toList();
        assertEquals(18, names.size(), names.toString());
        assertEquals("features.0", names.get(0));
        assertEquals("features.34", names.get(15));
        assertEquals(List.of("classifier.0", "classifier.3"), names.subList(16, 18));
        assertEquals(
                List.of("features.34.weight", "features.34.bias"), stages.get(15).parameters());
    }

    @Test
    void realSqueezeNet_stagesAreConv1AndTheEightFireModules() throws Exception {
        ModelProto model = OnnxModels.read(TestData.require("models/squeezenet1.1.onnx"));
        List<Stages.Stage> stages = stagesOf(model);
        assertEquals(
                List.of(
                        "conv1", "fire2", "fire3", "fire4", "fire5", "fire6", "fire7", "fire8",
                        "fire9"),
                stages.stream().map(Stages.Stage::name).toList());
    }

    @Test
    void name_isTheCommonPrefixUpToASeparator() {
        assertEquals("fire9", Stages.name(List.of("fire9/squeeze1x1_w_0", "fire9/expand3x3_b_0")));
        assertEquals(
                "features",
                Stages.name(List.of("features.10.squeeze.weight", "features.11.expand.bias")));
        assertEquals("conv1", Stages.name(List.of("conv1.weight")));
        assertEquals(
                "conv1..layer1.0.bn2", Stages.name(List.of("conv1.weight", "layer1.0.bn2.bias")));
    }

    /**
     * The later torchvision families stage as their own units. Trainable is every initializer but
     * the running statistics, as OnnxBlock decides, without building a block (its operators for
     * transformers may not all be there).
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "vit_tiny, 32, 12, encoder.layers.encoder_layer_0, encoder.layers.encoder_layer_11,"
                + " conv_proj.weight, encoder.ln.weight",
        "swin_t, 32, 12, features.1.0, features.7.1, features.0.0.weight, norm.weight",
        "convnext_tiny, 32, 4, features.1, features.7, features.0.0.weight, classifier.0.weight",
        "regnet_y_400mf, 32, 4, trunk_output.block1, trunk_output.block4, stem.0.weight,"
                + " trunk_output.block4.block4-5.f.c.1.bias",
        "efficientnet_v2_s, 32, 7, features.1, features.7, features.0.0.weight,"
                + " features.7.1.bias",
        "efficientnet_b0, 32, 8, features.1, features.8, features.0.0.weight,"
                + " features.8.1.bias",
        "mobilenet_v3_large, 32, 16, features.1, features.16, features.0.0.weight,"
                + " classifier.0.bias"
    })
    void zooFamilies_haveTheirOwnStages(
            String name,
            int size,
            int count,
            String first,
            String last,
            String inFirst,
            String inLast) {
        ModelProto features = ModelEditor.cutAtFeatures(BackboneZoo.build(name, 10, size, 0), null);
        List<Stages.Stage> stages =
                Stages.of(
                        features.getGraph(),
                        ModelEditor.FEATURES,
                        n -> !n.endsWith("running_mean") && !n.endsWith("running_var"));
        List<String> names = stages.stream().map(Stages.Stage::name).toList();
        assertEquals(count, stages.size(), names.toString());
        assertEquals(first, names.get(0));
        assertEquals(last, names.get(count - 1));
        assertTrue(stages.get(0).parameters().contains(inFirst), "the stem joins the first stage");
        assertTrue(stages.get(count - 1).parameters().contains(inLast), inLast);
        long parameters = stages.stream().mapToLong(s -> s.parameters().size()).sum();
        long trainable =
                features.getGraph().getInitializerList().stream()
                        .filter(
                                t ->
                                        !t.getName().endsWith("running_mean")
                                                && !t.getName().endsWith("running_var"))
                        .count();
        assertEquals(trainable, parameters, "every trainable parameter is in one stage");
        long batchNorms =
                features.getGraph().getNodeList().stream()
                        .filter(n -> n.getOpType().equals("BatchNormalization"))
                        .count();
        assertEquals(batchNorms, stages.stream().mapToLong(s -> s.batchNorms().size()).sum(), name);
    }

    @Test
    void zooConvNext_downsamplingJoinsTheStageAfterIt() {
        ModelProto features =
                ModelEditor.cutAtFeatures(BackboneZoo.build("convnext_tiny", 10, 32, 0), null);
        List<Stages.Stage> stages = Stages.of(features.getGraph(), ModelEditor.FEATURES, n -> true);
        assertTrue(stages.get(1).parameters().contains("features.2.1.weight"));
        assertTrue(stages.get(1).parameters().contains("features.3.2.layer_scale"));
        assertEquals(
                "features.3.0.block.0.weight",
                stages.get(1).parameters().get(4),
                "features.2 (norm weight and bias, conv weight and bias) comes first");
    }

    @Test
    void of_rejectsAMissingFeatureTensor() {
        ModelProto model = TinyNets.classifier(1);
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Stages.of(model.getGraph(), "nope", n -> true));
        assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
    }
}
