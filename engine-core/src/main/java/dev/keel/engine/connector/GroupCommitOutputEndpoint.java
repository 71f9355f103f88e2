package dev.keel.engine.connector;

import dev.keel.engine.data.Schema;

/**
 * Base of the output endpoints that commit whole steps in groups ({@link CommitGroup}) to a sink that has no byte
 * position of its own ({@code kafka_output}: a Kafka transaction; {@code delta_table_output}: a Delta commit).
 * Their position is the delivered transaction id: {@link #deliveredPosition()} is {@link #deliveredTransactionId()}.
 * <p>
 * Exactly once: {@link #restore} takes the checkpoint's transaction id; when the agent starts it may learn from the
 * sink that later transactions are already there, and {@link #startAfter} drops offered steps up to the higher of
 * the two. A group is published as delivered ({@link #committed}) only after the sink committed it.
 * <p>
 * Holding ({@link #holdsUntilDurable()}, chosen by the subclass): the circuit then offers each step as soon as it
 * ran, before its journal record is durable, and reports the durable transaction through {@link #onDurable}; the
 * agent may write a step into the sink's open transaction at once but commits a group only once
 * {@link #isDurable} covers its last step. A crash before that leaves an open sink transaction, which the next
 * incarnation aborts (Kafka fences it), so nothing that is not durable is ever visible.
 */
public abstract class GroupCommitOutputEndpoint extends QueuedOutputEndpoint
{
    /** {@link #deliveredTransactionId()} before any transaction was delivered. */
    public static final long NO_TRANSACTION = OutputQueue.NO_TRANSACTION;

    private final CommitGroup group;

    // shared
    private volatile long restoredTransaction = NO_TRANSACTION;
    private volatile long delivered = NO_TRANSACTION;
    private volatile long durable = NO_TRANSACTION;
    private final boolean holds;

    /**
     * @param maxSteps   steps that make a commit due.
     * @param maxDelayNs time after a group's first step that makes a commit due.
     * @see QueuedOutputEndpoint#QueuedOutputEndpoint(String, String, Schema, int)
     */
    protected GroupCommitOutputEndpoint(
        final String name, final String target, final Schema schema, final int queueCapacityBytes,
        final long maxSteps, final long maxDelayNs)
    {
        this(name, target, schema, queueCapacityBytes, maxSteps, maxDelayNs, false);
    }

    /**
     * @param holds true if the endpoint holds offered steps until they are durable (see the class comment).
     * @see #GroupCommitOutputEndpoint(String, String, Schema, int, long, long)
     */
    protected GroupCommitOutputEndpoint(
        final String name, final String target, final Schema schema, final int queueCapacityBytes,
        final long maxSteps, final long maxDelayNs, final boolean holds)
    {
        super(name, target, schema, queueCapacityBytes);
        this.group = new CommitGroup(maxSteps, maxDelayNs);
        this.holds = holds;
    }

    public final boolean holdsUntilDurable()
    {
        return holds;
    }

    /** Circuit thread: every transaction up to {@code transactionId} is durable. */
    public final void onDurable(final long transactionId)
    {
        if (transactionId > durable)
        {
            durable = transactionId;
        }
    }

    /**
     * Agent thread: whether a group ending with {@code transactionId} may be committed.
     *
     * @param transactionId the group's last transaction.
     * @return true if the endpoint does not hold, or the transaction is durable.
     */
    protected final boolean isDurable(final long transactionId)
    {
        return !holds || transactionId <= durable;
    }

    public final void open()
    {
        markOpened();
    }

    /** The position is ignored (it is the transaction id); transactions up to {@code transactionId} are skipped. */
    public final void restore(final long position, final long transactionId)
    {
        queue.restore(transactionId);
        restoredTransaction = transactionId;
        delivered = transactionId;
        markOpened();
    }

    public final long deliveredTransactionId()
    {
        return delivered;
    }

    /** The delivered transaction id again: the sink, not a byte position, holds what was delivered. */
    public final long deliveredPosition()
    {
        return delivered;
    }

    /** @return the checkpoint's transaction id given to {@link #restore}, or {@link #NO_TRANSACTION}. */
    protected final long restoredTransaction()
    {
        return restoredTransaction;
    }

    /** @return the agent's step-group bookkeeping. */
    protected final CommitGroup group()
    {
        return group;
    }

    /**
     * Agent thread, once the sink is open: steps up to {@code transactionId} are in the sink already.
     *
     * @param transactionId at least {@link #restoredTransaction()}.
     */
    protected final void startAfter(final long transactionId)
    {
        queue.dropUpTo(transactionId);
        group.start(transactionId);
        delivered = Math.max(delivered, transactionId);
    }

    /**
     * Agent thread: the open group is durably committed; publishes its last transaction as delivered.
     *
     * @param flushRequested the flush request count read before the queue was read.
     */
    protected final void committed(final long flushRequested)
    {
        delivered = group.committed(flushRequested);
    }
}
