package ai.graft.sdk;

/**
 * What a {@link VideoClassifier} run did: an immutable value.
 *
 * @param framesRead frames grabbed from the source
 * @param framesClassified frames classified and reported to the listener
 * @param framesDropped frames read but not classified, in live mode only: replaced by a newer frame
 *     while the model was busy, or still waiting when the run stopped (frames skipped by {@code
 *     everyNFrames} are not counted here)
 * @param framesSkipped items skipped because they could not be used: images of a folder that could
 *     not be decoded (not counted in {@code framesRead}) and frames that could not be classified
 *     (counted in {@code framesRead}); each was reported to {@link
 *     VideoClassifier.Listener#onSkipped} or {@link VideoClassifier.Listener#onFrameError}
 * @param reconnects how many times a camera or network stream was reopened
 * @param seconds wall-clock seconds from the start of the run to its end
 * @param framesPerSecond frames classified per wall-clock second
 * @param latencyP50Ms median capture-to-result latency in milliseconds (0 when none classified)
 * @param latencyP95Ms 95th percentile latency in milliseconds
 * @param latencyP99Ms 99th percentile latency in milliseconds
 */
public record StreamSummary(
        long framesRead,
        long framesClassified,
        long framesDropped,
        long framesSkipped,
        int reconnects,
        double seconds,
        double framesPerSecond,
        double latencyP50Ms,
        double latencyP95Ms,
        double latencyP99Ms) {}
