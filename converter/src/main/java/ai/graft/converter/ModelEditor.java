package ai.graft.converter;

import ai.graft.converter.graph.Attributes;
import ai.graft.converter.graph.Graphs;
import ai.graft.converter.graph.ShapeInference;
import ai.graft.converter.graph.ValueInfos;
import ai.graft.converter.onnx.proto.OnnxProto.AttributeProto;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.StringStringEntryProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorShapeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TypeProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Edits ONNX graphs. Each method returns a new model and leaves its argument unchanged.
 *
 * <pre>{@code
 * ModelProto backbone = OnnxModels.read(Path.of("squeezenet1.1.onnx"));
 * ModelProto extractor = ModelEditor.cutAtFeatures(ModelEditor.dynamicBatch(backbone), null);
 * ModelProto classifier = ModelEditor.appendHead(extractor, HeadOptions.builder(2).seed(1).build());
 * OnnxModels.write(classifier, Path.of("ants-bees.onnx"));
 * }</pre>
 *
 * <p>Thread-safe: stateless.
 */
public final class ModelEditor {
    /** The default name of a dynamic batch dimension. */
    public static final String BATCH = "N";

    /** The default name of the embedding output of {@link #cutAtFeatures}. */
    public static final String FEATURES = "features";

    private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    private static final int FLOAT16 = TensorProto.DataType.FLOAT16_VALUE;

    private ModelEditor() {}

    // ---------------------------------------------------------------- float16

