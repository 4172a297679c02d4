/**
 * The checkpoint format of {@code graft train} and the export of a checkpoint to a deployable ONNX
 * model, without DJL or PyTorch. {@link ai.graft.converter.checkpoint.Checkpoint} reads and writes
 * the training graph, its run description and its state (with the {@link
 * ai.graft.converter.checkpoint.EpochMetrics} of each epoch), and refuses to resume a run with
 * other settings ({@link ai.graft.converter.checkpoint.Checkpoint.Run#checkResumable}); {@link
 * ai.graft.converter.checkpoint.ModelExport} folds the best epoch for inference, writes its model
 * card and checks its logits ({@link ai.graft.converter.checkpoint.Parity}) before writing it. The
 * trainer writes checkpoints and exports its best epoch against its own logits; {@code graft
 * export} runs on a deploy-only install.
 */
package ai.graft.converter.checkpoint;
