package ai.graft.sdk.internal;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtLoggingLevel;

/**
 * The one {@link OrtEnvironment} of the JVM, created on first use with ONNX Runtime's own logging
 * at error level (its warnings about harmless model quirks would otherwise reach stderr). ONNX
 * Runtime never frees it; it lives as long as the JVM.
 */
public final class OrtEnvironments {
    private OrtEnvironments() {}

    private static final class Holder {
        static final OrtEnvironment ENV =
                OrtEnvironment.getEnvironment(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR, "graft");
    }

    /**
     * The JVM's ONNX Runtime environment.
     *
     * @return the environment, created on first call; never close it
     */
    public static OrtEnvironment get() {
        return Holder.ENV;
    }
}
