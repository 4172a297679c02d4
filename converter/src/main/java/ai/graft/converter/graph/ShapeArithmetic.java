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
     * @throws IllegalArgumentException when the product does not fit in a long (a hostile shape
     *     must not wrap around to a small size)
     */
    public static long product(long[] shape, int from, int to) {
        long p = 1;
        for (int i = from; i < to; i++) {
            if (shape[i] < 0) {
                return -1;
            }
            try {
                p = Math.multiplyExact(p, shape[i]);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(
                        "Shape "
                                + Arrays.toString(shape)
                                + " has more elements than a long counts");
            }
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
     * @throws IllegalArgumentException when ONNX refuses the request: a dimension below -1, more
     *     than one -1, a 0 to copy beyond the input's rank, a -1 beside a dimension of size 0
     *     (whose size any value would fit), or a -1 that no whole number satisfies
     */
    public static long[] reshape(long[] in, long[] requested, boolean allowZero) {
        long[] out = requested.clone();
        int infer = -1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] < -1 || out[i] == -1 && infer >= 0) {
                throw new IllegalArgumentException(
                        reshapeMessage(in, requested)
                                + ": dimensions must be at least -1, with at most one -1");
            }
            if (out[i] == 0 && !allowZero && in != null && i >= in.length) {
                throw new IllegalArgumentException(
                        reshapeMessage(in, requested)
                                + ": the 0 at position "
                                + i
                                + " has no input dimension to copy");
            }
            if (out[i] == 0 && !allowZero) {
                out[i] = in == null ? -1 : in[i];
            } else if (out[i] == -1) {
                infer = i;
            }
        }
        if (infer < 0) {
            return out;
        }
        long[] others = out.clone();
        others[infer] = 1;
        if (Arrays.stream(others).anyMatch(d -> d == 0)) {
            throw new IllegalArgumentException(
                    reshapeMessage(in, requested)
                            + ": -1 cannot be inferred beside a dimension of size 0");
        }
        long rest = product(others, 0, others.length);
        long total = in == null ? -1 : product(in, 0, in.length);
        if (total >= 0 && rest > 0 && total % rest != 0) {
            throw new IllegalArgumentException(
                    reshapeMessage(in, requested)
                            + ": "
                            + total
                            + " elements are not a whole number of blocks of "
                            + rest);
        }
        out[infer] = total < 0 || rest < 0 ? -1 : total / rest;
        return out;
    }

    private static String reshapeMessage(long[] in, long[] requested) {
        return "Cannot reshape "
                + (in == null ? "a tensor of unknown shape" : Arrays.toString(in))
                + " to "
                + Arrays.toString(requested);
    }

    /**
     * The shape Flatten produces.
     *
     * @param shape the input's shape, possibly with unknown dimensions
     * @param axis the {@code axis} attribute, in {@code [-rank, rank]}
     * @return {@code [product before axis, product from axis]}, -1 where unknown
     * @throws IllegalArgumentException if the axis is out of range
     */
    public static long[] flatten(long[] shape, long axis) {
        if (axis < -shape.length || axis > shape.length) {
            throw new IllegalArgumentException(
                    "Flatten axis " + axis + " out of range for rank " + shape.length);
        }
        int a = (int) (axis < 0 ? axis + shape.length : axis);
        return new long[] {product(shape, 0, a), product(shape, a, shape.length)};
    }

    /**
     * The shape Squeeze produces.
     *
     * @param shape the input's shape, possibly with unknown dimensions
     * @param axes the axes to remove, or {@code null} for every dimension of size 1
     * @return the shape
     * @throws IllegalArgumentException if an axis is out of range, repeated, or of a known size
     *     other than 1
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
                int i = axis(a, rank);
                if (drop[i] || shape[i] > 1 || shape[i] == 0) {
                    throw new IllegalArgumentException(
                            "Cannot squeeze axes "
                                    + Arrays.toString(axes)
                                    + " of "
                                    + Arrays.toString(shape)
                                    + ": axis "
                                    + a
                                    + " is repeated or not of size 1");
                }
                drop[i] = true;
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
     * @throws IllegalArgumentException if an axis is out of range or repeated
     */
    public static long[] unsqueeze(long[] shape, long[] axes) {
        int rank = shape.length + axes.length;
        boolean[] inserted = new boolean[rank];
        for (long a : axes) {
            int i = axis(a, rank);
            if (inserted[i]) {
                throw new IllegalArgumentException(
                        "Cannot unsqueeze "
                                + Arrays.toString(shape)
                                + ": axis "
                                + a
                                + " repeated in "
                                + Arrays.toString(axes));
            }
            inserted[i] = true;
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
     * @param indices the indices, in {@code [-size, size)} of the axis, negative counting from its
     *     end
     * @return one index per output element, in row-major order
     * @throws IllegalArgumentException if an index is out of range
     */
    public static int[] gatherIndex(long[] data, long axis, long[] indices) {
        int a = axis(axis, data.length);
        long outer = product(data, 0, a);
        long dim = data[a];
        long inner = product(data, a + 1, data.length);
        for (long i : indices) {
            if (i < -dim || i >= dim) {
                throw new IllegalArgumentException(
                        "Gather index "
                                + i
                                + " out of range ["
                                + -dim
                                + ", "
                                + (dim - 1)
                                + "] for axis "
                                + axis
                                + " of "
                                + Arrays.toString(data));
            }
        }
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
     * @param step the step, not 0; any other value, however large
     * @return the range
     * @throws IllegalArgumentException if the step is 0
     */
    public static SliceRange slice(long dim, long start, long end, long step) {
        if (step == 0) {
            throw new IllegalArgumentException(
                    "Slice step must not be 0 (axis of size " + dim + ")");
        }
        long s = start < 0 ? start + dim : start;
        long e = end < 0 ? end + dim : end;
        long count;
        // Counts are ceil(distance / |step|) written so that no step, however large, overflows.
        if (step > 0) {
            s = Math.min(Math.max(s, 0), dim);
            e = Math.min(Math.max(e, 0), dim);
            count = e > s ? (e - s - 1) / step + 1 : 0;
        } else {
            // ONNX clamps a backward start to [0, dim - 1] (-1 only for an empty axis).
            s = Math.min(Math.max(s, 0), dim - 1);
            e = Math.min(Math.max(e, -1), dim - 1);
            count = s > e ? 1 - (s - e - 1) / step : 0;
        }
        return new SliceRange(s, step, count);
    }

    private static int clamp(long axis, int rank) {
        long a = axis < 0 ? axis + rank : axis;
        return (int) Math.max(0, Math.min(rank, a));
    }
}
