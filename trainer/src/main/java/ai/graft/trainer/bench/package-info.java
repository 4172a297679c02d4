/**
 * Benchmarks that compare Graft with other ways of doing the same job: {@link
 * ai.graft.trainer.bench.DjlPeerBenchmark} runs DJL's usual image-classification pipeline, and
 * {@link ai.graft.trainer.bench.SdkVsDjlBenchmark} runs it beside Graft's SDK on the same model and
 * images. They live in the trainer module because that is where DJL is; the SDK stays free of it.
 */
package ai.graft.trainer.bench;
