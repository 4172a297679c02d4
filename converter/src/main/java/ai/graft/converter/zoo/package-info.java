/**
 * The backbone zoo: torchvision's classification architectures written as ONNX graphs with freshly
 * initialised weights ({@link ai.graft.converter.zoo.BackboneZoo}), laid out node by node and named
 * parameter by parameter as {@code torch.onnx.export} writes a torchvision model, so that the
 * weights of such an export can be copied in by name or by position.
 */
package ai.graft.converter.zoo;
