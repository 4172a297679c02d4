package ai.graft.trainer.exec;

import static ai.graft.converter.graph.ShapeArithmetic.axis;
import static ai.graft.converter.graph.ShapeArithmetic.product;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * Operators that index, count or rearrange: {@code Range}, {@code ArgMax}/{@code ArgMin}, {@code
 * Hardmax}, {@code CumSum}, {@code Trilu}, {@code GatherElements}, {@code DepthToSpace}, {@code
 * SpaceToDepth}, {@code TopK}, {@code OneHot} and {@code EyeLike}.
 */
final class Indexing {
    private Indexing() {}

    /** The largest Range this executor computes in Java memory. */
    private static final long MAX_RANGE = 1 << 24;

    /** {@code Range(start, limit, delta)}, computed in Java: it usually feeds shapes. */
    static HostTensor range(Node n, HostTensor start, HostTensor limit, HostTensor delta) {
        double s = start.doubleAt(0);
        double l = limit.doubleAt(0);
        double d = delta.doubleAt(0);
        if (d == 0) {
            throw new IllegalArgumentException(n.describe() + ": delta is 0");
        }
        double count = Math.max(Math.ceil((l - s) / d), 0);
        if (count > MAX_RANGE) {
            throw new UnsupportedOperatorException(
                    n.describe() + ": a range of " + (long) count + " values");
        }
        int size = (int) count;
        long[] shape = {size};
        if (start.isFloat()) {
            float[] v = new float[size];
            float acc = (float) s;
            for (int k = 0; k < size; k++) {
                v[k] = acc;
                acc += (float) d;
            }
            return HostTensor.ofFloats(shape, v);
        }
        long[] v = new long[size];
        for (int k = 0; k < size; k++) {
            v[k] = start.longAt(0) + k * delta.longAt(0);
        }
        return HostTensor.ofLongs(start.type, shape, v);
    }

    /** {@code ArgMax}/{@code ArgMin}: int64 indices, first or last of equal extremes. */
    static NDArray argExtreme(Node n, NDArray x) {
        long[] xs = x.getShape().getShape();
        int axis = axis(n.i("axis", 0), xs.length);
        boolean keep = n.i("keepdims", 1) != 0;
        boolean last = n.i("select_last_index", 0) != 0;
        NDArray data = last ? x.flip(axis) : x;
        NDArray index = n.op.equals("ArgMax") ? data.argMax(axis) : data.argMin(axis);
        if (last) {
            index = index.neg().add(xs[axis] - 1);
        }
        long[] shape = xs.clone();
        shape[axis] = 1;
        index = index.toType(DataType.INT64, false);
        return keep ? index.reshape(new Shape(shape)) : index;
    }

    /** {@code Hardmax}: one at the first maximum along the axis, zero elsewhere. */
    static NDArray hardmax(Node n, NDArray x, Ops.Context ctx) {
        Shape original = x.getShape();
        long[] xs = original.getShape();
        int rank = xs.length;
        int axis;
        NDArray data = x;
        if (ctx.opset() < 13) {
            // Before opset 13 the input is seen as 2-D: [prod(dims < axis), prod(dims >= axis)].
            int a = axis(n.i("axis", 1), rank);
            data = x.reshape(product(xs, 0, a), product(xs, a, rank));
            axis = 1;
        } else {
            axis = axis(n.i("axis", -1), rank);
        }
        long[] ds = data.getShape().getShape();
        NDArray index = data.argMax(axis).toType(DataType.INT64, false);
        long[] keep = ds.clone();
        keep[axis] = 1;
        long[] along = new long[ds.length];
        Arrays.fill(along, 1);
        along[axis] = ds[axis];
        NDArray positions = ctx.manager().arange(0, ds[axis], 1, DataType.INT64).reshape(along);
        NDArray y = positions.eq(index.reshape(new Shape(keep))).toType(x.getDataType(), false);
        return y.reshape(original);
    }

    /** {@code CumSum(x, axis)} with {@code exclusive} and {@code reverse}. */
    static NDArray cumSum(Node n, NDArray x, double axisValue) {
        int axis = axis((long) axisValue, x.getShape().dimension());
        boolean exclusive = n.i("exclusive", 0) != 0;
        boolean reverse = n.i("reverse", 0) != 0;
        NDArray data = reverse ? x.flip(axis) : x;
        NDArray y = data.cumSum(axis);
        if (exclusive) {
            // Shift by one along the axis: a zero first, the last sum dropped.
            long dim = data.getShape().get(axis);
            long[] begin = new long[data.getShape().dimension()];
            long[] none = new long[begin.length];
            begin[axis] = 1;
            NDArray shifted = padAxes(y, begin, none);
            y = shifted.get(new NDIndex().addAllDim(axis).addSliceDim(0, dim));
        }
        y = reverse ? y.flip(axis) : y;
        return y.getDataType() == x.getDataType() ? y : y.toType(x.getDataType(), false);
    }

