package ai.graft.trainer.exec;

import ai.graft.converter.OnnxTensors;
import ai.graft.converter.graph.Attributes;
import ai.graft.converter.graph.ValueInfos;
import ai.graft.converter.onnx.proto.OnnxProto.AttributeProto;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.OperatorSetIdProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import java.util.Random;

/** Builds small ONNX models in code for operator tests. */
final class TinyGraph {
    private final GraphProto.Builder graph = GraphProto.newBuilder().setName("tiny");
    private final int opset;
    private final Random random = new Random(42);

    TinyGraph(int opset) {
        this.opset = opset;
    }

    /** A float graph input; a dimension of -1 is dynamic. */
    TinyGraph input(String name, long... shape) {
        graph.addInput(ValueInfos.of(name, TensorProto.DataType.FLOAT_VALUE, shape, "N"));
        return this;
    }

    TinyGraph output(String name) {
        graph.addOutput(ValueInfos.of(name, TensorProto.DataType.FLOAT_VALUE, null, null));
        return this;
    }

    /** A float initializer of random values in [lo, hi). */
    TinyGraph weight(String name, float lo, float hi, long... shape) {
        int n =
                (int)
                        OnnxTensors.elementCount(
                                TensorProto.newBuilder().addAllDims(box(shape)).build());
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = lo + (hi - lo) * random.nextFloat();
        }
        return floats(name, shape, v);
    }

    TinyGraph floats(String name, long[] shape, float[] values) {
        graph.addInitializer(OnnxTensors.fromFloats(name, shape, values));
        return this;
    }

    TinyGraph longs(String name, long... values) {
        graph.addInitializer(OnnxTensors.fromLongs(name, new long[] {values.length}, values));
        return this;
    }

    TinyGraph initializer(TensorProto tensor) {
        graph.addInitializer(tensor);
        return this;
    }

    /** Adds a node; {@code attributes} are name/value pairs (Long, Float, String, long[]). */
    TinyGraph node(String op, String[] inputs, String[] outputs, Object... attributes) {
        NodeProto.Builder n =
                NodeProto.newBuilder().setOpType(op).setName(op + "_" + graph.getNodeCount());
        for (String i : inputs) {
            n.addInput(i);
        }
        for (String o : outputs) {
            n.addOutput(o);
        }
        for (int k = 0; k < attributes.length; k += 2) {
            n.addAttribute(attribute((String) attributes[k], attributes[k + 1]));
        }
        graph.addNode(n);
        return this;
    }

    TinyGraph node(String op, String input, String output, Object... attributes) {
        return node(op, new String[] {input}, new String[] {output}, attributes);
    }

    ModelProto build() {
        return ModelProto.newBuilder()
                .setIrVersion(opset >= 13 ? 7 : 3)
                .setProducerName("graft-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(opset))
                .setGraph(graph)
                .build();
    }

    static AttributeProto attribute(String name, Object value) {
        if (value instanceof Integer || value instanceof Long) {
            return Attributes.ofInt(name, ((Number) value).longValue());
        } else if (value instanceof Float || value instanceof Double) {
            return Attributes.ofFloat(name, ((Number) value).floatValue());
        } else if (value instanceof String) {
            return Attributes.ofString(name, (String) value);
        } else if (value instanceof long[]) {
            return Attributes.ofInts(name, (long[]) value);
        } else if (value instanceof TensorProto) {
            return Attributes.ofTensor(name, (TensorProto) value);
        }
        throw new IllegalArgumentException("Unsupported attribute value " + value);
    }

    private static Iterable<Long> box(long[] values) {
        return java.util.Arrays.stream(values).boxed().toList();
    }
}
