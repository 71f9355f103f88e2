package dev.keel.bench;

import dev.keel.engine.connector.InputEndpoint;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;

/**
 * The keyed-aggregate workload shared with other engines' runs, as a replayable input endpoint: event
 * {@code i} is {@code auction = (i * 2654435761) mod K}, {@code bidder = (i * 40503) mod 100000},
 * {@code price = 100 + (i * 31) mod 10000}; the position is the next event index, so the generator
 * resumes exactly and the journal only needs positions.
 */
public final class KeyedAggregateWorkload implements InputEndpoint
{
    public static final Schema SCHEMA = Schema.of(
        Column.of("auction", ColumnType.INT64),
        Column.of("bidder", ColumnType.INT64),
        Column.of("price", ColumnType.INT64));

    private final String name;
    private final long keys;
    private final long events;
    private final RowWriter writer = new RowWriter(SCHEMA);
    private long next;

    /**
     * @param keys   K, the number of distinct auctions.
     * @param events events to produce before end of input ({@link Long#MAX_VALUE} for unbounded).
     */
    public KeyedAggregateWorkload(final String name, final long keys, final long events)
    {
        this.name = name;
        this.keys = keys;
        this.events = events;
    }

    public static long auction(final long i, final long keys)
    {
        return Math.floorMod(i * 2654435761L, keys);
    }

    public static long bidder(final long i)
    {
        return Math.floorMod(i * 40503L, 100_000L);
    }

    public static long price(final long i)
    {
        return 100 + Math.floorMod(i * 31L, 10_000L);
    }

    public String name()
    {
        return name;
    }

    public boolean replayable()
    {
        return true;
    }

    public void open(final long resumePosition)
    {
        next = resumePosition;
    }

    public int poll(final ZSetBatch out, final int maxRecords, final long stopAtPosition)
    {
        final long end = Math.min(Math.min(events, stopAtPosition), next + maxRecords);
        final int count = (int)Math.max(0, end - next);
        for (long i = next; i < end; i++)
        {
            writer.reset();
            writer.putLong(0, auction(i, keys));
            writer.putLong(1, bidder(i));
            writer.putLong(2, price(i));
            writer.finish();
            out.add(writer, 1);
        }
        next += count;
        return count;
    }

    public long position()
    {
        return next;
    }

    public boolean endOfInput()
    {
        return next >= events;
    }

    public long skippedRecords()
    {
        return 0;
    }

    public void close()
    {
    }
}
