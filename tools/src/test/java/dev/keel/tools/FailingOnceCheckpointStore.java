package dev.keel.tools;

import dev.keel.engine.spi.CheckpointInfo;
import dev.keel.engine.spi.CheckpointMetadata;
import dev.keel.engine.spi.CheckpointStore;
import dev.keel.engine.spi.LoadedCheckpoint;
import dev.keel.engine.spi.PendingCheckpoint;
import dev.keel.engine.state.PagedArena;

import java.util.List;
import java.util.Optional;

/** Fault injection around a real store: the first begin() fails as a storage error would, later ones go through. */
final class FailingOnceCheckpointStore implements CheckpointStore
{
    private final CheckpointStore delegate;
    private volatile boolean failed;

    FailingOnceCheckpointStore(final CheckpointStore delegate)
    {
        this.delegate = delegate;
    }

    public PendingCheckpoint begin(final CheckpointMetadata metadata, final PagedArena.Snapshot snapshot)
    {
        if (!failed)
        {
            failed = true;
            throw new IllegalStateException("injected: disk full");
        }
        return delegate.begin(metadata, snapshot);
    }

    public Optional<LoadedCheckpoint> loadLatest()
    {
        return delegate.loadLatest();
    }

    public void restoreInto(final LoadedCheckpoint checkpoint, final PagedArena arena)
    {
        delegate.restoreInto(checkpoint, arena);
    }

    public List<CheckpointInfo> list()
    {
        return delegate.list();
    }

    public void close()
    {
        delegate.close();
    }
}
