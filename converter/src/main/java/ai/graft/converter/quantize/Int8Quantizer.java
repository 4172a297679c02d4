package ai.graft.converter.quantize;

import ai.graft.converter.ModelEditor;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.graph.Graphs;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.opset.OpsetConverter;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.InputException;
import ai.graft.sdk.Preprocessing;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Static INT8 quantization of a float32 model into the QDQ form that ONNX Runtime runs on integer
 * kernels, calibrated on images preprocessed as at inference.
 *
 * <pre>{@code
 * Int8Result r = Int8Quantizer.quantize(model, "squeezenet1.1.onnx", "data_0",
 *         images, Preprocessing.caffe(224, 224), Int8Options.defaults());
 * System.out.println(r.kernels().describe());
 * OnnxModels.write(r.model(), Path.of("squeezenet1.1-int8.onnx"));
 * }</pre>
 *
 * <p>Steps: the model is brought to opset 13 or later (per-channel DequantizeLinear needs it),
 * Dropout and Identity (no-ops at inference) are removed, each BatchNormalization that follows a
 * Conv is folded into it ({@link ModelEditor#foldBatchNorm}, so that no float batch norm sits
 * between two integer kernels), {@link QdqPlan} places the pairs, {@link Calibrator} measures the
 * ranges, {@link FloatFallback} keeps the most sensitive layers in float when the fully quantized
 * model agrees too little with the float one (as {@link Int8Options#fallbackNodes()} allows),
 * {@link QdqWriter} writes the graph, and {@link KernelCheck} reads what ONNX Runtime makes of it.
 * Thread-safe: stateless.
 */
public final class Int8Quantizer {
    /** The first opset whose DequantizeLinear takes an axis (per-channel scales). */
    public static final int MIN_OPSET = 13;

    private Int8Quantizer() {}

    /**
     * Quantizes a float32 model.
     *
     * @param model the float32 model
     * @param name its name for messages
     * @param input the name of its image input
     * @param images the calibration images
     * @param preprocessing the model's preprocessing, fitted to its input
     * @param options method, weight scales and activation type
     * @return the quantized model and what was done
     * @throws ai.graft.sdk.ModelException when the model is already quantized or float16, cannot be
     *     brought to opset {@value #MIN_OPSET}, or ONNX Runtime cannot run it
     * @throws ai.graft.sdk.ImageException when none of the images can be read
     * @throws InputException when a node to keep float is not in the model
     */
    public static Int8Result quantize(
            ModelProto model,
            String name,
            String input,
            List<Path> images,
            Preprocessing preprocessing,
            Int8Options options)
            throws GraftException {
        ModelChecks.requireFloat32(model, name);
        ModelProto prepared = ModelEditor.foldBatchNorm(withoutNoOps(atLeastOpset13(model, name)));
        requireNodes(prepared, options.keepFloat(), name);
        QdqPlan plan = QdqPlan.of(prepared, options.keepFloat());
        // One calibration serves every plan the fallback may try: each layer kept float alone.
        Set<String> calibrated = new LinkedHashSet<>(plan.calibrated());
        if (options.fallbackNodes() > 0) {
            for (String node : plan.weightedNodes()) {
                Set<String> keep = new HashSet<>(options.keepFloat());
                keep.add(node);
                calibrated.addAll(QdqPlan.of(prepared, keep).calibrated());
            }
        }
        Calibrator.Result calibration =
                Calibrator.run(
                        prepared,
                        input,
                        calibrated,
                        images,
                        preprocessing,
                        options.method(),
                        options.percentile());
        Function<QdqPlan, ModelProto> writer =
                p ->
                        QdqWriter.write(
                                prepared,
                                p,
                                calibration.ranges(),
                                options.activations(),
                                options.perChannel(),
                                options.reduceRange()
                                        ? WeightQuantizer.QMAX_REDUCED
                                        : WeightQuantizer.QMAX);
        Set<String> keepFloat = options.keepFloat();
        if (options.fallbackNodes() > 0) {
            keepFloat =
                    FloatFallback.choose(
                            prepared,
                            input,
                            keepFloat,
                            calibration.images(),
                            preprocessing,
                            writer,
                            options.fallbackNodes(),
                            options.targetAgreement());
            plan = QdqPlan.of(prepared, keepFloat);
        }
        ModelProto quantized = writer.apply(plan);
        List<String> kept =
                QdqPlan.of(prepared).weightedNodes().stream().filter(keepFloat::contains).toList();
        return new Int8Result(
                quantized,
                calibration.images(),
                calibration.skipped(),
                plan.quantized().size(),
                plan.floatNodes(),
                KernelCheck.check(quantized),
                kept);
    }

    /** Fails when a node to keep float is not in the model, so that a misspelt name is seen. */
    private static void requireNodes(ModelProto model, Set<String> keepFloat, String name)
            throws InputException {
        Set<String> keys = new HashSet<>();
        model.getGraph().getNodeList().forEach(n -> keys.add(QdqPlan.key(n)));
        for (String k : keepFloat) {
            if (!keys.contains(k)) {
                throw new InputException(
                        "No node '"
                                + k
                                + "' to keep float in "
                                + name
                                + "; nodes are named as in the model, for example "
                                + QdqPlan.of(model).weightedNodes().stream().limit(5).toList());
            }
        }
    }

    private static ModelProto atLeastOpset13(ModelProto model, String name) throws GraftException {
        return OnnxModels.opset(model) >= MIN_OPSET
                ? model
                : OpsetConverter.convert(model, name, MIN_OPSET);
    }

    /**
     * Removes Dropout (with an unused mask) and Identity nodes, so that no float no-op sits between
     * two quantized operators. A node whose output is a graph output stays.
     */
    static ModelProto withoutNoOps(ModelProto model) {
        GraphProto g = model.getGraph();
        Set<String> outputs = new HashSet<>();
        g.getOutputList().forEach(v -> outputs.add(v.getName()));
        Set<String> used = new HashSet<>(outputs);
        g.getNodeList().forEach(n -> used.addAll(Graphs.allInputs(n)));
        Map<String, String> replace = new HashMap<>();
        GraphProto.Builder b = g.toBuilder().clearNode();
        for (NodeProto n : g.getNodeList()) {
            boolean noOp =
                    (n.getOpType().equals("Identity")
                                    || n.getOpType().equals("Dropout")
                                            && (n.getOutputCount() < 2
                                                    || !used.contains(n.getOutput(1))))
                            && n.getInputCount() >= 1
                            && !outputs.contains(n.getOutput(0));
            if (noOp) {
                replace.put(n.getOutput(0), replace.getOrDefault(n.getInput(0), n.getInput(0)));
                continue;
            }
            NodeProto.Builder nb = n.toBuilder();
            for (int i = 0; i < n.getInputCount(); i++) {
                String r = replace.get(n.getInput(i));
                if (r != null) {
                    nb.setInput(i, r);
                }
            }
            b.addNode(nb);
        }
        return model.toBuilder().setGraph(b).build();
    }
}
