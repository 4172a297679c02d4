package ai.graft.converter;

import ai.graft.converter.graph.Graphs;
import ai.graft.converter.graph.ValueInfos;
import ai.graft.converter.onnx.proto.OnnxProto.AttributeProto;
import ai.graft.converter.onnx.proto.OnnxProto.FunctionProto;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.OperatorSetIdProto;
import ai.graft.converter.onnx.proto.OnnxProto.SparseTensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.StringStringEntryProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.TrainingInfoProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.ModelFiles;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads, checks and writes ONNX model files.
 *
 * <p>{@link #read(Path)} parses a {@code .onnx} file, checks that it is a model with a graph in a
 * supported IR version ({@value #MIN_IR_VERSION} to {@value #MAX_IR_VERSION}) and opset ({@value
 * #MIN_OPSET} to {@value #MAX_OPSET} of the default domain), and loads tensors stored as external
 * data (files next to the model) into the returned model, so that it is self-contained. {@link
 * #write(ModelProto, Path)} writes atomically: the previous file survives any failure.
 *
 * <pre>{@code
 * ModelProto model = OnnxModels.read(Path.of("squeezenet1.1_fp16.onnx"));
 * OnnxModels.write(ModelEditor.float16ToFloat32(model), Path.of("squeezenet1.1.onnx"));
 * }</pre>
 *
 * <p>Thread-safe: stateless.
 */
public final class OnnxModels {
    /** The oldest IR version read. */
    public static final int MIN_IR_VERSION = 3;

    /** The newest IR version read. */
    public static final int MAX_IR_VERSION = 10;

    /** The oldest opset of the default ONNX domain read. */
    public static final int MIN_OPSET = 7;

    /** The newest opset of the default ONNX domain read. */
    public static final int MAX_OPSET = 21;

    /** Protobuf cannot serialize messages of 2 GiB or more. */
    private static final long MAX_BYTES = Integer.MAX_VALUE;

    private OnnxModels() {}

    /**
     * Reads a model file, loading external data from its folder under the SDK's one rule ({@link
     * ModelFiles#resolveExternalData}) wherever the tensor is: initializers, sparse initializers,
     * attribute tensors, subgraphs and functions.
     *
     * @param file the {@code .onnx} file
     * @return the model, with all tensor data inline
     * @throws ModelException if the file is missing, unreadable, not an ONNX model, of an
     *     unsupported IR version or opset, declares an input size no model can take, refers to
     *     external data that is missing or breaks the rule, or holds a tensor whose data does not
     *     fit its declared shape; the message names the file
     */
    public static ModelProto read(Path file) throws ModelException {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size >= MAX_BYTES) {
                throw new ModelException(
                        "Model file "
                                + file
                                + " is "
                                + size
                                + " bytes; ONNX files must be under 2 GiB (store large weights as"
                                + " external data)");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ModelException("Model file not found: " + file, e);
        } catch (IOException e) {
            throw new ModelException("Could not read model file " + file + ": " + e, e);
        }
        ModelProto model = parseAndCheck(bytes, file.toString());
        if (hasExternalData(model)) {
            model = editTensors(model, new ExternalData(file)::load);
        }
        checkTensors(model.getGraph(), file.toString());
        return model;
    }

    /**
     * Parses a model from bytes. External data is refused: there is no folder to resolve it in.
     *
     * @param bytes the serialized {@code ModelProto}
     * @param name what to call the model in messages (a file name or {@code "<bytes>"})
     * @return the model
     * @throws ModelException if the bytes are not a supported ONNX model or hold a tensor whose
     *     data does not fit its declared shape
     */
    public static ModelProto parse(byte[] bytes, String name) throws ModelException {
        ModelProto model = parseAndCheck(bytes, name);
        if (hasExternalData(model)) {
            throw new ModelException(
                    "Model "
                            + name
                            + " keeps tensors in external data files; read it from its file with"
                            + " OnnxModels.read so that they can be found");
        }
        checkTensors(model.getGraph(), name);
        return model;
    }

    /**
     * Checks that a model has a graph and a supported IR version and opset, and that the declared
     * shapes of its inputs are sizes a model can take ({@link ModelFiles#checkInputShape}: no
     * negative dimension, a 4-D input at most {@value ModelFiles#MAX_IMAGE_SIDE} a side, one run's
     * input at most 2 GiB).
     *
     * @param model the model
     * @param name what to call the model in messages
     * @throws ModelException naming the problem
     */
    public static void check(ModelProto model, String name) throws ModelException {
        if (!model.hasGraph()) {
            throw new ModelException(
                    "Model " + name + " has no graph; expected an ONNX model (.onnx) file");
        }
        GraphProto graph = model.getGraph();
        if (graph.getOutputCount() == 0) {
            throw new ModelException("Model " + name + " has a graph with no outputs");
        }
        long ir = model.getIrVersion();
        if (ir < MIN_IR_VERSION || ir > MAX_IR_VERSION) {
            throw new ModelException(
                    "Model "
                            + name
                            + " has IR version "
                            + ir
                            + "; supported are "
                            + MIN_IR_VERSION
                            + " to "
                            + MAX_IR_VERSION
                            + (ir > MAX_IR_VERSION
                                    ? " (re-export it with an older onnx package)"
                                    : ""));
        }
        long opset = opset(model);
        if (opset < 0 && ir >= 3) {
            throw new ModelException(
                    "Model " + name + " imports no opset of the default ONNX domain");
        }
        if (opset > MAX_OPSET) {
            throw new ModelException(
                    "Model "
                            + name
                            + " uses opset "
                            + opset
                            + ", newer than the newest supported, "
                            + MAX_OPSET
                            + "; re-export it with opset_version="
                            + MAX_OPSET
                            + " or older");
        }
        if (opset < MIN_OPSET) {
            throw new ModelException(
                    "Model "
                            + name
                            + " uses opset "
                            + opset
                            + ", older than the oldest supported, "
                            + MIN_OPSET
                            + "; convert it with onnx.version_converter first");
        }
        for (ValueInfoProto input : Graphs.realInputs(graph)) {
            long[] dims = ValueInfos.shape(input);
            if (dims != null) {
                ModelFiles.checkInputShape(
                        name, input.getName(), dims, input.getType().getTensorType().getElemType());
            }
        }
    }

    /**
     * The opset version of the default ONNX domain ({@code ""} or {@code "ai.onnx"}).
     *
     * @param model the model
     * @return the version, or -1 if the model does not import the default domain
     */
    public static long opset(ModelProto model) {
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                return o.getVersion();
            }
        }
        return -1;
    }

    /**
     * Serializes a model.
     *
     * @param model the model
     * @return its bytes
     * @throws IllegalArgumentException if the model is 2 GiB or larger
     */
    public static byte[] toBytes(ModelProto model) {
        checkSize(model);
        return model.toByteArray();
    }

    /**
     * Writes a model to a file atomically (a temporary file in the same folder, forced to disk,
     * then renamed over the target). All tensors are written inline.
     *
     * @param model the model
     * @param file the target file; its folder must exist
     * @throws GraftException if the file cannot be written; the previous file, if any, is then
     *     unchanged
     */
    public static void write(ModelProto model, Path file) throws GraftException {
        checkSize(model);
        try {
            AtomicFiles.write(file, model::writeTo);
        } catch (IOException e) {
            throw new GraftException("Could not write model file " + file + ": " + e, e);
        }
    }

    /** Measures a written candidate model against what produced it. */
    @FunctionalInterface
    public interface ParityProbe {
        /**
         * Runs the candidate and compares it.
         *
         * @param candidate the written model file
         * @return the largest absolute difference seen
         * @throws GraftException when the comparison cannot be made
         */
        double maxDifference(Path candidate) throws GraftException;
    }

    /**
     * Writes a model beside its final place under a hidden name, measures it with {@code probe},
     * and moves it into place (atomically, replacing what was there) only when the difference is
     * below {@code tolerance}; otherwise, or when anything fails, the candidate is removed and
     * {@code file} is left as it was.
     *
     * @param model the model
     * @param file its final place
     * @param against what the model's outputs were compared with, for the message (e.g. "the
     *     trainer's")
     * @param tolerance the largest accepted difference (exclusive)
     * @param probe measures the candidate
     * @return the difference measured
     * @throws GraftException when the file cannot be written or moved, the probe fails, or the
     *     difference is not below the tolerance
     */
    public static double writeChecked(
            ModelProto model, Path file, String against, double tolerance, ParityProbe probe)
            throws GraftException {
        Path candidate = file.resolveSibling("." + file.getFileName() + ".candidate");
        write(model, candidate);
        boolean kept = false;
        try {
            double max = probe.maxDifference(candidate);
            if (!(max < tolerance)) {
                throw new GraftException(
                        String.format(
                                Locale.ROOT,
                                "The exported model's logits differ from %s by up to %.3g"
                                        + " (tolerance %.0e); no %s was written. This is a bug:"
                                        + " please report it with the backbone.",
                                against,
                                max,
                                tolerance,
                                file));
            }
            try {
                Files.move(
                        candidate,
                        file,
                        StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new GraftException(
                        "Cannot move " + candidate + " to " + file + ": " + e.getMessage(), e);
            }
            kept = true;
            return max;
        } finally {
            if (!kept) {
                try {
                    Files.deleteIfExists(candidate);
                } catch (IOException e) {
                    // best effort: the candidate has a hidden name and is replaced next time
                }
            }
        }
    }

    private static void checkSize(ModelProto model) {
        long size = model.getSerializedSize();
        if (size < 0 || size >= MAX_BYTES) {
            throw new IllegalArgumentException(
                    "Model is too large to serialize as one ONNX file (2 GiB or more)");
        }
    }

    private static ModelProto parseAndCheck(byte[] bytes, String name) throws ModelException {
        if (bytes.length == 0) {
            throw new ModelException("Model file " + name + " is empty; expected an ONNX model");
        }
        ModelProto model;
        try {
            model = ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new ModelException(
                    "Model file "
                            + name
                            + " is not a valid ONNX model (truncated or not ONNX): "
                            + e.getMessage(),
                    e);
        }
        if (!model.hasGraph() || model.getIrVersion() == 0) {
            throw new ModelException(
                    "Model file "
                            + name
                            + " is not an ONNX model: it has no "
                            + (model.hasGraph() ? "IR version" : "graph")
                            + " (truncated, or another file format?)");
        }
        check(model, name);
        return model;
    }

    /**
     * Refuses a weight or constant whose data does not fit its declared shape and type, so that
     * code reading it later (inspect, editors, the trainer) never meets one.
     */
    private static void checkTensors(GraphProto graph, String name) throws ModelException {
        try {
            for (TensorProto t : graph.getInitializerList()) {
                OnnxTensors.checkData(t);
            }
            for (NodeProto node : graph.getNodeList()) {
                for (AttributeProto a : node.getAttributeList()) {
                    if (a.hasT()) {
                        OnnxTensors.checkData(a.getT());
                    }
                    for (TensorProto t : a.getTensorsList()) {
                        OnnxTensors.checkData(t);
                    }
                    if (a.hasG()) {
                        checkTensors(a.getG(), name);
                    }
                    for (GraphProto g : a.getGraphsList()) {
                        checkTensors(g, name);
                    }
                }
            }
        } catch (IllegalArgumentException e) {
            throw new ModelException(
                    "Model "
                            + name
                            + " is damaged: "
                            + e.getMessage()
                            + " (re-export or download the model again)",
                    e);
        }
    }

    /**
     * Whether any tensor of the model refers to external data: initializers, sparse initializers,
     * attribute tensors, subgraphs and functions, at any depth.
     */
    private static boolean hasExternalData(ModelProto model) throws ModelException {
        boolean[] found = {false};
        editTensors(
                model,
                t -> {
                    found[0] |= isExternal(t);
                    return t;
                });
        return found[0];
    }

    /** A tensor stored (or claiming to be stored) in another file. */
    private static boolean isExternal(TensorProto t) {
        return t.getDataLocation() == TensorProto.DataLocation.EXTERNAL
                || t.getExternalDataCount() > 0;
    }

    /** A change to one tensor; returns the same instance when nothing changes. */
    private interface TensorEdit {
        TensorProto apply(TensorProto tensor) throws ModelException;
    }

    /**
     * Applies an edit to every tensor ONNX Runtime could load: the graph's, the functions' and the
     * training graphs', in initializers, sparse initializers ({@code values} and {@code indices})
     * and node attributes ({@code t}, {@code tensors}, {@code sparse_tensor}, {@code
     * sparse_tensors}, and the subgraphs {@code g} and {@code graphs}, recursively). Rebuilds only
     * what changed. Protobuf bounds the nesting (100 levels), and so the recursion.
     */
    private static ModelProto editTensors(ModelProto model, TensorEdit edit) throws ModelException {
        ModelProto.Builder b = null;
        if (model.hasGraph()) {
            GraphProto g = editGraph(model.getGraph(), edit);
            if (g != model.getGraph()) {
                b = model.toBuilder().setGraph(g);
            }
        }
        for (int i = 0; i < model.getFunctionsCount(); i++) {
            FunctionProto f = model.getFunctions(i);
            FunctionProto.Builder fb = null;
            for (int n = 0; n < f.getNodeCount(); n++) {
                NodeProto node = editNode(f.getNode(n), edit);
                if (node != f.getNode(n)) {
                    fb = fb == null ? f.toBuilder() : fb;
                    fb.setNode(n, node);
                }
            }
            for (int a = 0; a < f.getAttributeProtoCount(); a++) {
                AttributeProto attr = editAttribute(f.getAttributeProto(a), edit);
                if (attr != f.getAttributeProto(a)) {
                    fb = fb == null ? f.toBuilder() : fb;
                    fb.setAttributeProto(a, attr);
                }
            }
            if (fb != null) {
                b = b == null ? model.toBuilder() : b;
                b.setFunctions(i, fb);
            }
        }
        for (int i = 0; i < model.getTrainingInfoCount(); i++) {
            TrainingInfoProto t = model.getTrainingInfo(i);
            TrainingInfoProto.Builder tb = null;
            if (t.hasInitialization()) {
                GraphProto g = editGraph(t.getInitialization(), edit);
                if (g != t.getInitialization()) {
                    tb = t.toBuilder().setInitialization(g);
                }
            }
            if (t.hasAlgorithm()) {
                GraphProto g = editGraph(t.getAlgorithm(), edit);
                if (g != t.getAlgorithm()) {
                    tb = (tb == null ? t.toBuilder() : tb).setAlgorithm(g);
                }
            }
            if (tb != null) {
                b = b == null ? model.toBuilder() : b;
                b.setTrainingInfo(i, tb);
            }
        }
        return b == null ? model : b.build();
    }

    private static GraphProto editGraph(GraphProto graph, TensorEdit edit) throws ModelException {
        GraphProto.Builder b = null;
        for (int i = 0; i < graph.getInitializerCount(); i++) {
            TensorProto t = edit.apply(graph.getInitializer(i));
            if (t != graph.getInitializer(i)) {
                b = b == null ? graph.toBuilder() : b;
                b.setInitializer(i, t);
            }
        }
        for (int i = 0; i < graph.getSparseInitializerCount(); i++) {
            SparseTensorProto t = editSparse(graph.getSparseInitializer(i), edit);
            if (t != graph.getSparseInitializer(i)) {
                b = b == null ? graph.toBuilder() : b;
                b.setSparseInitializer(i, t);
            }
        }
        for (int i = 0; i < graph.getNodeCount(); i++) {
            NodeProto n = editNode(graph.getNode(i), edit);
            if (n != graph.getNode(i)) {
                b = b == null ? graph.toBuilder() : b;
                b.setNode(i, n);
            }
        }
        return b == null ? graph : b.build();
    }

    private static NodeProto editNode(NodeProto node, TensorEdit edit) throws ModelException {
        NodeProto.Builder b = null;
        for (int i = 0; i < node.getAttributeCount(); i++) {
            AttributeProto a = editAttribute(node.getAttribute(i), edit);
            if (a != node.getAttribute(i)) {
                b = b == null ? node.toBuilder() : b;
                b.setAttribute(i, a);
            }
        }
        return b == null ? node : b.build();
    }

    private static AttributeProto editAttribute(AttributeProto attr, TensorEdit edit)
            throws ModelException {
        AttributeProto.Builder b = null;
        if (attr.hasT()) {
            TensorProto t = edit.apply(attr.getT());
            if (t != attr.getT()) {
                b = attr.toBuilder().setT(t);
            }
        }
        for (int i = 0; i < attr.getTensorsCount(); i++) {
            TensorProto t = edit.apply(attr.getTensors(i));
            if (t != attr.getTensors(i)) {
                b = b == null ? attr.toBuilder() : b;
                b.setTensors(i, t);
            }
        }
        if (attr.hasSparseTensor()) {
            SparseTensorProto t = editSparse(attr.getSparseTensor(), edit);
            if (t != attr.getSparseTensor()) {
                b = (b == null ? attr.toBuilder() : b).setSparseTensor(t);
            }
        }
        for (int i = 0; i < attr.getSparseTensorsCount(); i++) {
            SparseTensorProto t = editSparse(attr.getSparseTensors(i), edit);
            if (t != attr.getSparseTensors(i)) {
                b = b == null ? attr.toBuilder() : b;
                b.setSparseTensors(i, t);
            }
        }
        if (attr.hasG()) {
            GraphProto g = editGraph(attr.getG(), edit);
            if (g != attr.getG()) {
                b = (b == null ? attr.toBuilder() : b).setG(g);
            }
        }
        for (int i = 0; i < attr.getGraphsCount(); i++) {
            GraphProto g = editGraph(attr.getGraphs(i), edit);
            if (g != attr.getGraphs(i)) {
                b = b == null ? attr.toBuilder() : b;
                b.setGraphs(i, g);
            }
        }
        return b == null ? attr : b.build();
    }

    private static SparseTensorProto editSparse(SparseTensorProto sparse, TensorEdit edit)
            throws ModelException {
        SparseTensorProto.Builder b = null;
        if (sparse.hasValues()) {
            TensorProto t = edit.apply(sparse.getValues());
            if (t != sparse.getValues()) {
                b = sparse.toBuilder().setValues(t);
            }
        }
        if (sparse.hasIndices()) {
            TensorProto t = edit.apply(sparse.getIndices());
            if (t != sparse.getIndices()) {
                b = (b == null ? sparse.toBuilder() : b).setIndices(t);
            }
        }
        return b == null ? sparse : b.build();
    }

    /**
     * Loads external tensor data under the SDK's one rule ({@link ModelFiles#resolveExternalData}):
     * a regular file inside the model's folder, links followed, with the range within it.
     */
    private static final class ExternalData {
        private final Path model;

        ExternalData(Path model) {
            this.model = model;
        }

        TensorProto load(TensorProto t) throws ModelException {
            if (!isExternal(t)) {
                return t;
            }
            List<Map.Entry<String, String>> entries = new ArrayList<>();
            for (StringStringEntryProto e : t.getExternalDataList()) {
                entries.add(Map.entry(e.getKey(), e.getValue()));
            }
            ModelFiles.ExternalData data =
                    ModelFiles.resolveExternalData(
                            model, t.getName(), OnnxTensors.dims(t), t.getDataType(), entries);
            if (t.getDataLocation() != TensorProto.DataLocation.EXTERNAL) {
                // Entries without EXTERNAL: the data is inline, as ONNX Runtime reads it. The
                // entries were checked all the same; dropped, they cannot mislead a later reader.
                return t.toBuilder().clearExternalData().build();
            }
            if (data.length() >= MAX_BYTES) {
                throw new ModelException(
                        "Model "
                                + model
                                + ": tensor '"
                                + t.getName()
                                + "' has "
                                + data.length()
                                + " bytes of external data in '"
                                + data.location()
                                + "'; Graft reads at most 2 GiB a tensor");
            }
            try (FileChannel ch = FileChannel.open(data.file(), StandardOpenOption.READ)) {
                ByteBuffer buf = ByteBuffer.allocate((int) data.length());
                while (buf.hasRemaining()) {
                    if (ch.read(buf, data.offset() + buf.position()) < 0) {
                        throw new IOException("unexpected end of file");
                    }
                }
                buf.flip();
                return t.toBuilder()
                        .clearExternalData()
                        .clearDataLocation()
                        .setRawData(ByteString.copyFrom(buf))
                        .build();
            } catch (IOException e) {
                throw new ModelException(
                        "Model "
                                + model
                                + ": could not read external data of tensor '"
                                + t.getName()
                                + "' from "
                                + data.file()
                                + ": "
                                + e,
                        e);
            }
        }
    }
}
