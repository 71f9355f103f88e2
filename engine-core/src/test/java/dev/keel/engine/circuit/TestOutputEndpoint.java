package dev.keel.engine.circuit;

import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.data.ZSetBatch;

import java.util.ArrayList;
import java.util.List;

/**
 * In-memory output endpoint for tests: keeps every accepted transaction and its rows as text, can refuse
 * offers (back pressure), deliver only on flush, and fail.
 */
public final class TestOutputEndpoint implements OutputEndpoint
{
    private final String name;
    private final List<Long> transactions = new ArrayList<>();
    private final List<List<String>> deltas = new ArrayList<>();
    private boolean refuse;
    private int refusals;
    private boolean deliverOnFlush;
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
            delivered = transactionId;
        }
        return true;
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
        delivered = accepted;
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
