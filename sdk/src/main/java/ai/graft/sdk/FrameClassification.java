package ai.graft.sdk;

import java.util.Objects;

/**
 * The classification of one video frame: an immutable value.
 *
 * @param frameIndex the frame's position in the source, from 0 (frames skipped by {@code
 *     everyNFrames} or dropped in live mode count too)
 * @param timestampMs the frame's time in milliseconds: its presentation time for video files, frame
 *     index over the frame rate for folders, time since opening for cameras and network streams (as
 *     {@link FrameSource#timestampMs()})
 * @param classification the (possibly smoothed) categories of this frame
 * @param latencyMs milliseconds from the frame's capture (the return of {@code grab()}, after any
 *     real-time pacing) to the result, including any time it waited for the model
 */
public record FrameClassification(
        long frameIndex, long timestampMs, Classification classification, double latencyMs) {
    /**
     * Checks the classification is present.
     *
     * @param frameIndex the frame's position
     * @param timestampMs the frame's time
     * @param classification the categories
     * @param latencyMs capture-to-result milliseconds
     */
    public FrameClassification {
        Objects.requireNonNull(classification, "classification");
    }
}
