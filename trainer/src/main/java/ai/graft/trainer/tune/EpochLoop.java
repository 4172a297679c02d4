package ai.graft.trainer.tune;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.graft.converter.OnnxTensors;
import ai.graft.converter.checkpoint.Checkpoint;
import ai.graft.converter.checkpoint.EpochMetrics;
import ai.graft.converter.checkpoint.ModelExport;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.sdk.GraftException;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.Preprocessing;
import ai.graft.trainer.TrainingMonitor;
import ai.graft.trainer.TrainingOptions;
import ai.graft.trainer.data.Batch;
import ai.graft.trainer.data.BatchLoader;
import ai.graft.trainer.data.DatasetException;
import ai.graft.trainer.data.Datasets;
import ai.graft.trainer.data.ImageDataset;
import ai.graft.trainer.data.Skipped;
import ai.graft.trainer.exec.OnnxBlock;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The epochs of a graph run: training on augmented batches (SGD with momentum or AdamW, linear
 * warm-up then a cosine or step schedule, label smoothing, optional class weights), validation
 * after each epoch, early stopping on validation accuracy (the best epoch is kept), the {@link
 * DivergenceGuard}, and a {@link Checkpoint} after each epoch from which a resumed run continues to
 * the same result as an uninterrupted one: the data order and augmentation of an epoch and the
 * engine's random generator (dropout) are seeded from the run's seed and the epoch number.
 *
 * <p>Reports one line per epoch and a status per batch (a progress bar with the loss, the accuracy,
 * images per second and the time left).
 */
final class EpochLoop {
    private final TrainingOptions o;
    private final TrainingMonitor monitor;
    private final ModelProto graph;
    private final OnnxBlock block;
    private final BlockFactory blocks;
    private final InitialGraph initial;
    private final Set<String> head;
    private final Map<String, Double> layerFactors;
    private final Device[] devices;
    private final Checkpoint.Run run;
    private final Checkpoint resumed;

    /**
     * Prepares the loop.
     *
     * @param o the run's settings
     * @param monitor where the epoch lines and the per-batch status go
     * @param graph the training graph, whose initializers take the trained values
     * @param block the block that trains first
     * @param blocks makes a block from given values after a set-back
     * @param initial the run's starting point, for a set-back with no sound best epoch
     * @param head the head's parameters (at the full learning rate)
     * @param layerFactors backbone parameter name to its layer-wise factor on the backbone's rate
     *     ({@link LearningRates#layerFactors}; absent: 1)
     * @param devices the devices, the first holding the parameters
     * @param run what the checkpoints say was trained
     * @param resumed the checkpoint the run continues, or null
     */
    EpochLoop(
            TrainingOptions o,
            TrainingMonitor monitor,
            ModelProto graph,
            OnnxBlock block,
            BlockFactory blocks,
            InitialGraph initial,
            Set<String> head,
            Map<String, Double> layerFactors,
            Device[] devices,
            Checkpoint.Run run,
            Checkpoint resumed) {
        this.o = o;
        this.monitor = monitor;
        this.graph = graph;
        this.block = block;
        this.blocks = blocks;
        this.initial = initial;
        this.head = head;
        this.layerFactors = Map.copyOf(layerFactors);
        this.devices = devices;
        this.run = run;
        this.resumed = resumed;
    }

