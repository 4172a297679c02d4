/**
 * Transfer learning with Graft: train a classifier on a folder of labelled images from a pretrained
 * ONNX backbone and export one ONNX file with its model card.
 *
 * <p>{@link ai.graft.trainer.FeatureTrainer} is the entry point of the {@code features} strategy;
 * {@link ai.graft.trainer.TrainingOptions} configures it and {@link
 * ai.graft.trainer.TrainingResult} is what it returns.
 */
package ai.graft.trainer;
