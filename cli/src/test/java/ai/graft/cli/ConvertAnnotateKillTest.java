package ai.graft.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.converter.OnnxModels;
import ai.graft.converter.OnnxTensors;
import ai.graft.converter.graph.Attributes;
import ai.graft.converter.graph.Graphs;
import ai.graft.converter.graph.ValueInfos;
import ai.graft.converter.onnx.proto.OnnxProto.GraphProto;
import ai.graft.converter.onnx.proto.OnnxProto.ModelProto;
import ai.graft.converter.onnx.proto.OnnxProto.NodeProto;
import ai.graft.converter.onnx.proto.OnnxProto.OperatorSetIdProto;
import ai.graft.converter.onnx.proto.OnnxProto.TensorProto;
import ai.graft.converter.onnx.proto.OnnxProto.ValueInfoProto;
import ai.graft.sdk.testing.ChildJvm;
import ai.graft.sdk.testing.ChildJvm.Ending;
import ai.graft.sdk.testing.ChildJvm.KillPoint;
import ai.graft.sdk.testing.ChildJvm.Signal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kill tests: {@code graft convert} and {@code graft annotate} in a child JVM, stopped with SIGKILL
 * or SIGTERM at 20 seeded points each. After every kill the target is byte for byte either the file
 * it replaced or the complete output of an uninterrupted run, never a partial file; SIGTERM leaves
 * no temporary file; and the next uninterrupted run removes every temporary file that SIGKILL left.
 *
 * <p>Every run starts from the old file. Even points are time offsets from the child's start, drawn
 * over the length of an uninterrupted run; odd points are offsets from the moment the output's
 * temporary file appears, drawn over the first half of the time that file existed in an
 * uninterrupted run, so that kills land inside the write as well as around it.
 */
class ConvertAnnotateKillTest {
    private static final long SEED = 20_261_123L;
    private static final int POINTS = 20;

    @TempDir static Path dir;
    static Path model;
    static Path labels;
    static byte[] original;

