package ai.graft.converter;

import ai.graft.converter.graph.Attributes;
import ai.graft.converter.graph.Graphs;
import ai.graft.converter.graph.ValueInfos;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.OperatorSetIdProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import java.util.List;
import java.util.Random;

/**
 * Tiny ONNX models built in code with the generated protobuf builders and {@code
 * ai.graft.converter.graph}'s helpers; public for the tests of the converter's subpackages.
 */
public final class TinyModels {
    private TinyModels() {}

    /** Gaussian values times {@code scale}. */
    public static float[] random(Random r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * scale);
        }
        return v;
    }

    /** A model of the default domain around a graph. */
    public static ModelProto model(GraphProto graph, long ir, long opset) {
        return ModelProto.newBuilder()
                .setIrVersion(ir)
                .setProducerName("graft-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(graph)
                .build();
    }

    static NodeProto node(String op, List<String> in, String out) {
        return Graphs.node(op, out + "_node", in, List.of(out));
    }

    /**
     * input [1,3,8,8] -> Conv 3x3 (4 ch, pad 1) -> BatchNormalization -> Relu -> GlobalAveragePool
     * -> Flatten -> Gemm (3 classes) -> Softmax: a classifier whose feature node is the Flatten
     * output.
     */
    public static ModelProto classifier(long seed) {
        Random r = new Random(seed);
        GraphProto.Builder g = GraphProto.newBuilder().setName("tiny");
        g.addInput(ValueInfos.of("input", 1, new long[] {1, 3, 8, 8}, null));
        g.addInitializer(
                OnnxTensors.fromFloats("conv.w", new long[] {4, 3, 3, 3}, random(r, 108, 0.3)));
        g.addInitializer(OnnxTensors.fromFloats("conv.b", new long[] {4}, random(r, 4, 0.1)));
        g.addInitializer(
                OnnxTensors.fromFloats(
                        "bn.scale", new long[] {4}, new float[] {1.5f, 0.5f, -0.7f, 2f}));
        g.addInitializer(
                OnnxTensors.fromFloats(
                        "bn.bias", new long[] {4}, new float[] {0.1f, -0.2f, 0.3f, 0f}));
        g.addInitializer(
                OnnxTensors.fromFloats(
                        "bn.mean", new long[] {4}, new float[] {0.2f, -0.1f, 0.05f, 0.4f}));
        g.addInitializer(
                OnnxTensors.fromFloats(
                        "bn.var", new long[] {4}, new float[] {0.5f, 1.2f, 0.8f, 2f}));
        g.addInitializer(OnnxTensors.fromFloats("fc.w", new long[] {3, 4}, random(r, 12, 0.5)));
        g.addInitializer(OnnxTensors.fromFloats("fc.b", new long[] {3}, random(r, 3, 0.1)));
        g.addNode(
                node("Conv", List.of("input", "conv.w", "conv.b"), "conv").toBuilder()
                        .addAttribute(Attributes.ofInts("kernel_shape", 3, 3))
                        .addAttribute(Attributes.ofInts("pads", 1, 1, 1, 1)));
        g.addNode(
                node(
                        "BatchNormalization",
                        List.of("conv", "bn.scale", "bn.bias", "bn.mean", "bn.var"),
                        "bn"));
        g.addNode(node("Relu", List.of("bn"), "relu"));
        g.addNode(node("GlobalAveragePool", List.of("relu"), "gap"));
        g.addNode(
                node("Flatten", List.of("gap"), "flat").toBuilder()
                        .addAttribute(Attributes.ofInt("axis", 1)));
        g.addNode(
                node("Gemm", List.of("flat", "fc.w", "fc.b"), "logits").toBuilder()
                        .addAttribute(Attributes.ofInt("transB", 1)));
        g.addNode(
                node("Softmax", List.of("logits"), "probs").toBuilder()
                        .addAttribute(Attributes.ofInt("axis", 1)));
        g.addOutput(ValueInfos.of("probs", 1, new long[] {1, 3}, null));
        return model(g.build(), 7, 13);
    }

    /** The same classifier with float16 weights, float16 interface, and a Cast round trip. */
    static ModelProto float16(ModelProto fp32) {
        GraphProto g = fp32.getGraph();
        GraphProto.Builder b = g.toBuilder().clearInitializer().clearInput().clearOutput();
        for (TensorProto t : g.getInitializerList()) {
            float[] v = OnnxTensors.toFloats(t);
            short[] h = new short[v.length];
            TensorProto.Builder tb =
                    TensorProto.newBuilder()
                            .setName(t.getName())
                            .setDataType(10)
                            .addAllDims(t.getDimsList());
            java.nio.ByteBuffer buf =
                    java.nio.ByteBuffer.allocate(v.length * 2)
                            .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < v.length; i++) {
                h[i] = OnnxTensors.floatToHalf(v[i]);
                buf.putShort(h[i]);
            }
            b.addInitializer(tb.setRawData(com.google.protobuf.ByteString.copyFrom(buf.array())));
        }
        b.addInput(ValueInfos.of("input", 10, new long[] {1, 3, 8, 8}, null));
        b.addOutput(ValueInfos.of("probs", 10, new long[] {1, 3}, null));
        // A Cast to float16 and back in the middle: both exist only for float16.
        b.clearNode();
        for (NodeProto n : g.getNodeList()) {
            if (n.getOpType().equals("Relu")) {
                b.addNode(
                        node("Cast", List.of("bn"), "bn32").toBuilder()
                                .addAttribute(Attributes.ofInt("to", 1)));
                b.addNode(
                        node("Cast", List.of("bn32"), "bn16").toBuilder()
                                .addAttribute(Attributes.ofInt("to", 10)));
                // times a float16 Constant 1.0 (exact), so that Constant values are converted too.
                b.addNode(
                        node("Constant", List.of(), "one").toBuilder()
                                .addAttribute(
                                        Attributes.ofTensor(
                                                "value",
                                                TensorProto.newBuilder()
                                                        .setDataType(10)
                                                        .addInt32Data(0x3C00)
                                                        .build())));
                b.addNode(node("Mul", List.of("bn16", "one"), "bn16x1"));
                b.addNode(n.toBuilder().setInput(0, "bn16x1"));
            } else {
                b.addNode(n);
            }
        }
        return fp32.toBuilder().setGraph(b).build();
    }
}
