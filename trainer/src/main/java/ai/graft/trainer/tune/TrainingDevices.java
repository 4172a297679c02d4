package ai.graft.trainer.tune;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.StandardCapabilities;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.LibUtils;
import ai.graft.sdk.CudaHost;
import ai.graft.sdk.GraftException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The devices a graph run trains on, and a batch split across them: {@code cpu}; {@code gpu} for
 * every GPU PyTorch sees (each batch split across them, gradients summed by DJL's parameter
 * server), refusing to start without one; {@code auto} for the GPUs when there are any, else the
 * CPU with the reason: CUDA natives not in this build, the driver missing, a CUDA version mismatch,
 * no GPU visible ({@link CudaHost}).
 */
final class TrainingDevices {
    /** The engine the graph strategies train with. */
    static final String ENGINE = "PyTorch";

    // More GPUs than this in one machine would need DJL's count; the probe stops here.
    private static final int MAX_PROBED_GPUS = 64;

    /**
     * What PyTorch offers on this machine.
     *
     * @param version PyTorch's version
     * @param cudaNatives whether the loaded libtorch is a CUDA build
     * @param gpus how many GPUs it can use
     */
    record Torch(String version, boolean cudaNatives, int gpus) {}

    /**
     * The devices a run trains on.
     *
     * @param devices the devices, the first one holding the parameters
     * @param cpuBecause why {@code auto} chose the CPU, or null
     */
    record Choice(Device[] devices, CudaHost.Problem cpuBecause) {}

    private TrainingDevices() {}

    /**
     * The devices a run trains on, as PyTorch sees them on this machine.
     *
     * @param wanted CPU, CUDA (every GPU) or AUTO (the GPUs when there are any, else the CPU)
     * @return the devices and, for AUTO on the CPU, why
     * @throws GraftException when GPUs are asked for and PyTorch sees none
     */
    static Choice of(ai.graft.sdk.Device wanted) throws GraftException {
        if (wanted == ai.graft.sdk.Device.CPU) {
            // Not even asking for GPUs: the probe logs warnings on machines without CUDA.
            return new Choice(new Device[] {Device.cpu()}, null);
        }
        return of(wanted, torch(), CudaHost.system());
    }

    /**
     * What the PyTorch engine offers: a CUDA libtorch has {@code libtorch_cuda.so} beside {@code
     * libtorch.so}; its GPUs are those PyTorch itself reports usable. DJL counts them through the
     * system's CUDA runtime, which a machine with only the driver lacks (the CUDA libtorch brings
     * its own under another name), so when PyTorch has CUDA and DJL counts none, each device is
     * tried.
     */
    static Torch torch() {
        Engine engine = Engine.getEngine(ENGINE);
        boolean natives = Files.exists(Path.of(LibUtils.getLibtorchPath(), "libtorch_cuda.so"));
        int gpus = 0;
        if (natives && engine.hasCapability(StandardCapabilities.CUDA)) {
            gpus = engine.getGpuCount();
            if (gpus == 0) {
                while (gpus < MAX_PROBED_GPUS && usable(Device.gpu(gpus))) {
                    gpus++;
                }
            }
        }
        return new Torch(engine.getVersion(), natives, gpus);
    }

    private static boolean usable(Device gpu) {
        try (NDManager m = NDManager.newBaseManager(gpu, ENGINE)) {
            m.zeros(new Shape(1)).toFloatArray();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * The devices a run trains on.
     *
     * @param wanted CPU, CUDA (every GPU) or AUTO (the GPUs when there are any, else the CPU)
     * @param torch what PyTorch offers
     * @param host the machine, to say why PyTorch sees no GPU
     * @return the devices, the first one holding the parameters, and for AUTO on the CPU why
     * @throws GraftException when GPUs are asked for and PyTorch sees none
     */
    static Choice of(ai.graft.sdk.Device wanted, Torch torch, CudaHost host) throws GraftException {
        if (wanted == ai.graft.sdk.Device.CPU) {
            return new Choice(new Device[] {Device.cpu()}, null);
        }
        if (torch.gpus() > 0) {
            Device[] all = new Device[torch.gpus()];
            for (int i = 0; i < all.length; i++) {
                all[i] = Device.gpu(i);
            }
            return new Choice(all, null);
        }
        CudaHost.Problem why = whyNoGpu(torch, host);
        if (wanted == ai.graft.sdk.Device.CUDA) {
            throw new GraftException(
                    "--device gpu: PyTorch sees no GPU ("
                            + why.message()
                            + "), or use --device cpu");
        }
        return new Choice(new Device[] {Device.cpu()}, why);
    }

    /** Why PyTorch sees no GPU: its natives, else the machine, else PyTorch's own warning. */
    static CudaHost.Problem whyNoGpu(Torch torch, CudaHost host) {
        if (!torch.cudaNatives()) {
            return new CudaHost.Problem(
                    CudaHost.Reason.NOT_IN_BUILD,
                    "CUDA natives not in this build: PyTorch "
                            + torch.version()
                            + " runs on its CPU natives; build with -Pcuda, or run ./graft with"
                            + " GRAFT_CUDA=1");
        }
        // The CUDA libtorch brings its CUDA runtime and cuDNN: only the driver comes from the host.
        return host.problem(CudaHost.CUDA_12_DRIVER, List.of())
                .orElseGet(
                        () ->
                                new CudaHost.Problem(
                                        CudaHost.Reason.ENGINE_FAILED,
                                        "PyTorch "
                                                + torch.version()
                                                + " has CUDA natives and the driver shows a GPU,"
                                                + " but PyTorch cannot use it (see its warning"
                                                + " above)"));
    }

    /**
     * Splits a batch across the devices, one part per device that gets rows.
     *
     * @param x the inputs
     * @param y the labels
     * @param devices the devices
     * @param sub owns the parts
     * @return per part, its inputs and its labels on its device
     */
    static List<NDArray[]> split(NDArray x, NDArray y, Device[] devices, NDManager sub) {
        List<NDArray[]> parts = new ArrayList<>();
        long n = x.getShape().get(0);
        if (devices.length == 1) {
            parts.add(new NDArray[] {x.toDevice(devices[0], false), y.toDevice(devices[0], false)});
            return parts;
        }
        long from = 0;
        for (int d = 0; d < devices.length && from < n; d++) {
            long to = from + (n - from + (devices.length - d) - 1) / (devices.length - d);
            NDArray xp = x.get(from + ":" + to).toDevice(devices[d], false);
            NDArray yp = y.get(from + ":" + to).toDevice(devices[d], false);
            xp.attach(sub);
            yp.attach(sub);
            parts.add(new NDArray[] {xp, yp});
            from = to;
        }
        return parts;
    }
}