    /**
     * Trains the epochs that are left, writing a checkpoint after each.
     *
     * @param trainLoader the training batches
     * @param valLoader the validation batches
     * @param train the training set (for class counts and unreadable images)
     * @return the last checkpoint, whose best epoch is what the run exports
     * @throws GraftException when the data cannot be read or a checkpoint cannot be written
     */
    Checkpoint run(BatchLoader trainLoader, BatchLoader valLoader, ImageDataset train)
            throws GraftException {
        if (resumed != null && resumed.state().finished()) {
            return resumedAsIs();
        }
        Engine engine = Engine.getEngine(TrainingDevices.ENGINE);
        Gradients.off();
        Checkpoint last = null;
        Map<String, float[][]> savedOptimizer =
                resumed == null ? Map.of() : resumed.optimizerState();
        int epoch = resumed == null ? 0 : resumed.state().epoch();
        long step = resumed == null ? 0 : resumed.state().step();
        int bestEpoch = resumed == null ? 0 : resumed.state().bestEpoch();
        double bestAcc = resumed == null ? -1 : resumed.state().bestValAccuracy();
        double bestLoss =
                resumed == null ? Double.POSITIVE_INFINITY : resumed.state().bestValLoss();
        int sinceBest = resumed == null ? 0 : resumed.state().sinceBest();
        List<EpochMetrics> history =
                new ArrayList<>(resumed == null ? List.of() : resumed.state().history());
        ModelProto best = resumed == null ? graph : resumed.best();
        double rateScale = resumed == null ? 1.0 : resumed.state().rateScale();
        double startLoss = resumed == null ? Double.NaN : resumed.state().startLoss();
        List<String> adjustments =
                new ArrayList<>(resumed == null ? List.of() : resumed.state().adjustments());

        float[] classWeights = classWeights(train.countsPerClass(), o.classWeights());
        SmoothedCrossEntropy loss =
                new SmoothedCrossEntropy((float) o.labelSmoothing(), classWeights);
        int stepsPerEpoch = trainLoader.batchesPerEpoch();
        LearningRates rates = LearningRates.of(o, stepsPerEpoch);
        Path file = o.checkpointDir().resolve(Checkpoint.FILE_NAME);
        OnnxBlock current = block;
        boolean setBack;
        do {
            setBack = false;
            try (Model model =
                    Model.newInstance(
                            "graft-" + o.strategy().cliName(),
                            devices[0],
                            TrainingDevices.ENGINE)) {
                model.setBlock(current);
                GraphOptimizer optimizer = optimizer(current, model.getNDManager());
                DefaultTrainingConfig config =
                        new DefaultTrainingConfig(loss).optOptimizer(optimizer).optDevices(devices);
                Preprocessing pre = run.preprocessing();
                try (Trainer trainer = model.newTrainer(config)) {
                    trainer.initialize(new Shape(ModelExport.inputShape(pre, 1)));
                    if (!savedOptimizer.isEmpty()) {
                        optimizer.restoreState(savedOptimizer, shapes(current));
                    }
                    while (epoch < o.epochs()) {
                        epoch++;
                        engine.setRandomSeed(epochSeed(o.seed(), epoch));
                        long t0 = System.nanoTime();
                        TrainPass tr =
                                trainEpoch(
                                        trainer,
                                        current,
                                        optimizer,
                                        loss,
                                        rates,
                                        rateScale,
                                        trainLoader,
                                        epoch,
                                        step,
                                        stepsPerEpoch);
                        // Skipped images are known once every one has been read.
                        Datasets.requireReadable(
                                train, trainLoader.skipped(), o.minPerClass(), o.data());
                        step = tr.step();
                        if (Double.isNaN(startLoss)) {
                            startLoss = tr.firstLoss();
                        }
                        double trainSeconds = (System.nanoTime() - t0) / 1e9;
                        ValPass va = validate(trainer, valLoader);
                        double seconds = (System.nanoTime() - t0) / 1e9;
                        EpochMetrics m =
                                new EpochMetrics(
                                        epoch,
                                        tr.loss(),
                                        tr.accuracy(),
                                        va.loss(),
                                        va.accuracy(),
                                        rates.at(Math.max(0, step - 1)) * rateScale,
                                        tr.images() / Math.max(trainSeconds, 1e-9),
                                        seconds);
                        history.add(m);
                        logEpoch(m, seconds, epoch >= o.epochs(), history);
                        ModelProto now = withValues(graph, current.parameterValues());
                        double limit =
                                DivergenceGuard.limit(
                                        startLoss, history.get(0), run.classes().size());
                        boolean diverged =
                                DivergenceGuard.diverged(
                                        tr.loss(), va.loss(), tr.skippedSteps(), limit);
                        if (diverged
                                && DivergenceGuard.cuts(rateScale) < DivergenceGuard.MAX_RATE_CUTS
                                && epoch < o.epochs()) {
                            // Set back: the best epoch, unless it too is past the limit.
                            boolean bestSound = bestEpoch > 0 && bestLoss <= limit;
                            ModelProto back = bestSound ? best : initial.get();
                            rateScale /= 2;
                            String what =
                                    DivergenceGuard.setBack(
                                            epoch,
                                            tr.loss(),
                                            va.loss(),
                                            limit,
                                            bestEpoch,
                                            bestSound,
                                            o.learningRate() * rateScale);
                            adjustments.add(what);
                            monitor.log(what);
                            sinceBest = 0;
                            Checkpoint.State state =
                                    new Checkpoint.State(
                                            epoch,
                                            step,
                                            false,
                                            bestEpoch,
                                            bestAcc,
                                            bestLoss,
                                            sinceBest,
                                            history,
                                            rateScale,
                                            adjustments,
                                            startLoss);
                            // Momentum carried the divergence: the optimizer starts afresh.
                            last = new Checkpoint(run, state, back, best, Map.of());
                            last.write(file);
                            current = blocks.create(back);
                            savedOptimizer = Map.of();
                            setBack = true;
                            break;
                        }
                        boolean better = !diverged && va.accuracy() > bestAcc + 1e-12;
                        if (better
                                || (!diverged
                                        && Math.abs(va.accuracy() - bestAcc) <= 1e-12
                                        && va.loss() < bestLoss)) {
                            sinceBest = better ? 0 : sinceBest + 1;
                            bestAcc = va.accuracy();
                            bestLoss = va.loss();
                            bestEpoch = epoch;
                            best = now;
                        } else {
                            sinceBest++;
                        }
                        boolean stop = o.patience() > 0 && sinceBest >= o.patience();
                        if (diverged) {
                            String what =
                                    DivergenceGuard.stop(
                                            epoch,
                                            tr.loss(),
                                            va.loss(),
                                            limit,
                                            bestEpoch,
                                            rateScale,
                                            o.learningRate());
                            adjustments.add(what);
                            monitor.log(what);
                            stop = true;
                        }
                        boolean finished = stop || epoch >= o.epochs();
                        Checkpoint.State state =
                                new Checkpoint.State(
                                        epoch,
                                        step,
                                        finished,
                                        bestEpoch,
                                        bestAcc,
                                        bestLoss,
                                        sinceBest,
                                        history,
                                        rateScale,
                                        adjustments,
                                        startLoss);
                        last = new Checkpoint(run, state, now, best, optimizer.saveState());
                        last.write(file);
                        if (stop && !diverged) {
                            monitor.log(
                                    String.format(
                                            Locale.ROOT,
                                            "early stop: no better validation accuracy for"
                                                    + " %d epochs; keeping epoch %d",
                                            o.patience(),
                                            bestEpoch));
                        }
                        if (finished) {
                            break;
                        }
                    }
                }
            }
        } while (setBack);
        // No epoch left: resumed from a checkpoint whose epoch count reached the asked epochs.
        return last != null ? last : resumedAsIs();
    }

