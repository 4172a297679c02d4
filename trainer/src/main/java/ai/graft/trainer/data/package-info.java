/**
 * Training data: labelled image sets ({@link ai.graft.trainer.data.Datasets}: folders of class
 * folders, CSV manifests, IDX files), their splits, seeded augmentation on OpenCV ({@link
 * ai.graft.trainer.data.Augmentation}) and background batch loading ({@link
 * ai.graft.trainer.data.BatchLoader}).
 *
 * <p>Decoding, resizing and normalisation are the SDK's own public ones ({@link
 * ai.graft.sdk.Images}, {@link ai.graft.sdk.TensorWriter}), so that a model sees in training
 * exactly the tensors it will see in production.
 */
package ai.graft.trainer.data;
