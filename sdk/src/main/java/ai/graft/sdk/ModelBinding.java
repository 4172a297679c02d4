package ai.graft.sdk;

import ai.onnxruntime.OrtSession;
import java.nio.file.Path;
import java.util.List;

/**
 * A model bound to what an {@link ImageClassifier} feeds it and reads from it, as {@link
 * ModelResolver} decided once at load: the open session, the image input (name, element type,
 * batch) and the preprocessing that fills it, the output read and what it holds, and the labels.
 * Nothing in it changes after load; it owns the session, and {@link #close()} releases it.
 *
 * @param opened the ONNX Runtime session, shared by every thread, with its options and device
 * @param signature the model's inputs, outputs and metadata
 * @param inputName the image input fed
 * @param fp16Input whether that input is float16 (preprocessed floats are converted per run)
 * @param fixedBatch the batch size the input fixes when above 1, padded up to; 0 when dynamic
 * @param maxBatch the most images per run: the fixed batch, else what one buffer holds
 * @param preprocessing the preprocessing, fitted to the input's layout, channels and size
 * @param outputName the output read
 * @param outputKind what the output holds; null when decided per row
 * @param numClasses the output's width; -1 for an embedding
 * @param labels one label per class; null for an embedding without labels
 * @param card the effective model card (see {@link ImageClassifier#card()})
 */
record ModelBinding(
        SessionOpener.Opened opened,
        ModelSignature signature,
        String inputName,
        boolean fp16Input,
        int fixedBatch,
        int maxBatch,
        Preprocessing preprocessing,
        String outputName,
        OutputKind outputKind,
        int numClasses,
        List<String> labels,
        ModelCard card)
        implements AutoCloseable {

    /** The model file. */
    Path modelPath() {
        return opened.model();
    }

    /** The session, which may run on many threads at once. */
    OrtSession session() {
        return opened.session();
    }

    /** The device the session runs on, never {@link Device#AUTO}. */
    Device device() {
        return opened.device();
    }

    /** The rows of one run for {@code images} images: a fixed batch is padded up to. */
    int rowsFor(int images) {
        return fixedBatch > 0 ? fixedBatch : images;
    }

    /** The input shape of a run of {@code rows} rows. */
    long[] inputShape(int rows) {
        return InputTensors.shape(preprocessing, rows);
    }

    /** Closes the session and its options; a failure is logged so that the rest still closes. */
    @Override
    public void close() {
        opened.close();
    }
}
