package dev.keel.sync;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link S3CheckpointSync#pull} wrote: the checkpoint is complete under {@link #localRoot()}.
 *
 * @param checkpoint      the remote catalog entry that was pulled.
 * @param localRoot       the root its file names are relative to.
 * @param downloaded      names of the files downloaded by this pull, commit markers last.
 * @param alreadyPresent  names of the files that were already present locally with the right size.
 * @param bytesDownloaded bytes downloaded by this pull.
 */
public record PulledCheckpoint(
    RemoteCheckpoint checkpoint, Path localRoot, List<String> downloaded, List<String> alreadyPresent,
    long bytesDownloaded)
{
    /**
     * Copy the lists.
     */
    public PulledCheckpoint
    {
        downloaded = List.copyOf(downloaded);
        alreadyPresent = List.copyOf(alreadyPresent);
    }
}
