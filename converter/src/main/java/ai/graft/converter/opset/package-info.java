/**
 * Conversion between opsets of the default ONNX domain: {@link
 * ai.graft.converter.opset.OpsetConverter} is the entry point, and its table is also the set of
 * operators Graft supports. Each rewrite has one job: the operators whose attributes became inputs
 * ({@code AttributeInputRewrites}), pooling ({@code PoolingRewrites}) and resampling ({@code
 * ResamplingRewrites}), with the small node builders they share ({@code OpsetNodes}).
 */
package ai.graft.converter.opset;
