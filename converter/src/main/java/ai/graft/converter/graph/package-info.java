/**
 * Public helpers for ONNX graphs, shared by the converter's editor, inspector and opset converter,
 * the backbone zoo, the trainer's executor and stage finder, and the tests: attributes ({@link
 * ai.graft.converter.graph.Attributes}), declared types and shapes ({@link
 * ai.graft.converter.graph.ValueInfos}), producers, consumers, reachability, pruning and free names
 * ({@link ai.graft.converter.graph.Graphs}), and shapes: the arithmetic of the shape operators
 * ({@link ai.graft.converter.graph.ShapeArithmetic}), shape inference ({@link
 * ai.graft.converter.graph.ShapeInference}) and the folding of shape computations ({@link
 * ai.graft.converter.graph.ShapeFolder}).
 *
 * <p>Everything here works on the protobuf classes of {@code ai.graft.converter.onnx.proto}, which
 * are immutable; nothing changes its argument.
 */
package ai.graft.converter.graph;
