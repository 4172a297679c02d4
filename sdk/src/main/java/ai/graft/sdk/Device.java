package ai.graft.sdk;

/**
 * Where ONNX Runtime runs a model. {@link ImageClassifier#device()} reports the device actually in
 * use after any fallback.
 */
public enum Device {
    /** ONNX Runtime's CPU execution provider. Always available. */
    CPU,
    /**
     * ONNX Runtime's CUDA execution provider (needs the {@code onnxruntime_gpu} artifact, the Maven
     * profile {@code cuda}, and a CUDA device). When it cannot be used the classifier falls back to
     * CPU and logs a warning giving the reason.
     */
    CUDA,
    /**
     * CUDA when it can be used, else CPU, logging why not in one line at information level (not a
     * warning): see {@link CudaHost.Reason}.
     */
    AUTO
}
