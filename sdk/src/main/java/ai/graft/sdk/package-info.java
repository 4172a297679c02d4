/**
 * Graft's SDK: run an ONNX image classifier with ONNX Runtime, on CPU or CUDA, inside any Java
 * application. No DJL, no PyTorch, no Python.
 *
 * <p>The entry class is {@link ai.graft.sdk.ImageClassifier}, configured by an immutable {@link
 * ai.graft.sdk.ImageClassifierOptions} and returning immutable {@link
 * ai.graft.sdk.Classification}s. What a model needs besides its weights (labels, {@link
 * ai.graft.sdk.Preprocessing}, what its output is) travels inside the {@code .onnx} file as a
 * {@link ai.graft.sdk.ModelCard}; models from elsewhere work with Ultralytics metadata, a {@code
 * labels.txt} beside them, or explicit options. How a model's input shape gives the tensor layout,
 * channels and image size is one rule, {@link ai.graft.sdk.InputShape}, which {@code graft
 * annotate} applies too.
 *
 * <pre>{@code
 * try (ImageClassifier classifier = ImageClassifier.createFromFile(Path.of("model.onnx"))) {
 *     for (Category c : classifier.classify(Path.of("cat.jpg")).top()) {
 *         System.out.println(c.label() + " " + c.score());
 *     }
 * }
 * }</pre>
 *
 * <p>Tools that prepare model input themselves use the classifier's own steps, so that training and
 * serving give the same tensor for the same image: {@link ai.graft.sdk.Images} decodes files, bytes
 * and other Mats to 8-bit BGR, a {@link ai.graft.sdk.TensorWriter} from {@link
 * ai.graft.sdk.Preprocessing#newWriter()} writes them into a caller's buffer, {@link
 * ai.graft.sdk.LabelsFile} reads a labels file, and {@link ai.graft.sdk.OnnxRuntime} gives the ONNX
 * Runtime environment the SDK configures.
 *
 * <pre>{@code
 * Preprocessing p = Preprocessing.imagenet(224, 224);
 * FloatBuffer input = FloatBuffer.allocate(p.channels() * p.height() * p.width());
 * try (Mat bgr = Images.decode(Path.of("cat.jpg"), Images.DEFAULT_MAX_PIXELS, p.resizeShorter());
 *         TensorWriter writer = p.newWriter()) {
 *     writer.write(bgr, input);
 * }
 * }</pre>
 *
 * <p>Errors of the environment (a missing or unusable model, an image that does not decode) are
 * checked {@link ai.graft.sdk.GraftException}s; misuse is {@link IllegalArgumentException} or
 * {@link IllegalStateException}.
 */
package ai.graft.sdk;
