package ai.graft.trainer.exec;

import static ai.graft.trainer.exec.Ops.nd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * {@code Resize} (opsets 10 to 18, without antialiasing) and {@code Upsample}: nearest, linear and
 * cubic interpolation, one axis at a time, as ONNX's reference defines them. For each axis the
 * source taps and their weights are computed in Java from the coordinate transformation; the array
 * work is a gather per tap and a weighted sum, so gradients reach the input.
 */
final class Resize {
    private Resize() {}

    /** The taps of one output coordinate along one axis: source indices and weights. */
    private record Taps(long[][] index, double[][] weight, boolean[] outside) {}

    static NDArray run(Node n, Object[] in, Ops.Context ctx) {
        NDArray x = nd(in[0], ctx);
        long[] xs = x.getShape().getShape();
        int rank = xs.length;
        String mode = n.s("mode", "nearest");
        String transform;
        String nearest;
        double[] scales = null;
        long[] sizes = null;
        double[] roi = null;
        if (n.op.equals("Upsample") || ctx.opset() < 11) {
            transform = "asymmetric";
            nearest = n.op.equals("Upsample") ? "floor" : "round_prefer_floor";
            if (n.has("scales")) {
                float[] f = n.floats("scales");
                scales = new double[f.length];
                for (int k = 0; k < f.length; k++) {
                    scales[k] = f[k];
                }
            } else {
                scales = doubles(in[1]);
            }
        } else {
            transform = n.s("coordinate_transformation_mode", "half_pixel");
            nearest = n.s("nearest_mode", "round_prefer_floor");
            if (in.length > 1 && in[1] != null && Ops.host(in[1]).size() > 0) {
                roi = doubles(in[1]);
            }
            if (in.length > 2 && in[2] != null && Ops.host(in[2]).size() > 0) {
                scales = doubles(in[2]);
            }
            if (in.length > 3 && in[3] != null && Ops.host(in[3]).size() > 0) {
                sizes = Ops.longs(in[3]);
            }
            if (n.i("antialias", 0) != 0) {
                throw new UnsupportedOperatorException(n.describe() + ": antialias=1");
            }
            if (n.has("axes")) {
                throw new UnsupportedOperatorException(n.describe() + ": the axes attribute");
            }
            if (!n.s("keep_aspect_ratio_policy", "stretch").equals("stretch")) {
                throw new UnsupportedOperatorException(
                        n.describe()
                                + ": keep_aspect_ratio_policy="
                                + n.s("keep_aspect_ratio_policy", ""));
            }
        }
        if (!Arrays.asList("nearest", "linear", "cubic").contains(mode)) {
            throw new UnsupportedOperatorException(
                    n.describe() + ": mode='" + mode + "'; expected nearest, linear or cubic");
        }
        if (!Arrays.asList(
                        "half_pixel",
                        "pytorch_half_pixel",
                        "align_corners",
                        "asymmetric",
                        "tf_half_pixel_for_nearest",
                        "tf_crop_and_resize")
                .contains(transform)) {
            throw new UnsupportedOperatorException(
                    n.describe() + ": coordinate_transformation_mode='" + transform + "'");
        }
        if (!Arrays.asList("round_prefer_floor", "round_prefer_ceil", "floor", "ceil")
                .contains(nearest)) {
            throw new UnsupportedOperatorException(
                    n.describe() + ": nearest_mode='" + nearest + "'");
        }
        if (!mode.equals("nearest") && !x.getDataType().isFloating()) {
            throw new UnsupportedOperatorException(
                    n.describe() + ": " + mode + " interpolation of " + x.getDataType() + " data");
        }
        if (scales == null && sizes == null) {
            throw new IllegalArgumentException("Resize needs scales or sizes");
        }
        if ((scales != null && scales.length != rank) || (sizes != null && sizes.length != rank)) {
            throw new IllegalArgumentException(
                    "scales/sizes must have one value per axis of the rank-" + rank + " input");
        }
        double a = n.f("cubic_coeff_a", -0.75f);
        boolean excludeOutside = n.i("exclude_outside", 0) != 0;
        double extrapolation = n.f("extrapolation_value", 0f);
        NDArray y = x;
        for (int d = 0; d < rank; d++) {
            long out = sizes != null ? sizes[d] : (long) Math.floor(xs[d] * scales[d]);
            double scale = sizes != null ? (double) sizes[d] / xs[d] : scales[d];
            double roiStart = roi == null ? 0 : roi[d];
            double roiEnd = roi == null ? 1 : roi[d + rank];
            if (out == xs[d] && scale == 1 && !transform.equals("tf_crop_and_resize")) {
                continue;
            }
            Taps taps =
                    taps(
                            xs[d],
                            out,
                            scale,
                            transform,
                            mode,
                            nearest,
                            a,
                            excludeOutside,
                            roiStart,
                            roiEnd);
            y = resample(y, d, taps, extrapolation, ctx.manager());
        }
        return y;
    }

