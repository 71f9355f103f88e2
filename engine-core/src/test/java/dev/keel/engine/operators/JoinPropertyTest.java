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

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.keel.engine.operators.ZSets.row;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Inner and left joins with duplicate keys, NULL keys and changes on both sides in the same step,
 * against a nested-loop join of the integrated inputs after every step.
 */
class JoinPropertyTest
{
    static final Schema LEFT = Schema.of(
        Column.of("id", ColumnType.INT64),
        Column.nullable("k", ColumnType.INT64),
        Column.of("lv", ColumnType.STRING));
    static final Schema RIGHT = Schema.of(
        Column.nullable("k", ColumnType.INT64),
        Column.of("rv", ColumnType.INT64));
    static final Schema OUT = Schema.of(
        Column.of("id", ColumnType.INT64),
        Column.nullable("k", ColumnType.INT64),
        Column.of("lv", ColumnType.STRING),
        Column.nullable("rv", ColumnType.INT64));

    static void combine(final RowView left, final RowView right, final RowWriter out)
    {
        out.copyColumn(0, left, 0).copyColumn(1, left, 1).copyColumn(2, left, 2);
        if (null == right)
        {
            out.putNull(3);
        }
        else
        {
            out.putLong(3, right.getLong(1));
        }
    }

    static List<Object> leftRow(final Random random)
    {
        return row((long)random.nextInt(10), random.nextInt(6) == 0 ? null : (long)random.nextInt(5),
            random.nextBoolean() ? "x" : "y");
    }

    static List<Object> rightRow(final Random random)
    {
        return row(random.nextInt(6) == 0 ? null : (long)random.nextInt(5), (long)random.nextInt(6));
    }

    static Map<List<Object>, Long> reference(
        final Map<List<Object>, Long> left, final Map<List<Object>, Long> right, final JoinType type)
    {
        final Map<List<Object>, Long> out = new HashMap<>();
        left.forEach((l, wl) ->
        {
            final Object key = l.get(1);
            long rightWeight = 0;
            for (final Map.Entry<List<Object>, Long> r : right.entrySet())
            {
                if (null != key && key.equals(r.getKey().get(0)))
                {
                    ZSets.add(out, row(l.get(0), key, l.get(2), r.getKey().get(1)), wl * r.getValue());
                    rightWeight += r.getValue();
                }
            }
            if (type == JoinType.LEFT && rightWeight == 0)
            {
                ZSets.add(out, row(l.get(0), key, l.get(2), null), wl);
            }
        });
        return out;
    }

    private static void run(final long seed, final JoinType type)
    {
        final Random random = new Random(seed);
        try (Harness harness = new Harness(program ->
        {
            final Stream left = program.zsetTable("l", LEFT);
            final Stream right = program.zsetTable("r", RIGHT);
            program.view("j", left.join("j", right, new String[]{ "k" }, new String[]{ "k" }, type, OUT,
                JoinPropertyTest::combine, "1"));
        }))
        {
            final RandomChanges left = new RandomChanges(random, true, JoinPropertyTest::leftRow);
            final RandomChanges right = new RandomChanges(random, true, JoinPropertyTest::rightRow);
            for (int step = 0; step < 40; step++)
            {
                final Map<String, List<Change>> inputs = new HashMap<>();
                inputs.put("l", left.next(random.nextInt(6), random.nextInt(4)));
                inputs.put("r", right.next(random.nextInt(4), random.nextInt(4)));
                harness.step(inputs);
                harness.assertView("j", reference(left.live(), right.live(), type));
            }
        }
    }

    @Property(tries = 25)
    void innerJoin(@ForAll final long seed)
    {
        run(seed, JoinType.INNER);
    }

    @Property(tries = 25)
    void leftJoin(@ForAll final long seed)
    {
        run(seed, JoinType.LEFT);
    }

    @Test
    void leftJoinRetractsNullExtendedRowOnFirstMatchAndRestoresItAfterLast()
    {
        try (Harness harness = new Harness(program -> program.view("j", program.zsetTable("l", LEFT).join("j",
            program.zsetTable("r", RIGHT), new String[]{ "k" }, new String[]{ "k" }, JoinType.LEFT, OUT,
            JoinPropertyTest::combine))))
        {
            harness.step("l", List.of(new Change(row(1L, 7L, "x"), 1), new Change(row(2L, null, "y"), 1)));
            final Map<List<Object>, Long> expected = new HashMap<>();
            expected.put(row(1L, 7L, "x", null), 1L);
            expected.put(row(2L, null, "y", null), 1L);
            assertEquals(expected, harness.view("j"));

            harness.step("r", List.of(new Change(row(7L, 70L), 1), new Change(row(null, 0L), 1)));
            final Map<List<Object>, Long> delta = new HashMap<>();
            delta.put(row(1L, 7L, "x", null), -1L);
            delta.put(row(1L, 7L, "x", 70L), 1L);
            assertEquals(delta, harness.delta("j"), "a NULL right key matches nothing, not even a NULL left key");

            harness.step("r", List.of(new Change(row(7L, 71L), 1)));
            assertEquals(Map.of(row(1L, 7L, "x", 71L), 1L), harness.delta("j"));
            harness.step("r", List.of(new Change(row(7L, 70L), -1), new Change(row(7L, 71L), -1)));
            final Map<List<Object>, Long> back = new HashMap<>();
            back.put(row(1L, 7L, "x", 70L), -1L);
            back.put(row(1L, 7L, "x", 71L), -1L);
            back.put(row(1L, 7L, "x", null), 1L);
            assertEquals(back, harness.delta("j"));
        }
    }

    @Test
    void keysOfDifferentTypesAreRejected()
    {
        final Schema other = Schema.of(Column.of("k", ColumnType.STRING));
        final KeelException error = assertThrows(KeelException.class, () -> Program.build(program -> program.view(
            "j", program.zsetTable("l", LEFT).join("j", program.zsetTable("r", other), new String[]{ "k" },
            new String[]{ "k" }, JoinType.INNER, OUT, JoinPropertyTest::combine))));
        assertEquals("PROGRAM_JOIN_KEYS", error.code());
        assertTrue(error.getMessage().contains("INT64") && error.getMessage().contains("STRING"), error.getMessage());
    }

    @Test
    void innerJoinOfAppendOnlyStreamsIsAppendOnlyLeftJoinIsNot()
    {
        final List<Boolean> flags = new ArrayList<>();
        Program.build(program ->
        {
            final Stream l = program.table("l", LEFT);
            final Stream r = program.table("r", RIGHT);
            final Stream inner = l.join("i", r, new String[]{ "k" }, new String[]{ "k" }, JoinType.INNER, OUT,
                JoinPropertyTest::combine);
            final Stream outer = l.join("o", r, new String[]{ "k" }, new String[]{ "k" }, JoinType.LEFT, OUT,
                JoinPropertyTest::combine);
            flags.add(inner.appendOnly());
            flags.add(outer.appendOnly());
            program.view("i", inner);
        }).close();
        assertEquals(List.of(true, false), flags);
    }
}
