package dev.keel.checkpoint;

import dev.keel.engine.spi.PendingCheckpoint;
import dev.keel.engine.storage.StorageBackend;
import org.agrona.ExpandableArrayBuffer;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
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
     * A commit for the writer to run. Built on the owner thread; {@link #isDone()}, {@link #isCommitted()} and
     * {@link #failure()} are read there, written by the writer (volatile: the state they publish is complete).
     */
    final class Commit implements Runnable
    {
        private final Manifest manifest;
        private final Catalog.Entry entry;
        private final Set<String> pageTableNames;
        private final PendingCheckpoint.CommitHooks hooks;
        private volatile boolean done;
        private volatile boolean committed;
        private volatile Throwable failure;

        Commit(
            final Manifest manifest,
            final Catalog.Entry entry,
            final Set<String> pageTableNames,
            final PendingCheckpoint.CommitHooks hooks)
        {
            this.hooks = hooks;
            this.manifest = manifest;
            this.entry = entry;
            this.pageTableNames = pageTableNames;
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
        final CatalogState before = state;
        final CatalogState after = before.with(commit.entry, commit.manifest);
        try
        {
            commit.hooks.beforeCommit();
            // encode first: encoding may grow the buffer and replace its array
            final int manifestLength = commit.manifest.encode(encodeBuffer);
            backend.writeDurably(commit.manifest.id + "/" + CheckpointFormat.MANIFEST, encodeBuffer.byteArray(), 0,
                manifestLength);
            final int catalogLength = Catalog.encode(after.entries, encodeBuffer);
            backend.writeDurably(CheckpointFormat.CATALOG, encodeBuffer.byteArray(), 0, catalogLength);
            final int currentLength = Catalog.encodeCurrent(commit.entry, encodeBuffer);
            backend.writeDurably(CheckpointFormat.CURRENT, encodeBuffer.byteArray(), 0, currentLength);
        }
        catch (final Exception ex)
        {
            final Catalog.Entry newest = before.newest();
            commit.failure = CheckpointFormat.io("commit of checkpoint " + commit.manifest.id + " in " + dir +
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
        applyRetention(after, commit.pageTableNames);
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
