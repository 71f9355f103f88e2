package dev.keel.engine.ft;

/**
 * The newest failed checkpoint request, as the control API reports it (Feldera's {@code checkpoint_status}
 * {@code failure}).
 *
 * @param sequenceNumber the newest request the failed checkpoint was to cover.
 * @param error          what went wrong.
 * @param failedAtMillis epoch milliseconds of the failure, or 0 if an earlier run recorded it (not kept on disk).
 */
public record CheckpointFailure(long sequenceNumber, String error, long failedAtMillis)
{
}
