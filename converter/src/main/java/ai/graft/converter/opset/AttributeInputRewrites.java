package ai.graft.converter.opset;

import static ai.graft.converter.graph.Attributes.remove;
import static ai.graft.converter.graph.Attributes.set;
import static ai.graft.converter.opset.OpsetNodes.DOUBLE;
import static ai.graft.converter.opset.OpsetNodes.FLOAT;
import static ai.graft.converter.opset.OpsetNodes.FLOAT16;
import static ai.graft.converter.opset.OpsetNodes.axis;
import static ai.graft.converter.opset.OpsetNodes.scalar;

import ai.graft.converter.OnnxTensors;
import ai.graft.converter.UnsupportedOperatorException;
import ai.graft.converter.graph.Attributes;
import ai.graft.converter.graph.Graphs;
import ai.graft.converter.onnx.proto.OnnxProto.AttributeProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.opset.OpsetConverter.Conversion;
import java.util.Arrays;
import java.util.List;

/**
 * Rewrites of the operators whose attributes became inputs (or went back) between opsets: Dropout,
 * Clip, Pad, Squeeze and Unsqueeze, Split, the Reduce operators, Slice and Reshape. Part of {@link
 * OpsetConverter}, whose table names the opsets; each method rewrites one node of a {@link
 * OpsetConverter.Conversion}.
 */
final class AttributeInputRewrites {
    private AttributeInputRewrites() {}

    /**
     * A list argument of a node: its values ({@code null} when absent), or computed at run time
     * where the target opset takes it as an input too, so the node is kept as it is.
     */
    private record ListArgument(long[] values, boolean computed) {}

    /**
     * Reads a list that is attribute {@code name} before opset {@code inputAt} and input 1 from it
     * (Squeeze's axes, Split's split, the Reduce operators' axes): the attribute, the constant
     * input, or a computed input that the target opset also takes as an input.
     *
     * @throws UnsupportedOperatorException when the input is computed and the target opset needs an
     *     attribute
     */
    private static ListArgument listArgument(Conversion c, NodeProto n, String name, int inputAt)
            throws UnsupportedOperatorException {
        if (c.from < inputAt) {
            return new ListArgument(Attributes.getInts(n, name), false);
        }
        String in = c.in(n, 1);
        long[] values = in.isEmpty() ? null : c.constLongs(in);
        if (in.isEmpty() || values != null) {
            return new ListArgument(values, false);
        }
        if (c.to >= inputAt) {
            return new ListArgument(null, true);
        }
        throw c.refuse(
                n,
                "takes its "
                        + name
                        + " from '"
                        + in
                        + "', which is not constant; opsets before "
                        + inputAt
                        + " need "
                        + (name.equals("axes") ? "them" : "it")
                        + " as an attribute");
    }

    static void dropout(Conversion c, NodeProto n) throws UnsupportedOperatorException {
        NodeProto.Builder b = n.toBuilder();
        // The mask is of the input's type before 10 and bool from 10.
        if ((c.up(10) || c.down(10)) && n.getOutputCount() > 1 && !n.getOutput(1).isEmpty()) {
            if (c.isUsed(n.getOutput(1))) {
                throw c.refuse(
                        n,
                        "has its mask output '"
                                + n.getOutput(1)
                                + "' in use, whose element type changes at opset 10");
            }
            b.clearOutput().addOutput(n.getOutput(0));
        }
        if (c.up(12)) {
            AttributeProto ratio = Attributes.find(n, "ratio");
            remove(b, "ratio");
            if (ratio != null) {
                String r =
                        c.initializer(
                                c.nodeName(n) + "_ratio",
                                OnnxTensors.fromFloats(
                                        "", new long[0], new float[] {ratio.getF()}));
                b.clearInput().addInput(n.getInput(0)).addInput(r);
            }
        } else if (c.down(12)) {
            String training = c.in(n, 2);
            if (!training.isEmpty()) {
                long[] mode = c.constLongs(training);
                if (mode == null || mode.length != 1 || mode[0] != 0) {
                    throw c.refuse(
                            n,
                            "has a training_mode input that is not a constant false; opsets"
                                    + " before 12 have only inference Dropout");
                }
            }
            String ratio = c.in(n, 1);
            remove(b, "seed");
            b.clearInput().addInput(n.getInput(0));
            if (!ratio.isEmpty()) {
                float[] r = c.constFloats(ratio);
                if (r == null || r.length != 1) {
                    throw c.refuse(
                            n,
                            "takes its ratio from '"
                                    + ratio
                                    + "', which is not a constant scalar; opsets before 12 need"
                                    + " it as an attribute");
                }
                set(b, Attributes.ofFloat("ratio", r[0]));
            }
        }
        c.emit(b.build());
    }

