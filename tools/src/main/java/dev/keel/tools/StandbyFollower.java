package dev.keel.tools;

import dev.keel.checkpoint.FileCheckpointStore;
import dev.keel.engine.KeelException;
import dev.keel.engine.status.KeelCounters;
import dev.keel.engine.config.SyncConfig;
import dev.keel.sync.JournalChunk;
import dev.keel.sync.PulledCheckpoint;
import dev.keel.sync.RemoteCheckpoint;
import dev.keel.sync.S3CheckpointSync;
import dev.keel.sync.SyncContext;
import dev.keel.sync.SyncSettings;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * A sync standby's pull loop ({@code sync.standby: true}): on its own thread ({@code keel-standby}) it pulls the
 * checkpoint {@code start_from_checkpoint} names from {@code bucket} and commits it in the node's checkpoints
 * directory ({@link FileCheckpointStore#replaceWithPulled}), so that the store the pipeline opens on activation
 * finds it. With {@code "latest"} it pulls again every {@code pull_interval} seconds; with a UUID it stops once
 * that checkpoint is committed locally. The bucket is opened read-only: a standby writes nothing there, not even
 * an owner marker.
 * <p>
 * A pull goes through the same staging as a start from the bucket ({@link ImportStaging},
 * {@code <storage>/sync-import}): the files of the new checkpoint the checkpoints directory holds already are
 * linked into the staging area, the others are downloaded there (checkpoints are incremental: only what the node
 * lacks is downloaded), {@code READY} is committed, and only then are the files moved into the checkpoints
 * directory and the checkpoint committed. A standby killed mid-pull leaves the checkpoints directory as it was
 * (the committed checkpoint and nothing else); the next pull reuses what was staged, and a kill after
 * {@code READY} is finished by the next start ({@link SyncStart#finishInterrupted}, {@link SyncStart}).
 * A pull that finds the checkpoint committed already downloads nothing.
 * <p>
 * A pull error is never "no checkpoint": it is logged, given to the node's error log, counted
 * ({@code keel_sync_pull_failures_total}), shown in {@link #status()} and retried at the next interval.
 * <p>
 * Threading: {@link #status()} from any thread (an immutable snapshot); {@link #pullOnce()} from the loop's thread
 * or, once {@link #stop()} returned, from the activating thread; {@link #stop()} and {@link #close()} from the
 * node's threads.
 */
public final class StandbyFollower implements AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(StandbyFollower.class.getName());

    /**
     * What a standby shows in its status.
     *
     * @param bucket           the bucket (and prefix) followed.
     * @param startFrom        {@code latest} or the UUID asked for.
     * @param adopted          the checkpoint committed locally, the one activation starts from, or null.
     * @param adoptedStep      its step, or -1.
     * @param pulls            pulls that succeeded (including those that found nothing new).
     * @param pullFailures     pulls that failed.
     * @param bytesDownloaded  bytes downloaded by all pulls.
     * @param lastFilesDownloaded files the last successful pull downloaded.
     * @param lastFilesPresent files the last successful pull found already present.
     * @param lastPullAt       when the last pull ended, or null.
     * @param lastError        the last pull's error message if it failed, else null.
     */
    public record Status(String bucket, String startFrom, UUID adopted, long adoptedStep, long pulls, long pullFailures,
        long bytesDownloaded, int lastFilesDownloaded, int lastFilesPresent, Instant lastPullAt, String lastError)
    {
    }

    private final SyncConfig config;
    private final Path checkpointsDir;
    private final ImportStaging staging;
    private final long journalPosition;
    private final ErrorHandler errorLog;
    private final S3CheckpointSync reader;
    private final String startFrom;
    private final AtomicCounter pulls;
    private final AtomicCounter pullFailures;
    private final AtomicCounter pulledBytes;
    private final Object wakeLock = new Object();
    private volatile Status status;
    private volatile boolean stopRequested;
    private Thread thread;

    /**
     * @param config          the validated sync settings ({@code standby} true).
     * @param checkpointsDir  the node's checkpoints directory; no store is open on it while the follower runs.
     * @param storageRoot     the node's storage root, where pulls are staged ({@link ImportStaging}).
     * @param journalPosition the local journal's position to rebase pulled checkpoints onto, or -1 (no journal).
     * @param countersManager where the {@code keel_sync_pull*} counters are allocated (kept for the node's life).
     * @param pipeline        the pipeline's name, the counters' label.
     * @param errorLog        where pull errors go besides the log, or null.
     */
    StandbyFollower(final SyncConfig config, final Path checkpointsDir, final Path storageRoot,
        final long journalPosition, final CountersManager countersManager, final String pipeline,
        final ErrorHandler errorLog)
    {
        this.config = config;
        this.checkpointsDir = checkpointsDir;
        this.staging = new ImportStaging(storageRoot);
        this.journalPosition = journalPosition;
        this.errorLog = errorLog;
        this.startFrom = config.startFromCheckpoint().map(SyncConfig.StartFrom::jsonValue)
            .orElse(SyncConfig.StartFrom.LATEST);
        this.reader = S3CheckpointSync.openReadOnly(new SyncContext()
            .settings(SyncSettings.from(config))
            .localRoot(staging.checkpointRoot()));
        final String label = "bucket=" + reader.bucket().name();
        this.pulls = KeelCounters.newCounter(countersManager, KeelCounters.SYNC_PULLS_TYPE_ID, pipeline, label);
        this.pullFailures =
            KeelCounters.newCounter(countersManager, KeelCounters.SYNC_PULL_FAILURES_TYPE_ID, pipeline, label);
        this.pulledBytes =
            KeelCounters.newCounter(countersManager, KeelCounters.SYNC_PULLED_BYTES_TYPE_ID, pipeline, label);
        this.status = new Status(reader.bucket().toString(), startFrom, null, -1, 0, 0, 0, 0, 0, null, null);
    }

    /** Starts the pull loop on its own thread: the first pull at once, then every {@code pull_interval}. */
    StandbyFollower start()
    {
        return start(true);
    }

    /**
     * Starts the pull loop on its own thread.
     *
     * @param pullNow true to pull at once, false to wait one {@code pull_interval} first (a pull just ended).
     * @return this.
     */
    StandbyFollower start(final boolean pullNow)
    {
        stopRequested = false;
        thread = new Thread(() -> loop(pullNow), "keel-standby");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** What the standby did so far; any thread. */
    Status status()
    {
        return status;
    }

    /** True once a UUID asked for is committed locally: there is nothing more to pull. */
    boolean done()
    {
        return !SyncConfig.StartFrom.LATEST.equals(startFrom) && null != status.adopted();
    }

    /** Stops the loop and waits for a pull in progress to end (the sync's own retries and timeouts bound it). */
    void stop()
    {
        stopRequested = true;
        synchronized (wakeLock)
        {
            wakeLock.notifyAll();
        }
        final Thread t = thread;
        if (null != t && t != Thread.currentThread())
        {
            try
            {
                t.join();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        thread = null;
    }

    /**
     * One pull: the checkpoint {@code start_from_checkpoint} names (skipped once a UUID asked for is committed),
     * committed locally when it is not the one committed already.
     *
     * @return the checkpoint committed locally after the pull, empty if the bucket holds none yet.
     * @throws KeelException (SYNC_PULL_FAILED) if the pull failed; counted and reported before it is thrown.
     */
    Optional<UUID> pullOnce()
    {
        final Status before = status;
        if (done())
        {
            return Optional.of(before.adopted());
        }
        try
        {
            final Optional<RemoteCheckpoint> target = target(reader.listRemote().join());
            UUID adopted = before.adopted();
            long adoptedStep = before.adoptedStep();
            long bytes = 0;
            int downloaded = 0;
            int present = 0;
            if (target.isPresent() && target.get().id().equals(adopted))
            {
                // committed here already: nothing to download or commit
                present = target.get().files().size();
            }
            else if (target.isPresent())
            {
                final int seeded = staging.seedFrom(checkpointsDir, target.get().files());
                final Optional<PulledCheckpoint> pulled =
                    reader.pull(target.get().id(), staging.checkpointRoot()).join();
                if (pulled.isPresent())
                {
                    final PulledCheckpoint p = pulled.get();
                    bytes = p.bytesDownloaded();
                    downloaded = p.downloaded().size();
                    present = p.alreadyPresent().size();
                    final ImportStaging.Ready ready = staging.markReady(p, journalPosition, List.of(), true);
                    SyncStart.publish(staging, ready, checkpointsDir, null);
                    adopted = ready.checkpoint();
                    adoptedStep = p.checkpoint().step();
                    LOG.log(Level.INFO, "standby: checkpoint " + adopted + " (step " + adoptedStep + ") from " +
                        reader.bucket() + " is committed locally (" + downloaded + " files, " + bytes +
                        " bytes downloaded, " + present + " already present, " + seeded + " of them linked from " +
                        checkpointsDir + ")");
                }
            }
            pulls.increment();
            pulledBytes.getAndAdd(bytes);
            status = new Status(before.bucket(), startFrom, adopted, adoptedStep, before.pulls() + 1,
                before.pullFailures(), before.bytesDownloaded() + bytes, downloaded, present, Instant.now(), null);
            return Optional.ofNullable(adopted);
        }
        catch (final CompletionException | KeelException ex)
        {
            final Throwable cause = ex instanceof CompletionException && null != ex.getCause() ? ex.getCause() : ex;
            final KeelException error = new KeelException(KeelException.Category.SYNC, "SYNC_PULL_FAILED",
                "standby: cannot pull " + startFrom + " from " + reader.bucket() + " (retried every " +
                config.pullIntervalSecs() + " s; an error is not \"no checkpoint\"): " + cause.getMessage(), cause);
            LOG.log(Level.WARNING, error.getMessage());
            if (null != errorLog)
            {
                errorLog.onError(error);
            }
            pullFailures.increment();
            status = new Status(before.bucket(), startFrom, before.adopted(), before.adoptedStep(), before.pulls(),
                before.pullFailures() + 1, before.bytesDownloaded(), before.lastFilesDownloaded(),
                before.lastFilesPresent(), Instant.now(), error.getMessage());
            throw error;
        }
    }

    /**
     * The checkpoint to pull from the bucket's list (newest first): the newest, or the UUID asked for. A UUID
     * the list lacks while it holds others is left to the pull, which fails naming it.
     */
    private Optional<RemoteCheckpoint> target(final List<RemoteCheckpoint> remote)
    {
        if (remote.isEmpty())
        {
            return Optional.empty();
        }
        if (SyncConfig.StartFrom.LATEST.equals(startFrom))
        {
            return Optional.of(remote.get(0));
        }
        final UUID wanted = UUID.fromString(startFrom);
        for (final RemoteCheckpoint checkpoint : remote)
        {
            if (checkpoint.id().equals(wanted))
            {
                return Optional.of(checkpoint);
            }
        }
        reader.pull(startFrom, staging.checkpointRoot()).join();
        throw new KeelException(KeelException.Category.SYNC, "SYNC_CHECKPOINT_NOT_FOUND", "checkpoint " +
            startFrom + " is not in " + reader.bucket());
    }

    /**
     * Downloads the journal shipped after the adopted checkpoint, for activation to append to the local journal
     * (unused while following, so it ends where the checkpoint was rebased onto) with
     * {@link SyncStart#importChunks}; call after the loop stopped.
     *
     * @return the chunks, empty when none was shipped or no checkpoint is adopted.
     * @throws KeelException (SYNC_PULL_FAILED) if the download failed: an error is not "no journal".
     */
    List<JournalChunk> pullJournal()
    {
        final UUID adopted = status.adopted();
        if (null == adopted)
        {
            return List.of();
        }
        try
        {
            return reader.pullJournal(adopted).join();
        }
        catch (final CompletionException ex)
        {
            final Throwable cause = null == ex.getCause() ? ex : ex.getCause();
            throw new KeelException(KeelException.Category.SYNC, "SYNC_PULL_FAILED", "standby: cannot pull the " +
                "journal shipped after checkpoint " + adopted + " from " + reader.bucket() + ": " + cause.getMessage(),
                cause);
        }
    }

    /** Stops the loop and closes the bucket's client; the counters stay (the node's registry frees them). */
    public void close()
    {
        stop();
        CloseHelper.quietClose(reader);
    }

    private void loop(final boolean pullNow)
    {
        final long intervalMs = TimeUnit.SECONDS.toMillis(config.pullIntervalSecs());
        boolean pull = pullNow;
        while (!stopRequested && !done())
        {
            try
            {
                if (pull)
                {
                    pullOnce();
                }
                pull = true;
            }
            catch (final KeelException ex)
            {
                // reported by pullOnce; retried at the next interval
            }
            catch (final RuntimeException ex)
            {
                LOG.log(Level.WARNING, "standby: pull loop: " + ex);
            }
            synchronized (wakeLock)
            {
                final long deadline = System.currentTimeMillis() + intervalMs;
                long remaining;
                while (!stopRequested && (remaining = deadline - System.currentTimeMillis()) > 0)
                {
                    try
                    {
                        wakeLock.wait(remaining);
                    }
                    catch (final InterruptedException ex)
                    {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
        if (done())
        {
            LOG.log(Level.INFO, "standby: checkpoint " + status.adopted() + " is committed locally; waiting for " +
                "activation (start_from_checkpoint names it, so nothing more is pulled)");
        }
    }
}
