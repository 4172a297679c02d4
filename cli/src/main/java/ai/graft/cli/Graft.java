package ai.graft.cli;

import ai.graft.sdk.GraftException;
import ai.graft.sdk.ImageException;
import ai.graft.sdk.InputException;
import ai.graft.sdk.ModelException;
import ai.graft.sdk.SourceException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code graft} command line: train, evaluate, export, inspect, predict, stream, benchmark.
 *
 * <p>Subcommands are discovered with {@link ServiceLoader} (see {@link Subcommand}); those that
 * need graft-trainer ({@code train}, {@code evaluate}, {@code demo}) are left out where it is
 * absent, as in a deploy-only install. Errors are mapped to {@link ExitCodes} here and nowhere
 * else.
 */
@Command(
        name = "graft",
        mixinStandardHelpOptions = true,
        versionProvider = Graft.Version.class,
        description = "Transfer learning for Java: fine-tune image backbones, ship one ONNX file.",
        synopsisSubcommandLabel = "COMMAND")
public final class Graft implements Callable<Integer> {
    /** A class of graft-trainer, present exactly where the training commands can run. */
    private static final String TRAINER_CLASS = "ai.graft.trainer.TrainingOptions";

    @Spec CommandSpec spec;

    /**
     * Runs the command line.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /**
     * Runs the command line and returns its exit code instead of exiting.
     *
     * @param args the arguments
     * @return the exit code, one of {@link ExitCodes}
     */
    public static int run(String... args) {
        return newCommandLine().execute(args);
    }

    /**
     * Creates the command line with every subcommand found on the classpath.
     *
     * @return the configured command line
     */
    public static CommandLine newCommandLine() {
        CommandLine cli = new CommandLine(new Graft());
        List<Subcommand> found = new ArrayList<>();
        // A training command is left out where the trainer is absent: its class may fail to link
        // (ServiceLoader reports that while finding the provider, before Provider.get(), and its
        // iterator then goes on to the next one), or it may load and say so by needsTrainer().
        Iterator<Subcommand> providers = ServiceLoader.load(Subcommand.class).iterator();
        while (true) {
            try {
                if (!providers.hasNext()) {
                    break;
                }
                Subcommand command = providers.next();
                if (!command.needsTrainer() || trainerPresent()) {
                    found.add(command);
                }
            } catch (ServiceConfigurationError | LinkageError e) {
                if (!needsAbsentTrainer(e)) {
                    throw e;
                }
            }
        }
        found.sort(Comparator.comparing(Graft::nameOf));
        for (Subcommand command : found) {
            cli.addSubcommand(command);
        }
        cli.setExecutionExceptionHandler(Graft::handleException);
        cli.setParameterExceptionHandler(Graft::handleParameterException);
        return cli;
    }

    /**
     * Runs {@code graft} without a command: a usage error. Prints the usage to standard error.
     *
     * @return {@link ExitCodes#USAGE}
     */
    @Override
    public Integer call() {
        CommandLine cli = spec.commandLine();
        cli.getErr().println("graft: missing COMMAND");
        cli.usage(cli.getErr());
        return ExitCodes.USAGE;
    }

    /**
     * True when {@code e} says that a subcommand needs a class that is missing and graft-trainer is
     * not on the classpath: the training commands need the trainer (and so DJL), which a
     * deploy-only install leaves out. Any other failure is a defect, not an absent module.
     */
    static boolean needsAbsentTrainer(Throwable e) {
        boolean missingClass = false;
        for (Throwable t = e; t != null; t = t.getCause()) {
            missingClass |=
                    t instanceof NoClassDefFoundError || t instanceof ClassNotFoundException;
        }
        return missingClass && !trainerPresent();
    }

    private static boolean trainerPresent() {
        try {
            Class.forName(TRAINER_CLASS, false, Graft.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static String nameOf(Subcommand command) {
        Command annotation = command.getClass().getAnnotation(Command.class);
        return annotation == null ? command.getClass().getSimpleName() : annotation.name();
    }

    private static int handleParameterException(CommandLine.ParameterException e, String[] args) {
        PrintWriter err = e.getCommandLine().getErr();
        err.println("graft: " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
        return ExitCodes.USAGE;
    }

    private static int handleException(
            Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        err.println("graft: " + describe(e));
        if (System.getenv("GRAFT_DEBUG") != null) {
            e.printStackTrace(err);
        }
        return exitCodeOf(e);
    }

    /**
     * The exit code for an exception that ended a command.
     *
     * @param e the exception
     * @return {@link ExitCodes#BAD_MODEL} for model failures, {@link ExitCodes#USAGE} for bad
     *     input, {@link ExitCodes#FAILURE} otherwise
     */
    static int exitCodeOf(Throwable e) {
        if (e instanceof ModelException) {
            return ExitCodes.BAD_MODEL;
        }
        if (e instanceof ImageException
                || e instanceof SourceException
                || e instanceof InputException
                || e instanceof IllegalArgumentException
                || e instanceof CommandLine.ParameterException) {
            return ExitCodes.USAGE;
        }
        return ExitCodes.FAILURE;
    }

    private static String describe(Throwable e) {
        String message = e.getMessage();
        if (e instanceof GraftException || e instanceof IllegalArgumentException) {
            return message;
        }
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /** Reports the version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Graft.class.getPackage().getImplementationVersion();
            return new String[] {"graft " + (version == null ? "development build" : version)};
        }
    }
}
