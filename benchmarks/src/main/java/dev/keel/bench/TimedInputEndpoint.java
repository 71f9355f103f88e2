package dev.keel.bench;

import dev.keel.engine.connector.InputEndpoint;
import dev.keel.engine.data.ZSetBatch;
import org.agrona.concurrent.Agent;

/**
 * Wraps an input endpoint to note when its first record was polled (the start of a measured run) and how
 * many records it gave. Called on the circuit thread only; the start time is read by the harness afterwards.
 */
final class TimedInputEndpoint implements InputEndpoint
{
    private final InputEndpoint delegate;
    private volatile long firstRecordNanos;
    private long records;

    TimedInputEndpoint(final InputEndpoint delegate)
    {
        this.delegate = delegate;
    }

    public String name()
    {
        return delegate.name();
    }

    public boolean replayable()
    {
        return delegate.replayable();
    }

    public void open(final long resumePosition)
    {
        delegate.open(resumePosition);
    }

    public int poll(final ZSetBatch out, final int maxRecords, final long stopAtPosition)
    {
        final int n = delegate.poll(out, maxRecords, stopAtPosition);
        if (n > 0)
        {
            if (0 == records)
            {
                firstRecordNanos = System.nanoTime();
            }
            records += n;
        }
        return n;
    }

    public long position()
    {
        return delegate.position();
    }

    public boolean endOfInput()
    {
        return delegate.endOfInput();
    }

    public long skippedRecords()
    {
        return delegate.skippedRecords();
    }

    public Agent agent()
    {
        return delegate.agent();
    }

    public void close()
    {
        delegate.close();
    }

    long firstRecordNanos()
    {
        return firstRecordNanos;
    }

    long records()
    {
        return records;
    }
}
