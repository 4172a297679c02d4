/**
 * Reduced-precision versions of a classifier: static INT8 in the QDQ form that ONNX Runtime runs on
 * integer kernels, calibrated on the user's images through the SDK's one preprocessing ({@link
 * ai.graft.converter.quantize.Int8Quantizer}), and float16 with float32 inputs and outputs ({@link
 * ai.graft.converter.quantize.Float16Converter}). {@link
 * ai.graft.converter.quantize.ModelQuantizer} wraps either for a classifier file: it keeps the
 * model card, adds the provenance, and measures the result against the original before anyone keeps
 * it; {@link ai.graft.converter.quantize.KernelCheck} says whether ONNX Runtime really runs integer
 * kernels for a QDQ model; {@link ai.graft.converter.quantize.Tolerance} is the loss a quantized
 * model may have before it is refused by default. Layers can stay in float by name ({@link
 * ai.graft.converter.quantize.Int8Options#keepFloat()}), or be chosen by a sensitivity pass when
 * the fully quantized model follows the original too loosely ({@link
 * ai.graft.converter.quantize.Int8Options#fallbackNodes()}).
 */
package ai.graft.converter.quantize;
