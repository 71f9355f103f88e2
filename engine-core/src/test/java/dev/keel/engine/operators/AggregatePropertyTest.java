package dev.keel.engine.operators;

import dev.keel.engine.KeelException;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.program.Program;
import dev.keel.engine.program.Stream;
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
 * Grouped and global aggregates with every function, over Z-set input with retractions and over
 * append-only input (running min/max), against a from-scratch recomputation after every step.
 */
class AggregatePropertyTest
{
    static final Schema IN = Schema.of(
        Column.nullable("k1", ColumnType.STRING),
        Column.of("k2", ColumnType.INT64),
        Column.nullable("v", ColumnType.INT64),
        Column.of("d", ColumnType.FLOAT64));

    static final Agg[] AGGS = {
        Agg.count("c"), Agg.sum("v", "sv"), Agg.min("v", "mnv"), Agg.max("v", "mxv"), Agg.avg("v", "av"),
        Agg.sum("d", "sd"), Agg.min("d", "mnd"), Agg.max("d", "mxd"), Agg.avg("d", "ad") };

    private static final String[] K1 = { null, "a", "b", "c" };

    static List<Object> randomRow(final Random random)
    {
        return row(
            K1[random.nextInt(K1.length)],
            (long)random.nextInt(4),
            random.nextInt(5) == 0 ? null : (long)(random.nextInt(41) - 20),
            (random.nextInt(21) - 10) / 2.0); // halves: sums stay exact whatever the order
    }

    /** SQL semantics, recomputed from the integrated input. */
    static Map<List<Object>, Long> reference(final Map<List<Object>, Long> input, final boolean grouped)
    {
        final Map<List<Object>, List<List<Object>>> groups = new HashMap<>();
        final Map<List<Object>, List<Long>> weights = new HashMap<>();
        input.forEach((r, w) ->
        {
            final List<Object> key = grouped ? row(r.get(0), r.get(1)) : row();
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
            weights.computeIfAbsent(key, k -> new ArrayList<>()).add(w);
        });
        final Map<List<Object>, Long> out = new HashMap<>();
        groups.forEach((key, rows) ->
        {
            long count = 0;
            long nonNull = 0;
            long sumV = 0;
            Long minV = null;
            Long maxV = null;
            double sumD = 0;
            Double minD = null;
            Double maxD = null;
            for (int i = 0; i < rows.size(); i++)
            {
                final List<Object> r = rows.get(i);
                final long w = weights.get(key).get(i);
                assertTrue(w > 0, "reference input must be a set with positive weights");
                count += w;
                final Long v = (Long)r.get(2);
                if (null != v)
                {
                    nonNull += w;
                    sumV += w * v;
                    minV = null == minV ? v : Math.min(minV, v);
                    maxV = null == maxV ? v : Math.max(maxV, v);
                }
                final double d = (Double)r.get(3);
                sumD += w * d;
                minD = null == minD ? d : Math.min(minD, d);
                maxD = null == maxD ? d : Math.max(maxD, d);
            }
            final List<Object> result = new ArrayList<>(key);
            result.add(count);
            result.add(nonNull == 0 ? null : sumV);
            result.add(minV);
            result.add(maxV);
            result.add(nonNull == 0 ? null : (double)sumV / nonNull);
            result.add(sumD + 0.0);
            result.add(minD);
            result.add(maxD);
            result.add(sumD / count);
            out.put(result, 1L);
        });
        return out;
    }

    /** Steps of a few hundred rows over a few thousand groups: the operator's prefetch chunks see repeats and misses. */
    static List<Object> wideRow(final Random random)
    {
        return row(
            K1[random.nextInt(K1.length)],
            (long)random.nextInt(1_000),
            random.nextInt(5) == 0 ? null : (long)(random.nextInt(41) - 20),
            (random.nextInt(21) - 10) / 2.0);
    }

    private static void run(final long seed, final boolean grouped, final boolean appendOnly)
    {
        run(seed, grouped, appendOnly, 9, 7, AggregatePropertyTest::randomRow);
    }

    private static void run(
        final long seed, final boolean grouped, final boolean appendOnly, final int maxInserts, final int maxDeletes,
        final java.util.function.Function<Random, List<Object>> rows)
    {
        final Random random = new Random(seed);
        final String[] groupBy = grouped ? new String[]{ "k1", "k2" } : new String[0];
        final boolean[] fastPath = new boolean[1];
        try (Harness harness = new Harness(program ->
        {
            final Stream in = appendOnly ? program.table("t", IN) : program.zsetTable("t", IN);
            fastPath[0] = in.appendOnly();
            program.view("agg", in.aggregate("agg", groupBy, AGGS));
        }))
        {
            assertEquals(appendOnly, fastPath[0]);
            final RandomChanges changes = new RandomChanges(random, !appendOnly, rows);
            for (int step = 0; step < 40; step++)
            {
                harness.step("t", changes.next(random.nextInt(maxInserts), appendOnly ? 0 : random.nextInt(maxDeletes)));
                harness.assertView("agg", reference(changes.live(), grouped));
            }
            final AggregateOperator operator = (AggregateOperator)harness.program().view("agg");
            assertEquals(reference(changes.live(), grouped).size(), operator.groupCount(), "empty groups are freed");
        }
    }

