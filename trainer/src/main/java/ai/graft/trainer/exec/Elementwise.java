package ai.graft.trainer.exec;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.graft.converter.graph.ShapeArithmetic;
import java.util.Arrays;
import java.util.Set;

/**
 * Elementwise operators beyond the core arithmetic: rounding, trigonometry, activations,
 * comparisons, logic, {@code Where}, {@code Mod} and {@code PRelu}. Each is composed of DJL
 * operations so that autograd differentiates those that have gradients (rounding and comparisons
 * have none, as in ONNX).
 */
final class Elementwise {
    private Elementwise() {}

    static final Set<String> UNARY =
            Set.of(
                    "Floor",
                    "Ceil",
                    "Round",
                    "Sign",
                    "Sin",
                    "Cos",
                    "Tan",
                    "Asin",
                    "Acos",
                    "Atan",
                    "Sinh",
                    "Cosh",
                    "Asinh",
                    "Acosh",
                    "Atanh",
                    "Softsign",
                    "Selu",
                    "Celu",
                    "ThresholdedRelu",
                    "Shrink",
                    "Gelu",
                    "Mish",
                    "IsNaN",
                    "IsInf",
                    "Not");

    static final Set<String> COMPARISONS =
            Set.of("Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual", "And", "Or", "Xor");

    /** Runs one of {@link #UNARY}. */
    static NDArray unary(Node n, NDArray x) {
        switch (n.op) {
            case "Floor":
                return x.floor();
            case "Ceil":
                return x.ceil();
            case "Round":
                // PyTorch rounds half to even, as ONNX asks.
                return x.round();
            case "Sign":
                return x.sign();
            case "Sin":
                return x.sin();
            case "Cos":
                return x.cos();
            case "Tan":
                return x.tan();
            case "Asin":
                return x.asin();
            case "Acos":
                return x.acos();
            case "Atan":
                return x.atan();
            case "Sinh":
                return x.sinh();
            case "Cosh":
                return x.cosh();
            case "Asinh":
                // PyTorch's engine in DJL has no asinh, acosh, atanh: their log forms.
                return x.add(x.square().add(1).sqrt()).log();
            case "Acosh":
                return x.add(x.square().sub(1).sqrt()).log();
            case "Atanh":
                return x.add(1).div(x.neg().add(1)).log().mul(0.5);
            case "Softsign":
                return x.div(x.abs().add(1));
            case "Selu":
                {
                    float alpha = n.f("alpha", 1.67326319217681884765625f);
                    float gamma = n.f("gamma", 1.05070102214813232421875f);
                    NDArray negative = x.minimum(0).exp().sub(1).mul(alpha);
                    return x.maximum(0).add(negative).mul(gamma);
                }
            case "Celu":
                {
                    float alpha = n.f("alpha", 1f);
                    NDArray negative = x.minimum(0).div(alpha).exp().sub(1).mul(alpha);
                    return x.maximum(0).add(negative);
                }
            case "ThresholdedRelu":
                return x.mul(x.gt(n.f("alpha", 1f)).toType(x.getDataType(), false));
            case "Shrink":
                {
                    float lambd = n.f("lambd", 0.5f);
                    float bias = n.f("bias", 0f);
                    DataType t = x.getDataType();
                    NDArray below = x.lt(-lambd).toType(t, false);
                    NDArray above = x.gt(lambd).toType(t, false);
                    NDArray y = x.add(bias).mul(below).add(x.sub(bias).mul(above));
                    return t.isFloating() ? y : y.toType(t, false);
                }
            case "Gelu":
                return gelu(n, x);
            case "Mish":
                return x.mul(x.getNDArrayInternal().softPlus().tanh());
            case "IsNaN":
                return x.isNaN();
            case "IsInf":
                {
                    boolean positive = n.i("detect_positive", 1) != 0;
                    boolean negative = n.i("detect_negative", 1) != 0;
                    NDArray inf = x.isInfinite();
                    if (positive && negative) {
                        return inf;
                    }
                    if (!positive && !negative) {
                        return inf.logicalAnd(inf.logicalNot());
                    }
                    return inf.logicalAnd(positive ? x.gt(0) : x.lt(0));
                }
            case "Not":
                return x.logicalNot();
            default:
                throw new UnsupportedOperatorException(
                        n.describe() + ": operator " + n.op + " is not supported");
        }
    }

    private static NDArray gelu(Node n, NDArray x) {
        String approximate = n.s("approximate", "none");
        switch (approximate) {
            case "none":
                return x.mul(x.div(Math.sqrt(2)).erf().add(1)).mul(0.5);
            case "tanh":
                {
                    NDArray inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
                    return x.mul(inner.tanh().add(1)).mul(0.5);
                }
            default:
                throw new UnsupportedOperatorException(
                        n.describe()
                                + ": approximate='"
                                + approximate
                                + "' is not supported; expected 'none' or 'tanh'");
        }
    }

    /** Runs one of {@link #COMPARISONS}: a boolean result. */
    static NDArray compare(Node n, NDArray a, NDArray b) {
        switch (n.op) {
            case "Equal":
                return a.eq(b);
            case "Greater":
                return a.gt(b);
            case "Less":
                return a.lt(b);
            case "GreaterOrEqual":
                return a.gte(b);
            case "LessOrEqual":
                return a.lte(b);
            case "And":
                return a.logicalAnd(b);
            case "Or":
                return a.logicalOr(b);
            default:
                return a.logicalXor(b);
        }
    }

    /** {@code Where(condition, x, y)}, broadcast as ONNX does (DJL's needs equal shapes). */
    static NDArray where(NDArray condition, NDArray x, NDArray y) {
        long[] shape =
                broadcast(
                        broadcast(condition.getShape().getShape(), x.getShape().getShape()),
                        y.getShape().getShape());
        if (y.getDataType() != x.getDataType()) {
            y = y.toType(x.getDataType(), false);
        }
        Shape s = new Shape(shape);
        return NDArrays.where(
                expand(condition.toType(DataType.BOOLEAN, false), s), expand(x, s), expand(y, s));
    }

    /**
     * {@code Mod}: the sign of the divisor ({@code fmod=0}, Python's {@code %}) or of the dividend
     * ({@code fmod=1}, C's {@code fmod}).
     */
    static NDArray mod(Node n, NDArray x, NDArray y) {
        NDArray r = x.mod(y);
        if (n.i("fmod", 0) == 0) {
            return r;
        }
        // remainder has the divisor's sign; fmod differs by one divisor where the signs differ.
        NDArray fix = r.neq(0).logicalAnd(r.sign().neq(expand(x, r.getShape()).sign()));
        return where(fix, r.sub(y), r);
    }

    /** {@code PRelu}: {@code max(0, x) + slope * min(0, x)}, the slope broadcast to x. */
    static NDArray prelu(NDArray x, NDArray slope) {
        return x.maximum(0).add(x.minimum(0).mul(slope));
    }

    static NDArray expand(NDArray a, Shape shape) {
        return a.getShape().equals(shape) ? a : a.broadcast(shape);
    }

    static long[] broadcast(long[] a, long[] b) {
        long[] s = ShapeArithmetic.broadcast(a, b);
        if (s == null) {
            throw new IllegalArgumentException(
                    "Cannot broadcast " + Arrays.toString(a) + " with " + Arrays.toString(b));
        }
        return s;
    }
}
