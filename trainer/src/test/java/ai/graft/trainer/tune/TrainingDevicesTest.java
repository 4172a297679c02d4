package ai.graft.trainer.tune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.graft.sdk.CudaHost;
import ai.graft.sdk.GraftException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingDevicesTest {
    private static final ai.djl.Device CPU = ai.djl.Device.cpu();

    @TempDir Path root;

    private CudaHost host() {
        return CudaHost.of(root, Map.of());
    }

    private void driver(String version, int gpus) throws IOException {
        Files.createDirectories(root.resolve("usr/lib"));
        Files.write(root.resolve("usr/lib/libcuda.so.1"), new byte[0]);
        Path proc = root.resolve("proc/driver/nvidia/gpus");
        if (Files.isDirectory(proc)) {
            try (var old = Files.list(proc)) {
                for (Path gpu : old.toList()) {
                    Files.delete(gpu);
                }
            }
        }
        Files.createDirectories(proc);
        Files.writeString(
                proc.resolveSibling("version"),
                "NVRM version: NVIDIA UNIX x86_64 Kernel Module  " + version + "  Release Build\n");
        for (int i = 0; i < gpus; i++) {
            Files.createDirectories(proc.resolve("0000:0" + i + ":00.0"));
        }
    }

    @Test
    void of_followsTheWishAndTheGpusPyTorchSees() throws Exception {
        ai.djl.Device gpu0 = ai.djl.Device.gpu(0);
        ai.djl.Device gpu1 = ai.djl.Device.gpu(1);
        TrainingDevices.Torch two = new TrainingDevices.Torch("2.5.1", true, 2);
        assertArrayEquals(
                new ai.djl.Device[] {CPU},
                TrainingDevices.of(ai.graft.sdk.Device.CPU, two, host()).devices());
        assertArrayEquals(
                new ai.djl.Device[] {gpu0, gpu1},
                TrainingDevices.of(ai.graft.sdk.Device.CUDA, two, host()).devices());
        TrainingDevices.Choice auto =
                TrainingDevices.of(
                        ai.graft.sdk.Device.AUTO,
                        new TrainingDevices.Torch("2.5.1", true, 1),
                        host());
        assertArrayEquals(new ai.djl.Device[] {gpu0}, auto.devices());
        assertNull(auto.cpuBecause());
    }

    @Test
    void auto_namesCpuNativesAndGpuRefusesThem() throws Exception {
        TrainingDevices.Torch cpuBuild = new TrainingDevices.Torch("2.7.1", false, 0);
        driver("550.54.15", 1);
        TrainingDevices.Choice auto =
                TrainingDevices.of(ai.graft.sdk.Device.AUTO, cpuBuild, host());
        assertArrayEquals(new ai.djl.Device[] {CPU}, auto.devices());
        assertEquals(CudaHost.Reason.NOT_IN_BUILD, auto.cpuBecause().reason());
        GraftException e =
                assertThrows(
                        GraftException.class,
                        () -> TrainingDevices.of(ai.graft.sdk.Device.CUDA, cpuBuild, host()));
        assertEquals(
                "--device gpu: PyTorch sees no GPU (CUDA natives not in this build: PyTorch 2.7.1"
                        + " runs on its CPU natives; build with -Pcuda, or run ./graft with"
                        + " GRAFT_CUDA=1), or use --device cpu",
                e.getMessage());
    }

    @Test
    void auto_withCudaNativesNamesWhatTheMachineLacks() throws Exception {
        TrainingDevices.Torch cuda = new TrainingDevices.Torch("2.5.1", true, 0);
        TrainingDevices.Choice noDriver =
                TrainingDevices.of(ai.graft.sdk.Device.AUTO, cuda, host());
        assertEquals(CudaHost.Reason.DRIVER_MISSING, noDriver.cpuBecause().reason());
        assertTrue(noDriver.cpuBecause().message().contains("libcuda.so.1"));

        driver("470.82.01", 1);
        assertEquals(
                CudaHost.Reason.VERSION_MISMATCH,
                TrainingDevices.of(ai.graft.sdk.Device.AUTO, cuda, host()).cpuBecause().reason());

        driver("550.54.15", 0);
        assertEquals(
                CudaHost.Reason.NO_DEVICE,
                TrainingDevices.of(ai.graft.sdk.Device.AUTO, cuda, host()).cpuBecause().reason());
        GraftException strict =
                assertThrows(
                        GraftException.class,
                        () -> TrainingDevices.of(ai.graft.sdk.Device.CUDA, cuda, host()));
        assertTrue(
                strict.getMessage()
                        .startsWith("--device gpu: PyTorch sees no GPU (no GPU" + " visible"),
                strict.getMessage());

        driver("550.54.15", 1);
        CudaHost.Problem unknown =
                TrainingDevices.of(ai.graft.sdk.Device.AUTO, cuda, host()).cpuBecause();
        assertEquals(CudaHost.Reason.ENGINE_FAILED, unknown.reason());
        assertTrue(unknown.message().contains("PyTorch 2.5.1 has CUDA natives"), unknown.message());
    }

    @Test
    void torch_describesTheLoadedNatives() {
        TrainingDevices.Torch torch = TrainingDevices.torch();
        assertEquals(System.getProperty("graft.pytorch.version"), torch.version());
        assertEquals(
                System.getProperty("graft.pytorch.flavor").startsWith("cu"), torch.cudaNatives());
    }
}
