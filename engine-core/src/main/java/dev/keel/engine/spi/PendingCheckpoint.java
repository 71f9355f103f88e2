package dev.keel.engine.spi;

import java.util.UUID;

/**
 * A checkpoint being written, then committed, by the store's writer. All methods are called from the circuit
 * (owner) thread and none of them waits for storage, except {@link #abort()}.
 * <p>
 * Lifecycle: {@link CheckpointStore#begin} returns at once; the circuit polls {@link #isWritten()} and
 * {@link #failure()} from its duty cycle; once written, it closes the arena snapshot and, when every output
 * of the covered steps was delivered, calls {@link #requestCommit()}, which also returns at once: the writer
 * writes the manifest, the catalog and the root pointer (each fsynced) and applies retention. The circuit then
 * polls {@link #isCommitted()} and {@link #failure()} in later duty cycles. {@link #abort()} gives up at any
 * time before the commit is requested.
 * <p>
 * The arena snapshot must be closed only once {@link #isWritten()} is true, {@link #failure()} is non-null,
 * or {@link #abort()} returned: before that the writer may still be reading its pages.
 * <p>
 * Pages the writer took are no longer dirty in the arena. So after a write failure, or an abort before
 * {@link #isWritten()}, the store no longer knows a durable copy of those pages and the next
 * {@link CheckpointStore#begin} fails unless the circuit called {@code PagedArena.markAllDirty()} before
 * its next freeze. An abort after {@link #isWritten()}, or a failed commit, needs nothing: the written page
 * files are kept for later checkpoints to reference.
 */
public interface PendingCheckpoint
{
    /**
     * @return the id the checkpoint will have once committed.
     */
    UUID id();

    /**
     * @return true once every page is written and the page files are durable; never waits.
     */
    boolean isWritten();

    /**
     * @return the error that stopped the writer or failed the commit, or null; never waits. After a failed
     * commit the previous checkpoint stays the newest.
     */
    Throwable failure();

    /**
     * Asks the store's writer to make the checkpoint durable and the newest: write its manifest, add it to the
     * catalog, replace the root pointer, then apply retention. Returns at once; completion shows in
     * {@link #isCommitted()} or {@link #failure()}. Call only after every output of the covered steps was
     * delivered, and once.
     *
     * @throws IllegalStateException if not {@link #isWritten()}, already requested, or aborted.
     */
    default void requestCommit()
    {
        requestCommit(CommitHooks.NONE);
    }

    /**
     * Like {@link #requestCommit()}, with bookkeeping the writer runs on its own thread around the commit, so that
     * the host's durable records of the commit (e.g. which checkpoint requests it covers) cost the circuit no fsync.
     *
     * @param hooks run once each by the writer; the instance may be reused for the next checkpoint once this one
     *              {@link #isCommitted()} or failed.
     * @throws IllegalStateException if not {@link #isWritten()}, already requested, or aborted.
     */
    void requestCommit(CommitHooks hooks);

    /**
     * @return true once the requested commit is durable (manifest, catalog and root pointer synced, retention
     * applied to the catalog, so {@link CheckpointStore#list()} shows it); never waits.
     */
    boolean isCommitted();

    /**
     * Stops the writer if it still writes pages (waits for at most the page it is writing) and forgets the
     * checkpoint. If the commit was requested, waits until it is done instead (a commit cannot be taken back
     * half-way; it may still succeed). Idempotent; does nothing after the commit completed.
     */
    void abort();

    /**
     * Work the store's writer does around one commit, on the writer thread.
     */
    interface CommitHooks
    {
        /** Hooks that do nothing. */
        CommitHooks NONE = new CommitHooks()
        {
            @Override
            public void beforeCommit()
            {
            }

            @Override
            public void afterCommit()
            {
            }
        };

        /**
         * Before the checkpoint's manifest is written. An exception fails the commit: {@link #failure()} reports
         * it and the previous checkpoint stays the newest.
         */
        void beforeCommit();

        /**
         * Once the commit is durable, before retention deletes anything. An exception does not undo the commit:
         * the store counts and logs it as it does a retention error.
         */
        void afterCommit();
    }
}
