package dev.keel.engine.operators;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Hashing;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.state.IndexedZSet;
import dev.keel.engine.state.MetaBuffer;
import dev.keel.engine.state.OffHeapHashMap;
import dev.keel.engine.state.PagedArena;
import dev.keel.engine.state.Stateful;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableDirectByteBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The group state shared by {@link AggregateOperator} and {@link WindowAggregateOperator}: an
 * {@link OffHeapHashMap} from group key (a key row) to a fixed-size record of accumulators:
 * <pre>
 *   | int64 count | int64 epoch of last touch | per aggregate: sum/avg: acc, non-null count;
 *                                              min/max: acc, non-null count, has-value flag  |
 * </pre>
 * min/max over a stream that may retract also keep, per aggregate, an {@link IndexedZSet} from group key
 * to the multiset of values, so that retracting the current extreme can rescan the group's remaining
 * values; over an append-only stream the running extreme is enough.
 * <p>
 * Per step, the first touch of a group copies its record to a {@link TouchedList}; {@link #emit} then
 * writes the old and the new output row of each touched group into the output batch ({@link AggregateRows}),
 * drops them again when they are equal, and frees groups whose count dropped to zero.
 * <p>
 * Windowed state (key = group columns ++ window_start) also indexes group records by window start, so
 * that closing the windows below the watermark frees their records without scanning all groups.
 */
final class AggregateState implements Stateful
{
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final int COUNT = 0;
    static final int EPOCH = 8;
    static final int FIRST_AGG = 16;
    static final int ACC = 0;
    static final int NON_NULL = 8;
    static final int HAS = 16;
    /** Most hashes one {@link #prefetch} call takes. */
    static final int PREFETCH_CHUNK = 128;

    private final PagedArena arena;
    private final OffHeapHashMap groups;
    private final Agg.Kind[] kinds;
    private final int[] inColumns;
    private final boolean[] doubles;
    private final boolean[] nullableOut;
    private final double[] avgDivisors;
    private final int[] offsets;
    private final IndexedZSet[] multisets;
    private final int keyColumns;
    private final int aggBase;
    private final AggregateRows rows;
    private final TouchedList touched;
    private final UnsafeBuffer slot = new UnsafeBuffer(new byte[8]);
    private long epoch;
    private final long[] prefetchRecords = new long[PREFETCH_CHUNK];
    private long prefetchSink;

    private final long windowSize;
    private final long hop;
    private final IndexedZSet windows;
    private final UnsafeBuffer startKey = new UnsafeBuffer(new byte[8]);
    private final UnsafeBuffer recordBytes = new UnsafeBuffer(new byte[8]);
    private final ExpandableDirectByteBuffer closing = new ExpandableDirectByteBuffer(256);
    private long nextCloseStart;
    private boolean closedAny;

    /**
     * @param keySchema  schema of the key rows, null for a global aggregate; for windows its last column is
     *                   window_start.
     * @param windowSize window size, or 0 when not windowed.
     */
    AggregateState(
        final PagedArena arena,
        final Schema input,
        final Schema keySchema,
        final Schema output,
        final Agg[] aggs,
        final boolean appendOnly,
        final long windowSize,
        final long hop)
    {
        this.arena = arena;
        this.keyColumns = null == keySchema ? 0 : keySchema.columnCount();
        this.windowSize = windowSize;
        this.hop = hop;
        this.aggBase = keyColumns + (windowSize > 0 ? 1 : 0);
        this.kinds = new Agg.Kind[aggs.length];
        this.inColumns = new int[aggs.length];
        this.doubles = new boolean[aggs.length];
        this.nullableOut = new boolean[aggs.length];
        this.avgDivisors = new double[aggs.length];
        this.offsets = new int[aggs.length];
        this.multisets = new IndexedZSet[aggs.length];
        int offset = FIRST_AGG;
        for (int a = 0; a < aggs.length; a++)
        {
            final Agg agg = aggs[a];
            kinds[a] = agg.kind();
            nullableOut[a] = output.column(aggBase + a).nullable();
            offsets[a] = offset;
            if (agg.kind() == Agg.Kind.COUNT)
            {
                inColumns[a] = -1;
                continue;
            }
            final int column = input.require(agg.column());
            final Column in = input.column(column);
            inColumns[a] = column;
            doubles[a] = in.type() == ColumnType.FLOAT64;
            avgDivisors[a] = in.type() == ColumnType.DECIMAL ? Math.pow(10, in.scale()) : 1;
            if (agg.kind() == Agg.Kind.MIN || agg.kind() == Agg.Kind.MAX)
            {
                offset += 24;
                if (!appendOnly)
                {
                    multisets[a] = new IndexedZSet(arena, 0, 1024, 4096);
                }
            }
            else
            {
                offset += 16;
            }
        }
        this.groups = new OffHeapHashMap(arena, offset, 1024);
        this.touched = new TouchedList(offset, 1024);
        this.rows = new AggregateRows(keySchema, output, windowSize, kinds, offsets, doubles, nullableOut, avgDivisors);
        this.windows = windowSize > 0 ? new IndexedZSet(arena, 0, 256, 1024) : null;
    }

    /** Output schema: key columns, then window_end when windowed, then one column per aggregate. */
    static Schema outputSchema(final Schema input, final Schema keySchema, final boolean windowed, final Agg[] aggs)
    {
        final List<Column> columns = new ArrayList<>();
        if (null != keySchema)
        {
            columns.addAll(keySchema.columns());
        }
        if (windowed)
        {
            final Column start = keySchema.column(keySchema.columnCount() - 1);
            columns.add(Column.of("window_end", start.type()));
        }
        for (final Agg agg : aggs)
        {
            columns.add(agg.outputColumn(input));
        }
        return new Schema(columns);
    }

    int groupCount()
    {
        return groups.size();
    }

    /** Starts a step: groups touched from now on are snapshotted once. */
    void beginStep()
    {
        epoch++;
        touched.clear();
    }

    /** Adds a row with a weight to the group of {@code key[0, keyLength)}. */
    void accumulate(final DirectBuffer key, final int keyLength, final long hash, final RowView row, final long weight)
    {
        accumulate(key, 0, keyLength, hash, row, weight);
    }

    /**
     * Loads the slots and records of the groups with these key hashes into the cache, so that the
     * {@link #accumulate} calls that follow find them there. With more groups than the caches hold, each
     * accumulate otherwise waits for two misses in turn (the slot, then the record it points to); issued
     * here for a whole chunk of rows, the loads are independent of each other and the CPU overlaps them.
     * Only a hint: it changes no state and any hash is allowed. Remembers the records found, for
     * {@link #prefetched}.
     */
    void prefetch(final long[] hashes, final int count)
    {
        final long[] records = prefetchRecords;
        if (keyColumns == 0)
        {
            // one global group (an empty key, which touch does not take): in the cache anyway
            Arrays.fill(records, 0, count, 0L);
            return;
        }
        for (int i = 0; i < count; i++)
        {
            records[i] = groups.probeHash(hashes[i]);
        }
        long sink = 0;
        for (int i = 0; i < count; i++)
        {
            final long record = records[i];
            if (record != 0)
            {
                sink += groups.touch(record);
            }
        }
        prefetchSink = sink; // keeps the loads from being optimised away
    }

    /** Adds a row with a weight to the group of {@code key[keyOffset, keyOffset + keyLength)}. */
    void accumulate(
        final DirectBuffer key, final int keyOffset, final int keyLength, final long hash, final RowView row,
        final long weight)
    {
        accumulate(key, keyOffset, keyLength, hash, 0, row, weight);
    }

    /**
     * The group record that the last {@link #prefetch} found for its {@code index}-th hash (0 if none), a
     * hint for {@link #accumulate(DirectBuffer, int, int, long, long, RowView, long)} in the same chunk.
     */
    long prefetched(final int index)
    {
        return prefetchRecords[index];
    }

    /**
     * Adds a row with a weight to the group of {@code key[keyOffset, keyOffset + keyLength)}; {@code hint} is
     * 0 or {@link #prefetched} of this row's hash in the current chunk (groups are removed only by
     * {@link #emit}, so it is still a live record; it is used only if its key is equal).
     */
    void accumulate(
        final DirectBuffer key, final int keyOffset, final int keyLength, final long hash, final long hint,
        final RowView row, final long weight)
    {
        final long record = groups.findOrInsert(key, keyOffset, keyLength, hash, hint);
        if (null != windows && groups.wasInserted())
        {
            indexWindow(key, keyOffset, record, 1);
        }
        final long value = OffHeapHashMap.valueAddress(record);
        if (arena.getLong(value + EPOCH) != epoch)
        {
            touched.add(record, hash, arena, value);
            arena.putLong(value + EPOCH, epoch);
        }
        arena.addLong(value + COUNT, weight);
        for (int a = 0; a < kinds.length; a++)
        {
            final int column = inColumns[a];
            if (column < 0 || row.isNull(column))
            {
                continue;
            }
            final long address = value + offsets[a];
            arena.addLong(address + NON_NULL, weight);
            switch (kinds[a])
            {
                case SUM:
                case AVG:
                    if (doubles[a])
                    {
                        final double sum = Double.longBitsToDouble(arena.getLong(address + ACC)) +
                            weight * row.getDouble(column);
                        arena.putLong(address + ACC, Double.doubleToRawLongBits(sum));
                    }
                    else
                    {
                        arena.addLong(address + ACC, weight * row.getLong(column));
                    }
                    break;
                default:
                    extreme(a, address, key, keyOffset, keyLength, hash, row.rawSlot(column), weight);
            }
        }
    }

    private void extreme(
        final int a, final long address, final DirectBuffer key, final int keyOffset, final int keyLength,
        final long hash, final long candidate, final long weight)
    {
        final IndexedZSet multiset = multisets[a];
        if (null == multiset)
        {
            if (arena.getLong(address + HAS) == 0 || better(a, candidate, arena.getLong(address + ACC)))
            {
                arena.putLong(address + ACC, candidate);
                arena.putLong(address + HAS, 1);
            }
            return;
        }
        slot.putLong(0, candidate, LE);
        final long newWeight = multiset.add(key, keyOffset, keyLength, hash, slot, 0, 8, weight);
        if (newWeight > 0)
        {
            if (arena.getLong(address + HAS) == 0 || better(a, candidate, arena.getLong(address + ACC)))
            {
                arena.putLong(address + ACC, candidate);
                arena.putLong(address + HAS, 1);
            }
        }
        else if (newWeight - weight > 0 && arena.getLong(address + HAS) != 0 &&
            arena.getLong(address + ACC) == candidate)
        {
            // the current extreme left the group: only now is the multiset needed
            rescan(a, address, key, keyOffset, keyLength, hash);
        }
    }

    private void rescan(
        final int a, final long address, final DirectBuffer key, final int keyOffset, final int keyLength,
        final long hash)
    {
        final IndexedZSet multiset = multisets[a];
        final long group = multiset.findGroup(key, keyOffset, keyLength, hash);
        boolean found = false;
        long best = 0;
        if (group != 0)
        {
            for (long entry = multiset.firstEntry(group); entry != 0; entry = multiset.nextEntry(entry))
            {
                if (multiset.entryWeight(entry) > 0)
                {
                    final long candidate = arena.getLong(multiset.entryValueAddress(entry));
                    if (!found || better(a, candidate, best))
                    {
                        best = candidate;
                        found = true;
                    }
                }
            }
        }
        arena.putLong(address + ACC, best);
        arena.putLong(address + HAS, found ? 1 : 0);
    }

    private boolean better(final int a, final long candidate, final long current)
    {
        final int comparison = doubles[a] ?
            Double.compare(Double.longBitsToDouble(candidate), Double.longBitsToDouble(current)) :
            Long.compare(candidate, current);
        return kinds[a] == Agg.Kind.MIN ? comparison < 0 : comparison > 0;
    }

    /**
     * Emits -old/+new for every group touched in this step and frees the groups left empty. The rows are
     * written in place into {@code output}; when a group's old and new row are equal both are dropped again.
     */
    void emit(final ZSetBatch output)
    {
        final DirectBuffer oldValues = touched.oldValues();
        final AggregateRows rows = this.rows;
        final PagedArena arena = this.arena;
        for (int i = 0, size = touched.size(); i < size; i++)
        {
            final long record = touched.record(i);
            final int oldOffset = touched.oldValueOffset(i);
            final long value = OffHeapHashMap.valueAddress(record);
            final long oldCount = oldValues.getLong(oldOffset + COUNT, LE);
            final long newCount = arena.getLong(value + COUNT);
            final long keyAddress = groups.keyAddress(record);
            final int keyLength = groups.keyLength(record);
            final int entries = output.size();
            final int bytes = output.byteLength();
            final int oldAt = oldCount > 0 ?
                rows.append(output, -1, arena, keyAddress, keyLength, oldValues, oldOffset) : -1;
            if (newCount > 0)
            {
                final int newAt = rows.append(
                    output, 1, arena, keyAddress, keyLength, arena.pageOf(value), PagedArena.offset(value));
                if (oldAt >= 0 && rows.sameAggregates(output.rowBuffer(), oldAt, newAt))
                {
                    output.rewind(entries, bytes);
                }
            }
            else if (newCount == 0)
            {
                final DirectBuffer keyPage = arena.pageOf(keyAddress);
                final int keyOffset = PagedArena.offset(keyAddress);
                if (null != windows)
                {
                    indexWindow(keyPage, keyOffset, record, -1);
                }
                removeGroup(record, touched.hash(i), keyPage, keyOffset, keyLength);
            }
        }
        touched.clear();
    }

    private void removeGroup(
        final long record, final long hash, final DirectBuffer key, final int keyOffset, final int keyLength)
    {
        for (final IndexedZSet multiset : multisets)
        {
            if (null != multiset)
            {
                final long group = multiset.findGroup(key, keyOffset, keyLength, hash);
                if (group != 0)
                {
                    multiset.removeGroup(group, hash);
                }
            }
        }
        groups.remove(record, hash);
    }

    // ------------------------------------------------------------------------------------------- windows

    private void indexWindow(final DirectBuffer key, final int keyOffset, final long record, final long weight)
    {
        final long start = key.getLong(keyOffset + Schema.slotOffset(keyColumns - 1), LE);
        startKey.putLong(0, start, LE);
        recordBytes.putLong(0, record, LE);
        windows.add(startKey, 0, 8, Hashing.hash(startKey, 0, 8), recordBytes, 0, 8, weight);
    }

    /** Number of distinct open window starts holding state. */
    int openWindowCount()
    {
        return null == windows ? 0 : windows.groupCount();
    }

    /**
     * Frees the state of every window whose end is at or below the watermark. Windows start at multiples
     * of the hop, so the starts to close are stepped through from the last close when there are fewer of
     * them than slots in the window index; after a long gap in event time the index is scanned instead.
     */
    void closeWindows(final long watermark)
    {
        final long lastClosedStart = watermark - windowSize;
        if (lastClosedStart > watermark)
        {
            return; // underflow: no watermark yet
        }
        if (closedAny && lastClosedStart < nextCloseStart)
        {
            return;
        }
        if (windows.groupCount() > 0)
        {
            final long steps = closedAny ? (lastClosedStart - nextCloseStart) / hop + 1 : Long.MAX_VALUE;
            if (steps > 0 && steps <= windows.groupSlots())
            {
                for (long start = nextCloseStart; start <= lastClosedStart; start += hop)
                {
                    closeWindow(start);
                }
            }
            else
            {
                // collect first: removing while walking an open-addressing table would move entries
                int count = 0;
                for (long slot = 0, slots = windows.groupSlots(); slot < slots; slot++)
                {
                    final long group = windows.groupAt(slot);
                    if (group != 0)
                    {
                        final long start = arena.getLong(windows.groupKeyAddress(group));
                        if (start <= lastClosedStart)
                        {
                            closing.putLong(count * 8, start, LE);
                            count++;
                        }
                    }
                }
                for (int i = 0; i < count; i++)
                {
                    closeWindow(closing.getLong(i * 8, LE));
                }
            }
        }
        nextCloseStart = Math.floorDiv(lastClosedStart, hop) * hop + hop;
        closedAny = true;
    }

    private void closeWindow(final long start)
    {
        startKey.putLong(0, start, LE);
        final long startHash = Hashing.hash(startKey, 0, 8);
        final long window = windows.findGroup(startKey, 0, 8, startHash);
        if (window == 0)
        {
            return;
        }
        for (long entry = windows.firstEntry(window); entry != 0; entry = windows.nextEntry(entry))
        {
            final long record = arena.getLong(windows.entryValueAddress(entry));
            final long keyAddress = groups.keyAddress(record);
            final DirectBuffer keyPage = arena.pageOf(keyAddress);
            final int keyOffset = PagedArena.offset(keyAddress);
            final int keyLength = groups.keyLength(record);
            removeGroup(record, Hashing.hash(keyPage, keyOffset, keyLength), keyPage, keyOffset, keyLength);
        }
        windows.removeGroup(window, startHash);
    }

    public void saveMeta(final MetaBuffer meta)
    {
        meta.putLong(epoch);
        groups.saveMeta(meta);
        for (final IndexedZSet multiset : multisets)
        {
            if (null != multiset)
            {
                multiset.saveMeta(meta);
            }
        }
        if (null != windows)
        {
            windows.saveMeta(meta);
            meta.putLong(nextCloseStart).putInt(closedAny ? 1 : 0);
        }
    }

    public void loadMeta(final MetaBuffer meta)
    {
        epoch = meta.getLong();
        groups.loadMeta(meta);
        for (final IndexedZSet multiset : multisets)
        {
            if (null != multiset)
            {
                multiset.loadMeta(meta);
            }
        }
        if (null != windows)
        {
            windows.loadMeta(meta);
            nextCloseStart = meta.getLong();
            closedAny = meta.getInt() != 0;
        }
    }
}