    static void clip(Conversion c, NodeProto n) throws UnsupportedOperatorException {
        if (c.up(11)) {
            AttributeProto min = Attributes.find(n, "min");
            AttributeProto max = Attributes.find(n, "max");
            NodeProto.Builder b = remove(n.toBuilder(), "min", "max");
            b.clearInput().addInput(n.getInput(0));
            if (min != null || max != null) {
                Integer type = c.type(n.getInput(0));
                if (type == null || scalar("", type, 0) == null) {
                    throw c.refuse(
                            n,
                            "needs its min/max as inputs of the input's element type from opset"
                                    + " 11, and the element type of '"
                                    + n.getInput(0)
                                    + "' is unknown");
                }
                String base = c.nodeName(n);
                b.addInput(
                        min == null
                                ? ""
                                : c.initializer(base + "_min", scalar("", type, min.getF())));
                if (max != null) {
                    b.addInput(c.initializer(base + "_max", scalar("", type, max.getF())));
                }
            }
            c.emit(b.build());
        } else if (c.down(11)) {
            Integer type = c.type(n.getInput(0));
            if (type != null && type != FLOAT && type != DOUBLE && type != FLOAT16) {
                throw c.refuse(
                        n,
                        "clips a tensor of type "
                                + OnnxTensors.typeName(type)
                                + ", which needs opset 12");
            }
            NodeProto.Builder b = n.toBuilder().clearInput().addInput(n.getInput(0));
            String[] names = {"min", "max"};
            for (int i = 0; i < 2; i++) {
                String bound = c.in(n, i + 1);
                if (bound.isEmpty()) {
                    continue;
                }
                float[] v = c.constFloats(bound);
                if (v == null || v.length != 1) {
                    throw c.refuse(
                            n,
                            "takes its "
                                    + names[i]
                                    + " from '"
                                    + bound
                                    + "', which is not a constant scalar; opsets before 11 need"
                                    + " it as an attribute");
                }
                set(b, Attributes.ofFloat(names[i], v[0]));
            }
            c.emit(b.build());
        } else {
            c.emit(n);
        }
    }

