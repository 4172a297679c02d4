package ai.graft.converter.opset;

import static ai.graft.converter.graph.Attributes.floats;
import static ai.graft.converter.graph.Attributes.remove;
import static ai.graft.converter.opset.OpsetNodes.floatsTensor;

import ai.graft.converter.UnsupportedOperatorException;
import ai.graft.converter.graph.Attributes;
import ai.graft.converter.graph.Graphs;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.opset.OpsetConverter.Conversion;
import java.util.ArrayList;
import java.util.List;

/**
 * Rewrites of Upsample and Resize between opsets (scales as an attribute or an input, sizes, roi,
 * coordinate transformations). Part of {@link OpsetConverter}, whose table names the opsets.
 */
final class ResamplingRewrites {
    private ResamplingRewrites() {}

    /**
     * Upsample (7: scales attribute; 9: scales input; gone from 10) and Resize (10: Upsample's
     * meaning; 11: roi, sizes and coordinate transformations; 13: optional roi and scales; 18:
     * antialias, axes, keep_aspect_ratio_policy; 19: half_pixel_symmetric).
     */
    static void resample(Conversion c, NodeProto n) throws UnsupportedOperatorException {
        boolean upsample = n.getOpType().equals("Upsample");
        String mode = Attributes.getString(n, "mode", "nearest");
        String x = n.getInput(0);
        String base = c.nodeName(n);
        if (upsample || c.from < 11) {
            // Upsample's meaning: Upsample-7/9 or Resize-10.
            String scales;
            float[] values;
            if (upsample && c.from < 9) {
                values = floats(Attributes.find(n, "scales"));
                if (values == null) {
                    throw c.refuse(n, "has no scales attribute");
                }
                if (c.to < 9) {
                    c.emit(n);
                    return;
                }
                scales = c.initializer(base + "_scales", floatsTensor(values));
            } else {
                scales = n.getInput(1);
                values = c.constFloats(scales);
            }
            if (!mode.equals("nearest") && !mode.equals("linear")) {
                throw c.refuse(n, "has mode " + mode + "; expected nearest or linear");
            }
            if (!upsample && c.to < 10 || !upsample && c.to >= 11 && mode.equals("nearest")) {
                // Upsample takes scales of at least 1; Resize-10's nearest rounding is
                // unspecified when downsampling.
                if (values == null || !allAtLeastOne(values)) {
                    throw c.refuse(
                            n,
                            "takes scales that are not constants of at least 1; opset 10"
                                    + " specifies Resize's meaning only for upsampling");
                }
            }
            if (c.to >= 11) {
                // Asymmetric coordinates; nearest rounds down.
                NodeProto.Builder b =
                        NodeProto.newBuilder()
                                .setOpType("Resize")
                                .setName(n.getName())
                                .addInput(x)
                                .addInput(c.to >= 13 ? "" : c.emptyFloats(base + "_roi"))
                                .addInput(scales)
                                .addAllOutput(n.getOutputList())
                                .addAttribute(Attributes.ofString("mode", mode))
                                .addAttribute(
                                        Attributes.ofString(
                                                "coordinate_transformation_mode", "asymmetric"));
                if (mode.equals("nearest")) {
                    b.addAttribute(Attributes.ofString("nearest_mode", "floor"));
                }
                c.emit(b.build());
            } else {
                c.emit(legacyResample(c, n, x, scales, values, mode));
            }
            return;
        }
        // Resize-11 or later.
        String roi = c.in(n, 1);
        String scales = c.in(n, 2);
        String sizes = c.in(n, 3);
        float[] values = scales.isEmpty() ? null : c.constFloats(scales);
        if (values != null && values.length == 0) {
            values = null;
            scales = "";
        }
        String ctm = Attributes.getString(n, "coordinate_transformation_mode", "half_pixel");
        String nearest = Attributes.getString(n, "nearest_mode", "round_prefer_floor");
        if (ctm.equals("half_pixel_symmetric") && c.to < 19) {
            throw c.refuse(
                    n,
                    "uses coordinate_transformation_mode half_pixel_symmetric, which needs opset"
                            + " 19");
        }
        if (c.to < 18) {
            if (Attributes.getInt(n, "antialias", 0) != 0) {
                throw c.refuse(n, "has antialias=1, which needs opset 18");
            }
            if (Attributes.find(n, "axes") != null) {
                throw c.refuse(n, "has an axes attribute, which needs opset 18");
            }
            String policy = Attributes.getString(n, "keep_aspect_ratio_policy", "stretch");
            if (!policy.equals("stretch")) {
                throw c.refuse(
                        n, "has keep_aspect_ratio_policy " + policy + ", which needs opset 18");
            }
        }
        if (c.to >= 11) {
            NodeProto.Builder b = n.toBuilder();
            if (c.to < 18) {
                remove(b, "antialias", "axes", "keep_aspect_ratio_policy");
            }
            b.clearInput().addInput(x);
            if (c.to >= 13) {
                List<String> in = new ArrayList<>(List.of(roi, scales, sizes));
                while (!in.isEmpty() && in.get(in.size() - 1).isEmpty()) {
                    in.remove(in.size() - 1);
                }
                b.addAllInput(in);
            } else {
                // Resize-11 needs roi and scales, empty where unused.
                b.addInput(roi.isEmpty() ? c.emptyFloats(base + "_roi") : roi);
                b.addInput(scales.isEmpty() ? c.emptyFloats(base + "_scales") : scales);
                if (!sizes.isEmpty()) {
                    b.addInput(sizes);
                }
            }
            c.emit(b.build());
            return;
        }
        // Down to Upsample's meaning (Resize-10, Upsample).
        if (!mode.equals("nearest") && !mode.equals("linear")) {
            throw c.refuse(n, "has mode " + mode + ", which needs opset 11");
        }
        if (!ctm.equals("asymmetric")) {
            throw c.refuse(
                    n,
                    "uses coordinate_transformation_mode "
                            + ctm
                            + ", which needs opset 11 (before it, coordinates are asymmetric)");
        }
        if (mode.equals("nearest") && !nearest.equals("floor")) {
            throw c.refuse(
                    n,
                    "uses nearest_mode "
                            + nearest
                            + ", which needs opset 11 (before it, nearest rounds down)");
        }
        if (values == null && !sizes.isEmpty()) {
            values = scalesFromSizes(c, n, x, sizes);
        }
        if (values == null) {
            throw c.refuse(
                    n,
                    "takes scales or sizes computed at run time; opsets before 11 need constant"
                            + " scales that can be checked");
        }
        if (!allAtLeastOne(values)) {
            throw c.refuse(
                    n, "downsamples (a scale below 1); opsets before 11 specify only upsampling");
        }
        String s = c.to < 9 ? null : c.initializer(base + "_scales", floatsTensor(values));
        c.emit(legacyResample(c, n, x, s, values, mode));
    }

