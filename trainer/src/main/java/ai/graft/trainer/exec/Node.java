package ai.graft.trainer.exec;

import ai.graft.converter.graph.Attributes;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import java.util.List;

/**
 * One ONNX node prepared for execution: its operator, inputs and outputs, and short readers of its
 * attributes (through {@link Attributes}) for the operators' code.
 */
final class Node {
    final String name;
    final String op;
    final List<String> inputs;
    final List<String> outputs;
    private final NodeProto proto;

    Node(NodeProto proto, int index) {
        this.name = proto.getName().isEmpty() ? proto.getOpType() + "_" + index : proto.getName();
        this.op = proto.getOpType();
        this.inputs = List.copyOf(proto.getInputList());
        this.outputs = List.copyOf(proto.getOutputList());
        this.proto = proto;
    }

    boolean has(String attribute) {
        return Attributes.has(proto, attribute);
    }

    long i(String attribute, long defaultValue) {
        return Attributes.getInt(proto, attribute, defaultValue);
    }

    float f(String attribute, float defaultValue) {
        return Attributes.getFloat(proto, attribute, defaultValue);
    }

    String s(String attribute, String defaultValue) {
        return Attributes.getString(proto, attribute, defaultValue);
    }

    long[] ints(String attribute, long[] defaultValue) {
        long[] v = Attributes.getInts(proto, attribute);
        return v == null ? defaultValue : v;
    }

    float[] floats(String attribute) {
        return Attributes.getFloats(proto, attribute);
    }

    TensorProto t(String attribute) {
        return Attributes.getTensor(proto, attribute);
    }

    /** The name of input {@code k}, or {@code ""} when it is absent or omitted. */
    String input(int k) {
        return k < inputs.size() ? inputs.get(k) : "";
    }

    String describe() {
        return op + " node '" + name + "'";
    }
}
