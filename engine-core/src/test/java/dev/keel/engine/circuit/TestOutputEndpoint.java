package dev.keel.engine.circuit;

import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.data.ZSetBatch;

import java.util.ArrayList;
import java.util.List;

/**
 * In-memory output endpoint for tests: keeps every accepted transaction and its rows as text, can refuse
 * offers (back pressure), deliver only on flush, hold transactions until told they are durable, and fail.
 */
public final class TestOutputEndpoint implements OutputEndpoint
{
    private final String name;
    private final List<Long> transactions = new ArrayList<>();
    private final List<List<String>> deltas = new ArrayList<>();
    private boolean refuse;
    private int refusals;
    private boolean deliverOnFlush;
    private boolean holds;
    private long durable;
    private final List<Long> durableCalls = new ArrayList<>();
    private long accepted;
    private long delivered;
    private int flushes;
    private RuntimeException error;
    private boolean closed;

    public TestOutputEndpoint(final String name)
    {
        this.name = name;
    }

    public TestOutputEndpoint refuse(final boolean refuse)
    {
        this.refuse = refuse;
        return this;
    }

    public TestOutputEndpoint deliverOnFlush(final boolean deliverOnFlush)
    {
        this.deliverOnFlush = deliverOnFlush;
        return this;
    }

    /** Holds offered transactions until {@link #onDurable(long)}: delivered is at most the durable one. */
    public TestOutputEndpoint holdUntilDurable(final boolean holds)
    {
        this.holds = holds;
        return this;
    }

    /** The ids {@link #onDurable(long)} was called with, in order. */
    public List<Long> durableCalls()
    {
        return durableCalls;
    }

    public TestOutputEndpoint error(final RuntimeException error)
    {
        this.error = error;
        return this;
    }

    public List<Long> transactions()
    {
        return transactions;
    }

    public List<List<String>> deltas()
    {
        return deltas;
    }

    public int refusals()
    {
        return refusals;
    }

    public int flushes()
    {
        return flushes;
    }

    public boolean isClosed()
    {
        return closed;
    }

    public String name()
    {
        return name;
    }

    public void open()
    {
        accepted = 0;
        delivered = 0;
    }

    public void restore(final long position, final long transactionId)
    {
        accepted = transactionId;
        delivered = transactionId;
    }

    public boolean offer(final long transactionId, final ZSetBatch delta)
    {
        if (refuse)
        {
            refusals++;
            return false;
        }
        if (transactionId <= accepted)
        {
            return true;
        }
        if (transactionId != accepted + 1 && accepted != 0)
        {
            throw new AssertionError("transaction " + transactionId + " offered after " + accepted);
        }
        final List<String> rows = new ArrayList<>();
        final ZSetBatch.Cursor cursor = delta.cursor();
        while (cursor.next())
        {
            rows.add(cursor.row() + " x" + cursor.weight());
        }
        transactions.add(transactionId);
        deltas.add(rows);
        accepted = transactionId;
        if (!deliverOnFlush)
        {
            delivered = holds ? Math.max(delivered, Math.min(transactionId, durable)) : transactionId;
        }
        return true;
    }

    public boolean holdsUntilDurable()
    {
        return holds;
    }

    public void onDurable(final long transactionId)
    {
        if (!holds)
        {
            throw new AssertionError("onDurable(" + transactionId + ") on an endpoint that does not hold");
        }
        if (transactionId <= durable)
        {
            throw new AssertionError("onDurable(" + transactionId + ") after onDurable(" + durable + ")");
        }
        durableCalls.add(transactionId);
        durable = transactionId;
        if (!deliverOnFlush)
        {
            delivered = Math.max(delivered, Math.min(accepted, durable));
        }
    }

    public long deliveredTransactionId()
    {
        return delivered;
    }

    public long deliveredPosition()
    {
        return transactions.size();
    }

    public void flush()
    {
        flushes++;
        delivered = holds ? Math.max(delivered, Math.min(accepted, durable)) : accepted;
    }

    public void checkError()
    {
        if (null != error)
        {
            throw error;
        }
    }

    public void close()
    {
        closed = true;
    }
}
