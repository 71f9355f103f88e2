package dev.keel.tools;

import dev.keel.checkpoint.FileCheckpointStore;
import dev.keel.engine.KeelException;
import dev.keel.engine.config.SyncConfig;
import dev.keel.engine.spi.CheckpointInfo;
import dev.keel.engine.spi.Journal;
import dev.keel.engine.storage.StorageDirectory;
import dev.keel.sync.PulledCheckpoint;
import dev.keel.sync.S3CheckpointSync;
import dev.keel.sync.SyncSettings;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletableFuture;

/**
 * Start from a synced checkpoint ({@code start_from_checkpoint}), run by the node after the journal opened and
 * before the checkpoint store opens. Sources in order: the local storage (a committed checkpoint, or a journal
 * with steps), {@code bucket}, {@code read_bucket} (opened read-only: nothing is written there, not even an
 * owner marker), then a fresh start or, with {@code fail_if_no_checkpoint}, a failure. An error on the way
 * (network, auth, a missing file, an unknown UUID among other checkpoints) fails the launch: it is never taken
 * as "no checkpoint". A pulled checkpoint is committed locally rebased onto the local journal
 * ({@link FileCheckpointStore#adoptPulled}).
 */
final class SyncStart
{
    private static final System.Logger LOG = System.getLogger(SyncStart.class.getName());

    private SyncStart()
    {
    }

    static void startFromSynced(final SyncConfig config, final StorageDirectory storage, final Journal journal)
    {
        if (config.startFromCheckpoint().isEmpty())
        {
            return;
        }
        final String startFrom = config.startFromCheckpoint().get().jsonValue();
        final Path dir = storage.checkpointsDir();
        if (FileCheckpointStore.hasCommittedCheckpoint(dir))
        {
            LOG.log(Level.INFO, "start_from_checkpoint=" + startFrom + ": " + dir + " has a committed checkpoint; " +
                "starting from local storage, nothing is pulled");
            return;
        }
        if (null != journal && journal.position() != journal.startPosition())
        {
            LOG.log(Level.INFO, "start_from_checkpoint=" + startFrom + ": no local checkpoint, but the local " +
                "journal holds steps [" + journal.startPosition() + ", " + journal.position() + "] from a fresh " +
                "start; replaying them, nothing is pulled");
            return;
        }
        final SyncSettings settings = SyncSettings.from(config);
        Optional<PulledCheckpoint> pulled = pull(S3CheckpointSync.openReadOnly(context(settings, dir)),
            "bucket", startFrom, dir);
        if (pulled.isEmpty() && settings.readBucketPath().isPresent())
        {
            pulled = pull(S3CheckpointSync.openReadBucket(context(settings, dir)), "read_bucket", startFrom, dir);
        }
        if (pulled.isEmpty())
        {
            final String where = "bucket " + settings.bucketPath() +
                settings.readBucketPath().map(r -> " nor read_bucket " + r).orElse(" (no read_bucket configured)");
            if (config.failIfNoCheckpoint())
            {
                throw new KeelException(KeelException.Category.SYNC, "SYNC_NO_CHECKPOINT",
                    "start_from_checkpoint=" + startFrom + ": no checkpoint in " + where + ", and " +
                    "fail_if_no_checkpoint is true; refusing a fresh start");
            }
            LOG.log(Level.WARNING, "start_from_checkpoint=" + startFrom + ": no checkpoint locally, in " + where +
                "; starting fresh (fail_if_no_checkpoint is false)");
            return;
        }
        final PulledCheckpoint checkpoint = pulled.get();
        final CheckpointInfo adopted = FileCheckpointStore.adoptPulled(dir, checkpoint.checkpoint().id(),
            null == journal ? -1 : journal.position());
        LOG.log(Level.INFO, "starting from checkpoint " + adopted.id() + " (step " + adopted.step() + ")" +
            (null == journal ? "" : ", rebased onto the local journal at position " + adopted.journalPosition()));
    }

    private static Optional<PulledCheckpoint> pull(
        final S3CheckpointSync sync, final String source, final String startFrom, final Path dir)
    {
        try (S3CheckpointSync reader = sync)
        {
            final CompletableFuture<Optional<PulledCheckpoint>> future = reader.pull(startFrom, dir);
            final Optional<PulledCheckpoint> pulled = future.join();
            if (pulled.isPresent())
            {
                final PulledCheckpoint p = pulled.get();
                LOG.log(Level.INFO, "start_from_checkpoint=" + startFrom + ": pulled checkpoint " +
                    p.checkpoint().id() + " from " + source + " " + reader.bucket() + " (" + p.downloaded().size() +
                    " files, " + p.bytesDownloaded() + " bytes downloaded, " + p.alreadyPresent().size() +
                    " already present)");
            }
            else
            {
                LOG.log(Level.INFO, "start_from_checkpoint=" + startFrom + ": " + source + " " + reader.bucket() +
                    " holds no checkpoint");
            }
            return pulled;
        }
        catch (final CompletionException ex)
        {
            final Throwable cause = null == ex.getCause() ? ex : ex.getCause();
            throw new KeelException(KeelException.Category.SYNC, "SYNC_START_FAILED",
                "start_from_checkpoint=" + startFrom + ": cannot pull from " + source + " " + sync.bucket() +
                "; refusing to start (an error is not \"no checkpoint\"): " + cause.getMessage(), cause);
        }
    }

    private static S3CheckpointSync.Context context(final SyncSettings settings, final Path dir)
    {
        return new S3CheckpointSync.Context().settings(settings).localRoot(dir);
    }
}