    private static double[] doubles(Object v) {
        HostTensor t = Ops.host(v);
        double[] out = new double[t.size()];
        for (int k = 0; k < out.length; k++) {
            out[k] = t.doubleAt(k);
        }
        return out;
    }

    private static Taps taps(
            long in,
            long out,
            double scale,
            String transform,
            String mode,
            String nearest,
            double a,
            boolean excludeOutside,
            double roiStart,
            double roiEnd) {
        int width = mode.equals("cubic") ? 4 : mode.equals("linear") ? 2 : 1;
        long[][] index = new long[width][(int) out];
        double[][] weight = new double[width][(int) out];
        boolean[] outside = new boolean[(int) out];
        // The reference's output width is scale * in, not the rounded size (they differ when
        // downsampling by scales).
        double outWidth = scale * in;
        for (int i = 0; i < out; i++) {
            double x =
                    switch (transform) {
                        case "align_corners" -> outWidth == 1 ? 0 : i * (in - 1) / (outWidth - 1);
                        case "asymmetric" -> i / scale;
                        case "pytorch_half_pixel" -> outWidth == 1 ? -0.5 : (i + 0.5) / scale - 0.5;
                        case "tf_half_pixel_for_nearest" -> (i + 0.5) / scale;
                        case "tf_crop_and_resize" ->
                                (outWidth == 1
                                                ? (roiEnd - roiStart) * (in - 1) / 2
                                                : i
                                                        * (roiEnd - roiStart)
                                                        * (in - 1)
                                                        / (outWidth - 1))
                                        + roiStart * (in - 1);
                        default -> (i + 0.5) / scale - 0.5;
                    };
            if (transform.equals("tf_crop_and_resize") && (x < 0 || x > in - 1)) {
                outside[i] = true;
                for (int t = 0; t < width; t++) {
                    index[t][i] = 0;
                    weight[t][i] = 0;
                }
                continue;
            }
            // The reference takes the left neighbour with a ratio in (0, 1]: an integer
            // coordinate is the right tap at ratio 1.
            long left = (long) Math.ceil(x) - 1;
            double ratio = x - left;
            double[] c;
            long first;
            if (width == 1) {
                boolean right =
                        ratio == 1
                                || switch (nearest) {
                                    case "round_prefer_ceil" -> ratio >= 0.5;
                                    case "floor" -> false;
                                    case "ceil" -> true;
                                    default -> ratio > 0.5;
                                };
                c = new double[] {1};
                first = right ? left + 1 : left;
            } else if (width == 2) {
                c = new double[] {1 - ratio, ratio};
                first = left;
            } else {
                c = cubic(ratio, a);
                first = left - 1;
            }
            double sum = 0;
            for (int t = 0; t < width; t++) {
                long j = first + t;
                if (excludeOutside && (j < 0 || j >= in)) {
                    c[t] = 0;
                }
                sum += c[t];
            }
            for (int t = 0; t < width; t++) {
                long j = first + t;
                index[t][i] = Math.min(Math.max(j, 0), in - 1);
                weight[t][i] = excludeOutside ? c[t] / sum : c[t];
            }
        }
        return new Taps(index, weight, outside);
    }

    private static double[] cubic(double r, double a) {
        double s = 1 - r;
        return new double[] {
            ((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
            ((a + 2) * r - (a + 3)) * r * r + 1,
            ((a + 2) * s - (a + 3)) * s * s + 1,
            ((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a
        };
    }

    private static NDArray resample(
            NDArray x, int axis, Taps taps, double extrapolation, NDManager manager) {
        long[] xs = x.getShape().getShape();
        int out = taps.outside().length;
        long[] ys = xs.clone();
        ys[axis] = out;
        long[] along = new long[xs.length];
        Arrays.fill(along, 1);
        along[axis] = out;
        Shape target = new Shape(ys);
        NDArray y = null;
        for (int t = 0; t < taps.index().length; t++) {
            NDArray index =
                    manager.create(taps.index()[t], new Shape(along)).broadcast(target).duplicate();
            NDArray picked = x.gather(index, axis);
            if (taps.index().length == 1 && !anyOutside(taps)) {
                return picked;
            }
            NDArray w =
                    manager.create(taps.weight()[t], new Shape(along))
                            .toType(x.getDataType(), false);
            NDArray term = picked.mul(w);
            y = y == null ? term : y.add(term);
        }
        if (anyOutside(taps)) {
            boolean[] mask = taps.outside();
            NDArray m = manager.create(mask, new Shape(along));
            NDArray fill =
                    manager.full(target, (float) extrapolation).toType(x.getDataType(), false);
            y = Elementwise.where(m, fill, y);
        }
        return y;
    }

    private static boolean anyOutside(Taps taps) {
        for (boolean b : taps.outside()) {
            if (b) {
                return true;
            }
        }
        return false;
    }
}