    static void pad(Conversion c, NodeProto n) throws UnsupportedOperatorException {
        String mode = Attributes.getString(n, "mode", "constant");
        if (mode.equals("wrap") && c.to < 19) {
            throw c.refuse(n, "uses mode wrap, which needs opset 19");
        }
        if (c.up(11)) {
            long[] pads = Attributes.getInts(n, "pads");
            if (pads == null) {
                throw c.refuse(n, "has no pads attribute");
            }
            float value = Attributes.getFloat(n, "value", 0f);
            String base = c.nodeName(n);
            NodeProto.Builder b = remove(n.toBuilder(), "pads", "value").clearInput();
            b.addInput(n.getInput(0));
            b.addInput(
                    c.initializer(
                            base + "_pads",
                            OnnxTensors.fromLongs("", new long[] {pads.length}, pads)));
            if (value != 0f && mode.equals("constant")) {
                Integer type = c.type(n.getInput(0));
                TensorProto v = type == null ? null : scalar("", type, value);
                if (v == null) {
                    throw c.refuse(
                            n,
                            "pads with "
                                    + value
                                    + ", an input of the data's element type from opset 11, and"
                                    + " the element type of '"
                                    + n.getInput(0)
                                    + "' is unknown");
                }
                b.addInput(c.initializer(base + "_value", v));
            }
            c.emit(b.build());
            return;
        }
        if (!c.down(11) && !(c.down(18) && !c.in(n, 3).isEmpty())) {
            c.emit(n);
            return;
        }
        long[] pads = c.constLongs(n.getInput(1));
        if (pads == null) {
            throw c.refuse(
                    n,
                    "takes its pads from '"
                            + n.getInput(1)
                            + "', which is not constant; opsets before "
                            + (c.down(11) ? "11 need them as an attribute" : "18 need all axes"));
        }
        String axesName = c.in(n, 3);
        if (!axesName.isEmpty()) {
            long[] axes = c.constLongs(axesName);
            int rank = c.rank(n.getInput(0));
            if (axes == null || rank < 0) {
                throw c.refuse(
                        n,
                        "pads only some axes, which needs opset 18; below, the axes must be"
                                + " constant and the rank of '"
                                + n.getInput(0)
                                + "' known");
            }
            long[] full = new long[2 * rank];
            for (int i = 0; i < axes.length; i++) {
                int a = (int) (axes[i] < 0 ? axes[i] + rank : axes[i]);
                full[a] = pads[i];
                full[a + rank] = pads[i + axes.length];
            }
            pads = full;
        }
        String value = c.in(n, 2);
        if (!c.down(11)) {
            // 11..17: inputs without axes.
            NodeProto.Builder b = n.toBuilder().clearInput().addInput(n.getInput(0));
            b.addInput(
                    c.initializer(
                            c.nodeName(n) + "_pads",
                            OnnxTensors.fromLongs("", new long[] {pads.length}, pads)));
            if (!value.isEmpty()) {
                b.addInput(value);
            }
            c.emit(b.build());
            return;
        }
        NodeProto.Builder b = n.toBuilder().clearInput().addInput(n.getInput(0));
        set(b, Attributes.ofInts("pads", pads));
        if (!value.isEmpty()) {
            float[] v = c.constFloats(value);
            if (v == null || v.length != 1) {
                throw c.refuse(
                        n,
                        "takes its constant_value from '"
                                + value
                                + "', which is not a constant scalar; opsets before 11 need it as"
                                + " an attribute");
            }
            if (v[0] != 0f) {
                set(b, Attributes.ofFloat("value", v[0]));
            }
        }
        c.emit(b.build());
    }

    /** Squeeze and Unsqueeze: axes attribute before 13, input from 13; negative from 11. */
    static void squeeze(Conversion c, NodeProto n) throws UnsupportedOperatorException {
        boolean unsqueeze = n.getOpType().equals("Unsqueeze");
        ListArgument argument = listArgument(c, n, "axes", 13);
        if (argument.computed()) {
            c.emit(n);
            return;
        }
        long[] axes = argument.values();
        if (axes != null && c.to < 11 && Arrays.stream(axes).anyMatch(a -> a < 0)) {
            int rank = c.rank(n.getInput(0));
            if (rank < 0) {
                throw c.refuse(
                        n,
                        "has negative axes, which need opset 11, and the rank of '"
                                + n.getInput(0)
                                + "' is unknown");
            }
            int r = unsqueeze ? rank + axes.length : rank;
            axes = Arrays.stream(axes).map(a -> a < 0 ? a + r : a).toArray();
        }
        NodeProto.Builder b = remove(n.toBuilder(), "axes").clearInput().addInput(n.getInput(0));
        if (axes != null) {
            if (c.to >= 13) {
                b.addInput(
                        c.from >= 13 && Arrays.equals(axes, c.constLongs(c.in(n, 1)))
                                ? n.getInput(1)
                                : c.initializer(
                                        c.nodeName(n) + "_axes",
                                        OnnxTensors.fromLongs("", new long[] {axes.length}, axes)));
            } else {
                set(b, Attributes.ofInts("axes", axes));
            }
        }
        c.emit(b.build());
    }

