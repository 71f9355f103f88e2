package dev.keel.checkpoint;

import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The checkpoint writer's duty cycle: advances the current {@link CheckpointWriteJob} by a few pages per
 * {@link #doWork()}, so that an abort is seen within that many page writes. Jobs are handed over by the owner
 * thread through a volatile field, one at a time.
 * <p>
 * It also deletes the files retention dropped (handed over in a queue), so that deleting a large page file
 * does not stall the owner's commit; a failed deletion is reported to the error consumer and left for the
 * next open, which removes unreferenced files anyway.
 */
final class CheckpointWriterAgent implements Agent
{
    private static final int DELETIONS_PER_DUTY_CYCLE = 16;

    private final int pagesPerDutyCycle;
    private final Consumer<Throwable> deletionErrors;
    private final ManyToOneConcurrentLinkedQueue<Path> deletions = new ManyToOneConcurrentLinkedQueue<>();
    private final AtomicInteger pendingDeletions = new AtomicInteger();
    private volatile CheckpointWriteJob job;

    CheckpointWriterAgent(final int pagesPerDutyCycle, final Consumer<Throwable> deletionErrors)
    {
        this.pagesPerDutyCycle = pagesPerDutyCycle;
        this.deletionErrors = deletionErrors;
    }

    /** Queues a file, or an directory emptied by earlier queued deletions, for deletion. Owner thread. */
    void delete(final Path path)
    {
        pendingDeletions.incrementAndGet();
        deletions.offer(path);
    }

    /** @return deletions queued and not done yet. */
    int pendingDeletions()
    {
        return pendingDeletions.get();
    }

    private int deleteQueued(final int limit)
    {
        int work = 0;
        Path path;
        while (work < limit && null != (path = deletions.poll()))
        {
            try
            {
                Files.deleteIfExists(path);
            }
            catch (final IOException | RuntimeException ex)
            {
                deletionErrors.accept(ex);
            }
            pendingDeletions.decrementAndGet();
            work++;
        }
        return work;
    }

    /** Hands over a job; the previous one must be finished. Owner thread. */
    void submit(final CheckpointWriteJob job)
    {
        final CheckpointWriteJob previous = this.job;
        if (null != previous && !previous.isFinished())
        {
            throw new IllegalStateException("checkpoint writer is still writing " + previous.id());
        }
        this.job = job;
    }

    @Override
    public int doWork()
    {
        final CheckpointWriteJob job = this.job;
        final int work = null == job ? 0 : job.doWork(pagesPerDutyCycle);
        return work + deleteQueued(DELETIONS_PER_DUTY_CYCLE);
    }

    @Override
    public void onClose()
    {
        final CheckpointWriteJob job = this.job;
        if (null != job && !job.isFinished())
        {
            job.requestAbort();
            job.doWork(pagesPerDutyCycle);
        }
        deleteQueued(Integer.MAX_VALUE);
    }

    @Override
    public String roleName()
    {
        return "keel-checkpoint-writer";
    }
}
