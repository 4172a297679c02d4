package ai.graft.trainer.tune;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.graft.sdk.GraftException;
import java.util.ArrayList;
import java.util.List;

/**
 * The devices a graph run trains on, and a batch split across them: {@code cpu}; {@code gpu} for
 * every GPU PyTorch sees (each batch split across them, gradients summed by DJL's parameter
 * server); {@code auto} for the GPUs when there are any.
 */
final class TrainingDevices {
    /** The engine the graph strategies train with. */
    static final String ENGINE = "PyTorch";

    private TrainingDevices() {}

    /**
     * The devices a run trains on, as PyTorch sees them on this machine.
     *
     * @param wanted CPU, CUDA (every GPU) or AUTO (the GPUs when there are any, else the CPU)
     * @return the devices, the first one holding the parameters
     * @throws GraftException when GPUs are asked for and PyTorch sees none
     */
    static Device[] of(ai.graft.sdk.Device wanted) throws GraftException {
        if (wanted == ai.graft.sdk.Device.CPU) {
            // Not even asking for GPUs: the probe logs warnings on machines without CUDA.
            return new Device[] {Device.cpu()};
        }
        Engine engine = Engine.getEngine(ENGINE);
        return of(wanted, engine.getGpuCount(), engine.getVersion());
    }

    /**
     * The devices a run trains on.
     *
     * @param wanted CPU, CUDA (every GPU) or AUTO (the GPUs when there are any, else the CPU)
     * @param gpus how many GPUs PyTorch sees
     * @param engineVersion PyTorch's version, for the message
     * @return the devices, the first one holding the parameters
     * @throws GraftException when GPUs are asked for and PyTorch sees none
     */
    static Device[] of(ai.graft.sdk.Device wanted, int gpus, String engineVersion)
            throws GraftException {
        Device[] all = new Device[gpus];
        for (int i = 0; i < gpus; i++) {
            all[i] = Device.gpu(i);
        }
        switch (wanted) {
            case CPU:
                return new Device[] {Device.cpu()};
            case CUDA:
                if (gpus == 0) {
                    throw new GraftException(
                            "--device gpu: PyTorch sees no GPU (this install has PyTorch "
                                    + engineVersion
                                    + " CPU natives; set PYTORCH_FLAVOR and"
                                    + " PYTORCH_LIBRARY_PATH for CUDA ones), or use --device cpu");
                }
                return all;
            default:
                return gpus > 0 ? all : new Device[] {Device.cpu()};
        }
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
