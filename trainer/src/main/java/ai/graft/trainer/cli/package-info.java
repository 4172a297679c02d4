/** The trainer's {@code graft} subcommands: {@code graft train}. */
package ai.graft.trainer.cli;
