package ai.graft.trainer.exec;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.OnnxTensors;
import ai.graft.converter.graph.Graphs;
import ai.graft.converter.graph.ValueInfos;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.OperatorSetIdProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;
import ai.graft.sdk.ModelException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * An ONNX graph as a DJL {@link ai.djl.nn.Block}: the graph is executed one operator at a time with
 * DJL {@link NDArray} operations, so that DJL's {@code Trainer}, optimisers and the engine's
 * autograd work on it.
 *
 * <p>Every float initializer that the outputs need is a {@link Parameter} named exactly as the
 * initializer (float16 and double are read as float32), so {@link #parameterValues()} can hand
 * trained values back to the exporter for the same graph. Initializers that only feed
 * non-differentiable inputs (batch-norm running statistics, Clip bounds, scalar operands of
 * arithmetic, shapes) are parameters that never train. Non-float initializers and {@code Constant}
 * nodes are constants; shape-computing subgraphs ({@code Shape -> Gather -> ... -> Reshape}) are
 * evaluated in Java from the actual array shapes on every forward pass.
 *
 * <p>Training semantics: in a training forward pass {@code BatchNormalization} normalises with the
 * batch statistics and updates its running statistics the ONNX way ({@code running = momentum *
 * running + (1 - momentum) * batch}, population variance), unless it was frozen with {@link
 * #freezeBatchNorm(boolean)}; {@code Dropout} is active only in training. A node that asks for
 * training behaviour itself follows ONNX: {@code BatchNormalization} with {@code training_mode=1}
 * uses batch statistics and outputs the updated running statistics (its parameters are left alone),
 * and a {@code Dropout} whose {@code training_mode} input is true in an inference pass is refused
 * rather than made random.
 *
 * <p>What the executor cannot run is refused by name, never approximated: an unknown operator or an
 * unsupported attribute setting when the block is made ({@link ModelException}), a setting that
 * depends on the data (a reflect pad wider than its axis) at run time ({@link
 * UnsupportedOperatorException}, as the cause of the forward pass's exception).
 *
 * <p>Parameter arrays are created by {@link #initialize(NDManager, DataType, Shape...)} (DJL's
 * {@code Trainer.initialize} calls it) from the initializer values; an initializer set on the
 * training configuration replaces them. Concurrent inference forward passes are safe; training is
 * single-threaded, as in DJL.
 *
 * <pre>{@code
 * OnnxBlock block = OnnxBlock.create(ModelProto.parseFrom(bytes));
 * block.freezeParameters(true);            // train nothing of the backbone...
 * block.freezeBatchNorm(true);             // ...and keep its batch-norm statistics
 * try (Model model = Model.newInstance("backbone")) {
 *     model.setBlock(block);
 *     try (Trainer trainer = model.newTrainer(config)) {
 *         trainer.initialize(new Shape(1, 3, 224, 224));
 *         ...
 *     }
 * }
 * }</pre>
 */
public final class OnnxBlock extends AbstractBlock {
    private final List<Node> nodes;
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, TensorProto> paramSources = new HashMap<>();
    private final Set<String> fixedParams = new HashSet<>();
    private final Map<String, HostTensor> constants = new HashMap<>();
    private final List<String> graphInputs;
    private final List<Shape> declaredInputShapes;
    private final List<String> graphOutputs;
    private final Map<String, Integer> lastUse = new HashMap<>();
    private final int opset;
    private final Map<String, Node> batchNorms = new LinkedHashMap<>();
    private final Set<String> frozenBatchNorms = ConcurrentHashMap.newKeySet();

    private OnnxBlock(ModelProto model, List<String> outputs) throws ModelException {
        GraphProto graph = model.getGraph();
        this.opset = defaultOpset(model);
        Map<String, TensorProto> initializers = Graphs.initializers(graph);
        for (NodeProto n : graph.getNodeList()) {
            if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
                throw new ModelException(
                        "Node '"
                                + n.getName()
                                + "' uses operator domain '"
                                + n.getDomain()
                                + "'; the trainer runs only standard ONNX operators");
            }
        }
        List<String> in = new ArrayList<>();
        List<Shape> inShapes = new ArrayList<>();
        for (ValueInfoProto v : Graphs.realInputs(graph)) {
            in.add(v.getName());
            inShapes.add(declaredShape(v));
        }
        this.graphInputs = List.copyOf(in);
        this.declaredInputShapes = List.copyOf(inShapes);
        Set<String> produced = new HashSet<>(in);
        for (NodeProto n : graph.getNodeList()) {
            produced.addAll(n.getOutputList());
        }
        if (outputs == null || outputs.isEmpty()) {
            outputs = graph.getOutputList().stream().map(ValueInfoProto::getName).toList();
        }
        for (String o : outputs) {
            if (!produced.contains(o) && !initializers.containsKey(o)) {
                throw new IllegalArgumentException(
                        "Unknown output '"
                                + o
                                + "': no node of graph '"
                                + graph.getName()
                                + "' produces it");
            }
        }
        this.graphOutputs = List.copyOf(outputs);
        this.nodes = schedule(graph, initializers.keySet(), graphOutputs);
        List<String> unsupported = new ArrayList<>();
        for (Node n : nodes) {
            if (!Ops.SUPPORTED.contains(n.op) && !unsupported.contains(n.op)) {
                unsupported.add(n.op);
            }
            if (n.op.equals("BatchNormalization")) {
                batchNorms.put(n.name, n);
            }
        }
        if (!unsupported.isEmpty()) {
            throw new ModelException(
                    "Graph '"
                            + graph.getName()
                            + "' uses operators the trainer cannot run: "
                            + unsupported
                            + "; supported are "
                            + Ops.SUPPORTED);
        }
        List<String> refused = new ArrayList<>();
        for (Node n : nodes) {
            String why = Ops.refusal(n, opset);
            if (why != null) {
                refused.add(n.describe() + ": " + why);
            }
        }
        if (!refused.isEmpty()) {
            throw new ModelException(
                    "Graph '"
                            + graph.getName()
                            + "' uses operator settings the trainer does not support: "
                            + String.join("; ", refused));
        }
        for (int i = 0; i < nodes.size(); i++) {
            for (String name : nodes.get(i).inputs) {
                lastUse.put(name, i);
            }
        }
        createParameters(initializers);
        this.inputNames = graphInputs;
    }

    /**
     * Makes a block that computes the graph's outputs.
     *
     * @param model the model
     * @return the block, parameters not yet initialised
     * @throws ModelException when the graph uses an operator the trainer cannot run
     */
    public static OnnxBlock create(ModelProto model) throws ModelException {
        return new OnnxBlock(model, null);
    }

    /**
     * Reads a model file (external data resolved) and makes a block that computes the graph's
     * outputs.
     *
     * @param file the {@code .onnx} file
     * @return the block, parameters not yet initialised
     * @throws ModelException when the file is not a readable ONNX model or uses an operator the
     *     trainer cannot run
     */
    public static OnnxBlock fromFile(Path file) throws ModelException {
        return new OnnxBlock(OnnxModels.read(file), null);
    }

    /**
     * Makes a block that computes the given values of the graph (for example a feature node); nodes
     * that they do not need are not run.
     *
     * @param model the model
     * @param outputs names of graph values to output, in order; empty for the graph's outputs
     * @return the block, parameters not yet initialised
     * @throws ModelException when the graph uses an operator the trainer cannot run
     * @throws IllegalArgumentException when no node produces an output
     */
    public static OnnxBlock create(ModelProto model, List<String> outputs) throws ModelException {
        return new OnnxBlock(model, outputs);
    }

    /**
     * The names of the graph inputs that {@code forward} takes, in order.
     *
     * @return the input names (graph inputs that are not initializers)
     */
    public List<String> graphInputNames() {
        return graphInputs;
    }

    /**
     * The names of the values {@code forward} returns, in order.
     *
     * @return the output names
     */
    public List<String> graphOutputNames() {
        return graphOutputs;
    }

    /**
     * The default-domain opset of the model.
     *
     * @return the opset version
     */
    public int opset() {
        return opset;
    }

    /**
     * The parameter made from an initializer.
     *
     * @param initializerName the initializer's name
     * @return the parameter, or {@code null} when there is no float initializer of that name
     */
    public Parameter parameter(String initializerName) {
        return params.get(initializerName);
    }

    /**
     * Whether a parameter can ever train: false for batch-norm running statistics and for
     * initializers that only feed non-differentiable inputs. {@link #freezeParameters} leaves those
     * frozen.
     *
     * @param initializerName the initializer's name
     * @return true when the parameter can be unfrozen
     */
    public boolean isTrainable(String initializerName) {
        return params.containsKey(initializerName) && !fixedParams.contains(initializerName);
    }

    /**
     * The current value of every parameter, keyed by initializer name, in initializer order: the
     * trained values once initialised, else the model's.
     *
     * @return float32 values, row-major, in a new map
     */
    public Map<String, float[]> parameterValues() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Parameter p = e.getValue();
            if (p.isInitialized()) {
                NDArray a = p.getArray();
                if (a.getDataType() == DataType.FLOAT32) {
                    out.put(e.getKey(), a.toFloatArray());
                } else {
                    try (NDArray f = a.toType(DataType.FLOAT32, true)) {
                        out.put(e.getKey(), f.toFloatArray());
                    }
                }
            } else {
                out.put(e.getKey(), OnnxTensors.toFloats(paramSources.get(e.getKey())));
            }
        }
        return out;
    }

    /**
     * The names of the BatchNormalization nodes (unnamed nodes are called {@code
     * BatchNormalization_<index>}).
     *
     * @return node names in graph order
     */
    public List<String> batchNormNodes() {
        return List.copyOf(batchNorms.keySet());
    }

    /**
     * Freezes or unfreezes every BatchNormalization node; see {@link #freezeBatchNorm(boolean,
     * Predicate)}.
     *
     * @param freeze true to freeze
     */
    public void freezeBatchNorm(boolean freeze) {
        freezeBatchNorm(freeze, name -> true);
    }

    /**
     * Freezes or unfreezes BatchNormalization nodes. A frozen node normalises with its running
     * statistics and leaves them unchanged, in training too, and its scale and bias parameters are
     * frozen; unfreezing restores batch statistics and makes scale and bias trainable.
     *
     * @param freeze true to freeze
     * @param nodeNames which nodes, by name
     */
    public void freezeBatchNorm(boolean freeze, Predicate<String> nodeNames) {
        for (Node n : batchNorms.values()) {
            if (!nodeNames.test(n.name)) {
                continue;
            }
            if (freeze) {
                frozenBatchNorms.add(n.name);
            } else {
                frozenBatchNorms.remove(n.name);
            }
            for (int k = 1; k <= 2; k++) {
                Parameter p = params.get(n.input(k));
                if (p != null && !fixedParams.contains(p.getName())) {
                    p.freeze(freeze);
                }
            }
        }
    }

    /**
     * Whether a BatchNormalization node is frozen.
     *
     * @param nodeName the node's name
     * @return true when it uses its running statistics in training
     */
    public boolean isBatchNormFrozen(String nodeName) {
        return frozenBatchNorms.contains(nodeName);
    }

    /**
     * Freezes or unfreezes all trainable parameters; parameters that can never train (see {@link
     * #isTrainable}) stay frozen. Batch-norm statistics are governed by {@link #freezeBatchNorm}.
     */
    @Override
    public void freezeParameters(boolean freeze) {
        freezeParameters(freeze, p -> true);
    }

    /** Like {@link #freezeParameters(boolean)}, for the parameters that pass the predicate. */
    @Override
    public void freezeParameters(boolean freeze, Predicate<Parameter> pred) {
        for (Parameter p : params.values()) {
            if (!fixedParams.contains(p.getName()) && pred.test(p)) {
                p.freeze(freeze);
            }
        }
    }

    /**
     * Initialises the parameters for the model's declared input shapes (dynamic dimensions as 1),
     * as float32.
     *
     * @param manager the manager that will own the parameter arrays
     */
    public void initialize(NDManager manager) {
        initialize(manager, DataType.FLOAT32, declaredInputShapes.toArray(new Shape[0]));
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Parameter any = params.values().stream().findFirst().orElse(null);
        if (any != null && !any.isInitialized()) {
            throw new IllegalStateException(
                    "OnnxBlock output shapes need initialised parameters; call initialize first");
        }
        Device device = any == null ? Device.cpu() : any.getArray().getDevice();
        try (NDManager manager = NDManager.newBaseManager(device)) {
            NDList in = new NDList();
            for (Shape s : inputShapes) {
                in.add(manager.zeros(s));
            }
            NDList out = forward(new ParameterStore(manager, false), in, false);
            return out.getShapes();
        }
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        if (inputs.size() != graphInputs.size()) {
            throw new IllegalArgumentException(
                    "Expected "
                            + graphInputs.size()
                            + " inputs "
                            + graphInputs
                            + ", got "
                            + inputs.size());
        }
        // A graph without inputs (constants only) computes on the parameter store's manager.
        NDManager caller =
                inputs.isEmpty() ? parameterStore.getManager() : inputs.head().getManager();
        Device device = inputs.isEmpty() ? caller.getDevice() : inputs.head().getDevice();
        Map<String, Object> env = new HashMap<>();
        // Every array of this pass lives in its scope, with the number of names bound to it.
        Map<NDArray, Integer> owned = new IdentityHashMap<>();
        try (NDManager scope = caller.newSubManager()) {
            for (int k = 0; k < graphInputs.size(); k++) {
                bind(graphInputs.get(k), alias(inputs.get(k), scope), env, owned);
            }
            for (int i = 0; i < nodes.size(); i++) {
                Node node = nodes.get(i);
                Object[] in = new Object[node.inputs.size()];
                for (int j = 0; j < in.length; j++) {
                    String name = node.inputs.get(j);
                    if (name.isEmpty()) {
                        continue;
                    }
                    Object v = env.get(name);
                    if (v == null) {
                        v = bindInitializer(name, parameterStore, device, training, scope);
                        bind(name, v, env, owned);
                    }
                    in[j] = v;
                }
                Ops.Context ctx =
                        new Ops.Context(
                                scope, training, opset, frozenBatchNorms.contains(node.name));
                Object[] out;
                try {
                    out = Ops.run(node, in, ctx);
                } catch (RuntimeException e) {
                    throw new IllegalStateException(
                            node.describe() + " failed: " + e.getMessage(), e);
                }
                for (int j = 0; j < node.outputs.size(); j++) {
                    String name = node.outputs.get(j);
                    Object v = j < out.length ? out[j] : null;
                    if (name.isEmpty() || v == null) {
                        continue;
                    }
                    if (v instanceof NDArray && ((NDArray) v).getManager() != scope) {
                        ((NDArray) v).attach(scope);
                    }
                    bind(name, v, env, owned);
                }
                release(node, i, env, owned);
            }
            NDList result = new NDList(graphOutputs.size());
            for (String name : graphOutputs) {
                Object v = env.get(name);
                if (v == null) {
                    v = bindInitializer(name, parameterStore, device, training, scope);
                }
                NDArray a =
                        v instanceof HostTensor ? ((HostTensor) v).toNDArray(scope) : (NDArray) v;
                a.attach(caller);
                a.setName(name);
                result.add(a);
            }
            return result;
        }
    }

    /** Binds a name to a value; an array is closed when the last name bound to it is released. */
    private static void bind(
            String name, Object value, Map<String, Object> env, Map<NDArray, Integer> owned) {
        env.put(name, value);
        if (value instanceof NDArray) {
            owned.merge((NDArray) value, 1, Integer::sum);
        }
    }

    /** A view of an array that lives in this pass's scope, so ops on it create arrays there. */
    private static NDArray alias(NDArray array, NDManager scope) {
        NDArray view = array.reshape(array.getShape());
        view.attach(scope);
        return view;
    }

    private Object bindInitializer(
            String name, ParameterStore store, Device device, boolean training, NDManager scope) {
        Parameter p = params.get(name);
        if (p != null) {
            return alias(store.getValue(p, device, training), scope);
        }
        HostTensor c = constants.get(name);
        if (c != null) {
            return c;
        }
        throw new IllegalStateException("No value for '" + name + "'");
    }

    /** Closes node outputs that no later node needs. */
    private void release(
            Node node, int index, Map<String, Object> env, Map<NDArray, Integer> owned) {
        for (String name : node.inputs) {
            if (name.isEmpty()
                    || lastUse.getOrDefault(name, -1) != index
                    || graphOutputs.contains(name)) {
                continue;
            }
            Object v = env.remove(name);
            if (v instanceof NDArray) {
                NDArray a = (NDArray) v;
                Integer count = owned.get(a);
                if (count == null) {
                    continue;
                }
                if (count <= 1) {
                    owned.remove(a);
                    a.close();
                } else {
                    owned.put(a, count - 1);
                }
            }
        }
    }

    // ---------------------------------------------------------------- construction

    private static int defaultOpset(ModelProto model) {
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                return (int) o.getVersion();
            }
        }
        return 1;
    }

    private static Shape declaredShape(ValueInfoProto v) {
        long[] s = ValueInfos.shape(v);
        if (s == null) {
            return new Shape(1);
        }
        for (int k = 0; k < s.length; k++) {
            s[k] = s[k] > 0 ? s[k] : 1;
        }
        return new Shape(s);
    }

    /** The nodes the outputs need, in an order where every input is computed before use. */
    private static List<Node> schedule(
            GraphProto graph, Set<String> initializers, List<String> outputs) {
        Set<String> available = new HashSet<>(initializers);
        for (ValueInfoProto v : graph.getInputList()) {
            available.add(v.getName());
        }
        List<Node> order = new ArrayList<>();
        for (int i : Graphs.schedule(graph, outputs, available)) {
            order.add(new Node(graph.getNode(i), i));
        }
        return Collections.unmodifiableList(order);
    }

    private void createParameters(Map<String, TensorProto> initializers) {
        // How each initializer is used decides its DJL type and whether it may train.
        Map<String, Parameter.Type> types = new HashMap<>();
        Map<String, Boolean> differentiable = new HashMap<>();
        for (Node n : nodes) {
            for (int k = 0; k < n.inputs.size(); k++) {
                String name = n.inputs.get(k);
                TensorProto t = initializers.get(name);
                if (t == null || !HostTensor.isFloatType(t.getDataType())) {
                    continue;
                }
                types.putIfAbsent(name, role(n.op, k));
                boolean diff = isDifferentiableSlot(n.op, k);
                if (diff && isElementwise(n.op) && OnnxTensors.elementCount(t) == 1) {
                    diff = false;
                }
                differentiable.merge(name, diff, Boolean::logicalOr);
            }
        }
        for (String out : graphOutputs) {
            differentiable.putIfAbsent(out, true);
        }
        Set<String> used = new HashSet<>(graphOutputs);
        for (Node n : nodes) {
            used.addAll(n.inputs);
        }
        for (TensorProto t : initializers.values()) {
            String name = t.getName();
            if (!used.contains(name)) {
                continue;
            }
            if (!HostTensor.isFloatType(t.getDataType())) {
                constants.put(name, HostTensor.fromProto(t));
                continue;
            }
            boolean trainable = differentiable.getOrDefault(name, false);
            Parameter.Type type = types.getOrDefault(name, Parameter.Type.OTHER);
            Parameter p =
                    Parameter.builder()
                            .setName(name)
                            .setType(type)
                            .optShape(new Shape(OnnxTensors.dims(t)))
                            .optInitializer(
                                    (manager, shape, dataType) -> {
                                        NDArray a = manager.create(OnnxTensors.toFloats(t), shape);
                                        return dataType == DataType.FLOAT32
                                                ? a
                                                : a.toType(dataType, false);
                                    })
                            .optRequiresGrad(trainable)
                            .build();
            if (!trainable) {
                fixedParams.add(name);
            }
            paramSources.put(name, t);
            params.put(name, p);
            addParameter(p);
        }
    }

    private static Parameter.Type role(String op, int slot) {
        switch (op) {
            case "Conv":
            case "ConvTranspose":
            case "Gemm":
                return slot == 2 ? Parameter.Type.BIAS : Parameter.Type.WEIGHT;
            case "MatMul":
                return Parameter.Type.WEIGHT;
            case "BatchNormalization":
                return switch (slot) {
                    case 1 -> Parameter.Type.GAMMA;
                    case 2 -> Parameter.Type.BETA;
                    case 3 -> Parameter.Type.RUNNING_MEAN;
                    case 4 -> Parameter.Type.RUNNING_VAR;
                    default -> Parameter.Type.OTHER;
                };
            case "LayerNormalization":
            case "InstanceNormalization":
                return slot == 1
                        ? Parameter.Type.GAMMA
                        : slot == 2 ? Parameter.Type.BETA : Parameter.Type.OTHER;
            case "Add":
                return Parameter.Type.BIAS;
            default:
                return Parameter.Type.OTHER;
        }
    }

    private static boolean isDifferentiableSlot(String op, int slot) {
        switch (op) {
            case "BatchNormalization":
                return slot <= 2;
            case "Shape":
            case "ConstantOfShape":
            case "Size":
            case "Range":
            case "ArgMax":
            case "ArgMin":
            case "Hardmax":
            case "Equal":
            case "Greater":
            case "Less":
            case "GreaterOrEqual":
            case "LessOrEqual":
                return false;
            case "Where":
                return slot > 0;
            case "Clip":
            case "Dropout":
            case "Pad":
            case "Reshape":
            case "Slice":
            case "Squeeze":
            case "Unsqueeze":
            case "Gather":
            case "Split":
            case "ReduceMean":
            case "ReduceSum":
            case "ReduceMax":
            case "ReduceMin":
            case "ReduceProd":
            case "ReduceL1":
            case "ReduceL2":
            case "ReduceSumSquare":
            case "ReduceLogSum":
            case "ReduceLogSumExp":
            case "Resize":
            case "Upsample":
            case "Expand":
            case "Tile":
            case "CumSum":
            case "Trilu":
            case "GatherElements":
            case "CastLike":
                return slot == 0;
            default:
                return true;
        }
    }

    private static boolean isElementwise(String op) {
        return switch (op) {
            case "Add", "Sub", "Mul", "Div", "Pow", "Sum" -> true;
            default -> false;
        };
    }
}
