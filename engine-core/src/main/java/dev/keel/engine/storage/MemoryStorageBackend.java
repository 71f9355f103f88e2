package dev.keel.engine.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * {@link StorageBackend} in memory, for deterministic tests of any module: no fsync to wait for, no directory
 * to clean up. It models what the file backend does that tests care about: a {@link Writer} fills a visible
 * {@code name.tmp} that {@link Writer#commit()} replaces {@code name} with atomically, and directories exist
 * while they hold a file. Thread-safe: entries live in a concurrent sorted map and are replaced, never mutated.
 */
public final class MemoryStorageBackend implements StorageBackend
{
    private final ConcurrentSkipListMap<String, byte[]> files = new ConcurrentSkipListMap<>();

    @Override
    public Path fileSystemPath()
    {
        return null;
    }

    @Override
    public boolean exists(final String name)
    {
        StorageBackend.checkName(name);
        if (name.endsWith("/"))
        {
            final String next = files.ceilingKey(name);
            return null != next && next.startsWith(name);
        }
        return files.containsKey(name);
    }

    @Override
    public long size(final String name) throws IOException
    {
        return existing(name).length;
    }

    @Override
    public byte[] read(final String name)
    {
        StorageBackend.checkName(name);
        final byte[] content = files.get(name);
        return null == content ? null : content.clone();
    }

    @Override
    public int read(final String name, final long offset, final ByteBuffer dst) throws IOException
    {
        final byte[] content = existing(name);
        if (offset >= content.length)
        {
            return 0;
        }
        final int length = (int)Math.min(dst.remaining(), content.length - offset);
        dst.put(content, (int)offset, length);
        return length;
    }

    @Override
    public Writer create(final String name)
    {
        StorageBackend.checkName(name);
        if (name.endsWith("/"))
        {
            throw new IllegalArgumentException("cannot write directory name '" + name + "' in memory");
        }
        return new MemoryWriter(name);
    }

    @Override
    public List<String> list(final String directory)
    {
        final String prefix = StorageBackend.directoryPrefix(directory);
        final List<String> names = new ArrayList<>();
        for (final String name : files.tailMap(prefix, true).keySet())
        {
            if (!name.startsWith(prefix))
            {
                break;
            }
            final int slash = name.indexOf('/', prefix.length());
            final String entry = slash < 0 ? name : name.substring(0, slash + 1);
            if (names.isEmpty() || !names.get(names.size() - 1).equals(entry))
            {
                names.add(entry);
            }
        }
        names.sort(null);
        return names;
    }

    @Override
    public void delete(final String name) throws IOException
    {
        StorageBackend.checkName(name);
        if (name.endsWith("/"))
        {
            if (exists(name))
            {
                throw new DirectoryNotEmptyException("memory:" + name);
            }
            return;
        }
        files.remove(name);
    }

    @Override
    public void syncDirectory(final String directory)
    {
        StorageBackend.directoryPrefix(directory);
    }

    /** @return a copy of every file, by name; for assertions. */
    public Map<String, byte[]> snapshot()
    {
        final Map<String, byte[]> copy = new ConcurrentSkipListMap<>();
        files.forEach((name, content) -> copy.put(name, content.clone()));
        return copy;
    }

    /**
     * Puts bytes under a name without the commit protocol, as a crash or a person would leave them (a torn
     * {@code .tmp} file); for tests.
     */
    public void putRaw(final String name, final byte[] content)
    {
        files.put(StorageBackend.checkName(name), content.clone());
    }

    private byte[] existing(final String name) throws IOException
    {
        StorageBackend.checkName(name);
        final byte[] content = files.get(name);
        if (null == content)
        {
            throw new NoSuchFileException("memory:" + name);
        }
        return content;
    }

    @Override
    public String toString()
    {
        return "MemoryStorageBackend(" + files.size() + " files)";
    }

    private final class MemoryWriter implements Writer
    {
        private final String name;
        private final String temp;
        private byte[] bytes = new byte[256];
        private int length;
        private boolean done;

        MemoryWriter(final String name)
        {
            this.name = name;
            this.temp = name + TEMP_SUFFIX;
            files.put(temp, new byte[0]);
        }

        @Override
        public void write(final ByteBuffer src)
        {
            if (done)
            {
                throw new IllegalStateException("memory:" + temp + " is already committed or closed");
            }
            final int count = src.remaining();
            if (length + count > bytes.length)
            {
                bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + count));
            }
            src.get(bytes, length, count);
            length += count;
            // visible as the file backend's temp file would be: a crash here leaves exactly this
            files.put(temp, Arrays.copyOf(bytes, length));
        }

        @Override
        public void commit()
        {
            if (done)
            {
                throw new IllegalStateException("memory:" + temp + " is already committed or closed");
            }
            done = true;
            files.put(name, Arrays.copyOf(bytes, length));
            files.remove(temp);
        }

        @Override
        public void close()
        {
            if (!done)
            {
                done = true;
                files.remove(temp);
            }
        }
    }
}
