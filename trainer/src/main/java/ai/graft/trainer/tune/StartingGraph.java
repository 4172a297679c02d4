package ai.graft.trainer.tune;

import ai.graft.converter.HeadOptions;
import ai.graft.converter.ModelEditor;
import ai.graft.converter.OnnxTensors;
import ai.graft.converter.checkpoint.ModelExport;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ModelException;
import ai.graft.trainer.Backbone;
import ai.graft.trainer.Strategy;
import ai.graft.trainer.TrainingMonitor;
import ai.graft.trainer.TrainingOptions;
import ai.graft.trainer.exec.OnnxBlock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

/**
 * A graph run's starting point: the backbone cut at its features with a new linear head for the
 * dataset's classes ({@link ModelEditor#appendHead}), and which parameters are the head's.
 */
final class StartingGraph {
    /** The prefix of the new head's parameter names. */
    static final String HEAD_PREFIX = "head.";

    /** The new head's start on pretrained features: PyTorch's random start times this. */
    static final float HEAD_INIT_SCALE = 0.01f;

    private StartingGraph() {}

    /**
     * Opens the options' backbone for a fresh run, refusing a file for {@code scratch} and noting
     * when a transfer strategy gets a zoo architecture (nothing pretrained to transfer).
     *
     * @param o the run's settings
     * @param monitor where the note goes
     * @return the backbone
     * @throws ModelException when the backbone cannot be used
     * @throws IllegalArgumentException when {@code scratch} is given a file
     */
    static Backbone openBackbone(TrainingOptions o, TrainingMonitor monitor) throws ModelException {
        boolean file = Files.isRegularFile(Path.of(o.backbone()));
        if (o.strategy() == Strategy.SCRATCH && file) {
            throw new IllegalArgumentException(
                    "Strategy scratch trains a zoo architecture from fresh weights; '"
                            + o.backbone()
                            + "' is a file. Name an architecture of "
                            + ai.graft.converter.zoo.BackboneZoo.names()
                            + ", or use --strategy full to train every layer of the file");
        }
        Backbone b = Backbone.open(o.backbone(), o.preprocess(), o.featureNode(), o.seed());
        if (!file && o.strategy() != Strategy.SCRATCH) {
            monitor.log(
                    "note: "
                            + o.backbone()
                            + " is a zoo architecture with fresh weights, so nothing"
                            + " pretrained transfers; this is the scratch baseline");
        }
        return b;
    }

    /**
     * The backbone cut at its features with a new head. On pretrained features the head starts near
     * zero (PyTorch's random start times {@link #HEAD_INIT_SCALE}, so predictions start near
     * uniform), as Big Transfer (Kolesnikov et al., 2020) starts its heads at zero: a head at the
     * usual random scale on unnormalised features (SqueezeNet's, with Caffe preprocessing, have a
     * mean squared norm near 8,600) starts confidently wrong, and its first full-rate steps on a
     * tiny set overshoot. Not exactly zero: DJL refuses a first step whose gradients sum to zero,
     * and a zero head's do. A fresh architecture keeps the usual random start.
     *
     * @param o the run's settings (strategy and seed)
     * @param backbone the backbone
     * @param classes the number of classes
     * @return the training graph
     */
    static ModelProto withNewHead(TrainingOptions o, Backbone backbone, int classes) {
        ModelProto graph =
                ModelEditor.appendHead(
                        backbone.featureModel(),
                        HeadOptions.builder(classes)
                                .seed(o.seed())
                                .inputName(ModelEditor.FEATURES)
                                .outputName(ModelExport.LOGITS)
                                .parameterPrefix(HEAD_PREFIX)
                                .keepOutputs(true)
                                .build());
        return o.strategy() == Strategy.SCRATCH ? graph : scaledHead(graph, HEAD_INIT_SCALE);
    }

    /**
     * A resumed run's starting point, rebuilt from the backbone as the first run built it (for
     * setting back a divergence whose best epoch is no better).
     *
     * @param o the run's settings
     * @param classes the number of classes
     * @param backboneSha256 the backbone's digest in the checkpoint
     * @return the training graph
     * @throws ModelException when the backbone is not the one the checkpoint was trained from
     */
    static ModelProto rebuilt(TrainingOptions o, int classes, String backboneSha256)
            throws GraftException {
        Backbone b = Backbone.open(o.backbone(), o.preprocess(), o.featureNode(), o.seed());
        if (!b.sha256().equals(backboneSha256)) {
            throw new ModelException(
                    "Cannot set the run back to its start: the backbone "
                            + o.backbone()
                            + " is not the one the checkpoint was trained from");
        }
        return withNewHead(o, b, classes);
    }

    /**
     * The graph with the head's float initializers (those read by the nodes after the features)
     * multiplied by {@code factor}.
     */
    static ModelProto scaledHead(ModelProto model, float factor) {
        Set<String> downstream = new HashSet<>(Set.of(ModelEditor.FEATURES));
        Set<String> head = new HashSet<>();
        for (var n : model.getGraph().getNodeList()) {
            if (n.getInputList().stream().anyMatch(downstream::contains)) {
                downstream.addAll(n.getOutputList());
                head.addAll(n.getInputList());
            }
        }
        GraphProto.Builder g = model.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            if (head.contains(t.getName()) && t.getDataType() == TensorProto.DataType.FLOAT_VALUE) {
                float[] v = OnnxTensors.toFloats(t);
                for (int k = 0; k < v.length; k++) {
                    v[k] *= factor;
                }
                g.setInitializer(i, OnnxTensors.fromFloats(t.getName(), OnnxTensors.dims(t), v));
            }
        }
        return model.toBuilder().setGraph(g).build();
    }

    /** The head's parameters: those of the block that the feature extractor does not read. */
    static Set<String> headParameters(ModelProto graph, OnnxBlock block) {
        Set<String> head = new HashSet<>();
        GraphProto g = graph.getGraph();
        // The head reads the features: its nodes come after the node producing them.
        Set<String> downstream = new HashSet<>();
        downstream.add(ModelEditor.FEATURES);
        for (var n : g.getNodeList()) {
            boolean after = n.getInputList().stream().anyMatch(downstream::contains);
            if (after) {
                downstream.addAll(n.getOutputList());
                for (String in : n.getInputList()) {
                    if (block.parameter(in) != null) {
                        head.add(in);
                    }
                }
            }
        }
        return head;
    }
}
