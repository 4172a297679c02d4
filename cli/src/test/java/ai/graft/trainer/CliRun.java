package ai.graft.trainer;

import ai.graft.cli.Graft;
import ai.graft.converter.GraftJson;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import picocli.CommandLine;

/**
 * Output of one {@code graft} command run in-process, shared by the training commands' tests.
 *
 * @param exitCode the command's exit code
 * @param out what it wrote to standard output
 * @param err what it wrote to standard error
 */
public record CliRun(int exitCode, String out, String err) {
    /** Runs {@code graft args...} with its output and errors captured. */
    public static CliRun graft(String... args) {
        CommandLine cli = Graft.newCommandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /** Standard output split into lines. */
    public List<String> lines() {
        return out.lines().toList();
    }

    /** The last line of standard output. */
    public String lastLine() {
        List<String> lines = lines();
        return lines.get(lines.size() - 1);
    }

    /** The last line of standard output, parsed as JSON. */
    public JsonNode lastJson() {
        return GraftJson.read(lastLine());
    }
}
