package dev.keel.engine.operators;

import dev.keel.engine.KeelException;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.Utf8;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.state.IndexedZSet;
import dev.keel.engine.state.MetaBuffer;
import dev.keel.engine.state.PagedArena;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;

import java.nio.ByteOrder;

/**
 * Per group, the first {@code n} rows by one column (SQL {@code ROW_NUMBER() OVER (PARTITION BY g ORDER BY
 * c) <= n}); the output is the change of that set. Rows are ordered by the column (NULL first ascending,
 * last descending), ties by the row bytes (unsigned, shorter first), which makes the choice deterministic.
 * A row of weight w counts as w rows, so the last row taken may enter with part of its weight.
 * <p>
 * State: the group's rows with weights ({@link IndexedZSet}, aux = epoch of last touch) and the rows
 * currently emitted per group (a second {@link IndexedZSet}). For each group touched in a step, the new
 * top n is selected from the group's rows and diffed against the emitted rows.
 */
public final class TopNOperator extends Operator
{
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int EPOCH = 0;

    private final Operator input;
    private final ZSetBatch.Cursor cursor;
    private final KeyProjector group;
    private final String[] groupBy;
    private final String orderBy;
    private final int orderColumn;
    private final boolean descending;
    private final int n;
    private final PagedArena arena;
    private final IndexedZSet rows;
    private final IndexedZSet emitted;
    private final ExpandableDirectByteBuffer touchedKeys = new ExpandableDirectByteBuffer(4096);
    private final long[] best;
    private final long[] take;
    private final boolean[] matched;
    private final RowView a;
    private final RowView b;
    private final ZSetBatch diff;
    private final ZSetBatch.Cursor diffCursor;
    private long epoch;

    public TopNOperator(
        final String name,
        final Operator input,
        final String[] groupBy,
        final String orderBy,
        final boolean descending,
        final int n,
        final PagedArena arena)
    {
        super(name, input.outputSchema());
        if (n < 1)
        {
            throw new KeelException(KeelException.Category.PROGRAM, "PROGRAM_TOP_N",
                "topN '" + name + "': n=" + n + " must be at least 1");
        }
        this.input = input;
        this.cursor = input.output().cursor();
        this.group = KeyProjector.of(input.outputSchema(), groupBy);
        this.groupBy = groupBy.clone();
        this.orderBy = orderBy;
        this.orderColumn = input.outputSchema().require(orderBy);
        this.descending = descending;
        this.n = n;
        this.arena = arena;
        this.rows = new IndexedZSet(arena, 8, 1024, 4096);
        this.emitted = new IndexedZSet(arena, 0, 1024, 4096);
        this.best = new long[n];
        this.take = new long[n];
        this.matched = new boolean[n];
        this.a = new RowView(input.outputSchema());
        this.b = new RowView(input.outputSchema());
        this.diff = new ZSetBatch(input.outputSchema(), 4096);
        this.diffCursor = diff.cursor();
    }

    public String kind()
    {
        return "topN";
    }

    protected long fingerprintParameters(final long h)
    {
        long result = Params.mix(Params.mix(Params.mix(h, input.name()), groupBy), orderBy);
        return Params.mix(Params.mix(result, descending ? 1 : 0), n);
    }

    public void step()
    {
        final long epoch = ++this.epoch;
        int touchedLimit = 0;
        final ZSetBatch.Cursor cursor = this.cursor.reset();
        while (cursor.next())
        {
            final RowView row = cursor.row();
            if (cursor.weight() == 0)
            {
                continue;
            }
            group.project(row);
            final long record = rows.findOrInsertGroup(group.buffer(), 0, group.length(), group.hash());
            final long aux = IndexedZSet.auxAddress(record);
            if (arena.getLong(aux + EPOCH) != epoch)
            {
                // a group emptied and re-created within the step is listed twice; reprocessing is idempotent
                arena.putLong(aux + EPOCH, epoch);
                touchedKeys.putInt(touchedLimit, group.length(), LE);
                touchedKeys.putLong(touchedLimit + 8, group.hash(), LE);
                touchedKeys.putBytes(touchedLimit + 16, group.buffer(), 0, group.length());
                touchedLimit += 16 + ((group.length() + 7) & ~7);
            }
            rows.addToGroup(record, group.hash(), row.buffer(), row.offset(), row.length(), cursor.weight());
        }

        int position = 0;
        while (position < touchedLimit)
        {
            final int keyLength = touchedKeys.getInt(position, LE);
            final long hash = touchedKeys.getLong(position + 8, LE);
            refresh(touchedKeys, position + 16, keyLength, hash);
            position += 16 + ((keyLength + 7) & ~7);
        }
    }

