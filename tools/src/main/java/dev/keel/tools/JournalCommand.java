package dev.keel.tools;

import dev.keel.engine.storage.StorageDirectory;
import dev.keel.wal.JournalDump;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code keel journal dump --storage PATH}: lists every journaled step, read-only.
 */
@Command(name = "journal", description = "Inspect the input journal of a storage directory (read-only).",
    subcommands = { JournalCommand.Dump.class })
final class JournalCommand
{
    @Command(name = "dump", description = "List every journaled step record, one line each.")
    static final class Dump implements Callable<Integer>
    {
        @Option(names = "--storage", required = true, description = "The pipeline's storage_config.path.")
        Path storage;

        public Integer call()
        {
            JournalDump.dump(storage.resolve(StorageDirectory.JOURNAL_DIR), System.out);
            System.out.flush();
            return 0;
        }
    }
}
