package ai.graft.trainer.tune;

import ai.graft.converter.OnnxModels;
import ai.graft.converter.OnnxTensors;
import ai.graft.converter.graph.Attributes;
import ai.graft.converter.graph.ValueInfos;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.OperatorSetIdProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/** Tiny classifiers and image folders for the trainer's tests. */
public final class TinyNets {
    /** The input side of {@link #classifier}. */
    static final int SIZE = 16;

    private TinyNets() {}

    /**
     * A small "pretrained" classifier, {@code x [N,3,16,16] -> prob [N,5]}, with three stages: a
     * stem (Conv, BatchNormalization, Relu), a Fire module (squeeze 1x1, expand 1x1 and 3x3,
     * Concat), a residual block (Conv, BatchNormalization, Relu, Add, Relu), then Dropout, global
     * average pooling and a Gemm classifier.
     */
    static ModelProto classifier(long seed) {
        Builder b = new Builder(seed);
        b.conv("stem.conv", "x", "s1", 3, 4, 3);
        // "Pretrained" colour detectors: channel 0 responds to red over blue, channel 1 to blue
        // over red, so that the features separate the test images' classes.
        float[] stem = OnnxTensors.toFloats(b.g.getInitializer(0));
        for (int o = 0; o < 2; o++) {
            for (int c = 0; c < 3; c++) {
                for (int k = 0; k < 9; k++) {
                    stem[(o * 3 + c) * 9 + k] =
                            0.1f * (c == 0 ? 1 : c == 2 ? -1 : 0) * (o == 0 ? 1 : -1);
                }
            }
        }
        b.g.setInitializer(
                0, OnnxTensors.fromFloats("stem.conv.weight", new long[] {4, 3, 3, 3}, stem));
        b.batchNorm("stem.bn", "s1", "s2", 4);
        b.node("Relu", "stem.relu", new String[] {"s2"}, "s3");
        b.conv("fire.squeeze", "s3", "f1", 4, 2, 1);
        // The squeeze and the 1x1 expand pass the two colour detectors on (random 4 -> 2 weights
        // behind a ReLU could silence them).
        b.set("fire.squeeze.weight", new long[] {2, 4, 1, 1}, 1, 0, 0, 0, 0, 1, 0, 0);
        b.node("Relu", "fire.squeeze_relu", new String[] {"f1"}, "f2");
        b.conv("fire.expand1x1", "f2", "f3", 2, 4, 1);
        b.set("fire.expand1x1.weight", new long[] {4, 2, 1, 1}, 1, 0, 0, 1, 1, 0, 0, 1);
        b.node("Relu", "fire.expand1x1_relu", new String[] {"f3"}, "f4");
        b.conv("fire.expand3x3", "f2", "f5", 2, 4, 3);
        b.node("Relu", "fire.expand3x3_relu", new String[] {"f5"}, "f6");
        b.node("Concat", "fire.concat", new String[] {"f4", "f6"}, "f7", "axis", 1L);
        b.conv("res.conv", "f7", "r1", 8, 8, 3);
        b.batchNorm("res.bn", "r1", "r2", 8);
        b.node("Relu", "res.relu", new String[] {"r2"}, "r3");
        b.node("Add", "res.add", new String[] {"r3", "f7"}, "r4");
        b.node("Relu", "res.out", new String[] {"r4"}, "r5");
        b.g.addInitializer(OnnxTensors.fromFloats("drop.ratio", new long[0], new float[] {0.5f}));
        b.node("Dropout", "drop", new String[] {"r5", "drop.ratio"}, "d1");
        b.node("GlobalAveragePool", "gap", new String[] {"d1"}, "p1");
        b.node("Flatten", "flatten", new String[] {"p1"}, "p2", "axis", 1L);
        b.weight("fc.weight", 0.3f, 5, 8);
        b.weight("fc.bias", 0.1f, 5);
        b.node("Gemm", "fc", new String[] {"p2", "fc.weight", "fc.bias"}, "prob", "transB", 1L);
        b.g.addInput(info("x", -1, 3, SIZE, SIZE));
        b.g.addOutput(info("prob", -1, 5));
        return ModelProto.newBuilder()
                .setIrVersion(7)
                .setProducerName("graft-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13))
                .setGraph(b.g.setName("tiny"))
                .build();
    }

    /**
     * Writes {@link #classifier} to {@code dir/tiny.onnx}.
     *
     * @param dir the folder
     * @param seed the seed of the random weights
     * @return the file
     * @throws Exception when the file cannot be written
     */
    public static Path classifierFile(Path dir, long seed) throws Exception {
        Path file = dir.resolve("tiny.onnx");
        OnnxModels.write(classifier(seed), file);
        return file;
    }

    /**
     * Writes {@code dir/train/{blue,red}} and {@code dir/val/{blue,red}} with noisy 20x20 PNGs
     * whose dominant colour is the class.
     *
     * @param dir the dataset folder to create
     * @param trainPerClass training images per class
     * @param valPerClass validation images per class
     * @return {@code dir}
     * @throws IOException when an image cannot be written
     */
    public static Path colourFolders(Path dir, int trainPerClass, int valPerClass)
            throws IOException {
        Random random = new Random(7);
        String[] classes = {"blue", "red"};
        for (String split : new String[] {"train", "val"}) {
            int n = split.equals("train") ? trainPerClass : valPerClass;
            for (int c = 0; c < classes.length; c++) {
                Path folder = Files.createDirectories(dir.resolve(split).resolve(classes[c]));
                for (int i = 0; i < n; i++) {
                    BufferedImage img = new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB);
                    for (int y = 0; y < 20; y++) {
                        for (int x = 0; x < 20; x++) {
                            int strong = 150 + random.nextInt(100);
                            int weak = random.nextInt(110);
                            int green = random.nextInt(120);
                            int r = c == 1 ? strong : weak;
                            int bl = c == 0 ? strong : weak;
                            img.setRGB(x, y, (r << 16) | (green << 8) | bl);
                        }
                    }
                    ImageIO.write(img, "png", folder.resolve(classes[c] + i + ".png").toFile());
                }
            }
        }
        return dir;
    }

