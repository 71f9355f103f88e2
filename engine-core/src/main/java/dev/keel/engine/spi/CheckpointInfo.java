package dev.keel.engine.spi;

import java.util.UUID;

/**
 * One retained checkpoint as listed by {@link CheckpointStore#list()}.
 *
 * @param id              checkpoint id (also its directory name).
 * @param step            last step covered.
 * @param transactionId   transaction id of that step.
 * @param journalPosition journal position replay starts from.
 * @param wallClockMillis epoch milliseconds when it was taken.
 * @param pageCount       state pages referenced (own and inherited).
 * @param ownBytes        bytes of the page files this checkpoint wrote itself.
 * @param totalBytes      bytes of every page file it references.
 */
public record CheckpointInfo(
    UUID id,
    long step,
    long transactionId,
    long journalPosition,
    long wallClockMillis,
    int pageCount,
    long ownBytes,
    long totalBytes)
{
}
