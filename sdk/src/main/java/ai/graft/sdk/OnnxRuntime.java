package ai.graft.sdk;

import ai.graft.sdk.internal.OrtEnvironments;
import ai.onnxruntime.OrtEnvironment;

/**
 * The ONNX Runtime environment that the SDK configures and runs every model in, for code that
 * creates its own {@code OrtSession}s beside a classifier (parity checks, export checks, tests).
 *
 * <p>Why share it: ONNX Runtime keeps one {@link OrtEnvironment} per process, and the first call
 * that creates it fixes its logging level for good; later calls get the same object with a warning
 * if they ask for another level. The SDK creates it with ONNX Runtime's logging at error level, so
 * that warnings about harmless model quirks do not reach stderr. Code that calls {@code
 * OrtEnvironment.getEnvironment()} before the SDK would silently give every later classifier the
 * default, chattier level; taking the environment from here keeps one configuration, whoever comes
 * first.
 *
 * <pre>{@code
 * OrtEnvironment env = OnnxRuntime.environment();
 * try (OrtSession.SessionOptions so = new OrtSession.SessionOptions();
 *         OrtSession session = env.createSession("model.onnx", so)) {
 *     // ...
 * }
 * }</pre>
 *
 * <p>Thread-safe. The environment lives as long as the JVM: never close it.
 */
public final class OnnxRuntime {
    private OnnxRuntime() {}

    /**
     * The JVM's ONNX Runtime environment, created on the first call with error-level logging.
     *
     * @return the environment; the same object on every call, never to be closed
     */
    public static OrtEnvironment environment() {
        return OrtEnvironments.get();
    }

    /**
     * The version of the ONNX Runtime native library in use, for reports.
     *
     * @return the version, for example {@code 1.20.0}
     */
    public static String version() {
        return environment().getVersion();
    }
}
