package ai.graft.converter;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Writes files atomically: the content goes to a temporary file in the target's folder, is forced
 * to disk, and is then renamed over the target in one step. Readers see either the previous file or
 * the complete new one, never a partial file. On any failure (including a full disk) the temporary
 * file is deleted and the previous file is left untouched.
 *
 * <pre>{@code
 * AtomicFiles.write(Path.of("model.onnx"), out -> model.writeTo(out));
 * }</pre>
 *
 * <p>The temporary file is named {@code .NAME.PID-N.tmp} after the target and the writing process.
 * A process ended mid-write by SIGTERM or SIGINT deletes its temporary files as the JVM shuts down;
 * one that cannot (SIGKILL, a crash) leaves them, and the next write of the same target removes
 * them once their writer is gone. A temporary file that another live process is writing is never
 * removed: see {@code TemporaryFiles} for the rule.
 *
 * <p>Thread-safe: concurrent writes of the same target each use their own temporary file; the last
 * rename wins.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Writes the content of a file to a stream. */
    @FunctionalInterface
    public interface ContentWriter {
        /**
         * Writes the whole content.
         *
         * @param out the stream (do not close it)
         * @throws IOException if writing fails
         */
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Replaces (or creates) {@code target} with {@code bytes}, atomically.
     *
     * @param target the file
     * @param bytes its new content
     * @throws IOException if the file cannot be written; the previous file is then unchanged
     */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /**
     * Replaces (or creates) {@code target} with what {@code writer} writes, atomically.
     *
     * @param target the file
     * @param writer writes the content
     * @throws IOException if the writer or the file system fails; the previous file is then
     *     unchanged and no temporary file remains
     */
    public static void write(Path target, ContentWriter writer) throws IOException {
        write(target, writer, UnaryOperator.identity());
    }

    /** As {@link #write(Path, ContentWriter)}, with a hook that wraps the stream (for tests). */
    static void write(Path target, ContentWriter writer, UnaryOperator<OutputStream> wrap)
            throws IOException {
        Path absolute = target.toAbsolutePath();
        Path folder = absolute.getParent();
        if (folder == null) {
            throw new IOException("Cannot write " + target + ": it has no parent folder");
        }
        if (Files.isDirectory(absolute)) {
            throw new IOException("Cannot write " + target + ": it is a folder");
        }
        requireFolder(target, folder);
        String name = absolute.getFileName().toString();
        TemporaryFiles.removeStale(folder, name);
        TemporaryFiles.Temporary temporary = TemporaryFiles.create(folder, name);
        Path temp = temporary.path();
        boolean done = false;
        try {
            try (FileChannel channel = temporary.channel()) {
                OutputStream out = wrap.apply(Channels.newOutputStream(channel));
                writer.writeTo(out);
                out.flush();
                channel.force(true);
            }
            keepPermissions(temp, absolute);
            try {
                Files.move(
                        temp,
                        absolute,
                        StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException(
                        "Cannot replace "
                                + target
                                + " atomically on this file system: "
                                + e.getMessage(),
                        e);
            }
            done = true;
            syncFolder(folder);
        } finally {
            if (!done) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    // The original failure matters more; the temporary file is hidden (dot name).
                }
            }
            temporary.close();
        }
    }

    /**
     * Refuses a target whose folder is missing or is a file, naming the target: the temporary file,
     * which would otherwise be the file reported missing, is no name the caller knows.
     */
    private static void requireFolder(Path target, Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new NoSuchFileException(
                    target.toString(),
                    null,
                    Files.exists(folder)
                            ? "its folder " + folder + " is a file, not a folder"
                            : "its folder " + folder + " does not exist; create it first");
        }
    }

    /**
     * Gives the temporary file the permissions of the file it replaces, else those of a file
     * created the usual way ({@code rw-r--r--}): a temporary file is created owner-only, which
     * would otherwise carry over to the result.
     */
    private static void keepPermissions(Path temp, Path target) throws IOException {
        if (!Files.getFileStore(temp).supportsFileAttributeView(PosixFileAttributeView.class)) {
            return;
        }
        Set<PosixFilePermission> permissions =
                Files.exists(target)
                        ? Files.getPosixFilePermissions(target)
                        : PosixFilePermissions.fromString("rw-r--r--");
        Files.setPosixFilePermissions(temp, permissions);
    }

    /** Makes the rename durable where the platform allows opening a folder (Linux, macOS). */
    private static void syncFolder(Path folder) {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Windows cannot open folders; the rename itself has already happened.
        }
    }
}