    /** The resumed checkpoint under this run's description. */
    private Checkpoint resumedAsIs() {
        return new Checkpoint(
                run, resumed.state(), resumed.model(), resumed.best(), resumed.optimizerState());
    }

    private void logEpoch(
            EpochMetrics m, double seconds, boolean lastEpoch, List<EpochMetrics> history) {
        double eta = (o.epochs() - m.epoch()) * mean(history, resumed);
        monitor.log(
                String.format(
                        Locale.ROOT,
                        "epoch %d/%d: loss %.4f, accuracy %.4f, val loss %.4f,"
                                + " val accuracy %.4f, lr %.2e, %.1f images/s, %.1f s%s",
                        m.epoch(),
                        o.epochs(),
                        m.trainLoss(),
                        m.trainAccuracy(),
                        m.valLoss(),
                        m.valAccuracy(),
                        m.learningRate(),
                        m.imagesPerSecond(),
                        seconds,
                        lastEpoch ? "" : ", ETA " + clock(eta)));
    }

    /**
     * One pass over the training data, at {@code rateScale} times the schedule's rate.
     *
     * @return the pass; its loss is NaN when every step had a non-finite loss or gradient
     * @throws DatasetException when no training image could be read
     */
    private TrainPass trainEpoch(
            Trainer trainer,
            OnnxBlock block,
            GraphOptimizer optimizer,
            SmoothedCrossEntropy loss,
            LearningRates rates,
            double rateScale,
            BatchLoader loader,
            int epoch,
            long step,
            int stepsPerEpoch)
            throws DatasetException {
        double lossSum = 0;
        double firstLoss = Double.NaN;
        long correct = 0;
        long seen = 0;
        int batches = 0;
        long skippedImages = 0;
        int skippedSteps = 0;
        long t0 = System.nanoTime();
        Iterator<Batch> it = loader.epoch(epoch - 1);
        while (it.hasNext()) {
            Batch b = it.next();
            double rate = rates.at(step) * rateScale;
            optimizer.setLearningRate(rate);
            optimizer.setStep(step);
            float totalWeight = loss.weightOf(b.labels());
            try (NDManager sub = trainer.getManager().newSubManager()) {
                NDArray x = ChannelsLast.input(sub, b, run.preprocessing());
                NDArray y = sub.create(b.labels());
                List<NDArray[]> parts = TrainingDevices.split(x, y, devices, sub);
                double batchLoss = 0;
                long batchCorrect = 0;
                try (GradientCollector gc = trainer.newGradientCollector()) {
                    for (NDArray[] part : parts) {
                        NDArray logits = trainer.forward(new NDList(part[0])).head();
                        NDArray l = loss.weightedSum(logits, part[1]).div(totalWeight);
                        gc.backward(l);
                        batchLoss += l.getFloat();
                        batchCorrect += correct(logits, part[1]);
                    }
                }
                boolean oneDevice = devices.length == 1;
                // On several devices DJL sums their gradients in its own step, and the loss
                // check alone applies.
                if (step == 0) {
                    firstLoss = batchLoss;
                }
                if (Double.isFinite(batchLoss)
                        && (!oneDevice || Gradients.finite(block.getParameters().values()))) {
                    trainer.step();
                    lossSum += batchLoss * b.size();
                    correct += batchCorrect;
                } else {
                    // A step on an infinite or NaN gradient would ruin every weight for
                    // good: leave the weights as they are, as mixed-precision training does.
                    Gradients.clear(block.getParameters().values());
                    skippedImages += b.size();
                    skippedSteps++;
                    monitor.log(
                            String.format(
                                    Locale.ROOT,
                                    "epoch %d, step %d: the loss or a gradient is not finite"
                                            + " (loss %s); step skipped, weights unchanged",
                                    epoch,
                                    batches + 1,
                                    batchLoss));
                }
            }
            step++;
            batches++;
            seen += b.size();
            double elapsed = (System.nanoTime() - t0) / 1e9;
            double left = elapsed / batches * Math.max(0, stepsPerEpoch - batches);
            monitor.status(
                    String.format(
                            Locale.ROOT,
                            "epoch %d/%d %s %d/%d loss %.4f acc %.4f %.1f img/s ETA %s",
                            epoch,
                            o.epochs(),
                            bar(batches, stepsPerEpoch),
                            batches,
                            stepsPerEpoch,
                            lossSum / seen,
                            (double) correct / seen,
                            seen / Math.max(elapsed, 1e-9),
                            clock(left)));
        }
        if (seen == 0) {
            throw new DatasetException(
                    "No training image of "
                            + o.data()
                            + " could be read"
                            + firstSkipped(loader)
                            + "; replace or remove the unreadable files");
        }
        long used = seen - skippedImages;
        if (used == 0) {
            // Every step had a non-finite loss or gradient: the divergence guard takes it.
            return new TrainPass(Double.NaN, Double.NaN, seen, step, skippedSteps, firstLoss);
        }
        return new TrainPass(
                lossSum / used, (double) correct / used, seen, step, skippedSteps, firstLoss);
    }

