package ai.graft.converter.quantize;

import ai.graft.converter.ModelEditor;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.OnnxTensors;
import ai.graft.converter.graph.Attributes;
import ai.graft.converter.graph.Graphs;
import ai.graft.converter.graph.ValueInfos;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.OperatorSetIdProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.sdk.ModelCard;
import ai.graft.sdk.OutputKind;
import ai.graft.sdk.Preprocessing;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;

/** Tiny classifiers and images made in code for the quantization tests. */
final class TinyModels {
    static final int SIZE = 16;
    static final int CLASSES = 4;

    /** What sits between the two convolutions. */
    enum Middle {
        /** Relu, MaxPool. */
        POOL,
        /** Relu, then two Conv+Relu branches joined by Concat. */
        CONCAT,
        /** Tanh, which has no quantized form. */
        TANH
    }

    private TinyModels() {}

    /**
     * Conv(3->8)+Relu, the middle, Conv(->8)+Relu, GlobalAveragePool, Flatten, Gemm(->4), Softmax,
     * opset 13, input [1, 3, 16, 16], with a card (unit preprocessing, four labels).
     */
    static ModelProto classifier(Middle middle, long seed) {
        Random r = new Random(seed);
        GraphProto.Builder g = GraphProto.newBuilder().setName("tiny");
        g.addInput(
                ValueInfos.of(
                        "image",
                        TensorProto.DataType.FLOAT_VALUE,
                        new long[] {1, 3, SIZE, SIZE},
                        null));
        conv(g, r, "c1", "image", 3, 8, "c1_out");
        g.addNode(node("Relu", "r1", List.of("c1_out"), "r1_out"));
        String x = "r1_out";
        int channels = 8;
        switch (middle) {
            case POOL -> {
                g.addNode(
                        Attributes.set(
                                        Attributes.set(
                                                node("MaxPool", "pool", List.of(x), "pool_out")
                                                        .toBuilder(),
                                                Attributes.ofInts("kernel_shape", 2, 2)),
                                        Attributes.ofInts("strides", 2, 2))
                                .build());
                x = "pool_out";
            }
            case CONCAT -> {
                conv(g, r, "ba", x, 8, 4, "ba_out");
                g.addNode(node("Relu", "bar", List.of("ba_out"), "bar_out"));
                conv(g, r, "bb", x, 8, 4, "bb_out");
                g.addNode(node("Relu", "bbr", List.of("bb_out"), "bbr_out"));
                g.addNode(
                        Attributes.set(
                                        node(
                                                "Concat",
                                                "cat",
                                                List.of("bar_out", "bbr_out"),
                                                "cat_out")
                                                .toBuilder(),
                                        Attributes.ofInt("axis", 1))
                                .build());
                x = "cat_out";
            }
            case TANH -> {
                g.addNode(node("Tanh", "tanh", List.of(x), "tanh_out"));
                x = "tanh_out";
            }
        }
        conv(g, r, "c2", x, channels, 8, "c2_out");
        g.addNode(node("Relu", "r2", List.of("c2_out"), "r2_out"));
        g.addNode(node("GlobalAveragePool", "gap", List.of("r2_out"), "gap_out"));
        g.addNode(node("Flatten", "flat", List.of("gap_out"), "flat_out"));
        g.addInitializer(
                OnnxTensors.fromFloats(
                        "fc_w", new long[] {CLASSES, 8}, values(r, CLASSES * 8, 0.5)));
        g.addInitializer(
                OnnxTensors.fromFloats("fc_b", new long[] {CLASSES}, values(r, CLASSES, 0.1)));
        g.addNode(
                Attributes.set(
                                node("Gemm", "fc", List.of("flat_out", "fc_w", "fc_b"), "logits")
                                        .toBuilder(),
                                Attributes.ofInt("transB", 1))
                        .build());
        g.addNode(node("Softmax", "softmax", List.of("logits"), "probs"));
        g.addOutput(
                ValueInfos.of(
                        "probs", TensorProto.DataType.FLOAT_VALUE, new long[] {1, CLASSES}, null));
        ModelProto model =
                ModelProto.newBuilder()
                        .setIrVersion(8)
                        .setProducerName("graft-test")
                        .addOpsetImport(
                                OperatorSetIdProto.newBuilder().setDomain("").setVersion(13))
                        .setGraph(g)
                        .build();
        return ModelEditor.withCard(
                model,
                new ModelCard(
                        ModelCard.VERSION,
                        List.of("a", "b", "c", "d"),
                        Preprocessing.unit(SIZE, SIZE),
                        OutputKind.PROBABILITIES,
                        "probs",
                        Map.of()));
    }

    /** Writes a model and returns its file. */
    static Path write(ModelProto model, Path dir, String name) throws Exception {
        Path file = dir.resolve(name);
        OnnxModels.write(model, file);
        return file;
    }

    /** Writes {@code n} random-noise PNGs of 20x20 into a new folder. */
    static List<Path> images(Path dir, int n, long seed) throws IOException {
        Files.createDirectories(dir);
        Random r = new Random(seed);
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            BufferedImage img = new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB);
            int base = r.nextInt(0xffffff);
            for (int y = 0; y < 20; y++) {
                for (int x = 0; x < 20; x++) {
                    img.setRGB(x, y, base ^ r.nextInt(0x3f3f3f));
                }
            }
            Path f = dir.resolve(String.format("img%03d.png", i));
            ImageIO.write(img, "png", f.toFile());
            files.add(f);
        }
        return files;
    }

    private static void conv(
            GraphProto.Builder g, Random r, String name, String in, int cin, int cout, String out) {
        g.addInitializer(
                OnnxTensors.fromFloats(
                        name + "_w", new long[] {cout, cin, 3, 3}, values(r, cout * cin * 9, 0.3)));
        g.addInitializer(
                OnnxTensors.fromFloats(name + "_b", new long[] {cout}, values(r, cout, 0.1)));
        g.addNode(
                Attributes.set(
                                node("Conv", name, List.of(in, name + "_w", name + "_b"), out)
                                        .toBuilder(),
                                Attributes.ofInts("pads", 1, 1, 1, 1))
                        .build());
    }

    private static NodeProto node(String op, String name, List<String> in, String out) {
        return Graphs.node(op, name, in, List.of(out));
    }

    private static float[] values(Random r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * scale);
        }
        return v;
    }
}
