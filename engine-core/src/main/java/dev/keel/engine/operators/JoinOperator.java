package dev.keel.engine.operators;

import dev.keel.engine.KeelException;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.state.IndexedZSet;
import dev.keel.engine.state.MetaBuffer;
import dev.keel.engine.state.PagedArena;

/**
 * Incremental equi-join. Each side is indexed in an {@link IndexedZSet} (join key to the side's rows with
 * their weights), and the step computes the bilinear delta
 * {@code Δ(L⋈R) = ΔL⋈R + L⋈ΔR + ΔL⋈ΔR = ΔL⋈(R + ΔR) + L⋈ΔR}: first ΔR is joined with the old left index and
 * applied to the right index, then ΔL is joined with the new right index and applied to the left index.
 * Keys containing a NULL never match (SQL); such rows are not indexed.
 * <p>
 * {@link JoinType#LEFT}: the right index keeps, per key, the total weight of its rows (aux area). A left
 * row whose key has no right rows yields {@code f(left, null)}; when a key's right weight goes from zero to
 * positive, the null-extended rows of the key's (old) left rows are retracted, and re-emitted when it goes
 * back to zero.
 * <p>
 * <b>Windowed join.</b> Given an event-time column on each side that is part of the join key at the same
 * position (typically {@code window_end} appended by {@link WindowOperator}), the join frees the state of
 * times that can no longer receive rows: the watermark is the largest time seen on either side in the
 * previous steps minus {@code lateness}, and a time strictly below it is closed. A row with a closed time is
 * dropped and counted in {@link #lateRecords()}; after each step the index groups (of both sides) with a
 * time below the new watermark are freed. Output already emitted for them stays, as for a closed window.
 * With {@code window_end} as the time and lateness 0, a tumbling window closes when a row of a later
 * window arrives, the moment {@link WindowAggregateOperator} closes it; for hopping windows use a lateness
 * of at least size - hop, since one row's windows end at different times.
 */
public final class JoinOperator extends Operator
{
    private static final int RIGHT_WEIGHT = 0;

    private final Operator left;
    private final Operator right;
    private final ZSetBatch.Cursor leftCursor;
    private final ZSetBatch.Cursor rightCursor;
    private final String[] leftKeys;
    private final String[] rightKeys;
    private final KeyProjector leftKey;
    private final KeyProjector rightKey;
    private final int[] leftKeyColumns;
    private final int[] rightKeyColumns;
    private final JoinType type;
    private final JoinCombiner combiner;
    private final String version;
    private final PagedArena arena;
    private final IndexedZSet leftIndex;
    private final IndexedZSet rightIndex;
    private final RowView leftStored;
    private final RowView rightStored;
    private final RowWriter writer;
    private final String leftTimeName;
    private final String rightTimeName;
    private final int leftTime;
    private final int rightTime;
    private final long lateness;
    private final TimeIndex leftTimes;
    private final TimeIndex rightTimes;
    private long maxTime = Long.MIN_VALUE;
    private long lateRecords;

    public JoinOperator(
        final String name,
        final Operator left,
        final Operator right,
        final String[] leftKeys,
        final String[] rightKeys,
        final JoinType type,
        final Schema out,
        final JoinCombiner combiner,
        final String version,
        final PagedArena arena)
    {
        this(name, left, right, leftKeys, rightKeys, null, null, 0, type, out, combiner, version, arena);
    }

    /**
     * A windowed join when {@code leftTime} and {@code rightTime} are given (both or neither): see the class
     * documentation.
     */
    public JoinOperator(
        final String name,
        final Operator left,
        final Operator right,
        final String[] leftKeys,
        final String[] rightKeys,
        final String leftTime,
        final String rightTime,
        final long lateness,
        final JoinType type,
        final Schema out,
        final JoinCombiner combiner,
        final String version,
        final PagedArena arena)
    {
        super(name, out);
        checkKeys(name, left.outputSchema(), right.outputSchema(), leftKeys, rightKeys);
        checkTimes(name, left.outputSchema(), leftKeys, leftTime, rightKeys, rightTime, lateness);
        this.left = left;
        this.right = right;
        this.leftCursor = left.output().cursor();
        this.rightCursor = right.output().cursor();
        this.leftKeys = leftKeys.clone();
        this.rightKeys = rightKeys.clone();
        this.leftKey = KeyProjector.of(left.outputSchema(), leftKeys);
        this.rightKey = KeyProjector.of(right.outputSchema(), rightKeys);
        this.leftKeyColumns = leftKey.columns();
        this.rightKeyColumns = rightKey.columns();
        this.type = type;
        this.combiner = combiner;
        this.version = version;
        this.arena = arena;
        this.leftIndex = new IndexedZSet(arena, 0, 1024, 4096);
        this.rightIndex = new IndexedZSet(arena, 8, 1024, 4096);
        this.leftStored = new RowView(left.outputSchema());
        this.rightStored = new RowView(right.outputSchema());
        this.writer = new RowWriter(out);
        this.leftTimeName = leftTime;
        this.rightTimeName = rightTime;
        this.lateness = lateness;
        this.leftTime = null == leftTime ? -1 : left.outputSchema().require(leftTime);
        this.rightTime = null == rightTime ? -1 : right.outputSchema().require(rightTime);
        this.leftTimes = null == leftTime ? null : new TimeIndex(arena, leftIndex);
        this.rightTimes = null == rightTime ? null : new TimeIndex(arena, rightIndex);
    }

