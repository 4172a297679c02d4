/**
 * Evaluation and reports: how good a classifier is, measured through the SDK so that what is
 * measured is what ships.
 *
 * <p>{@link ai.graft.trainer.eval.Evaluator} classifies a labelled image set with an {@link
 * ai.graft.sdk.ImageClassifier} and returns an {@link ai.graft.trainer.eval.EvaluationResult}
 * (accuracy, top-5 accuracy, per-class precision, recall and F1, confusion matrix); {@link
 * ai.graft.trainer.eval.Metrics} is its arithmetic. {@link ai.graft.trainer.eval.Reports} writes a
 * training run's report files, with the findings of a {@link ai.graft.trainer.eval.TransferCheck}
 * (did the backbone's features help?) and a {@link ai.graft.trainer.eval.QuantizationCheck} (the
 * quantized model beside the float one), and {@link ai.graft.trainer.eval.Plots} its PNG plots;
 * {@link ai.graft.trainer.eval.TradeoffPlot} draws models' accuracy against latency for a
 * comparison.
 */
package ai.graft.trainer.eval;
