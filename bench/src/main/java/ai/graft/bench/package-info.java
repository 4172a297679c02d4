/**
 * Benchmarks that compare Graft with other ways of doing the same job: {@link
 * ai.graft.bench.DjlPeerBenchmark} runs DJL's usual image-classification pipeline, and {@link
 * ai.graft.bench.SdkVsDjlBenchmark} runs it beside Graft's SDK on the same model and images (the
 * {@code bench/sdk-vs-djl} script); {@link ai.graft.bench.QuantizedLatencyBenchmark} times ONNX
 * Runtime alone on a float32 model and its quantized versions, side by side. They live in the
 * unpublished {@code graft-bench} module, so that no shipped jar carries DJL's OnnxRuntime engine
 * or a peer's code.
 */
package ai.graft.bench;
