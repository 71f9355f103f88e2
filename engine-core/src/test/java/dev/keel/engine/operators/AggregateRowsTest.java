package dev.keel.engine.operators;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.state.PagedArena;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.keel.engine.operators.ZSets.row;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The rows {@link AggregateState#emit} writes in place ({@link AggregateRows}) are byte for byte the rows a
 * {@link RowWriter} makes of the same values (the canonical encoding that hashing, equality and joins rely
 * on), with several variable-length and null key columns, windows, doubles with -0.0 and null aggregates; and
 * a group whose row did not change emits nothing.
 */
class AggregateRowsTest
{
    private static final Schema IN = Schema.of(
        Column.nullable("k1", ColumnType.STRING),
        Column.nullable("k3", ColumnType.STRING),
        Column.of("k2", ColumnType.INT64),
        Column.nullable("v", ColumnType.INT64),
        Column.of("d", ColumnType.FLOAT64),
        Column.decimal("e", 2));

    private static final Agg[] AGGS = {
        Agg.count("c"), Agg.sum("v", "sv"), Agg.avg("v", "av"), Agg.min("d", "mnd"), Agg.max("v", "mxv"),
        Agg.avg("e", "ae"), Agg.sum("d", "sd"), Agg.sum("e", "se") };

    private static final String[] STRINGS = { null, "", "a", "bb", "a longer key string" };

    private static List<Object> randomRow(final Random random)
    {
        final double d = random.nextInt(8) == 0 ? -0.0 : (random.nextInt(21) - 10) / 2.0;
        return row(
            STRINGS[random.nextInt(STRINGS.length)], STRINGS[random.nextInt(STRINGS.length)],
            (long)random.nextInt(3) * 10, random.nextInt(4) == 0 ? null : (long)(random.nextInt(41) - 20), d,
            (long)(random.nextInt(2001) - 1000));
    }

    @Test
    void groupedRowsAreCanonical()
    {
        run(new String[]{ "k1", "k3", "k2" }, false, 11);
    }

    @Test
    void windowedRowsAreCanonical()
    {
        run(new String[]{ "k1", "k3", "k2" }, true, 12);
    }

    @Test
    void globalRowsAreCanonical()
    {
        run(new String[0], false, 13);
    }

    @Test
    void anUnchangedGroupEmitsNothing()
    {
        try (PagedArena arena = new PagedArena())
        {
            final Driver driver = new Driver(arena, new String[]{ "k1", "k3", "k2" }, false);
            final List<Object> first = row("x", null, 1L, 5L, 1.5, 100L);
            final List<Object> second = row("x", null, 1L, 7L, 2.5, 300L);
            assertEquals(1, driver.step(List.of(first), List.of(1L)).size());
            final ZSetBatch unchanged = driver.step(List.of(second, second), List.of(1L, -1L));
            assertTrue(unchanged.isEmpty(), unchanged.toString());
            final ZSetBatch changed = driver.step(List.of(second), List.of(1L));
            assertEquals(2, changed.size(), changed.toString());
            driver.assertCanonical(changed);
        }
    }

    private static void run(final String[] groupBy, final boolean windowed, final long seed)
    {
        final Random random = new Random(seed);
        try (PagedArena arena = new PagedArena())
        {
            final Driver driver = new Driver(arena, groupBy, windowed);
            final Map<List<Object>, Long> live = new HashMap<>();
            for (int step = 0; step < 60; step++)
            {
                final List<List<Object>> rows = new ArrayList<>();
                final List<Long> weights = new ArrayList<>();
                for (int i = random.nextInt(30); i > 0; i--)
                {
                    final List<Object> r = randomRow(random);
                    rows.add(r);
                    weights.add(1L);
                    ZSets.add(live, r, 1);
                }
                final List<List<Object>> present = new ArrayList<>(live.keySet());
                for (int i = random.nextInt(20); i > 0 && !present.isEmpty(); i--)
                {
                    final List<Object> r = present.remove(random.nextInt(present.size()));
                    rows.add(r);
                    weights.add(-1L);
                    ZSets.add(live, r, -1);
                }
                final ZSetBatch delta = driver.step(rows, weights);
                driver.assertCanonical(delta);
                assertEquals(delta.size(), ZSets.consolidate(delta).size(),
                    "no group emits an old row equal to its new one: " + delta);
            }
        }
    }

    /** Runs {@link AggregateState} directly: one step per call, the delta in a batch. */
    private static final class Driver
    {
        private final KeyProjector key;
        private final AggregateState state;
        private final Schema output;
        private final RowWriter writer = new RowWriter(IN);
        private final ZSetBatch input = new ZSetBatch(IN);
        private final ZSetBatch.Cursor cursor = input.cursor();
        private final ZSetBatch delta;

        Driver(final PagedArena arena, final String[] groupBy, final boolean windowed)
        {
            this.key = KeyProjector.of(IN, groupBy);
            final Schema keySchema = groupBy.length == 0 ? null : key.keySchema();
            this.output = AggregateState.outputSchema(IN, keySchema, windowed, AGGS);
            this.state = new AggregateState(
                arena, IN, keySchema, output, AGGS, false, windowed ? 10 : 0, windowed ? 10 : 0);
            this.delta = new ZSetBatch(output, 64);
        }

        ZSetBatch step(final List<List<Object>> rows, final List<Long> weights)
        {
            input.clear();
            for (int i = 0; i < rows.size(); i++)
            {
                ZSets.write(writer, rows.get(i));
                input.add(writer, weights.get(i));
            }
            state.beginStep();
            cursor.reset();
            while (cursor.next())
            {
                key.project(cursor.row());
                state.accumulate(key.buffer(), key.length(), key.hash(), cursor.row(), cursor.weight());
            }
            delta.clear();
            state.emit(delta);
            return delta;
        }

        void assertCanonical(final ZSetBatch batch)
        {
            final ZSetBatch.Cursor rows = batch.cursor();
            while (rows.next())
            {
                final List<Object> values = ZSets.decode(rows.row());
                final byte[] actual = new byte[rows.row().length()];
                rows.row().buffer().getBytes(rows.row().offset(), actual);
                assertArrayEquals(ZSets.bytes(output, values), actual, "row " + values);
                assertNotEquals(0, rows.weight());
            }
        }
    }
}
