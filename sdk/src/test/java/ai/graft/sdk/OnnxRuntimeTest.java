package ai.graft.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import org.junit.jupiter.api.Test;

class OnnxRuntimeTest {
    @Test
    void environment_isTheProcessEnvironmentOnEveryCall() {
        OrtEnvironment env = OnnxRuntime.environment();
        assertSame(env, OnnxRuntime.environment());
        // ONNX Runtime keeps one environment per process; the SDK's must be that one.
        assertSame(env, OrtEnvironment.getEnvironment());
    }

    @Test
    void version_isTheNativeLibrarysVersion() {
        String version = OnnxRuntime.version();
        assertEquals(OnnxRuntime.environment().getVersion(), version);
        assertTrue(version.matches("\\d+\\.\\d+\\.\\d+.*"), version);
    }
}
