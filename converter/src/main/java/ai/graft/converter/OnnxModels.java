package ai.graft.converter;

import ai.graft.converter.onnx.proto.OnnxProto.AttributeProto;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.OperatorSetIdProto;
import ai.graft.converter.onnx.proto.OnnxProto.StringStringEntryProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ModelException;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

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
     * Reads a model file, resolving external data relative to its folder.
     *
     * @param file the {@code .onnx} file
     * @return the model, with all tensor data inline
     * @throws ModelException if the file is missing, unreadable, not an ONNX model, of an
     *     unsupported IR version or opset, or refers to external data that is missing or outside
     *     the model's folder; the message names the file
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
        if (hasExternalData(model.getGraph())) {
            Path folder = file.toAbsolutePath().getParent();
            ExternalData external = new ExternalData(folder, file.toString());
            model = model.toBuilder().setGraph(external.resolve(model.getGraph())).build();
        }
        return model;
    }

    /**
     * Parses a model from bytes. External data is refused: there is no folder to resolve it in.
     *
     * @param bytes the serialized {@code ModelProto}
     * @param name what to call the model in messages (a file name or {@code "<bytes>"})
     * @return the model
     * @throws ModelException if the bytes are not a supported ONNX model
     */
    public static ModelProto parse(byte[] bytes, String name) throws ModelException {
        ModelProto model = parseAndCheck(bytes, name);
        if (hasExternalData(model.getGraph())) {
            throw new ModelException(
                    "Model "
                            + name
                            + " keeps tensors in external data files; read it from its file with"
                            + " OnnxModels.read so that they can be found");
        }
        return model;
    }

    /**
     * Checks that a model has a graph and a supported IR version and opset.
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

    private static boolean hasExternalData(GraphProto graph) {
        for (TensorProto t : graph.getInitializerList()) {
            if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
                return true;
            }
        }
        for (NodeProto node : graph.getNodeList()) {
            for (AttributeProto a : node.getAttributeList()) {
                if (a.hasT() && a.getT().getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
                    return true;
                }
                if (a.hasG() && hasExternalData(a.getG())) {
                    return true;
                }
                for (GraphProto g : a.getGraphsList()) {
                    if (hasExternalData(g)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Loads external tensor data from files inside one folder. */
    private static final class ExternalData {
        private final Path folder;
        private final String modelName;

        ExternalData(Path folder, String modelName) {
            this.folder = folder;
            this.modelName = modelName;
        }

        GraphProto resolve(GraphProto graph) throws ModelException {
            GraphProto.Builder b = graph.toBuilder();
            for (int i = 0; i < b.getInitializerCount(); i++) {
                TensorProto t = b.getInitializer(i);
                if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
                    b.setInitializer(i, load(t));
                }
            }
            for (int n = 0; n < b.getNodeCount(); n++) {
                NodeProto node = b.getNode(n);
                NodeProto.Builder nb = null;
                for (int a = 0; a < node.getAttributeCount(); a++) {
                    AttributeProto attr = node.getAttribute(a);
                    AttributeProto.Builder ab = null;
                    if (attr.hasT()
                            && attr.getT().getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
                        ab = attr.toBuilder().setT(load(attr.getT()));
                    }
                    if (attr.hasG() && hasExternalData(attr.getG())) {
                        ab = (ab == null ? attr.toBuilder() : ab).setG(resolve(attr.getG()));
                    }
                    for (int g = 0; g < attr.getGraphsCount(); g++) {
                        if (hasExternalData(attr.getGraphs(g))) {
                            ab = ab == null ? attr.toBuilder() : ab;
                            ab.setGraphs(g, resolve(attr.getGraphs(g)));
                        }
                    }
                    if (ab != null) {
                        nb = nb == null ? node.toBuilder() : nb;
                        nb.setAttribute(a, ab);
                    }
                }
                if (nb != null) {
                    b.setNode(n, nb);
                }
            }
            return b.build();
        }

        private TensorProto load(TensorProto t) throws ModelException {
            String location = null;
            long offset = 0;
            long length = -1;
            for (StringStringEntryProto e : t.getExternalDataList()) {
                try {
                    switch (e.getKey()) {
                        case "location" -> location = e.getValue();
                        case "offset" -> offset = Long.parseLong(e.getValue());
                        case "length" -> length = Long.parseLong(e.getValue());
                        default -> {}
                    }
                } catch (NumberFormatException ex) {
                    throw new ModelException(
                            "Model "
                                    + modelName
                                    + ": tensor '"
                                    + t.getName()
                                    + "' has external data "
                                    + e.getKey()
                                    + " '"
                                    + e.getValue()
                                    + "'; expected a number");
                }
            }
            if (location == null || location.isEmpty()) {
                throw new ModelException(
                        "Model "
                                + modelName
                                + ": tensor '"
                                + t.getName()
                                + "' is stored externally but names no location");
            }
            Path file = inside(location, t.getName());
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long size = ch.size();
                long n = length < 0 ? size - offset : length;
                if (offset < 0 || n < 0 || offset + n > size || n >= MAX_BYTES) {
                    throw new ModelException(
                            "Model "
                                    + modelName
                                    + ": tensor '"
                                    + t.getName()
                                    + "' needs bytes "
                                    + offset
                                    + " to "
                                    + (offset + n)
                                    + " of "
                                    + location
                                    + ", which has "
                                    + size
                                    + " bytes");
                }
                ByteBuffer buf = ByteBuffer.allocate((int) n);
                while (buf.hasRemaining()) {
                    if (ch.read(buf, offset + buf.position()) < 0) {
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
                                + modelName
                                + ": could not read external data of tensor '"
                                + t.getName()
                                + "' from "
                                + file
                                + ": "
                                + e,
                        e);
            }
        }

        /** Resolves a location, refusing any that leaves the model's folder. */
        private Path inside(String location, String tensor) throws ModelException {
            Path rel;
            try {
                rel = folder.getFileSystem().getPath(location);
            } catch (RuntimeException e) {
                throw refused(location, tensor, "it is not a valid path");
            }
            if (rel.isAbsolute() || location.startsWith("/") || location.startsWith("\\")) {
                throw refused(location, tensor, "it is absolute");
            }
            Path resolved = folder.resolve(rel).normalize();
            if (!resolved.startsWith(folder.normalize())) {
                throw refused(location, tensor, "it leaves the model's folder");
            }
            try {
                Path realFolder = folder.toRealPath();
                Path real = resolved.toRealPath();
                if (!real.startsWith(realFolder)) {
                    throw refused(location, tensor, "it links outside the model's folder");
                }
                return real;
            } catch (IOException e) {
                throw new ModelException(
                        "Model "
                                + modelName
                                + ": external data file '"
                                + location
                                + "' of tensor '"
                                + tensor
                                + "' not found in "
                                + folder,
                        e);
            }
        }

        private ModelException refused(String location, String tensor, String why) {
            return new ModelException(
                    "Model "
                            + modelName
                            + ": external data location '"
                            + location
                            + "' of tensor '"
                            + tensor
                            + "' is refused: "
                            + why
                            + "; external data must be a file inside "
                            + folder);
        }
    }
}
