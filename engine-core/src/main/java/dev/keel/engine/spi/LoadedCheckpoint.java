package dev.keel.engine.spi;

import java.util.List;
import java.util.UUID;

/**
 * A committed checkpoint found by {@link CheckpointStore#loadLatest()}, ready for
 * {@link CheckpointStore#restoreInto}.
 */
public interface LoadedCheckpoint
{
    /**
     * @return the checkpoint id.
     */
    UUID id();

    /**
     * @return what the checkpoint recorded besides the pages.
     */
    CheckpointMetadata metadata();

    /**
     * Problems met while choosing this checkpoint, e.g. a newer checkpoint that was corrupt and skipped. When
     * not empty, the caller must check that the journal still covers the steps after this checkpoint's
     * {@link CheckpointMetadata#journalPosition()} (the journal may have been released up to the skipped one).
     *
     * @return human-readable warnings, naming files; empty when the newest checkpoint was loaded.
     */
    List<String> warnings();
}
