package dev.keel.engine.ft;

import dev.keel.engine.spi.CheckpointInfo;
import dev.keel.engine.spi.CheckpointMetadata;
import dev.keel.engine.spi.CheckpointStore;
import dev.keel.engine.spi.LoadedCheckpoint;
import dev.keel.engine.spi.PendingCheckpoint;
import dev.keel.engine.state.PagedArena;
import dev.keel.engine.storage.StorageBackend;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A {@link CheckpointStore} for coordinator tests: writes a page-count file, a manifest, a catalog and CURRENT
 * through a {@link StorageBackend} (so a fault-injecting wrapper can fail them and record the threads), and
 * does all its storage work only in {@link #writerDoWork()}, which the test runs when and on which thread it
 * wants: what the coordinator sees between two writer steps is fully determined.
 */
final class BackendCheckpointStore implements CheckpointStore
{
    private final StorageBackend backend;
    private final int retained;
    private volatile List<CheckpointInfo> infos = List.of();
    private volatile Pending pending;
    private int begins;

    BackendCheckpointStore(final StorageBackend backend, final int retained)
    {
        this.backend = backend;
        this.retained = retained;
    }

    int begins()
    {
        return begins;
    }

    /** One writer duty cycle: writes the pending checkpoint's pages, or runs its requested commit. */
    int writerDoWork()
    {
        final Pending p = pending;
        if (null == p || p.done)
        {
            return 0;
        }
        try
        {
            if (!p.written)
            {
                for (int i = 0; i < p.snapshot.pageCount(); i++)
                {
                    p.snapshot.acquire(i);
                    p.snapshot.release(i);
                }
                final byte[] pages = ("pages " + p.snapshot.pageCount() + "\n").getBytes(StandardCharsets.UTF_8);
                backend.writeDurably(p.id + "/pages", pages, 0, pages.length);
                p.written = true;
                return 1;
            }
            if (p.commitRequested)
            {
                p.hooks.beforeCommit();
                final byte[] manifest = ("step " + p.metadata.step() + "\n").getBytes(StandardCharsets.UTF_8);
                backend.writeDurably(p.id + "/manifest", manifest, 0, manifest.length);
                final List<CheckpointInfo> next = new ArrayList<>(infos);
                next.add(new CheckpointInfo(p.id, p.metadata.step(), p.metadata.transactionId(),
                    p.metadata.journalPosition(), p.metadata.wallClockMillis(), p.snapshot.pageCount(), 0, 0));
                while (next.size() > retained)
                {
                    next.remove(0);
                }
                final StringBuilder catalog = new StringBuilder();
                next.forEach(info -> catalog.append(info.id()).append('\n'));
                final byte[] catalogBytes = catalog.toString().getBytes(StandardCharsets.UTF_8);
                backend.writeDurably("catalog", catalogBytes, 0, catalogBytes.length);
                final byte[] current = p.id.toString().getBytes(StandardCharsets.UTF_8);
                backend.writeDurably("CURRENT", current, 0, current.length);
                infos = List.copyOf(next);
                p.hooks.afterCommit();
                p.committed = true;
                p.done = true;
                return 1;
            }
            return 0;
        }
        catch (final IOException | RuntimeException ex)
        {
            p.failure = new IllegalStateException((p.written ? "commit" : "write") + " of checkpoint " + p.id +
                " failed: " + ex.getMessage(), ex);
            p.done = true;
            return 1;
        }
    }

    /** Runs {@link #writerDoWork()} once on a new thread of that name and waits for it. */
    int writerDoWorkOn(final String threadName) throws InterruptedException
    {
        final int[] work = new int[1];
        final Thread thread = new Thread(() -> work[0] = writerDoWork(), threadName);
        thread.start();
        thread.join();
        return work[0];
    }

    @Override
    public PendingCheckpoint begin(final CheckpointMetadata metadata, final PagedArena.Snapshot snapshot)
    {
        final Pending previous = pending;
        if (null != previous && !previous.done)
        {
            throw new IllegalStateException("checkpoint " + previous.id + " is still pending");
        }
        begins++;
        final Pending p = new Pending(metadata, snapshot);
        pending = p;
        return p;
    }

    @Override
    public Optional<LoadedCheckpoint> loadLatest()
    {
        return Optional.empty();
    }

    @Override
    public void restoreInto(final LoadedCheckpoint checkpoint, final PagedArena arena)
    {
        throw new UnsupportedOperationException("coordinator tests start fresh");
    }

    @Override
    public List<CheckpointInfo> list()
    {
        return infos;
    }

    @Override
    public void close()
    {
    }

    private static final class Pending implements PendingCheckpoint
    {
        private final UUID id = UUID.randomUUID();
        private final CheckpointMetadata metadata;
        private final PagedArena.Snapshot snapshot;
        private volatile boolean written;
        private volatile boolean commitRequested;
        private CommitHooks hooks;
        private volatile boolean committed;
        private volatile boolean done;
        private volatile Throwable failure;

        Pending(final CheckpointMetadata metadata, final PagedArena.Snapshot snapshot)
        {
            this.metadata = metadata;
            this.snapshot = snapshot;
        }

        @Override
        public UUID id()
        {
            return id;
        }

        @Override
        public boolean isWritten()
        {
            return written;
        }

        @Override
        public Throwable failure()
        {
            return failure;
        }

        @Override
        public void requestCommit(final CommitHooks hooks)
        {
            if (!written || commitRequested || done)
            {
                throw new IllegalStateException("checkpoint " + id + ": commit requested out of order");
            }
            this.hooks = hooks;
            commitRequested = true;
        }

        @Override
        public boolean isCommitted()
        {
            return committed;
        }

        @Override
        public void abort()
        {
            done = true;
        }
    }
}
