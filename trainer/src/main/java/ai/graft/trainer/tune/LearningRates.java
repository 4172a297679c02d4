package ai.graft.trainer.tune;

import ai.graft.trainer.TrainingOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The learning rate at each optimizer step: linear warm-up from {@code peak / warmupSteps} to the
 * peak, then a cosine down to 1 % of the peak at the last step, or the peak times {@code gamma}
 * every {@code stepEpochs} epochs. A pure function of the step, so a resumed run continues on the
 * same curve.
 *
 * @param schedule cosine or step
 * @param peak the peak learning rate
 * @param warmupSteps steps of linear warm-up
 * @param totalSteps steps of the whole run
 * @param stepsPerEpoch steps of one epoch
 * @param stepEpochs epochs between decays of the step schedule
 * @param gamma factor per decay of the step schedule
 */
record LearningRates(
        TrainingOptions.Schedule schedule,
        double peak,
        int warmupSteps,
        int totalSteps,
        int stepsPerEpoch,
        int stepEpochs,
        double gamma) {

    /** The fraction of the peak that the cosine schedule ends at. */
    static final double COSINE_FLOOR = 0.01;

    static LearningRates of(TrainingOptions o, int stepsPerEpoch) {
        int total = stepsPerEpoch * o.epochs();
        // Warm-up never takes more than half the run.
        int warmup = Math.min(stepsPerEpoch * o.warmupEpochs(), total / 2);
        return new LearningRates(
                o.schedule(),
                o.learningRate(),
                warmup,
                total,
                stepsPerEpoch,
                o.stepEpochs(),
                o.stepGamma());
    }

    /**
     * Layer-wise learning-rate decay: each parameter of stage i (1-based) of {@code stages} (the
     * backbone's L stages, first to last) gets the factor {@code decay^(L - i)} on top of the
     * backbone's rate; the head, which is in no stage, keeps its rate.
     *
     * @param stages the backbone's stages, first to last
     * @param decay the decay, in (0, 1]
     * @return parameter name to factor; empty when {@code decay} is 1
     * @throws IllegalArgumentException when {@code decay} is not in (0, 1]
     */
    static Map<String, Double> layerFactors(List<Stages.Stage> stages, double decay) {
        if (!(decay > 0 && decay <= 1)) {
            throw new IllegalArgumentException("Layer decay must be in (0, 1], got " + decay);
        }
        Map<String, Double> factors = new HashMap<>();
        if (decay == 1) {
            return factors;
        }
        int count = stages.size();
        for (int i = 0; i < count; i++) {
            double f = Math.pow(decay, count - 1 - i);
            for (String p : stages.get(i).parameters()) {
                factors.put(p, f);
            }
        }
        return factors;
    }

    /**
     * The learning rate of a step.
     *
     * @param step the 0-based optimizer step
     * @return the rate, above 0
     */
    double at(long step) {
        if (step < warmupSteps) {
            return peak * (step + 1) / warmupSteps;
        }
        if (schedule == TrainingOptions.Schedule.STEP) {
            long epoch = step / Math.max(1, stepsPerEpoch);
            return peak * Math.pow(gamma, epoch / stepEpochs);
        }
        double span = Math.max(1, totalSteps - warmupSteps - 1);
        double t = Math.min(1.0, (step - warmupSteps) / span);
        double min = peak * COSINE_FLOOR;
        return min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * t));
    }
}
