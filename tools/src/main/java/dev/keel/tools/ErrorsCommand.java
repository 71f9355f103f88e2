package dev.keel.tools;

import dev.keel.engine.KeelException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code keel errors --storage PATH}: prints the distinct errors a node recorded in the storage directory's error
 * logs (the current one and those kept from earlier runs), each with its count and first and last time; read-only,
 * safe while the node runs.
 */
@Command(name = "errors", description = "Print the distinct errors recorded by the nodes of a storage directory " +
    "(read-only).")
final class ErrorsCommand implements Callable<Integer>
{
    @Option(names = "--storage", required = true, description = "The pipeline's storage_config.path.")
    Path storage;

    public Integer call()
    {
        if (!Files.isDirectory(storage))
        {
            throw new KeelException(KeelException.Category.CONFIG, "STORAGE_NOT_FOUND",
                "--storage " + storage + ": no such directory");
        }
        final List<Path> files;
        try
        {
            files = NodeErrorLog.logFiles(storage);
        }
        catch (final IOException ex)
        {
            throw new KeelException(KeelException.Category.STORAGE, "STORAGE_IO_ERROR",
                "cannot list the error logs of " + storage + ": " + ex, ex);
        }
        if (files.isEmpty())
        {
            System.out.println("no error log in " + storage + " (" + NodeErrorLog.FILE_NAME + "): no node ran here");
        }
        for (final Path file : files)
        {
            NodeErrorLog.print(file, System.out);
        }
        System.out.flush();
        return 0;
    }
}
