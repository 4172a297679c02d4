package ai.graft.sdk.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A child JVM on this JVM's class path, for kill tests: start a command, stop it with SIGKILL or
 * SIGTERM at a chosen moment, and read what it printed. The class path is this JVM's {@code
 * java.class.path} (under Surefire, the test class path).
 *
 * <pre>{@code
 * ChildJvm child = ChildJvm.start(dir, "run1", "ai.graft.cli.Graft", List.of("convert", ...));
 * ChildJvm.Ending end = child.killWhen(() -> true, 250, ChildJvm.Signal.SIGKILL);
 * }</pre>
 */
public final class ChildJvm {
    /** How a child is stopped. */
    public enum Signal {
        /** Ends the process at once: nothing of it runs, no shutdown hook. */
        SIGKILL,
        /** Asks the JVM to end: its shutdown hooks run. */
        SIGTERM
    }

    /**
     * How a child ended.
     *
     * @param exitCode its exit status (137 after SIGKILL, 143 after SIGTERM, on Linux)
     * @param signalled whether it was still running when the signal was sent (else it had ended)
     */
    public record Ending(int exitCode, boolean signalled) {}

    /**
     * A seeded moment to stop a child.
     *
     * @param index the point's number, from 0
     * @param fraction where to stop, in [0, 1): a fraction of the time an uninterrupted run takes,
     *     or of a phase of it, as the test uses it
     * @param signal how to stop it
     */
    public record KillPoint(int index, double fraction, Signal signal) {
        /**
         * Points drawn from a seed: fractions uniform in [0, 1), every {@code sigtermEvery}th point
         * SIGTERM and the others SIGKILL.
         *
         * @param seed the seed
         * @param count how many points
         * @param sigtermEvery one point in this many uses SIGTERM
         * @return the points, in order
         */
        public static List<KillPoint> seeded(long seed, int count, int sigtermEvery) {
            Random random = new Random(seed);
            List<KillPoint> points = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Signal signal =
                        i % sigtermEvery == sigtermEvery - 1 ? Signal.SIGTERM : Signal.SIGKILL;
                points.add(new KillPoint(i, random.nextDouble(), signal));
            }
            return points;
        }
    }

    private final Process process;
    private final Path out;
    private final Path err;
    private final long startNanos;

    private ChildJvm(Process process, Path out, Path err, long startNanos) {
        this.process = process;
        this.out = out;
        this.err = err;
        this.startNanos = startNanos;
    }

    /**
     * Starts {@code java -cp CLASSPATH mainClass args...} with its output in {@code dir/name.out}
     * and {@code dir/name.err}.
     *
     * @param dir where the output files go
     * @param name the output files' base name
     * @param mainClass the class to run
     * @param args its arguments
     * @return the running child
     * @throws IOException when it cannot be started
     */
    public static ChildJvm start(Path dir, String name, String mainClass, List<String> args)
            throws IOException {
        return start(dir, name, System.getProperty("java.class.path"), mainClass, args);
    }

    /**
     * Starts {@code java -cp classPath mainClass args...} with its output in {@code dir/name.out}
     * and {@code dir/name.err}: a child on a class path of the caller's choosing (for example this
     * JVM's less some modules, to run what a smaller install runs).
     *
     * @param dir where the output files go
     * @param name the output files' base name
     * @param classPath the class path, entries separated by {@link java.io.File#pathSeparator}
     * @param mainClass the class to run
     * @param args its arguments
     * @return the running child
     * @throws IOException when it cannot be started
     */
    public static ChildJvm start(
            Path dir, String name, String classPath, String mainClass, List<String> args)
            throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        // Short-lived children on a small machine: start fast, collect simply.
        command.add("-XX:+UseSerialGC");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-cp");
        command.add(classPath);
        command.add(mainClass);
        command.addAll(args);
        Path out = dir.resolve(name + ".out");
        Path err = dir.resolve(name + ".err");
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.redirectOutput(out.toFile());
        pb.redirectError(err.toFile());
        pb.environment().put("PYTORCH_FLAVOR", "cpu");
        long start = System.nanoTime();
        return new ChildJvm(pb.start(), out, err, start);
    }

    /**
     * The process.
     *
     * @return it
     */
    public Process process() {
        return process;
    }

    /**
     * Milliseconds since the child was started.
     *
     * @return the time
     */
    public long elapsedMs() {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /**
     * What the child has written to standard output so far.
     *
     * @return the text
     */
    public String out() {
        return read(out);
    }

    /**
     * What the child has written to standard error so far.
     *
     * @return the text
     */
    public String err() {
        return read(err);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits for the child to end by itself.
     *
     * @return how it ended
     * @throws InterruptedException when interrupted
     */
    public Ending await() throws InterruptedException {
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("the child did not end within 10 minutes: " + err());
        }
        return new Ending(process.exitValue(), false);
    }

    /**
     * Waits until {@code trigger} holds (checked every 2 ms) or the child ends, then {@code
     * delayMs} more, then sends the signal (if it still runs) and waits for the end.
     *
     * @param trigger when to start the delay
     * @param delayMs the delay after the trigger
     * @param signal how to stop it
     * @return how it ended
     * @throws InterruptedException when interrupted
     */
    public Ending killWhen(BooleanSupplier trigger, long delayMs, Signal signal)
            throws InterruptedException {
        while (process.isAlive() && !trigger.getAsBoolean()) {
            Thread.sleep(2);
        }
        if (delayMs > 0) {
            process.waitFor(delayMs, TimeUnit.MILLISECONDS);
        }
        boolean signalled = process.isAlive();
        if (signal == Signal.SIGKILL) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("the child did not end after " + signal + ": " + err());
        }
        return new Ending(process.exitValue(), signalled);
    }
}
