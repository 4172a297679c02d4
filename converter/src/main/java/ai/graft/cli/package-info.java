/**
 * The {@code graft} command line. Each subcommand is a small picocli class that parses and
 * validates its options, then calls library code; {@link ai.graft.cli.Graft} maps failures to exit
 * codes.
 */
package ai.graft.cli;
