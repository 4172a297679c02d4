package ai.graft.cli;

/** The exit codes of every {@code graft} command, in one place. */
public final class ExitCodes {
    /** Everything asked for was done. */
    public static final int OK = 0;

    /** Something failed (for example some inputs could not be classified). */
    public static final int FAILURE = 1;

    /** Invalid usage or input: a bad option, a missing file, an unusable image. */
    public static final int USAGE = 2;

    /** The model cannot be used. */
    public static final int BAD_MODEL = 3;

    private ExitCodes() {}
}
