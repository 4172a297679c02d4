package ai.graft.trainer.tune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TrainingDevicesTest {
    @Test
    void of_followsTheWishAndTheGpusPyTorchSees_onAnyMachine() throws Exception {
        ai.djl.Device cpu = ai.djl.Device.cpu();
        ai.djl.Device gpu0 = ai.djl.Device.gpu(0);
        ai.djl.Device gpu1 = ai.djl.Device.gpu(1);
        assertArrayEquals(
                new ai.djl.Device[] {cpu}, TrainingDevices.of(ai.graft.sdk.Device.CPU, 2, "x"));
        assertArrayEquals(
                new ai.djl.Device[] {gpu0, gpu1},
                TrainingDevices.of(ai.graft.sdk.Device.CUDA, 2, "x"));
        assertArrayEquals(
                new ai.djl.Device[] {gpu0}, TrainingDevices.of(ai.graft.sdk.Device.AUTO, 1, "x"));
        assertArrayEquals(
                new ai.djl.Device[] {cpu}, TrainingDevices.of(ai.graft.sdk.Device.AUTO, 0, "x"));
        ai.graft.sdk.GraftException e =
                assertThrows(
                        ai.graft.sdk.GraftException.class,
                        () -> TrainingDevices.of(ai.graft.sdk.Device.CUDA, 0, "2.7.1"));
        assertEquals(
                "--device gpu: PyTorch sees no GPU (this install has PyTorch 2.7.1 CPU natives;"
                        + " set PYTORCH_FLAVOR and PYTORCH_LIBRARY_PATH for CUDA ones), or use"
                        + " --device cpu",
                e.getMessage());
    }
}
