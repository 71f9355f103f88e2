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
 */
public abstract class GroupCommitOutputEndpoint extends QueuedOutputEndpoint
{
    /** {@link #deliveredTransactionId()} before any transaction was delivered. */
    public static final long NO_TRANSACTION = OutputQueue.NO_TRANSACTION;

    private final CommitGroup group;

    // shared
    private volatile long restoredTransaction = NO_TRANSACTION;
    private volatile long delivered = NO_TRANSACTION;

    /**
     * @param maxSteps   steps that make a commit due.
     * @param maxDelayNs time after a group's first step that makes a commit due.
     * @see QueuedOutputEndpoint#QueuedOutputEndpoint(String, String, Schema, int)
     */
    protected GroupCommitOutputEndpoint(
        final String name, final String target, final Schema schema, final int queueCapacityBytes,
        final long maxSteps, final long maxDelayNs)
    {
        super(name, target, schema, queueCapacityBytes);
        this.group = new CommitGroup(maxSteps, maxDelayNs);
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
