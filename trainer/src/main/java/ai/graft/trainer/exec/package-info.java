/**
 * The graph executor: {@link ai.graft.trainer.exec.OnnxBlock} runs an ONNX graph as a DJL block on
 * the PyTorch engine, one operator at a time, with the graph's float initializers as trainable DJL
 * parameters.
 */
package ai.graft.trainer.exec;
