package dev.keel.engine.operators;

import dev.keel.engine.KeelException;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.program.InputTable;
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
 * map, filter, flatMap, union and distinct over Z-set inputs, and keyed input tables (upserts and deletes
 * by key) feeding an aggregate, against references recomputed from the integrated inputs.
 */
class StreamOperatorsPropertyTest
{
    static final Schema IN = Schema.of(Column.of("a", ColumnType.INT64), Column.nullable("b", ColumnType.STRING));
    static final Schema MAPPED = Schema.of(Column.of("a2", ColumnType.INT64), Column.of("len", ColumnType.INT64));
    static final Schema FLAT = Schema.of(Column.of("a", ColumnType.INT64), Column.of("i", ColumnType.INT64));
    private static final String[] B = { null, "", "p", "qq", "rrr" };

    static List<Object> randomRow(final Random random)
    {
        return row((long)(random.nextInt(11) - 5), B[random.nextInt(B.length)]);
    }

    private static long len(final List<Object> row)
    {
        return null == row.get(1) ? -1 : ((String)row.get(1)).length();
    }

    @Property(tries = 25)
    void statelessOperatorsUnionAndDistinct(@ForAll final long seed)
    {
        final Random random = new Random(seed);
        try (Harness harness = new Harness(program ->
        {
            final Stream t1 = program.zsetTable("t1", IN);
            final Stream t2 = program.zsetTable("t2", IN);
            program.view("mapped", t1.map("mapped", MAPPED, (in, out) ->
                out.putLong(0, in.getLong(0) * 2).putLong(1, in.isNull(1) ? -1 : in.varLength(1)), "1"));
            program.view("even", t1.filter("even", row -> row.getLong(0) % 2 == 0));
            program.view("flat", t1.flatMap("flat", FLAT, (in, out) ->
            {
                for (long i = 0; i < Math.floorMod(in.getLong(0), 3); i++)
                {
                    out.begin().putLong(0, in.getLong(0)).putLong(1, i);
                    out.emit();
                }
            }));
            final Stream union = t1.union("u", t2, t1);
            program.view("u", union);
            program.view("distinct", union.distinct("distinct"));
        }))
        {
            final RandomChanges t1 = new RandomChanges(random, true, StreamOperatorsPropertyTest::randomRow);
            final RandomChanges t2 = new RandomChanges(random, true, StreamOperatorsPropertyTest::randomRow);
            for (int step = 0; step < 40; step++)
            {
                final Map<String, List<Change>> inputs = new HashMap<>();
                inputs.put("t1", t1.next(random.nextInt(6), random.nextInt(5)));
                inputs.put("t2", t2.next(random.nextInt(6), random.nextInt(5)));
                harness.step(inputs);

                final Map<List<Object>, Long> mapped = new HashMap<>();
                final Map<List<Object>, Long> even = new HashMap<>();
                final Map<List<Object>, Long> flat = new HashMap<>();
                final Map<List<Object>, Long> union = new HashMap<>();
                t1.live().forEach((r, w) ->
                {
                    final long a = (Long)r.get(0);
                    ZSets.add(mapped, row(a * 2, len(r)), w);
                    if (a % 2 == 0)
                    {
                        ZSets.add(even, r, w);
                    }
                    for (long i = 0; i < Math.floorMod(a, 3); i++)
                    {
                        ZSets.add(flat, row(a, i), w);
                    }
                    ZSets.add(union, r, 2 * w);
                });
                t2.live().forEach((r, w) -> ZSets.add(union, r, w));
                final Map<List<Object>, Long> distinct = new HashMap<>();
                union.forEach((r, w) -> distinct.put(r, 1L));
                harness.assertView("mapped", mapped);
                harness.assertView("even", even);
                harness.assertView("flat", flat);
                harness.assertView("u", union);
                harness.assertView("distinct", distinct);
                for (final long weight : harness.delta("distinct").values())
                {
                    assertEquals(1, Math.abs(weight), "distinct emits membership changes only");
                }
            }
        }
    }

    static final Schema ACCOUNTS = Schema.of(
        Column.of("id", ColumnType.INT64), Column.of("owner", ColumnType.STRING), Column.of("amount", ColumnType.INT64));

