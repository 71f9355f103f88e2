package dev.keel.sync;

import java.util.UUID;

/**
 * A snapshot of sync progress and totals, readable from any thread (for {@code keel_sync_*} counters and logs).
 *
 * @param operation       what the sync thread is doing now.
 * @param checkpoint      the checkpoint being pushed or pulled, null when idle.
 * @param bytesDone       bytes of the current operation transferred so far (includes parts of in-flight files).
 * @param bytesTotal      bytes the current operation has to transfer (files already remote/local excluded).
 * @param filesDone       files of the current operation completed.
 * @param filesTotal      files the current operation has to transfer.
 * @param bytesUploaded   bytes uploaded since open (completed files and objects).
 * @param filesUploaded   files uploaded since open.
 * @param bytesDownloaded bytes downloaded since open (completed files).
 * @param filesDownloaded files downloaded since open.
 * @param pushes          pushes that succeeded since open.
 * @param pushFailures    pushes that failed since open.
 * @param pulls           pulls that succeeded since open.
 * @param pullFailures    pulls that failed since open.
 * @param retries         request attempts retried after a transient error since open.
 * @param deletedCheckpoints checkpoints removed from the bucket by retention since open.
 */
public record SyncProgress(
    Operation operation,
    UUID checkpoint,
    long bytesDone,
    long bytesTotal,
    int filesDone,
    int filesTotal,
    long bytesUploaded,
    long filesUploaded,
    long bytesDownloaded,
    long filesDownloaded,
    long pushes,
    long pushFailures,
    long pulls,
    long pullFailures,
    long retries,
    long deletedCheckpoints)
{
    /** What the sync thread is doing. */
    public enum Operation
    {
        /** Nothing queued. */
        IDLE,
        /** Uploading a checkpoint. */
        PUSH,
        /** Downloading a checkpoint. */
        PULL,
        /** Reading the catalog. */
        LIST
    }
}
