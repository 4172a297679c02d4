/**
 * The SDK's implementation, for the SDK alone: image decoding ({@link
 * ai.graft.sdk.internal.ImageDecoder}) and preprocessing ({@link
 * ai.graft.sdk.internal.Preprocessor}) behind {@link ai.graft.sdk.Images} and {@link
 * ai.graft.sdk.TensorWriter}, the JVM's ONNX Runtime environment ({@link
 * ai.graft.sdk.internal.OrtEnvironments}) behind {@link ai.graft.sdk.OnnxRuntime}, labels files and
 * Ultralytics metadata ({@link ai.graft.sdk.internal.Labels}), the model card's small JSON reader
 * and writer ({@link ai.graft.sdk.internal.Json}) and the model plumbing behind {@code
 * ImageClassifier}. Other modules use the public API in {@code ai.graft.sdk}; these signatures may
 * change between releases without notice.
 */
package ai.graft.sdk.internal;
