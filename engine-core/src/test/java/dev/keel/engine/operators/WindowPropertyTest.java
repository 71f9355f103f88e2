package dev.keel.engine.operators;

import dev.keel.engine.KeelException;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.program.Program;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.keel.engine.operators.ZSets.row;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Tumbling and hopping window aggregates with lateness, and the window-assigning flatMap. The reference
 * applies the documented rule: the watermark of a step is the largest event time of the previous steps
 * minus the lateness; a row goes to each of its windows whose end is above that watermark, and is late
 * (counted by |weight|) when none is. Closed windows keep their last value; their state must be gone.
 */
class WindowPropertyTest
{
    static final Schema IN = Schema.of(
        Column.of("g", ColumnType.INT64), Column.of("t", ColumnType.INT64), Column.nullable("v", ColumnType.INT64));

    /** Reference state: accepted rows per (g, window_start), late count, watermark. */
    static final class Reference
    {
        final long size;
        final long hop;
        final long lateness;
        final Map<List<Object>, Map<List<Object>, Long>> windows = new HashMap<>();
        long maxTime = Long.MIN_VALUE;
        long late;

        Reference(final long size, final long hop, final long lateness)
        {
            this.size = size;
            this.hop = hop;
            this.lateness = lateness;
        }

        long watermark()
        {
            return maxTime == Long.MIN_VALUE ? Long.MIN_VALUE : maxTime - lateness;
        }

        void step(final List<Change> changes)
        {
            final long watermark = watermark();
            long stepMax = maxTime;
            for (final Change change : changes)
            {
                final long t = (Long)change.row().get(1);
                stepMax = Math.max(stepMax, t);
                boolean accepted = false;
                for (long s = Math.floorDiv(t, hop) * hop; s > t - size; s -= hop)
                {
                    if (watermark == Long.MIN_VALUE || s + size > watermark)
                    {
                        ZSets.add(windows.computeIfAbsent(row(change.row().get(0), s), k -> new HashMap<>()),
                            change.row(), change.weight());
                        accepted = true;
                    }
                }
                if (!accepted)
                {
                    late += Math.abs(change.weight());
                }
            }
            maxTime = stepMax;
        }

        Map<List<Object>, Long> output()
        {
            final Map<List<Object>, Long> out = new HashMap<>();
            windows.forEach((key, rows) ->
            {
                long count = 0;
                long sum = 0;
                long nonNull = 0;
                Long max = null;
                Long min = null;
                for (final Map.Entry<List<Object>, Long> e : rows.entrySet())
                {
                    assertTrue(e.getValue() > 0);
                    count += e.getValue();
                    final Long v = (Long)e.getKey().get(2);
                    if (null != v)
                    {
                        nonNull += e.getValue();
                        sum += e.getValue() * v;
                        max = null == max ? v : Math.max(max, v);
                        min = null == min ? v : Math.min(min, v);
                    }
                }
                if (count > 0)
                {
                    final long start = (Long)key.get(1);
                    out.put(row(key.get(0), start, start + size, count, nonNull == 0 ? null : sum, max, min), 1L);
                }
            });
            return out;
        }

        long openGroups()
        {
            final long watermark = watermark();
            return windows.entrySet().stream()
                .filter(e -> !e.getValue().isEmpty() && (Long)e.getKey().get(1) + size > watermark)
                .count();
        }
    }

    private static void run(final long seed, final long size, final long hop, final long lateness)
    {
        final Random random = new Random(seed);
        final long[] clock = { random.nextInt(100) - 50 };
        try (Harness harness = new Harness(program -> program.view("w", program.zsetTable("t", IN).windowAggregate(
            "w", "t", size, hop, lateness, new String[]{ "g" },
            Agg.count("c"), Agg.sum("v", "sv"), Agg.max("v", "mx"), Agg.min("v", "mn")))))
        {
            final RandomChanges changes = new RandomChanges(random, true, r -> row((long)r.nextInt(3),
                clock[0] + r.nextInt(31) - 25, r.nextInt(6) == 0 ? null : (long)r.nextInt(20)));
            final Reference reference = new Reference(size, hop, lateness);
            final WindowAggregateOperator operator = (WindowAggregateOperator)harness.program().view("w");
            for (int step = 0; step < 50; step++)
            {
                final List<Change> delta = changes.next(random.nextInt(7), random.nextInt(4));
                reference.step(delta);
                harness.step("t", delta);
                harness.assertView("w", reference.output());
                assertEquals(reference.late, operator.lateRecords(), "late records after step " + step);
                assertEquals(reference.watermark(), operator.watermark());
                assertEquals(reference.openGroups(), operator.groupCount(), "state of closed windows is freed");
                clock[0] += random.nextInt(7);
            }
            assertTrue(reference.late > 0, "the workload must exercise late rows");
        }
    }

    @Property(tries = 20)
    void tumblingWindowsWithLateness(@ForAll final long seed)
    {
        run(seed, 10, 10, 5);
    }

    @Property(tries = 20)
    void hoppingWindowsWithLateness(@ForAll final long seed)
    {
        run(seed, 30, 10, 3);
    }

    @Property(tries = 10)
    void tumblingWindowsWithoutLateness(@ForAll final long seed)
    {
        run(seed, 4, 4, 0);
    }

