package ai.graft.sdk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a Linux machine offers CUDA, read from its files and environment without loading any
 * library: the NVIDIA driver library ({@code libcuda.so.1}) on the dynamic loader's search path,
 * the kernel driver's version, the GPUs it shows and {@code CUDA_VISIBLE_DEVICES}. An engine
 * decides whether it can run on CUDA; this class says why it could not, so that a fallback to the
 * CPU names the cause. Immutable and thread-safe.
 *
 * <pre>{@code
 * CudaHost.system()
 *         .problem(CudaHost.CUDA_12_DRIVER, List.of("libcudnn.so.9"))
 *         .ifPresent(p -> System.err.println(p.message()));
 * }</pre>
 */
public final class CudaHost {
    /**
     * The oldest Linux driver that runs CUDA 12 applications (CUDA's minor version compatibility):
     * both ONNX Runtime's CUDA package and the cu124 libtorch need it.
     */
    public static final String CUDA_12_DRIVER = "525.60.13";

    /** Why CUDA cannot be used, from the outermost cause inwards. */
    public enum Reason {
        /** The engine on the class path has no CUDA support at all (a CPU-only build). */
        NOT_IN_BUILD,
        /** The NVIDIA driver library {@code libcuda.so.1} is not on the loader's search path. */
        DRIVER_MISSING,
        /**
         * The driver is older than the CUDA the natives were built with, or a library is absent.
         */
        VERSION_MISMATCH,
        /** The driver is there but shows no GPU to this process. */
        NO_DEVICE,
        /** Everything above looks right and the engine still could not use CUDA. */
        ENGINE_FAILED
    }

    /**
     * A reason CUDA cannot be used, with the sentence that explains it.
     *
     * @param reason the kind of problem
     * @param message what is wrong and what to do, naming the file or value concerned
     */
    public record Problem(Reason reason, String message) {
        /** Checks the fields. */
        public Problem {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(message, "message");
        }
    }

    // Where glibc looks when ld.so.cache does not list a library, plus the places where NVIDIA's
    // container toolkit and WSL put the driver.
    private static final List<String> DEFAULT_DIRS =
            List.of(
                    "/lib64",
                    "/usr/lib64",
                    "/lib",
                    "/usr/lib",
                    "/lib/x86_64-linux-gnu",
                    "/usr/lib/x86_64-linux-gnu",
                    "/lib/aarch64-linux-gnu",
                    "/usr/lib/aarch64-linux-gnu",
                    "/usr/local/nvidia/lib64",
                    "/usr/local/nvidia/lib",
                    "/usr/lib/wsl/lib");
    private static final Pattern DRIVER_VERSION =
            Pattern.compile("Kernel Module\\s+(\\d+(\\.\\d+)+)");
    private static final String DRIVER_LIBRARY = "libcuda.so.1";

    private final Path root;
    private final Map<String, String> env;

    private CudaHost(Path root, Map<String, String> env) {
        this.root = root;
        this.env = Map.copyOf(env);
    }

    /**
     * This machine, as the current process sees it.
     *
     * @return the host at {@code /} with this process's environment
     */
    public static CudaHost system() {
        return new CudaHost(Path.of("/"), System.getenv());
    }

    /**
     * A machine whose file system starts at {@code root}, with the environment {@code env}: for
     * tests, and for checking a mounted image.
     *
     * @param root where {@code /} is
     * @param env the environment variables ({@code LD_LIBRARY_PATH}, {@code CUDA_VISIBLE_DEVICES})
     * @return the host
     */
    public static CudaHost of(Path root, Map<String, String> env) {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(env, "env");
        return new CudaHost(root, env);
    }

    /**
     * Finds a shared library the way the dynamic loader would: {@code LD_LIBRARY_PATH}, the folders
     * of {@code /etc/ld.so.conf} (and the files it includes), then the default folders.
     *
     * @param fileName the library's file name, for example {@code libcudnn.so.9}
     * @return the first file of that name, if any
     */
    public Optional<Path> findLibrary(String fileName) {
        if (fileName.isEmpty() || fileName.contains("/")) {
            throw new IllegalArgumentException(
                    "Library name '"
                            + fileName
                            + "' must be a plain file name such as libcuda.so.1");
        }
        for (String dir : searchPath()) {
            Path file = inRoot(dir).resolve(fileName);
            if (Files.exists(file)) {
                return Optional.of(file);
            }
        }
        return Optional.empty();
    }

