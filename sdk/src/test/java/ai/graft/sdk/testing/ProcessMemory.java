package ai.graft.sdk.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This process's resident memory, heap and native together, from Linux's {@code /proc/self/status}:
 * what a leak or a native allocation bomb shows up in when the Java heap does not.
 */
public final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final Path CLEAR_REFS = Path.of("/proc/self/clear_refs");

    private ProcessMemory() {}

    /**
     * Whether this system reports resident memory (Linux).
     *
     * @return true when {@code /proc/self/status} is readable
     */
    public static boolean available() {
        return Files.isReadable(STATUS);
    }

    /**
     * The resident set size now ({@code VmRSS}).
     *
     * @return bytes
     * @throws IllegalStateException when it cannot be read
     */
    public static long residentBytes() {
        return field("VmRSS:");
    }

    /**
     * The peak resident set size ({@code VmHWM}) since the process started or since {@link
     * #resetPeak()}.
     *
     * @return bytes
     * @throws IllegalStateException when it cannot be read
     */
    public static long peakResidentBytes() {
        return field("VmHWM:");
    }

    /**
     * Resets the peak to the current resident size (writes 5 to {@code /proc/self/clear_refs},
     * Linux 4.0 and later), so that {@link #peakResidentBytes()} covers only what follows.
     *
     * @return whether the peak was reset
     */
    public static boolean resetPeak() {
        try {
            Files.writeString(CLEAR_REFS, "5");
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    private static long field(String name) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(name)) {
                    // "VmRSS:	  123456 kB"
                    String[] parts = line.substring(name.length()).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("Cannot read " + name + " from " + STATUS, e);
        }
        throw new IllegalStateException("No " + name + " in " + STATUS);
    }
}
