package dev.keel.tools;

import dev.keel.checkpoint.FileCheckpointStore;
import dev.keel.engine.KeelException;
import dev.keel.engine.config.SyncConfig;
import dev.keel.engine.spi.CheckpointInfo;
import dev.keel.engine.spi.Journal;
import dev.keel.engine.storage.StorageDirectory;
import dev.keel.sync.JournalChunk;
import dev.keel.sync.PulledCheckpoint;
import dev.keel.sync.S3CheckpointSync;
import dev.keel.sync.SyncContext;
import dev.keel.sync.SyncSettings;
import dev.keel.wal.JournalExport;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Start from a synced checkpoint ({@code start_from_checkpoint}), run by the node after the journal opened and
 * before the checkpoint store opens. Sources in order: the local storage (a committed checkpoint, or a journal
 * with steps), {@code bucket}, {@code read_bucket} (opened read-only: nothing is written there, not even an
 * owner marker), then a fresh start or, with {@code fail_if_no_checkpoint}, a failure. An error on the way
 * (network, auth, a missing file, an unknown UUID among other checkpoints) fails the launch: it is never taken
 * as "no checkpoint". A pulled checkpoint is committed locally rebased onto the local journal
 * ({@link FileCheckpointStore#adoptPulled}).
 * <p>
 * With a journal ({@code exactly_once}) the journal chunks shipped after the pulled checkpoint are downloaded
 * with it and appended to the local journal after the rebase point, so recovery replays those steps as if they
 * had been run here ({@link JournalShipper} ships them).
 */
final class SyncStart
{
    private static final System.Logger LOG = System.getLogger(SyncStart.class.getName());
    private static final long IMPORT_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);

    private record Pulled(PulledCheckpoint checkpoint, List<JournalChunk> journal)
    {
    }

    private SyncStart()
    {
    }

    /**
     * @return the id of the checkpoint pulled and adopted, or null when nothing was pulled.
     */
    static UUID startFromSynced(final SyncConfig config, final StorageDirectory storage, final Journal journal)
    {
        if (config.startFromCheckpoint().isEmpty())
        {
            return null;
        }
        final String startFrom = config.startFromCheckpoint().get().jsonValue();
        final Path dir = storage.checkpointsDir();
        if (FileCheckpointStore.hasCommittedCheckpoint(dir))
        {
            LOG.log(Level.INFO, "start_from_checkpoint=" + startFrom + ": " + dir + " has a committed checkpoint; " +
                "starting from local storage, nothing is pulled");
            return null;
        }
        if (null != journal && journal.position() != journal.startPosition())
        {
            LOG.log(Level.INFO, "start_from_checkpoint=" + startFrom + ": no local checkpoint, but the local " +
                "journal holds steps [" + journal.startPosition() + ", " + journal.position() + "] from a fresh " +
                "start; replaying them, nothing is pulled");
            return null;
        }
        final SyncSettings settings = SyncSettings.from(config);
        final boolean withJournal = null != journal;
        Optional<Pulled> pulled = pull(S3CheckpointSync.openReadOnly(context(settings, dir)),
            "bucket", startFrom, dir, withJournal);
        if (pulled.isEmpty() && settings.readBucketPath().isPresent())
        {
            pulled = pull(S3CheckpointSync.openReadBucket(context(settings, dir)), "read_bucket", startFrom, dir,
                withJournal);
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
            return null;
        }
        final PulledCheckpoint checkpoint = pulled.get().checkpoint();
        final CheckpointInfo adopted = FileCheckpointStore.adoptPulled(dir, checkpoint.checkpoint().id(),
            null == journal ? -1 : journal.position());
        LOG.log(Level.INFO, "starting from checkpoint " + adopted.id() + " (step " + adopted.step() + ")" +
            (null == journal ? "" : ", rebased onto the local journal at position " + adopted.journalPosition()));
        if (null != journal)
        {
            importJournal(pulled.get(), journal, adopted);
        }
        return adopted.id();
    }

    /**
     * Appends the shipped steps after the adopted checkpoint to the local journal (fresh: it ends at the rebase
     * point), so recovery replays them.
     */
    private static void importJournal(final Pulled pulled, final Journal journal, final CheckpointInfo adopted)
    {
        importChunks(pulled.journal(), journal, adopted.id());
    }

    /**
     * Appends shipped journal chunks to the local journal, which must end where the checkpoint they follow was
     * rebased onto; used at a start from the bucket and at a standby's activation.
     *
     * @param chunks     the chunks shipped after {@code checkpoint}, in order.
     * @param journal    the local journal.
     * @param checkpoint the checkpoint, for the log.
     * @return the number of steps appended.
     */
    static int importChunks(final List<JournalChunk> chunks, final Journal journal, final UUID checkpoint)
    {
        if (chunks.isEmpty())
        {
            LOG.log(Level.WARNING, "checkpoint " + checkpoint + ": no journal was shipped after it; the steps " +
                "the lost node ran after it are not replayed (for non-replayable inputs their records are lost)");
            return 0;
        }
        final long from = journal.position();
        int steps = 0;
        for (final JournalChunk chunk : chunks)
        {
            steps += JournalExport.importChunk(chunk.bytes(), journal, IMPORT_TIMEOUT_NS);
        }
        LOG.log(Level.INFO, "checkpoint " + checkpoint + ": imported " + steps + " shipped journal step(s) (" +
            "positions [" + chunks.get(0).startPosition() + ", " + chunks.get(chunks.size() - 1).endPosition() +
            ") of the lost node) into the local journal at [" + from + ", " + journal.position() + "); they are " +
            "replayed");
        return steps;
    }

    private static Optional<Pulled> pull(final S3CheckpointSync sync, final String source, final String startFrom,
        final Path dir, final boolean withJournal)
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
            if (pulled.isEmpty())
            {
                return Optional.empty();
            }
            final List<JournalChunk> chunks = withJournal ?
                reader.pullJournal(pulled.get().checkpoint().id()).join() : List.of();
            return Optional.of(new Pulled(pulled.get(), chunks));
        }
        catch (final CompletionException ex)
        {
            final Throwable cause = null == ex.getCause() ? ex : ex.getCause();
            throw new KeelException(KeelException.Category.SYNC, "SYNC_START_FAILED",
                "start_from_checkpoint=" + startFrom + ": cannot pull from " + source + " " + sync.bucket() +
                "; refusing to start (an error is not \"no checkpoint\"): " + cause.getMessage(), cause);
        }
    }

    private static SyncContext context(final SyncSettings settings, final Path dir)
    {
        return new SyncContext().settings(settings).localRoot(dir);
    }
}
