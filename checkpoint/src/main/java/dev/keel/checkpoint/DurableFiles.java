package dev.keel.checkpoint;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The one durable commit protocol of the checkpoint store, used for manifest, catalog and CURRENT:
 * write {@code name.tmp}, fsync it, rename it over {@code name}, fsync the directory. After a crash the file
 * is either the old one or the new one, never a mix; a leftover {@code .tmp} is garbage that open removes.
 */
final class DurableFiles
{
    private DurableFiles()
    {
    }

    /**
     * Durably replaces {@code dir/name} with the envelope in {@code content[0, length)}.
     */
    static void replace(final Path dir, final String name, final byte[] content, final int length)
        throws IOException
    {
        final Path temp = dir.resolve(name + CheckpointFormat.TEMP_SUFFIX);
        final ByteBuffer bytes = ByteBuffer.wrap(content, 0, length);
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING))
        {
            while (bytes.hasRemaining())
            {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(temp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        syncDirectory(dir);
    }

    /** Makes the directory's entries (created, renamed files) durable. */
    static void syncDirectory(final Path dir) throws IOException
    {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ))
        {
            channel.force(true);
        }
    }

    /**
     * Reads a whole small file into a heap buffer.
     *
     * @return the bytes, or null if the file does not exist.
     */
    static UnsafeBuffer readAll(final Path file) throws IOException
    {
        try
        {
            return new UnsafeBuffer(Files.readAllBytes(file));
        }
        catch (final NoSuchFileException ex)
        {
            return null;
        }
    }
}