    /** Upsample-7 (scales attribute), Upsample-9 or Resize-10 (scales input). */
    private static NodeProto legacyResample(
            Conversion c, NodeProto n, String x, String scales, float[] values, String mode)
            throws UnsupportedOperatorException {
        if (c.to < 9) {
            if (values == null) {
                throw c.refuse(
                        n,
                        "takes scales computed at run time; opsets before 9 need them as an"
                                + " attribute");
            }
            return Graphs.node("Upsample", n.getName(), List.of(x), n.getOutputList()).toBuilder()
                    .addAttribute(Attributes.ofString("mode", mode))
                    .addAttribute(Attributes.ofFloats("scales", values))
                    .build();
        }
        return Graphs.node(
                        c.to >= 10 ? "Resize" : "Upsample",
                        n.getName(),
                        List.of(x, scales),
                        n.getOutputList())
                .toBuilder()
                .addAttribute(Attributes.ofString("mode", mode))
                .build();
    }

    private static float[] scalesFromSizes(Conversion c, NodeProto n, String x, String sizes)
            throws UnsupportedOperatorException {
        long[] size = c.constLongs(sizes);
        long[] shape = c.shape(x);
        if (size == null || shape == null || size.length != shape.length) {
            return null;
        }
        float[] scales = new float[size.length];
        for (int i = 0; i < size.length; i++) {
            if (shape[i] <= 0 || size[i] % shape[i] != 0) {
                throw c.refuse(
                        n,
                        "resizes axis "
                                + i
                                + " to "
                                + size[i]
                                + ", not a known whole multiple of its size; opsets before 11"
                                + " take only scales");
            }
            scales[i] = size[i] / shape[i];
        }
        return scales;
    }

    private static boolean allAtLeastOne(float[] v) {
        for (float f : v) {
            if (!(f >= 1f)) {
                return false;
            }
        }
        return true;
    }
}
