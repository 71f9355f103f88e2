package dev.keel.tools;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code keel} command line: {@code run} a pipeline, inspect {@code checkpoint}s and the
 * {@code journal} of a storage directory and the {@code errors} its nodes recorded (read-only).
 */
@Command(
    name = "keel",
    mixinStandardHelpOptions = true,
    version = "keel 0.1.0",
    description = "Keel: an exactly-once streaming pipeline engine.",
    subcommands = { RunCommand.class, CheckpointCommand.class, JournalCommand.class, ErrorsCommand.class })
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

    /** Runs the CLI and returns its exit code (0 success, 1 failure, 2 usage error). */
    public static int execute(final String... args)
    {
        final CommandLine commandLine = new CommandLine(new KeelCli());
        commandLine.setExecutionExceptionHandler((ex, cmd, parseResult) ->
        {
            cmd.getErr().println("keel: " + ex.getMessage());
            if (Boolean.getBoolean("keel.debug"))
            {
                ex.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        return commandLine.execute(args);
    }
}
