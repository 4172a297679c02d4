package ai.graft.converter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import com.google.protobuf.ByteString;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class OnnxTensorsTest {
    private static TensorProto.Builder tensor(String name, int type, long... dims) {
        TensorProto.Builder b = TensorProto.newBuilder().setName(name).setDataType(type);
        for (long d : dims) {
            b.addDims(d);
        }
        return b;
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getCurrentThreadAllocatedBytes();
    }

    private static void assertContains(String expected, Throwable e) {
        assertTrue(e.getMessage().contains(expected), "message: " + e.getMessage());
    }

    @Test
    void toFloats_refusesAShapeLargerThanItsDataBeforeAllocatingIt() {
        // 2^28 floats declared (a 1 GiB array), 4 bytes present.
        TensorProto t =
                tensor("W", TensorProto.DataType.FLOAT_VALUE, 1L << 14, 1L << 14)
                        .setRawData(ByteString.copyFrom(new byte[4]))
                        .build();
        long before = allocatedBytes();
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> OnnxTensors.toFloats(t));
        long allocated = allocatedBytes() - before;
        assertTrue(allocated < 1 << 20, "allocated " + allocated + " bytes for a refused tensor");
        assertContains("Tensor 'W' of shape [16384, 16384] and type float has 4 bytes", e);
        assertContains("it needs 1073741824", e);
    }

    @Test
    void toLongs_refusesNegativeAndOverflowingDimensionsNamingTheTensor() {
        TensorProto negative =
                tensor("shape", TensorProto.DataType.INT64_VALUE, -2)
                        .setRawData(ByteString.copyFrom(new byte[16]))
                        .build();
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> OnnxTensors.toLongs(negative));
        assertContains("Tensor 'shape' of shape [-2] and type int64 has a negative dimension", e);

        TensorProto huge =
                tensor("shape", TensorProto.DataType.INT64_VALUE, 3_000_000_000L)
                        .setRawData(ByteString.copyFrom(new byte[16]))
                        .build();
        e = assertThrows(IllegalArgumentException.class, () -> OnnxTensors.toLongs(huge));
        assertContains("declares more than 2147483647 elements", e);

        // 2^40 x 2^40 wraps to 0 in 64-bit arithmetic: still refused, not read as empty.
        TensorProto wraps =
                tensor("w", TensorProto.DataType.FLOAT_VALUE, 1L << 40, 1L << 40).build();
        e = assertThrows(IllegalArgumentException.class, () -> OnnxTensors.toFloats(wraps));
        assertContains("declares more than", e);
    }

    @Test
    void checkData_acceptsDataThatFitsInEveryField() {
        OnnxTensors.checkData(OnnxTensors.fromFloats("f", new long[] {2, 3}, new float[6]));
        OnnxTensors.checkData(OnnxTensors.fromLongs("l", new long[] {4}, new long[4]));
        OnnxTensors.checkData(
                tensor("typed", TensorProto.DataType.FLOAT_VALUE, 2)
                        .addFloatData(1)
                        .addFloatData(2)
                        .build());
        OnnxTensors.checkData(
                tensor("half", TensorProto.DataType.FLOAT16_VALUE, 1).addInt32Data(0x3C00).build());
        // Complex numbers take two floats each.
        OnnxTensors.checkData(
                tensor("c", TensorProto.DataType.COMPLEX64_VALUE, 1)
                        .addFloatData(1)
                        .addFloatData(0)
                        .build());
        // An empty tensor holds nothing; a scalar holds one value.
        OnnxTensors.checkData(tensor("empty", TensorProto.DataType.FLOAT_VALUE, 0, 5).build());
        OnnxTensors.checkData(
                tensor("scalar", TensorProto.DataType.INT64_VALUE).addInt64Data(7).build());
        // Strings are not sized by their shape.
        OnnxTensors.checkData(
                tensor("s", TensorProto.DataType.STRING_VALUE, 3)
                        .addStringData(ByteString.copyFromUtf8("a"))
                        .build());
        assertArrayEquals(
                new float[] {1, 2},
                OnnxTensors.toFloats(
                        tensor("typed", TensorProto.DataType.FLOAT_VALUE, 2)
                                .addFloatData(1)
                                .addFloatData(2)
                                .build()));
    }

    @Test
    void checkData_refusesDataThatDoesNotFitNamingWhatItHasAndNeeds() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                OnnxTensors.checkData(
                                        tensor("W", TensorProto.DataType.FLOAT_VALUE, 3, 3)
                                                .setRawData(ByteString.copyFrom(new byte[32]))
                                                .build()));
        assertEquals(
                "Tensor 'W' of shape [3, 3] and type float has 32 bytes of data; it needs 36",
                e.getMessage());
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                OnnxTensors.checkData(
                                        tensor("B", TensorProto.DataType.INT64_VALUE, 2)
                                                .addInt64Data(1)
                                                .build()));
        assertContains("Tensor 'B' of shape [2] and type int64 has 1 values; it needs 2", e);
        // No data at all for a non-empty shape.
        e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                OnnxTensors.checkData(
                                        tensor("X", TensorProto.DataType.DOUBLE_VALUE, 5).build()));
        assertContains("has 0 values; it needs 5", e);
    }
}
