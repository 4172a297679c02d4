package ai.graft.trainer.tune;

import ai.graft.trainer.TrainingOptions;

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
