package ai.graft.converter.quantize;

import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;

/** The number format of a model's weights and activations, as {@code graft inspect} shows it. */
public enum Precision {
    /** Float32 weights and activations. */
    FP32("fp32"),
    /** Float16 weights and activations. */
    FP16("fp16"),
    /** Int8 weights and 8-bit activations in QuantizeLinear/DequantizeLinear form. */
    INT8_QDQ("int8 QDQ");

    private final String label;

    Precision(String label) {
        this.label = label;
    }

    /**
     * The precision of a model: int8 QDQ when it has QuantizeLinear or DequantizeLinear nodes (or
     * ONNX Runtime's fused QLinear operators), fp16 when it has float16 weights, else fp32.
     *
     * @param model the model
     * @return its precision
     */
    public static Precision of(ModelProto model) {
        for (NodeProto n : model.getGraph().getNodeList()) {
            String op = n.getOpType();
            if (op.equals("QuantizeLinear")
                    || op.equals("DequantizeLinear")
                    || op.startsWith("QLinear")) {
                return INT8_QDQ;
            }
        }
        for (TensorProto t : model.getGraph().getInitializerList()) {
            if (t.getDataType() == TensorProto.DataType.FLOAT16_VALUE) {
                return FP16;
            }
        }
        return FP32;
    }

    /**
     * The name in reports and in the model card.
     *
     * @return {@code fp32}, {@code fp16} or {@code int8 QDQ}
     */
    public String label() {
        return label;
    }
}
