/**
 * The graph strategies of {@code graft train}: {@code finetune}, {@code full} and {@code scratch}.
 * {@link ai.graft.trainer.tune.GraphTrainer} trains a backbone cut at its features plus a new head
 * as one {@link ai.graft.trainer.exec.OnnxBlock} with DJL on PyTorch, writes a {@link
 * ai.graft.converter.checkpoint.Checkpoint} each epoch (and resumes from one), and exports the best
 * epoch through {@link ai.graft.converter.checkpoint.ModelExport}, which lives in the converter so
 * that a checkpoint can be exported without DJL.
 */
package ai.graft.trainer.tune;
