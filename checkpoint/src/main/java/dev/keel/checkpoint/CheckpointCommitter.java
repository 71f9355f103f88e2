package dev.keel.checkpoint;

import dev.keel.engine.spi.CheckpointMetadata;
import dev.keel.engine.spi.PendingCheckpoint;
import dev.keel.engine.state.PagedArena;
import dev.keel.engine.storage.StorageBackend;
import org.agrona.ExpandableArrayBuffer;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Commit and retention, on the writer thread, so that none of their fsyncs stalls the circuit: the owner's
 * {@link PendingCheckpoint.CommitHooks#beforeCommit()}, the manifest, then the catalog with the new entry, then
 * CURRENT, each through the backend's one durable commit protocol; the owner's
 * {@link PendingCheckpoint.CommitHooks#afterCommit()}; then retention: the catalog rewritten without the checkpoints beyond the retained count, and only then the
 * files no retained manifest (nor the owner's page table) references queued for deletion.
 * <p>
 * Owns the published {@link CatalogState} while a commit runs; the owner replaces it only when no commit is in
 * flight (open, reload). A commit that fails leaves the previous checkpoint the newest: the state is not
 * replaced, and the error names the checkpoint, the directory and the one that stays newest. A retention
 * failure does not fail the commit (it is durable by then): it is counted, kept, and retried after the next
 * commit and on open.
 */
final class CheckpointCommitter
{
    private static final System.Logger LOGGER = System.getLogger(FileCheckpointStore.class.getName());

    private final StorageBackend backend;
    private final Path dir;
    private final int retained;
    private final CheckpointDirectoryRepair directory;
    private final CheckpointWriterAgent writer;
    private final ExpandableArrayBuffer encodeBuffer = new ExpandableArrayBuffer(64 * 1024);
    private final AtomicLong retentionErrors = new AtomicLong();
    private volatile Throwable lastRetentionError;
    private volatile CatalogState state;

    CheckpointCommitter(final StorageBackend backend, final Path dir, final int retained,
        final CheckpointDirectoryRepair directory, final CheckpointWriterAgent writer, final CatalogState state)
    {
        this.backend = backend;
        this.dir = dir;
        this.retained = retained;
        this.directory = directory;
        this.writer = writer;
        this.state = state;
    }

    /** @return the committed checkpoints as last published; any thread. */
    CatalogState state()
    {
        return state;
    }

    /** Replaces the state (a reload); owner thread, only while no commit is in flight. */
    void state(final CatalogState state)
    {
        this.state = state;
    }

    long retentionErrors()
    {
        return retentionErrors.get();
    }

    Throwable lastRetentionError()
    {
        return lastRetentionError;
    }

    /**
     * A commit for the writer to run. Handed over by the owner thread with what the owner knows at the step
     * boundary; the manifest, which lists a file and slot for every arena page, is built here on the writer thread
     * from the store's {@link PageTable} (the writer's while a checkpoint is pending), so that no per-page work is
     * left on the owner thread. {@link #isDone()}, {@link #isCommitted()} and {@link #failure()} are read by the
     * owner, written by the writer (volatile: the state they publish is complete).
     */
    final class Commit implements Runnable
    {
        private final UUID id;
        private final CheckpointMetadata metadata;
        private final PagedArena.Snapshot snapshot;
        private final int pageCount;
        private final PageTable pageTable;
        private final PendingCheckpoint.CommitHooks hooks;
        private volatile boolean done;
        private volatile boolean committed;
        private volatile Throwable failure;

        Commit(
            final UUID id,
            final CheckpointMetadata metadata,
            final PagedArena.Snapshot snapshot,
            final int pageCount,
            final PageTable pageTable,
            final PendingCheckpoint.CommitHooks hooks)
        {
            this.id = id;
            this.metadata = metadata;
            this.snapshot = snapshot;
            this.pageCount = pageCount;
            this.pageTable = pageTable;
            this.hooks = hooks;
        }

        boolean isDone()
        {
            return done;
        }

        boolean isCommitted()
        {
            return committed;
        }

        Throwable failure()
        {
            return failure;
        }

        @Override
        public void run()
        {
            try
            {
                commit(this);
            }
            catch (final Throwable t)
            {
                failure = t;
            }
            finally
            {
                done = true;
            }
        }
    }

    private void commit(final Commit commit)
    {
        final Manifest manifest = new Manifest(commit.id, commit.metadata, PagedArena.PAGE_SIZE, commit.pageCount,
            commit.snapshot.meta(), commit.pageTable.manifestFiles(commit.pageCount));
        final Catalog.Entry entry = new Catalog.Entry(manifest.id, commit.metadata.step(),
            commit.metadata.transactionId(), commit.metadata.wallClockMillis());
        final CatalogState before = state;
        final CatalogState after = before.with(entry, manifest);
        try
        {
            commit.hooks.beforeCommit();
            // encode first: encoding may grow the buffer and replace its array
            final int manifestLength = manifest.encode(encodeBuffer);
            backend.writeDurably(manifest.id + "/" + CheckpointFormat.MANIFEST, encodeBuffer.byteArray(), 0,
                manifestLength);
            final int catalogLength = Catalog.encode(after.entries, encodeBuffer);
            backend.writeDurably(CheckpointFormat.CATALOG, encodeBuffer.byteArray(), 0, catalogLength);
            final int currentLength = Catalog.encodeCurrent(entry, encodeBuffer);
            backend.writeDurably(CheckpointFormat.CURRENT, encodeBuffer.byteArray(), 0, currentLength);
        }
        catch (final Exception ex)
        {
            final Catalog.Entry newest = before.newest();
            commit.failure = CheckpointFormat.io("commit of checkpoint " + manifest.id + " in " + dir +
                " failed; checkpoint " + (null == newest ? "none" : newest.id()) + " stays the newest", ex);
            return;
        }
        state = after;
        try
        {
            commit.hooks.afterCommit();
        }
        catch (final RuntimeException ex)
        {
            // retention may delete what the host's records name: a retention error (counted, logged) it is
            onRetentionError(ex);
        }
        applyRetention(after, commit.pageTable.referencedNames());
        LOGGER.log(System.Logger.Level.DEBUG, "checkpoint {0} committed at step {1} in {2}", manifest.id,
            commit.metadata.step(), dir);
        // last: the owner may begin the next checkpoint (and read the state) as soon as it sees this
        commit.committed = true;
    }

    private void applyRetention(final CatalogState after, final Set<String> pageTableNames)
    {
        try
        {
            final CatalogState kept = after.retainNewest(retained);
            if (kept != after)
            {
                final int length = Catalog.encode(kept.entries, encodeBuffer);
                backend.writeDurably(CheckpointFormat.CATALOG, encodeBuffer.byteArray(), 0, length);
                state = kept;
            }
            if (!kept.unreadable.isEmpty())
            {
                // an unreadable retained manifest references files nobody knows: delete nothing (as open does)
                return;
            }
            final Set<String> referenced = new HashSet<>(kept.referencedNames());
            referenced.addAll(pageTableNames);
            for (final String name : directory.unreferenced(referenced))
            {
                writer.delete(name);
            }
        }
        catch (final Exception ex)
        {
            onRetentionError(ex);
        }
    }

    /** Counts and keeps a retention error (catalog rewrite, listing, or a queued deletion); any thread. */
    void onRetentionError(final Throwable error)
    {
        retentionErrors.incrementAndGet();
        lastRetentionError = error;
        LOGGER.log(System.Logger.Level.ERROR, "checkpoint retention in " + dir + " failed (retried after the next " +
            "commit and on open; the commit itself is durable)", error);
    }
}
