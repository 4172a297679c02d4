package ai.graft.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reasons CUDA cannot be used, each made on a file tree that mimics a machine. */
class CudaHostTest {
    @TempDir Path root;

    private Path touch(String absolute) throws IOException {
        Path p = root.resolve(absolute.substring(1));
        Files.createDirectories(p.getParent());
        Files.write(p, new byte[0]);
        return p;
    }

    private void driver(String version, int gpus) throws IOException {
        touch("/usr/lib/x86_64-linux-gnu/libcuda.so.1");
        Path proc = root.resolve("proc/driver/nvidia");
        Files.createDirectories(proc.resolve("gpus"));
        Files.writeString(
                proc.resolve("version"),
                "NVRM version: NVIDIA UNIX x86_64 Kernel Module  "
                        + version
                        + "  Release Build  (dvs-builder@U16-I3-B07-3)  Wed Jan 15 2025\n"
                        + "GCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n");
        for (int i = 0; i < gpus; i++) {
            Files.createDirectories(proc.resolve("gpus/0000:0" + i + ":00.0"));
        }
    }

    private Optional<CudaHost.Problem> problem(Map<String, String> env, List<String> libs) {
        return CudaHost.of(root, env).problem(CudaHost.CUDA_12_DRIVER, libs);
    }

    @Test
    void problem_driverMissingWhenLibcudaIsNowhere() {
        CudaHost.Problem p = problem(Map.of(), List.of()).orElseThrow();
        assertEquals(CudaHost.Reason.DRIVER_MISSING, p.reason());
        assertTrue(p.message().contains("libcuda.so.1 is not loadable"), p.message());
    }

    @Test
    void problem_driverFoundThroughLdLibraryPathAndLdSoConf() throws IOException {
        touch("/opt/nv/libcuda.so.1");
        assertEquals(
                Optional.of(root.resolve("opt/nv/libcuda.so.1")),
                CudaHost.of(root, Map.of("LD_LIBRARY_PATH", "/nowhere::/opt/nv"))
                        .findLibrary("libcuda.so.1"));
        touch("/srv/drv/libcuda.so.1");
        Files.writeString(touch("/etc/ld.so.conf"), "# local\ninclude /etc/ld.so.conf.d/*.conf\n");
        Files.writeString(touch("/etc/ld.so.conf.d/nvidia.conf"), "/srv/drv # driver\n");
        assertEquals(
                Optional.of(root.resolve("srv/drv/libcuda.so.1")),
                CudaHost.of(root, Map.of()).findLibrary("libcuda.so.1"));
    }

    @Test
    void problem_versionMismatchWhenTheDriverIsOlderThanCuda12() throws IOException {
        driver("470.256.02", 1);
        CudaHost.Problem p = problem(Map.of(), List.of()).orElseThrow();
        assertEquals(CudaHost.Reason.VERSION_MISMATCH, p.reason());
        assertTrue(p.message().contains("470.256.02, older than 525.60.13"), p.message());
    }

    @Test
    void problem_versionMismatchWhenCudnnIsMissing() throws IOException {
        driver("550.54.15", 1);
        touch("/usr/lib/x86_64-linux-gnu/libcudart.so.12");
        CudaHost.Problem p =
                problem(Map.of(), List.of("libcudart.so.12", "libcudnn.so.9")).orElseThrow();
        assertEquals(CudaHost.Reason.VERSION_MISMATCH, p.reason());
        assertTrue(p.message().contains("libcudnn.so.9 is not loadable"), p.message());
    }