    private static void checkTimes(
        final String name,
        final Schema left,
        final String[] leftKeys,
        final String leftTime,
        final String[] rightKeys,
        final String rightTime,
        final long lateness)
    {
        if (null == leftTime && null == rightTime)
        {
            return;
        }
        boolean keyed = false;
        for (int i = 0; i < leftKeys.length; i++)
        {
            keyed |= leftKeys[i].equals(leftTime) && rightKeys[i].equals(rightTime);
        }
        if (!keyed || lateness < 0)
        {
            throw new KeelException(KeelException.Category.PROGRAM, "PROGRAM_JOIN_TIME",
                "join '" + name + "': time columns '" + leftTime + "' and '" + rightTime +
                "' must be a pair of join keys (same position) and lateness=" + lateness + " must be >= 0");
        }
        Windows.timeColumn("join '" + name + "'", left, leftTime);
    }

    private static void checkKeys(
        final String name, final Schema left, final Schema right, final String[] leftKeys, final String[] rightKeys)
    {
        if (leftKeys.length == 0 || leftKeys.length != rightKeys.length)
        {
            throw new KeelException(KeelException.Category.PROGRAM, "PROGRAM_JOIN_KEYS",
                "join '" + name + "': needs as many left keys as right keys, at least one, got " +
                leftKeys.length + " and " + rightKeys.length);
        }
        for (int i = 0; i < leftKeys.length; i++)
        {
            final Column l = left.column(left.require(leftKeys[i]));
            final Column r = right.column(right.require(rightKeys[i]));
            if (l.type() != r.type() || l.scale() != r.scale())
            {
                throw new KeelException(KeelException.Category.PROGRAM, "PROGRAM_JOIN_KEYS",
                    "join '" + name + "': key " + l + " and " + r + " have different types");
            }
        }
    }

    public String kind()
    {
        return "join";
    }

    /** An inner join of inserts only produces inserts only; a left join retracts null-extended rows. */
    public boolean appendOnly()
    {
        return type == JoinType.INNER && left.appendOnly() && right.appendOnly();
    }

    protected long fingerprintParameters(final long h)
    {
        long result = Params.mix(Params.mix(h, left.name()), right.name());
        result = Params.mix(Params.mix(result, leftKeys), rightKeys);
        result = Params.mix(Params.mix(Params.mix(result, leftTimeName), rightTimeName), lateness);
        return Params.mix(Params.mix(result, type.ordinal()), version);
    }

    /** Rows (by |weight|) dropped because their time was below the watermark (windowed join). */
    public long lateRecords()
    {
        return lateRecords;
    }

    /** Join keys held in the two indexes; a windowed join frees those of closed times. */
    public int indexedKeys()
    {
        return leftIndex.groupCount() + rightIndex.groupCount();
    }

    public void step()
    {
        final long watermark = maxTime == Long.MIN_VALUE ? Long.MIN_VALUE : maxTime - lateness;
        final long rightMax = applyRightDelta(watermark, maxTime);
        maxTime = applyLeftDelta(watermark, rightMax);
        if (null != leftTimes && maxTime != Long.MIN_VALUE)
        {
            // close() frees times at or below its argument; times strictly below the watermark are closed
            final long lastClosed = maxTime - lateness - 1;
            leftTimes.close(lastClosed);
            rightTimes.close(lastClosed);
        }
    }

    /** ΔR joined with the old left index, then applied to the right index; returns the largest time seen. */
    private long applyRightDelta(final long watermark, final long maxSeen)
    {
        final boolean outer = type == JoinType.LEFT;
        long stepMax = maxSeen;
        final ZSetBatch.Cursor rightCursor = this.rightCursor.reset();
        while (rightCursor.next())
        {
            final RowView row = rightCursor.row();
            final long weight = rightCursor.weight();
            if (rightTime >= 0 && !row.isNull(rightTime))
            {
                final long time = row.getLong(rightTime);
                stepMax = Math.max(stepMax, time);
                if (time < watermark)
                {
                    lateRecords += Math.abs(weight);
                    continue;
                }
            }
            if (weight == 0 || hasNullKey(row, rightKeyColumns))
            {
                continue;
            }
            rightKey.project(row);
            final long leftGroup = leftIndex.findGroup(rightKey.buffer(), 0, rightKey.length(), rightKey.hash());
            if (leftGroup != 0)
            {
                for (long entry = leftIndex.firstEntry(leftGroup); entry != 0; entry = leftIndex.nextEntry(entry))
                {
                    emit(stored(leftStored, leftIndex, entry), row, leftIndex.entryWeight(entry) * weight);
                }
            }
            final long rightGroup = rightIndex.findOrInsertGroup(
                rightKey.buffer(), 0, rightKey.length(), rightKey.hash());
            if (null != rightTimes && rightIndex.wasGroupInserted())
            {
                rightTimes.added(row.getLong(rightTime), rightKey.buffer(), 0, rightKey.length());
            }
            final long aux = IndexedZSet.auxAddress(rightGroup);
            final long before = arena.getLong(aux + RIGHT_WEIGHT);
            final long after = before + weight;
            // written before the add: if the add empties the group, the group and its total go together
            arena.putLong(aux + RIGHT_WEIGHT, after);
            rightIndex.addToGroup(rightGroup, rightKey.hash(), row.buffer(), row.offset(), row.length(), weight);
            if (outer && leftGroup != 0 && (before > 0) != (after > 0))
            {
                final long sign = after > 0 ? -1 : 1;
                for (long entry = leftIndex.firstEntry(leftGroup); entry != 0; entry = leftIndex.nextEntry(entry))
                {
                    emit(stored(leftStored, leftIndex, entry), null, leftIndex.entryWeight(entry) * sign);
                }
            }
        }
        return stepMax;
    }

