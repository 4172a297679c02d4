package ai.graft.trainer.tune;

import ai.graft.converter.graph.Graphs;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a backbone into stages, the units that {@code finetune --unfreeze N} counts back from the
 * feature node.
 *
 * <p>The split follows the graph's structure, not its names, so that it holds for any exporter:
 *
 * <ol>
 *   <li>Walking the nodes that compute the feature tensor in topological order, a <em>cut</em> is a
 *       point where exactly one data tensor is alive (every later node reads only it, weights and
 *       shapes aside). Cuts split the graph into <em>segments</em>; a segment where at some point
 *       two or more data tensors are alive holds parallel branches (a Fire or Inception module, a
 *       residual block); the other segments are plain chains (one convolution with its batch norm
 *       and activation).
 *   <li>Segments without trainable parameters (pooling, activations) are dropped; a segment with
 *       parameters but no layer (Conv, Gemm, MatMul), such as a batch norm, joins the layer before
 *       it.
 *   <li>Each remaining segment is a stage, except that a plain segment immediately followed by a
 *       branched one joins it: a Fire module's squeeze convolution feeds its two expand branches,
 *       so a SqueezeNet stage is one Fire module; a ResNet stem joins the first residual block.
 * </ol>
 *
 * <p>So SqueezeNet 1.1 has 9 stages (conv1, then fire2 to fire9), ResNet-18 8 (one per residual
 * block, the stem with the first), VGG one per convolution or hidden linear layer, GoogLeNet one
 * per Inception module after its stem convolutions.
 *
 * <p>Families whose torchvision names show larger units are then regrouped by name ({@link
 * #family}): a ViT has one stage per encoder block (12 for ViT-B/16), Swin-T one per Swin block
 * (12), ConvNeXt-Tiny one per stage of blocks (4), RegNet one per {@code trunk_output.blockS} (4),
 * EfficientNet one per stage of MBConv blocks plus its last 1x1 convolution (8 for B0, 7 for V2-S),
 * MobileNet V3 one per block plus its last convolution (16 for Large). Stems and downsampling
 * layers join the stage after them, a final norm the last.
 */
final class Stages {
    private static final Set<String> SHAPE_OPS = Set.of("Shape", "Size");
    private static final Set<String> LAYER_OPS = Set.of("Conv", "ConvTranspose", "Gemm", "MatMul");

    /**
     * One stage.
     *
     * @param name a readable name (the common prefix of its parameters' names, or the first and
     *     last)
     * @param parameters its trainable initializers, in graph order
     * @param batchNorms its BatchNormalization nodes, named as {@code OnnxBlock} names them
     */
    record Stage(String name, List<String> parameters, List<String> batchNorms) {
        Stage {
            parameters = List.copyOf(parameters);
            batchNorms = List.copyOf(batchNorms);
        }
    }

    private Stages() {}

    /**
     * The stages of the part of the graph that computes {@code featureTensor}, first to last.
     *
     * @param graph the graph
     * @param featureTensor the tensor the head reads
     * @param trainable which initializers can train
     * @return the stages; empty when the backbone has no trainable parameter
     * @throws IllegalArgumentException when no node computes the feature tensor
     */
    static List<Stage> of(GraphProto graph, String featureTensor, Predicate<String> trainable) {
        List<NodeProto> all = graph.getNodeList();
        Set<String> initializers = Graphs.initializers(graph).keySet();
        Set<String> computed = Graphs.producers(graph).keySet();
        if (!computed.contains(featureTensor)) {
            throw new IllegalArgumentException(
                    "No node of graph '" + graph.getName() + "' computes '" + featureTensor + "'");
        }
        // Tensors no node computes (inputs, weights) are there from the start.
        Set<String> available = new HashSet<>();
        for (NodeProto n : all) {
            for (String in : n.getInputList()) {
                if (!computed.contains(in)) {
                    available.add(in);
                }
            }
        }
        List<Integer> order = Graphs.schedule(graph, List.of(featureTensor), available);

        // Data tensors: derived from a graph input other than through shape computations.
        Set<String> data = new HashSet<>();
        for (ValueInfoProto v : Graphs.realInputs(graph)) {
            data.add(v.getName());
        }
        Map<String, Integer> uses = new HashMap<>();
        for (int i : order) {
            NodeProto n = all.get(i);
            boolean dataIn = false;
            for (String in : n.getInputList()) {
                if (data.contains(in)) {
                    dataIn = true;
                    uses.merge(in, 1, Integer::sum);
                }
            }
            if (dataIn && !SHAPE_OPS.contains(n.getOpType())) {
                for (String o : n.getOutputList()) {
                    if (!o.isEmpty()) {
                        data.add(o);
                    }
                }
            }
        }

        List<Segment> segments = new ArrayList<>();
        Set<String> live = new HashSet<>();
        for (String d : data) {
            if (!computed.contains(d) && uses.getOrDefault(d, 0) > 0) {
                live.add(d);
            }
        }
        Set<String> seen = new HashSet<>();
        Segment current = new Segment();
        for (int i : order) {
            NodeProto n = all.get(i);
            current.nodes.add(i);
            for (String in : n.getInputList()) {
                if (initializers.contains(in) && trainable.test(in)) {
                    current.layer |= LAYER_OPS.contains(n.getOpType());
                    if (seen.add(in)) {
                        current.parameters.add(in);
                    }
                }
            }
            for (String o : n.getOutputList()) {
                if (data.contains(o) && (uses.getOrDefault(o, 0) > 0 || o.equals(featureTensor))) {
                    live.add(o);
                }
            }
            for (String in : new LinkedHashSet<>(n.getInputList())) {
                if (data.contains(in)) {
                    int left = uses.merge(in, -count(n, in), Integer::sum);
                    if (left <= 0 && !in.equals(featureTensor)) {
                        live.remove(in);
                    }
                }
            }
            current.maxLive = Math.max(current.maxLive, live.size());
            if (n.getOpType().equals("BatchNormalization")) {
                current.batchNorms.add(
                        n.getName().isEmpty() ? n.getOpType() + "_" + i : n.getName());
            }
            if (live.size() <= 1) {
                segments.add(current);
                current = new Segment();
            }
        }
        if (!current.nodes.isEmpty()) {
            segments.add(current);
        }

        // A segment with parameters but no layer (a batch norm, a learned scale) belongs to the
        // layer before it.
        List<Segment> withParams = new ArrayList<>();
        for (Segment s : segments) {
            if (s.parameters.isEmpty()) {
                continue;
            }
            if (!s.layer && !withParams.isEmpty()) {
                Segment previous = withParams.get(withParams.size() - 1);
                previous.parameters.addAll(s.parameters);
                previous.batchNorms.addAll(s.batchNorms);
                previous.maxLive = Math.max(previous.maxLive, s.maxLive);
            } else {
                withParams.add(s);
            }
        }
        List<Stage> stages = new ArrayList<>();
        for (int k = 0; k < withParams.size(); k++) {
            Segment s = withParams.get(k);
            if (!s.branched() && k + 1 < withParams.size() && withParams.get(k + 1).branched()) {
                Segment next = withParams.get(k + 1);
                next.parameters.addAll(0, s.parameters);
                next.batchNorms.addAll(0, s.batchNorms);
                continue;
            }
            stages.add(new Stage(name(s.parameters), s.parameters, s.batchNorms));
        }
        return byFamily(all, stages);
    }

    /**
     * Regroups structural stages into a family's own when the parameter names show a torchvision
     * layout that has them; else returns the stages as they are.
     */
    private static List<Stage> byFamily(List<NodeProto> nodes, List<Stage> structural) {
        List<String> parameters = new ArrayList<>();
        structural.forEach(s -> parameters.addAll(s.parameters()));
        Function<String, String> key = family(parameters);
        if (key == null) {
            return List.copyOf(structural);
        }
        Map<String, List<String>> groups = new LinkedHashMap<>();
        Map<String, String> groupOf = new HashMap<>();
        List<String> pending = new ArrayList<>();
        for (String p : parameters) {
            String k = key.apply(p);
            if (k == null) {
                pending.add(p);
                continue;
            }
            List<String> group = groups.computeIfAbsent(k, x -> new ArrayList<>());
            group.addAll(pending);
            group.add(p);
            pending.forEach(q -> groupOf.put(q, k));
            groupOf.put(p, k);
            pending.clear();
        }
        if (groups.size() < 2) {
            return List.copyOf(structural);
        }
        String last = null;
        for (String k : groups.keySet()) {
            last = k;
        }
        // what follows the last stage (a final norm) belongs to it
        groups.get(last).addAll(pending);
        for (String q : pending) {
            groupOf.put(q, last);
        }
        // a batch norm goes where its scale goes
        Map<String, String> scaleOf = new HashMap<>();
        for (int i = 0; i < nodes.size(); i++) {
            NodeProto n = nodes.get(i);
            if (n.getOpType().equals("BatchNormalization") && n.getInputCount() > 1) {
                scaleOf.put(
                        n.getName().isEmpty() ? n.getOpType() + "_" + i : n.getName(),
                        n.getInput(1));
            }
        }
        Map<String, List<String>> norms = new HashMap<>();
        for (Stage s : structural) {
            for (String bn : s.batchNorms()) {
                String k =
                        groupOf.getOrDefault(
                                scaleOf.get(bn),
                                s.parameters().isEmpty()
                                        ? last
                                        : groupOf.get(s.parameters().get(0)));
                norms.computeIfAbsent(k, x -> new ArrayList<>()).add(bn);
            }
        }
        List<Stage> out = new ArrayList<>();
        groups.forEach((k, ps) -> out.add(new Stage(k, ps, norms.getOrDefault(k, List.of()))));
        return List.copyOf(out);
    }

    private static final Pattern VIT_BLOCK =
            Pattern.compile("^(encoder\\.layers\\.encoder_layer_\\d+)\\..*");
    private static final Pattern FEATURES =
            Pattern.compile("^features\\.(\\d+)\\.(?:(\\d+)\\.)?.*");
    private static final Pattern REGNET_STAGE = Pattern.compile("^(trunk_output\\.block\\d+)\\..*");
    private static final Pattern MBCONV =
            Pattern.compile("^features\\.\\d+\\.(\\d+\\.)?block\\..*");

    /**
     * The stage of each parameter in a torchvision family recognised by its names, null for one
     * that joins the next stage (a stem, a downsampling layer) or, after the last, the last (a
     * final norm); or null when no family is recognised.
     *
     * <ul>
     *   <li>ViT: one stage per encoder block {@code encoder.layers.encoder_layer_i}.
     *   <li>Swin: one stage per Swin block {@code features.k.j}; patch merging joins the next.
     *   <li>ConvNeXt: one stage per stage of blocks {@code features.k} (k odd); the downsampling
     *       between them joins the next.
     *   <li>RegNet: one stage per {@code trunk_output.blockS}.
     *   <li>EfficientNet (B0, V2) and MobileNet V3: one stage per {@code features.k} (a stage of
     *       MBConv blocks, a MobileNet V3 block, the last 1x1 convolution); the stem joins the
     *       first.
     * </ul>
     */
    static Function<String, String> family(List<String> parameters) {
        if (parameters.stream().anyMatch(p -> VIT_BLOCK.matcher(p).matches())) {
            return p -> {
                Matcher m = VIT_BLOCK.matcher(p);
                return m.matches() ? m.group(1) : null;
            };
        }
        if (parameters.stream().anyMatch(p -> p.endsWith(".relative_position_bias_table"))) {
            return p -> {
                Matcher m = FEATURES.matcher(p);
                if (!m.matches() || m.group(2) == null || Integer.parseInt(m.group(1)) % 2 == 0) {
                    return null;
                }
                return "features." + m.group(1) + "." + m.group(2);
            };
        }
        if (parameters.stream()
                .anyMatch(p -> p.startsWith("features.") && p.endsWith(".layer_scale"))) {
            return p -> {
                Matcher m = FEATURES.matcher(p);
                if (!m.matches() || Integer.parseInt(m.group(1)) % 2 == 0) {
                    return null;
                }
                return "features." + m.group(1);
            };
        }
        if (parameters.stream().anyMatch(p -> REGNET_STAGE.matcher(p).matches())) {
            return p -> {
                Matcher m = REGNET_STAGE.matcher(p);
                return m.matches() ? m.group(1) : null;
            };
        }
        if (parameters.stream().anyMatch(p -> MBCONV.matcher(p).matches())) {
            return p -> {
                Matcher m = FEATURES.matcher(p);
                return !m.matches() || m.group(1).equals("0") ? null : "features." + m.group(1);
            };
        }
        return null;
    }

    private static int count(NodeProto n, String input) {
        int c = 0;
        for (String in : n.getInputList()) {
            if (in.equals(input)) {
                c++;
            }
        }
        return c;
    }

    /**
     * A readable name: the parameters' common prefix up to a separator ({@code fire9} for {@code
     * fire9/squeeze1x1_w_0} and {@code fire9/expand3x3_b_0}), else the first and last module.
     */
    static String name(List<String> parameters) {
        String first = parameters.get(0);
        String last = parameters.get(parameters.size() - 1);
        if (parameters.size() == 1) {
            return module(first);
        }
        String prefix = first;
        for (String p : parameters) {
            int k = 0;
            while (k < prefix.length() && k < p.length() && prefix.charAt(k) == p.charAt(k)) {
                k++;
            }
            prefix = prefix.substring(0, k);
        }
        boolean whole = prefix.isEmpty() || isSeparator(prefix.charAt(prefix.length() - 1));
        if (!whole) {
            whole = true;
            for (String p : parameters) {
                whole &= p.length() == prefix.length() || isSeparator(p.charAt(prefix.length()));
            }
        }
        if (!whole) {
            // "features.10.x" and "features.11.y" share "features.1": back to "features".
            int cut = -1;
            for (int k = 0; k < prefix.length(); k++) {
                if (isSeparator(prefix.charAt(k))) {
                    cut = k;
                }
            }
            prefix = cut >= 0 ? prefix.substring(0, cut) : "";
        }
        while (!prefix.isEmpty() && isSeparator(prefix.charAt(prefix.length() - 1))) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        return prefix.length() >= 2 ? prefix : module(first) + ".." + module(last);
    }

    /** A parameter's name without its last component ({@code conv1.weight} gives {@code conv1}). */
    private static String module(String parameter) {
        int cut = Math.max(parameter.lastIndexOf('.'), parameter.lastIndexOf('/'));
        if (cut <= 0) {
            cut = parameter.indexOf('_');
        }
        return cut > 0 ? parameter.substring(0, cut) : parameter;
    }

    private static boolean isSeparator(char c) {
        return c == '.' || c == '/' || c == '_';
    }

    private static final class Segment {
        final List<Integer> nodes = new ArrayList<>();
        final List<String> parameters = new ArrayList<>();
        final List<String> batchNorms = new ArrayList<>();
        boolean layer;
        int maxLive;

        boolean branched() {
            return maxLive > 1;
        }
    }
}
