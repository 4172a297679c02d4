/**
 * The {@code graft} command line. Each subcommand is a small picocli class that parses and
 * validates its options, then calls library code; {@link ai.graft.cli.Graft} finds the subcommands
 * with {@link java.util.ServiceLoader} and maps failures to exit codes.
 *
 * <p>The deploy commands ({@code predict}, {@code inspect}, {@code annotate}, {@code convert},
 * {@code verify}, {@code zoo}, {@code stream}, {@code benchmark}, {@code export}) need graft-sdk
 * and graft-converter only. The training commands ({@code train}, {@code evaluate}, {@code demo})
 * need graft-trainer, which this module depends on with scope {@code provided}: they appear where
 * the trainer is on the classpath, as under the {@code ./graft} launcher, and are left out of a
 * deploy-only install, which has no DJL or PyTorch.
 */
package ai.graft.cli;
