/**
 * Choosing a model by accuracy, latency and size: {@link ai.graft.trainer.compare.Comparison#run}
 * trains every combination of backbone and strategy ({@link
 * ai.graft.trainer.compare.ComparisonOptions}) on one split whose test images no run sees ({@link
 * ai.graft.trainer.compare.TestSplit}), measures each model in each {@link
 * ai.graft.trainer.compare.Precision} (int8 and fp16 made by the quantizer through {@link
 * ai.graft.trainer.QuantizedModels}, calibrated on the split's training images) through the SDK
 * ({@link ai.graft.trainer.compare.Measurement}: test accuracy, latency, size, parameters,
 * multiply-adds, training time), and names the best within the budgets ({@link
 * ai.graft.trainer.compare.Choice}) in a {@link ai.graft.trainer.compare.ComparisonResult}. Behind
 * it: {@code Combination} (one backbone with one strategy), {@code ModelMeasurer}, {@code
 * LatencyImages}, {@code Ranking} (the Pareto front and the budgets) and {@code ComparisonReport}
 * (compare.md, compare.json, compare.png).
 */
package ai.graft.trainer.compare;
