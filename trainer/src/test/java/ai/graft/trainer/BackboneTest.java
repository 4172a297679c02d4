package ai.graft.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.ModelEditor;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import org.junit.jupiter.api.Test;

/** Zoo names as backbones: the architecture's default size, and what the cut keeps. */
class BackboneTest {

    @Test
    void open_zooNameTakesTheArchitecturesDefaultSize() throws Exception {
        assertEquals(224, Backbone.open("squeezenet1_1", null, null).preprocessing().width());
        Backbone inception = Backbone.open("inception_v3", null, null);
        assertEquals(299, inception.preprocessing().width());
        assertEquals(299, inception.preprocessing().height());
        // torchvision's Inception v3 transform: shorter side to 342, centre crop 299
        assertEquals(342, inception.preprocessing().resizeShorter());
    }

    @Test
    void open_inceptionV3AuxCutsAwayTheAuxiliaryClassifier() throws Exception {
        GraphProto g = Backbone.open("inception_v3_aux", null, null).featureModel().getGraph();
        assertEquals(1, g.getOutputCount());
        assertEquals(ModelEditor.FEATURES, g.getOutput(0).getName());
        assertEquals(
                2048, g.getOutput(0).getType().getTensorType().getShape().getDim(1).getDimValue());
        assertTrue(
                g.getInitializerList().stream()
                        .noneMatch(t -> t.getName().startsWith("AuxLogits")));
        assertTrue(g.getInitializerList().stream().noneMatch(t -> t.getName().startsWith("fc.")));
    }
}
