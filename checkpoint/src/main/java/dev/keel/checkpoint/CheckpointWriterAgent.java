package dev.keel.checkpoint;

import dev.keel.engine.storage.StorageBackend;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToOneConcurrentLinkedQueue;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The checkpoint writer's duty cycle, which takes every slow storage operation of the store off the owner (circuit)
 * thread:
 * <ul>
 *   <li>advances the current {@link CheckpointWriteJob} by a few pages per {@link #doWork()}, so that an abort is
 *       seen within that many page writes;</li>
 *   <li>runs a requested commit ({@link CheckpointCommitter.Commit}: manifest, catalog, CURRENT, retention), whose
 *       fsyncs used to stall the circuit for milliseconds;</li>
 *   <li>deletes the files retention dropped, a few per duty cycle, so that unlinking large page files delays
 *       neither the owner nor the next commit much; a failed deletion is reported to the error consumer and left
 *       for the next open, which removes unreferenced files anyway.</li>
 * </ul>
 * Jobs and commits are handed over by the owner thread through volatile fields, one at a time.
 */
final class CheckpointWriterAgent implements Agent
{
    private static final int DELETIONS_PER_DUTY_CYCLE = 16;

    private final int pagesPerDutyCycle;
    private final StorageBackend backend;
    private final Consumer<Throwable> deletionErrors;
    private final ManyToOneConcurrentLinkedQueue<String> deletions = new ManyToOneConcurrentLinkedQueue<>();
    private final AtomicInteger pendingDeletions = new AtomicInteger();
    private volatile CheckpointWriteJob job;
    private volatile Runnable commit;

    CheckpointWriterAgent(final int pagesPerDutyCycle, final StorageBackend backend,
        final Consumer<Throwable> deletionErrors)
    {
        this.pagesPerDutyCycle = pagesPerDutyCycle;
        this.backend = backend;
        this.deletionErrors = deletionErrors;
    }

    /** Queues a file, or a directory (name ending in '/') emptied by earlier queued deletions, for deletion. */
    void delete(final String name)
    {
        pendingDeletions.incrementAndGet();
        deletions.offer(name);
    }

    /** @return deletions queued and not done yet. */
    int pendingDeletions()
    {
        return pendingDeletions.get();
    }

    private int deleteQueued(final int limit)
    {
        int work = 0;
        String name;
        while (work < limit && null != (name = deletions.poll()))
        {
            try
            {
                backend.delete(name);
            }
            catch (final Exception ex)
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

    /** Hands over a commit, run by the next duty cycle; the previous one must be done. Owner thread. */
    void submitCommit(final Runnable commit)
    {
        if (null != this.commit)
        {
            throw new IllegalStateException("checkpoint writer has a commit queued already");
        }
        this.commit = commit;
    }

    @Override
    public int doWork()
    {
        final CheckpointWriteJob job = this.job;
        int work = null == job ? 0 : job.doWork(pagesPerDutyCycle);
        work += runCommit();
        return work + deleteQueued(DELETIONS_PER_DUTY_CYCLE);
    }

    private int runCommit()
    {
        final Runnable commit = this.commit;
        if (null == commit)
        {
            return 0;
        }
        // cleared before it runs: the owner may queue the next one once this one reports done
        this.commit = null;
        commit.run();
        return 1;
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
        // a commit requested is one whose outputs were delivered: finish it rather than leave its owner waiting
        runCommit();
        deleteQueued(Integer.MAX_VALUE);
    }

    @Override
    public String roleName()
    {
        return "keel-checkpoint-writer";
    }
}
