package dev.keel.engine.operators;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.keel.engine.operators.ZSets.row;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Per-group top-n (ascending and descending, NULL order values, ties, duplicate rows taken partially)
 * against sorting the integrated input after every step.
 */
class TopNPropertyTest
{
    static final Schema IN = Schema.of(
        Column.of("g", ColumnType.INT64), Column.nullable("score", ColumnType.INT64), Column.of("id", ColumnType.INT64));

    static List<Object> randomRow(final Random random)
    {
        return row((long)random.nextInt(3), random.nextInt(7) == 0 ? null : (long)random.nextInt(6),
            (long)random.nextInt(4));
    }

    static Map<List<Object>, Long> reference(
        final Map<List<Object>, Long> input, final boolean grouped, final boolean descending, final int n)
    {
        final Comparator<Object> nullsFirst = Comparator.nullsFirst(Comparator.comparingLong(o -> (Long)o));
        final Comparator<List<Object>> byScore = (a, b) -> nullsFirst.compare(a.get(1), b.get(1));
        final Comparator<List<Object>> order = (descending ? byScore.reversed() : byScore)
            .thenComparing((a, b) -> ZSets.compareBytes(ZSets.bytes(IN, a), ZSets.bytes(IN, b)));
        final Map<Object, List<List<Object>>> groups = new HashMap<>();
        input.keySet().forEach(r -> groups.computeIfAbsent(grouped ? r.get(0) : "all", g -> new ArrayList<>()).add(r));
        final Map<List<Object>, Long> out = new HashMap<>();
        groups.values().forEach(rows ->
        {
            rows.sort(order);
            long remaining = n;
            for (final List<Object> r : rows)
            {
                final long take = Math.min(remaining, input.get(r));
                if (take > 0)
                {
                    out.put(r, take);
                }
                remaining -= take;
            }
        });
        return out;
    }

    private static void run(final long seed, final boolean grouped, final boolean descending, final int n)
    {
        final Random random = new Random(seed);
        final String[] groupBy = grouped ? new String[]{ "g" } : new String[0];
        try (Harness harness = new Harness(program ->
            program.view("top", program.zsetTable("t", IN).topN("top", groupBy, "score", descending, n))))
        {
            final RandomChanges changes = new RandomChanges(random, true, TopNPropertyTest::randomRow);
            for (int step = 0; step < 40; step++)
            {
                harness.step("t", changes.next(random.nextInt(6), random.nextInt(5)));
                harness.assertView("top", reference(changes.live(), grouped, descending, n));
            }
        }
    }

    @Property(tries = 20)
    void groupedTopThreeDescending(@ForAll final long seed)
    {
        run(seed, true, true, 3);
    }

    @Property(tries = 15)
    void groupedTopTwoAscending(@ForAll final long seed)
    {
        run(seed, true, false, 2);
    }

    @Property(tries = 10)
    void globalTopFive(@ForAll final long seed)
    {
        run(seed, false, true, 5);
    }

    @Test
    void replacementEntersWhenATopRowLeaves()
    {
        try (Harness harness = new Harness(program ->
            program.view("top", program.zsetTable("t", IN).topN("top", new String[]{ "g" }, "score", true, 1))))
        {
            harness.step("t", List.of(new Change(row(1L, 5L, 1L), 1), new Change(row(1L, 9L, 2L), 1)));
            assertEquals(Map.of(row(1L, 9L, 2L), 1L), harness.view("top"));
            harness.step("t", List.of(new Change(row(1L, 9L, 2L), -1)));
            assertEquals(Map.of(row(1L, 9L, 2L), -1L, row(1L, 5L, 1L), 1L), harness.delta("top"));
            harness.step("t", List.of(new Change(row(1L, 3L, 3L), 1)));
            assertEquals(Map.of(), harness.delta("top"), "a row below the top changes nothing");
        }
    }
}
