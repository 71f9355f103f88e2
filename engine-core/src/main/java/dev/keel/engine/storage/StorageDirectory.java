package dev.keel.engine.storage;

import dev.keel.engine.KeelException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The storage directory of one pipeline ({@code storage_config.path}), owned by exactly one process at a
 * time through an OS lock on {@code keel.lock} held for the owner's lifetime. The OS releases the lock
 * when the process dies, even by SIGKILL, so a successful {@link #lock(Path)} also proves that the
 * previous owner is gone (which lets the journal remove its stale liveness files).
 * <pre>
 *   keel.lock      lock file; holds the owner's pid for error messages
 *   journal/       input journal (Aeron Archive)
 *   checkpoints/   checkpoint store
 * </pre>
 */
public final class StorageDirectory implements AutoCloseable
{
    public static final String LOCK_FILE = "keel.lock";
    public static final String JOURNAL_DIR = "journal";
    public static final String CHECKPOINTS_DIR = "checkpoints";
    /** Checkpoint request numbers issued, kept by the checkpoint coordinator inside {@link #CHECKPOINTS_DIR}. */
    public static final String CHECKPOINT_REQUESTS_FILE = "checkpoint-requests";
    /** Checkpoint request statuses, kept by the checkpoint coordinator inside {@link #CHECKPOINTS_DIR}. */
    public static final String CHECKPOINT_STATUSES_FILE = "checkpoint-statuses";

    private final Path path;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private StorageDirectory(final Path path, final FileChannel lockChannel, final FileLock lock)
    {
        this.path = path;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /**
     * Creates the directory if needed and takes its lock.
     *
     * @throws KeelException (STORAGE_LOCKED) if another process owns it, naming the path and the owner's pid.
     */
    public static StorageDirectory lock(final Path path)
    {
        final Path lockFile = path.resolve(LOCK_FILE);
        FileChannel channel = null;
        try
        {
            Files.createDirectories(path);
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
            FileLock lock;
            try
            {
                lock = channel.tryLock();
            }
            catch (final OverlappingFileLockException ex)
            {
                lock = null;
            }
            if (null == lock)
            {
                final String owner = readOwner(lockFile);
                channel.close();
                throw new KeelException(KeelException.Category.STORAGE, "STORAGE_LOCKED",
                    "storage directory " + path + " is in use by another Keel process" +
                    (owner.isEmpty() ? "" : " (pid " + owner + ")") + "; stop it first or use another " +
                    "storage_config.path");
            }
            final byte[] pid = Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII);
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(pid), 0);
            channel.force(true);
            return new StorageDirectory(path, channel, lock);
        }
        catch (final IOException ex)
        {
            closeQuietly(channel);
            throw new KeelException(KeelException.Category.STORAGE, "STORAGE_IO",
                "cannot open storage directory " + path + ": " + ex, ex);
        }
    }

    public Path path()
    {
        return path;
    }

    public Path journalDir()
    {
        return path.resolve(JOURNAL_DIR);
    }

    public Path checkpointsDir()
    {
        return path.resolve(CHECKPOINTS_DIR);
    }

    public void close()
    {
        try
        {
            if (lock.isValid())
            {
                lock.release();
            }
            lockChannel.close();
        }
        catch (final IOException ex)
        {
            throw new KeelException(KeelException.Category.STORAGE, "STORAGE_IO",
                "cannot release " + path.resolve(LOCK_FILE) + ": " + ex, ex);
        }
    }

    private static String readOwner(final Path lockFile)
    {
        try
        {
            return new String(Files.readAllBytes(lockFile), StandardCharsets.US_ASCII).trim();
        }
        catch (final IOException ex)
        {
            return "";
        }
    }

    private static void closeQuietly(final FileChannel channel)
    {
        if (null != channel)
        {
            try
            {
                channel.close();
            }
            catch (final IOException ignore)
            {
                // already failing with the original error
            }
        }
    }
}
