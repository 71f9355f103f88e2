package dev.keel.tools;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/**
 * The {@code keel} command line: {@code run} a pipeline; drive a running node through its control API
 * ({@code status}, {@code checkpoint create|status}, {@code sync}, {@code pause}, {@code resume}, {@code stop},
 * {@code activate}, {@code approve}); inspect the {@code checkpoint}s and the {@code journal} of a storage directory
 * and the {@code errors} its nodes recorded (read-only).
 */
@Command(
    name = "keel",
    mixinStandardHelpOptions = true,
    scope = CommandLine.ScopeType.INHERIT,
    version = "keel 0.1.0",
    description = "Keel: an exactly-once streaming pipeline engine.",
    subcommands = {
        RunCommand.class,
        NodeCommands.Status.class,
        CheckpointCommand.class,
        NodeCommands.Sync.class,
        NodeCommands.Pause.class,
        NodeCommands.Resume.class,
        NodeCommands.Stop.class,
        NodeCommands.Activate.class,
        NodeCommands.Approve.class,
        JournalCommand.class,
        ErrorsCommand.class })
public final class KeelCli
{
    public static void main(final String[] args)
    {
        // before anything logs: the LogManager is chosen once, when first used (see KeelLogManager for why)
        if (null == System.getProperty("java.util.logging.manager"))
        {
            System.setProperty("java.util.logging.manager", KeelLogManager.class.getName());
        }
        System.exit(execute(args));
    }

    /**
     * Runs the CLI on the standard streams and returns its exit code (0 success, 1 failure, 2 usage error, 3 cannot
     * connect to a node, 4 a {@code --wait} timed out).
     */
    public static int execute(final String... args)
    {
        return execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs the CLI writing to {@code out} and {@code err}; returns its exit code as {@link #execute(String...)}. */
    public static int execute(final PrintWriter out, final PrintWriter err, final String... args)
    {
        final CommandLine commandLine = new CommandLine(new KeelCli());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler((ex, cmd, parseResult) ->
        {
            cmd.getErr().println("keel: " + ex.getMessage());
            if (Boolean.getBoolean("keel.debug"))
            {
                ex.printStackTrace(cmd.getErr());
            }
            cmd.getErr().flush();
            return ex instanceof NodeClient.ClientException ? ((NodeClient.ClientException)ex).exitCode : 1;
        });
        try
        {
            return commandLine.execute(args);
        }
        finally
        {
            out.flush();
            err.flush();
        }
    }
}