    /**
     * The validation set in inference mode on the first device: plain cross-entropy (no smoothing,
     * no weights) and accuracy.
     */
    private ValPass validate(Trainer trainer, BatchLoader loader) throws DatasetException {
        double lossSum = 0;
        long correct = 0;
        long seen = 0;
        Iterator<Batch> it = loader.epoch(0);
        while (it.hasNext()) {
            Batch b = it.next();
            try (NDManager sub = trainer.getManager().newSubManager()) {
                NDArray x = sub.create(b.data(), new Shape(b.shape()));
                NDArray y = sub.create(b.labels());
                NDArray logits = trainer.evaluate(new NDList(x)).head();
                NDArray logp = logits.logSoftmax(1);
                NDArray picked =
                        logp.mul(
                                        y.toType(DataType.INT64, false)
                                                .oneHot((int) logits.getShape().get(1))
                                                .toType(logp.getDataType(), false))
                                .sum();
                lossSum -= picked.getFloat();
                correct += correct(logits, y);
                seen += b.size();
            }
        }
        if (seen == 0) {
            throw new DatasetException(
                    "No validation image of "
                            + o.data()
                            + " could be read"
                            + firstSkipped(loader)
                            + "; replace or remove the unreadable files");
        }
        return new ValPass(lossSum / seen, (double) correct / seen);
    }

    /** The first file the loader could not read and why, as " (FILE: REASON)", or "". */
    private static String firstSkipped(BatchLoader loader) {
        List<Skipped> skipped = loader.skipped();
        return skipped.isEmpty()
                ? ""
                : " (" + skipped.get(0).id() + ": " + skipped.get(0).reason() + ")";
    }

