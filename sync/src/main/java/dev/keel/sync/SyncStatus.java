package dev.keel.sync;

import dev.keel.engine.KeelException;

import java.util.Objects;

/**
 * Sync state of one checkpoint, as {@link S3CheckpointSync#syncStatus(java.util.UUID)} reports it.
 */
public sealed interface SyncStatus permits SyncStatus.Success, SyncStatus.Failure, SyncStatus.InProgress,
    SyncStatus.Unknown
{
    /** Shared instance of {@link Success}. */
    SyncStatus SUCCESS = new Success();
    /** Shared instance of {@link InProgress}. */
    SyncStatus IN_PROGRESS = new InProgress();
    /** Shared instance of {@link Unknown}. */
    SyncStatus UNKNOWN = new Unknown();

    /**
     * The checkpoint is in the remote catalog.
     */
    record Success() implements SyncStatus
    {
    }

    /**
     * The push gave up.
     *
     * @param error why, with the underlying cause; messages never carry the configured keys.
     */
    record Failure(KeelException error) implements SyncStatus
    {
        /**
         * Require an error.
         */
        public Failure
        {
            Objects.requireNonNull(error, "error");
        }
    }

    /**
     * The push is queued or running.
     */
    record InProgress() implements SyncStatus
    {
    }

    /**
     * This process was never asked to push the checkpoint.
     */
    record Unknown() implements SyncStatus
    {
    }
}
