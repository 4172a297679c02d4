package ai.graft.converter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AtomicFiles} leaves no temporary file behind a writer that was killed: SIGTERM deletes it
 * as the JVM ends, and after SIGKILL the next write of the same target removes it; a temporary file
 * that a live writer (in this JVM, in another process, or locked from anywhere) is writing is never
 * removed, nor is any file outside the exact naming pattern.
 */
class AtomicFilesTemporariesTest {
    /** Above every Linux {@code pid_max} (at most 2^22) and macOS's 99998: no process has it. */
    private static final long NO_SUCH_PID = 999_999_999L;

    @TempDir Path dir;

    private static final byte[] OLD = "old content".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NEW = "new content".getBytes(StandardCharsets.UTF_8);

    /** The hidden temporary files of {@code target} in its folder. */
    private static List<Path> temporaries(Path target) throws IOException {
        String prefix = "." + target.getFileName() + ".";
        try (Stream<Path> files = Files.list(target.getParent())) {
            return files.filter(p -> p.getFileName().toString().startsWith(prefix))
                    .filter(p -> p.getFileName().toString().endsWith(".tmp"))
                    .sorted()
                    .toList();
        }
    }

    /** A child JVM running {@link AtomicFilesChild}, once it has said it is ready. */
    private Process child(String mode, Path file) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb =
                new ProcessBuilder(
                        java.toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        AtomicFilesChild.class.getName(),
                        mode,
                        file.toString());
        Path err = dir.resolve("child-" + mode + ".err");
        pb.redirectError(err.toFile());
        Process process = pb.start();
        BufferedReader out =
                new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null) {
            process.destroyForcibly();
            throw new AssertionError("child " + mode + " failed: " + Files.readString(err));
        }
        assertEquals(mode.equals("write") ? "writing" : "locked", line);
        return process;
    }

    private static void end(Process process, boolean forcibly) throws InterruptedException {
        if (forcibly) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the child ended");
    }

    @Test
    void write_removesTheTemporaryFileOfAWriterKilledWithSigkill() throws Exception {
        Path target = Files.write(dir.resolve("model.onnx"), OLD);
        Process writer = child("write", target);
        end(writer, true);
        List<Path> left = temporaries(target);
        assertEquals(1, left.size(), "SIGKILL leaves the temporary file: " + left);
        assertEquals(
                ".model.onnx." + writer.pid() + "-",
                left.get(0).getFileName().toString().replaceAll("\\d+\\.tmp$", ""),
                "named after the target and the writer's PID");
        assertEquals("old content", Files.readString(target), "the target is untouched");

        AtomicFiles.write(target, NEW);

        assertEquals(List.of(), temporaries(target));
        assertEquals("new content", Files.readString(target));
    }

    @Test
    void sigterm_deletesTheTemporaryFileBeingWritten() throws Exception {
        Path target = Files.write(dir.resolve("model.onnx"), OLD);
        Process writer = child("write", target);
        assertEquals(1, temporaries(target).size(), "mid-write");
        end(writer, false);

        assertEquals(143, writer.exitValue(), "128 + SIGTERM: the JVM shut down");
        assertEquals(List.of(), temporaries(target), "the shutdown hook deleted it");
        assertEquals("old content", Files.readString(target));
    }

    @Test
    void write_keepsTheTemporaryFileOfAWriterStillRunning() throws Exception {
        Path target = Files.write(dir.resolve("model.onnx"), OLD);
        Process writer = child("write", target);
        try {
            List<Path> theirs = temporaries(target);
            assertEquals(1, theirs.size());

            AtomicFiles.write(target, NEW);

            assertEquals(theirs, temporaries(target), "a live process's file is left alone");
            assertEquals("new content", Files.readString(target));
        } finally {
            end(writer, true);
        }
    }

    @Test
    void write_keepsAFileLockedByAnotherProcessThoughNoProcessHasItsPid() throws Exception {
        // As a writer on another machine sharing the folder looks: its PID means nothing here.
        Path target = dir.resolve("model.onnx");
        Path remote = Files.write(dir.resolve(".model.onnx." + NO_SUCH_PID + "-7.tmp"), OLD);
        Process holder = child("lock", remote);
        try {
            AtomicFiles.write(target, NEW);
            assertTrue(Files.exists(remote), "a locked file is being written");
        } finally {
            end(holder, true);
        }
        AtomicFiles.write(target, NEW);
        assertFalse(Files.exists(remote), "once the lock is gone the file is stale");
    }

    @Test
    void write_inTheSameJvmLeavesAConcurrentWritersTemporaryAlone() throws Exception {
        Path target = Files.write(dir.resolve("model.onnx"), OLD);
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch proceed = new CountDownLatch(1);
        CompletableFuture<Void> slow =
                CompletableFuture.runAsync(
                        () -> {
                            try {
                                AtomicFiles.write(
                                        target,
                                        out -> {
                                            out.write("slow ".getBytes(StandardCharsets.UTF_8));
                                            writing.countDown();
                                            try {
                                                proceed.await();
                                            } catch (InterruptedException e) {
                                                throw new IOException(e);
                                            }
                                            out.write("writer".getBytes(StandardCharsets.UTF_8));
                                        });
                            } catch (IOException e) {
                                throw new RuntimeException(e);
                            }
                        });
        writing.await();
        List<Path> theirs = temporaries(target);
        assertEquals(1, theirs.size());

        AtomicFiles.write(target, NEW);
        assertEquals(theirs, temporaries(target));

        proceed.countDown();
        slow.get();
        assertEquals("slow writer", Files.readString(target), "the slow write completed");
        assertEquals(List.of(), temporaries(target));
    }

    @Test
    void write_removesOnlyFilesOfItsOwnExactNaming() throws Exception {
        Path target = dir.resolve("model.onnx");
        Path stale = Files.write(dir.resolve(".model.onnx." + NO_SUCH_PID + "-1.tmp"), OLD);
        Path outsider = Files.write(dir.resolve("elsewhere.bin"), OLD);
        List<Path> others =
                List.of(
                        Files.write(dir.resolve(".model.onnx." + NO_SUCH_PID + "-1.tmp.bak"), OLD),
                        Files.write(dir.resolve(".model.onnx.x-1.tmp"), OLD),
                        Files.write(dir.resolve(".model.onnx." + NO_SUCH_PID + "-x.tmp"), OLD),
                        Files.write(dir.resolve("model.onnx." + NO_SUCH_PID + "-1.tmp"), OLD),
                        Files.write(dir.resolve(".other.onnx." + NO_SUCH_PID + "-1.tmp"), OLD),
                        Files.write(dir.resolve(".model." + NO_SUCH_PID + "-1.tmp"), OLD),
                        Files.createDirectory(dir.resolve(".model.onnx." + NO_SUCH_PID + "-2.tmp")),
                        Files.createSymbolicLink(
                                dir.resolve(".model.onnx." + NO_SUCH_PID + "-3.tmp"), outsider));

        AtomicFiles.write(target, NEW);

        assertFalse(Files.exists(stale), "its own stale file is removed");
        for (Path p : others) {
            assertTrue(Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS), p + " is kept");
        }
        assertEquals("old content", Files.readString(outsider), "a link is not followed");
    }

    @Test
    void write_removesAnEarlierVersionsTemporaryOnlyOnceItIsOld() throws Exception {
        Path target = dir.resolve("model.onnx");
        Path old = Files.write(dir.resolve(".model.onnx.1234567890123.tmp"), OLD);
        Files.setLastModifiedTime(
                old,
                FileTime.from(
                        Instant.now().minus(TemporaryFiles.LEGACY_AGE).minus(Duration.ofHours(1))));
        Path recent = Files.write(dir.resolve(".model.onnx.1234567890124.tmp"), OLD);

        AtomicFiles.write(target, NEW);

        assertFalse(Files.exists(old), "untouched for longer than the legacy age");
        assertTrue(Files.exists(recent), "an earlier version may still be writing it");
    }

    @Test
    void ownerMayRun_aPidReusedByALaterProcessCountsAsGone() {
        long self = ProcessHandle.current().pid();
        assertTrue(TemporaryFiles.ownerMayRun(self, Instant.now()), "written by this process");
        assertFalse(
                TemporaryFiles.ownerMayRun(self, Instant.EPOCH),
                "written before this process started: another process had the PID");
        assertFalse(TemporaryFiles.ownerMayRun(NO_SUCH_PID, Instant.now()));
    }
}
