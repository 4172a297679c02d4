/**
 * {@code graft demo}: transfer learning shown end to end with no data and no download. {@link
 * ai.graft.trainer.demo.SyntheticShapes} draws two related labelled image sets on the spot; {@link
 * ai.graft.trainer.demo.Demo} pretrains a small zoo backbone on one, transfers it to the other with
 * a few images a class, and measures it against the same architecture trained from scratch.
 */
package ai.graft.trainer.demo;
