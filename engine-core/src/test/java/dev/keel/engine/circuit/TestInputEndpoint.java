package dev.keel.engine.circuit;

import dev.keel.engine.connector.InputEndpoint;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;

/**
 * In-memory input endpoint for tests: records are added by the test; the position is the index of the
 * next record. Replayable or not, as asked; a non-replayable one forgets records once polled.
 */
public final class TestInputEndpoint implements InputEndpoint
{
    private final String name;
    private final boolean replayable;
    private final RowWriter writer;
    private final ZSetBatch source;
    private final ZSetBatch.Cursor cursor;
    private long position;
    private long added;
    private boolean ended;
    private RuntimeException failure;
    private long openedAt = -1;
    private boolean closed;
    private int polls;

    public TestInputEndpoint(final String name, final Schema schema, final boolean replayable)
    {
        this.name = name;
        this.replayable = replayable;
        this.writer = new RowWriter(schema);
        this.source = new ZSetBatch(schema, 1 << 20);
        this.cursor = source.cursor();
    }

    /** Adds a row {@code (id, label)} with a weight. */
    public TestInputEndpoint add(final long id, final String label, final long weight)
    {
        writer.reset().putLong(0, id).putString(1, label).finish();
        source.add(writer, weight);
        added++;
        return this;
    }

    public TestInputEndpoint add(final long id, final String label)
    {
        return add(id, label, 1);
    }

    /** Adds {@code count} rows with ids from {@code firstId}. */
    public TestInputEndpoint addRange(final long firstId, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            add(firstId + i, "r" + (firstId + i), 1);
        }
        return this;
    }

    public TestInputEndpoint end()
    {
        ended = true;
        return this;
    }

    public TestInputEndpoint failNextPoll(final RuntimeException failure)
    {
        this.failure = failure;
        return this;
    }

    public long buffered()
    {
        return added - position;
    }

    public long openedAt()
    {
        return openedAt;
    }

    public boolean isClosed()
    {
        return closed;
    }

    public int polls()
    {
        return polls;
    }

    public String name()
    {
        return name;
    }

    public boolean replayable()
    {
        return replayable;
    }

    public void open(final long resumePosition)
    {
        openedAt = resumePosition;
        cursor.reset();
        for (long i = 0; i < resumePosition; i++)
        {
            cursor.next();
        }
        position = resumePosition;
    }

    public int poll(final ZSetBatch out, final int maxRecords, final long stopAtPosition)
    {
        polls++;
        if (null != failure)
        {
            final RuntimeException ex = failure;
            failure = null;
            throw ex;
        }
        int count = 0;
        while (count < maxRecords && position < added && position < stopAtPosition && cursor.next())
        {
            out.add(cursor.row(), cursor.weight());
            position++;
            count++;
        }
        return count;
    }

    public long position()
    {
        return replayable ? position : NO_POSITION;
    }

    public boolean endOfInput()
    {
        return ended && position == added;
    }

    public long skippedRecords()
    {
        return 0;
    }

    public void close()
    {
        closed = true;
    }
}
