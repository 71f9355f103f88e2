package dev.keel.engine.operators;

import dev.keel.engine.KeelException;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowView;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.program.Program;
import dev.keel.engine.program.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static dev.keel.engine.operators.ZSets.row;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Windowed joins (time column in the join key): rows below the watermark of their step are dropped
 * and counted, the output is the join of the accepted rows, and the index state of closed times is freed.
 */
class WindowedJoinPropertyTest
{
    static final Schema LEFT = Schema.of(
        Column.of("id", ColumnType.INT64), Column.nullable("k", ColumnType.INT64), Column.of("t", ColumnType.INT64));
    static final Schema RIGHT = Schema.of(
        Column.nullable("k", ColumnType.INT64), Column.of("t", ColumnType.INT64), Column.of("rv", ColumnType.INT64));
    static final Schema OUT = Schema.of(
        Column.of("id", ColumnType.INT64), Column.nullable("k", ColumnType.INT64), Column.of("t", ColumnType.INT64),
        Column.nullable("rv", ColumnType.INT64));
    private static final long LATENESS = 10;

    static void combine(final RowView left, final RowView right, final RowWriter out)
    {
        out.copyColumn(0, left, 0).copyColumn(1, left, 1).copyColumn(2, left, 2);
        if (null == right)
        {
            out.putNull(3);
        }
        else
        {
            out.copyColumn(3, right, 2);
        }
    }

    private static void run(final long seed, final JoinType type)
    {
        final Random random = new Random(seed);
        final long[] clock = { 0 };
        try (Harness harness = new Harness(program ->
        {
            final Stream left = program.zsetTable("l", LEFT);
            final Stream right = program.zsetTable("r", RIGHT);
            program.view("j", left.windowedJoin("j", right, new String[]{ "k", "t" }, new String[]{ "k", "t" },
                "t", "t", LATENESS, type, OUT, WindowedJoinPropertyTest::combine, "1"));
        }))
        {
            final RandomChanges left = new RandomChanges(random, true, r -> row((long)r.nextInt(6),
                r.nextInt(6) == 0 ? null : (long)r.nextInt(3), (Math.floorDiv(clock[0], 10) + r.nextInt(5) - 3) * 10));
            final RandomChanges right = new RandomChanges(random, true, r -> row(
                r.nextInt(6) == 0 ? null : (long)r.nextInt(3), (Math.floorDiv(clock[0], 10) + r.nextInt(5) - 3) * 10,
                (long)r.nextInt(4)));
            final JoinOperator operator = (JoinOperator)harness.program().view("j");
            final Map<List<Object>, Long> acceptedLeft = new HashMap<>();
            final Map<List<Object>, Long> acceptedRight = new HashMap<>();
            long maxTime = Long.MIN_VALUE;
            long late = 0;
            for (int step = 0; step < 50; step++)
            {
                final List<Change> l = left.next(random.nextInt(5), random.nextInt(4));
                final List<Change> r = right.next(random.nextInt(4), random.nextInt(3));
                final long watermark = maxTime == Long.MIN_VALUE ? Long.MIN_VALUE : maxTime - LATENESS;
                for (final Change change : l)
                {
                    final long t = (Long)change.row().get(2);
                    maxTime = Math.max(maxTime, t);
                    if (watermark != Long.MIN_VALUE && t < watermark)
                    {
                        late += Math.abs(change.weight());
                    }
                    else
                    {
                        ZSets.add(acceptedLeft, change.row(), change.weight());
                    }
                }
                for (final Change change : r)
                {
                    final long t = (Long)change.row().get(1);
                    maxTime = Math.max(maxTime, t);
                    if (watermark != Long.MIN_VALUE && t < watermark)
                    {
                        late += Math.abs(change.weight());
                    }
                    else
                    {
                        ZSets.add(acceptedRight, change.row(), change.weight());
                    }
                }
                harness.step(Map.of("l", l, "r", r));

                final Map<List<Object>, Long> expected = new HashMap<>();
                acceptedLeft.forEach((lr, wl) ->
                {
                    long rightWeight = 0;
                    for (final Map.Entry<List<Object>, Long> rr : acceptedRight.entrySet())
                    {
                        if (null != lr.get(1) && lr.get(1).equals(rr.getKey().get(0)) &&
                            lr.get(2).equals(rr.getKey().get(1)))
                        {
                            ZSets.add(expected, row(lr.get(0), lr.get(1), lr.get(2), rr.getKey().get(2)),
                                wl * rr.getValue());
                            rightWeight += rr.getValue();
                        }
                    }
                    if (type == JoinType.LEFT && rightWeight == 0)
                    {
                        ZSets.add(expected, row(lr.get(0), lr.get(1), lr.get(2), null), wl);
                    }
                });
                harness.assertView("j", expected);
                assertEquals(late, operator.lateRecords(), "late rows after step " + step);
                final long newWatermark = maxTime - LATENESS;
                final Set<List<Object>> open = new HashSet<>();
                acceptedLeft.keySet().stream().filter(x -> null != x.get(1) && (Long)x.get(2) >= newWatermark)
                    .forEach(x -> open.add(row("l", x.get(1), x.get(2))));
                acceptedRight.keySet().stream().filter(x -> null != x.get(0) && (Long)x.get(1) >= newWatermark)
                    .forEach(x -> open.add(row("r", x.get(0), x.get(1))));
                assertEquals(open.size(), operator.indexedKeys(), "index state of closed times is freed");
                clock[0] += random.nextInt(6);
            }
            assertTrue(late > 0, "the workload must exercise late rows");
        }
    }

    @Property(tries = 20)
    void windowedInnerJoin(@ForAll final long seed)
    {
        run(seed, JoinType.INNER);
    }

    @Property(tries = 20)
    void windowedLeftJoin(@ForAll final long seed)
    {
        run(seed, JoinType.LEFT);
    }

    @Test
    void timeColumnsMustBeJoinKeys()
    {
        final KeelException error = assertThrows(KeelException.class, () -> Program.build(program -> program.view(
            "j", program.zsetTable("l", LEFT).windowedJoin("j", program.zsetTable("r", RIGHT), new String[]{ "k" },
            new String[]{ "k" }, "t", "t", 0, JoinType.INNER, OUT, WindowedJoinPropertyTest::combine, "1"))));
        assertEquals("PROGRAM_JOIN_TIME", error.code());
    }
}