    private GraphOptimizer optimizer(OnnxBlock block, NDManager stateManager) {
        Map<String, String> names = new HashMap<>();
        Map<String, Float> factors = new HashMap<>();
        Set<String> decayed = new HashSet<>();
        for (Parameter p : block.getParameters().values()) {
            names.put(p.getId(), p.getName());
            if (!head.contains(p.getName())) {
                factors.put(
                        p.getId(),
                        (float)
                                (o.backboneLrFactor()
                                        * layerFactors.getOrDefault(p.getName(), 1.0)));
            }
            // Weight decay on weights (matrices, kernels), not on biases and batch-norm affine
            // parameters, as is usual.
            if (p.getShape() != null && p.getShape().dimension() >= 2) {
                decayed.add(p.getId());
            }
        }
        return new GraphOptimizer(
                o.optimizer(),
                (float) o.momentum(),
                (float) o.weightDecay(),
                names,
                factors,
                decayed,
                stateManager,
                devices[0]);
    }

    private static Map<String, Shape> shapes(OnnxBlock block) {
        Map<String, Shape> out = new HashMap<>();
        for (Parameter p : block.getParameters().values()) {
            out.put(p.getName(), p.getArray().getShape());
        }
        return out;
    }

    /** Makes a training block, frozen as the run asks, from a graph with given values. */
    @FunctionalInterface
    interface BlockFactory {
        OnnxBlock create(ModelProto values) throws ModelException;
    }

    /** The run's starting point (the backbone with its fresh head), made when first needed. */
    @FunctionalInterface
    interface InitialGraph {
        ModelProto get() throws GraftException;
    }

    /**
     * One pass over the training data: its mean loss and accuracy (over the steps taken), where the
     * steps stand, the steps skipped for a non-finite loss or gradient, and the loss of the run's
     * very first batch (before any step; NaN unless the pass began the run).
     */
    private record TrainPass(
            double loss,
            double accuracy,
            long images,
            long step,
            int skippedSteps,
            double firstLoss) {}

    /** One pass over the validation data: plain cross-entropy and accuracy. */
    private record ValPass(double loss, double accuracy) {}

    private static long correct(NDArray logits, NDArray labels) {
        NDArray predicted = logits.argMax(1).toType(DataType.INT64, false);
        NDArray truth = labels.toType(DataType.INT64, false).toDevice(predicted.getDevice(), false);
        return predicted.eq(truth).toType(DataType.INT64, false).sum().getLong();
    }

    /** The graph with the given float32 values written into its initializers. */
    private static ModelProto withValues(ModelProto model, Map<String, float[]> values) {
        GraphProto.Builder g = model.getGraph().toBuilder();
        for (int i = 0; i < g.getInitializerCount(); i++) {
            TensorProto t = g.getInitializer(i);
            float[] v = values.get(t.getName());
            // Backbones are float32 after opening (float16 is converted); other types stay as read.
            if (v != null && t.getDataType() == TensorProto.DataType.FLOAT_VALUE) {
                g.setInitializer(i, OnnxTensors.fromFloats(t.getName(), OnnxTensors.dims(t), v));
            }
        }
        return model.toBuilder().setGraph(g).build();
    }

    /** Inverse class frequency, {@code n / (K * count)}, or 1 for every class. */
    static float[] classWeights(int[] counts, boolean weighted) {
        float[] w = new float[counts.length];
        long n = 0;
        for (int c : counts) {
            n += c;
        }
        for (int k = 0; k < counts.length; k++) {
            w[k] = weighted && counts[k] > 0 ? (float) n / (counts.length * counts[k]) : 1f;
        }
        return w;
    }

    /** The engine's seed for an epoch: a mix of the run's seed and the epoch number. */
    static int epochSeed(long seed, int epoch) {
        long z = seed + 0x9E3779B97F4A7C15L * (epoch + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (int) (z & 0x7FFFFFFF);
    }

    /** Mean seconds per epoch of this process (resumed epochs excluded, they ran elsewhere). */
    private static double mean(List<EpochMetrics> history, Checkpoint resumed) {
        int skip = resumed == null ? 0 : resumed.state().history().size();
        double sum = 0;
        int n = 0;
        for (int i = skip; i < history.size(); i++) {
            sum += history.get(i).seconds();
            n++;
        }
        return n == 0 ? 0 : sum / n;
    }

    private static String bar(int done, int total) {
        int width = 20;
        int filled = total <= 0 ? width : (int) Math.min(width, (long) done * width / total);
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
    }

    /** Seconds as {@code m:ss} or {@code h:mm:ss}. */
    static String clock(double seconds) {
        long s = Math.round(Math.max(0, seconds));
        long h = s / 3600;
        long m = (s % 3600) / 60;
        long sec = s % 60;
        return h > 0
                ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, sec)
                : String.format(Locale.ROOT, "%d:%02d", m, sec);
    }
}
