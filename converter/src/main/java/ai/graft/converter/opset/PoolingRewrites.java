package ai.graft.converter.opset;

import static ai.graft.converter.graph.Attributes.remove;
import static ai.graft.converter.graph.Attributes.set;

import ai.graft.converter.UnsupportedOperatorException;
import ai.graft.converter.graph.Attributes;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.opset.OpsetConverter.Conversion;
import java.util.Arrays;

/**
 * Rewrites of MaxPool and AveragePool between opsets (dilations, ceil mode, count_include_pad,
 * storage order, the indices output). Part of {@link OpsetConverter}, whose table names the opsets.
 */
final class PoolingRewrites {
    private PoolingRewrites() {}

    static void pool(Conversion c, NodeProto n) throws UnsupportedOperatorException {
        boolean max = n.getOpType().equals("MaxPool");
        NodeProto.Builder b = n.toBuilder();
        if (max && c.down(8)) {
            if (n.getOutputCount() > 1 && !n.getOutput(1).isEmpty()) {
                throw c.refuse(n, "has an Indices output, which needs opset 8");
            }
            b.clearOutput().addOutput(n.getOutput(0));
            remove(b, "storage_order");
        }
        boolean dilated = false;
        long[] dilations = Attributes.getInts(n, "dilations");
        if (dilations != null) {
            dilated = Arrays.stream(dilations).anyMatch(d -> d != 1);
        }
        int dilationsFrom = max ? 10 : 19;
        if (c.down(dilationsFrom)) {
            if (dilated) {
                throw c.refuse(n, "has dilations, which need opset " + dilationsFrom);
            }
            remove(b, "dilations");
        }
        if (c.down(10)) {
            if (Attributes.getInt(n, "ceil_mode", 0) != 0) {
                ceilToPads(c, n, b, max);
            }
            remove(b, "ceil_mode");
        }
        c.emit(b.build());
    }

    /**
     * Below opset 10 there is no ceil_mode. Where it changes the output size, a max pool gets the
     * same windows from extra padding at the end (padding never wins a max); an average pool is
     * refused, as padding would change its averages.
     */
    private static void ceilToPads(Conversion c, NodeProto n, NodeProto.Builder b, boolean max)
            throws UnsupportedOperatorException {
        String autoPad = Attributes.getString(n, "auto_pad", "NOTSET");
        long[] shape = c.shape(n.getInput(0));
        long[] kernel = Attributes.getInts(n, "kernel_shape");
        if (!autoPad.equals("NOTSET") && !autoPad.isEmpty() || kernel == null) {
            throw c.refuse(
                    n, "has ceil_mode=1 with auto_pad " + autoPad + ", which needs opset 10");
        }
        int spatial = kernel.length;
        if (shape == null || shape.length != spatial + 2) {
            throw c.refuse(
                    n,
                    "has ceil_mode=1, which needs opset 10, and the shape of '"
                            + n.getInput(0)
                            + "' is unknown");
        }
        long[] strides = Attributes.getInts(n, "strides");
        long[] pads = Attributes.getInts(n, "pads");
        pads = pads == null ? new long[2 * spatial] : pads.clone();
        boolean changed = false;
        for (int i = 0; i < spatial; i++) {
            long size = shape[2 + i];
            long s = strides == null ? 1 : strides[i];
            if (size < 0) {
                throw c.refuse(
                        n,
                        "has ceil_mode=1, which needs opset 10, and spatial size "
                                + i
                                + " of '"
                                + n.getInput(0)
                                + "' is unknown");
            }
            long span = size + pads[i] + pads[i + spatial] - kernel[i];
            long floor = Math.floorDiv(span, s) + 1;
            long ceil = -Math.floorDiv(-span, s) + 1;
            if (floor == ceil) {
                continue;
            }
            if (!max) {
                throw c.refuse(
                        n,
                        "has ceil_mode=1, which needs opset 10 and here changes the output size;"
                                + " extra padding would change the averages");
            }
            if ((ceil - 1) * s >= size + pads[i]) {
                throw c.refuse(
                        n,
                        "has ceil_mode=1, which needs opset 10, and its last window would start"
                                + " in the end padding");
            }
            pads[i + spatial] += (ceil - 1) * s + kernel[i] - (size + pads[i] + pads[i + spatial]);
            changed = true;
        }
        if (changed) {
            set(b, Attributes.ofInts("pads", pads));
        }
    }
}
