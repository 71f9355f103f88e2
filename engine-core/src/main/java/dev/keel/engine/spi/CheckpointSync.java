package dev.keel.engine.spi;


import java.util.Optional;
import java.util.UUID;

/**
 * Copies committed checkpoints to object storage (implemented by the {@code sync} module, owned and closed by
 * the host that set it on the engine context, not by the pipeline). Every method may be called from any thread
 * and returns without waiting for the network.
 */
public interface CheckpointSync
{
    /**
     * Queues a push of the newest committed checkpoint (a no-op for one already pushed or being pushed).
     *
     * @return the checkpoint's id, for {@link #status(UUID)}.
     * @throws dev.keel.engine.KeelException if there is no committed checkpoint yet, or the sync is closed.
     */
    UUID syncLatest();

    /**
     * What became of a push.
     *
     * @param checkpoint a checkpoint id.
     * @return Success once the bucket's catalog names it, Failure with the error, InProgress while queued or
     * running, Unknown when this process never pushed it.
     */
    CheckpointStatus status(UUID checkpoint);

    /**
     * @return the newest checkpoint this process pushed successfully, or empty.
     */
    Optional<UUID> lastSuccessful();
}