    @Property(tries = 20)
    void keyedTableUpsertsFeedAnAggregate(@ForAll final long seed)
    {
        final Random random = new Random(seed);
        try (Harness harness = new Harness(program ->
        {
            final Stream accounts = program.keyedTable("accounts", ACCOUNTS, "id");
            program.view("rows", accounts);
            program.view("by_owner", accounts.aggregate("by_owner", new String[]{ "owner" },
                Agg.count("n"), Agg.sum("amount", "total"), Agg.min("amount", "lo"), Agg.max("amount", "hi")));
        }))
        {
            final Map<Long, List<Object>> table = new HashMap<>();
            final String[] owners = { "ann", "bob", "cy" };
            for (int step = 0; step < 40; step++)
            {
                final List<Change> changes = new ArrayList<>();
                for (int i = random.nextInt(8); i > 0; i--)
                {
                    final long id = random.nextInt(12);
                    if (random.nextInt(3) == 0)
                    {
                        // a delete carries the key; the other columns do not matter
                        changes.add(new Change(row(id, "ignored", -1L), -1));
                        table.remove(id);
                    }
                    else
                    {
                        final List<Object> r = row(id, owners[random.nextInt(3)], (long)random.nextInt(20));
                        changes.add(new Change(r, 1));
                        table.put(id, r);
                    }
                }
                harness.step("accounts", changes);
                final Map<List<Object>, Long> rows = new HashMap<>();
                final Map<String, List<Long>> amounts = new HashMap<>();
                table.values().forEach(r ->
                {
                    rows.put(r, 1L);
                    amounts.computeIfAbsent((String)r.get(1), o -> new ArrayList<>()).add((Long)r.get(2));
                });
                final Map<List<Object>, Long> byOwner = new HashMap<>();
                amounts.forEach((owner, values) -> byOwner.put(row(owner, (long)values.size(),
                    values.stream().mapToLong(Long::longValue).sum(),
                    values.stream().mapToLong(Long::longValue).min().getAsLong(),
                    values.stream().mapToLong(Long::longValue).max().getAsLong()), 1L));
                harness.assertView("rows", rows);
                harness.assertView("by_owner", byOwner);
            }
        }
    }

    @Test
    void unionOfDifferentSchemasNamesBoth()
    {
        final KeelException error = assertThrows(KeelException.class, () -> Program.build(program ->
            program.view("u", program.zsetTable("t1", IN).union("u", program.zsetTable("t2", MAPPED)))));
        assertEquals("PROGRAM_SCHEMA_MISMATCH", error.code());
        assertTrue(error.getMessage().contains(IN.toString()) && error.getMessage().contains(MAPPED.toString()),
            error.getMessage());
    }

    @Test
    void appendOnlyFollowsMapFilterFlatMapAndUnionOfAppendOnlyStreams()
    {
        final Map<String, Boolean> flags = new HashMap<>();
        Program.build(program ->
        {
            final Stream a = program.table("a", IN);
            final Stream b = program.table("b", IN);
            final Stream z = program.zsetTable("z", IN);
            final Stream chain = a.filter("f", row -> true).union("u", b)
                .flatMap("fm", IN, (in, out) ->
                {
                    out.begin().copyColumn(0, in, 0).copyColumn(1, in, 1);
                    out.emit();
                })
                .map("m", IN, (in, out) -> out.copyColumn(0, in, 0).copyColumn(1, in, 1));
            flags.put("chain", chain.appendOnly());
            flags.put("withZset", chain.union("u2", z).appendOnly());
            flags.put("distinct", a.distinct("d").appendOnly());
            program.view("v", chain);
        }).close();
        assertEquals(Map.of("chain", true, "withZset", false, "distinct", false), flags);
    }

    @Test
    void retractionIntoAppendOnlyTableIsRejected()
    {
        try (Program program = Program.build(p -> p.view("v", p.table("t", IN).filter("f", row -> true))))
        {
            final InputTable table = program.table("t");
            final RowWriter writer = new RowWriter(IN);
            ZSets.write(writer, row(1L, "x"));
            table.input().add(writer, -1);
            final KeelException error = assertThrows(KeelException.class, program::step);
            assertEquals("INPUT_RETRACTION_APPEND_ONLY", error.code());
        }
    }
}
