package ai.graft.converter.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorShapeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TypeProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;
import org.junit.jupiter.api.Test;

/** ValueInfos: declared element types and shapes, symbolic dimensions as -1. */
class ValueInfosTest {
    private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;

    @Test
    void of_writesKnownDimensionsAsValuesAndOthersAsTheNamedParameter() {
        ValueInfoProto v = ValueInfos.of("input", FLOAT, new long[] {-1, 3, 0, 224}, "N");
        assertEquals("input", v.getName());
        TypeProto.Tensor t = v.getType().getTensorType();
        assertEquals(FLOAT, t.getElemType());
        TensorShapeProto.Dimension batch = t.getShape().getDim(0);
        assertFalse(batch.hasDimValue());
        assertEquals("N", batch.getDimParam());
        assertEquals(3, t.getShape().getDim(1).getDimValue());
        assertTrue(t.getShape().getDim(2).hasDimValue());
        assertEquals(0, t.getShape().getDim(2).getDimValue());
        assertArrayEquals(new long[] {-1, 3, 0, 224}, ValueInfos.shape(v));
    }

    @Test
    void of_leavesUnnamedDimensionsEmptyWithoutAParameter() {
        ValueInfoProto v = ValueInfos.of("x", FLOAT, new long[] {-1, 2}, null);
        TensorShapeProto.Dimension d = v.getType().getTensorType().getShape().getDim(0);
        assertFalse(d.hasDimValue());
        assertFalse(d.hasDimParam());
        assertArrayEquals(new long[] {-1, 2}, ValueInfos.shape(v));
    }

    @Test
    void of_withoutAShapeDeclaresNoneAndOfAScalarDeclaresRankZero() {
        ValueInfoProto unknown = ValueInfos.of("x", FLOAT, null, "N");
        assertFalse(unknown.getType().getTensorType().hasShape());
        assertNull(ValueInfos.shape(unknown));

        ValueInfoProto scalar =
                ValueInfos.of("s", TensorProto.DataType.INT64_VALUE, new long[0], null);
        assertTrue(scalar.getType().getTensorType().hasShape());
        assertArrayEquals(new long[0], ValueInfos.shape(scalar));
    }

    @Test
    void shape_readsSymbolicDimensionsAsMinusOneAndNonTensorsAsNoShape() {
        TensorShapeProto shape =
                TensorShapeProto.newBuilder()
                        .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("batch"))
                        .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(10))
                        .build();
        TypeProto.Tensor tensor =
                TypeProto.Tensor.newBuilder().setElemType(FLOAT).setShape(shape).build();
        ValueInfoProto v =
                ValueInfoProto.newBuilder()
                        .setName("y")
                        .setType(TypeProto.newBuilder().setTensorType(tensor))
                        .build();
        assertArrayEquals(new long[] {-1, 10}, ValueInfos.shape(v));

        TypeProto sequence =
                TypeProto.newBuilder()
                        .setSequenceType(
                                TypeProto.Sequence.newBuilder()
                                        .setElemType(TypeProto.newBuilder().setTensorType(tensor)))
                        .build();
        assertNull(ValueInfos.shape(v.toBuilder().setType(sequence).build()));
        assertNull(ValueInfos.shape(ValueInfoProto.newBuilder().setName("untyped").build()));
    }
}
