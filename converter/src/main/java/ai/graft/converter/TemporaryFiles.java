package ai.graft.converter;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The temporary files of {@link AtomicFiles}: each is named {@code .NAME.PID-N.tmp} after its
 * target {@code NAME} and the process {@code PID} writing it, is locked while it is written, is
 * deleted by a shutdown hook when the JVM ends mid-write (SIGTERM, SIGINT, {@code System.exit}),
 * and is removed by a later write of the same target when its writer is gone (SIGKILL, a crash, a
 * power cut).
 *
 * <p>A temporary file is stale, and removed, only when all of these hold: its name follows this
 * pattern exactly for the target being written, it is a regular file (not a link), it is not being
 * written by this JVM, no process with its PID runs (or the one that does started after the file
 * was last written, so the PID was reused), and no process holds its lock. The PID makes two live
 * writers on one machine safe from each other; the lock, which the operating system releases when
 * its holder dies however it dies, also protects a writer on another machine or in another PID
 * namespace sharing the folder. Temporary files named {@code .NAME.N.tmp} by earlier versions of
 * Graft carry no PID and were not locked: they are removed once nothing has written them for {@link
 * #LEGACY_AGE}.
 *
 * <p>Thread-safe.
 */
final class TemporaryFiles {
    /** How long a temporary file of an earlier version must lie untouched to count as stale. */
    static final Duration LEGACY_AGE = Duration.ofHours(1);

    private static final long PID = ProcessHandle.current().pid();

    /** The temporary files this JVM is writing now. */
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();

    /** Guards {@link #shuttingDown}: no file is created once the shutdown hook has started. */
    private static final Object SHUTDOWN = new Object();

    private static boolean shuttingDown;

    private TemporaryFiles() {}

    /** A temporary file being written: open, locked, and deleted if the JVM ends first. */
    static final class Temporary implements AutoCloseable {
        private final Path path;
        private final FileChannel channel;

        private Temporary(Path path, FileChannel channel) {
            this.path = path;
            this.channel = channel;
        }

        /** The file. */
        Path path() {
            return path;
        }

        /** The channel to write to, holding the file's lock until it is closed. */
        FileChannel channel() {
            return channel;
        }

        /**
         * Stops tracking the file (call it once the file has been renamed over its target or
         * deleted); closes the channel if that was not done.
         */
        @Override
        public void close() {
            closeQuietly(channel);
            LIVE.remove(path);
        }
    }

    /**
     * Creates, opens and locks a new temporary file for {@code name} in {@code folder}, readable by
     * its owner only.
     *
     * @param folder the target's folder
     * @param name the target's file name
     * @return the temporary file; close it after renaming or deleting the file
     * @throws IOException when it cannot be created
     */
    static Temporary create(Path folder, String name) throws IOException {
        ShutdownHook.install();
        while (true) {
            long n = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
            Path path = folder.resolve("." + name + "." + PID + "-" + n + ".tmp");
            // Known as live before it exists: a cleanup in this JVM never opens it, which would
            // release its lock (POSIX locks belong to the process, not to the channel).
            if (!LIVE.add(path)) {
                continue;
            }
            FileChannel channel;
            try {
                synchronized (SHUTDOWN) {
                    // After the hook has run, a new file would outlive the JVM.
                    if (shuttingDown) {
                        throw new IOException(
                                "Not writing "
                                        + folder.resolve(name)
                                        + ": the JVM is shutting down");
                    }
                    channel =
                            FileChannel.open(
                                    path,
                                    Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                                    ownerOnly());
                }
            } catch (FileAlreadyExistsException e) {
                LIVE.remove(path);
                continue;
            } catch (IOException | RuntimeException e) {
                LIVE.remove(path);
                throw e;
            }
            try {
                // A new name: nobody else can hold its lock, and tryLock never waits (NFS).
                channel.tryLock();
            } catch (IOException e) {
                // Some file systems (some network mounts) have no locks: the PID still protects.
            } catch (RuntimeException e) {
                closeQuietly(channel);
                Files.deleteIfExists(path);
                LIVE.remove(path);
                throw e;
            }
            return new Temporary(path, channel);
        }
    }

    private static FileAttribute<?>[] ownerOnly() {
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return new FileAttribute<?>[] {
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
            };
        }
        return new FileAttribute<?>[0];
    }

    /**
     * Removes the stale temporary files of earlier writes of {@code name} in {@code folder} (see
     * the class comment for what counts as stale). Never fails: a file that cannot be examined or
     * removed is left.
     *
     * @param folder the target's folder
     * @param name the target's file name
     * @return the files removed
     */
    static List<Path> removeStale(Path folder, String name) {
        String prefix = "." + name + ".";
        Pattern own = Pattern.compile(Pattern.quote(prefix) + "(\\d{1,19})-\\d{1,19}\\.tmp");
        Pattern legacy = Pattern.compile(Pattern.quote(prefix) + "\\d{1,20}\\.tmp");
        List<Path> removed = new ArrayList<>();
        DirectoryStream.Filter<Path> candidates =
                p -> {
                    String file = p.getFileName().toString();
                    return file.startsWith(prefix) && file.endsWith(".tmp");
                };
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder, candidates)) {
            for (Path p : entries) {
                if (!LIVE.contains(p) && isStale(p, own, legacy) && unlocked(p)) {
                    try {
                        if (Files.deleteIfExists(p)) {
                            removed.add(p);
                        }
                    } catch (IOException e) {
                        // Left for a later write; this one does not depend on it.
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // An unreadable folder fails the write itself, with its own message.
        }
        return removed;
    }

    private static boolean isStale(Path p, Pattern own, Pattern legacy) {
        String file = p.getFileName().toString();
        BasicFileAttributes attributes;
        try {
            attributes =
                    Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return false;
        }
        if (!attributes.isRegularFile()) {
            return false;
        }
        FileTime modified = attributes.lastModifiedTime();
        Matcher m = own.matcher(file);
        if (m.matches()) {
            long pid;
            try {
                pid = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                return false;
            }
            return !ownerMayRun(pid, modified.toInstant());
        }
        if (legacy.matcher(file).matches()) {
            return modified.toInstant().isBefore(Instant.now().minus(LEGACY_AGE));
        }
        return false;
    }

    /**
     * Whether the process that wrote a file may still run: a process with its PID runs and did not
     * start after the file was last written (a process that did is another one with a reused PID).
     */
    static boolean ownerMayRun(long pid, Instant lastWritten) {
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            return false;
        }
        // A second of slack: process start times are kept in clock ticks.
        Optional<Instant> started = process.get().info().startInstant();
        return started.isEmpty() || !started.get().isAfter(lastWritten.plusSeconds(1));
    }

    /** Whether no process holds the file's lock (true where the file system has no locks). */
    private static boolean unlocked(Path p) {
        try (FileChannel channel = FileChannel.open(p, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return false;
            }
            lock.release();
            return true;
        } catch (OverlappingFileLockException | NoSuchFileException | AccessDeniedException e) {
            return false;
        } catch (IOException e) {
            return true; // no locks here; the PID already said its writer is gone
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // closing after a failure
        }
    }

    /** Deletes the temporary files being written when the JVM shuts down; installed once. */
    private static final class ShutdownHook {
        static {
            try {
                Runtime.getRuntime()
                        .addShutdownHook(
                                new Thread(ShutdownHook::deleteLive, "graft-atomic-files-cleanup"));
            } catch (IllegalStateException e) {
                // Already shutting down: nothing is installed, a later write removes what stays.
            }
        }

        /** Installs the hook (the first call loads this class, whose initialiser runs once). */
        static void install() {}

        private static void deleteLive() {
            synchronized (SHUTDOWN) {
                shuttingDown = true;
            }
            for (Path p : LIVE) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException | RuntimeException e) {
                    // Left for a later write of the same target.
                }
            }
        }
    }
}
