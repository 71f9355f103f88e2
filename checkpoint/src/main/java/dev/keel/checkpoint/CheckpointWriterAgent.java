package dev.keel.checkpoint;

import org.agrona.concurrent.Agent;

/**
 * The checkpoint writer's duty cycle: advances the current {@link CheckpointWriteJob} by a few pages per
 * {@link #doWork()}, so that an abort is seen within that many page writes. Jobs are handed over by the owner
 * thread through a volatile field, one at a time.
 */
final class CheckpointWriterAgent implements Agent
{
    private final int pagesPerDutyCycle;
    private volatile CheckpointWriteJob job;

    CheckpointWriterAgent(final int pagesPerDutyCycle)
    {
        this.pagesPerDutyCycle = pagesPerDutyCycle;
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
        return null == job ? 0 : job.doWork(pagesPerDutyCycle);
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
    }

    @Override
    public String roleName()
    {
        return "keel-checkpoint-writer";
    }
}
