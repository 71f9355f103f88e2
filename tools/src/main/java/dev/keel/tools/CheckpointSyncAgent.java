package dev.keel.tools;

import dev.keel.checkpoint.FileCheckpointStore;
import dev.keel.engine.KeelException;
import dev.keel.engine.status.KeelCounters;
import dev.keel.engine.spi.CheckpointStatus;
import dev.keel.engine.spi.CheckpointInfo;
import dev.keel.engine.spi.CheckpointSync;
import dev.keel.engine.storage.StoredFile;
import dev.keel.sync.LocalCheckpoint;
import dev.keel.sync.LocalFile;
import dev.keel.sync.S3CheckpointSync;
import dev.keel.sync.SyncProgress;
import dev.keel.sync.SyncStatus;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The node's checkpoint sync: pushes the newest committed checkpoint of the node's {@link FileCheckpointStore} to
 * the bucket every {@code push_interval} seconds (when it is newer than the last one queued) and on request
 * ({@code KeelPipeline.syncCheckpoint()}), keeps the {@code keel_sync_*} counters and logs the progress of long
 * transfers.
 *
 * <h2>Threading</h2>
 * The agent runs on its own {@link AgentRunner} thread ({@code keel-sync-agent}, sleeping 10 ms when idle); its
 * duty cycle reads the clock once, never blocks: it queues pushes to {@link S3CheckpointSync} (whose single worker
 * thread runs them one after the other on the CRT client) and drains the completions that the push futures offer
 * to a queue. {@link #syncLatest()} may be called from any thread: it reads the store's catalog ({@code list()}
 * and {@code filesOf()} are any-thread) and queues the push itself under a short monitor shared with the duty
 * cycle that only decides whether a push is new; no future is chained under it. {@link #close()} stops the
 * runner first, then closes the sync (a push in progress gets the sync's close timeout).
 */
final class CheckpointSyncAgent implements Agent, CheckpointSync, AutoCloseable
{
    private static final System.Logger LOG = System.getLogger(CheckpointSyncAgent.class.getName());
    private static final long PROGRESS_LOG_INTERVAL_MS = 5_000;
    /** How often the current operation's progress counters are refreshed (a slow tick: it reads a snapshot). */
    private static final long PROGRESS_COUNTERS_INTERVAL_MS = 200;

    private record Completion(UUID id, long step, long journalPosition, long bytes, boolean ships, Throwable error)
    {
    }

    private final S3CheckpointSync sync;
    private final FileCheckpointStore store;
    private final long pushIntervalMs;
    private final ManyToOneConcurrentLinkedQueue<Completion> completions = new ManyToOneConcurrentLinkedQueue<>();
    private final AtomicCounter pushes;
    private final AtomicCounter pushFailures;
    private final AtomicCounter bytes;
    private final AtomicCounter lastStep;
    private final AtomicCounter operationBytesDone;
    private final AtomicCounter operationBytes;
    private final Object queueLock = new Object();
    private AgentRunner runner;
    private JournalShipper journalShipper;

    // guarded by queueLock
    private UUID lastQueued;

    // duty-cycle state
    private long nextPushMs;
    private long nextProgressLogMs;
    private long nextProgressCountersMs;
    private long bytesReported;

    /**
     * @param sync            a writer on the bucket; closed by {@link #close()}.
     * @param store           the node's checkpoint store (the pipeline owns and closes it).
     * @param pushIntervalMs  milliseconds between automatic pushes, or 0 for manual pushes only.
     * @param countersManager where the {@code keel_sync_*} counters are allocated.
     * @param pipeline        pipeline name, the counters' label.
     */
    CheckpointSyncAgent(final S3CheckpointSync sync, final FileCheckpointStore store, final long pushIntervalMs,
        final CountersManager countersManager, final String pipeline)
    {
        this.sync = sync;
        this.store = store;
        this.pushIntervalMs = pushIntervalMs;
        final String label = "bucket=" + sync.bucket().name();
        this.pushes = KeelCounters.newCounter(countersManager, KeelCounters.SYNC_PUSHES_TYPE_ID, pipeline, label);
        this.pushFailures =
            KeelCounters.newCounter(countersManager, KeelCounters.SYNC_PUSH_FAILURES_TYPE_ID, pipeline, label);
        this.bytes = KeelCounters.newCounter(countersManager, KeelCounters.SYNC_BYTES_TYPE_ID, pipeline, label);
        this.lastStep = KeelCounters.newCounter(countersManager, KeelCounters.SYNC_LAST_STEP_TYPE_ID, pipeline, label);
        this.lastStep.setOrdered(-1);
        this.operationBytesDone =
            KeelCounters.newCounter(countersManager, KeelCounters.SYNC_OPERATION_BYTES_DONE_TYPE_ID, pipeline, label);
        this.operationBytes =
            KeelCounters.newCounter(countersManager, KeelCounters.SYNC_OPERATION_BYTES_TYPE_ID, pipeline, label);
    }

    /**
     * Ships the journal after each pushed checkpoint ({@code exactly_once}); call before {@link #start()}.
     *
     * @param shipper the shipper, driven by this agent's duty cycle.
     * @return this.
     */
    CheckpointSyncAgent shipJournal(final JournalShipper shipper)
    {
        this.journalShipper = shipper;
        return this;
    }

    /** @return the sync writer the agent pushes with. */
    S3CheckpointSync sync()
    {
        return sync;
    }

    /** Starts the agent on its own thread. */
    CheckpointSyncAgent start()
    {
        runner = new AgentRunner(new SleepingMillisIdleStrategy(10), error ->
            LOG.log(Level.WARNING, "checkpoint sync agent: " + error), null, this);
        AgentRunner.startOnThread(runner);
        return this;
    }

    public String roleName()
    {
        return "keel-sync-agent";
    }

    public void onStart()
    {
        nextPushMs = System.currentTimeMillis() + pushIntervalMs;
    }

    public int doWork()
    {
        final long nowMs = System.currentTimeMillis();
        int work = 0;
        Completion completion;
        while (null != (completion = completions.poll()))
        {
            work++;
            onCompletion(completion);
        }
        final boolean tick = pushIntervalMs > 0 && nowMs - nextPushMs >= 0;
        if (null != journalShipper)
        {
            // before the tick's push: the tail after the last pushed checkpoint goes out first
            work += journalShipper.doWork(tick);
        }
        if (tick)
        {
            nextPushMs = nowMs + pushIntervalMs;
            work++;
            try
            {
                final CheckpointInfo newest = newest();
                if (null != newest)
                {
                    queuePush(newest, false);
                }
            }
            catch (final KeelException ex)
            {
                // e.g. retention retired the checkpoint between list() and filesOf(): the next tick takes the
                // newer one; counted as a failed push, never swallowed
                pushFailures.increment();
                LOG.log(Level.WARNING, "sync: cannot queue the periodic push to " + sync.bucket() + ": " +
                    ex.getMessage());
            }
        }
        if (nowMs - nextProgressCountersMs >= 0)
        {
            nextProgressCountersMs = nowMs + PROGRESS_COUNTERS_INTERVAL_MS;
            // what a client's progress bar shows for a push or pull in progress (keel sync --wait)
            final SyncProgress progress = sync.progress();
            final boolean idle = progress.operation() == SyncProgress.Operation.IDLE;
            operationBytes.setRelease(idle ? 0 : progress.bytesTotal());
            operationBytesDone.setRelease(idle ? 0 : progress.bytesDone());
        }
        if (nowMs - nextProgressLogMs >= 0)
        {
            nextProgressLogMs = nowMs + PROGRESS_LOG_INTERVAL_MS;
            logProgress();
        }
        return work;
    }

    public UUID syncLatest()
    {
        final CheckpointInfo newest = newest();
        if (null == newest)
        {
            throw new KeelException(KeelException.Category.SYNC, "SYNC_NO_CHECKPOINT", "no committed checkpoint " +
                "to sync to " + sync.bucket() + " yet; take one with checkpoint() first");
        }
        return queuePush(newest, true);
    }

    public CheckpointStatus status(final UUID checkpoint)
    {
        final SyncStatus status = sync.syncStatus(checkpoint);
        if (status instanceof SyncStatus.Success)
        {
            return CheckpointStatus.SUCCESS;
        }
        if (status instanceof SyncStatus.InProgress)
        {
            return CheckpointStatus.IN_PROGRESS;
        }
        if (status instanceof SyncStatus.Failure failure)
        {
            return new CheckpointStatus.Failure(failure.error().getMessage());
        }
        return CheckpointStatus.UNKNOWN;
    }

    public Optional<UUID> lastSuccessful()
    {
        return sync.lastSuccessfulSync();
    }

    public void close()
    {
        CloseHelper.closeAll(runner, sync);
    }

    private CheckpointInfo newest()
    {
        final List<CheckpointInfo> checkpoints = store.list();
        return checkpoints.isEmpty() ? null : checkpoints.get(checkpoints.size() - 1);
    }

    /**
     * Queue a push unless the checkpoint was already queued and did not fail (a failed one is pushed again on
     * request; the periodic tick retries it only once a newer checkpoint exists, so a broken bucket is not
     * hammered every interval).
     */
    private UUID queuePush(final CheckpointInfo checkpoint, final boolean retryFailed)
    {
        final UUID id = checkpoint.id();
        synchronized (queueLock)
        {
            if (id.equals(lastQueued) && !(retryFailed && sync.syncStatus(id) instanceof SyncStatus.Failure))
            {
                return id;
            }
            final LocalCheckpoint local = toLocal(checkpoint);
            lastQueued = id;
            LOG.log(Level.INFO, "sync: pushing checkpoint " + id + " (step " + checkpoint.step() + ", " +
                local.files().size() + " files, " + local.totalBytes() + " bytes) to " + sync.bucket());
            final boolean ships = null != journalShipper && !journalShipper.isPulled(id);
            if (ships)
            {
                journalShipper.onPushQueued();
            }
            sync.push(local, ships ? checkpoint.journalPosition() : -1, ships ? journalShipper.source() : null)
                .whenComplete((pushed, error) -> completions.offer(new Completion(id, checkpoint.step(),
                    checkpoint.journalPosition(), local.totalBytes(), ships, error)));
        }
        return id;
    }

    private LocalCheckpoint toLocal(final CheckpointInfo checkpoint)
    {
        final List<StoredFile> stored = store.filesOf(checkpoint.id());
        final List<LocalFile> files = new ArrayList<>(stored.size());
        for (int i = 0; i < stored.size(); i++)
        {
            final StoredFile file = stored.get(i);
            // filesOf lists the manifest last: it is what commits the checkpoint when pulled
            files.add(i == stored.size() - 1 ? LocalFile.marker(file.name(), file.size()) :
                LocalFile.data(file.name(), file.size()));
        }
        return new LocalCheckpoint(checkpoint.id(), checkpoint.step(),
            Instant.ofEpochMilli(checkpoint.wallClockMillis()), files);
    }

    private void onCompletion(final Completion completion)
    {
        final SyncProgress progress = sync.progress();
        final long transferred = progress.bytesUploaded() + progress.bytesDownloaded();
        bytes.getAndAdd(transferred - bytesReported);
        bytesReported = transferred;
        if (completion.ships)
        {
            journalShipper.onPushEnded(null == completion.error);
        }
        if (null == completion.error)
        {
            pushes.increment();
            if (completion.step > lastStep.get())
            {
                lastStep.setOrdered(completion.step);
            }
            LOG.log(Level.INFO, "sync: checkpoint " + completion.id + " (step " + completion.step + ") is in " +
                sync.bucket());
            if (null != journalShipper)
            {
                journalShipper.onCheckpointPushed(completion.id, completion.step, completion.journalPosition);
            }
        }
        else
        {
            pushFailures.increment();
            LOG.log(Level.WARNING, "sync: push of checkpoint " + completion.id + " (step " + completion.step +
                ") to " + sync.bucket() + " failed: " + status(completion.id));
        }
    }

    private void logProgress()
    {
        final SyncProgress progress = sync.progress();
        if (progress.operation() != SyncProgress.Operation.IDLE && progress.bytesTotal() > 0)
        {
            LOG.log(Level.INFO, "sync: " + progress.operation().name().toLowerCase() + " of checkpoint " +
                progress.checkpoint() + ": " + progress.bytesDone() + "/" + progress.bytesTotal() + " bytes, " +
                progress.filesDone() + "/" + progress.filesTotal() + " files");
        }
    }
}
