package dev.keel.sync;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.System.Logger.Level.INFO;

/**
 * Progress written by the sync thread and by transfer callbacks, read by any thread through {@link #snapshot()}.
 */
final class ProgressTracker
{
    private volatile SyncProgress.Operation operation = SyncProgress.Operation.IDLE;
    private volatile UUID checkpoint;
    private final AtomicLong bytesCompleted = new AtomicLong();
    private final AtomicLong bytesInFlight = new AtomicLong();
    private volatile long bytesTotal;
    private final AtomicInteger filesDone = new AtomicInteger();
    private volatile int filesTotal;

    final AtomicLong bytesUploaded = new AtomicLong();
    final AtomicLong filesUploaded = new AtomicLong();
    final AtomicLong bytesDownloaded = new AtomicLong();
    final AtomicLong filesDownloaded = new AtomicLong();
    final AtomicLong pushes = new AtomicLong();
    final AtomicLong pushFailures = new AtomicLong();
    final AtomicLong pulls = new AtomicLong();
    final AtomicLong pullFailures = new AtomicLong();
    final AtomicLong retries = new AtomicLong();
    final AtomicLong deletedCheckpoints = new AtomicLong();

    void begin(final SyncProgress.Operation operation, final UUID checkpoint)
    {
        bytesCompleted.set(0);
        bytesInFlight.set(0);
        bytesTotal = 0;
        filesDone.set(0);
        filesTotal = 0;
        this.checkpoint = checkpoint;
        this.operation = operation;
    }

    void totals(final long bytes, final int files)
    {
        bytesTotal = bytes;
        filesTotal = files;
    }

    void checkpoint(final UUID checkpoint)
    {
        this.checkpoint = checkpoint;
    }

    void inFlight(final long delta)
    {
        bytesInFlight.addAndGet(delta);
    }

    void fileDone(final long bytes)
    {
        bytesCompleted.addAndGet(bytes);
        filesDone.incrementAndGet();
    }

    void end()
    {
        operation = SyncProgress.Operation.IDLE;
        checkpoint = null;
    }

    SyncProgress snapshot()
    {
        return new SyncProgress(operation, checkpoint,
            Math.min(bytesCompleted.get() + Math.max(0, bytesInFlight.get()), Math.max(bytesTotal, bytesCompleted.get())),
            bytesTotal, filesDone.get(), filesTotal,
            bytesUploaded.get(), filesUploaded.get(), bytesDownloaded.get(), filesDownloaded.get(),
            pushes.get(), pushFailures.get(), pulls.get(), pullFailures.get(), retries.get(), deletedCheckpoints.get());
    }

    /**
     * Log the progress of a long transfer every {@code period} on {@code timer} until cancelled.
     */
    ScheduledFuture<?> logEvery(final ScheduledExecutorService timer, final Duration period, final String what)
    {
        final long periodMs = period.toMillis();
        return timer.scheduleAtFixedRate(() ->
        {
            final SyncProgress p = snapshot();
            if (p.operation() != SyncProgress.Operation.IDLE && p.bytesTotal() > 0)
            {
                RemoteReader.LOGGER.log(INFO, () -> what + ": " + p.bytesDone() + " of " + p.bytesTotal() +
                    " bytes (" + (100 * p.bytesDone() / p.bytesTotal()) + "%), " + p.filesDone() + " of " +
                    p.filesTotal() + " files, " + p.retries() + " retries so far");
            }
        }, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }
}
