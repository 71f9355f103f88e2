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
 * had been run here ({@link JournalShipper} ships them; not with {@code ship_journal: false}).
 * <p>
 * Everything is downloaded into {@link ImportStaging} first and published only when complete: a download or
 * network error midway leaves the checkpoints directory and the journal as they were, and the next start retries
 * (reusing the files staged). A crash while publishing is finished by the next start.
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
        final Path dir = storage.checkpointsDir();
        final ImportStaging staging = new ImportStaging(storage.path());
        if (staging.isReady())
        {
            // the download completed and its publication was interrupted (a crash): finish it before anything
            // looks at the checkpoints directory or the journal, which may hold part of it
            final ImportStaging.Ready ready = staging.readReady();
            LOG.log(Level.WARNING, "the import of checkpoint " + ready.checkpoint() + " into " + dir + " was " +
                "interrupted after its download completed; finishing it from " + staging.root());
            final UUID published = publish(staging, ready, dir, journal);
            // a standby's pull replaced the committed checkpoint: no journal came with it, as before the pull
            return ready.replace() ? null : published;
        }
        if (config.startFromCheckpoint().isEmpty())
        {
            discard(staging);
            return null;
        }
        final String startFrom = config.startFromCheckpoint().get().jsonValue();
        if (FileCheckpointStore.hasCommittedCheckpoint(dir))
        {
            LOG.log(Level.INFO, "start_from_checkpoint=" + startFrom + ": " + dir + " has a committed checkpoint; " +
                "starting from local storage, nothing is pulled");
            discard(staging);
            return null;
        }
        if (null != journal && journal.position() != journal.startPosition())
        {
            LOG.log(Level.INFO, "start_from_checkpoint=" + startFrom + ": no local checkpoint, but the local " +
                "journal holds steps [" + journal.startPosition() + ", " + journal.position() + "] from a fresh " +
                "start; replaying them, nothing is pulled");
            discard(staging);
            return null;
        }
        if (staging.exists())
        {
            LOG.log(Level.INFO, "start_from_checkpoint=" + startFrom + ": " + staging.root() + " holds an " +
                "import that did not complete; files staged there with the right size are not downloaded again");
        }
        final SyncSettings settings = SyncSettings.from(config);
        final boolean withJournal = null != journal && settings.shipJournal();
        final Path into = staging.checkpointRoot();
        Optional<Pulled> pulled = pull(S3CheckpointSync.openReadOnly(context(settings, into)),
            "bucket", startFrom, into, withJournal);
        if (pulled.isEmpty() && settings.readBucketPath().isPresent())
        {
            pulled = pull(S3CheckpointSync.openReadBucket(context(settings, into)), "read_bucket", startFrom, into,
                withJournal);
        }
        if (pulled.isEmpty())
        {
            discard(staging);
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
        if (null != journal && !withJournal)
        {
            LOG.log(Level.WARNING, "start_from_checkpoint=" + startFrom + ": ship_journal is false, so no journal " +
                "is imported; the steps the lost node ran after checkpoint " + pulled.get().checkpoint()
                .checkpoint().id() + " are not replayed (for non-replayable inputs their records are lost)");
        }
        for (final JournalChunk chunk : pulled.get().journal())
        {
            // a damaged chunk fails the import before anything is published, not half-way through it
            JournalExport.parse(chunk.bytes(), "journal chunk [" + chunk.startPosition() + ", " +
                chunk.endPosition() + ") shipped after checkpoint " + pulled.get().checkpoint().checkpoint().id());
        }
        final List<String> chunks = staging.stageJournal(pulled.get().journal());
        final ImportStaging.Ready ready = staging.markReady(pulled.get().checkpoint(),
            null == journal ? -1 : journal.position(), chunks);
        return publish(staging, ready, dir, journal);
    }

    /**
     * Finishes an import whose download completed and whose publication a crash interrupted, if there is one:
     * run by a standby's start before it follows the bucket again (a start from the bucket does it in
     * {@link #startFromSynced}). An import that did not complete is left for the next pull to reuse.
     *
     * @return the checkpoint published, or null if there was nothing to finish.
     */
    static UUID finishInterrupted(final StorageDirectory storage, final Journal journal)
    {
        final ImportStaging staging = new ImportStaging(storage.path());
        if (!staging.isReady())
        {
            return null;
        }
        final ImportStaging.Ready ready = staging.readReady();
        LOG.log(Level.WARNING, "the import of checkpoint " + ready.checkpoint() + " into " +
            storage.checkpointsDir() + " was interrupted after its download completed; finishing it from " +
            staging.root());
        return publish(staging, ready, storage.checkpointsDir(), journal);
    }

    /**
     * Publishes a completely downloaded import: moves the checkpoint's files into the checkpoints directory,
     * commits it there rebased onto the local journal, appends the shipped journal after it, then deletes the
     * staging area. Every step can be redone after a crash, so a start finds either no trace of the import
     * outside the staging area, or {@code READY} and resumes here.
     */
    static UUID publish(final ImportStaging staging, final ImportStaging.Ready ready, final Path dir,
        final Journal journal)
    {
        staging.publishFiles(ready, dir);
        if (null != journal && journal.position() < ready.rebase())
        {
            throw new KeelException(KeelException.Category.SYNC, "SYNC_IMPORT_CORRUPT", "the import of checkpoint " +
                ready.checkpoint() + " rebases it onto local journal position " + ready.rebase() + ", but the " +
                "journal ends at " + journal.position() + "; delete " + staging.root() + " and the storage's " +
                "checkpoints and journal directories, then start again");
        }
        if (ready.replace())
        {
            // a standby's pull: idempotent, so a publication a crash interrupted is simply redone
            final CheckpointInfo replaced = FileCheckpointStore.replaceWithPulled(dir, ready.checkpoint(),
                ready.rebase());
            staging.delete();
            LOG.log(Level.INFO, "checkpoint " + replaced.id() + " (step " + replaced.step() + ") is committed in " +
                dir + " in place of the one pulled before it");
            return replaced.id();
        }
        if (FileCheckpointStore.hasCommittedCheckpoint(dir))
        {
            LOG.log(Level.INFO, "checkpoint " + ready.checkpoint() + " was committed in " + dir + " before the " +
                "interruption");
        }
        else
        {
            final CheckpointInfo adopted = FileCheckpointStore.adoptPulled(dir, ready.checkpoint(), ready.rebase());
            LOG.log(Level.INFO, "starting from checkpoint " + adopted.id() + " (step " + adopted.step() + ")" +
                (null == journal ? "" : ", rebased onto the local journal at position " + adopted.journalPosition()));
        }
        if (null != journal)
        {
            final int already = countRecords(journal, ready.rebase());
            importStaged(staging.journalChunks(ready), journal, ready.checkpoint(), already);
        }
        staging.delete();
        return ready.checkpoint();
    }

    private static void discard(final ImportStaging staging)
    {
        if (staging.exists())
        {
            LOG.log(Level.INFO, "deleting " + staging.root() + ", an import that did not complete and is not " +
                "needed now");
            staging.delete();
        }
    }

    /** Records the local journal holds from {@code from}: an interrupted import appended them already. */
    private static int countRecords(final Journal journal, final long from)
    {
        if (journal.position() == from)
        {
            return 0;
        }
        final int[] count = new int[1];
        journal.replay(from, (endPosition, record) -> count[0]++);
        return count[0];
    }

    /**
     * Appends shipped journal chunks to the local journal, which must end where the checkpoint they follow was
     * rebased onto; used at a standby's activation.
     *
     * @param chunks     the chunks shipped after {@code checkpoint}, in order.
     * @param journal    the local journal.
     * @param checkpoint the checkpoint, for the log.
     * @return the number of steps appended.
     */
    static int importChunks(final List<JournalChunk> chunks, final Journal journal, final UUID checkpoint)
    {
        return importStaged(chunks.stream().map(JournalChunk::bytes).toList(), journal, checkpoint, 0);
    }

    /**
     * Appends shipped journal chunks to the local journal, skipping the first {@code already} records (appended
     * by an import a crash interrupted).
     */
    private static int importStaged(final List<byte[]> chunks, final Journal journal, final UUID checkpoint,
        final int already)
    {
        if (chunks.isEmpty())
        {
            LOG.log(Level.WARNING, "checkpoint " + checkpoint + ": no journal was shipped after it; the steps " +
                "the lost node ran after it are not replayed (for non-replayable inputs their records are lost)");
            return 0;
        }
        final long from = journal.position();
        int skip = already;
        int steps = 0;
        long firstStart = -1;
        long lastEnd = -1;
        for (final byte[] bytes : chunks)
        {
            final JournalExport.Chunk chunk = JournalExport.parse(bytes, "journal chunk shipped after checkpoint " +
                checkpoint);
            firstStart = firstStart < 0 ? chunk.startPosition() : firstStart;
            lastEnd = chunk.endPosition();
            final int skipHere = Math.min(skip, chunk.recordCount());
            skip -= skipHere;
            steps += JournalExport.importChunk(bytes, journal, IMPORT_TIMEOUT_NS, skipHere);
        }
        if (skip > 0)
        {
            throw new KeelException(KeelException.Category.SYNC, "SYNC_IMPORT_CORRUPT", "the local journal holds " +
                already + " record(s) after the rebase point of checkpoint " + checkpoint + ", more than the " +
                (already - skip) + " shipped after it");
        }
        LOG.log(Level.INFO, "checkpoint " + checkpoint + ": imported " + steps + " shipped journal step(s) (" +
            "positions [" + firstStart + ", " + lastEnd + ") of the lost node" +
            (already > 0 ? ", " + already + " imported before an interruption" : "") + ") into the local " +
            "journal at [" + from + ", " + journal.position() + "); they are replayed");
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