    static void split(Conversion c, NodeProto n) throws UnsupportedOperatorException {
        ListArgument argument = listArgument(c, n, "split", 13);
        if (argument.computed()) {
            c.emit(n);
            return;
        }
        long[] sizes = argument.values();
        NodeProto m = axis(c, n, "axis", 0);
        long axis = Attributes.getInt(m, "axis", 0);
        int outputs = n.getOutputCount();
        AttributeProto numOutputs = Attributes.find(n, "num_outputs");
        if (sizes == null && c.to < 18 && numOutputs != null) {
            // Split-18 with num_outputs: equal parts of ceil(size / n), the last one smaller.
            long[] shape = c.shape(n.getInput(0));
            int rank = shape == null ? -1 : shape.length;
            int a = (int) (axis < 0 && rank >= 0 ? axis + rank : axis);
            long size = shape == null || a < 0 || a >= rank ? -1 : shape[a];
            if (size < 0) {
                throw c.refuse(
                        n,
                        "splits into num_outputs parts, which needs opset 18, and the size of"
                                + " axis "
                                + axis
                                + " of '"
                                + n.getInput(0)
                                + "' is unknown");
            }
            long k = numOutputs.getI();
            if (size % k != 0) {
                long chunk = (size + k - 1) / k;
                sizes = new long[(int) k];
                for (int i = 0; i < k; i++) {
                    sizes[i] = Math.max(0, Math.min(chunk, size - i * chunk));
                }
            }
        }
        NodeProto.Builder b =
                remove(m.toBuilder(), "split", "num_outputs").clearInput().addInput(n.getInput(0));
        if (sizes != null) {
            if (c.to >= 13) {
                b.addInput(
                        c.initializer(
                                c.nodeName(n) + "_split",
                                OnnxTensors.fromLongs("", new long[] {sizes.length}, sizes)));
            } else {
                set(b, Attributes.ofInts("split", sizes));
            }
        } else if (c.to >= 18) {
            set(b, Attributes.ofInt("num_outputs", outputs));
        }
        c.emit(b.build());
    }

    /** Reduce operators: axes attribute before {@code inputAt}, optional input from it. */
    static void reduce(Conversion c, NodeProto n, int inputAt) throws UnsupportedOperatorException {
        boolean fromInput = c.from >= inputAt;
        boolean toInput = c.to >= inputAt;
        ListArgument argument = listArgument(c, n, "axes", inputAt);
        if (argument.computed()) {
            c.emit(n);
            return;
        }
        long[] axes = argument.values();
        if (fromInput) {
            if ((axes == null || axes.length == 0)
                    && Attributes.getInt(n, "noop_with_empty_axes", 0) != 0) {
                if (toInput) {
                    c.emit(n);
                } else {
                    // No axes and noop_with_empty_axes: the input unchanged.
                    c.emit(
                            Graphs.node(
                                    "Identity",
                                    n.getName(),
                                    List.of(n.getInput(0)),
                                    List.of(n.getOutput(0))));
                }
                return;
            }
        }
        if (axes != null && c.to < 11 && Arrays.stream(axes).anyMatch(a -> a < 0)) {
            int rank = c.rank(n.getInput(0));
            if (rank < 0) {
                throw c.refuse(
                        n,
                        "has negative axes, which need opset 11, and the rank of '"
                                + n.getInput(0)
                                + "' is unknown");
            }
            axes = Arrays.stream(axes).map(a -> a < 0 ? a + rank : a).toArray();
        }
        if (fromInput == toInput && !(c.to < 11 && c.from >= 11)) {
            c.emit(n);
            return;
        }
        NodeProto.Builder b =
                remove(n.toBuilder(), "axes", "noop_with_empty_axes")
                        .clearInput()
                        .addInput(n.getInput(0));
        if (axes != null) {
            if (toInput) {
                b.addInput(
                        c.initializer(
                                c.nodeName(n) + "_axes",
                                OnnxTensors.fromLongs("", new long[] {axes.length}, axes)));
            } else {
                set(b, Attributes.ofInts("axes", axes));
            }
        }
        c.emit(b.build());
    }

