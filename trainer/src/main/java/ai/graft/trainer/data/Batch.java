package ai.graft.trainer.data;

import java.util.List;

/**
 * One batch of preprocessed images, ready for the engine.
 *
 * @param data the pixels as floats, {@code shape[0] * shape[1] * shape[2] * shape[3]} of them, laid
 *     out as the {@link ai.graft.sdk.Preprocessing} says: {@code [N, C, H, W]} (NCHW) or {@code [N,
 *     H, W, C]} (NHWC)
 * @param shape the tensor shape, batch first
 * @param labels the class index of each image, in batch order
 * @param ids the {@link Sample#id()} of each image, in batch order
 */
public record Batch(float[] data, long[] shape, int[] labels, List<String> ids) {
    /**
     * The number of images in this batch.
     *
     * @return {@code labels().length}
     */
    public int size() {
        return labels.length;
    }
}
