package dev.keel.tools;

import dev.keel.checkpoint.CheckpointTool;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code keel checkpoint list|verify --storage PATH}: read-only inspection of a storage directory's checkpoints;
 * exit 0 when every retained checkpoint is intact, 1 otherwise.
 */
@Command(name = "checkpoint", description = "Inspect the checkpoints of a storage directory (read-only).",
    subcommands = { CheckpointCommand.List.class, CheckpointCommand.Verify.class })
final class CheckpointCommand
{
    @Command(name = "list", description = "List the retained checkpoints, oldest first.")
    static final class List implements Callable<Integer>
    {
        @Option(names = "--storage", required = true, description = "The pipeline's storage_config.path.")
        Path storage;

        public Integer call()
        {
            final boolean ok = CheckpointTool.list(storage, System.out);
            System.out.flush();
            return ok ? 0 : 1;
        }
    }

    @Command(name = "verify", description = "Check every retained checkpoint's manifest, files and page CRCs.")
    static final class Verify implements Callable<Integer>
    {
        @Option(names = "--storage", required = true, description = "The pipeline's storage_config.path.")
        Path storage;

        public Integer call()
        {
            final boolean ok = CheckpointTool.verify(storage, System.out);
            System.out.flush();
            return ok ? 0 : 1;
        }
    }
}
