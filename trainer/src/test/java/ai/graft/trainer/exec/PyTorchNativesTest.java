package ai.graft.trainer.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;
import ai.djl.util.Platform;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * DJL's PyTorch engine must load natives that the build brought, never download them: the CPU ones
 * from the pytorch-native-cpu jar, or under {@code -Pcuda} the CUDA ones that the build unpacked
 * from pytorch-native-cu124 (PYTORCH_LIBRARY_PATH).
 */
class PyTorchNativesTest {

    @Test
    void pytorchNatives_comeFromWhatTheBuildBrought() {
        String flavor = System.getProperty("graft.pytorch.flavor", "cpu");
        if (flavor.equals("cpu")) {
            // A placeholder platform is what makes DJL download natives at run time.
            Platform platform = Platform.detectPlatform("pytorch");
            assertFalse(platform.isPlaceholder(), "pytorch-native-cpu jar with classifier missing");
            assertEquals("cpu", platform.getFlavor());
            assertEquals("linux-x86_64", platform.getClassifier());
        }
        Engine engine = Engine.getEngine("PyTorch");
        assertEquals(System.getProperty("graft.pytorch.version", "2.7.1"), engine.getVersion());
        Path libtorch = Path.of(LibUtils.getLibtorchPath());
        if (!flavor.equals("cpu")) {
            String unpacked = System.getenv("PYTORCH_LIBRARY_PATH");
            assertNotNull(unpacked, "-Pcuda sets PYTORCH_LIBRARY_PATH for the tests");
            assertEquals(Path.of(unpacked).toAbsolutePath(), libtorch);
        }
        assertEquals(
                !flavor.equals("cpu"),
                Files.exists(libtorch.resolve("libtorch_cuda.so")),
                "CUDA libtorch in " + libtorch);
        assertTrue(Files.exists(libtorch.resolve("libtorch.so")), libtorch.toString());
    }
}