    /**
     * The version of the NVIDIA kernel driver, from {@code /proc/driver/nvidia/version}.
     *
     * @return the version, such as {@code 550.54.15}, if the driver is loaded
     */
    public Optional<String> driverVersion() {
        Path file = inRoot("/proc/driver/nvidia/version");
        try {
            Matcher m = DRIVER_VERSION.matcher(Files.readString(file, StandardCharsets.UTF_8));
            return m.find() ? Optional.of(m.group(1)) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * How many GPUs the kernel driver shows this process: the entries of {@code
     * /proc/driver/nvidia/gpus}, limited by {@code CUDA_VISIBLE_DEVICES} (empty, {@code -1} or
     * {@code NoDevFiles} hide them all; otherwise CUDA counts the entries up to the first invalid
     * one).
     *
     * @return the number of GPUs, 0 when the kernel driver is not loaded
     */
    public int visibleDevices() {
        int gpus = 0;
        try (DirectoryStream<Path> d =
                Files.newDirectoryStream(inRoot("/proc/driver/nvidia/gpus"))) {
            for (Path ignored : d) {
                gpus++;
            }
        } catch (IOException e) {
            return 0;
        }
        String visible = env.get("CUDA_VISIBLE_DEVICES");
        if (visible == null) {
            return gpus;
        }
        int shown = 0;
        for (String entry : visible.split(",", -1)) {
            String e = entry.strip();
            if (e.isEmpty() || e.startsWith("-") || e.equalsIgnoreCase("NoDevFiles")) {
                break;
            }
            shown++;
        }
        return Math.min(shown, gpus);
    }

    /**
     * The first reason, if any, why CUDA cannot run here: no driver library, a driver older than
     * {@code minimumDriver}, a missing CUDA library, no visible GPU.
     *
     * @param minimumDriver the oldest driver version the natives accept, such as {@link
     *     #CUDA_12_DRIVER}
     * @param libraries the CUDA libraries the natives load from the search path (none when they
     *     bring their own)
     * @return the problem, or empty when the machine looks ready for CUDA
     */
    public Optional<Problem> problem(String minimumDriver, List<String> libraries) {
        if (findLibrary(DRIVER_LIBRARY).isEmpty()) {
            return Optional.of(
                    new Problem(
                            Reason.DRIVER_MISSING,
                            "the NVIDIA driver is missing ("
                                    + DRIVER_LIBRARY
                                    + " is not loadable: not in LD_LIBRARY_PATH, /etc/ld.so.conf or "
                                    + String.join(", ", DEFAULT_DIRS.subList(0, 6))
                                    + "); install the NVIDIA driver, or in a container run with"
                                    + " the NVIDIA container toolkit (--gpus all)"));
        }
        Optional<String> driver = driverVersion();
        if (driver.isPresent() && compareVersions(driver.get(), minimumDriver) < 0) {
            return Optional.of(
                    new Problem(
                            Reason.VERSION_MISMATCH,
                            "CUDA version mismatch: the NVIDIA driver is "
                                    + driver.get()
                                    + ", older than "
                                    + minimumDriver
                                    + " that CUDA 12 needs; update the driver"));
        }
        for (String library : libraries) {
            if (findLibrary(library).isEmpty()) {
                return Optional.of(
                        new Problem(
                                Reason.VERSION_MISMATCH,
                                "CUDA/cuDNN version mismatch: "
                                        + library
                                        + " is not loadable (ONNX Runtime's CUDA provider needs"
                                        + " CUDA 12 and cuDNN 9: build with -Pcuda, which brings"
                                        + " them, or install them on LD_LIBRARY_PATH)"));
            }
        }
        // WSL has no /proc/driver/nvidia: its GPUs are behind /dev/dxg, and CUDA itself decides.
        if (visibleDevices() == 0 && !Files.exists(inRoot("/dev/dxg"))) {
            String visible = env.get("CUDA_VISIBLE_DEVICES");
            return Optional.of(
                    new Problem(
                            Reason.NO_DEVICE,
                            driver.isEmpty()
                                    ? "no GPU visible: the NVIDIA kernel driver is not loaded"
                                            + " (/proc/driver/nvidia/version is missing)"
                                    : visible != null
                                            ? "no GPU visible: CUDA_VISIBLE_DEVICES='"
                                                    + visible
                                                    + "' hides them"
                                            : "no GPU visible: the driver "
                                                    + driver.get()
                                                    + " shows none in /proc/driver/nvidia/gpus"));
        }
        return Optional.empty();
    }

    /**
     * Compares dotted version numbers numerically ({@code 535.104.05} after {@code 525.60.13}).
     *
     * @return negative, zero or positive as {@code a} is older, the same or newer
     */
    static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            long p = i < x.length ? parse(x[i]) : 0;
            long q = i < y.length ? parse(y[i]) : 0;
            if (p != q) {
                return Long.compare(p, q);
            }
        }
        return 0;
    }

    private static long parse(String part) {
        try {
            return Long.parseLong(part);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private List<String> searchPath() {
        Set<String> dirs = new LinkedHashSet<>();
        String ld = env.get("LD_LIBRARY_PATH");
        if (ld != null) {
            for (String d : ld.split(":")) {
                if (!d.isBlank()) {
                    dirs.add(d);
                }
            }
        }
        readLdConf(inRoot("/etc/ld.so.conf"), dirs, 0);
        dirs.addAll(DEFAULT_DIRS);
        return new ArrayList<>(dirs);
    }

    // ld.so.conf holds folders and "include GLOB" lines; the glob is a file pattern in one folder.
    private void readLdConf(Path file, Set<String> dirs, int depth) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return;
        }
        for (String raw : lines) {
            String line = raw.replaceFirst("#.*", "").strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.toLowerCase(Locale.ROOT).startsWith("include ") && depth < 4) {
                String glob = line.substring("include ".length()).strip();
                Path pattern = Path.of(glob);
                Path dir = pattern.getParent() == null ? Path.of("/etc") : pattern.getParent();
                String name = pattern.getFileName().toString();
                List<Path> included = new ArrayList<>();
                try (DirectoryStream<Path> d =
                        Files.newDirectoryStream(inRoot(dir.toString()), name)) {
                    d.forEach(included::add);
                } catch (IOException | RuntimeException e) {
                    continue;
                }
                included.sort(null);
                for (Path p : included) {
                    readLdConf(p, dirs, depth + 1);
                }
            } else if (line.startsWith("/")) {
                dirs.add(line);
            }
        }
    }

    private Path inRoot(String absolute) {
        return root.resolve(absolute.replaceFirst("^/+", ""));
    }
}
