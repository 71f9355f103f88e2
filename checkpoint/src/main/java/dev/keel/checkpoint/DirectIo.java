package dev.keel.checkpoint;

import com.sun.nio.file.ExtendedOpenOption;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Opens page files for writing with {@code O_DIRECT} while the file system accepts it; on the first refusal it
 * logs once and falls back to buffered writes (made durable by the fsync at the end of each file).
 */
final class DirectIo
{
    private static final System.Logger LOGGER = System.getLogger(DirectIo.class.getName());
    private static final OpenOption[] BUFFERED = {
        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE };
    private static final OpenOption[] DIRECT = {
        StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT };

    /** How files are opened; a seam so that tests can play a file system that refuses O_DIRECT. */
    @FunctionalInterface
    interface Opener
    {
        FileChannel open(Path file, OpenOption... options) throws IOException;
    }

    private final AtomicBoolean enabled;
    private final Opener opener;

    DirectIo(final boolean enabled, final Path dir)
    {
        this(enabled, dir, FileChannel::open);
    }

    DirectIo(final boolean enabled, final Path dir, final Opener opener)
    {
        this.opener = opener;
        this.enabled = new AtomicBoolean(enabled);
        if (enabled)
        {
            checkBlockSize(dir);
        }
    }

    boolean enabled()
    {
        return enabled.get();
    }

    FileChannel openForWrite(final Path file) throws IOException
    {
        if (enabled.get())
        {
            try
            {
                return opener.open(file, DIRECT);
            }
            catch (final IOException | UnsupportedOperationException ex)
            {
                Files.deleteIfExists(file);
                disable(file + ": " + ex);
            }
        }
        return opener.open(file, BUFFERED);
    }

    private void checkBlockSize(final Path dir)
    {
        try
        {
            final long blockSize = Files.getFileStore(dir).getBlockSize();
            if (blockSize <= 0 || CheckpointFormat.ALIGNMENT % blockSize != 0)
            {
                disable(dir + ": file system block size " + blockSize + " does not divide " +
                    CheckpointFormat.ALIGNMENT);
            }
        }
        catch (final IOException | UnsupportedOperationException ex)
        {
            disable(dir + ": block size unknown: " + ex);
        }
    }

    private void disable(final String reason)
    {
        if (enabled.getAndSet(false))
        {
            LOGGER.log(System.Logger.Level.WARNING, "checkpoint page files: O_DIRECT refused, using buffered " +
                "writes + fsync from now on (" + reason + ")");
        }
    }
}
