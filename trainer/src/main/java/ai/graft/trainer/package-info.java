/**
 * Transfer learning with Graft: train a classifier on a folder of labelled images from a pretrained
 * ONNX backbone and export one ONNX file with its model card.
 *
 * <p>{@link ai.graft.trainer.Trainer#train} is the one entry point, for every {@link
 * ai.graft.trainer.Strategy}: {@link ai.graft.trainer.TrainingOptions} configures it (with the
 * defaults of {@link ai.graft.trainer.TrainingDefaults}), a {@link
 * ai.graft.trainer.TrainingMonitor} receives its log lines and status, and {@link
 * ai.graft.trainer.TrainingResult} is what it returns. Behind it stand the two pipelines side by
 * side: {@code FeatureTrainer} here (the {@code features} strategy: a frozen backbone's cached
 * embeddings, {@code EmbeddingCache}, and a linear head, {@code LinearHead} and {@code HeadExport})
 * and {@link ai.graft.trainer.tune.GraphTrainer} (the graph strategies); both open the data and
 * finish with the evaluation and the reports through {@link ai.graft.trainer.TrainingSteps}. {@link
 * ai.graft.trainer.compare} trains several backbones and strategies through this entry point and
 * picks a model by accuracy, latency and size. {@link ai.graft.trainer.QuantizedModels} makes a
 * trained or finished model's INT8 and FP16 versions, calibrated on its training images, for both.
 */
package ai.graft.trainer;
