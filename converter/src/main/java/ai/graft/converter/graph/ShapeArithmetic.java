package ai.graft.converter.graph;

import java.util.Arrays;

/**
 * The arithmetic of ONNX's shape operators (Shape, Reshape, Flatten, Squeeze, Unsqueeze, Gather,
 * Slice, broadcasting and the integer operators that exporters apply to shapes), written once for
 * every part of Graft that computes shapes: {@link ShapeInference} (shapes ahead of time, where a
 * dimension may be unknown), {@link ShapeFolder} (shape values ahead of time) and the trainer's
 * executor (values at run time).
 *
 * <p>A dimension of -1 is unknown. Methods that take shapes with unknown dimensions say so; the
 * others expect known ones. Axes may be negative (counted from the end), as in ONNX.
 *
 * <pre>{@code
 * ShapeArithmetic.reshape(new long[] {2, 3, 4}, new long[] {0, -1}, false);  // {2, 12}
 * ShapeArithmetic.broadcast(new long[] {8, 1, 6}, new long[] {7, 1});      // {8, 7, 6}
 * }</pre>
 *
 * <p>Thread-safe: stateless.
 */
public final class ShapeArithmetic {
    private ShapeArithmetic() {}

    /**
     * The range one axis of a Slice reads, after ONNX's clamping.
     *
     * @param start the first index read
     * @param step the step (negative reads backwards)
     * @param count how many elements are read
     */
    public record SliceRange(long start, long step, long count) {}

    /**
     * The product of some dimensions.
     *
     * @param shape the shape, possibly with unknown dimensions
     * @param from the first dimension
     * @param to one past the last dimension
     * @return the product (1 for none), or -1 when one of them is unknown
     */
    public static long product(long[] shape, int from, int to) {
        long p = 1;
        for (int i = from; i < to; i++) {
            if (shape[i] < 0) {
                return -1;
            }
            p *= shape[i];
        }
        return p;
    }

