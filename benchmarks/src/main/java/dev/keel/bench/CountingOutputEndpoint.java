package dev.keel.bench;

import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.data.ZSetBatch;

/**
 * The harness sink: counts the rows of every delta it is offered, so that a run measures the engine and not a
 * sink. Zero allocation per offer. The circuit thread writes; other threads read the volatile delivery fields
 * (after completion, for the totals).
 * <p>
 * Holding ({@link #holdsUntilDurable()} true, the default of the harness): the circuit offers each step as soon as
 * it ran and the sink reports a transaction delivered only once {@link #onDurable(long)} covers it, as a sink that
 * keeps a transaction open until the journal is durable would. Waiting (false): the circuit offers a step only once
 * it is durable and the sink reports it delivered at once. Either way {@link #lastOfferNanos()} is when the last
 * transaction became delivered.
 */
public final class CountingOutputEndpoint implements OutputEndpoint
{
    /** Rows after each recent transaction, by id: held transactions are far fewer (the circuit's pending ring). */
    private static final int ROWS_WINDOW = 1 << 12;

    private final String name;
    private final boolean holds;
    private final long[] rowsAfter = new long[ROWS_WINDOW];
    private volatile long deliveredRows;
    private long rows;
    private long offers;
    private long taken;
    private long durable;
    private volatile long lastOfferNanos;
    private volatile long deliveredTransactionId;

    /**
     * A waiting sink.
     *
     * @param name endpoint name.
     */
    public CountingOutputEndpoint(final String name)
    {
        this(name, false);
    }

    /**
     * @param name  endpoint name.
     * @param holds true to hold transactions until they are durable.
     */
    public CountingOutputEndpoint(final String name, final boolean holds)
    {
        this.name = name;
        this.holds = holds;
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
        deliveredRows = position;
        taken = transactionId;
        deliveredTransactionId = transactionId;
    }

    public boolean offer(final long transactionId, final ZSetBatch delta)
    {
        rows += delta.size();
        offers++;
        taken = transactionId;
        rowsAfter[(int)(transactionId & (ROWS_WINDOW - 1))] = rows;
        if (!holds || transactionId <= durable)
        {
            deliver(transactionId);
        }
        return true;
    }

    public boolean holdsUntilDurable()
    {
        return holds;
    }

    public void onDurable(final long transactionId)
    {
        durable = transactionId;
        final long deliverable = Math.min(taken, transactionId);
        if (deliverable > deliveredTransactionId)
        {
            deliver(deliverable);
        }
    }

    private void deliver(final long transactionId)
    {
        lastOfferNanos = System.nanoTime();
        deliveredRows = rowsAfter[(int)(transactionId & (ROWS_WINDOW - 1))];
        deliveredTransactionId = transactionId;
    }

    public long deliveredTransactionId()
    {
        return deliveredTransactionId;
    }

    public long deliveredPosition()
    {
        return deliveredRows;
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

    /** {@link System#nanoTime()} of the last delivery (offer, or for a holding sink its durability), 0 before. */
    public long lastOfferNanos()
    {
        return lastOfferNanos;
    }
}
