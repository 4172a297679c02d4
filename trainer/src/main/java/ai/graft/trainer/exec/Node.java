package ai.graft.trainer.exec;

import ai.graft.converter.onnx.proto.OnnxProto.AttributeProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One ONNX node prepared for execution: its operator, inputs, outputs and attributes. */
final class Node {
    final String name;
    final String op;
    final List<String> inputs;
    final List<String> outputs;
    private final Map<String, AttributeProto> attributes = new HashMap<>();

    Node(NodeProto proto, int index) {
        this.name = proto.getName().isEmpty() ? proto.getOpType() + "_" + index : proto.getName();
        this.op = proto.getOpType();
        this.inputs = List.copyOf(proto.getInputList());
        this.outputs = List.copyOf(proto.getOutputList());
        for (AttributeProto a : proto.getAttributeList()) {
            attributes.put(a.getName(), a);
        }
    }

    boolean has(String attribute) {
        return attributes.containsKey(attribute);
    }

    long i(String attribute, long defaultValue) {
        AttributeProto a = attributes.get(attribute);
        return a == null ? defaultValue : a.getI();
    }

    float f(String attribute, float defaultValue) {
        AttributeProto a = attributes.get(attribute);
        return a == null ? defaultValue : a.getF();
    }

    String s(String attribute, String defaultValue) {
        AttributeProto a = attributes.get(attribute);
        return a == null ? defaultValue : a.getS().toStringUtf8();
    }

    long[] ints(String attribute, long[] defaultValue) {
        AttributeProto a = attributes.get(attribute);
        if (a == null) {
            return defaultValue;
        }
        return a.getIntsList().stream().mapToLong(Long::longValue).toArray();
    }

    float[] floats(String attribute) {
        AttributeProto a = attributes.get(attribute);
        if (a == null) {
            return null;
        }
        float[] out = new float[a.getFloatsCount()];
        for (int k = 0; k < out.length; k++) {
            out[k] = a.getFloats(k);
        }
        return out;
    }

    TensorProto t(String attribute) {
        AttributeProto a = attributes.get(attribute);
        return a == null ? null : a.getT();
    }

    /** The name of input {@code k}, or {@code ""} when it is absent or omitted. */
    String input(int k) {
        return k < inputs.size() ? inputs.get(k) : "";
    }

    String describe() {
        return op + " node '" + name + "'";
    }
}
