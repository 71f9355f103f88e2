package dev.keel.engine.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link StorageBackend} wrapper for tests of any module: fails the Nth write or sync of names with a given
 * prefix with an {@link IOException}, as a full or failing disk would, and records the thread of every sync
 * (commit or directory fsync), so a test can prove which thread paid for durability.
 * <p>
 * A {@link Operation#SYNC} failure hits {@link Writer#commit()} before the delegate renames: the old content
 * stays, the temporary file is removed by the writer's close. Thread-safe.
 */
public final class FaultInjectingStorageBackend implements StorageBackend
{
    /** What can be made to fail. */
    public enum Operation
    {
        /** {@link Writer#write}. */
        WRITE,
        /** {@link Writer#commit()} and {@link StorageBackend#syncDirectory}. */
        SYNC
    }

    private final StorageBackend delegate;
    private final CopyOnWriteArrayList<String> syncThreads = new CopyOnWriteArrayList<>();
    private final AtomicInteger syncs = new AtomicInteger();
    private volatile Operation failOperation;
    private volatile String failPrefix;
    private final AtomicInteger failCountdown = new AtomicInteger();

    /**
     * @param delegate the backend doing the real work.
     */
    public FaultInjectingStorageBackend(final StorageBackend delegate)
    {
        this.delegate = delegate;
    }

    /**
     * Arms one failure: the {@code nth} (1 = next) {@code operation} on a name starting with {@code prefix}
     * throws; later ones succeed again.
     */
    public void failNth(final Operation operation, final int nth, final String prefix)
    {
        if (nth < 1)
        {
            throw new IllegalArgumentException("nth=" + nth + " is invalid; allowed: >= 1");
        }
        failPrefix = prefix;
        failCountdown.set(nth);
        failOperation = operation;
    }

    /** @return names of the threads that synced (committed a file or fsynced a directory), in order. */
    public List<String> syncThreads()
    {
        return List.copyOf(syncThreads);
    }

    /** @return commits and directory fsyncs done (including failed ones). */
    public int syncCount()
    {
        return syncs.get();
    }

    private void maybeFail(final Operation operation, final String name) throws IOException
    {
        if (operation == failOperation && name.startsWith(failPrefix) && failCountdown.decrementAndGet() == 0)
        {
            failOperation = null;
            throw new IOException("injected " + operation + " failure on " + name + " in " + delegate);
        }
    }

    private void onSync(final String name) throws IOException
    {
        syncs.incrementAndGet();
        syncThreads.add(Thread.currentThread().getName());
        maybeFail(Operation.SYNC, name);
    }

    @Override
    public Path fileSystemPath()
    {
        return delegate.fileSystemPath();
    }

    @Override
    public boolean exists(final String name) throws IOException
    {
        return delegate.exists(name);
    }

    @Override
    public long size(final String name) throws IOException
    {
        return delegate.size(name);
    }

    @Override
    public byte[] read(final String name) throws IOException
    {
        return delegate.read(name);
    }

    @Override
    public int read(final String name, final long offset, final ByteBuffer dst) throws IOException
    {
        return delegate.read(name, offset, dst);
    }

    @Override
    public Writer create(final String name) throws IOException
    {
        final Writer writer = delegate.create(name);
        return new Writer()
        {
            @Override
            public void write(final ByteBuffer src) throws IOException
            {
                maybeFail(Operation.WRITE, name);
                writer.write(src);
            }

            @Override
            public void commit() throws IOException
            {
                onSync(name);
                writer.commit();
            }

            @Override
            public void close() throws IOException
            {
                writer.close();
            }
        };
    }

    @Override
    public List<String> list(final String directory) throws IOException
    {
        return delegate.list(directory);
    }

    @Override
    public void delete(final String name) throws IOException
    {
        delegate.delete(name);
    }

    @Override
    public void syncDirectory(final String directory) throws IOException
    {
        onSync(directory);
        delegate.syncDirectory(directory);
    }

    @Override
    public String toString()
    {
        return "FaultInjecting(" + delegate + ")";
    }
}
