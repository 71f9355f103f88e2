package dev.keel.engine.spi;

/**
 * What became of a checkpoint request, by the sequence number {@code KeelPipeline.checkpoint()} returned.
 */
public sealed interface CheckpointStatus
    permits CheckpointStatus.Success, CheckpointStatus.Failure, CheckpointStatus.InProgress, CheckpointStatus.Unknown
{
    /** The request was satisfied by a committed checkpoint. */
    record Success() implements CheckpointStatus
    {
    }

    /**
     * The checkpoint that was to satisfy the request failed (or the pipeline stopped before it completed).
     *
     * @param error what went wrong.
     */
    record Failure(String error) implements CheckpointStatus
    {
    }

    /** The request is not satisfied yet. */
    record InProgress() implements CheckpointStatus
    {
    }

    /** No such request was issued, or it is older than the statuses that are kept. */
    record Unknown() implements CheckpointStatus
    {
    }

    /** The one {@link Success}. */
    CheckpointStatus SUCCESS = new Success();
    /** The one {@link InProgress}. */
    CheckpointStatus IN_PROGRESS = new InProgress();
    /** The one {@link Unknown}. */
    CheckpointStatus UNKNOWN = new Unknown();
}