    @Test
    void rowsForClosedWindowsAreDroppedAndCounted()
    {
        try (Harness harness = new Harness(program -> program.view("w", program.zsetTable("t", IN).windowAggregate(
            "w", "t", 10, 10, 0, new String[]{ "g" }, Agg.count("c")))))
        {
            final WindowAggregateOperator operator = (WindowAggregateOperator)harness.program().view("w");
            harness.step("t", List.of(new Change(row(1L, 5L, null), 1), new Change(row(1L, 15L, null), 1)));
            assertEquals(Map.of(row(1L, 0L, 10L, 1L), 1L, row(1L, 10L, 20L, 1L), 1L), harness.view("w"));
            assertEquals(15, operator.watermark());
            assertEquals(1, operator.groupCount(), "[0, 10) ends at or below the watermark 15: freed");

            harness.step("t", List.of(new Change(row(1L, 3L, null), 1), new Change(row(1L, 5L, null), -1),
                new Change(row(1L, 12L, null), 2)));
            assertEquals(2, operator.lateRecords(), "the insert at 3 and the retraction at 5 are both late");
            assertEquals(Map.of(row(1L, 10L, 20L, 1L), -1L, row(1L, 10L, 20L, 3L), 1L), harness.delta("w"));
            assertEquals(1, operator.groupCount());
        }
    }

    @Test
    void lateRowsAreCountedByWeight()
    {
        try (Harness harness = new Harness(program -> program.view("w", program.zsetTable("t", IN).windowAggregate(
            "w", "t", 10, 10, 0, new String[]{ "g" }, Agg.count("c")))))
        {
            final WindowAggregateOperator operator = (WindowAggregateOperator)harness.program().view("w");
            harness.step("t", List.of(new Change(row(1L, 5L, null), 1), new Change(row(1L, 15L, null), 1)));
            harness.step("t", List.of(new Change(row(1L, 3L, null), 2), new Change(row(1L, 5L, null), -1),
                new Change(row(1L, 12L, null), 2)));
            assertEquals(3, operator.lateRecords());
            assertEquals(Map.of(row(1L, 0L, 10L, 1L), 1L, row(1L, 10L, 20L, 3L), 1L), harness.view("w"),
                "the closed window keeps its final value; the open one took the on-time rows");
        }
    }

    @Test
    void aJumpInEventTimeClosesEveryEarlierWindow()
    {
        try (Harness harness = new Harness(program -> program.view("w", program.zsetTable("t", IN).windowAggregate(
            "w", "t", 30, 10, 0, new String[]{ "g" },
            Agg.count("c"), Agg.sum("v", "sv"), Agg.max("v", "mx"), Agg.min("v", "mn")))))
        {
            final WindowAggregateOperator operator = (WindowAggregateOperator)harness.program().view("w");
            final Reference reference = new Reference(30, 10, 0);
            final List<List<Change>> steps = List.of(
                List.of(new Change(row(1L, 1L, null), 1), new Change(row(2L, 25L, null), 1)),
                List.of(new Change(row(1L, 40L, null), 1)),
                List.of(new Change(row(1L, 1_000_000_000L, null), 1), new Change(row(2L, 41L, null), 1)),
                List.of(new Change(row(2L, 45L, null), 1), new Change(row(1L, 1_000_000_005L, null), 1)));
            for (final List<Change> step : steps)
            {
                reference.step(step);
                harness.step("t", step);
                harness.assertView("w", reference.output());
                assertEquals(reference.openGroups(), operator.groupCount());
            }
            assertEquals(1, operator.lateRecords(), "t=45 arrives after the watermark jumped to 10^9");
            assertEquals(reference.late, operator.lateRecords());
            assertEquals(3, operator.groupCount(), "only the three windows around 10^9 hold state");
        }
    }

    @Property(tries = 15)
    void windowAssignsEveryRowToEachOfItsWindows(@ForAll final long seed)
    {
        final Random random = new Random(seed);
        try (Harness harness = new Harness(program ->
            program.view("wnd", program.zsetTable("t", IN).window("wnd", "t", 9, 3))))
        {
            final RandomChanges changes = new RandomChanges(random, true,
                r -> row((long)r.nextInt(3), (long)(r.nextInt(60) - 30), (long)r.nextInt(5)));
            for (int step = 0; step < 30; step++)
            {
                harness.step("t", changes.next(random.nextInt(6), random.nextInt(4)));
                final Map<List<Object>, Long> expected = new HashMap<>();
                changes.live().forEach((r, w) ->
                {
                    final long t = (Long)r.get(1);
                    for (long s = Math.floorDiv(t, 3) * 3; s > t - 9; s -= 3)
                    {
                        final List<Object> out = new ArrayList<>(r);
                        out.add(s);
                        out.add(s + 9);
                        ZSets.add(expected, out, w);
                    }
                });
                harness.assertView("wnd", expected);
            }
        }
    }

    @Test
    void badWindowParametersAreRejected()
    {
        final KeelException hop = assertThrows(KeelException.class, () -> Program.build(program -> program.view(
            "w", program.zsetTable("t", IN).windowAggregate("w", "t", 10, 3, 0, new String[0], Agg.count("c")))));
        assertEquals("PROGRAM_WINDOW_SIZE", hop.code());
        final KeelException time = assertThrows(KeelException.class, () -> Program.build(program -> program.view(
            "w", program.zsetTable("t", IN).window("w", "v", 10, 10))));
        assertEquals("PROGRAM_WINDOW_TIME", time.code());
    }
}
