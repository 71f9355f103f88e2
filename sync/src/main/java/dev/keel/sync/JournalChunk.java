package dev.keel.sync;

import java.util.Objects;

/**
 * A range of the journal shipped to the bucket after a checkpoint: the exporting journal's step records from
 * {@link #startPosition()} up to {@link #endPosition()}, encoded by the journal (opaque here).
 *
 * @param startPosition position of the first record in the exporting node's journal.
 * @param endPosition   position after the last record there: where the next chunk starts.
 * @param recordCount   number of step records in the chunk.
 * @param bytes         the encoded chunk.
 */
public record JournalChunk(long startPosition, long endPosition, int recordCount, byte[] bytes)
{
    /**
     * Validate the range.
     */
    public JournalChunk
    {
        Objects.requireNonNull(bytes, "bytes");
        if (startPosition < 0 || endPosition <= startPosition)
        {
            throw new IllegalArgumentException("journal chunk range [" + startPosition + ", " + endPosition +
                ") is empty or negative");
        }
    }
}
