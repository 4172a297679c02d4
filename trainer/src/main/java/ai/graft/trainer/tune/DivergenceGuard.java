package ai.graft.trainer.tune;

import ai.graft.converter.checkpoint.EpochMetrics;
import java.util.Locale;

/**
 * When an epoch of a graph run has diverged, and what the log says about it.
 *
 * <p>An epoch has diverged when its training loss and its validation loss both end above {@link
 * #RATIO} times the larger of the run's starting loss and {@code ln K} (chance for K classes), or
 * when either is not finite (every step of the epoch had a NaN or infinite loss or gradient), or
 * when steps were skipped for such values and the validation loss ends above the limit: on a small
 * set one step too large sends the head's logits far past the data, and the run does not recover.
 * The epoch loop then sets the weights back to the best epoch's (to the run's start when the best
 * epoch is no better), drops the optimizer's momentum, halves the learning rate, and says so in the
 * log and the report; after {@link #MAX_RATE_CUTS} halvings a run that still diverges stops and
 * says what to change. A diverged epoch is never the best one. Checkpoints carry the scale, so
 * {@code --resume} continues on the same curve.
 */
final class DivergenceGuard {
    /** How far above its start the loss may rise before a run counts as diverging. */
    static final double RATIO = 1.5;

    /** The most times the learning rate is halved; a run that diverges again then stops. */
    static final int MAX_RATE_CUTS = 3;

    private DivergenceGuard() {}

    /** How many times the learning rate has been halved. */
    static int cuts(double rateScale) {
        return (int) Math.round(-Math.log(rateScale) / Math.log(2));
    }

    /**
     * The loss above which an epoch counts as diverged: {@link #RATIO} times the larger of the
     * run's starting loss and {@code ln K}, the loss of uniform predictions.
     *
     * @param startLoss the loss of the run's first batch, before any step; when it is not finite or
     *     unknown (a checkpoint of an older version), the first epoch's mean loss stands in
     * @param firstEpoch the run's first epoch
     * @param classes the number of classes K
     * @return the limit
     */
    static double limit(double startLoss, EpochMetrics firstEpoch, int classes) {
        double start = Double.isFinite(startLoss) ? startLoss : firstEpoch.trainLoss();
        double chance = Math.log(Math.max(2, classes));
        return RATIO * (Double.isFinite(start) ? Math.max(start, chance) : chance);
    }

    /**
     * Whether an epoch diverged.
     *
     * @param trainLoss the epoch's training loss over the steps taken (NaN when none was)
     * @param valLoss its validation loss
     * @param skippedSteps steps skipped for a non-finite loss or gradient
     * @param limit the {@link #limit}
     * @return true when it diverged
     */
    static boolean diverged(double trainLoss, double valLoss, int skippedSteps, double limit) {
        // Steps skipped for non-finite values leave the training loss of the others: then the
        // validation loss alone speaks.
        return !Double.isFinite(trainLoss)
                || !Double.isFinite(valLoss)
                || ((trainLoss > limit || skippedSteps > 0) && valLoss > limit);
    }

    /** The log's and the report's sentence for a set-back. */
    static String setBack(
            int epoch,
            double trainLoss,
            double valLoss,
            double limit,
            int bestEpoch,
            boolean toBest,
            double newRate) {
        return String.format(
                Locale.ROOT,
                "Epoch %d diverged (training loss %.4g, validation loss %.4g, above %.4g): set back"
                        + " to %s and halved the learning rate to %.3g.",
                epoch,
                trainLoss,
                valLoss,
                limit,
                toBest ? "epoch " + bestEpoch + "'s weights" : "the starting weights",
                newRate);
    }

    /**
     * The log's and the report's sentence for a divergence that ends the run: after the last
     * halving, or in the last epoch.
     */
    static String stop(
            int epoch,
            double trainLoss,
            double valLoss,
            double limit,
            int bestEpoch,
            double rateScale,
            double learningRate) {
        String kept = bestEpoch > 0 ? "epoch " + bestEpoch : "the starting weights";
        double rate = learningRate * rateScale;
        return cuts(rateScale) >= MAX_RATE_CUTS
                ? String.format(
                        Locale.ROOT,
                        "Epoch %d diverged again after %d halvings of the learning rate (now"
                                + " %.3g): stopped, keeping %s. Try a smaller --lr (%.3g), fewer"
                                + " trained stages (--unfreeze 1), or --strategy features, which"
                                + " suits small sets.",
                        epoch,
                        MAX_RATE_CUTS,
                        rate,
                        kept,
                        rate / 4)
                : String.format(
                        Locale.ROOT,
                        "Epoch %d, the last, diverged (training loss %.4g, validation loss %.4g,"
                                + " above %.4g): keeping %s. Try a smaller --lr (%.3g).",
                        epoch,
                        trainLoss,
                        valLoss,
                        limit,
                        kept,
                        rate / 2);
    }
}
