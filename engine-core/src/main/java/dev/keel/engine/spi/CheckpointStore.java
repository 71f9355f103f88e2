package dev.keel.engine.spi;

import dev.keel.engine.state.PagedArena;

import java.util.List;
import java.util.Optional;

/**
 * Durable, incremental checkpoints of the circuit's state (implemented by the {@code checkpoint} module).
 * <p>
 * A checkpoint is the pages of a {@link PagedArena.Snapshot} (only those dirtied since the previous
 * checkpoint are written; the others are referenced in earlier checkpoints' files) plus
 * {@link CheckpointMetadata}. At most one checkpoint is pending at a time. All methods are called from the
 * circuit (owner) thread, except {@link #list()} and {@link #close()}, which may be called from any thread.
 */
public interface CheckpointStore extends AutoCloseable
{
    /**
     * Starts writing a checkpoint on the store's writer and returns at once.
     *
     * @param metadata what the checkpoint records besides pages.
     * @param snapshot the arena's frozen dirty pages; the caller closes it (see {@link PendingCheckpoint}).
     * @return the pending checkpoint; writing errors are reported by {@link PendingCheckpoint#failure()}.
     * @throws IllegalStateException if another checkpoint is pending, i.e. being written or committed (one that
     *                               failed is aborted instead, one that committed is done).
     * @throws dev.keel.engine.KeelException if a page of the arena is neither in the snapshot nor in an earlier
     *                                       checkpoint of this store (after a failure or abort, or when the arena
     *                                       was not restored from this store): the circuit must call
     *                                       {@code PagedArena.markAllDirty()} before the next freeze.
     */
    PendingCheckpoint begin(CheckpointMetadata metadata, PagedArena.Snapshot snapshot);

    /**
     * Finds the newest committed checkpoint whose manifest and files are intact; a corrupt newer one is
     * skipped with a warning in {@link LoadedCheckpoint#warnings()}.
     *
     * @return the checkpoint, or empty if none was ever committed.
     * @throws dev.keel.engine.KeelException if checkpoints exist but none is usable.
     */
    Optional<LoadedCheckpoint> loadLatest();

    /**
     * Restores the arena to the checkpoint: restores the allocator metadata first (it sizes the arena, and
     * {@code PagedArena.restorePage} needs that), then reads every page the manifest references (including
     * pages inherited from earlier checkpoints) straight into the arena and verifies each page's CRC32C. The
     * program's own metadata ({@link CheckpointMetadata#programMeta()}) is the caller's to load afterwards.
     * Called before the first step, on a fresh arena. Later checkpoints are
     * incremental on top of this one.
     *
     * @throws dev.keel.engine.KeelException naming the file and offset if a page is corrupt; the arena is then
     *                                       unusable.
     */
    void restoreInto(LoadedCheckpoint checkpoint, PagedArena arena);

    /**
     * Excludes a checkpoint whose restore failed (a page CRC mismatch, a truncated page file) from later
     * {@link #loadLatest()} calls of this instance, which then fall back to the next older one with a warning.
     * Nothing is deleted: the files stay for {@code keel checkpoint verify} and a person to look at.
     *
     * @param id     the checkpoint.
     * @param reason why, for the warning.
     * @throws UnsupportedOperationException if the store cannot fall back.
     */
    default void skip(final java.util.UUID id, final String reason)
    {
        throw new UnsupportedOperationException(getClass().getName() + " cannot skip checkpoint " + id + ": " + reason);
    }

    /**
     * @return the retained committed checkpoints, oldest first; a commit shows here once
     * {@link PendingCheckpoint#isCommitted()}.
     */
    List<CheckpointInfo> list();

    /**
     * Stops the writer; a pending checkpoint is aborted (a requested commit is finished first).
     */
    @Override
    void close();
}
