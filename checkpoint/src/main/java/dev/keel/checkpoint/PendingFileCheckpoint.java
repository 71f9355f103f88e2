package dev.keel.checkpoint;

import dev.keel.engine.spi.CheckpointMetadata;
import dev.keel.engine.spi.PendingCheckpoint;
import dev.keel.engine.state.PagedArena;
import dev.keel.engine.storage.StorageBackend;

import java.io.IOException;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * One checkpoint of a {@link FileCheckpointStore} from {@code begin} to its commit or abort, on the owner thread:
 * the bridge between the owner's {@link PageTable} and the writer's {@link CheckpointWriteJob} and
 * {@link CheckpointCommitter.Commit}, whose volatile state it polls without waiting.
 */
final class PendingFileCheckpoint implements PendingCheckpoint
{
    private final CheckpointWriteJob job;
    private final CheckpointMetadata metadata;
    private final PagedArena.Snapshot snapshot;
    private final int pageCount;
    private final PageTable pageTable;
    private final CheckpointCommitter committer;
    private final CheckpointWriterAgent writer;
    private final StorageBackend backend;
    private final Consumer<PendingFileCheckpoint> onEnded;
    private CheckpointCommitter.Commit commit;
    private boolean aborted;

    PendingFileCheckpoint(final CheckpointWriteJob job, final CheckpointMetadata metadata,
        final PagedArena.Snapshot snapshot, final int pageCount, final PageTable pageTable,
        final CheckpointCommitter committer, final CheckpointWriterAgent writer, final StorageBackend backend,
        final Consumer<PendingFileCheckpoint> onEnded)
    {
        this.job = job;
        this.metadata = metadata;
        this.snapshot = snapshot;
        this.pageCount = pageCount;
        this.pageTable = pageTable;
        this.committer = committer;
        this.writer = writer;
        this.backend = backend;
        this.onEnded = onEnded;
    }

    @Override
    public UUID id()
    {
        return job.id();
    }

    @Override
    public boolean isWritten()
    {
        return job.isWritten();
    }

    @Override
    public Throwable failure()
    {
        final CheckpointCommitter.Commit commit = this.commit;
        return null != commit ? commit.failure() : job.failure();
    }

    @Override
    public boolean isCommitted()
    {
        return null != commit && commit.isCommitted();
    }

    @Override
    public void requestCommit(final CommitHooks hooks)
    {
        if (aborted || null != commit)
        {
            throw new IllegalStateException("checkpoint " + id() + (aborted ? " was aborted" :
                " has its commit requested already"));
        }
        if (!job.isWritten())
        {
            throw new IllegalStateException("checkpoint " + id() + " is not written yet" +
                (null != job.failure() ? " (failed: " + job.failure() + ")" : ""));
        }
        // the manifest is built on the writer thread: the job added the written pages to the page table there
        commit = committer.new Commit(id(), metadata, snapshot, pageCount, pageTable, hooks);
        writer.submitCommit(commit);
    }

    @Override
    public void abort()
    {
        if (aborted)
        {
            return;
        }
        aborted = true;
        onEnded.accept(this);
        if (null != commit)
        {
            // a commit cannot be taken back half-way: let it finish, it may still succeed
            while (!commit.isDone())
            {
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(50));
            }
            return;
        }
        job.requestAbort();
        while (!job.isFinished())
        {
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(50));
        }
        if (job.isWritten())
        {
            // durable page files, in the page table already (the job added them): the next checkpoint references them
            return;
        }
        // pages the writer took are clean in the arena but not durable: forget where older copies were
        pageTable.forget(snapshot);
        final String directory = id() + "/";
        try
        {
            for (final String name : backend.list(directory))
            {
                backend.delete(name);
            }
            backend.delete(directory);
        }
        catch (final IOException ex)
        {
            throw CheckpointFormat.io("cannot remove aborted checkpoint " + job.dir(), ex);
        }
    }
}