    /**
     * input [1,3,32,32] -> Flatten -> MatMul [3072,2048] -> Relu -> MatMul [2048,10]: 24 MB of
     * weights, so that writing the output takes long enough to be killed in the middle.
     */
    @BeforeAll
    static void writeModel() throws Exception {
        Random r = new Random(SEED);
        GraphProto.Builder g = GraphProto.newBuilder().setName("wide");
        g.addInput(info("input", 1, 3, 32, 32));
        g.addInitializer(
                OnnxTensors.fromFloats("w1", new long[] {3072, 2048}, random(r, 3072 * 2048)));
        g.addInitializer(OnnxTensors.fromFloats("w2", new long[] {2048, 10}, random(r, 2048 * 10)));
        g.addNode(
                node("Flatten", List.of("input"), "flat")
                        .addAttribute(Attributes.ofInt("axis", 1)));
        g.addNode(node("MatMul", List.of("flat", "w1"), "hidden"));
        g.addNode(node("Relu", List.of("hidden"), "relu"));
        g.addNode(node("MatMul", List.of("relu", "w2"), "logits"));
        g.addOutput(info("logits", 1, 10));
        ModelProto m =
                ModelProto.newBuilder()
                        .setIrVersion(8)
                        .setProducerName("graft-kill-test")
                        .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13))
                        .setGraph(g)
                        .build();
        model = dir.resolve("wide.onnx");
        OnnxModels.write(m, model);
        original = Files.readAllBytes(model);
        labels = dir.resolve("labels.txt");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 10; i++) {
            text.append("class ").append(i).append('\n');
        }
        Files.writeString(labels, text);
    }

    private static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (r.nextGaussian() * 0.02);
        }
        return v;
    }

    private static ValueInfoProto info(String name, long... shape) {
        return ValueInfos.of(name, TensorProto.DataType.FLOAT_VALUE, shape, null);
    }

    private static NodeProto.Builder node(String op, List<String> in, String out) {
        return Graphs.node(op, out + "_node", in, List.of(out)).toBuilder();
    }

    /** The hidden temporary files of {@code target}. */
    private static List<Path> temporaries(Path target) {
        String prefix = "." + target.getFileName() + ".";
        try (Stream<Path> files = Files.list(target.getParent())) {
            return files.filter(p -> p.getFileName().toString().startsWith(prefix))
                    .filter(p -> p.getFileName().toString().endsWith(".tmp"))
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * What the kills of one command found.
     *
     * @param old kills after which the target was the old file
     * @param complete kills after which it was the complete new one (the run had renamed it)
     * @param temporariesLeft temporary files SIGKILL left, all removed by later runs
     * @param midWrite SIGKILLs that landed inside a write (they left a temporary file)
     * @param termInWrite SIGTERMs sent inside a write (their temporary file was deleted)
     */
    private record Tally(
            int old, int complete, int temporariesLeft, int midWrite, int termInWrite) {}

    @Test
    void convert_killedAt20PointsLeavesTheOldFileOrTheWholeNewOne() throws Exception {
        Path work = Files.createDirectories(dir.resolve("convert"));
        Path target = work.resolve("out.onnx");
        Tally tally =
                killRuns(
                        work,
                        target,
                        original,
                        out ->
                                List.of(
                                        "convert",
                                        model.toString(),
                                        "--out",
                                        out.toString(),
                                        "--dynamic-batch"));
        System.out.println("convert kill points: " + tally);
    }

    @Test
    void annotate_killedAt20PointsLeavesTheOldFileOrTheWholeNewOne() throws Exception {
        Path work = Files.createDirectories(dir.resolve("annotate"));
        Path target = work.resolve("model.onnx");
        Tally tally =
                killRuns(
                        work,
                        target,
                        original,
                        out ->
                                List.of(
                                        "annotate",
                                        out.toString(),
                                        "--labels",
                                        labels.toString(),
                                        "--preprocess",
                                        "unit"));
        System.out.println("annotate kill points: " + tally);
    }

    /** Builds a command's arguments for a target. */
    private interface Command {
        List<String> args(Path target);
    }

    /**
     * Runs the command once uninterrupted (for its output and its time), then 20 times killed,
     * checking the target after each, then once more uninterrupted.
     *
     * @param old the file each run replaces (written to the target before each run)
     */
    private Tally killRuns(Path work, Path target, byte[] old, Command command) throws Exception {
        // The reference: an uninterrupted run on a copy, timed, and the time of its write.
        Path referenceTarget = work.resolve("reference-" + target.getFileName());
        Files.write(referenceTarget, old);
        ChildJvm reference =
                ChildJvm.start(
                        work, "reference", Graft.class.getName(), command.args(referenceTarget));
        // When the temporary file was first and last seen: the write, as seen from outside.
        long[] writeMs = {-1, -1};
        Ending done =
                reference.killWhen(
                        () -> {
                            if (!temporaries(referenceTarget).isEmpty()) {
                                long now = reference.elapsedMs();
                                writeMs[0] = writeMs[0] < 0 ? now : writeMs[0];
                                writeMs[1] = now;
                            }
                            return !reference.process().isAlive();
                        },
                        0,
                        Signal.SIGKILL);
        long runMs = reference.elapsedMs();
        assertEquals(0, done.exitCode(), reference.err());
        byte[] expected = Files.readAllBytes(referenceTarget);
        OnnxModels.read(referenceTarget); // a complete, readable model
        assertTrue(!Arrays.equals(expected, old), "the command changes the file");
        assertTrue(writeMs[0] > 0, "the write was seen");
        long writeSpanMs = Math.max(1, writeMs[1] - writeMs[0]);
        System.out.println(
                target.getFileName()
                        + ": an uninterrupted run takes "
                        + runMs
                        + " ms, its write at least "
                        + writeSpanMs
                        + " ms");

        int olds = 0;
        int completes = 0;
        Set<Path> leftOver = new HashSet<>();
        int midWrite = 0;
        int termInWrite = 0;
        for (KillPoint p : KillPoint.seeded(SEED, POINTS, 4)) {
            String what = target.getFileName() + " point " + p;
            // Each point replaces the old file: a completed run before is no help to it.
            Files.write(target, old);
            ChildJvm child =
                    ChildJvm.start(
                            work, "point" + p.index(), Graft.class.getName(), command.args(target));
            BooleanSupplier trigger;
            long delay;
            if (p.index() % 2 == 0) {
                trigger = () -> true;
                delay = Math.round(p.fraction() * runMs);
            } else {
                // Its own temporary file: one an earlier kill left is no sign of this write.
                String mine = "." + target.getFileName() + "." + child.process().pid() + "-";
                trigger =
                        () ->
                                temporaries(target).stream()
                                        .anyMatch(t -> t.getFileName().toString().startsWith(mine));
                // The first half: a run may write faster than the reference did.
                delay = Math.round(p.fraction() * writeSpanMs / 2);
            }
            Ending end = child.killWhen(trigger, delay, p.signal());
            if (end.signalled()) {
                int killed = p.signal() == Signal.SIGKILL ? 137 : 143;
                assertTrue(
                        end.exitCode() == killed || end.exitCode() == 0,
                        what + ": exit " + end.exitCode() + "; " + child.err());
            } else {
                assertEquals(0, end.exitCode(), what + ": " + child.err());
            }

            byte[] now = Files.readAllBytes(target);
            boolean isOld = Arrays.equals(now, old);
            boolean isNew = Arrays.equals(now, expected);
            assertTrue(
                    isOld || isNew,
                    what
                            + ": the target is neither the old file nor the new one ("
                            + now.length
                            + " bytes)");
            olds += isOld ? 1 : 0;
            completes += isNew ? 1 : 0;
            List<Path> left = temporaries(target);
            if (p.signal() == Signal.SIGTERM) {
                String own = "." + target.getFileName() + "." + child.process().pid() + "-";
                assertTrue(
                        left.stream().noneMatch(t -> t.getFileName().toString().startsWith(own)),
                        what + ": SIGTERM deletes the temporary file: " + left);
            }
            if (!Collections.disjoint(left, leftOver)) {
                left = new ArrayList<>(left);
                left.removeAll(leftOver);
            }
            if (!left.isEmpty()) {
                midWrite++; // only SIGKILL inside a write leaves one
                leftOver.addAll(left);
            }
            if (p.signal() == Signal.SIGTERM && p.index() % 2 == 1 && end.signalled() && isOld) {
                termInWrite++; // sent while its temporary file existed, before the rename
            }
        }
        assertTrue(midWrite > 0, "at least one SIGKILL landed inside a write");

        Files.write(target, old);
        ChildJvm last = ChildJvm.start(work, "after", Graft.class.getName(), command.args(target));
        assertEquals(0, last.await().exitCode(), last.err());
        assertTrue(Arrays.equals(expected, Files.readAllBytes(target)), "the next run completes");
        assertEquals(List.of(), temporaries(target), "the next run removed every temporary file");
        return new Tally(olds, completes, leftOver.size(), midWrite, termInWrite);
    }
}
