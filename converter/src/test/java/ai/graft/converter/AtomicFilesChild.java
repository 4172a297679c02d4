package ai.graft.converter;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A second process for {@link AtomicFilesTemporariesTest}, run as {@code java -cp CLASSPATH
 * ai.graft.converter.AtomicFilesChild MODE FILE}. It prints one line when it is ready to be killed,
 * then waits.
 *
 * <ul>
 *   <li>{@code write FILE}: starts an atomic write of FILE, writes some bytes, prints {@code
 *       writing}, then blocks inside the write.
 *   <li>{@code lock FILE}: locks an existing FILE as a writer does, prints {@code locked}, then
 *       waits.
 * </ul>
 */
final class AtomicFilesChild {
    private AtomicFilesChild() {}

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[1]);
        switch (args[0]) {
            case "write" ->
                    AtomicFiles.write(
                            file,
                            out -> {
                                out.write("partial new content".getBytes(StandardCharsets.UTF_8));
                                out.flush();
                                ready("writing");
                                sleepForever();
                            });
            case "lock" -> {
                try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    channel.lock();
                    ready("locked");
                    sleepForever();
                }
            }
            default -> throw new IllegalArgumentException("Unknown mode " + args[0]);
        }
    }

    private static void ready(String word) {
        System.out.println(word);
        System.out.flush();
    }

    private static void sleepForever() throws IOException {
        try {
            Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
