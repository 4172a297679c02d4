/**
 * The ONNX toolkit in pure Java: read and write models ({@link ai.graft.converter.OnnxModels}),
 * inspect them ({@link ai.graft.converter.ModelInspector}), edit their graphs ({@link
 * ai.graft.converter.ModelEditor}: float16 to float32, dynamic batch, cut at the feature node,
 * append a head, fold batch normalization, write the model card), convert between opsets of the
 * default ONNX domain ({@link ai.graft.converter.opset.OpsetConverter}, whose table is also the set
 * of operators Graft supports) and check the numerical parity of two models with ONNX Runtime
 * ({@link ai.graft.converter.ParityChecker}).
 *
 * <p>The graph helpers that all of these share (attributes, value infos, reachability, shape
 * inference and shape arithmetic) are public in {@code ai.graft.converter.graph}.
 *
 * <p>Models are the protobuf classes generated from ONNX's own schema, in {@code
 * ai.graft.converter.onnx.proto.OnnxProto}. Every edit returns a new {@code ModelProto}; none
 * changes its argument (protobuf messages are immutable).
 *
 * <p>{@link ai.graft.converter.GraftJson} is JSON outside the SDK: one Jackson configuration for
 * the converter, the trainer, the command line and the benchmarks.
 */
package ai.graft.converter;
