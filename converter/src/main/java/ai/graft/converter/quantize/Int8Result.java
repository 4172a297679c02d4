package ai.graft.converter.quantize;

import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@link Int8Quantizer} made.
 *
 * @param model the QDQ model
 * @param images the calibration images that were read, in order
 * @param skipped one message per calibration image that could not be read
 * @param quantizedTensors how many activation tensors got a QuantizeLinear/DequantizeLinear pair
 * @param floatNodes nodes that stay float beside quantized tensors ({@code "OpType name"}), such as
 *     a final Softmax or an operator without an integer form
 * @param kernels what ONNX Runtime runs for the model
 * @param keptFloat weighted nodes kept in float (asked for, or chosen as the most sensitive), by
 *     name
 */
public record Int8Result(
        ModelProto model,
        List<Path> images,
        List<String> skipped,
        int quantizedTensors,
        List<String> floatNodes,
        KernelReport kernels,
        List<String> keptFloat) {
    /** Makes the lists unmodifiable. */
    public Int8Result {
        images = List.copyOf(images);
        skipped = List.copyOf(skipped);
        floatNodes = List.copyOf(floatNodes);
        keptFloat = List.copyOf(keptFloat);
    }
}