    @Property(tries = 25)
    void groupedAggregateUnderRetractions(@ForAll final long seed)
    {
        run(seed, true, false);
    }

    @Property(tries = 15)
    void globalAggregateUnderRetractions(@ForAll final long seed)
    {
        run(seed, false, false);
    }

    @Property(tries = 15)
    void groupedAggregateOverAppendOnlyInput(@ForAll final long seed)
    {
        run(seed, true, true);
    }

    @Property(tries = 5)
    void groupedAggregateOverLargeStepsUnderRetractions(@ForAll final long seed)
    {
        run(seed, true, false, 400, 300, AggregatePropertyTest::wideRow);
    }

    @Property(tries = 5)
    void groupedAggregateOverLargeAppendOnlySteps(@ForAll final long seed)
    {
        run(seed, true, true, 400, 0, AggregatePropertyTest::wideRow);
    }

    @Property(tries = 5)
    void globalAggregateOverLargeSteps(@ForAll final long seed)
    {
        run(seed, false, false, 400, 300, AggregatePropertyTest::wideRow);
    }

    @Test
    void minAndMaxFollowRetractionOfTheExtreme()
    {
        try (Harness harness = new Harness(program -> program.view("agg",
            program.zsetTable("t", IN).aggregate("agg", new String[]{ "k2" },
                Agg.min("v", "lo"), Agg.max("v", "hi"), Agg.count("n")))))
        {
            harness.step("t", List.of(
                new Change(row("a", 1L, 5L, 0.0), 1), new Change(row("a", 1L, 3L, 0.0), 1),
                new Change(row("a", 1L, 8L, 0.0), 2)));
            assertEquals(Map.of(row(1L, 3L, 8L, 4L), 1L), harness.view("agg"));
            harness.step("t", List.of(new Change(row("a", 1L, 3L, 0.0), -1)));
            assertEquals(Map.of(row(1L, 3L, 8L, 4L), -1L, row(1L, 5L, 8L, 3L), 1L), harness.delta("agg"));
            harness.step("t", List.of(new Change(row("a", 1L, 8L, 0.0), -1)));
            assertEquals(Map.of(row(1L, 5L, 8L, 2L), 1L), harness.view("agg"), "8 still has weight 1");
            harness.step("t", List.of(new Change(row("a", 1L, 8L, 0.0), -1)));
            assertEquals(Map.of(row(1L, 5L, 5L, 1L), 1L), harness.view("agg"));
            harness.step("t", List.of(new Change(row("a", 1L, 5L, 0.0), -1)));
            assertEquals(Map.of(), harness.view("agg"), "a group whose count drops to zero disappears");
            harness.step("t", List.of(new Change(row("b", 2L, null, 0.0), 1)));
            final Map<List<Object>, Long> expected = new HashMap<>();
            expected.put(row(2L, null, null, 1L), 1L);
            assertEquals(expected, harness.view("agg"), "min/max of only NULLs is NULL");
        }
    }

    @Test
    void outputTypesFollowTheInputTypes()
    {
        final Schema typed = Schema.of(
            Column.of("i", ColumnType.INT32),
            Column.decimal("price", 2),
            Column.of("ts", ColumnType.TIMESTAMP),
            Column.of("s", ColumnType.STRING));
        try (Harness harness = new Harness(program -> program.view("agg", program.zsetTable("t", typed).aggregate(
            "agg", new String[0], Agg.sum("i", "si"), Agg.sum("price", "sp"), Agg.avg("price", "ap"),
            Agg.min("ts", "first"), Agg.max("price", "top")))))
        {
            assertEquals(Schema.of(
                Column.of("si", ColumnType.INT64),
                Column.decimal("sp", 2),
                Column.of("ap", ColumnType.FLOAT64),
                Column.of("first", ColumnType.TIMESTAMP),
                Column.decimal("top", 2)), harness.program().view("agg").outputSchema());
            harness.step("t", List.of(
                new Change(row(2L, 150L, 1_000L, "x"), 1), new Change(row(3L, 275L, 500L, "y"), 1),
                new Change(row(3L, 275L, 500L, "y"), 1)));
            assertEquals(Map.of(row(8L, 700L, 7.0 / 3, 500L, 275L), 1L), harness.view("agg"),
                "DECIMAL(2) sums stay scaled; avg is unscaled: (1.50 + 2.75 * 2) / 3");
        }
        final KeelException error = assertThrows(KeelException.class, () -> Program.build(program -> program.view(
            "agg", program.zsetTable("t", typed).aggregate("agg", new String[0], Agg.sum("s", "x")))));
        assertEquals("PROGRAM_AGGREGATE_TYPE", error.code());
        assertTrue(error.getMessage().contains("STRING"), error.getMessage());
    }

    @Test
    void unchangedGroupEmitsNothing()
    {
        try (Harness harness = new Harness(program -> program.view("agg",
            program.zsetTable("t", IN).aggregate("agg", new String[]{ "k2" }, Agg.max("v", "hi")))))
        {
            harness.step("t", List.of(new Change(row("a", 1L, 9L, 0.0), 1)));
            harness.step("t", List.of(new Change(row("a", 1L, 2L, 0.0), 1)));
            assertEquals(Map.of(), harness.delta("agg"), "max stays 9: no -old/+new pair");
        }
    }
}
