package dev.keel.engine.spi;

import java.util.UUID;

/**
 * A checkpoint whose pages are being written by the store's writer. All methods are called from the
 * circuit (owner) thread.
 * <p>
 * Lifecycle: {@link CheckpointStore#begin} returns at once; the circuit polls {@link #isWritten()} and
 * {@link #failure()} from its duty cycle; once written, it closes the arena snapshot and, when every output
 * of the covered steps was delivered, calls {@link #commit()}. {@link #abort()} gives up at any time.
 * <p>
 * The arena snapshot must be closed only once {@link #isWritten()} is true, {@link #failure()} is non-null,
 * or {@link #abort()} returned: before that the writer may still be reading its pages.
 * <p>
 * Pages the writer took are no longer dirty in the arena. So after a failure, or an abort before
 * {@link #isWritten()}, the store no longer knows a durable copy of those pages and the next
 * {@link CheckpointStore#begin} fails unless the circuit called {@code PagedArena.markAllDirty()} before
 * its next freeze. An abort after {@link #isWritten()} needs nothing: the written page files are kept
 * for later checkpoints to reference.
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
     * @return the error that stopped the writer, or null; never waits.
     */
    Throwable failure();

    /**
     * Makes the checkpoint durable and the newest: writes its manifest, adds it to the catalog, replaces the
     * root pointer, then applies retention. Call only after every output of the covered steps was delivered.
     *
     * @return the id of the committed checkpoint.
     * @throws IllegalStateException                  if not {@link #isWritten()} or already ended.
     * @throws dev.keel.engine.KeelException on an I/O error; the previous checkpoint stays the newest.
     */
    UUID commit();

    /**
     * Stops the writer if it still runs (waits for at most the page it is writing) and forgets the
     * checkpoint. Idempotent; does nothing after {@link #commit()}.
     */
    void abort();
}