    static void slice(Conversion c, NodeProto n) throws UnsupportedOperatorException {
        long[] starts;
        long[] ends;
        long[] axes;
        if (c.from >= 10) {
            starts = c.constLongs(n.getInput(1));
            ends = c.constLongs(n.getInput(2));
            String axesIn = c.in(n, 3);
            axes = axesIn.isEmpty() ? null : c.constLongs(axesIn);
            String stepsIn = c.in(n, 4);
            long[] steps = stepsIn.isEmpty() ? null : c.constLongs(stepsIn);
            boolean constant =
                    starts != null
                            && ends != null
                            && (axesIn.isEmpty() || axes != null)
                            && (stepsIn.isEmpty() || steps != null);
            if (c.to >= 10) {
                if (c.down(11) && !axesIn.isEmpty()) {
                    if (axes == null) {
                        throw c.refuse(
                                n,
                                "takes axes computed at run time; opset 11 introduced negative"
                                        + " axes, so below it only constant axes can be checked");
                    }
                    if (Arrays.stream(axes).anyMatch(a -> a < 0)) {
                        long[] fixed = nonNegative(c, n, axes);
                        NodeProto.Builder b = n.toBuilder();
                        b.setInput(
                                3,
                                c.initializer(
                                        c.nodeName(n) + "_axes",
                                        OnnxTensors.fromLongs(
                                                "", new long[] {fixed.length}, fixed)));
                        c.emit(b.build());
                        return;
                    }
                }
                c.emit(n);
                return;
            }
            if (!constant) {
                throw c.refuse(
                        n,
                        "takes starts, ends, axes or steps computed at run time; opsets before 10"
                                + " need them as attributes");
            }
            if (steps != null && Arrays.stream(steps).anyMatch(s -> s != 1)) {
                throw c.refuse(n, "has steps other than 1, which need opset 10");
            }
        } else {
            starts = Attributes.getInts(n, "starts");
            ends = Attributes.getInts(n, "ends");
            axes = Attributes.getInts(n, "axes");
            if (starts == null || ends == null) {
                throw c.refuse(n, "has no starts or ends attribute");
            }
            if (c.to < 10) {
                c.emit(n);
                return;
            }
        }
        if (axes != null && c.to < 11 && Arrays.stream(axes).anyMatch(a -> a < 0)) {
            axes = nonNegative(c, n, axes);
        }
        emitSlice(c, n, n.getInput(0), n.getOutput(0), starts, ends, axes);
    }

    private static long[] nonNegative(Conversion c, NodeProto n, long[] axes)
            throws UnsupportedOperatorException {
        int rank = c.rank(n.getInput(0));
        if (rank < 0) {
            throw c.refuse(
                    n,
                    "has negative axes, which need opset 11, and the rank of '"
                            + n.getInput(0)
                            + "' is unknown");
        }
        return Arrays.stream(axes).map(a -> a < 0 ? a + rank : a).toArray();
    }

    /** Emits a Slice in the target opset's form, named after {@code n}. */
    static void emitSlice(
            Conversion c,
            NodeProto n,
            String data,
            String out,
            long[] starts,
            long[] ends,
            long[] axes) {
        String base = c.nodeName(n);
        NodeProto.Builder b =
                NodeProto.newBuilder()
                        .setOpType("Slice")
                        .setName(
                                n.getOpType().equals("Slice")
                                        ? n.getName()
                                        : c.tensor(base + "_slice"))
                        .addInput(data)
                        .addOutput(out);
        if (c.to >= 10) {
            b.addInput(c.longs(base + "_starts", starts));
            b.addInput(c.longs(base + "_ends", ends));
            if (axes != null) {
                b.addInput(c.longs(base + "_axes", axes));
            }
        } else {
            b.addAttribute(Attributes.ofInts("starts", starts));
            b.addAttribute(Attributes.ofInts("ends", ends));
            if (axes != null) {
                b.addAttribute(Attributes.ofInts("axes", axes));
            }
        }
        c.add(b.build());
    }

    static void reshape(Conversion c, NodeProto n) throws UnsupportedOperatorException {
        if (c.down(14) && Attributes.find(n, "allowzero") != null) {
            if (Attributes.getInt(n, "allowzero", 0) != 0) {
                long[] shape = c.constLongs(n.getInput(1));
                if (shape == null || Arrays.stream(shape).anyMatch(d -> d == 0)) {
                    throw c.refuse(
                            n,
                            "has allowzero=1, which needs opset 14, with a shape that is not a"
                                    + " constant free of zeros");
                }
            }
            c.emit(remove(n.toBuilder(), "allowzero").build());
            return;
        }
        c.emit(n);
    }
}
