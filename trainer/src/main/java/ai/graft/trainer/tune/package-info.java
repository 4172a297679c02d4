/**
 * The graph strategies of {@code graft train}: {@code finetune}, {@code full} and {@code scratch}.
 * {@link ai.graft.trainer.tune.GraphTrainer} sets a run up: the backbone cut at its features plus a
 * new head ({@code StartingGraph}), or the checkpoint to resume; its stages ({@code Stages}) and
 * which of them are frozen; the devices ({@code TrainingDevices}). The {@code EpochLoop} trains it
 * as one {@link ai.graft.trainer.exec.OnnxBlock} with DJL on PyTorch (batches laid out by {@code
 * ChannelsLast}, the optimizer {@code GraphOptimizer} on the schedule {@code LearningRates}, the
 * loss {@code SmoothedCrossEntropy}, non-finite gradients caught by {@code Gradients}, divergence
 * by {@code DivergenceGuard}) and writes a {@link ai.graft.converter.checkpoint.Checkpoint} each
 * epoch. The best epoch is exported through {@link ai.graft.converter.checkpoint.ModelExport},
 * checked against the trainer's own logits; the export lives in the converter so that a checkpoint
 * can be exported without DJL.
 */
package ai.graft.trainer.tune;
