package ai.graft.trainer.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.graft.sdk.CudaHost;
import ai.graft.sdk.Device;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Needs a CUDA device and the CUDA libtorch: {@code mvn -Pcuda,gpu -pl trainer -am test}. Excluded
 * from the default build by its tag.
 */
@Tag("gpu")
class TrainingDevicesGpuTest {
    @Test
    void auto_takesTheGpuAndItComputesLikeTheCpu() throws Exception {
        TrainingDevices.Torch torch = TrainingDevices.torch();
        assertTrue(torch.cudaNatives(), "PyTorch has CPU natives: build with -Pcuda");
        assertTrue(
                torch.gpus() > 0,
                () -> TrainingDevices.whyNoGpu(torch, CudaHost.system()).message());
        TrainingDevices.Choice auto = TrainingDevices.of(Device.AUTO);
        assertEquals(ai.djl.Device.gpu(0), auto.devices()[0]);
        assertNull(auto.cpuBecause());

        float[] values = new float[64 * 64];
        Random random = new Random(7);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        try (NDManager cpu = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
                NDManager gpu = NDManager.newBaseManager(ai.djl.Device.gpu(0), "PyTorch")) {
            NDArray a = cpu.create(values, new Shape(64, 64));
            NDArray b = gpu.create(values, new Shape(64, 64));
            assertEquals(ai.djl.Device.gpu(0), b.getDevice());
            float[] onCpu = a.matMul(a).tanh().toFloatArray();
            float[] onGpu = b.matMul(b).tanh().toFloatArray();
            for (int i = 0; i < onCpu.length; i++) {
                assertEquals(onCpu[i], onGpu[i], 1e-3f, "element " + i);
            }
        }
    }
}
