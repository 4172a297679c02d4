package ai.graft.trainer.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.engine.Engine;
import ai.djl.util.Platform;
import org.junit.jupiter.api.Test;

/** DJL's PyTorch engine must load its natives from the bundled jar, never download them. */
class PyTorchNativesTest {

    @Test
    void pytorchNatives_comeFromTheCpuJarOnTheClasspath() {
        // A placeholder platform is what makes DJL download natives at run time.
        Platform platform = Platform.detectPlatform("pytorch");
        assertFalse(platform.isPlaceholder(), "pytorch-native-cpu jar with classifier missing");
        assertEquals("cpu", platform.getFlavor());
        assertEquals("linux-x86_64", platform.getClassifier());
        Engine engine = Engine.getEngine("PyTorch");
        assertEquals("2.7.1", engine.getVersion());
    }
}
