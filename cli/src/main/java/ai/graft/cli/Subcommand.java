package ai.graft.cli;

import java.util.concurrent.Callable;

/**
 * A {@code graft} subcommand: a picocli {@code @Command} class with a public no-argument
 * constructor, listed in this module's {@code META-INF/services/ai.graft.cli.Subcommand}. {@link
 * Graft} loads every listed subcommand whose classes are on the classpath, so an install without
 * the trainer simply has no training commands.
 */
public interface Subcommand extends Callable<Integer> {
    /**
     * Whether this command needs graft-trainer (and so DJL and PyTorch) to run. Such commands are
     * left out where the trainer is absent, as in a deploy-only install.
     *
     * @return false unless the command overrides it
     */
    default boolean needsTrainer() {
        return false;
    }
}
