package dev.keel.engine.operators;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.examples.TradesVwap;
import dev.keel.engine.program.Program;
import dev.keel.engine.program.ProgramBuilder;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.program.Stream;

/**
 * A program using every stateful operator (and the TradesVwap example), with an allocation-free
 * workload generator: step s inserts rows derived from s and retracts those of step s - 5, so state
 * stays bounded while event time advances and windows close.
 */
final class EverythingProgram implements ProgramDefinition
{
    static final Schema EVENTS = Schema.of(
        Column.of("g", ColumnType.INT64),
        Column.nullable("k", ColumnType.INT64),
        Column.of("t", ColumnType.INT64),
        Column.nullable("v", ColumnType.INT64));
    static final Schema DIMS = Schema.of(Column.nullable("k", ColumnType.INT64), Column.of("label", ColumnType.STRING));
    static final Schema JOINED = Schema.of(
        Column.of("g", ColumnType.INT64), Column.nullable("k", ColumnType.INT64), Column.nullable("label", ColumnType.STRING));
    static final Schema GK = Schema.of(Column.of("g", ColumnType.INT64), Column.nullable("k", ColumnType.INT64));
    static final Schema PAIRS = Schema.of(
        Column.of("g", ColumnType.INT64), Column.of("window_end", ColumnType.INT64),
        Column.nullable("lv", ColumnType.INT64), Column.nullable("rv", ColumnType.INT64));
    static final String[] VIEWS = { "vwap", "agg", "distinct", "joined", "win", "top", "pairs" };

    private static final String[] SYMBOLS = new String[64];
    private static final String[] LABELS = { "red", "green", "blue", "a-much-longer-label-than-the-others" };
    private static final int EVENTS_PER_STEP = 50;
    private static final int TRADES_PER_STEP = 200;

    static
    {
        for (int i = 0; i < SYMBOLS.length; i++)
        {
            SYMBOLS[i] = "SYM" + i;
        }
    }

    public void define(final ProgramBuilder program)
    {
        new TradesVwap().define(program);
        final Stream events = program.zsetTable("events", EVENTS);
        final Stream dims = program.zsetTable("dims", DIMS);
        program.view("agg", events.aggregate("agg", new String[]{ "g" },
            Agg.count("n"), Agg.sum("v", "sv"), Agg.min("v", "lo"), Agg.max("v", "hi"), Agg.avg("v", "av")));
        program.view("distinct", events.map("gk", GK, (in, out) -> out.copyColumn(0, in, 0).copyColumn(1, in, 1))
            .distinct("distinct"));
        program.view("joined", events.join("joined", dims, new String[]{ "k" }, new String[]{ "k" }, JoinType.LEFT,
            JOINED, (l, r, out) ->
            {
                out.copyColumn(0, l, 0).copyColumn(1, l, 1);
                if (null == r)
                {
                    out.putNull(2);
                }
                else
                {
                    out.copyColumn(2, r, 1);
                }
            }));
        program.view("win", events.windowAggregate("win", "t", 20, 5, 10, new String[]{ "g" },
            Agg.count("n"), Agg.max("v", "hi")));
        program.view("top", events.topN("top", new String[]{ "g" }, "v", true, 2));
        final Stream windowed = events.window("windowed", "t", 20, 20);
        final String[] keys = { "g", "window_end" };
        program.view("pairs", windowed.windowedJoin("pairs", windowed, keys, keys, "window_end", "window_end", 10,
            JoinType.INNER, PAIRS, (l, r, out) -> out.copyColumn(0, l, 0).copyColumn(1, l, 5)
                .copyColumn(2, l, 3).copyColumn(3, r, 3), "1"));
    }

    /** Writes step {@code step}'s input into the program's tables without allocating. */
    static void feed(final Program program, final long step, final RowWriter trades, final RowWriter events,
        final RowWriter dims)
    {
        for (int i = 0; i < TRADES_PER_STEP; i++)
        {
            trades.reset().putLong(0, step * TRADES_PER_STEP + i).putString(1, SYMBOLS[i % SYMBOLS.length])
                .putLong(2, 100 + (i * 7 + step) % 50).putLong(3, 1 + i % 10).putLong(4, step);
            trades.finish();
            program.table(TradesVwap.TABLE).input().add(trades, 1);
        }
        event(program, events, step, 1);
        if (step >= 5)
        {
            event(program, events, step - 5, -1);
        }
        dims.reset().putLong(0, step % 8).putString(1, LABELS[(int)(step % LABELS.length)]);
        dims.finish();
        program.table("dims").input().add(dims, 1);
        if (step >= 3)
        {
            dims.reset().putLong(0, (step - 3) % 8).putString(1, LABELS[(int)((step - 3) % LABELS.length)]);
            dims.finish();
            program.table("dims").input().add(dims, -1);
        }
    }

    private static void event(final Program program, final RowWriter events, final long step, final long weight)
    {
        for (int i = 0; i < EVENTS_PER_STEP; i++)
        {
            events.reset().putLong(0, i % 16);
            if (i % 13 == 0)
            {
                events.putNull(1);
            }
            else
            {
                events.putLong(1, (i + step) % 8);
            }
            events.putLong(2, step * 10 + i % 10);
            if (i % 11 == 0)
            {
                events.putNull(3);
            }
            else
            {
                events.putLong(3, (i * 31 + step) % 100);
            }
            events.finish();
            program.table("events").input().add(events, weight);
        }
    }
}
