/**
 * The backbone zoo: torchvision's classification architectures written as ONNX graphs with freshly
 * initialised weights ({@link ai.graft.converter.zoo.BackboneZoo}), laid out node by node and named
 * parameter by parameter as {@code torch.onnx.export} writes a torchvision model, so that the
 * weights of such an export can be copied in by name or by position. {@code GraphBuilder} writes
 * the layers; {@code Architectures} holds the architectures (ResNet, MobileNet V2, EfficientNet-B0,
 * VGG-16 and VGG-19, AlexNet, GoogLeNet, SqueezeNet 1.1, the small CNN), {@code InceptionV3}
 * Inception v3, at 299 x 299 by default, with its auxiliary classifier under the name {@code
 * inception_v3_aux}, {@code ModernCnns} the later convolutional networks (MobileNet V3 Large and
 * Small, EfficientNet V2-S, RegNetY-400MF, ConvNeXt-Tiny) and {@code Transformers} the vision
 * transformers (ViT-B/16, a ViT-Tiny, Swin-T), those with LayerNormalization at opset 17.
 */
package ai.graft.converter.zoo;
