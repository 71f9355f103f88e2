package dev.keel.engine.operators;

import dev.keel.engine.KeelException;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.Hashing;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.state.MetaBuffer;
import dev.keel.engine.state.PagedArena;

import java.util.ArrayList;
import java.util.List;

/**
 * Aggregation per group and event-time window (tumbling when hop == size, hopping otherwise). Output:
 * the group columns, {@code window_start}, {@code window_end}, then the aggregates.
 * <p>
 * <b>Watermark and lateness.</b> The watermark is the largest event time of any row received in the
 * steps before the current one, minus {@code lateness}; it is evaluated once per step, at its start. A
 * window [s, e) is closed when {@code e <= watermark}. A row of the step contributes (with its weight,
 * insert or retraction) to each of its windows that is open; it is dropped from the closed ones, and when
 * all of its windows are closed the whole row is late and counted in {@link #lateRecords()} (by |weight|).
 * At the end of each step the state of every closed window is freed; its last emitted row stays emitted.
 */
public final class WindowAggregateOperator extends Operator
{
    private final Operator input;
    private final ZSetBatch.Cursor cursor;
    private final String timeColumnName;
    private final int timeColumn;
    private final long size;
    private final long hop;
    private final long lateness;
    private final String[] groupBy;
    private final int[] groupColumns;
    private final Agg[] aggs;
    private final boolean appendOnly;
    private final RowWriter key;
    private final AggregateState state;
    private long maxEventTime = Long.MIN_VALUE;
    private long lateRecords;

    public WindowAggregateOperator(
        final String name,
        final Operator input,
        final String timeColumn,
        final long size,
        final long hop,
        final long lateness,
        final String[] groupBy,
        final Agg[] aggs,
        final PagedArena arena)
    {
        super(name, outputSchema(name, input.outputSchema(), timeColumn, groupBy, aggs));
        Windows.check("windowAggregate '" + name + "'", size, hop);
        if (lateness < 0)
        {
            throw new KeelException(KeelException.Category.PROGRAM, "PROGRAM_WINDOW_LATENESS",
                "windowAggregate '" + name + "': lateness=" + lateness + " must be >= 0");
        }
        this.input = input;
        this.cursor = input.output().cursor();
        this.timeColumnName = timeColumn;
        this.timeColumn = input.outputSchema().require(timeColumn);
        this.size = size;
        this.hop = hop;
        this.lateness = lateness;
        this.groupBy = groupBy.clone();
        this.groupColumns = new int[groupBy.length];
        for (int i = 0; i < groupBy.length; i++)
        {
            groupColumns[i] = input.outputSchema().require(groupBy[i]);
        }
        this.aggs = aggs.clone();
        this.appendOnly = input.appendOnly();
        final Schema keySchema = keySchema(input.outputSchema(), timeColumn, groupBy);
        this.key = new RowWriter(keySchema);
        this.state = new AggregateState(
            arena, input.outputSchema(), keySchema, outputSchema(), aggs, appendOnly, size, hop);
    }

    private static Schema keySchema(final Schema input, final String timeColumn, final String[] groupBy)
    {
        final List<Column> columns = new ArrayList<>();
        for (final String column : groupBy)
        {
            columns.add(input.column(input.require(column)));
        }
        columns.add(Column.of("window_start", input.column(input.require(timeColumn)).type()));
        return new Schema(columns);
    }

    private static Schema outputSchema(
        final String name, final Schema input, final String timeColumn, final String[] groupBy, final Agg[] aggs)
    {
        Windows.timeColumn("windowAggregate '" + name + "'", input, timeColumn);
        if (aggs.length == 0)
        {
            throw new KeelException(KeelException.Category.PROGRAM, "PROGRAM_NO_AGGREGATE",
                "windowAggregate '" + name + "' needs at least one aggregate function");
        }
        return AggregateState.outputSchema(input, keySchema(input, timeColumn, groupBy), true, aggs);
    }

    public String kind()
    {
        return "windowAggregate";
    }

    protected long fingerprintParameters(final long h)
    {
        long result = Params.mix(Params.mix(h, input.name()), timeColumnName);
        result = Params.mix(Params.mix(Params.mix(result, size), hop), lateness);
        result = Params.mix(result, groupBy);
        for (final Agg agg : aggs)
        {
            result = Params.mix(result, agg.toString());
        }
        return Params.mix(result, appendOnly ? 1 : 0);
    }

    /** Rows (by |weight|) dropped because every window they belong to was closed. */
    public long lateRecords()
    {
        return lateRecords;
    }

    /** Current watermark, {@link Long#MIN_VALUE} before any row. */
    public long watermark()
    {
        return maxEventTime == Long.MIN_VALUE ? Long.MIN_VALUE : maxEventTime - lateness;
    }

    /** Groups (group, window) holding state: only open windows. */
    public int groupCount()
    {
        return state.groupCount();
    }

    public void step()
    {
        final long watermark = watermark();
        long stepMax = maxEventTime;
        state.beginStep();
        final ZSetBatch.Cursor cursor = this.cursor.reset();
        final int windowStartColumn = groupColumns.length;
        while (cursor.next())
        {
            final RowView row = cursor.row();
            final long time = row.getLong(timeColumn);
            stepMax = Math.max(stepMax, time);
            boolean accepted = false;
            for (long start = Windows.lastStart(time, hop); start > time - size; start -= hop)
            {
                if (watermark != Long.MIN_VALUE && start + size <= watermark)
                {
                    break; // earlier windows end earlier: closed as well
                }
                key.reset();
                for (int i = 0; i < groupColumns.length; i++)
                {
                    key.copyColumn(i, row, groupColumns[i]);
                }
                key.putLong(windowStartColumn, start);
                final int length = key.finish();
                state.accumulate(key.buffer(), length, Hashing.hash(key.buffer(), 0, length), row, cursor.weight());
                accepted = true;
            }
            if (!accepted)
            {
                lateRecords += Math.abs(cursor.weight());
            }
        }
        state.emit(output());
        maxEventTime = stepMax;
        if (maxEventTime != Long.MIN_VALUE)
        {
            state.closeWindows(watermark());
        }
    }

    public void saveMeta(final MetaBuffer meta)
    {
        meta.putLong(maxEventTime).putLong(lateRecords);
        state.saveMeta(meta);
    }

    public void loadMeta(final MetaBuffer meta)
    {
        maxEventTime = meta.getLong();
        lateRecords = meta.getLong();
        state.loadMeta(meta);
    }

    public boolean shardable()
    {
        return true;
    }

    /** Sharded by its key: each worker holds the state of its keys. */
    public int[] shardColumns(final int input)
    {
        return groupColumns.clone();
    }

    public long eventTime()
    {
        return maxEventTime;
    }

    public void raiseEventTime(final long time)
    {
        maxEventTime = Math.max(maxEventTime, time);
    }
}
