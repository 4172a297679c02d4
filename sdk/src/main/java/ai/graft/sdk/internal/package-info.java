/**
 * Implementation of the SDK that other Graft modules share but applications should not use: image
 * decoding ({@link ai.graft.sdk.internal.ImageDecoder}), tensor preprocessing ({@link
 * ai.graft.sdk.internal.Preprocessor}), a minimal JSON reader and writer ({@link
 * ai.graft.sdk.internal.Json}) and the model plumbing behind {@code ImageClassifier}. The classes
 * are public so that the converter and trainer modules can reuse the one preprocessing
 * implementation (training and serving must give the same tensor for the same image); their
 * signatures may change between releases.
 */
package ai.graft.sdk.internal;
