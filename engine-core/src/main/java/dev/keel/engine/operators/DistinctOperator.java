package dev.keel.engine.operators;

import dev.keel.engine.data.RowView;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.state.MetaBuffer;
import dev.keel.engine.state.OffHeapHashMap;
import dev.keel.engine.state.PagedArena;

import java.nio.ByteOrder;

/**
 * Set semantics of a Z-set: a row is in the output with weight 1 iff its accumulated input weight is
 * positive. Keeps the accumulated weight per distinct row (an {@link OffHeapHashMap} keyed by row bytes)
 * and, per step, emits +1/-1 only for rows whose membership changed between the start and the end of the
 * step (so an insert retracted within the same step emits nothing).
 */
public final class DistinctOperator extends Operator
{
    private static final int WEIGHT = 0;
    private static final int EPOCH = 8;
    private static final int VALUE_LENGTH = 16;

    private final Operator input;
    private final ZSetBatch.Cursor cursor;
    private final PagedArena arena;
    private final OffHeapHashMap rows;
    private final TouchedList touched = new TouchedList(8, 1024);
    private final RowView stored;
    private long epoch;

    public DistinctOperator(final String name, final Operator input, final PagedArena arena)
    {
        super(name, input.outputSchema());
        this.input = input;
        this.cursor = input.output().cursor();
        this.arena = arena;
        this.rows = new OffHeapHashMap(arena, VALUE_LENGTH, 1024);
        this.stored = new RowView(input.outputSchema());
    }

    public String kind()
    {
        return "distinct";
    }

    protected long fingerprintParameters(final long h)
    {
        return Params.mix(h, input.name());
    }

    /** Number of distinct rows with non-zero accumulated weight. */
    public int size()
    {
        return rows.size();
    }

    public void step()
    {
        final long epoch = ++this.epoch;
        touched.clear();
        final ZSetBatch.Cursor cursor = this.cursor.reset();
        while (cursor.next())
        {
            final RowView row = cursor.row();
            final long hash = row.hash();
            final long record = rows.findOrInsert(row.buffer(), row.offset(), row.length(), hash);
            final long value = OffHeapHashMap.valueAddress(record);
            if (arena.getLong(value + EPOCH) != epoch)
            {
                touched.add(record, hash, arena, value + WEIGHT);
                arena.putLong(value + EPOCH, epoch);
            }
            arena.addLong(value + WEIGHT, cursor.weight());
        }

        final ZSetBatch output = output();
        for (int i = 0, size = touched.size(); i < size; i++)
        {
            final long record = touched.record(i);
            final long oldWeight = touched.oldValues().getLong(touched.oldValueOffset(i), ByteOrder.LITTLE_ENDIAN);
            final long newWeight = arena.getLong(OffHeapHashMap.valueAddress(record) + WEIGHT);
            if ((oldWeight > 0) != (newWeight > 0))
            {
                final long key = rows.keyAddress(record);
                stored.wrap(arena.pageOf(key), PagedArena.offset(key), rows.keyLength(record));
                output.add(stored, newWeight > 0 ? 1 : -1);
            }
            if (newWeight == 0)
            {
                rows.remove(record, touched.hash(i));
            }
        }
    }

    public void saveMeta(final MetaBuffer meta)
    {
        meta.putLong(epoch);
        rows.saveMeta(meta);
    }

    public void loadMeta(final MetaBuffer meta)
    {
        epoch = meta.getLong();
        rows.loadMeta(meta);
    }

    public boolean shardable()
    {
        return true;
    }

    /** Sharded by its key: each worker holds the state of its keys. */
    public int[] shardColumns(final int input)
    {
        final int[] all = new int[outputSchema().columnCount()];
        for (int i = 0; i < all.length; i++)
        {
            all[i] = i;
        }
        return all;
    }
}