    /** ΔL joined with the new right index, then applied to the left index; returns the largest time seen. */
    private long applyLeftDelta(final long watermark, final long maxSeen)
    {
        final boolean outer = type == JoinType.LEFT;
        long stepMax = maxSeen;
        final ZSetBatch.Cursor leftCursor = this.leftCursor.reset();
        while (leftCursor.next())
        {
            final RowView row = leftCursor.row();
            final long weight = leftCursor.weight();
            if (leftTime >= 0 && !row.isNull(leftTime))
            {
                final long time = row.getLong(leftTime);
                stepMax = Math.max(stepMax, time);
                if (time < watermark)
                {
                    lateRecords += Math.abs(weight);
                    continue;
                }
            }
            if (weight == 0)
            {
                continue;
            }
            if (hasNullKey(row, leftKeyColumns))
            {
                if (outer)
                {
                    emit(row, null, weight);
                }
                continue;
            }
            leftKey.project(row);
            final long rightGroup = rightIndex.findGroup(leftKey.buffer(), 0, leftKey.length(), leftKey.hash());
            if (rightGroup != 0)
            {
                for (long entry = rightIndex.firstEntry(rightGroup); entry != 0; entry = rightIndex.nextEntry(entry))
                {
                    emit(row, stored(rightStored, rightIndex, entry), weight * rightIndex.entryWeight(entry));
                }
            }
            if (outer && (rightGroup == 0 || arena.getLong(IndexedZSet.auxAddress(rightGroup) + RIGHT_WEIGHT) <= 0))
            {
                emit(row, null, weight);
            }
            leftIndex.add(leftKey.buffer(), 0, leftKey.length(), leftKey.hash(),
                row.buffer(), row.offset(), row.length(), weight);
            if (null != leftTimes && leftIndex.wasGroupInserted())
            {
                leftTimes.added(row.getLong(leftTime), leftKey.buffer(), 0, leftKey.length());
            }
        }
        return stepMax;
    }

    private RowView stored(final RowView view, final IndexedZSet index, final long entry)
    {
        final long address = index.entryValueAddress(entry);
        return view.wrap(arena.pageOf(address), PagedArena.offset(address), index.entryValueLength(entry));
    }

    private void emit(final RowView leftRow, final RowView rightRow, final long weight)
    {
        writer.reset();
        combiner.combine(leftRow, rightRow, writer);
        writer.finish();
        output().add(writer, weight);
    }

    private static boolean hasNullKey(final RowView row, final int[] columns)
    {
        for (final int column : columns)
        {
            if (row.isNull(column))
            {
                return true;
            }
        }
        return false;
    }

    public void saveMeta(final MetaBuffer meta)
    {
        leftIndex.saveMeta(meta);
        rightIndex.saveMeta(meta);
        if (null != leftTimes)
        {
            meta.putLong(maxTime).putLong(lateRecords);
            leftTimes.saveMeta(meta);
            rightTimes.saveMeta(meta);
        }
    }

    public void loadMeta(final MetaBuffer meta)
    {
        leftIndex.loadMeta(meta);
        rightIndex.loadMeta(meta);
        if (null != leftTimes)
        {
            maxTime = meta.getLong();
            lateRecords = meta.getLong();
            leftTimes.loadMeta(meta);
            rightTimes.loadMeta(meta);
        }
    }

    public boolean shardable()
    {
        return true;
    }

    /** Sharded by its key: each worker holds the state of its keys. */
    public int[] shardColumns(final int input)
    {
        return input == 0 ? leftKeyColumns.clone() : rightKeyColumns.clone();
    }

    public long eventTime()
    {
        return null == leftTimes ? Long.MIN_VALUE : maxTime;
    }

    public void raiseEventTime(final long time)
    {
        if (null != leftTimes)
        {
            maxTime = Math.max(maxTime, time);
        }
    }
}
