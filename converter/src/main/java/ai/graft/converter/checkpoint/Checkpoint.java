package ai.graft.converter.checkpoint;

import ai.graft.converter.AtomicFiles;
import ai.graft.converter.GraftJson;
import ai.graft.converter.OnnxModels;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.Preprocessing;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A training run's state after a whole epoch of a graph strategy ({@code finetune}, {@code full},
 * {@code scratch}): enough to continue the run exactly where it stopped ({@code graft train
 * --resume}) and to export its best epoch without the trainer ({@link ModelExport#export}).
 *
 * <p>The file is a ZIP archive, written atomically, holding:
 *
 * <ul>
 *   <li>{@code checkpoint.json}: format and version, what was trained ({@link Run}: strategy,
 *       backbone, classes, preprocessing, data fingerprint, seed, hyperparameters, versions) and
 *       where the run stands ({@link State}: epochs done, optimizer steps, best epoch, early
 *       stopping count, per-epoch metrics);
 *   <li>{@code model.onnx}: the training graph (backbone cut at its features plus the new head, in
 *       training form: batch norms unfolded) with the current values of every parameter, batch-norm
 *       running statistics included;
 *   <li>{@code best.onnx}: the same graph with the best epoch's values;
 *   <li>{@code optimizer.bin}: the optimizer's state per parameter (SGD's momentum buffer, AdamW's
 *       two moments), little-endian float32.
 * </ul>
 *
 * <p>The random state needs no saving: every epoch reseeds the engine and the data order from the
 * run's seed and the epoch number. This class needs neither DJL nor PyTorch.
 *
 * <pre>{@code
 * Checkpoint c = Checkpoint.read(Path.of("out/checkpoints/last.ckpt"));
 * System.out.println(c.state().bestEpoch() + " " + c.state().bestValAccuracy());
 * }</pre>
 *
 * @param run what was trained
 * @param state where the run stands
 * @param model the training graph with the current values
 * @param best the training graph with the best epoch's values
 * @param optimizerState per parameter name, the optimizer's arrays (row-major float32)
 */
public record Checkpoint(
        Run run,
        State state,
        ModelProto model,
        ModelProto best,
        Map<String, float[][]> optimizerState) {

    /** The checkpoint's file name in the checkpoint folder. */
    public static final String FILE_NAME = "last.ckpt";

    /** The format's name in {@code checkpoint.json}. */
    public static final String FORMAT = "graft-checkpoint";

    /** The format version this class writes and reads. */
    public static final int VERSION = 1;

    private static final String JSON_ENTRY = "checkpoint.json";
    private static final String MODEL_ENTRY = "model.onnx";
    private static final String BEST_ENTRY = "best.onnx";
    private static final String OPTIMIZER_ENTRY = "optimizer.bin";
    private static final int OPTIMIZER_MAGIC = 0x47524654; // "GRFT"

    /**
     * What a run trains.
     *
     * @param strategy the strategy's command-line name
     * @param backbone the backbone's name (file name or zoo name)
     * @param backboneSha256 the backbone file's SHA-256 (of the zoo model's bytes for a zoo name)
     * @param featureNode the feature node asked for, or null when found automatically
     * @param classes the class names, index = class index
     * @param preprocessing the model's preprocessing
     * @param dataFingerprint SHA-256 over the training and validation sets' fingerprints
     * @param trainSamples training images
     * @param valSamples validation images
     * @param seed the run's seed
     * @param hyperparameters the settings that shape the training (a resumed run must match them)
     * @param versions software versions (graft, djl, pytorch, onnxruntime, java)
     * @param stages the backbone's stages by name, first to last
     * @param trainedStages how many of the last stages train ({@code stages.size()} for all)
     */
    public record Run(
            String strategy,
            String backbone,
            String backboneSha256,
            String featureNode,
            List<String> classes,
            Preprocessing preprocessing,
            String dataFingerprint,
            int trainSamples,
            int valSamples,
            long seed,
            Map<String, Object> hyperparameters,
            Map<String, String> versions,
            List<String> stages,
            int trainedStages) {
        /** Copies the collections into unmodifiable ones. */
        public Run {
            classes = List.copyOf(classes);
            hyperparameters =
                    java.util.Collections.unmodifiableMap(new LinkedHashMap<>(hyperparameters));
            versions = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(versions));
            stages = List.copyOf(stages);
        }

        /**
         * Refuses to continue this run with other settings: a resumed run must train the same
         * strategy on the same classes and data, with the same seed and hyperparameters, or it
         * would not end where the interrupted run would have.
         *
         * @param file the checkpoint's file, named in the message
         * @param strategy the strategy of the run that resumes
         * @param classes its class names
         * @param dataFingerprint its data fingerprint
         * @param seed its seed
         * @param hyperparameters its hyperparameters (numbers compare as JSON numbers)
         * @throws IllegalArgumentException naming every setting that differs, as it was and as it
         *     is
         */
        public void checkResumable(
                Path file,
                String strategy,
                List<String> classes,
                String dataFingerprint,
                long seed,
                Map<String, Object> hyperparameters) {
            List<String> problems = new ArrayList<>();
            if (!this.strategy.equals(strategy)) {
                problems.add("strategy " + this.strategy + ", not " + strategy);
            }
            if (!this.classes.equals(classes)) {
                problems.add("classes " + this.classes + ", not " + classes);
            }
            if (!this.dataFingerprint.equals(dataFingerprint)) {
                problems.add("other data (the data fingerprint differs)");
            }
            if (this.seed != seed) {
                problems.add("seed " + this.seed + ", not " + seed);
            }
            // Through JSON, as the checkpoint stores them; an int and a double of one value agree
            // (a checkpoint may hold 4.0 where the run now says 4).
            Map<String, Object> now = GraftJson.readObject(GraftJson.write(hyperparameters));
            if (!sameValue(now, this.hyperparameters)) {
                Map<String, Object> was = new TreeMap<>(this.hyperparameters);
                Map<String, Object> is = new TreeMap<>(now);
                for (String k : is.keySet()) {
                    if (!sameValue(was.get(k), is.get(k))) {
                        problems.add(k + " " + was.get(k) + ", not " + is.get(k));
                    }
                }
                for (String k : was.keySet()) {
                    if (!is.containsKey(k)) {
                        problems.add(k + " " + was.get(k) + ", not unset");
                    }
                }
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException(
                        "Cannot resume from "
                                + file
                                + ": it was trained with "
                                + String.join("; ", problems)
                                + ". Resume with the settings of the interrupted run, or start"
                                + " afresh without --resume");
            }
        }

        /** Equality of JSON values, numbers by their value whatever their Java type. */
        private static boolean sameValue(Object a, Object b) {
            if (a instanceof Number x && b instanceof Number y) {
                return Double.compare(x.doubleValue(), y.doubleValue()) == 0;
            }
            if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
                if (!x.keySet().equals(y.keySet())) {
                    return false;
                }
                for (Object k : x.keySet()) {
                    if (!sameValue(x.get(k), y.get(k))) {
                        return false;
                    }
                }
                return true;
            }
            if (a instanceof List<?> x && b instanceof List<?> y) {
                if (x.size() != y.size()) {
                    return false;
                }
                for (int i = 0; i < x.size(); i++) {
                    if (!sameValue(x.get(i), y.get(i))) {
                        return false;
                    }
                }
                return true;
            }
            return Objects.equals(a, b);
        }
    }

    /**
     * Where a run stands after an epoch.
     *
     * @param epoch epochs done (1-based number of the last one)
     * @param step optimizer steps done
     * @param finished whether the run ended (all epochs done, or stopped early)
     * @param bestEpoch the epoch with the best validation accuracy (ties: lower loss)
     * @param bestValAccuracy its validation accuracy
     * @param bestValLoss its validation loss
     * @param sinceBest epochs since the validation accuracy last improved
     * @param history per-epoch metrics, one per epoch done
     * @param rateScale the factor on the learning-rate schedule: 1, halved each time the training
     *     diverged and was set back
     * @param adjustments what the run changed on its own (a divergence set back, the learning rate
     *     halved), one sentence each, in order, for the log and the report
     * @param startLoss the training loss of the run's first batch, before any step (the divergence
     *     guard's reference); NaN when not known yet, or in checkpoints of older versions
     */
    public record State(
            int epoch,
            long step,
            boolean finished,
            int bestEpoch,
            double bestValAccuracy,
            double bestValLoss,
            int sinceBest,
            List<EpochMetrics> history,
            double rateScale,
            List<String> adjustments,
            double startLoss) {
        /** Copies the lists into unmodifiable ones and checks the scale. */
        public State {
            history = List.copyOf(history);
            adjustments = List.copyOf(adjustments);
            if (!(rateScale > 0 && rateScale <= 1)) {
                throw new IllegalArgumentException(
                        "Learning-rate scale must be in (0, 1], got " + rateScale);
            }
        }

        /** A state with the full learning rate and no adjustments (as before any divergence). */
        public State(
                int epoch,
                long step,
                boolean finished,
                int bestEpoch,
                double bestValAccuracy,
                double bestValLoss,
                int sinceBest,
                List<EpochMetrics> history) {
            this(
                    epoch,
                    step,
                    finished,
                    bestEpoch,
                    bestValAccuracy,
                    bestValLoss,
                    sinceBest,
                    history,
                    1.0,
                    List.of(),
                    Double.NaN);
        }
    }

    /** Makes the optimizer state map unmodifiable. */
    public Checkpoint {
        optimizerState = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(optimizerState));
    }

    /**
     * Reads a checkpoint.
     *
     * @param file the {@code .ckpt} file
     * @return the checkpoint
     * @throws ModelException when the file is missing, not a Graft checkpoint, of another format
     *     version, or incomplete
     */
    public static Checkpoint read(Path file) throws ModelException {
        Map<String, byte[]> entries = new HashMap<>();
        try (InputStream in = Files.newInputStream(file);
                ZipInputStream zip = new ZipInputStream(in)) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                entries.put(e.getName(), zip.readAllBytes());
            }
        } catch (NoSuchFileException e) {
            throw new ModelException("Checkpoint not found: " + file, e);
        } catch (IOException e) {
            throw new ModelException("Cannot read checkpoint " + file + ": " + e.getMessage(), e);
        }
        byte[] json = entries.get(JSON_ENTRY);
        if (json == null) {
            throw new ModelException(
                    file
                            + " is not a Graft checkpoint (no "
                            + JSON_ENTRY
                            + "); checkpoints are written by graft train --strategy"
                            + " finetune|full|scratch");
        }
        for (String needed : List.of(MODEL_ENTRY, BEST_ENTRY, OPTIMIZER_ENTRY)) {
            if (!entries.containsKey(needed)) {
                throw new ModelException("Checkpoint " + file + " is incomplete: no " + needed);
            }
        }
        Map<String, Object> m;
        try {
            m = readJson(json);
            if (!FORMAT.equals(m.get("format"))) {
                throw new IllegalArgumentException(
                        "format is " + m.get("format") + ", not " + FORMAT);
            }
            int version = num(m, "version").intValue();
            if (version != VERSION) {
                throw new IllegalArgumentException(
                        "format version " + version + ", this Graft reads version " + VERSION);
            }
            Run run = run(map(m.get("run"), "run"));
            State state = state(map(m.get("state"), "state"));
            ModelProto model = OnnxModels.parse(entries.get(MODEL_ENTRY), file + "!" + MODEL_ENTRY);
            ModelProto best = OnnxModels.parse(entries.get(BEST_ENTRY), file + "!" + BEST_ENTRY);
            Map<String, float[][]> optimizer = readOptimizer(entries.get(OPTIMIZER_ENTRY));
            return new Checkpoint(run, state, model, best, optimizer);
        } catch (IllegalArgumentException | ClassCastException | IOException e) {
            throw new ModelException("Checkpoint " + file + " is invalid: " + e.getMessage(), e);
        }
    }

    /**
     * Writes this checkpoint atomically: a reader sees the previous file or this one, never a part.
     *
     * @param file the target
     * @throws GraftException when the file cannot be written
     */
    public void write(Path file) throws GraftException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("version", VERSION);
        m.put("run", runMap(run));
        m.put("state", stateMap(state));
        byte[] json = GraftJson.write(m).getBytes(StandardCharsets.UTF_8);
        byte[] optimizer = writeOptimizer(optimizerState);
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            AtomicFiles.write(
                    file,
                    out -> {
                        ZipOutputStream zip = new ZipOutputStream(out);
                        // Float weights barely compress; the fastest level keeps saving cheap.
                        zip.setLevel(Deflater.BEST_SPEED);
                        entry(zip, JSON_ENTRY, json);
                        zip.putNextEntry(new ZipEntry(MODEL_ENTRY));
                        model.writeTo(zip);
                        zip.closeEntry();
                        zip.putNextEntry(new ZipEntry(BEST_ENTRY));
                        best.writeTo(zip);
                        zip.closeEntry();
                        entry(zip, OPTIMIZER_ENTRY, optimizer);
                        zip.finish();
                    });
        } catch (IOException e) {
            throw new GraftException("Cannot write checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    private static void entry(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(bytes);
        zip.closeEntry();
    }

    // ---------------------------------------------------------------- JSON

    private static Map<String, Object> runMap(Run r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("strategy", r.strategy());
        m.put("backbone", r.backbone());
        m.put("backboneSha256", r.backboneSha256());
        m.put("featureNode", r.featureNode());
        m.put("classes", r.classes());
        m.put("preprocessing", GraftJson.readObject(r.preprocessing().toJson()));
        m.put("dataFingerprint", r.dataFingerprint());
        m.put("trainSamples", r.trainSamples());
        m.put("valSamples", r.valSamples());
        // As a string: a JSON number would lose a long's low bits.
        m.put("seed", Long.toString(r.seed()));
        m.put("hyperparameters", r.hyperparameters());
        m.put("versions", r.versions());
        m.put("stages", r.stages());
        m.put("trainedStages", r.trainedStages());
        return m;
    }

    private static Run run(Map<String, Object> m) {
        Map<String, String> versions = new LinkedHashMap<>();
        map(m.get("versions"), "versions").forEach((k, v) -> versions.put(k, String.valueOf(v)));
        return new Run(
                str(m, "strategy"),
                str(m, "backbone"),
                str(m, "backboneSha256"),
                (String) m.get("featureNode"),
                strings(m.get("classes"), "classes"),
                Preprocessing.fromJson(
                        GraftJson.write(map(m.get("preprocessing"), "preprocessing"))),
                str(m, "dataFingerprint"),
                num(m, "trainSamples").intValue(),
                num(m, "valSamples").intValue(),
                Long.parseLong(str(m, "seed")),
                map(m.get("hyperparameters"), "hyperparameters"),
                versions,
                strings(m.get("stages"), "stages"),
                num(m, "trainedStages").intValue());
    }

    private static Map<String, Object> stateMap(State s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", s.epoch());
        m.put("step", s.step());
        m.put("finished", s.finished());
        m.put("bestEpoch", s.bestEpoch());
        m.put("bestValAccuracy", s.bestValAccuracy());
        m.put("bestValLoss", s.bestValLoss());
        m.put("sinceBest", s.sinceBest());
        m.put("rateScale", s.rateScale());
        m.put("adjustments", s.adjustments());
        // JSON has no NaN: an unknown start is left out.
        if (Double.isFinite(s.startLoss())) {
            m.put("startLoss", s.startLoss());
        }
        List<Object> history = new ArrayList<>();
        for (EpochMetrics e : s.history()) {
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("epoch", e.epoch());
            h.put("trainLoss", e.trainLoss());
            h.put("trainAccuracy", e.trainAccuracy());
            h.put("valLoss", e.valLoss());
            h.put("valAccuracy", e.valAccuracy());
            h.put("learningRate", e.learningRate());
            h.put("imagesPerSecond", e.imagesPerSecond());
            h.put("seconds", e.seconds());
            history.add(h);
        }
        m.put("history", history);
        return m;
    }

    private static State state(Map<String, Object> m) {
        List<EpochMetrics> history = new ArrayList<>();
        if (!(m.get("history") instanceof List<?> list)) {
            throw new IllegalArgumentException("history is missing or not a list");
        }
        for (Object o : list) {
            Map<String, Object> h = map(o, "history entry");
            history.add(
                    new EpochMetrics(
                            num(h, "epoch").intValue(),
                            dbl(h, "trainLoss"),
                            dbl(h, "trainAccuracy"),
                            dbl(h, "valLoss"),
                            dbl(h, "valAccuracy"),
                            dbl(h, "learningRate"),
                            dbl(h, "imagesPerSecond"),
                            dbl(h, "seconds")));
        }
        Object finished = m.get("finished");
        if (!(finished instanceof Boolean)) {
            throw new IllegalArgumentException("finished is missing or not true/false");
        }
        return new State(
                num(m, "epoch").intValue(),
                num(m, "step").longValue(),
                (Boolean) finished,
                num(m, "bestEpoch").intValue(),
                dbl(m, "bestValAccuracy"),
                dbl(m, "bestValLoss"),
                num(m, "sinceBest").intValue(),
                history,
                // Checkpoints written before the divergence guard have neither.
                m.containsKey("rateScale") ? dbl(m, "rateScale") : 1.0,
                m.containsKey("adjustments")
                        ? strings(m.get("adjustments"), "adjustments")
                        : List.of(),
                m.containsKey("startLoss") ? dbl(m, "startLoss") : Double.NaN);
    }

    /** The JSON entry's object; an error names the entry and says what was expected. */
    private static Map<String, Object> readJson(byte[] json) {
        try {
            return GraftJson.readObject(new String(json, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(JSON_ENTRY + ": " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o, String what) {
        if (!(o instanceof Map)) {
            throw new IllegalArgumentException(what + " is missing or not an object");
        }
        return (Map<String, Object>) o;
    }

    private static List<String> strings(Object o, String what) {
        if (!(o instanceof List<?> list)) {
            throw new IllegalArgumentException(what + " is missing or not a list");
        }
        List<String> out = new ArrayList<>();
        for (Object v : list) {
            out.add((String) v);
        }
        return out;
    }

    private static String str(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof String)) {
            throw new IllegalArgumentException(key + " is missing or not a string");
        }
        return (String) v;
    }

    private static Number num(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (!(v instanceof Number)) {
            throw new IllegalArgumentException(key + " is missing or not a number");
        }
        return (Number) v;
    }

    /** A number; JSON null (how NaN is written) reads as NaN. */
    private static double dbl(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null && m.containsKey(key)) {
            return Double.NaN;
        }
        return num(m, key).doubleValue();
    }

    // ---------------------------------------------------------------- optimizer state

    private static byte[] writeOptimizer(Map<String, float[][]> state) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(OPTIMIZER_MAGIC);
            out.writeInt(state.size());
            for (Map.Entry<String, float[][]> e : state.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeInt(e.getValue().length);
                for (float[] a : e.getValue()) {
                    out.writeInt(a.length);
                    ByteBuffer b = ByteBuffer.allocate(a.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                    b.asFloatBuffer().put(a);
                    out.write(b.array());
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("Writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    private static Map<String, float[][]> readOptimizer(byte[] data) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(data));
        if (in.readInt() != OPTIMIZER_MAGIC) {
            throw new IOException(OPTIMIZER_ENTRY + " has a wrong header");
        }
        int count = in.readInt();
        Map<String, float[][]> out = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String name = in.readUTF();
            int arrays = in.readInt();
            if (arrays < 0 || arrays > 16) {
                throw new IOException(OPTIMIZER_ENTRY + ": bad array count " + arrays);
            }
            float[][] v = new float[arrays][];
            for (int k = 0; k < arrays; k++) {
                int n = in.readInt();
                if (n < 0 || (long) n * 4 > in.available()) {
                    throw new IOException(OPTIMIZER_ENTRY + ": truncated at '" + name + "'");
                }
                byte[] raw = new byte[n * 4];
                in.readFully(raw);
                v[k] = new float[n];
                ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(v[k]);
            }
            out.put(name, v);
        }
        return out;
    }
}
