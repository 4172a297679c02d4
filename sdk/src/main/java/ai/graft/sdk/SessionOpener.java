package ai.graft.sdk;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.file.Path;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens an ONNX Runtime session for {@link ImageClassifier}: on CUDA when the options ask for it
 * (or for {@link Device#AUTO}), else, or when CUDA cannot be used, on CPU with the reason logged. A
 * file that ONNX Runtime cannot parse is reported as not an ONNX model on either device.
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
                String reason = e.getMessage() == null ? e.toString() : e.getMessage().strip();
                if (wanted == Device.CUDA) {
                    LOG.warn(
                            "CUDA device {} cannot be used for {}, running on CPU instead: {}",
                            o.deviceId(),
                            model,
                            reason);
                } else {
                    LOG.debug("CUDA not available for {}, using CPU: {}", model, reason);
                }
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