    /**
     * An axis counted from the start.
     *
     * @param axis the axis, negative counting from the end
     * @param rank the rank
     * @return the axis in {@code [0, rank)}
     * @throws IllegalArgumentException if it is out of range
     */
    public static int axis(long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException("Axis " + axis + " out of range for rank " + rank);
        }
        return (int) a;
    }

    /**
     * The shape of a multidirectional (numpy) broadcast.
     *
     * @param a one shape, possibly with unknown dimensions
     * @param b the other
     * @return the broadcast shape (an unknown dimension against 1 stays unknown), or {@code null}
     *     when either is null or two known dimensions differ and neither is 1
     */
    public static long[] broadcast(long[] a, long[] b) {
        if (a == null || b == null) {
            return null;
        }
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long x = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            long y = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (x == 1) {
                out[i] = y;
            } else if (y == 1 || x == y) {
                out[i] = x;
            } else if (x < 0 || y < 0) {
                out[i] = Math.max(x, y) > 1 ? Math.max(x, y) : -1;
            } else {
                return null;
            }
        }
        return out;
    }

    /**
     * For each element of a broadcast result, the flat index of the element of one operand that it
     * reads.
     *
     * @param shape the operand's known shape
     * @param target the broadcast shape ({@link #broadcast})
     * @return one index per element of {@code target}, in row-major order
     */
    public static int[] broadcastIndex(long[] shape, long[] target) {
        int size = Math.toIntExact(product(target, 0, target.length));
        int[] out = new int[size];
        int offset = target.length - shape.length;
        for (int k = 0; k < size; k++) {
            long rem = k;
            long idx = 0;
            long stride = 1;
            for (int d = target.length - 1; d >= 0; d--) {
                long coord = rem % target[d];
                rem /= target[d];
                int sd = d - offset;
                if (sd >= 0) {
                    if (shape[sd] != 1) {
                        idx += coord * stride;
                    }
                    stride *= shape[sd];
                }
            }
            out[k] = (int) idx;
        }
        return out;
    }

    /**
     * An integer operator on two elements, as ONNX Runtime computes it (division truncates).
     *
     * @param op Add, Sub, Mul or Div
     * @param x the left operand
     * @param y the right operand
     * @return the result
     * @throws ArithmeticException for a division by zero
     * @throws IllegalArgumentException for another operator
     */
    public static long apply(String op, long x, long y) {
        return switch (op) {
            case "Add" -> x + y;
            case "Sub" -> x - y;
            case "Mul" -> x * y;
            case "Div" -> x / y;
            default -> throw new IllegalArgumentException("Not an arithmetic operator: " + op);
        };
    }

    /**
     * What the Shape operator returns.
     *
     * @param shape the input's shape, possibly with unknown dimensions
     * @param start the {@code start} attribute (0 when absent), clamped to the rank
     * @param end the {@code end} attribute (the rank when absent), clamped to the rank
     * @return the dimensions from {@code start} to {@code end}
     */
    public static long[] shapeOf(long[] shape, long start, long end) {
        int s = clamp(start, shape.length);
        int e = clamp(end, shape.length);
        return Arrays.copyOfRange(shape, s, Math.max(s, e));
    }

    /**
     * The shape Reshape produces: 0 copies the input's dimension (unless {@code allowZero}), -1 is
     * inferred from the element count.
     *
     * @param in the input's shape, possibly with unknown dimensions, or {@code null} if unknown
     * @param requested the requested shape
     * @param allowZero the {@code allowzero} attribute
     * @return the shape, with -1 where it depends on an unknown dimension
     */
    public static long[] reshape(long[] in, long[] requested, boolean allowZero) {
        long[] out = requested.clone();
        int infer = -1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == 0 && !allowZero) {
                out[i] = in != null && i < in.length ? in[i] : -1;
            } else if (out[i] == -1) {
                infer = i;
            }
        }
        if (infer >= 0) {
            long total = in == null ? -1 : product(in, 0, in.length);
            long rest = 1;
            for (int i = 0; i < out.length; i++) {
                if (i != infer) {
                    rest = out[i] < 0 || rest < 0 ? -1 : rest * out[i];
                }
            }
            out[infer] = total < 0 || rest < 0 ? -1 : rest == 0 ? 0 : total / rest;
        }
        return out;
    }

    /**
     * The shape Flatten produces.
     *
     * @param shape the input's shape, possibly with unknown dimensions
     * @param axis the {@code axis} attribute
     * @return {@code [product before axis, product from axis]}, -1 where unknown
     */
    public static long[] flatten(long[] shape, long axis) {
        int a = (int) (axis < 0 ? axis + shape.length : axis);
        return new long[] {product(shape, 0, a), product(shape, a, shape.length)};
    }

    /**
     * The shape Squeeze produces.
     *
     * @param shape the input's shape, possibly with unknown dimensions
     * @param axes the axes to remove, or {@code null} for every dimension of size 1
     * @return the shape
     */
    public static long[] squeeze(long[] shape, long[] axes) {
        int rank = shape.length;
        boolean[] drop = new boolean[rank];
        if (axes == null) {
            for (int i = 0; i < rank; i++) {
                drop[i] = shape[i] == 1;
            }
        } else {
            for (long a : axes) {
                drop[axis(a, rank)] = true;
            }
        }
        long[] out = new long[rank];
        int j = 0;
        for (int i = 0; i < rank; i++) {
            if (!drop[i]) {
                out[j++] = shape[i];
            }
        }
        return Arrays.copyOf(out, j);
    }

    /**
     * The shape Unsqueeze produces.
     *
     * @param shape the input's shape, possibly with unknown dimensions
     * @param axes the axes of the new dimensions, in the output's rank
     * @return the shape
     */
    public static long[] unsqueeze(long[] shape, long[] axes) {
        int rank = shape.length + axes.length;
        boolean[] inserted = new boolean[rank];
        for (long a : axes) {
            inserted[axis(a, rank)] = true;
        }
        long[] out = new long[rank];
        for (int i = 0, j = 0; i < rank; i++) {
            out[i] = inserted[i] ? 1 : shape[j++];
        }
        return out;
    }

    /**
     * The shape Gather produces.
     *
     * @param data the data's shape, possibly with unknown dimensions
     * @param axis the {@code axis} attribute
     * @param indices the indices' shape
     * @return the data's shape with the axis replaced by the indices' shape
     */
    public static long[] gather(long[] data, long axis, long[] indices) {
        int a = axis(axis, data.length);
        long[] out = new long[data.length - 1 + indices.length];
        System.arraycopy(data, 0, out, 0, a);
        System.arraycopy(indices, 0, out, a, indices.length);
        System.arraycopy(data, a + 1, out, a + indices.length, data.length - a - 1);
        return out;
    }

    /**
     * For each element that Gather produces, the flat index of the data element it copies.
     *
     * @param data the data's known shape
     * @param axis the {@code axis} attribute
     * @param indices the indices, negative counting from the end of the axis
     * @return one index per output element, in row-major order
     */
    public static int[] gatherIndex(long[] data, long axis, long[] indices) {
        int a = axis(axis, data.length);
        long outer = product(data, 0, a);
        long dim = data[a];
        long inner = product(data, a + 1, data.length);
        int[] out = new int[Math.toIntExact(outer * indices.length * inner)];
        int pos = 0;
        for (long o = 0; o < outer; o++) {
            for (long i : indices) {
                long j = i < 0 ? i + dim : i;
                for (long k = 0; k < inner; k++) {
                    out[pos++] = (int) ((o * dim + j) * inner + k);
                }
            }
        }
        return out;
    }

    /**
     * The range that Slice reads along one axis, with ONNX's clamping of starts and ends.
     *
     * @param dim the axis' known size
     * @param start the start, negative counting from the end
     * @param end the end (exclusive), negative counting from the end; may be beyond the axis
     * @param step the step, not 0
     * @return the range
     */
    public static SliceRange slice(long dim, long start, long end, long step) {
        long s = start < 0 ? start + dim : start;
        long e = end < 0 ? end + dim : end;
        long count;
        if (step > 0) {
            s = Math.max(0, Math.min(s, dim));
            e = Math.max(0, Math.min(e, dim));
            count = Math.max(0, (e - s + step - 1) / step);
        } else {
            s = Math.max(-1, Math.min(s, dim - 1));
            e = Math.max(-1, Math.min(e, dim - 1));
            count = Math.max(0, (s - e + (-step) - 1) / (-step));
        }
        return new SliceRange(s, step, count);
    }

    private static int clamp(long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        return (int) Math.max(0, Math.min(rank, a));
    }
}
