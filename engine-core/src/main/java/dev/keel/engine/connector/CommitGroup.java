package dev.keel.engine.connector;

/**
 * Agent-side bookkeeping of an output endpoint that commits several whole steps at once (one Kafka transaction,
 * one Delta commit): which steps ended since the last commit and when the next commit is due. Single-threaded
 * (the endpoint's agent).
 * <p>
 * Rules: a group holds whole steps only, in transaction order; it is identified by its last ended transaction id
 * ({@link #lastEnded()}), which is what the endpoint records in the sink for exactly-once (Delta {@code txn}
 * version) and publishes as delivered once the commit is durable. A group is due when at least one step ended and
 * the queue was drained, a flush was requested since the last commit, it holds {@code maxSteps} steps, the
 * endpoint says it is full, or {@code maxDelayNs} passed since its first step was seen (so a backlog that never
 * drains still commits).
 */
public final class CommitGroup
{
    private final long maxSteps;
    private final long maxDelayNs;
    private long lastEnded = OutputQueue.NO_TRANSACTION;
    private long steps;
    private long firstStepNs;
    private long flushesDone;

    /**
     * @param maxSteps   steps that make a group due.
     * @param maxDelayNs time after its first step that makes a group due.
     */
    public CommitGroup(final long maxSteps, final long maxDelayNs)
    {
        this.maxSteps = maxSteps;
        this.maxDelayNs = maxDelayNs;
    }

    /**
     * Starts after the last transaction the sink holds (or the checkpoint's, or {@link OutputQueue#NO_TRANSACTION}).
     *
     * @param transactionId the transaction the first group follows.
     */
    public void start(final long transactionId)
    {
        lastEnded = transactionId;
    }

    /**
     * A step ended: it joins the open group.
     *
     * @param transactionId its transaction id.
     */
    public void onEndTransaction(final long transactionId)
    {
        lastEnded = transactionId;
        steps++;
    }

    /** @return steps in the open group. */
    public long steps()
    {
        return steps;
    }

    /** @return the last ended transaction: the id of the open group, or of the last committed one if none is open. */
    public long lastEnded()
    {
        return lastEnded;
    }

    /**
     * Called once per duty cycle after reading the queue.
     *
     * @param drained        true if the queue was read empty this cycle.
     * @param flushRequested the endpoint's flush request count, read before reading the queue.
     * @param nowNs          the cycle's time.
     * @param full           true if the endpoint's own limit is reached (e.g. rows per commit).
     * @return true if the open group should be committed now; then call {@link #committed(long)} after it is.
     */
    public boolean due(final boolean drained, final long flushRequested, final long nowNs, final boolean full)
    {
        if (steps > 0)
        {
            if (0 == firstStepNs)
            {
                firstStepNs = nowNs;
            }
            if (drained || flushRequested != flushesDone || steps >= maxSteps || full ||
                nowNs - firstStepNs >= maxDelayNs)
            {
                return true;
            }
        }
        else if (drained)
        {
            // nothing open and everything read: the flush is done
            flushesDone = flushRequested;
        }
        return false;
    }

    /**
     * The open group was committed durably.
     *
     * @param flushRequested the flush request count passed to {@link #due}.
     * @return the transaction id to publish as delivered: the group's last.
     */
    public long committed(final long flushRequested)
    {
        steps = 0;
        firstStepNs = 0;
        flushesDone = flushRequested;
        return lastEnded;
    }
}
