package ai.graft.cli;

import java.util.concurrent.Callable;

/**
 * A {@code graft} subcommand: a picocli {@code @Command} class with a public no-argument
 * constructor, listed in {@code META-INF/services/ai.graft.cli.Subcommand} of its module. The
 * launcher finds every subcommand on the classpath, so an install without the trainer simply has no
 * training commands.
 */
public interface Subcommand extends Callable<Integer> {}
