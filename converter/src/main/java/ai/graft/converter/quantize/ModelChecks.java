package ai.graft.converter.quantize;

import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;
import ai.graft.sdk.ModelException;
import java.util.Set;

/**
 * Refuses models that are already reduced in precision: quantizing a quantized or float16 model
 * again would compound the error of the first reduction without saying so.
 */
final class ModelChecks {
    private static final Set<String> QUANTIZED_OPS =
            Set.of(
                    "QuantizeLinear",
                    "DequantizeLinear",
                    "DynamicQuantizeLinear",
                    "ConvInteger",
                    "MatMulInteger",
                    "QGemm");

    private ModelChecks() {}

    /**
     * Refuses a model that is quantized or float16.
     *
     * @param model the model
     * @param name its name for messages
     * @throws ModelException naming what was found and what to do
     */
    static void requireFloat32(ModelProto model, String name) throws ModelException {
        GraphProto g = model.getGraph();
        for (NodeProto n : g.getNodeList()) {
            if (QUANTIZED_OPS.contains(n.getOpType()) || n.getOpType().startsWith("QLinear")) {
                throw new ModelException(
                        "Model "
                                + name
                                + " is already quantized (it has "
                                + n.getOpType()
                                + "); quantize the float32 original instead");
            }
        }
        for (TensorProto t : g.getInitializerList()) {
            int type = t.getDataType();
            if (type == TensorProto.DataType.INT8_VALUE
                    || type == TensorProto.DataType.UINT8_VALUE) {
                throw new ModelException(
                        "Model "
                                + name
                                + " is already quantized (weight '"
                                + t.getName()
                                + "' is 8-bit); quantize the float32 original instead");
            }
            if (type == TensorProto.DataType.FLOAT16_VALUE) {
                throw new ModelException(float16(name, "weight '" + t.getName() + "'"));
            }
        }
        for (ValueInfoProto v : g.getInputList()) {
            if (v.getType().getTensorType().getElemType() == TensorProto.DataType.FLOAT16_VALUE) {
                throw new ModelException(float16(name, "input '" + v.getName() + "'"));
            }
        }
    }

    private static String float16(String name, String what) {
        return "Model "
                + name
                + " is already float16 ("
                + what
                + " is float16); convert it to float32 first (graft convert --fp32) and quantize"
                + " that";
    }
}
