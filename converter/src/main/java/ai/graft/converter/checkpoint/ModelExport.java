package ai.graft.converter.checkpoint;

import ai.graft.converter.AtomicFiles;
import ai.graft.converter.GraftJson;
import ai.graft.converter.ModelEditor;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ModelCard;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.OnnxRuntime;
import ai.graft.sdk.OutputKind;
import ai.graft.sdk.Preprocessing;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Turns a graph strategy's best epoch into the deployable file: the trained values are already the
 * training graph's initializers (see {@link Checkpoint}); batch norms are folded into their
 * convolutions for inference, the model card is written (labels, preprocessing, backbone, strategy,
 * training provenance), the result's logits are checked ({@link Parity}) against the unfolded graph
 * in ONNX Runtime (or against the trainer's own, at the end of a run), and only then is it written,
 * atomically.
 *
 * <p>Needs neither DJL nor PyTorch, so a deployment install can export a checkpoint:
 *
 * <pre>{@code
 * ModelExport.Result r =
 *         ModelExport.export(Path.of("out/checkpoints/last.ckpt"), Path.of("model.onnx"));
 * System.out.println(r.parityMaxAbsDiff());
 * }</pre>
 */
public final class ModelExport {
    /** The name of the classifier's logits output. */
    public static final String LOGITS = "logits";

    private static final int RANDOM_IMAGES = 4;

    private ModelExport() {}

    /**
     * What an export wrote.
     *
     * @param model the written file
     * @param bestEpoch the epoch whose values it holds
     * @param bestValAccuracy that epoch's validation accuracy in the trainer
     * @param parityMaxAbsDiff the largest logit difference found by the parity check
     * @param logitScale the largest absolute logit of the reference in that check
     */
    public record Result(
            Path model,
            int bestEpoch,
            double bestValAccuracy,
            double parityMaxAbsDiff,
            double logitScale) {}

    /**
     * One input of the parity check with the logits the exported model must reproduce.
     *
     * @param input the input values, preprocessed
     * @param shape the input shape (NCHW or NHWC, as the model takes)
     * @param logits the reference logits for that input
     */
    public record Reference(float[] input, long[] shape, float[] logits) {}

    /**
     * Exports a checkpoint's best epoch. The parity check runs the unfolded training graph and the
     * exported file in ONNX Runtime on a few seeded random images (random pixels, preprocessed as
     * the card says).
     *
     * @param checkpoint a checkpoint written by {@code graft train}
     * @param out the {@code .onnx} file to write
     * @return what was written
     * @throws ModelException when the checkpoint cannot be read or its graph cannot run
     * @throws GraftException when the parity check fails (nothing is written) or the file cannot be
     *     written
     */
    public static Result export(Path checkpoint, Path out) throws GraftException {
        Checkpoint c = Checkpoint.read(checkpoint);
        Preprocessing p = c.run().preprocessing();
        long[] shape = inputShape(p, RANDOM_IMAGES);
        float[] input = randomImages(p, RANDOM_IMAGES, c.run().seed());
        float[] reference = OrtLogits.run(OnnxModels.toBytes(c.best()), input, shape);
        return export(c, List.of(new Reference(input, shape, reference)), out);
    }

    /**
     * Exports a checkpoint's best epoch checked against given logits: those of the trainer's own
     * forward pass on validation images, when the trainer exports at the end of a run. Nothing is
     * written unless the exported file reproduces every reference within {@link Parity#TOLERANCE}.
     *
     * @param c the checkpoint
     * @param references inputs with the logits expected of them, at least one
     * @param out the {@code .onnx} file to write
     * @return what was written
     * @throws ModelException when ONNX Runtime cannot run the exported model
     * @throws GraftException when the parity check fails or the file cannot be written
     */
    public static Result export(Checkpoint c, List<Reference> references, Path out)
            throws GraftException {
        ModelProto exported = inferenceModel(c);
        byte[] bytes = OnnxModels.toBytes(exported);
        Parity parity = Parity.NONE;
        for (Reference r : references) {
            float[] got = OrtLogits.run(bytes, r.input(), r.shape());
            parity = parity.worst(Parity.of(r.logits(), got));
        }
        parity.check(out);
        write(exported, out);
        return new Result(
                out,
                c.state().bestEpoch(),
                c.state().bestValAccuracy(),
                parity.maxAbsDiff(),
                parity.logitScale());
    }

    /** The deployable form of a checkpoint's best epoch: batch norms folded, card written. */
    static ModelProto inferenceModel(Checkpoint c) {
        ModelProto folded = ModelEditor.foldBatchNorm(c.best());
        return ModelEditor.withCard(folded, card(c));
    }

    /** The model card of a checkpoint's best epoch. */
    static ModelCard card(Checkpoint c) {
        Checkpoint.Run run = c.run();
        Checkpoint.State state = c.state();
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("strategy", run.strategy());
        training.put("dataFingerprint", run.dataFingerprint());
        training.put("backboneSha256", run.backboneSha256());
        training.put("trainSamples", run.trainSamples());
        training.put("valSamples", run.valSamples());
        training.put("epochs", state.epoch());
        training.put("bestEpoch", state.bestEpoch());
        training.put("seed", Long.toString(run.seed()));
        EpochMetrics best =
                state.history().stream()
                        .filter(e -> e.epoch() == state.bestEpoch())
                        .findFirst()
                        .orElse(null);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("valAccuracy", state.bestValAccuracy());
        metrics.put("valLoss", state.bestValLoss());
        if (best != null) {
            metrics.put("trainAccuracy", best.trainAccuracy());
            metrics.put("trainLoss", best.trainLoss());
        }
        training.put("metrics", metrics);
        Map<String, Object> stages = new LinkedHashMap<>();
        stages.put("total", run.stages().size());
        stages.put("trained", run.trainedStages());
        stages.put(
                "trainedNames",
                run.stages()
                        .subList(run.stages().size() - run.trainedStages(), run.stages().size()));
        training.put("stages", stages);
        training.put("hyperparameters", run.hyperparameters());
        training.put("versions", run.versions());
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put(ModelCard.KEY_EMBEDDING_OUTPUT, ModelEditor.FEATURES);
        extra.put("graft.backbone", run.backbone());
        extra.put("graft.strategy", run.strategy());
        extra.put("graft.training", GraftJson.write(training));
        extra.put("graft.created", Instant.now().toString());
        return new ModelCard(
                ModelCard.VERSION,
                run.classes(),
                run.preprocessing(),
                OutputKind.LOGITS,
                LOGITS,
                extra);
    }

    /** Writes a model atomically, creating the parent directories. */
    private static void write(ModelProto model, Path target) throws GraftException {
        try {
            Path parent = target.toAbsolutePath().getParent();
            if (parent != null) {
                java.nio.file.Files.createDirectories(parent);
            }
            AtomicFiles.write(target, model::writeTo);
        } catch (IOException e) {
            throw new GraftException("Cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * The input shape of {@code n} images.
     *
     * @param p the preprocessing (its layout and size)
     * @param n the number of images
     * @return the shape, NCHW or NHWC
     */
    public static long[] inputShape(Preprocessing p, int n) {
        return p.layout() == Preprocessing.Layout.NHWC
                ? new long[] {n, p.height(), p.width(), p.channels()}
                : new long[] {n, p.channels(), p.height(), p.width()};
    }

    /** Seeded random pixels in [0, 255], normalised as the preprocessing says. */
    static float[] randomImages(Preprocessing p, int n, long seed) {
        int c = p.channels();
        int plane = p.width() * p.height();
        float[] out = new float[n * c * plane];
        Random random = new Random(seed);
        boolean nhwc = p.layout() == Preprocessing.Layout.NHWC;
        for (int i = 0; i < out.length; i++) {
            int channel = nhwc ? i % c : (i / plane) % c;
            float pixel = random.nextInt(256);
            out[i] = (pixel * p.scale() - p.mean()[channel]) / p.std()[channel];
        }
        return out;
    }

    /** Runs a model's {@value #LOGITS} output in ONNX Runtime. */
    private static final class OrtLogits {
        private OrtLogits() {}

        /**
         * Runs a model once.
         *
         * @param model the serialised model
         * @param input the input values
         * @param shape the input shape
         * @return the logits
         * @throws ModelException when ONNX Runtime cannot run the model
         */
        static float[] run(byte[] model, float[] input, long[] shape) throws ModelException {
            OrtEnvironment env = OnnxRuntime.environment();
            try (OrtSession.SessionOptions so = new OrtSession.SessionOptions();
                    OrtSession session = env.createSession(model, so)) {
                String inputName = session.getInputNames().iterator().next();
                try (OnnxTensor tensor =
                                OnnxTensor.createTensor(env, FloatBuffer.wrap(input), shape);
                        OrtSession.Result result =
                                session.run(Map.of(inputName, tensor), java.util.Set.of(LOGITS))) {
                    OnnxTensor out = (OnnxTensor) result.get(LOGITS).orElseThrow();
                    FloatBuffer fb = out.getFloatBuffer();
                    float[] values = new float[fb.remaining()];
                    fb.get(values);
                    return values;
                }
            } catch (OrtException e) {
                throw new ModelException(
                        "ONNX Runtime cannot run the exported model: " + e.getMessage(), e);
            }
        }
    }
}