    @Test
    void problem_noDeviceWhenTheKernelDriverShowsNoneOrTheyAreHidden() throws IOException {
        touch("/usr/lib/libcuda.so.1");
        CudaHost.Problem notLoaded = problem(Map.of(), List.of()).orElseThrow();
        assertEquals(CudaHost.Reason.NO_DEVICE, notLoaded.reason());
        assertTrue(
                notLoaded.message().contains("kernel driver is not loaded"), notLoaded.message());

        driver("550.54.15", 0);
        CudaHost.Problem none = problem(Map.of(), List.of()).orElseThrow();
        assertEquals(CudaHost.Reason.NO_DEVICE, none.reason());
        assertTrue(none.message().contains("shows none"), none.message());

        driver("550.54.15", 2);
        assertEquals(Optional.empty(), problem(Map.of(), List.of()));
        for (String hidden : List.of("", "-1", "NoDevFiles", " -1,0")) {
            CudaHost.Problem p =
                    problem(Map.of("CUDA_VISIBLE_DEVICES", hidden), List.of()).orElseThrow();
            assertEquals(CudaHost.Reason.NO_DEVICE, p.reason(), hidden);
            assertTrue(p.message().contains("CUDA_VISIBLE_DEVICES='" + hidden + "'"), p.message());
        }
        assertEquals(
                1, CudaHost.of(root, Map.of("CUDA_VISIBLE_DEVICES", "1,-1,0")).visibleDevices());
        assertEquals(
                2, CudaHost.of(root, Map.of("CUDA_VISIBLE_DEVICES", "0,1,2,3")).visibleDevices());

        // WSL: no /proc/driver/nvidia, the GPU is behind /dev/dxg and CUDA decides.
        Files.walk(root.resolve("proc"))
                .sorted(java.util.Comparator.reverseOrder())
                .forEach(p -> p.toFile().delete());
        touch("/dev/dxg");
        assertEquals(Optional.empty(), problem(Map.of(), List.of()));
    }

    @Test
    void findLibrary_rejectsAPath() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> CudaHost.of(root, Map.of()).findLibrary("../../etc/passwd"));
        assertTrue(e.getMessage().contains("must be a plain file name"), e.getMessage());
    }

    @Test
    void compareVersions_isNumeric() {
        assertTrue(CudaHost.compareVersions("535.104.05", "525.60.13") > 0);
        assertTrue(CudaHost.compareVersions("525.60.9", "525.60.13") < 0);
        assertEquals(0, CudaHost.compareVersions("525.60.13", "525.60.13"));
    }

    @Test
    void beforeCuda_saysTheCpuPackageIsNotACudaBuildAndChecksTheMachine() throws IOException {
        CudaHost.Problem p = SessionOpener.beforeCuda(EnumSet.of(OrtProvider.CPU), host());
        assertEquals(CudaHost.Reason.NOT_IN_BUILD, p.reason());
        assertTrue(p.message().startsWith("CUDA natives not in this build"), p.message());
        assertTrue(p.message().contains("-Pcuda"), p.message());
        EnumSet<OrtProvider> gpuBuild = EnumSet.of(OrtProvider.CPU, OrtProvider.CUDA);
        assertEquals(
                CudaHost.Reason.DRIVER_MISSING,
                SessionOpener.beforeCuda(gpuBuild, host()).reason());
        driver("550.54.15", 1);
        // The CUDA libraries are not looked for before: they may come from the class path.
        assertEquals(null, SessionOpener.beforeCuda(gpuBuild, host()));
    }

    private CudaHost host() {
        return CudaHost.of(root, Map.of());
    }

    @Test
    void afterCudaFailed_namesTheHostProblemWithOnnxRuntimesMessageOnOneLine() throws IOException {
        String ort = "CUDA failure 100: no CUDA-capable device is detected ;\n GPU=0 ";
        CudaHost.Problem noDriver =
                SessionOpener.afterCudaFailed(CudaHost.of(root, Map.of()), true, 0, ort);
        assertEquals(CudaHost.Reason.DRIVER_MISSING, noDriver.reason());
        assertTrue(
                noDriver.message()
                        .endsWith(
                                "(ONNX Runtime: CUDA failure 100: no CUDA-capable"
                                        + " device is detected ; GPU=0)"),
                noDriver.message());

        driver("550.54.15", 1);
        CudaHost.Problem libs =
                SessionOpener.afterCudaFailed(CudaHost.of(root, Map.of()), false, 0, ort);
        assertEquals(CudaHost.Reason.VERSION_MISMATCH, libs.reason());
        assertTrue(libs.message().contains("libcudart.so.12 is not loadable"), libs.message());

        CudaHost.Problem other =
                SessionOpener.afterCudaFailed(
                        CudaHost.of(root, Map.of()), true, 3, "out of memory");
        assertEquals(CudaHost.Reason.ENGINE_FAILED, other.reason());
        assertEquals("ONNX Runtime could not use CUDA device 3: out of memory", other.message());
    }
}
