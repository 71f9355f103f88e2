package dev.keel.engine.circuit;

import dev.keel.engine.spi.Journal;
import dev.keel.engine.spi.StepRecord;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * In-memory journal for tests: every record takes {@link #RECORD_LENGTH} positions; durability is
 * advanced by the test (or automatically). Survives {@link #close()} so that a second circuit can replay it.
 */
public final class TestJournal implements Journal
{
    public static final long RECORD_LENGTH = 100;

    /** A copied record. */
    public static final class Entry
    {
        long step;
        long transactionId;
        long inputCount;
        long inputHash;
        long[] positions;
        byte[][] data;
        long endPosition;
    }

    private final List<Entry> entries = new ArrayList<>();
    private long position;
    private long durablePosition;
    private boolean autoDurable;
    private int appendsSinceReopen;
    private boolean closed;

    public TestJournal autoDurable(final boolean autoDurable)
    {
        this.autoDurable = autoDurable;
        return this;
    }

    public void makeDurable(final long position)
    {
        durablePosition = Math.max(durablePosition, position);
    }

    public void makeAllDurable()
    {
        durablePosition = position;
    }

    public List<Entry> entries()
    {
        return entries;
    }

    public Entry entry(final long step)
    {
        for (final Entry entry : entries)
        {
            if (entry.step == step)
            {
                return entry;
            }
        }
        throw new AssertionError("no journaled step " + step);
    }

    /** Replaces a journaled step's input hash (e.g. with the one an earlier version computed). */
    public void setHash(final long step, final long inputHash)
    {
        entry(step).inputHash = inputHash;
    }

    public void tamperHash(final long step)
    {
        entry(step).inputHash ^= 1;
    }

    public int appendsSinceReopen()
    {
        return appendsSinceReopen;
    }

    /** As after a restart: open again, everything appended so far durable. */
    public TestJournal reopen()
    {
        closed = false;
        appendsSinceReopen = 0;
        durablePosition = position;
        return this;
    }

    public boolean isClosed()
    {
        return closed;
    }

    public long append(final StepRecord record)
    {
        if (closed)
        {
            throw new IllegalStateException("journal closed");
        }
        final Entry entry = new Entry();
        entry.step = record.step();
        entry.transactionId = record.transactionId();
        entry.inputCount = record.inputCount();
        entry.inputHash = record.inputHash();
        final int n = record.endpointCount();
        entry.positions = new long[n];
        entry.data = new byte[n][];
        for (int i = 0; i < n; i++)
        {
            entry.positions[i] = record.position(i);
            if (entry.positions[i] == StepRecord.NO_POSITION)
            {
                entry.data[i] = new byte[record.dataLength(i)];
                record.data(i).getBytes(0, entry.data[i]);
            }
        }
        position += RECORD_LENGTH;
        entry.endPosition = position;
        entries.add(entry);
        appendsSinceReopen++;
        if (autoDurable)
        {
            durablePosition = position;
        }
        return position;
    }

    public long durablePosition()
    {
        return durablePosition;
    }

    public long position()
    {
        return position;
    }

    public Replay openReplay(final long fromPosition)
    {
        if (closed)
        {
            throw new IllegalStateException("journal closed");
        }
        final long endPosition = position;
        return new Replay()
        {
            private final StepRecord record = new StepRecord();
            private int next = firstAtOrAfter(fromPosition);
            private long replayed = fromPosition;

            public int poll(final StepRecordHandler handler)
            {
                if (isDone())
                {
                    return 0;
                }
                final Entry entry = entries.get(next++);
                record.reset(entry.step, entry.transactionId, entry.positions.length);
                record.inputCount(entry.inputCount).inputHash(entry.inputHash);
                for (int i = 0; i < entry.positions.length; i++)
                {
                    if (entry.positions[i] == StepRecord.NO_POSITION)
                    {
                        record.data(i, new UnsafeBuffer(entry.data[i]), 0, entry.data[i].length);
                    }
                    else
                    {
                        record.position(i, entry.positions[i]);
                    }
                }
                replayed = entry.endPosition;
                handler.onStepRecord(entry.endPosition, record);
                return 1;
            }

            public boolean isDone()
            {
                return next >= entries.size() || entries.get(next).endPosition > endPosition;
            }

            public long position()
            {
                return replayed;
            }

            public void close()
            {
            }
        };
    }

    private int firstAtOrAfter(final long fromPosition)
    {
        int i = 0;
        while (i < entries.size() && entries.get(i).endPosition - RECORD_LENGTH < fromPosition)
        {
            i++;
        }
        return i;
    }

    public void releaseBefore(final long position)
    {
    }

    public void close()
    {
        closed = true;
    }
}
