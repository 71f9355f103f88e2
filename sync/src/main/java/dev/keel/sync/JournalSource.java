package dev.keel.sync;

/**
 * Where the journal shipping reads the node's journal from; the node adapts its journal to it. Called on the
 * sync's worker thread, never on the circuit's.
 */
@FunctionalInterface
public interface JournalSource
{
    /**
     * The durable records from {@code fromPosition} on, as one chunk.
     *
     * @param fromPosition a record start: a checkpoint's journal position or a previous chunk's end.
     * @return the chunk, or null when no durable record starts there yet.
     */
    JournalChunk readFrom(long fromPosition);
}
