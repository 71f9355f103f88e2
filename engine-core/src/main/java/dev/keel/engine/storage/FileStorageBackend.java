package dev.keel.engine.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link StorageBackend} over a local directory; the only implementation of the durable commit protocol on a
 * file system ({@link FileWriter#commit()}).
 * <p>
 * It lives in engine-core, not in the checkpoint module, because engine-core's checkpoint requests need it with
 * nothing but the directory they are configured with, and it knows no file layout: names are the caller's.
 * Stateless apart from the root, hence thread-safe.
 */
public final class FileStorageBackend implements StorageBackend
{
    private final Path root;

    /**
     * @param root the directory names are relative to; created on the first write if missing.
     */
    public FileStorageBackend(final Path root)
    {
        this.root = root;
    }

    @Override
    public Path fileSystemPath()
    {
        return root;
    }

    /** @return the path of a name under the root. */
    public Path resolve(final String name)
    {
        StorageBackend.checkName(name);
        return root.resolve(name.endsWith("/") ? name.substring(0, name.length() - 1) : name);
    }

    @Override
    public boolean exists(final String name)
    {
        final Path path = resolve(name);
        return name.endsWith("/") ? Files.isDirectory(path) : Files.isRegularFile(path);
    }

    @Override
    public long size(final String name) throws IOException
    {
        return Files.size(resolve(name));
    }

    @Override
    public byte[] read(final String name) throws IOException
    {
        try
        {
            return Files.readAllBytes(resolve(name));
        }
        catch (final NoSuchFileException ex)
        {
            return null;
        }
    }

    @Override
    public int read(final String name, final long offset, final ByteBuffer dst) throws IOException
    {
        try (FileChannel channel = FileChannel.open(resolve(name), StandardOpenOption.READ))
        {
            int total = 0;
            long position = offset;
            while (dst.hasRemaining())
            {
                final int read = channel.read(dst, position);
                if (read < 0)
                {
                    break;
                }
                total += read;
                position += read;
            }
            return total;
        }
    }

    @Override
    public Writer create(final String name) throws IOException
    {
        if (name.endsWith("/"))
        {
            throw new IllegalArgumentException("cannot write directory name '" + name + "' in " + root);
        }
        final Path target = resolve(name);
        final Path parent = target.getParent();
        final boolean newParent = !Files.isDirectory(parent);
        if (newParent)
        {
            Files.createDirectories(parent);
        }
        return new FileWriter(target, parent, newParent);
    }

    @Override
    public List<String> list(final String directory) throws IOException
    {
        final String prefix = StorageBackend.directoryPrefix(directory);
        final Path dir = prefix.isEmpty() ? root : resolve(prefix);
        final List<String> names = new ArrayList<>();
        if (!Files.isDirectory(dir))
        {
            return names;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir))
        {
            for (final Path entry : entries)
            {
                names.add(prefix + entry.getFileName() + (Files.isDirectory(entry) ? "/" : ""));
            }
        }
        names.sort(null);
        return names;
    }

    @Override
    public void delete(final String name) throws IOException
    {
        Files.deleteIfExists(resolve(name));
    }

    @Override
    public void syncDirectory(final String directory) throws IOException
    {
        final String prefix = StorageBackend.directoryPrefix(directory);
        syncDirectory(prefix.isEmpty() ? root : resolve(prefix));
    }

    private static void syncDirectory(final Path dir) throws IOException
    {
        // makes the directory's entries durable: a rename is not durable until its directory is fsynced
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ))
        {
            channel.force(true);
        }
    }

    @Override
    public String toString()
    {
        return "FileStorageBackend(" + root + ")";
    }

    /** Writes {@code name.tmp}; {@link #commit()} is the protocol. */
    private static final class FileWriter implements Writer
    {
        private final Path target;
        private final Path temp;
        private final Path parent;
        private final boolean newParent;
        private final FileChannel channel;
        private boolean done;

        FileWriter(final Path target, final Path parent, final boolean newParent) throws IOException
        {
            this.target = target;
            this.temp = target.resolveSibling(target.getFileName() + TEMP_SUFFIX);
            this.parent = parent;
            this.newParent = newParent;
            // TRUNCATE: a temp file left by a crash is garbage, start over
            this.channel = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        }

        @Override
        public void write(final ByteBuffer src) throws IOException
        {
            if (done)
            {
                throw new IllegalStateException(temp + " is already committed or closed");
            }
            while (src.hasRemaining())
            {
                channel.write(src);
            }
        }

        @Override
        public void commit() throws IOException
        {
            if (done)
            {
                throw new IllegalStateException(temp + " is already committed or closed");
            }
            channel.force(true);
            channel.close();
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            done = true;
            syncDirectory(parent);
            if (newParent)
            {
                // the directory itself is an entry of its parent: without this a crash may lose it, and the file
                syncDirectory(parent.getParent());
            }
        }

        @Override
        public void close() throws IOException
        {
            if (!done)
            {
                done = true;
                channel.close();
                Files.deleteIfExists(temp);
            }
        }
    }
}