    private void refresh(final DirectBuffer key, final int keyOffset, final int keyLength, final long hash)
    {
        final int count = select(rows.findGroup(key, keyOffset, keyLength, hash));
        diff.clear();
        final long shown = emitted.findGroup(key, keyOffset, keyLength, hash);
        if (shown != 0)
        {
            for (long entry = emitted.firstEntry(shown); entry != 0; entry = emitted.nextEntry(entry))
            {
                final long address = emitted.entryValueAddress(entry);
                final int length = emitted.entryValueLength(entry);
                final long weight = emitted.entryWeight(entry);
                int found = -1;
                for (int i = 0; i < count && found < 0; i++)
                {
                    if (!matched[i] && rows.entryValueLength(best[i]) == length &&
                        arena.bytesEqual(rows.entryValueAddress(best[i]), arena.pageOf(address),
                        PagedArena.offset(address), length))
                    {
                        found = i;
                    }
                }
                final long change = found < 0 ? -weight : take[found] - weight;
                if (found >= 0)
                {
                    matched[found] = true;
                }
                if (change != 0)
                {
                    diff.add(arena.pageOf(address), PagedArena.offset(address), length, change);
                }
            }
        }
        for (int i = 0; i < count; i++)
        {
            if (!matched[i])
            {
                final long address = rows.entryValueAddress(best[i]);
                diff.add(arena.pageOf(address), PagedArena.offset(address), rows.entryValueLength(best[i]), take[i]);
            }
            matched[i] = false;
        }
        output().addAll(diff, 1);
        final ZSetBatch.Cursor diffCursor = this.diffCursor.reset();
        while (diffCursor.next())
        {
            final RowView row = diffCursor.row();
            emitted.add(key, keyOffset, keyLength, hash, row.buffer(), row.offset(), row.length(), diffCursor.weight());
        }
    }

    /** Fills best/take with the group's first rows covering weight n; returns how many. */
    private int select(final long group)
    {
        if (group == 0)
        {
            return 0;
        }
        int count = 0;
        for (long entry = rows.firstEntry(group); entry != 0; entry = rows.nextEntry(entry))
        {
            if (rows.entryWeight(entry) <= 0)
            {
                continue;
            }
            if (count == n && compare(entry, best[n - 1]) >= 0)
            {
                continue;
            }
            int i = count == n ? n - 1 : count++;
            while (i > 0 && compare(entry, best[i - 1]) < 0)
            {
                best[i] = best[i - 1];
                i--;
            }
            best[i] = entry;
        }
        // n distinct rows of weight >= 1 cover at least n; cut where the cumulative weight reaches n
        long remaining = n;
        for (int i = 0; i < count; i++)
        {
            if (remaining == 0)
            {
                return i;
            }
            take[i] = Math.min(rows.entryWeight(best[i]), remaining);
            remaining -= take[i];
        }
        return count;
    }

    private int compare(final long entryA, final long entryB)
    {
        final long addressA = rows.entryValueAddress(entryA);
        final long addressB = rows.entryValueAddress(entryB);
        final int lengthA = rows.entryValueLength(entryA);
        final int lengthB = rows.entryValueLength(entryB);
        a.wrap(arena.pageOf(addressA), PagedArena.offset(addressA), lengthA);
        b.wrap(arena.pageOf(addressB), PagedArena.offset(addressB), lengthB);
        final int byColumn = a.compareColumn(orderColumn, b, orderColumn);
        if (byColumn != 0)
        {
            return descending ? -byColumn : byColumn;
        }
        return Utf8.compare(a.buffer(), a.offset(), lengthA, b.buffer(), b.offset(), lengthB);
    }

    public void saveMeta(final MetaBuffer meta)
    {
        meta.putLong(epoch);
        rows.saveMeta(meta);
        emitted.saveMeta(meta);
    }

    public void loadMeta(final MetaBuffer meta)
    {
        epoch = meta.getLong();
        rows.loadMeta(meta);
        emitted.loadMeta(meta);
    }

    public boolean shardable()
    {
        return true;
    }

    /** Sharded by its key: each worker holds the state of its keys. */
    public int[] shardColumns(final int input)
    {
        return group.columns();
    }
}
