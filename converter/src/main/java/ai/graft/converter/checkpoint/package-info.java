/**
 * The checkpoint format of {@code graft train} and the export of a checkpoint to a deployable ONNX
 * model, without DJL or PyTorch. {@link ai.graft.converter.checkpoint.Checkpoint} reads and writes
 * the training graph, its run description and its state (with the {@link
 * ai.graft.converter.checkpoint.EpochMetrics} of each epoch); {@link
 * ai.graft.converter.checkpoint.ModelExport} folds the best epoch for inference, writes its model
 * card and checks it against the training graph in ONNX Runtime before writing it. The trainer
 * writes checkpoints; {@code graft export} runs on a deploy-only install.
 */
package ai.graft.converter.checkpoint;
