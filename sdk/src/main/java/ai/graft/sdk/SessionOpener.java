package ai.graft.sdk;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens an ONNX Runtime session for {@link ImageClassifier}: on CUDA when the options ask for it
 * (or for {@link Device#AUTO}), else, or when CUDA cannot be used, on CPU with the reason logged in
 * one line (a warning for CUDA, information for AUTO): CUDA natives not in this build, the driver
 * missing, a CUDA/cuDNN version mismatch, no GPU visible ({@link CudaHost}), or ONNX Runtime's own
 * message. A file that ONNX Runtime cannot parse is reported as not an ONNX model on either device.
 */
final class SessionOpener {
    // Logged as the classifier, the type applications configure logging for.
    private static final Logger LOG = LoggerFactory.getLogger(ImageClassifier.class);

    /**
     * An open session with the options it was created with, and the device it runs on.
     *
     * @param model the model file
     * @param options the session options
     * @param session the session
     * @param device the device it runs on, never {@link Device#AUTO}
     */
    record Opened(Path model, OrtSession.SessionOptions options, OrtSession session, Device device)
            implements AutoCloseable {

        /** Closes the session and its options; a failure is logged so that the rest closes. */
        @Override
        public void close() {
            try {
                session.close();
            } catch (OrtException | RuntimeException e) {
                LOG.warn("Failed to close the ONNX Runtime session of {}", model, e);
            }
            try {
                options.close();
            } catch (RuntimeException e) {
                LOG.warn("Failed to close the session options of {}", model, e);
            }
        }
    }

    private SessionOpener() {}

    /**
     * Opens {@code model} on the device the options ask for, falling back to CPU.
     *
     * @throws ModelException when the file is not ONNX or ONNX Runtime cannot load it on CPU
     */
    static Opened open(OrtEnvironment env, Path model, ImageClassifierOptions o)
            throws ModelException {
        Device wanted = o.device();
        if (wanted == Device.CUDA || wanted == Device.AUTO) {
            CudaHost.Problem problem =
                    beforeCuda(OrtEnvironment.getAvailableProviders(), CudaHost.system());
            if (problem == null) {
                String failure = CudaLibraries.load();
                if (failure != null) {
                    problem = new CudaHost.Problem(CudaHost.Reason.ENGINE_FAILED, failure);
                }
            }
            if (problem == null) {
                OrtSession.SessionOptions so = null;
                try {
                    so = baseOptions(o);
                    so.addCUDA(o.deviceId());
                    OrtSession s = env.createSession(model.toString(), so);
                    return new Opened(model, so, s, Device.CUDA);
                } catch (OrtException | RuntimeException | LinkageError e) {
                    if (so != null) {
                        so.close();
                    }
                    if (isNotOnnx(e)) {
                        throw notOnnx(model, e);
                    }
                    problem =
                            afterCudaFailed(
                                    CudaHost.system(),
                                    CudaLibraries.bundled(),
                                    o.deviceId(),
                                    e.getMessage() == null ? e.toString() : e.getMessage());
                }
            }
            if (wanted == Device.CUDA) {
                LOG.warn(
                        "CUDA device {} cannot be used for {}, running on CPU instead: {}",
                        o.deviceId(),
                        model,
                        problem.message());
            } else {
                LOG.info("Device auto: running {} on the CPU: {}", model, problem.message());
            }
        }
        OrtSession.SessionOptions so = null;
        try {
            so = baseOptions(o);
            OrtSession s = env.createSession(model.toString(), so);
            return new Opened(model, so, s, Device.CPU);
        } catch (OrtException e) {
            if (so != null) {
                so.close();
            }
            if (isNotOnnx(e)) {
                throw notOnnx(model, e);
            }
            throw new ModelException(
                    "ONNX Runtime cannot load model " + model + ": " + e.getMessage(), e);
        }
    }

    /**
     * Why CUDA cannot even be tried: ONNX Runtime's CPU package, or a machine without the NVIDIA
     * driver, with one too old for CUDA 12, or with no GPU visible. Checked before ONNX Runtime
     * sees CUDA, because its CUDA provider can crash the JVM on a machine without a driver.
     *
     * @param providers the execution providers of the ONNX Runtime on the class path
     * @param host the machine
     * @return the problem, or null when ONNX Runtime should try CUDA
     */
    static CudaHost.Problem beforeCuda(Set<OrtProvider> providers, CudaHost host) {
        if (!providers.contains(OrtProvider.CUDA)) {
            return new CudaHost.Problem(
                    CudaHost.Reason.NOT_IN_BUILD,
                    "CUDA natives not in this build: ONNX Runtime's CPU package is on the class"
                            + " path (build with -Pcuda for onnxruntime_gpu, or run ./graft with"
                            + " GRAFT_CUDA=1)");
        }
        return host.problem(CudaHost.CUDA_12_DRIVER, List.of()).orElse(null);
    }

    /**
     * Why ONNX Runtime could not open a session on CUDA: the first problem the host shows (no
     * driver, an old driver, a missing CUDA library unless they are bundled, no GPU), else ONNX
     * Runtime's own message.
     *
     * @param host the machine
     * @param bundled whether the CUDA libraries came from the class path
     * @param deviceId the CUDA device asked for
     * @param ortMessage what ONNX Runtime said
     * @return the problem, on one line
     */
    static CudaHost.Problem afterCudaFailed(
            CudaHost host, boolean bundled, int deviceId, String ortMessage) {
        String said = ortMessage.strip().replaceAll("\\s*\\R\\s*", " ");
        return host.problem(
                        CudaHost.CUDA_12_DRIVER, bundled ? List.of() : CudaLibraries.PROVIDER_NEEDS)
                .map(
                        p ->
                                new CudaHost.Problem(
                                        p.reason(), p.message() + " (ONNX Runtime: " + said + ")"))
                .orElseGet(
                        () ->
                                new CudaHost.Problem(
                                        CudaHost.Reason.ENGINE_FAILED,
                                        "ONNX Runtime could not use CUDA device "
                                                + deviceId
                                                + ": "
                                                + said));
    }

    private static OrtSession.SessionOptions baseOptions(ImageClassifierOptions o)
            throws OrtException {
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        try {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (o.intraOpThreads() > 0) {
                so.setIntraOpNumThreads(o.intraOpThreads());
            }
            return so;
        } catch (OrtException e) {
            so.close();
            throw e;
        }
    }

    private static boolean isNotOnnx(Throwable e) {
        String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        return m.contains("protobuf parsing failed") || m.contains("no graph was found");
    }

    private static ModelException notOnnx(Path model, Throwable e) {
        return new ModelException(
                "Not an ONNX model: "
                        + model
                        + " (ONNX Runtime could not parse it: "
                        + String.valueOf(e.getMessage()).strip()
                        + "). Expected an .onnx file exported by PyTorch, TensorFlow, Ultralytics"
                        + " or Graft.",
                e);
    }
}
