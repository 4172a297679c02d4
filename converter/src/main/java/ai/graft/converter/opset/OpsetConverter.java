package ai.graft.converter.opset;

import static ai.graft.converter.graph.Attributes.floats;
import static ai.graft.converter.graph.Attributes.remove;
import static ai.graft.converter.graph.Attributes.set;
import static ai.graft.converter.opset.OpsetNodes.axis;
import static ai.graft.converter.opset.OpsetNodes.floatsTensor;
import static ai.graft.converter.opset.OpsetNodes.label;
import static ai.graft.converter.opset.OpsetNodes.nodeName;
import static ai.graft.converter.opset.OpsetNodes.scalar;

import ai.graft.converter.OnnxModels;
import ai.graft.converter.OnnxTensors;
import ai.graft.converter.ParityChecker;
import ai.graft.converter.UnsupportedOperatorException;
import ai.graft.converter.graph.Attributes;
import ai.graft.converter.graph.Graphs;
import ai.graft.converter.graph.ShapeFolder;
import ai.graft.converter.graph.ShapeInference;
import ai.graft.converter.graph.ValueInfos;
import ai.graft.converter.onnx.proto.OnnxProto.AttributeProto;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.OperatorSetIdProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;
import ai.graft.sdk.ModelException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Converts a model from one opset of the default ONNX domain to another, up or down, between
 * {@value OnnxModels#MIN_OPSET} and {@value OnnxModels#MAX_OPSET}, and sets the model's IR version
 * to the one ONNX released with the target opset ({@link #irVersion(int)}).
 *
 * <pre>{@code
 * ModelProto model = OnnxModels.read(Path.of("squeezenet1.1.onnx"));      // opset 7
 * ModelProto converted = OpsetConverter.convert(model, "squeezenet1.1.onnx", 17);
 * ParityReport r = ParityChecker.compare(model, "opset 7", converted, "opset 17",
 *         ParityOptions.defaults());                                      // check, then keep
 * OnnxModels.write(converted, Path.of("squeezenet1.1-opset17.onnx"));
 * }</pre>
 *
 * <p>Each node is rewritten on its own, from the operator schema of the source opset to the one of
 * the target opset. Only the operators in the table below are known; a node of any other operator,
 * or of another domain, is refused ({@link #checkOperators}). A node that cannot be expressed in
 * the target opset (an operator introduced later, an attribute value the older schema lacks, a
 * value that must be constant but is computed) is refused with an {@link
 * UnsupportedOperatorException} naming the node, the operator and the opset: the converter never
 * writes an approximation. Decisions that depend on shapes (the rank of a tensor, the size of an
 * axis) use the shapes inferred from the declared input shapes; where one is unknown and matters,
 * the node is refused. Values that exporters compute from shapes at run time (Shape, Gather,
 * Unsqueeze, Concat and integer arithmetic) count as constants where the declared input shapes fix
 * them at every batch size. Element types that a newer opset added to an operator (for example int8
 * for {@code MaxPool} at 12) are not checked node by node; ONNX Runtime refuses such a model when
 * it loads it, which is why a conversion must be verified by {@link ParityChecker} before it is
 * kept (as {@code graft convert --opset} does).
 *
 * <p>The facts below come from ONNX's operator changelog (the schema versions declared per opset in
 * {@code onnx/defs/operator_sets.h}); "versions" lists the opsets in which each operator's schema
 * changed, up to 21.
 *
 * <table>
 * <caption>Operators known to the converter</caption>
 * <tr><th>Operator</th><th>Versions</th><th>What changes between opsets 7 and 21, and what the
 *     converter does</th></tr>
 * <tr><td>Abs, Neg, Reciprocal, Floor, Ceil, Sqrt, Exp, Log, Tanh, Sigmoid</td><td>1, 6, 13</td>
 *     <td>element types only: copied.</td></tr>
 * <tr><td>Relu</td><td>1, 6, 13, 14</td><td>types only.</td></tr>
 * <tr><td>LeakyRelu, PRelu</td><td>1, 6, (7, 9,) 16</td><td>types only (PRelu's unidirectional
 *     slope broadcast dates from 7).</td></tr>
 * <tr><td>Elu, Selu, HardSigmoid, Softplus, Softsign, InstanceNormalization, LpNormalization,
 *     GlobalAveragePool, GlobalMaxPool, Not</td><td>1 (6)</td><td>unchanged.</td></tr>
 * <tr><td>Sin, Cos, Tan, Asin, Acos, Atan, And, Or, Xor</td><td>7</td><td>unchanged.</td></tr>
 * <tr><td>Erf, Sign, Where, ConstantOfShape, NonZero, MeanVarianceNormalization, IsNaN</td>
 *     <td>9 (13, 16, 20, 21)</td><td>types only; refused below 9.</td></tr>
 * <tr><td>Expand</td><td>8, 13</td><td>types only; refused below 8.</td></tr>
 * <tr><td>Mod, ThresholdedRelu, IsInf</td><td>10 (13, 20)</td><td>refused below 10.</td></tr>
 * <tr><td>Range, Round</td><td>11</td><td>refused below 11.</td></tr>
 * <tr><td>Celu, GreaterOrEqual, LessOrEqual</td><td>12 (16)</td><td>refused below 12.</td></tr>
 * <tr><td>LayerNormalization</td><td>17</td><td>refused below 17.</td></tr>
 * <tr><td>Mish</td><td>18</td><td>refused below 18.</td></tr>
 * <tr><td>Gelu</td><td>20</td><td>refused below 20.</td></tr>
 * <tr><td>Add, Sub, Mul, Div</td><td>1, 6, 7, 13, 14</td><td>multidirectional broadcasting from
 *     7; types only after: copied.</td></tr>
 * <tr><td>Pow</td><td>1, 7, 12, 13, 15</td><td>types only.</td></tr>
 * <tr><td>Equal, Greater, Less</td><td>1, 7, (9, 11,) 13 (19)</td><td>types only.</td></tr>
 * <tr><td>Sum, Mean, Max, Min</td><td>1, 6, 8, (12,) 13</td><td>broadcasting from 8: below 8 the
 *     inputs' shapes must be known and equal.</td></tr>
 * <tr><td>MatMul, Tile, Size, Identity, Transpose, LRN, SpaceToDepth</td><td>1 ... 21</td>
 *     <td>types only.</td></tr>
 * <tr><td>Conv, ConvTranspose</td><td>1, 11</td><td>copied (ONNX's own version converter treats 10
 *     and 11 as compatible).</td></tr>
 * <tr><td>Gemm</td><td>1, 6, 7, 9, 11, 13</td><td>{@code C} optional from 11: below, a zero
 *     {@code C} of {@code A}'s type is added.</td></tr>
 * <tr><td>Flatten, Concat</td><td>1, (4,) 9, 11, 13 (21)</td><td>negative {@code axis} from 11:
 *     below, made non-negative with the input's rank.</td></tr>
 * <tr><td>Gather</td><td>1, 11, 13</td><td>negative indices from 11: below, constant indices are
 *     made non-negative with the axis' size; computed indices are refused.</td></tr>
 * <tr><td>ArgMax, ArgMin</td><td>1, 11, 12, 13</td><td>negative {@code axis} from 11;
 *     {@code select_last_index} from 12 (refused below when 1).</td></tr>
 * <tr><td>DepthToSpace</td><td>1, 11, 13</td><td>{@code mode} from 11: below, only DCR.</td></tr>
 * <tr><td>Softmax, LogSoftmax, Hardmax</td><td>1, 11, 13</td><td>before 13 the input is coerced
 *     to 2-D at {@code axis} (default 1) and normalized over the flattened trailing dimensions; from
 *     13 over the one {@code axis} (default -1). Where both mean the same (axis is the last, or
 *     every later dimension is 1) only {@code axis} is rewritten; upwards otherwise
 *     Flatten + op + Reshape(Shape) keeps the old meaning; downwards otherwise Transpose + op +
 *     Transpose when the rank is known, else refused.</td></tr>
 * <tr><td>Dropout</td><td>1, 6, 7, 10, 12, 13</td><td>{@code is_test} gone at 7; the mask is bool
 *     from 10 (an unused mask is dropped across 10, a used one refused); {@code ratio} attribute
 *     becomes an input at 12 ({@code training_mode} input and {@code seed} from 12: below, refused
 *     unless inference).</td></tr>
 * <tr><td>Clip</td><td>1, 6, 11, 12, 13</td><td>{@code min}/{@code max} attributes become inputs
 *     at 11 (scalars of the input's type); below 11 they must be constants.</td></tr>
 * <tr><td>Pad</td><td>1, 2, 11, 13, 18, 19, 21</td><td>{@code pads}/{@code value} attributes
 *     become {@code pads}/{@code constant_value} inputs at 11; {@code axes} input from 18 (below,
 *     expanded to all axes); {@code wrap} mode from 19 (refused below).</td></tr>
 * <tr><td>Squeeze, Unsqueeze</td><td>1, 11, 13, 21</td><td>negative axes from 11; {@code axes}
 *     attribute becomes an input at 13 (below 13 it must be constant).</td></tr>
 * <tr><td>Split</td><td>1, 2, 11, 13, 18</td><td>negative axis from 11; {@code split} attribute
 *     becomes an input at 13; {@code num_outputs} from 18 (set when no split is given; below 18,
 *     an uneven split is spelled out when the axis' size is known).</td></tr>
 * <tr><td>ReduceSum</td><td>1, 11, 13</td><td>negative axes from 11; {@code axes} attribute
 *     becomes an input, with {@code noop_with_empty_axes}, at 13.</td></tr>
 * <tr><td>ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2, ReduceLogSum,
 *     ReduceLogSumExp, ReduceSumSquare</td><td>1, 11, (12,) 13, 18 (20)</td><td>as ReduceSum, with
 *     the input form at 18.</td></tr>
 * <tr><td>Slice</td><td>1, 10, 11, 13</td><td>attributes become inputs (and {@code steps}) at 10;
 *     negative axes from 11; below 10 the inputs must be constants and steps 1.</td></tr>
 * <tr><td>Reshape</td><td>1, 5, 13, 14, 19, 21</td><td>{@code allowzero} from 14 (below, only
 *     where the shape has no 0).</td></tr>
 * <tr><td>Shape</td><td>1, 13, 15, 19, 21</td><td>{@code start}/{@code end} from 15: below, Shape
 *     followed by a Slice.</td></tr>
 * <tr><td>Cast</td><td>1, 6, 9, 13, 19, 21</td><td>string from 9, bfloat16 from 13, float8 and
 *     {@code saturate} from 19, int4 from 21: targets outside the opset are refused.</td></tr>
 * <tr><td>Constant</td><td>1, 9, 11, 12, 13, 19, 21</td><td>{@code sparse_value} from 11;
 *     {@code value_float(s)}/{@code value_int(s)} from 12 (below, written as {@code value}).</td></tr>
 * <tr><td>BatchNormalization</td><td>1, 6, 7, 9, 14, 15</td><td>{@code spatial} removed at 9
 *     (only 1 is kept); {@code training_mode} from 14; scale/mean types may differ from the input's
 *     from 15. Only the inference form (one output) is converted.</td></tr>
 * <tr><td>MaxPool</td><td>1, 8, 10, 11, 12</td><td>{@code Indices} output and
 *     {@code storage_order} from 8; {@code ceil_mode} and {@code dilations} from 10: below 10 a
 *     ceil_mode that changes the output size is replaced by end padding where the last window
 *     starts inside the input.</td></tr>
 * <tr><td>AveragePool</td><td>1, 7, 10, 11, 19</td><td>{@code ceil_mode} from 10 (below only
 *     where it changes nothing); {@code dilations} from 19.</td></tr>
 * <tr><td>Upsample, Resize</td><td>Upsample 7, 9 (deprecated at 10); Resize 10, 11, 13, 18,
 *     19</td><td>Upsample takes {@code scales} as attribute (7) then input (9) and is replaced by
 *     Resize from 10, which has Upsample's meaning at 10; from 11 Resize takes {@code roi} and
 *     {@code sizes} and a coordinate transformation: the old meaning is {@code asymmetric} with
 *     {@code floor} rounding (nearest, upsampling only). Downwards only that meaning converts;
 *     {@code antialias}, {@code axes}, {@code keep_aspect_ratio_policy} need 18,
 *     {@code half_pixel_symmetric} 19.</td></tr>
 * <tr><td>HardSwish</td><td>14</td><td>below 14 written as {@code x * HardSigmoid(x)} with
 *     alpha 1/6 and beta 0.5 (HardSwish's definition).</td></tr>
 * </table>
 *
 * <p>Thread-safe: stateless.
 */
public final class OpsetConverter {
    /** IR version released with each opset (ONNX's docs/Versioning.md), index = opset. */
    private static final int[] IR_FOR_OPSET = {
        3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 5, 6, 7, 7, 7, 8, 8, 8, 8, 9, 9, 10
    };

    private static final int STRING = TensorProto.DataType.STRING_VALUE;
    private static final int BFLOAT16 = TensorProto.DataType.BFLOAT16_VALUE;
    private static final long INT64_MAX = Long.MAX_VALUE;

    /** One row of the table: schema versions (first = introduction), last opset + 1, rewrite. */
    private record Op(int[] versions, int until, Rewrite rewrite) {
        int since() {
            return versions[0];
        }
    }

    /** Rewrites one node for the target opset, appending what replaces it. */
    @FunctionalInterface
    private interface Rewrite {
        void apply(Conversion c, NodeProto n) throws UnsupportedOperatorException;
    }

    private static final Map<String, Op> TABLE = table();

    private OpsetConverter() {}

    /**
     * Converts a model to another opset of the default domain and sets its IR version to {@link
     * #irVersion(int) the one of that opset}. Converting to the model's own opset only checks its
     * operators and sets the IR version. The result must be verified with {@link ParityChecker}
     * before it replaces anything.
     *
     * @param model the model; its graph is not changed
     * @param name what to call the model in messages (its file)
     * @param targetOpset the opset to convert to, {@value OnnxModels#MIN_OPSET} to {@value
     *     OnnxModels#MAX_OPSET}
     * @return the converted model
     * @throws UnsupportedOperatorException if a node's operator is not known ({@link
     *     #checkOperators}) or a node cannot be expressed in the target opset; the message names
     *     the node, the operator and the opset
     * @throws ModelException if the model imports no default-domain opset, or uses element types or
     *     IR features that the target opset's IR version lacks
     * @throws IllegalArgumentException if the target opset is outside the supported range
     */
    public static ModelProto convert(ModelProto model, String name, int targetOpset)
            throws ModelException {
        if (targetOpset < OnnxModels.MIN_OPSET || targetOpset > OnnxModels.MAX_OPSET) {
            throw new IllegalArgumentException(
                    "Opset "
                            + targetOpset
                            + " is not supported; expected "
                            + OnnxModels.MIN_OPSET
                            + " to "
                            + OnnxModels.MAX_OPSET);
        }
        long from = OnnxModels.opset(model);
        if (from < 0) {
            throw new ModelException(
                    "Model " + name + " imports no opset of the default ONNX domain to convert");
        }
        checkOperators(model, name);
        int ir = irVersion(targetOpset);
        checkIrFeatures(model, name, targetOpset, ir);
        Conversion c = new Conversion(model, name, from, targetOpset);
        for (NodeProto n : model.getGraph().getNodeList()) {
            c.convert(n);
        }
        GraphProto.Builder g = model.getGraph().toBuilder().clearNode().addAllNode(c.nodes);
        g.addAllInitializer(c.initializers);
        GraphProto graph = Graphs.prune(g.build());
        graph = initializerInputs(graph, model.getIrVersion(), ir);
        ModelProto.Builder b = model.toBuilder().setIrVersion(ir).setGraph(graph);
        for (int i = 0; i < b.getOpsetImportCount(); i++) {
            OperatorSetIdProto o = b.getOpsetImport(i);
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                b.setOpsetImport(i, o.toBuilder().setVersion(targetOpset));
            }
        }
        return b.build();
    }

    /**
     * Checks that every node uses an operator of the default domain that this converter knows (the
     * table above), and so that Graft's tools support.
     *
     * @param model the model
     * @param name what to call the model in messages
     * @throws UnsupportedOperatorException for the first node outside that set, naming the node,
     *     its domain and operator, and the model's opset
     */
    public static void checkOperators(ModelProto model, String name)
            throws UnsupportedOperatorException {
        long opset = OnnxModels.opset(model);
        for (NodeProto n : model.getGraph().getNodeList()) {
            String domain = n.getDomain();
            boolean defaultDomain = domain.isEmpty() || domain.equals("ai.onnx");
            if (defaultDomain && TABLE.containsKey(n.getOpType())) {
                continue;
            }
            String op = defaultDomain ? n.getOpType() : domain + ":" + n.getOpType();
            throw new UnsupportedOperatorException(
                    "Model "
                            + name
                            + ": node "
                            + label(n)
                            + " uses operator "
                            + op
                            + (defaultDomain
                                    ? ", which is not one of the ONNX operators Graft supports"
                                    : " of domain '"
                                            + domain
                                            + "'; Graft supports only operators of the default"
                                            + " ONNX domain")
                            + " (model opset "
                            + opset
                            + "; the supported operators are listed in OpsetConverter's"
                            + " documentation). Re-export the model without it.",
                    nodeName(n),
                    op,
                    opset);
        }
    }

    /**
     * The operators of the default domain that the converter knows.
     *
     * @return their names, sorted
     */
    public static SortedSet<String> supportedOperators() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(TABLE.keySet()));
    }

    /**
     * The IR version that ONNX released with an opset (for example 3 for opset 7, 7 for 13, 10 for
     * 21): what {@link #convert} writes.
     *
     * @param opset an opset of the default domain, {@value OnnxModels#MIN_OPSET} to {@value
     *     OnnxModels#MAX_OPSET}
     * @return the IR version
     * @throws IllegalArgumentException for another opset
     */
    public static int irVersion(int opset) {
        if (opset < OnnxModels.MIN_OPSET || opset > OnnxModels.MAX_OPSET) {
            throw new IllegalArgumentException(
                    "Opset "
                            + opset
                            + " is not supported; expected "
                            + OnnxModels.MIN_OPSET
                            + " to "
                            + OnnxModels.MAX_OPSET);
        }
        return IR_FOR_OPSET[opset];
    }

    // ------------------------------------------------------------------ model-level checks

    /** Refuses IR features and element types that the target's IR version or opset lacks. */
    private static void checkIrFeatures(ModelProto model, String name, int opset, int ir)
            throws ModelException {
        GraphProto g = model.getGraph();
        String to = " (opset " + opset + " goes with IR version " + ir + ")";
        if (model.getFunctionsCount() > 0 && ir < 8) {
            throw new ModelException(
                    "Model " + name + " has local functions, which need IR version 8" + to);
        }
        if (g.getSparseInitializerCount() > 0 && ir < 6) {
            throw new ModelException(
                    "Model " + name + " has sparse initializers, which need IR version 6" + to);
        }
        if (model.getTrainingInfoCount() > 0 && ir < 7) {
            throw new ModelException(
                    "Model " + name + " has training information, which needs IR version 7" + to);
        }
        Map<String, Integer> types = new LinkedHashMap<>();
        g.getInitializerList().forEach(t -> types.put(t.getName(), t.getDataType()));
        for (List<ValueInfoProto> list :
                List.of(g.getInputList(), g.getOutputList(), g.getValueInfoList())) {
            for (ValueInfoProto v : list) {
                types.putIfAbsent(v.getName(), v.getType().getTensorType().getElemType());
            }
        }
        for (Map.Entry<String, Integer> e : types.entrySet()) {
            int needed = typeOpset(e.getValue());
            if (needed > opset) {
                throw new ModelException(
                        "Model "
                                + name
                                + ": tensor '"
                                + e.getKey()
                                + "' has element type "
                                + OnnxTensors.typeName(e.getValue())
                                + ", which operators have only from opset "
                                + needed
                                + "; cannot convert to opset "
                                + opset);
            }
        }
    }

    /** The first opset whose operators take an element type (7 for the original ones). */
    private static int typeOpset(int elemType) {
        if (elemType == BFLOAT16) {
            return 13;
        }
        if (elemType >= 17 && elemType <= 20) { // the float8 types
            return 19;
        }
        if (elemType == 21 || elemType == 22) { // uint4, int4
            return 21;
        }
        if (elemType > 22) {
            return Integer.MAX_VALUE;
        }
        return 7;
    }

    /**
     * IR versions before 4 list every initializer as a graph input; later ones need not, and ONNX
     * Runtime folds only initializers that are not inputs: moving up from IR 3 they are taken out.
     */
    private static GraphProto initializerInputs(GraphProto g, long fromIr, int ir) {
        Map<String, TensorProto> inits = Graphs.initializers(g);
        Set<String> inputs = new HashSet<>();
        g.getInputList().forEach(v -> inputs.add(v.getName()));
        GraphProto.Builder b = g.toBuilder().clearInput();
        for (ValueInfoProto v : g.getInputList()) {
            if (ir < 4 || fromIr >= 4 || !inits.containsKey(v.getName())) {
                b.addInput(v);
            }
        }
        if (ir < 4) {
            for (TensorProto t : inits.values()) {
                if (!inputs.contains(t.getName())) {
                    b.addInput(
                            ValueInfos.of(t.getName(), t.getDataType(), OnnxTensors.dims(t), null));
                }
            }
        }
        return b.build();
    }

    // ------------------------------------------------------------------ the table

    private static Map<String, Op> table() {
        Map<String, Op> t = new HashMap<>();
        Rewrite same = Conversion::emit;
        for (String op :
                List.of(
                        "Abs",
                        "Neg",
                        "Reciprocal",
                        "Floor",
                        "Ceil",
                        "Sqrt",
                        "Exp",
                        "Log",
                        "Tanh",
                        "Sigmoid")) {
            put(t, op, same, 1, 6, 13);
        }
        put(t, "Relu", same, 1, 6, 13, 14);
        put(t, "LeakyRelu", same, 1, 6, 16);
        put(t, "PRelu", same, 1, 6, 7, 9, 16);
        for (String op : List.of("Elu", "Selu", "HardSigmoid", "InstanceNormalization")) {
            put(t, op, same, 1, 6);
        }
        for (String op :
                List.of(
                        "Softplus",
                        "Softsign",
                        "LpNormalization",
                        "GlobalAveragePool",
                        "GlobalMaxPool",
                        "Not")) {
            put(t, op, same, 1);
        }
        for (String op : List.of("Sin", "Cos", "Tan", "Asin", "Acos", "Atan")) {
            put(t, op, same, 7);
        }
        put(t, "And", same, 1, 7);
        put(t, "Or", same, 1, 7);
        put(t, "Xor", same, 1, 7);
        put(t, "Erf", same, 9, 13);
        put(t, "Sign", same, 9, 13);
        put(t, "IsNaN", same, 9, 13, 20);
        put(t, "NonZero", same, 9, 13);
        put(t, "MeanVarianceNormalization", same, 9, 13);
        put(t, "Where", same, 9, 16);
        put(t, "ConstantOfShape", same, 9, 20, 21);
        put(t, "Expand", same, 8, 13);
        put(t, "Mod", same, 10, 13);
        put(t, "ThresholdedRelu", same, 10);
        put(t, "IsInf", same, 10, 20);
        put(t, "Range", same, 11);
        put(t, "Round", same, 11);
        put(t, "Celu", same, 12);
        put(t, "GreaterOrEqual", same, 12, 16);
        put(t, "LessOrEqual", same, 12, 16);
        put(t, "LayerNormalization", same, 17);
        put(t, "Mish", same, 18);
        put(t, "Gelu", same, 20);
        for (String op : List.of("Add", "Sub", "Mul", "Div")) {
            put(t, op, same, 1, 6, 7, 13, 14);
        }
        put(t, "Pow", same, 1, 7, 12, 13, 15);
        put(t, "Equal", same, 1, 7, 11, 13, 19);
        put(t, "Greater", same, 1, 7, 9, 13);
        put(t, "Less", same, 1, 7, 9, 13);
        put(t, "Sum", OpsetConverter::variadic, 1, 6, 8, 13);
        put(t, "Mean", OpsetConverter::variadic, 1, 6, 8, 13);
        put(t, "Max", OpsetConverter::variadic, 1, 6, 8, 12, 13);
        put(t, "Min", OpsetConverter::variadic, 1, 6, 8, 12, 13);
        put(t, "MatMul", same, 1, 9, 13);
        put(t, "Tile", same, 1, 6, 13);
        put(t, "Size", same, 1, 13, 19, 21);
        put(t, "Identity", same, 1, 13, 14, 16, 19, 21);
        put(t, "Transpose", same, 1, 13, 21);
        put(t, "LRN", same, 1, 13);
        put(t, "SpaceToDepth", same, 1, 13);
        put(t, "Conv", same, 1, 11);
        put(t, "ConvTranspose", same, 1, 11);
        put(t, "Gemm", OpsetConverter::gemm, 1, 6, 7, 9, 11, 13);
        put(t, "Flatten", (c, n) -> c.emit(axis(c, n, "axis", 1)), 1, 9, 11, 13, 21);
        put(t, "Concat", (c, n) -> c.emit(axis(c, n, "axis", 1)), 1, 4, 11, 13);
        put(t, "Gather", OpsetConverter::gather, 1, 11, 13);
        put(t, "ArgMax", OpsetConverter::argMinMax, 1, 11, 12, 13);
        put(t, "ArgMin", OpsetConverter::argMinMax, 1, 11, 12, 13);
        put(t, "DepthToSpace", OpsetConverter::depthToSpace, 1, 11, 13);
        put(t, "Softmax", OpsetConverter::softmax, 1, 11, 13);
        put(t, "LogSoftmax", OpsetConverter::softmax, 1, 11, 13);
        put(t, "Hardmax", OpsetConverter::softmax, 1, 11, 13);
        put(t, "Dropout", AttributeInputRewrites::dropout, 1, 6, 7, 10, 12, 13);
        put(t, "Clip", AttributeInputRewrites::clip, 1, 6, 11, 12, 13);
        put(t, "Pad", AttributeInputRewrites::pad, 1, 2, 11, 13, 18, 19, 21);
        put(t, "Squeeze", AttributeInputRewrites::squeeze, 1, 11, 13, 21);
        put(t, "Unsqueeze", AttributeInputRewrites::squeeze, 1, 11, 13, 21);
        put(t, "Split", AttributeInputRewrites::split, 1, 2, 11, 13, 18);
        // Reduce*: axes became an input at 13 for ReduceSum, at 18 for the others.
        Rewrite reduce13 = (c, n) -> AttributeInputRewrites.reduce(c, n, 13);
        Rewrite reduce18 = (c, n) -> AttributeInputRewrites.reduce(c, n, 18);
        put(t, "ReduceSum", reduce13, 1, 11, 13);
        for (String op :
                List.of(
                        "ReduceMean",
                        "ReduceProd",
                        "ReduceL1",
                        "ReduceL2",
                        "ReduceLogSum",
                        "ReduceLogSumExp",
                        "ReduceSumSquare")) {
            put(t, op, reduce18, 1, 11, 13, 18);
        }
        put(t, "ReduceMax", reduce18, 1, 11, 12, 13, 18, 20);
        put(t, "ReduceMin", reduce18, 1, 11, 12, 13, 18, 20);
        put(t, "Slice", AttributeInputRewrites::slice, 1, 10, 11, 13);
        put(t, "Reshape", AttributeInputRewrites::reshape, 1, 5, 13, 14, 19, 21);
        put(t, "Shape", OpsetConverter::shape, 1, 13, 15, 19, 21);
        put(t, "Cast", OpsetConverter::cast, 1, 6, 9, 13, 19, 21);
        put(t, "Constant", OpsetConverter::constant, 1, 9, 11, 12, 13, 19, 21);
        put(t, "BatchNormalization", OpsetConverter::batchNorm, 1, 6, 7, 9, 14, 15);
        put(t, "MaxPool", PoolingRewrites::pool, 1, 8, 10, 11, 12);
        put(t, "AveragePool", PoolingRewrites::pool, 1, 7, 10, 11, 19);
        t.put("Upsample", new Op(new int[] {7, 9}, 10, ResamplingRewrites::resample));
        put(t, "Resize", ResamplingRewrites::resample, 10, 11, 13, 18, 19);
        put(t, "HardSwish", OpsetConverter::hardSwish, 14);
        return t;
    }

    private static void put(Map<String, Op> t, String op, Rewrite r, int... versions) {
        t.put(op, new Op(versions, Integer.MAX_VALUE, r));
    }

    // ------------------------------------------------------------------ rewrites
    // The rest live in AttributeInputRewrites, PoolingRewrites and ResamplingRewrites.

    private static void variadic(Conversion c, NodeProto n) throws UnsupportedOperatorException {
        if (c.down(8) && n.getInputCount() > 1) {
            // Equal shapes at two batch sizes: no broadcasting, whatever the batch.
            for (Map<String, long[]> shapes : c.perBatch) {
                long[] first = shapes.get(n.getInput(0));
                for (String in : n.getInputList()) {
                    long[] s = shapes.get(in);
                    if (first == null
                            || s == null
                            || !Arrays.equals(first, s)
                            || Arrays.stream(s).anyMatch(d -> d < 0)) {
                        throw c.refuse(
                                n,
                                "broadcasts its inputs, which needs opset 8; below, the inputs"
                                        + " must have known, equal shapes");
                    }
                }
            }
        }
        c.emit(n);
    }

    private static void gemm(Conversion c, NodeProto n) throws UnsupportedOperatorException {
        if (c.down(11) && c.in(n, 2).isEmpty()) {
            Integer type = c.type(n.getInput(0));
            TensorProto zero = type == null ? null : scalar("", type, 0);
            if (zero == null) {
                throw c.refuse(
                        n,
                        "has no C input, which needs opset 11, and the element type of '"
                                + n.getInput(0)
                                + "' is unknown");
            }
            List<String> in = new ArrayList<>(n.getInputList().subList(0, 2));
            in.add(c.initializer(c.nodeName(n) + "_zero_c", zero));
            c.emit(n.toBuilder().clearInput().addAllInput(in).build());
            return;
        }
        c.emit(n);
    }

    private static void gather(Conversion c, NodeProto n) throws UnsupportedOperatorException {
        if (!c.down(11)) {
            c.emit(n);
            return;
        }
        n = axis(c, n, "axis", 0);
        long[] indices = c.constLongs(n.getInput(1));
        if (indices == null) {
            throw c.refuse(
                    n,
                    "takes indices computed at run time; opset 11 introduced negative indices, so"
                            + " below it only constant indices can be checked");
        }
        if (Arrays.stream(indices).allMatch(i -> i >= 0)) {
            c.emit(n);
            return;
        }
        long[] data = c.shape(n.getInput(0));
        int axis = (int) Attributes.getInt(n, "axis", 0);
        if (data == null || axis >= data.length || data[axis] < 0) {
            throw c.refuse(
                    n,
                    "has negative indices, which need opset 11, and the size of axis "
                            + axis
                            + " of '"
                            + n.getInput(0)
                            + "' is unknown");
        }
        long[] fixed = new long[indices.length];
        for (int i = 0; i < fixed.length; i++) {
            fixed[i] = indices[i] < 0 ? indices[i] + data[axis] : indices[i];
        }
        TensorProto orig = c.constant(n.getInput(1));
        TensorProto t = OnnxTensors.fromLongs("", OnnxTensors.dims(orig), fixed);
        String name = c.initializer(n.getInput(1) + "_nonnegative", t);
        c.emit(n.toBuilder().setInput(1, name).build());
    }

    private static void argMinMax(Conversion c, NodeProto n) throws UnsupportedOperatorException {
        NodeProto.Builder b = n.toBuilder();
        if (c.down(12)) {
            if (Attributes.getInt(n, "select_last_index", 0) != 0) {
                throw c.refuse(n, "has select_last_index=1, which needs opset 12");
            }
            remove(b, "select_last_index");
        }
        c.emit(axis(c, b.build(), "axis", 0));
    }

    private static void depthToSpace(Conversion c, NodeProto n)
            throws UnsupportedOperatorException {
        if (c.down(11)) {
            String mode = Attributes.getString(n, "mode", "DCR");
            if (!mode.equals("DCR")) {
                throw c.refuse(n, "has mode " + mode + ", which needs opset 11");
            }
            c.emit(remove(n.toBuilder(), "mode").build());
            return;
        }
        c.emit(n);
    }

    /**
     * Softmax, LogSoftmax, Hardmax: before 13 the input is coerced to 2-D at axis (default 1) and
     * normalized over all trailing dimensions; from 13 over the one axis (default -1).
     */
    private static void softmax(Conversion c, NodeProto n) throws UnsupportedOperatorException {
        boolean fromNew = c.from >= 13;
        boolean toNew = c.to >= 13;
        long axis = Attributes.getInt(n, "axis", fromNew ? -1 : 1);
        String x = n.getInput(0);
        int rank = c.rank(x);
        if (fromNew == toNew) {
            c.emit(axis(c, n, "axis", fromNew ? -1 : 1));
            return;
        }
        long a = axis < 0 && rank >= 0 ? axis + rank : axis;
        if (rank >= 0 && a >= 0 && a < rank && trailingOnes(c.shape(x), (int) a)) {
            // Same meaning in both schemas: spell the axis out.
            c.emit(set(n.toBuilder(), Attributes.ofInt("axis", a)).build());
            return;
        }
        String base = c.nodeName(n);
        String out = n.getOutput(0);
        if (toNew) {
            // Keep the old meaning: flatten to 2-D at axis, normalize the rows, restore the shape.
            String shape = c.tensor(base + "_shape");
            String flat = c.tensor(base + "_2d");
            String result = c.tensor(base + "_rows");
            c.add(Graphs.node("Shape", c.tensor(base + "_shape_node"), List.of(x), List.of(shape)));
            c.add(
                    Graphs.node("Flatten", c.tensor(base + "_flatten"), List.of(x), List.of(flat))
                            .toBuilder()
                            .addAttribute(Attributes.ofInt("axis", axis))
                            .build());
            c.add(
                    set(
                                    n.toBuilder().clearInput().addInput(flat).setOutput(0, result),
                                    Attributes.ofInt("axis", 1))
                            .build());
            c.add(
                    Graphs.node(
                            "Reshape",
                            c.tensor(base + "_reshape"),
                            List.of(result, shape),
                            List.of(out)));
            return;
        }
        if (rank < 0 || a < 0 || a >= rank) {
            throw c.refuse(
                    n,
                    "normalizes over axis "
                            + axis
                            + " alone, which opsets before 13 cannot express unless the rank of '"
                            + x
                            + "' is known (it is not)");
        }
        // Move the axis last, normalize over it, move it back.
        long[] perm = new long[rank];
        long[] inverse = new long[rank];
        for (int i = 0, j = 0; i < rank; i++) {
            if (i != a) {
                perm[j++] = i;
            }
        }
        perm[rank - 1] = a;
        for (int i = 0; i < rank; i++) {
            inverse[(int) perm[i]] = i;
        }
        String moved = c.tensor(base + "_moved");
        String result = c.tensor(base + "_last");
        c.add(
                Graphs.node("Transpose", c.tensor(base + "_to_last"), List.of(x), List.of(moved))
                        .toBuilder()
                        .addAttribute(Attributes.ofInts("perm", perm))
                        .build());
        c.add(
                set(
                                n.toBuilder().clearInput().addInput(moved).setOutput(0, result),
                                Attributes.ofInt("axis", rank - 1))
                        .build());
        c.add(
                Graphs.node("Transpose", c.tensor(base + "_back"), List.of(result), List.of(out))
                        .toBuilder()
                        .addAttribute(Attributes.ofInts("perm", inverse))
                        .build());
    }

    /** Whether every dimension after {@code axis} is known to be 1. */
    private static boolean trailingOnes(long[] shape, int axis) {
        if (shape == null) {
            return false;
        }
        for (int i = axis + 1; i < shape.length; i++) {
            if (shape[i] != 1) {
                return false;
            }
        }
        return true;
    }

    private static void shape(Conversion c, NodeProto n) throws UnsupportedOperatorException {
        AttributeProto start = Attributes.find(n, "start");
        AttributeProto end = Attributes.find(n, "end");
        if (!c.down(15) || (start == null || start.getI() == 0) && end == null) {
            c.emit(c.down(15) ? remove(n.toBuilder(), "start", "end").build() : n);
            return;
        }
        // Shape-15's start/end: the whole shape, then a slice of it.
        String full = c.tensor(c.nodeName(n) + "_full");
        c.add(remove(n.toBuilder(), "start", "end").setOutput(0, full).build());
        AttributeInputRewrites.emitSlice(
                c,
                n,
                full,
                n.getOutput(0),
                new long[] {start == null ? 0 : start.getI()},
                new long[] {end == null ? INT64_MAX : end.getI()},
                new long[] {0});
    }

    private static void cast(Conversion c, NodeProto n) throws UnsupportedOperatorException {
        int to = (int) Attributes.getInt(n, "to", 0);
        int needed = to == STRING ? 9 : typeOpset(to);
        Integer in = c.type(n.getInput(0));
        if (in != null) {
            needed = Math.max(needed, in == STRING ? 9 : typeOpset(in));
        }
        if (needed > c.to) {
            throw c.refuse(
                    n,
                    "casts "
                            + (in == null ? "" : "from " + OnnxTensors.typeName(in) + " ")
                            + "to "
                            + OnnxTensors.typeName(to)
                            + ", which needs opset "
                            + needed);
        }
        if (c.down(19)) {
            c.emit(remove(n.toBuilder(), "saturate").build());
            return;
        }
        c.emit(n);
    }

    private static void constant(Conversion c, NodeProto n) throws UnsupportedOperatorException {
        AttributeProto value = Attributes.find(n, "value");
        if (value != null && typeOpset(value.getT().getDataType()) > c.to) {
            throw c.refuse(
                    n,
                    "holds a tensor of type "
                            + OnnxTensors.typeName(value.getT().getDataType())
                            + ", which needs opset "
                            + typeOpset(value.getT().getDataType()));
        }
        if (c.down(11) && Attributes.find(n, "sparse_value") != null) {
            throw c.refuse(n, "holds a sparse_value, which needs opset 11");
        }
        if (!c.down(12) || value != null) {
            c.emit(n);
            return;
        }
        TensorProto t;
        AttributeProto a;
        if ((a = Attributes.find(n, "value_float")) != null) {
            t = OnnxTensors.fromFloats("", new long[0], new float[] {a.getF()});
        } else if ((a = Attributes.find(n, "value_floats")) != null) {
            float[] v = new float[a.getFloatsCount()];
            for (int i = 0; i < v.length; i++) {
                v[i] = a.getFloats(i);
            }
            t = OnnxTensors.fromFloats("", new long[] {v.length}, v);
        } else if ((a = Attributes.find(n, "value_int")) != null) {
            t = OnnxTensors.fromLongs("", new long[0], new long[] {a.getI()});
        } else if ((a = Attributes.find(n, "value_ints")) != null) {
            long[] v = a.getIntsList().stream().mapToLong(Long::longValue).toArray();
            t = OnnxTensors.fromLongs("", new long[] {v.length}, v);
        } else {
            throw c.refuse(
                    n,
                    "holds a value other than a tensor, float or integer (a string?), which needs"
                            + " opset 12");
        }
        c.emit(
                n.toBuilder()
                        .clearAttribute()
                        .addAttribute(
                                AttributeProto.newBuilder()
                                        .setName("value")
                                        .setType(AttributeProto.AttributeType.TENSOR)
                                        .setT(t))
                        .build());
    }

    private static void batchNorm(Conversion c, NodeProto n) throws UnsupportedOperatorException {
        for (int i = 1; i < n.getOutputCount(); i++) {
            if (!n.getOutput(i).isEmpty()) {
                throw c.refuse(
                        n,
                        "has training outputs (mean and variance); only the inference form, with"
                                + " one output, converts");
            }
        }
        NodeProto.Builder b = n.toBuilder().clearOutput().addOutput(n.getOutput(0));
        if (c.up(9)) {
            if (Attributes.getInt(n, "spatial", 1) != 1) {
                throw c.refuse(
                        n, "has spatial=0 (per-activation statistics), which opset 9 removed");
            }
            remove(b, "spatial");
        }
        if (c.down(14)) {
            if (Attributes.getInt(n, "training_mode", 0) != 0) {
                throw c.refuse(n, "has training_mode=1, which needs opset 14");
            }
            remove(b, "training_mode");
        }
        if (c.down(15)) {
            Integer x = c.type(n.getInput(0));
            for (int i = 1; i < n.getInputCount(); i++) {
                Integer t = c.type(n.getInput(i));
                if (x != null && t != null && !x.equals(t)) {
                    throw c.refuse(
                            n,
                            "takes '"
                                    + n.getInput(i)
                                    + "' of type "
                                    + OnnxTensors.typeName(t)
                                    + " for an input of type "
                                    + OnnxTensors.typeName(x)
                                    + ", which needs opset 15");
                }
            }
        }
        c.emit(b.build());
    }

    private static void hardSwish(Conversion c, NodeProto n) {
        if (c.to >= 14) {
            c.emit(n);
            return;
        }
        // HardSwish(x) = x * max(0, min(1, x / 6 + 0.5)) = x * HardSigmoid(x; 1/6, 0.5).
        String base = c.nodeName(n);
        String gate = c.tensor(base + "_gate");
        c.add(
                Graphs.node(
                                "HardSigmoid",
                                c.tensor(base + "_hardsigmoid"),
                                List.of(n.getInput(0)),
                                List.of(gate))
                        .toBuilder()
                        .addAttribute(Attributes.ofFloat("alpha", (float) (1.0 / 6.0)))
                        .addAttribute(Attributes.ofFloat("beta", 0.5f))
                        .build());
        c.add(
                Graphs.node(
                        "Mul",
                        n.getName().isEmpty() ? c.tensor(base + "_mul") : n.getName(),
                        List.of(n.getInput(0), gate),
                        n.getOutputList()));
    }

    /** The state of one conversion: facts about the source graph and the nodes written. */
    static final class Conversion {
        final String model;
        final long from;
        final int to;
        final Map<String, long[]> shapes = new HashMap<>();
        final List<Map<String, long[]>> perBatch;
        final Map<String, Integer> types;
        final Map<String, TensorProto> constants = new HashMap<>();
        final Map<String, TensorProto> folded = new HashMap<>();
        final Set<String> used;
        final Set<String> consumed = new HashSet<>();
        final List<NodeProto> nodes = new ArrayList<>();
        final List<TensorProto> initializers = new ArrayList<>();
        private NodeProto current;

        Conversion(ModelProto m, String model, long from, int to) {
            this.model = model;
            this.from = from;
            this.to = to;
            GraphProto g = m.getGraph();
            // Two batch sizes: a dimension is known only where it does not follow the batch.
            ShapeInference.Result one = ShapeInference.infer(m, 1);
            ShapeInference.Result two = ShapeInference.infer(m, 2);
            perBatch = List.of(one.shapes(), two.shapes());
            for (Map.Entry<String, long[]> e : one.shapes().entrySet()) {
                long[] a = e.getValue();
                long[] b = two.shapes().get(e.getKey());
                if (a == null || b == null || a.length != b.length) {
                    continue;
                }
                long[] s = new long[a.length];
                for (int i = 0; i < s.length; i++) {
                    s[i] = a[i] == b[i] ? a[i] : -1;
                }
                shapes.put(e.getKey(), s);
            }
            types = one.types();
            used = Graphs.names(g);
            g.getOutputList().forEach(v -> consumed.add(v.getName()));
            for (TensorProto t : g.getInitializerList()) {
                constants.put(t.getName(), t);
            }
            for (NodeProto n : g.getNodeList()) {
                consumed.addAll(Graphs.allInputs(n));
                if (n.getOpType().equals("Constant") && n.getOutputCount() == 1) {
                    TensorProto t = constantValue(n);
                    if (t != null) {
                        constants.put(n.getOutput(0), t);
                    }
                }
            }
            // Shape arithmetic on fixed dimensions: the same value at both batch sizes.
            Map<String, TensorProto> a = ShapeFolder.fold(g, constants, one.shapes());
            Map<String, TensorProto> b = ShapeFolder.fold(g, constants, two.shapes());
            for (Map.Entry<String, TensorProto> e : a.entrySet()) {
                if (!constants.containsKey(e.getKey()) && e.getValue().equals(b.get(e.getKey()))) {
                    folded.put(e.getKey(), e.getValue());
                }
            }
        }

        private static TensorProto constantValue(NodeProto n) {
            AttributeProto a;
            if ((a = Attributes.find(n, "value")) != null && a.hasT()) {
                return a.getT();
            }
            if ((a = Attributes.find(n, "value_ints")) != null) {
                long[] v = a.getIntsList().stream().mapToLong(Long::longValue).toArray();
                return OnnxTensors.fromLongs("", new long[] {v.length}, v);
            }
            if ((a = Attributes.find(n, "value_int")) != null) {
                return OnnxTensors.fromLongs("", new long[0], new long[] {a.getI()});
            }
            if ((a = Attributes.find(n, "value_float")) != null) {
                return OnnxTensors.fromFloats("", new long[0], new float[] {a.getF()});
            }
            if ((a = Attributes.find(n, "value_floats")) != null) {
                return floatsTensor(floats(a));
            }
            return null;
        }

        void convert(NodeProto n) throws UnsupportedOperatorException {
            current = n;
            int before = nodes.size();
            TABLE.get(n.getOpType()).rewrite().apply(this, n);
            // Every node written must exist in the target opset.
            for (NodeProto w : nodes.subList(before, nodes.size())) {
                Op op = TABLE.get(w.getOpType());
                if (to < op.since() || to >= op.until()) {
                    throw refuse(
                            n,
                            w.getOpType().equals(n.getOpType())
                                    ? to < op.since()
                                            ? "exists only from opset " + op.since()
                                            : "exists only before opset " + op.until()
                                    : "would need operator "
                                            + w.getOpType()
                                            + ", which opset "
                                            + to
                                            + " lacks");
                }
            }
        }

        /** Moving from the schema before {@code v} to the one from {@code v}. */
        boolean up(int v) {
            return from < v && to >= v;
        }

        /** Moving from the schema from {@code v} to the one before {@code v}. */
        boolean down(int v) {
            return from >= v && to < v;
        }

        void emit(NodeProto n) {
            nodes.add(n);
        }

        void add(NodeProto n) {
            nodes.add(n);
        }

        String in(NodeProto n, int i) {
            return i < n.getInputCount() ? n.getInput(i) : "";
        }

        boolean isUsed(String tensor) {
            return consumed.contains(tensor);
        }

        long[] shape(String tensor) {
            return shapes.get(tensor);
        }

        int rank(String tensor) {
            long[] s = shapes.get(tensor);
            return s == null ? -1 : s.length;
        }

        Integer type(String tensor) {
            TensorProto t = constants.get(tensor);
            if (t != null) {
                return t.getDataType();
            }
            Integer type = types.get(tensor);
            return type == null || type == 0 ? null : type;
        }

        TensorProto constant(String tensor) {
            TensorProto t = constants.get(tensor);
            return t != null ? t : folded.get(tensor);
        }

        long[] constLongs(String tensor) {
            TensorProto t = constant(tensor);
            if (t == null
                    || t.getDataType() != TensorProto.DataType.INT64_VALUE
                            && t.getDataType() != TensorProto.DataType.INT32_VALUE
                            && t.getDataType() != TensorProto.DataType.BOOL_VALUE) {
                return null;
            }
            try {
                return OnnxTensors.toLongs(t);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }

        float[] constFloats(String tensor) {
            TensorProto t = constants.get(tensor);
            if (t == null) {
                return null;
            }
            try {
                return OnnxTensors.toFloats(t);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }

        String tensor(String base) {
            return Graphs.unique(used, base);
        }

        String nodeName(NodeProto n) {
            return OpsetNodes.nodeName(n);
        }

        String initializer(String base, TensorProto t) {
            String name = tensor(base);
            initializers.add(t.toBuilder().setName(name).build());
            return name;
        }

        String longs(String base, long[] v) {
            return initializer(base, OnnxTensors.fromLongs("", new long[] {v.length}, v));
        }

        String emptyFloats(String base) {
            return initializer(base, OnnxTensors.fromFloats("", new long[] {0}, new float[0]));
        }

        UnsupportedOperatorException refuse(NodeProto n, String why) {
            return new UnsupportedOperatorException(
                    "Cannot convert model "
                            + model
                            + " from opset "
                            + from
                            + " to opset "
                            + to
                            + ": node "
                            + label(n)
                            + " ("
                            + n.getOpType()
                            + ") "
                            + why,
                    OpsetNodes.nodeName(n),
                    n.getOpType(),
                    to);
        }
    }
}
