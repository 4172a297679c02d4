package ai.graft.converter.quantize;

import ai.graft.converter.OnnxModels;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ImageException;
import ai.graft.sdk.Images;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.OnnxRuntime;
import ai.graft.sdk.Preprocessing;
import ai.graft.sdk.TensorWriter;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Chooses the weighted layers to keep in float when the fully quantized model follows the float one
 * too loosely, by a sensitivity pass on calibration images run by ONNX Runtime on the integer
 * kernels themselves (so that their rounding and saturation count).
 *
 * <p>When the full INT8 model's top-1 agreement with the float model on those images is below the
 * target, every weighted node in turn is kept float while the rest stays quantized, and the mean KL
 * divergence of the class scores from the float model's is measured; the layers whose float version
 * leaves the least divergence are the most sensitive. Then the 1, 2, ... most sensitive are kept
 * float together until the agreement reaches the target or the limit of layers is reached; the
 * attempt with the best agreement (then the least divergence) wins. Not thread-safe: one instance
 * per quantization.
 */
final class FloatFallback {
    /** Calibration images the pass runs on, at most: enough to rank layers, few for memory. */
    static final int MAX_IMAGES = 100;

    /** The fit of one candidate model to the float model on the pass's images. */
    private record Fit(double agreement, double meanKl) {
        boolean betterThan(Fit o) {
            return agreement > o.agreement || agreement == o.agreement && meanKl < o.meanKl;
        }
    }

    private final ModelProto prepared;
    private final String input;
    private final Function<QdqPlan, ModelProto> writer;
    private final List<float[]> tensors;
    private final long[] shape;
    private final List<float[]> reference = new ArrayList<>();

    private FloatFallback(
            ModelProto prepared,
            String input,
            Function<QdqPlan, ModelProto> writer,
            List<float[]> tensors,
            long[] shape) {
        this.prepared = prepared;
        this.input = input;
        this.writer = writer;
        this.tensors = tensors;
        this.shape = shape;
    }

    /**
     * Chooses the nodes to keep float.
     *
     * @param prepared the float model as the quantizer prepared it
     * @param input the name of its image input
     * @param keepFloat the nodes the user keeps float
     * @param images the readable calibration images (the first {@value #MAX_IMAGES} are used)
     * @param p the model's preprocessing
     * @param writer writes the QDQ model of a plan, with the calibrated ranges
     * @param maxNodes the most layers this pass may keep float
     * @param target the top-1 agreement to reach, in [0, 1]
     * @return the nodes to keep float: the ones asked for and the ones chosen
     * @throws GraftException when an image cannot be read again or ONNX Runtime cannot run a model
     */
    static Set<String> choose(
            ModelProto prepared,
            String input,
            Set<String> keepFloat,
            List<Path> images,
            Preprocessing p,
            Function<QdqPlan, ModelProto> writer,
            int maxNodes,
            double target)
            throws GraftException {
        List<float[]> tensors = read(images.subList(0, Math.min(MAX_IMAGES, images.size())), p);
        long[] shape =
                p.layout() == Preprocessing.Layout.NCHW
                        ? new long[] {1, p.channels(), p.height(), p.width()}
                        : new long[] {1, p.height(), p.width(), p.channels()};
        return new FloatFallback(prepared, input, writer, tensors, shape)
                .choose(keepFloat, maxNodes, target);
    }

    private Set<String> choose(Set<String> keepFloat, int maxNodes, double target)
            throws GraftException {
        reference.addAll(run(prepared));
        QdqPlan full = QdqPlan.of(prepared, keepFloat);
        Fit best = fit(full);
        Set<String> choice = keepFloat;
        if (best.agreement() >= target || maxNodes == 0) {
            return choice;
        }
        List<String> candidates = full.weightedNodes();
        Map<String, Double> divergence = new HashMap<>();
        for (String node : candidates) {
            divergence.put(
                    node, fit(QdqPlan.of(prepared, with(keepFloat, List.of(node)))).meanKl());
        }
        List<String> ranked = new ArrayList<>(candidates);
        ranked.sort(Comparator.comparingDouble(divergence::get));
        for (int k = 1; k <= Math.min(maxNodes, ranked.size()); k++) {
            List<String> chosen = ranked.subList(0, k);
            Fit f = fit(QdqPlan.of(prepared, with(keepFloat, chosen)));
            if (f.betterThan(best)) {
                best = f;
                choice = with(keepFloat, chosen);
            }
            if (f.agreement() >= target) {
                break;
            }
        }
        return choice;
    }

    private static Set<String> with(Set<String> keepFloat, List<String> more) {
        Set<String> s = new LinkedHashSet<>(keepFloat);
        s.addAll(more);
        return s;
    }

    private Fit fit(QdqPlan plan) throws GraftException {
        List<float[]> scores = run(writer.apply(plan));
        int same = 0;
        double kl = 0;
        for (int i = 0; i < scores.size(); i++) {
            float[] a = reference.get(i);
            float[] b = scores.get(i);
            same += argmax(a) == argmax(b) ? 1 : 0;
            kl += ClassScores.klDivergence(a, b);
        }
        return new Fit((double) same / scores.size(), kl / scores.size());
    }

    /** The class scores (probabilities) of every image: the first output, softmaxed if needed. */
    private List<float[]> run(ModelProto model) throws GraftException {
        List<float[]> out = new ArrayList<>();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions();
                OrtSession s =
                        OnnxRuntime.environment().createSession(OnnxModels.toBytes(model), so)) {
            String output = s.getOutputNames().iterator().next();
            for (float[] x : tensors) {
                try (OnnxTensor t =
                                OnnxTensor.createTensor(
                                        OnnxRuntime.environment(), FloatBuffer.wrap(x), shape);
                        OrtSession.Result r = s.run(Map.of(input, t), Set.of(output))) {
                    FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
                    float[] v = new float[fb.remaining()];
                    fb.get(v);
                    out.add(ClassScores.probabilities(v));
                }
            }
        } catch (OrtException e) {
            throw new ModelException(
                    "ONNX Runtime could not run a quantized candidate: " + e.getMessage(), e);
        }
        return out;
    }

    private static List<float[]> read(List<Path> images, Preprocessing p) throws ImageException {
        List<float[]> out = new ArrayList<>();
        try (TensorWriter writer = p.newWriter()) {
            for (Path image : images) {
                FloatBuffer buf = FloatBuffer.allocate(p.channels() * p.height() * p.width());
                try (Mat bgr =
                        Images.decode(image, Images.DEFAULT_MAX_PIXELS, p.decodeShortSide())) {
                    writer.write(bgr, buf);
                }
                out.add(buf.array());
            }
        }
        return out;
    }

    private static int argmax(float[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] > a[best]) {
                best = i;
            }
        }
        return best;
    }
}