    /** {@code Trilu(x, k)}: the upper or lower triangle of the last two axes. */
    static NDArray trilu(Node n, NDArray x, double kValue) {
        long k = (long) kValue;
        boolean upper = n.i("upper", 1) != 0;
        long[] xs = x.getShape().getShape();
        int rank = xs.length;
        if (rank < 2) {
            throw new IllegalArgumentException(n.describe() + ": the input must have rank >= 2");
        }
        long rows = xs[rank - 2];
        long cols = xs[rank - 1];
        boolean[] keep = new boolean[Math.toIntExact(rows * cols)];
        for (long i = 0; i < rows; i++) {
            for (long j = 0; j < cols; j++) {
                keep[(int) (i * cols + j)] = upper ? j - i >= k : j - i <= k;
            }
        }
        NDArray mask = x.getManager().create(keep, new Shape(rows, cols));
        return Elementwise.where(mask, x, x.zerosLike());
    }

    /** {@code GatherElements(data, indices)} along {@code axis}, negative indices counted back. */
    static NDArray gatherElements(Node n, NDArray data, NDArray indices) {
        int axis = axis(n.i("axis", 0), data.getShape().dimension());
        long dim = data.getShape().get(axis);
        NDArray index = indices.toType(DataType.INT64, false);
        index = Elementwise.where(index.lt(0), index.add(dim), index);
        return data.gather(index, axis);
    }

    /** {@code DepthToSpace} (modes DCR and CRD) and {@code SpaceToDepth} on NCHW input. */
    static NDArray depthSpace(Node n, NDArray x) {
        long[] s = x.getShape().getShape();
        if (s.length != 4) {
            throw new UnsupportedOperatorException(
                    n.describe() + ": a rank-" + s.length + " input; expected NCHW");
        }
        long b = n.i("blocksize", 0);
        if (b <= 0) {
            throw new IllegalArgumentException(n.describe() + ": blocksize must be positive");
        }
        long c = s[1];
        long h = s[2];
        long w = s[3];
        if (n.op.equals("SpaceToDepth")) {
            return x.reshape(s[0], c, h / b, b, w / b, b)
                    .transpose(0, 3, 5, 1, 2, 4)
                    .reshape(s[0], c * b * b, h / b, w / b);
        }
        String mode = n.s("mode", "DCR");
        if (mode.equals("DCR")) {
            return x.reshape(s[0], b, b, c / (b * b), h, w)
                    .transpose(0, 3, 4, 1, 5, 2)
                    .reshape(s[0], c / (b * b), h * b, w * b);
        }
        if (mode.equals("CRD")) {
            return x.reshape(s[0], c / (b * b), b, b, h, w)
                    .transpose(0, 1, 4, 2, 5, 3)
                    .reshape(s[0], c / (b * b), h * b, w * b);
        }
        throw new UnsupportedOperatorException(n.describe() + ": mode='" + mode + "'");
    }

    /** {@code TopK(X, K) -> Values, Indices} along {@code axis}. */
    static Object[] topK(Node n, NDArray x, long k) {
        int axis = axis(n.i("axis", -1), x.getShape().dimension());
        boolean largest = n.i("largest", 1) != 0;
        // With sorted=0 the order is left to the implementation; sorted order is one.
        NDList r = x.topK(Math.toIntExact(k), axis, largest, true);
        return new Object[] {r.get(0), r.get(1).toType(DataType.INT64, false)};
    }

    /** {@code OneHot(indices, depth, values[off, on])}, negative indices counted back. */
    static NDArray oneHot(Node n, NDArray indices, long depth, NDArray values, Ops.Context ctx) {
        int rank = indices.getShape().dimension() + 1;
        int axis = axis(n.i("axis", -1), rank);
        NDArray idx = indices.toType(DataType.INT64, false);
        idx = Elementwise.where(idx.lt(0), idx.add(depth), idx);
        long[] along = new long[rank];
        Arrays.fill(along, 1);
        along[axis] = depth;
        NDArray positions = ctx.manager().arange(0, depth, 1, DataType.INT64).reshape(along);
        NDArray hot = positions.eq(idx.expandDims(axis));
        NDArray off = values.get(0);
        NDArray on = values.get(1);
        Shape shape = hot.getShape();
        return Elementwise.where(hot, on.broadcast(shape), off.broadcast(shape));
    }

    /** {@code EyeLike(x)}: ones on diagonal {@code k} of a 2-D array shaped like x. */
    static NDArray eyeLike(Node n, NDArray x) {
        long[] s = x.getShape().getShape();
        if (s.length != 2) {
            throw new IllegalArgumentException(n.describe() + ": the input must be 2-D");
        }
        long k = n.i("k", 0);
        boolean[] diagonal = new boolean[Math.toIntExact(s[0] * s[1])];
        for (long i = 0; i < s[0]; i++) {
            long j = i + k;
            if (j >= 0 && j < s[1]) {
                diagonal[(int) (i * s[1] + j)] = true;
            }
        }
        DataType type = n.has("dtype") ? Ops.djlType(n.i("dtype", 1), n) : x.getDataType();
        return x.getManager().create(diagonal, new Shape(s)).toType(type, false);
    }

    private static NDArray padAxes(NDArray x, long[] begin, long[] end) {
        int k = begin.length;
        long[] p = new long[2 * k];
        for (int j = 0; j < k; j++) {
            int d = k - 1 - j;
            p[2 * j] = begin[d];
            p[2 * j + 1] = end[d];
        }
        return x.pad(new Shape(p), 0);
    }
}