    static ValueInfoProto info(String name, long... shape) {
        return ValueInfos.of(name, TensorProto.DataType.FLOAT_VALUE, shape, "N");
    }

    private static final class Builder {
        final GraphProto.Builder g = GraphProto.newBuilder();
        final Random random;

        Builder(long seed) {
            random = new Random(seed);
        }

        void weight(String name, float scale, long... dims) {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            float[] v = new float[(int) n];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (random.nextGaussian() * scale);
            }
            g.addInitializer(OnnxTensors.fromFloats(name, dims, v));
        }

        void set(String name, long[] dims, float... values) {
            for (int i = 0; i < g.getInitializerCount(); i++) {
                if (g.getInitializer(i).getName().equals(name)) {
                    g.setInitializer(i, OnnxTensors.fromFloats(name, dims, values));
                }
            }
        }

        void conv(String name, String in, String out, int cin, int cout, int k) {
            weight(name + ".weight", (float) Math.sqrt(2.0 / (cin * k * k)), cout, cin, k, k);
            weight(name + ".bias", 0.05f, cout);
            long p = k / 2;
            node(
                    "Conv",
                    name,
                    new String[] {in, name + ".weight", name + ".bias"},
                    out,
                    "pads",
                    new long[] {p, p, p, p});
        }

        void batchNorm(String name, String in, String out, int c) {
            float[] scale = new float[c];
            float[] bias = new float[c];
            float[] mean = new float[c];
            float[] var = new float[c];
            for (int i = 0; i < c; i++) {
                scale[i] = 1 + 0.1f * (float) random.nextGaussian();
                bias[i] = 0.05f * (float) random.nextGaussian();
                mean[i] = 0.1f * (float) random.nextGaussian();
                var[i] = 1 + 0.2f * random.nextFloat();
            }
            g.addInitializer(OnnxTensors.fromFloats(name + ".weight", new long[] {c}, scale));
            g.addInitializer(OnnxTensors.fromFloats(name + ".bias", new long[] {c}, bias));
            g.addInitializer(OnnxTensors.fromFloats(name + ".running_mean", new long[] {c}, mean));
            g.addInitializer(OnnxTensors.fromFloats(name + ".running_var", new long[] {c}, var));
            node(
                    "BatchNormalization",
                    name,
                    new String[] {
                        in,
                        name + ".weight",
                        name + ".bias",
                        name + ".running_mean",
                        name + ".running_var"
                    },
                    out,
                    "momentum",
                    0.9f);
        }

        void node(String op, String name, String[] in, String out, Object... attributes) {
            NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addOutput(out);
            for (String i : in) {
                n.addInput(i);
            }
            for (int k = 0; k < attributes.length; k += 2) {
                String a = (String) attributes[k];
                Object v = attributes[k + 1];
                if (v instanceof Long l) {
                    n.addAttribute(Attributes.ofInt(a, l));
                } else if (v instanceof Float f) {
                    n.addAttribute(Attributes.ofFloat(a, f));
                } else {
                    n.addAttribute(Attributes.ofInts(a, (long[]) v));
                }
            }
            g.addNode(n);
        }
    }
}
