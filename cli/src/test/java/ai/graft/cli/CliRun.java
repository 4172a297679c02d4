package ai.graft.cli;

import ai.graft.converter.GraftJson;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import picocli.CommandLine;

/**
 * Output of one {@code graft} command run in-process, shared by the CLI tests.
 *
 * @param exitCode the command's exit code
 * @param out what it wrote to standard output
 * @param err what it wrote to standard error
 */
record CliRun(int exitCode, String out, String err) {

    /** Standard output split into lines. */
    List<String> lines() {
        return out.lines().toList();
    }

    /** The last line of standard output. */
    String lastLine() {
        List<String> lines = lines();
        return lines.get(lines.size() - 1);
    }

    /** The last line of standard output, parsed as JSON. */
    JsonNode lastJson() {
        return GraftJson.read(lastLine());
    }

    /** Runs {@code graft args...} with its output and errors captured. */
    static CliRun graft(String... args) {
        CommandLine cli = Graft.newCommandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }
}
