package dev.keel.bench;

import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.data.ZSetBatch;

/**
 * The harness sink: counts the rows of every delta it is offered and reports each transaction delivered
 * at once, so that a run measures the engine and not a sink. Zero allocation per offer. The circuit thread
 * writes; other threads read the volatile delivery fields (after completion, for the totals).
 */
public final class CountingOutputEndpoint implements OutputEndpoint
{
    private final String name;
    private long rows;
    private long offers;
    private volatile long lastOfferNanos;
    private volatile long deliveredTransactionId;

    public CountingOutputEndpoint(final String name)
    {
        this.name = name;
    }

    public String name()
    {
        return name;
    }

    public void open()
    {
    }

    public void restore(final long position, final long transactionId)
    {
        rows = position;
        deliveredTransactionId = transactionId;
    }

    public boolean offer(final long transactionId, final ZSetBatch delta)
    {
        rows += delta.size();
        offers++;
        lastOfferNanos = System.nanoTime();
        deliveredTransactionId = transactionId;
        return true;
    }

    public long deliveredTransactionId()
    {
        return deliveredTransactionId;
    }

    public long deliveredPosition()
    {
        return rows;
    }

    public void flush()
    {
    }

    public void checkError()
    {
    }

    public void close()
    {
    }

    /** Rows (delta entries) received. */
    public long rows()
    {
        return rows;
    }

    /** Transactions offered (including empty ones). */
    public long offers()
    {
        return offers;
    }

    /** {@link System#nanoTime()} of the last offer, 0 before the first. */
    public long lastOfferNanos()
    {
        return lastOfferNanos;
    }
}