    /**
     * Converts float16 to float32 everywhere: initializers and tensor attributes (Constant values)
     * exactly, the element types of inputs, outputs and value_info, and Cast nodes to float16.
     * Casts that existed only to move between float32 and float16 are removed.
     *
     * @param model the model
     * @return the float32 model
     */
    public static ModelProto float16ToFloat32(ModelProto model) {
        ShapeInference.Result before = ShapeInference.infer(model, 1);
        GraphProto g = convertGraph(model.getGraph());
        // Casts between float32 and float16 are now float32 -> float32: drop them.
        Map<String, String> rename = new HashMap<>();
        Set<String> outputs = new HashSet<>();
        g.getOutputList().forEach(v -> outputs.add(v.getName()));
        GraphProto.Builder b = g.toBuilder().clearNode();
        List<NodeProto> original = model.getGraph().getNodeList();
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeProto n = g.getNode(i);
            NodeProto orig = original.get(i);
            if (n.getOpType().equals("Cast") && n.getInputCount() == 1) {
                long to = Attributes.getInt(orig, "to", 0);
                Integer inType = before.types().get(orig.getInput(0));
                // Float16 <-> float32 casts only: a cast from an integer type must stay.
                boolean floatIn = inType != null && (inType == FLOAT16 || inType == FLOAT);
                boolean fp16Cast = floatIn && (to == FLOAT16 || to == FLOAT);
                if (fp16Cast) {
                    String in = rename.getOrDefault(n.getInput(0), n.getInput(0));
                    if (outputs.contains(n.getOutput(0))) {
                        b.addNode(
                                n.toBuilder()
                                        .setOpType("Identity")
                                        .clearAttribute()
                                        .setInput(0, in)
                                        .build());
                    } else {
                        rename.put(n.getOutput(0), in);
                    }
                    continue;
                }
            }
            b.addNode(renameInputs(n, rename));
        }
        if (!rename.isEmpty()) {
            b.clearValueInfo();
            for (ValueInfoProto v : g.getValueInfoList()) {
                if (!rename.containsKey(v.getName())) {
                    b.addValueInfo(v);
                }
            }
        }
        return model.toBuilder().setGraph(b).build();
    }

    private static NodeProto renameInputs(NodeProto n, Map<String, String> rename) {
        if (rename.isEmpty()) {
            return n;
        }
        NodeProto.Builder nb = n.toBuilder();
        for (int i = 0; i < nb.getInputCount(); i++) {
            String r = rename.get(nb.getInput(i));
            if (r != null) {
                nb.setInput(i, r);
            }
        }
        return nb.build();
    }

    private static GraphProto convertGraph(GraphProto g) {
        GraphProto.Builder b = g.toBuilder();
        for (int i = 0; i < b.getInitializerCount(); i++) {
            b.setInitializer(i, toFloat32(b.getInitializer(i)));
        }
        for (int i = 0; i < b.getInputCount(); i++) {
            b.setInput(i, toFloat32(b.getInput(i)));
        }
        for (int i = 0; i < b.getOutputCount(); i++) {
            b.setOutput(i, toFloat32(b.getOutput(i)));
        }
        for (int i = 0; i < b.getValueInfoCount(); i++) {
            b.setValueInfo(i, toFloat32(b.getValueInfo(i)));
        }
        for (int i = 0; i < b.getNodeCount(); i++) {
            NodeProto n = b.getNode(i);
            NodeProto.Builder nb = n.toBuilder();
            for (int a = 0; a < nb.getAttributeCount(); a++) {
                AttributeProto attr = nb.getAttribute(a);
                AttributeProto.Builder ab = attr.toBuilder();
                if (attr.hasT()) {
                    ab.setT(toFloat32(attr.getT()));
                }
                for (int t = 0; t < attr.getTensorsCount(); t++) {
                    ab.setTensors(t, toFloat32(attr.getTensors(t)));
                }
                if (attr.hasG()) {
                    ab.setG(convertGraph(attr.getG()));
                }
                for (int s = 0; s < attr.getGraphsCount(); s++) {
                    ab.setGraphs(s, convertGraph(attr.getGraphs(s)));
                }
                if (attr.getName().equals("to") && attr.getI() == FLOAT16) {
                    ab.setI(FLOAT);
                }
                nb.setAttribute(a, ab);
            }
            b.setNode(i, nb);
        }
        return b.build();
    }

    private static TensorProto toFloat32(TensorProto t) {
        if (t.getDataType() != FLOAT16) {
            return t;
        }
        TensorProto f =
                OnnxTensors.fromFloats(t.getName(), OnnxTensors.dims(t), OnnxTensors.toFloats(t));
        return t.hasDocString() ? f.toBuilder().setDocString(t.getDocString()).build() : f;
    }

    private static ValueInfoProto toFloat32(ValueInfoProto v) {
        TypeProto t = toFloat32(v.getType());
        return t == v.getType() ? v : v.toBuilder().setType(t).build();
    }

    private static TypeProto toFloat32(TypeProto t) {
        if (t.hasTensorType() && t.getTensorType().getElemType() == FLOAT16) {
            return t.toBuilder()
                    .setTensorType(t.getTensorType().toBuilder().setElemType(FLOAT))
                    .build();
        }
        if (t.hasSequenceType()) {
            TypeProto e = toFloat32(t.getSequenceType().getElemType());
            return t.toBuilder()
                    .setSequenceType(t.getSequenceType().toBuilder().setElemType(e))
                    .build();
        }
        if (t.hasOptionalType()) {
            TypeProto e = toFloat32(t.getOptionalType().getElemType());
            return t.toBuilder()
                    .setOptionalType(t.getOptionalType().toBuilder().setElemType(e))
                    .build();
        }
        return t;
    }

    // ---------------------------------------------------------------- batch

    /**
     * Makes the batch dimension dynamic, named {@value #BATCH}.
     *
     * @param model the model
     * @return the model with a dynamic batch
     * @see #dynamicBatch(ModelProto, String)
     */
    public static ModelProto dynamicBatch(ModelProto model) {
        return dynamicBatch(model, BATCH);
    }

    /**
     * Makes the batch dimension (the first) dynamic: of the real inputs, of outputs and value_info
     * computed from them, and of Reshape shape constants that hard-code the old batch size for a
     * tensor computed from the inputs (that entry becomes 0, "copy the input's dimension", or -1
     * where the Reshape sets allowzero). Weights are left alone.
     *
     * @param model the model
     * @param dimName the name of the symbolic dimension
     * @return the model with a dynamic batch
     */
    public static ModelProto dynamicBatch(ModelProto model, String dimName) {
        if (dimName == null || dimName.isEmpty()) {
            throw new IllegalArgumentException("Batch dimension name must not be empty");
        }
        GraphProto g = model.getGraph();
        Set<String> inits = Graphs.initializers(g).keySet();
        Set<String> live = Graphs.dependsOnInputs(g);
        long oldBatch = -1;
        GraphProto.Builder b = g.toBuilder();
        for (int i = 0; i < b.getInputCount(); i++) {
            ValueInfoProto v = b.getInput(i);
            if (inits.contains(v.getName())) {
                continue;
            }
            long[] shape = ValueInfos.shape(v);
            if (shape != null && shape.length > 0) {
                if (oldBatch < 0 && shape[0] > 0) {
                    oldBatch = shape[0];
                }
                b.setInput(i, withBatch(v, dimName));
            }
        }
        for (int i = 0; i < b.getOutputCount(); i++) {
            if (live.contains(b.getOutput(i).getName())) {
                b.setOutput(i, withBatch(b.getOutput(i), dimName));
            }
        }
        for (int i = 0; i < b.getValueInfoCount(); i++) {
            ValueInfoProto v = b.getValueInfo(i);
            long[] shape = ValueInfos.shape(v);
            if (live.contains(v.getName())
                    && shape != null
                    && shape.length > 0
                    && (shape[0] < 0 || shape[0] == oldBatch)) {
                b.setValueInfo(i, withBatch(v, dimName));
            }
        }
        if (oldBatch > 0 && fixReshapes(model, b, live, oldBatch)) {
            return model.toBuilder().setGraph(Graphs.prune(b.build())).build();
        }
        return model.toBuilder().setGraph(b).build();
    }

    private static boolean fixReshapes(
            ModelProto model, GraphProto.Builder b, Set<String> live, long oldBatch) {
        boolean changed = false;
        GraphProto g = model.getGraph();
        Map<String, TensorProto> consts = new HashMap<>(Graphs.initializers(g));
        for (NodeProto n : g.getNodeList()) {
            AttributeProto v = Attributes.find(n, "value");
            if (n.getOpType().equals("Constant") && v != null && v.hasT()) {
                consts.put(n.getOutput(0), v.getT());
            }
        }
        Set<String> used = Graphs.names(g);
        for (int i = 0; i < b.getNodeCount(); i++) {
            NodeProto n = b.getNode(i);
            if (!n.getOpType().equals("Reshape")
                    || n.getInputCount() < 2
                    || !live.contains(n.getInput(0))
                    || !consts.containsKey(n.getInput(1))) {
                continue;
            }
            TensorProto shapeTensor = consts.get(n.getInput(1));
            long[] shape = OnnxTensors.toLongs(shapeTensor);
            if (shape.length == 0 || shape[0] != oldBatch) {
                continue;
            }
            boolean allowZero = Attributes.getInt(n, "allowzero", 0) == 1;
            long[] fixed = shape.clone();
            if (!allowZero) {
                fixed[0] = 0;
            } else if (java.util.Arrays.stream(shape).noneMatch(d -> d == -1)) {
                fixed[0] = -1;
            } else {
                continue;
            }
            String name = Graphs.unique(used, n.getInput(1) + "_dynamic_batch");
            Graphs.addInitializer(
                    b,
                    OnnxTensors.fromLongs(name, OnnxTensors.dims(shapeTensor), fixed),
                    model.getIrVersion());
            b.setNode(i, n.toBuilder().setInput(1, name).build());
            changed = true;
        }
        return changed;
    }

    private static ValueInfoProto withBatch(ValueInfoProto v, String dimName) {
        TypeProto.Tensor t = v.getType().getTensorType();
        if (!t.hasShape() || t.getShape().getDimCount() == 0) {
            return v;
        }
        TensorShapeProto.Dimension d0 = t.getShape().getDim(0);
        TensorShapeProto.Dimension dyn =
                d0.toBuilder().clearDimValue().setDimParam(dimName).build();
        TensorShapeProto shape = t.getShape().toBuilder().setDim(0, dyn).build();
        return v.toBuilder()
                .setType(v.getType().toBuilder().setTensorType(t.toBuilder().setShape(shape)))
                .build();
    }

    // ---------------------------------------------------------------- outputs

    /**
     * Adds an inner tensor as a graph output (with its element type and, where known, shape).
     *
     * @param model the model
     * @param tensor the tensor name, or a node name for its first output
     * @return the model with the extra output (unchanged if it already is an output)
     * @throws IllegalArgumentException if nothing in the graph has that name
     */
    public static ModelProto addOutput(ModelProto model, String tensor) {
        GraphProto g = model.getGraph();
        String name = ModelInspector.resolveTensor(g, tensor);
        for (ValueInfoProto v : g.getOutputList()) {
            if (v.getName().equals(name)) {
                return model;
            }
        }
        ValueInfoProto info = null;
        for (ValueInfoProto v : g.getValueInfoList()) {
            if (v.getName().equals(name)) {
                info = v;
            }
        }
        if (info == null) {
            ShapeInference.Result r = ShapeInference.infer(model, 1);
            Integer type = r.types().get(name);
            info = ValueInfos.of(name, type == null ? FLOAT : type, null, null);
        }
        return model.toBuilder().setGraph(g.toBuilder().addOutput(info)).build();
    }

    /**
     * Renames a graph output (and the tensor, everywhere it is used).
     *
     * @param model the model
     * @param from the output's current name
     * @param to its new name, unused in the graph
     * @return the renamed model
     * @throws IllegalArgumentException if {@code from} is not an output or {@code to} is taken
     */
    public static ModelProto renameOutput(ModelProto model, String from, String to) {
        GraphProto g = model.getGraph();
        if (g.getOutputList().stream().noneMatch(v -> v.getName().equals(from))) {
            throw new IllegalArgumentException(
                    "No output named '"
                            + from
                            + "'; outputs are "
                            + g.getOutputList().stream().map(ValueInfoProto::getName).toList());
        }
        if (to == null || to.isEmpty() || Graphs.names(g).contains(to)) {
            throw new IllegalArgumentException(
                    "Cannot rename output '" + from + "' to '" + to + "': name empty or in use");
        }
        if (g.getInputList().stream().anyMatch(v -> v.getName().equals(from))) {
            throw new IllegalArgumentException(
                    "Output '" + from + "' is also an input; not renamed");
        }
        return model.toBuilder().setGraph(renameTensor(g, from, to)).build();
    }

    /** Renames a tensor that a node produces wherever it appears: node inputs, outputs, infos. */
    private static GraphProto renameTensor(GraphProto g, String from, String to) {
        GraphProto.Builder b = g.toBuilder();
        Map<String, String> rename = Map.of(from, to);
        for (int i = 0; i < b.getNodeCount(); i++) {
            NodeProto.Builder nb = renameInputs(b.getNode(i), rename).toBuilder();
            for (int o = 0; o < nb.getOutputCount(); o++) {
                if (nb.getOutput(o).equals(from)) {
                    nb.setOutput(o, to);
                }
            }
            b.setNode(i, nb);
        }
        for (int i = 0; i < b.getOutputCount(); i++) {
            if (b.getOutput(i).getName().equals(from)) {
                b.setOutput(i, b.getOutput(i).toBuilder().setName(to));
            }
        }
        for (int i = 0; i < b.getValueInfoCount(); i++) {
            if (b.getValueInfo(i).getName().equals(from)) {
                b.setValueInfo(i, b.getValueInfo(i).toBuilder().setName(to));
            }
        }
        return b.build();
    }

    // ---------------------------------------------------------------- cut

    /**
     * Cuts a classifier into a feature extractor with one output {@value #FEATURES} of shape {@code
     * [N, C]}: the feature tensor, global-average-pooled if it has spatial dimensions, then
     * flattened. Everything after the feature node is removed.
     *
     * @param model the classifier
     * @param featureNode the feature tensor or node name, or null to find it ({@link
     *     ModelInspector#findFeatureNode})
     * @return the feature extractor
     * @throws IllegalArgumentException if the name is not in the graph, no classifier is found, or
     *     {@value #FEATURES} is already a tensor name
     */
    public static ModelProto cutAtFeatures(ModelProto model, String featureNode) {
        return cutAtFeatures(model, featureNode, FEATURES);
    }

    /**
     * As {@link #cutAtFeatures(ModelProto, String)}, naming the output.
     *
     * @param model the classifier
     * @param featureNode the feature tensor or node name, or null to find it
     * @param outputName the name of the embedding output
     * @return the feature extractor
     */
    public static ModelProto cutAtFeatures(
            ModelProto model, String featureNode, String outputName) {
        GraphProto g = model.getGraph();
        String tensor;
        if (featureNode != null) {
            tensor = ModelInspector.resolveTensor(g, featureNode);
        } else {
            FeatureNode f = ModelInspector.findFeatureNode(model);
            if (f == null) {
                throw new IllegalArgumentException(
                        "No final classifier (Gemm, MatMul or 1x1 Conv) found before output '"
                                + g.getOutput(0).getName()
                                + "'; name the feature node explicitly");
            }
            tensor = f.tensor();
        }
        Set<String> used = Graphs.names(g);
        if (used.contains(outputName)) {
            // A model cut and given a head before (a trained Graft model) already has a tensor of
            // that name; it is renamed so that the new output can take the name.
            boolean produced =
                    g.getNodeList().stream().anyMatch(n -> n.getOutputList().contains(outputName));
            if (!produced) {
                throw new IllegalArgumentException(
                        "The graph already has an input or initializer named '"
                                + outputName
                                + "'; choose another output name");
            }
            String renamed = Graphs.unique(used, outputName + "_in");
            g = renameTensor(g, outputName, renamed);
            model = model.toBuilder().setGraph(g).build();
            if (tensor.equals(outputName)) {
                tensor = renamed;
            }
            used = Graphs.names(g);
        }
        ShapeInference.Result r = ShapeInference.infer(model, 1);
        long[] shape = r.shapes().get(tensor);
        Integer type = r.types().get(tensor);
        GraphProto.Builder b = g.toBuilder().clearOutput();
        String pooled = tensor;
        if (shape == null || shape.length > 2) {
            pooled = Graphs.unique(used, outputName + "_gap");
            b.addNode(
                    Graphs.node(
                            "GlobalAveragePool",
                            Graphs.unique(used, outputName + "_gap_node"),
                            List.of(tensor),
                            List.of(pooled)));
        }
        b.addNode(
                Graphs.node(
                                "Flatten",
                                Graphs.unique(used, outputName + "_flatten"),
                                List.of(pooled),
                                List.of(outputName))
                        .toBuilder()
                        .addAttribute(Attributes.ofInt("axis", 1))
                        .build());
        long channels = shape != null && shape.length > 1 ? shape[1] : -1;
        b.addOutput(outputInfo(g, outputName, type == null ? FLOAT : type, channels));
        return model.toBuilder().setGraph(Graphs.prune(b.build())).build();
    }

    /** An output [batch, columns] whose batch dimension copies that of the first input. */
    private static ValueInfoProto outputInfo(GraphProto g, String name, int type, long columns) {
        TensorShapeProto.Dimension batch = TensorShapeProto.Dimension.newBuilder().build();
        List<ValueInfoProto> inputs = Graphs.realInputs(g);
        if (!inputs.isEmpty()) {
            TypeProto.Tensor t = inputs.get(0).getType().getTensorType();
            if (t.hasShape() && t.getShape().getDimCount() > 0) {
                batch = t.getShape().getDim(0).toBuilder().clearDenotation().build();
            }
        }
        TensorShapeProto.Dimension.Builder cols = TensorShapeProto.Dimension.newBuilder();
        if (columns > 0) {
            cols.setDimValue(columns);
        }
        TensorShapeProto shape = TensorShapeProto.newBuilder().addDim(batch).addDim(cols).build();
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(
                        TypeProto.newBuilder()
                                .setTensorType(
                                        TypeProto.Tensor.newBuilder()
                                                .setElemType(type)
                                                .setShape(shape)))
                .build();
    }

    /**
     * Replaces the values of a float initializer, keeping its name and requiring its shape: how a
     * head appended by {@link #appendHead} receives weights trained elsewhere.
     *
     * @param model the model
     * @param name the initializer's name
     * @param dims the shape the initializer must already have
     * @param values the new values, row-major, as many as the shape holds
     * @return the model with the new values
     * @throws IllegalArgumentException when there is no such initializer, its shape differs, or
     *     {@code values} does not fill the shape
     */
    public static ModelProto replaceInitializer(
            ModelProto model, String name, long[] dims, float[] values) {
        long count = 1;
        for (long d : dims) {
            count *= d;
        }
        if (values.length != count) {
            throw new IllegalArgumentException(
                    values.length
                            + " values for initializer '"
                            + name
                            + "' of shape "
                            + java.util.Arrays.toString(dims)
                            + ", expected "
                            + count);
        }
        GraphProto.Builder g = model.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            if (t.getName().equals(name)) {
                long[] have = OnnxTensors.dims(t);
                if (!java.util.Arrays.equals(have, dims)) {
                    throw new IllegalArgumentException(
                            "Initializer '"
                                    + name
                                    + "' has shape "
                                    + java.util.Arrays.toString(have)
                                    + ", expected "
                                    + java.util.Arrays.toString(dims));
                }
                g.setInitializer(i, OnnxTensors.fromFloats(name, dims, values));
                return model.toBuilder().setGraph(g).build();
            }
        }
        throw new IllegalArgumentException("The model has no initializer '" + name + "'");
    }

    // ---------------------------------------------------------------- head

    /**
     * Appends a new classification head reading {@link HeadOptions#inputName()}: a Gemm (or a 1x1
     * Conv, pooled and flattened) with {@link HeadOptions#classes()} outputs and seeded initial
     * weights, optionally followed by a Softmax. The new output comes first; existing outputs
     * follow unless {@link HeadOptions#keepOutputs()} is false.
     *
     * @param model the model, usually a feature extractor from {@link #cutAtFeatures}
     * @param options the head
     * @return the model with the head
     * @throws IllegalArgumentException if the input tensor is missing, its channel count unknown,
     *     its rank unsuitable for the kind, or the output name taken
     */
    public static ModelProto appendHead(ModelProto model, HeadOptions options) {
        GraphProto g = model.getGraph();
        String input = ModelInspector.resolveTensor(g, options.inputName());
        Set<String> used = Graphs.names(g);
        if (used.contains(options.outputName())) {
            throw new IllegalArgumentException(
                    "The graph already has a tensor named '"
                            + options.outputName()
                            + "'; choose another head output name");
        }
        ShapeInference.Result r = ShapeInference.infer(model, 1);
        long[] shape = r.shapes().get(input);
        if (shape == null || shape.length < 2 || shape[1] <= 0) {
            throw new IllegalArgumentException(
                    "Cannot size a head on '"
                            + input
                            + "': its channel count is unknown (shape "
                            + (shape == null ? "unknown" : java.util.Arrays.toString(shape))
                            + ")");
        }
        long channels = shape[1];
        int classes = options.classes();
        GraphProto.Builder b = g.toBuilder();
        String prefix = options.parameterPrefix();
        String weight = Graphs.unique(used, prefix + "weight");
        String bias = Graphs.unique(used, prefix + "bias");
        boolean conv = options.kind() == HeadOptions.Kind.CONV_1X1;
        if (conv && shape.length != 4) {
            throw new IllegalArgumentException(
                    "A 1x1 Conv head needs a [N, C, H, W] input; '"
                            + input
                            + "' has shape "
                            + java.util.Arrays.toString(shape));
        }
        float[] w = new float[Math.toIntExact(classes * channels)];
        float[] bv = new float[classes];
        if (options.init() == HeadOptions.Init.KAIMING_UNIFORM) {
            Random random = new Random(options.seed());
            double bound = 1.0 / Math.sqrt(channels);
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
            }
            for (int i = 0; i < bv.length; i++) {
                bv[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
            }
        }
        long[] wDims = conv ? new long[] {classes, channels, 1, 1} : new long[] {classes, channels};
        Graphs.addInitializer(b, OnnxTensors.fromFloats(weight, wDims, w), model.getIrVersion());
        Graphs.addInitializer(
                b, OnnxTensors.fromFloats(bias, new long[] {classes}, bv), model.getIrVersion());
        String x = input;
        String headName = prefix.endsWith(".") ? prefix.substring(0, prefix.length() - 1) : prefix;
        if (!conv && shape.length > 2) {
            String gap = Graphs.unique(used, headName + "_gap");
            b.addNode(Graphs.node("GlobalAveragePool", gap, List.of(x), List.of(gap)));
            String flat = Graphs.unique(used, headName + "_flatten");
            b.addNode(
                    Graphs.node("Flatten", flat, List.of(gap), List.of(flat)).toBuilder()
                            .addAttribute(Attributes.ofInt("axis", 1))
                            .build());
            x = flat;
        }
        String out = options.outputName();
        String logits = options.softmax() ? Graphs.unique(used, out + "_logits") : out;
        if (conv) {
            String c = Graphs.unique(used, headName + "_conv");
            b.addNode(
                    Graphs.node("Conv", c, List.of(x, weight, bias), List.of(c)).toBuilder()
                            .addAttribute(Attributes.ofInts("kernel_shape", 1, 1))
                            .build());
            String gap = Graphs.unique(used, headName + "_gap");
            b.addNode(Graphs.node("GlobalAveragePool", gap, List.of(c), List.of(gap)));
            b.addNode(
                    Graphs.node(
                                    "Flatten",
                                    Graphs.unique(used, headName + "_flatten"),
                                    List.of(gap),
                                    List.of(logits))
                            .toBuilder()
                            .addAttribute(Attributes.ofInt("axis", 1))
                            .build());
        } else {
            b.addNode(
                    Graphs.node(
                                    "Gemm",
                                    Graphs.unique(used, headName + "_gemm"),
                                    List.of(x, weight, bias),
                                    List.of(logits))
                            .toBuilder()
                            .addAttribute(Attributes.ofFloat("alpha", 1f))
                            .addAttribute(Attributes.ofFloat("beta", 1f))
                            .addAttribute(Attributes.ofInt("transB", 1))
                            .build());
        }
        if (options.softmax()) {
            b.addNode(
                    Graphs.node(
                                    "Softmax",
                                    Graphs.unique(used, headName + "_softmax"),
                                    List.of(logits),
                                    List.of(out))
                            .toBuilder()
                            .addAttribute(Attributes.ofInt("axis", 1))
                            .build());
        }
        b.clearOutput();
        b.addOutput(outputInfo(g, out, FLOAT, classes));
        if (options.keepOutputs()) {
            b.addAllOutput(g.getOutputList());
        }
        GraphProto result = options.keepOutputs() ? b.build() : Graphs.prune(b.build());
        return model.toBuilder().setGraph(result).build();
    }

    /**
     * Appends the signed square root of a tensor, {@code sign(x) sqrt(|x|)}, computed as {@code
     * sqrt(relu(x)) - sqrt(relu(-x))} so that it needs no operator newer than opset 6 (Sign came
     * with opset 9). The graph's outputs are unchanged; a head appended on the returned tensor
     * reads the transformed values.
     *
     * @param model the model
     * @param input the tensor (or node) to transform
     * @param prefix the prefix of the new nodes' and tensors' names
     * @return the model and the name of the transformed tensor
     * @throws IllegalArgumentException if the input is not in the graph
     */
    public static Appended appendSignedSqrt(ModelProto model, String input, String prefix) {
        GraphProto g = model.getGraph();
        String x = ModelInspector.resolveTensor(g, input);
        Set<String> used = Graphs.names(g);
        GraphProto.Builder b = g.toBuilder();
        String positive = Graphs.unique(used, prefix + "relu");
        String negated = Graphs.unique(used, prefix + "neg");
        String negative = Graphs.unique(used, prefix + "relu_neg");
        String rootPositive = Graphs.unique(used, prefix + "sqrt");
        String rootNegative = Graphs.unique(used, prefix + "sqrt_neg");
        String out = Graphs.unique(used, prefix + "signed_sqrt");
        b.addNode(Graphs.node("Relu", positive, List.of(x), List.of(positive)));
        b.addNode(Graphs.node("Sqrt", rootPositive, List.of(positive), List.of(rootPositive)));
        b.addNode(Graphs.node("Neg", negated, List.of(x), List.of(negated)));
        b.addNode(Graphs.node("Relu", negative, List.of(negated), List.of(negative)));
        b.addNode(Graphs.node("Sqrt", rootNegative, List.of(negative), List.of(rootNegative)));
        b.addNode(Graphs.node("Sub", out, List.of(rootPositive, rootNegative), List.of(out)));
        return new Appended(model.toBuilder().setGraph(b).build(), out);
    }

    /**
     * A model with new nodes, and the tensor they compute.
     *
     * @param model the model
     * @param output the new tensor's name
     */
    public record Appended(ModelProto model, String output) {}

    // ---------------------------------------------------------------- batch norm

    /**
     * Folds each inference-mode BatchNormalization that directly follows a Conv (whose output
     * nothing else reads and is not a graph output) into that Conv's weight and bias: {@code w' = w
     * * s}, {@code b' = (b - mean) * s + beta} with {@code s = scale / sqrt(var + epsilon)} per
     * output channel, computed in double. A Conv without a bias gains one; a grouped Conv folds the
     * same way (its weight's first dimension is the output channel). Only float32 weights are
     * folded; batch norms that cannot be folded stay as they are.
     *
     * @param model the model
     * @return the model with those batch norms folded
     */
    public static ModelProto foldBatchNorm(ModelProto model) {
        GraphProto g = model.getGraph();
        Map<String, TensorProto> inits = Graphs.initializers(g);
        Map<String, NodeProto> producers = Graphs.producers(g);
        Map<String, List<NodeProto>> consumers = Graphs.consumers(g);
        Set<String> outputs = new HashSet<>();
        g.getOutputList().forEach(v -> outputs.add(v.getName()));
        Set<String> used = Graphs.names(g);
        Map<NodeProto, NodeProto> replacedConv = new HashMap<>();
        Set<NodeProto> removedBn = new HashSet<>();
        Map<String, TensorProto> newInits = new java.util.LinkedHashMap<>();
        for (NodeProto bn : g.getNodeList()) {
            if (!bn.getOpType().equals("BatchNormalization") || bn.getInputCount() != 5) {
                continue;
            }
            if (bn.getOutputList().stream().skip(1).anyMatch(o -> !o.isEmpty())
                    || Attributes.getInt(bn, "training_mode", 0) != 0) {
                continue;
            }
            NodeProto conv = producers.get(bn.getInput(0));
            if (conv == null
                    || !conv.getOpType().equals("Conv")
                    || replacedConv.containsKey(conv)
                    || consumers.getOrDefault(bn.getInput(0), List.of()).size() != 1
                    || outputs.contains(bn.getInput(0))
                    || !inits.containsKey(conv.getInput(1))) {
                continue;
            }
            boolean allConst = true;
            for (int i = 1; i < 5; i++) {
                allConst &= inits.containsKey(bn.getInput(i));
            }
            boolean hasBias = conv.getInputCount() > 2 && !conv.getInput(2).isEmpty();
            if (!allConst || (hasBias && !inits.containsKey(conv.getInput(2)))) {
                continue;
            }
            TensorProto wt = inits.get(conv.getInput(1));
            if (wt.getDataType() != FLOAT) {
                continue;
            }
            float[] w = OnnxTensors.toFloats(wt);
            float[] scale = OnnxTensors.toFloats(inits.get(bn.getInput(1)));
            float[] beta = OnnxTensors.toFloats(inits.get(bn.getInput(2)));
            float[] mean = OnnxTensors.toFloats(inits.get(bn.getInput(3)));
            float[] var = OnnxTensors.toFloats(inits.get(bn.getInput(4)));
            int out = (int) wt.getDims(0);
            if (scale.length != out
                    || beta.length != out
                    || mean.length != out
                    || var.length != out) {
                continue;
            }
            float[] b =
                    hasBias ? OnnxTensors.toFloats(inits.get(conv.getInput(2))) : new float[out];
            double eps = Attributes.getFloat(bn, "epsilon", 1e-5f);
            int per = w.length / out;
            float[] w2 = new float[w.length];
            float[] b2 = new float[out];
            for (int c = 0; c < out; c++) {
                double s = scale[c] / Math.sqrt((double) var[c] + eps);
                for (int k = 0; k < per; k++) {
                    w2[c * per + k] = (float) (w[c * per + k] * s);
                }
                b2[c] = (float) ((b[c] - (double) mean[c]) * s + beta[c]);
            }
            String wName = Graphs.unique(used, conv.getInput(1) + "_bn_folded");
            String bName =
                    Graphs.unique(
                            used,
                            (hasBias ? conv.getInput(2) : conv.getInput(1)) + "_bias_bn_folded");
            newInits.put(wName, OnnxTensors.fromFloats(wName, OnnxTensors.dims(wt), w2));
            newInits.put(bName, OnnxTensors.fromFloats(bName, new long[] {out}, b2));
            NodeProto.Builder cb =
                    conv.toBuilder().setInput(1, wName).setOutput(0, bn.getOutput(0));
            if (hasBias) {
                cb.setInput(2, bName);
            } else {
                while (cb.getInputCount() < 2) {
                    cb.addInput("");
                }
                if (cb.getInputCount() == 2) {
                    cb.addInput(bName);
                } else {
                    cb.setInput(2, bName);
                }
            }
            replacedConv.put(conv, cb.build());
            removedBn.add(bn);
        }
        if (removedBn.isEmpty()) {
            return model;
        }
        GraphProto.Builder b = g.toBuilder().clearNode();
        for (NodeProto n : g.getNodeList()) {
            if (!removedBn.contains(n)) {
                b.addNode(replacedConv.getOrDefault(n, n));
            }
        }
        for (TensorProto t : newInits.values()) {
            Graphs.addInitializer(b, t, model.getIrVersion());
        }
        // The folded Conv's old output tensor is gone; so are its value_info and unused weights.
        Set<String> goneOutputs = new HashSet<>();
        for (NodeProto bn : removedBn) {
            goneOutputs.add(bn.getInput(0));
        }
        GraphProto built = b.build();
        GraphProto.Builder vb = built.toBuilder().clearValueInfo();
        for (ValueInfoProto v : built.getValueInfoList()) {
            if (!goneOutputs.contains(v.getName())) {
                vb.addValueInfo(v);
            }
        }
        return model.toBuilder().setGraph(Graphs.prune(vb.build())).build();
    }

    // ---------------------------------------------------------------- metadata

    /**
     * Writes metadata_props: every existing key starting with {@code graft.} and every key in
     * {@code props} is replaced by {@code props}; other keys stay. Use {@code
     * ModelCard.toMetadata()} for the card.
     *
     * @param model the model
     * @param props keys and values, written in iteration order
     * @return the model with the metadata
     * @throws IllegalArgumentException for a null or empty key or a null value
     */
    public static ModelProto withMetadata(ModelProto model, Map<String, String> props) {
        for (Map.Entry<String, String> e : props.entrySet()) {
            if (e.getKey() == null || e.getKey().isEmpty() || e.getValue() == null) {
                throw new IllegalArgumentException(
                        "Metadata keys must be non-empty and values non-null: " + e);
            }
        }
        ModelProto.Builder b = model.toBuilder().clearMetadataProps();
        for (StringStringEntryProto e : model.getMetadataPropsList()) {
            if (!e.getKey().startsWith("graft.") && !props.containsKey(e.getKey())) {
                b.addMetadataProps(e);
            }
        }
        for (Map.Entry<String, String> e : props.entrySet()) {
            b.addMetadataProps(
                    StringStringEntryProto.newBuilder().setKey(e.getKey()).setValue(e.getValue()));
        }
        return b.build();
    }

    /**
     * Writes a model card into metadata_props, replacing every existing {@code graft.} key.
     *
     * @param model the model
     * @param card the card
     * @return the model with the card
     */
    public static ModelProto withCard(ModelProto model, ai.graft.sdk.ModelCard card) {
        return withMetadata(model, card.toMetadata());
    }

    /**
     * The metadata_props of a model as a map, in file order (a repeated key keeps its last value).
     *
     * @param model the model
     * @return a new modifiable map
     */
    public static Map<String, String> metadata(ModelProto model) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (StringStringEntryProto e : model.getMetadataPropsList()) {
            m.put(e.getKey(), e.getValue());
        }
        return m;
    }
}
