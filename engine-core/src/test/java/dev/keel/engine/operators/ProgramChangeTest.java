package dev.keel.engine.operators;

import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.examples.TradesVwap;
import dev.keel.engine.program.InputTable;
import dev.keel.engine.program.Program;
import dev.keel.engine.program.ProgramChange;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.program.ProgramShape;
import dev.keel.engine.program.Stream;
import dev.keel.engine.state.MetaBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.keel.engine.operators.ZSets.row;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Per-operator fingerprints and what a bootstrap makes of a program change; the input tables' contents kept for
 * it, and what keeping them costs in state.
 */
class ProgramChangeTest
{
    private static final Schema EVENTS = Schema.of(Column.of("k", ColumnType.INT64), Column.of("v", ColumnType.INT64));

    private static ProgramDefinition program(final boolean withTotal, final long minV, final boolean withCount)
    {
        return builder ->
        {
            final Stream events = builder.zsetTable("events", EVENTS);
            final Stream positive = events.filter("positive", r -> r.getLong(1) > minV, Long.toString(minV));
            builder.view("by_key", positive.aggregate("by_key", new String[]{ "k" }, Agg.sum("v", "total")));
            if (withTotal)
            {
                builder.view("all", events.aggregate("all", new String[0], Agg.count("n")));
            }
            if (withCount)
            {
                builder.view("counted", positive.aggregate("counted", new String[]{ "k" }, Agg.count("n")));
            }
        };
    }

    private static ProgramChange change(final ProgramDefinition before, final ProgramDefinition after)
    {
        try (Program old = Program.build(before); Program current = Program.build(after))
        {
            final MetaBuffer meta = new MetaBuffer();
            old.saveMeta(meta);
            return ProgramChange.between(ProgramShape.read(meta.toByteArray()), current);
        }
    }

    @Test
    void sameProgramHasNoChange()
    {
        final ProgramChange none = change(program(true, 0, false), program(true, 0, false));
        assertTrue(none.isEmpty(), none.toString());
        assertEquals(List.of(), none.recomputedOperators());
    }

    @Test
    void addedViewOverASharedFilterRecomputesOnlyTheNewAggregate()
    {
        final ProgramChange added = change(program(true, 0, false), program(true, 0, true));
        assertEquals(List.of("counted"), added.addedViews());
        assertEquals(List.of("counted"), added.addedOperators());
        assertEquals(List.of(), added.modifiedViews());
        // the filter and by_key keep their state (and keep running through the replay); the new aggregate reads the
        // filter's whole contents, computed on a scratch copy in the recompute step
        assertEquals(List.of("counted"), added.recomputedOperators());
        assertEquals(java.util.Set.of("counted"), added.emittedViews());
    }

    @Test
    void changedFilterModifiesEveryViewBelowIt()
    {
        final ProgramChange changed = change(program(true, 0, false), program(true, 5, false));
        assertEquals(List.of("by_key"), changed.modifiedViews());
        assertEquals(List.of("positive", "by_key"), changed.modifiedOperators());
        assertEquals(List.of(), changed.addedViews());
        assertEquals(List.of("positive", "by_key"), changed.recomputedOperators(), "'all' keeps its state");
    }

    @Test
    void removedViewRecomputesNothing()
    {
        final ProgramChange removed = change(program(true, 0, false), program(false, 0, false));
        assertEquals(List.of("all"), removed.removedViews());
        assertEquals(List.of("all"), removed.removedOperators());
        assertEquals(List.of(), removed.recomputedOperators());
        assertTrue(removed.changedTables().isEmpty());
    }

    @Test
    void changedTableIsReported()
    {
        final ProgramDefinition keyed = builder -> builder.view("by_key", builder.keyedTable("events", EVENTS, "k")
            .filter("positive", r -> r.getLong(1) > 0, "0")
            .aggregate("by_key", new String[]{ "k" }, Agg.sum("v", "total")));
        assertEquals(List.of("events"), change(program(false, 0, false), keyed).changedTables());
    }

    @Test
    void materializedZSetTableEmitsItsIntegral()
    {
        try (Program program = Program.build(builder ->
        {
            program(true, 0, false).define(builder);
            builder.materialize("events");
        }))
        {
            program.materializeTables();
            final InputTable table = program.table("events");
            final RowWriter writer = new RowWriter(EVENTS);
            final Random random = new Random(7);
            final Map<List<Object>, Long> model = new HashMap<>();
            for (int step = 0; step < 50; step++)
            {
                for (int i = 0; i < 40; i++)
                {
                    final List<Object> r = row((long)random.nextInt(20), (long)random.nextInt(5));
                    final long weight = random.nextInt(3) - 1 == 0 ? 1 : random.nextInt(3) - 1;
                    ZSets.write(writer, r);
                    table.input().add(writer, weight);
                    ZSets.add(model, r, weight);
                }
                program.step();
                program.endStep();
            }
            model.values().removeIf(w -> w == 0);
            table.emitContents();
            assertEquals(model, ZSets.consolidate(table.output()));
            assertEquals(model.size(), table.storedRowCount());
            table.endStep();
        }
    }

    /**
     * What keeping the input tables costs: TradesVwap's state after 100,000 trades, with and without the
     * trades table materialized (fault tolerance on vs off). Prints the figures; asserts only that the table's
     * rows are what grows.
     */
    @Test
    void stateSizeOfMaterializedTables()
    {
        final long[] bytes = new long[2];
        final int trades = 100_000;
        for (int materialized = 0; materialized < 2; materialized++)
        {
            final boolean keep = materialized == 1;
            try (Program program = Program.build(builder ->
            {
                new TradesVwap().define(builder);
                if (keep)
                {
                    builder.materialize(TradesVwap.TABLE);
                }
            }))
            {
                program.materializeTables();
                final InputTable table = program.table(TradesVwap.TABLE);
                final RowWriter writer = new RowWriter(TradesVwap.TRADES);
                final Random random = new Random(1);
                final String[] symbols = { "AAPL", "MSFT", "GOOG", "JPM", "TSLA" };
                for (int i = 0; i < trades; i++)
                {
                    ZSets.write(writer, row((long)i, symbols[random.nextInt(5)], 100L + random.nextInt(10_000),
                        1L + random.nextInt(100), 1_000_000L * i));
                    table.input().add(writer, 1);
                    if (i % 10_000 == 9_999)
                    {
                        program.step();
                        program.endStep();
                    }
                }
                bytes[materialized] = program.arena().allocatedBytes();
                assertEquals(materialized == 1 ? trades : 0, table.storedRowCount());
            }
        }
        System.out.printf("TradesVwap state after %,d trades: %,d bytes without the table materialized, %,d with " +
            "(%.1f bytes per trade row)%n", trades, bytes[0], bytes[1], (bytes[1] - bytes[0]) / (double)trades);
        assertTrue(bytes[1] > bytes[0] + trades * 40L, "each kept trade row costs at least its bytes");
    }

    @Test
    void aTableKeepsItsContentsOnlyWhenDeclaredMaterialized()
    {
        try (Program program = Program.build(program(true, 0, false)))
        {
            program.materializeTables();
            assertFalse(program.table("events").isMaterialized(), "fault tolerance alone keeps no contents");
        }
        final ProgramDefinition declared = builder ->
        {
            program(true, 0, false).define(builder);
            builder.materialize("events");
        };
        try (Program program = Program.build(declared))
        {
            program.materializeTables();
            assertTrue(program.table("events").isMaterialized());
        }
        // declaring it changes the table's fingerprint: a restart counts the table as modified
        assertEquals(List.of("events"), change(program(true, 0, false), declared).modifiedTables());
        final dev.keel.engine.KeelException notATable = assertThrows(dev.keel.engine.KeelException.class,
            () -> Program.build(builder ->
            {
                program(true, 0, false).define(builder);
                builder.materialize("by_key");
            }));
        assertEquals("PROGRAM_NOT_A_TABLE", notATable.code());
    }

    @Test
    void recomputingOverATableWithoutContentsIsReported()
    {
        // counted (added) reads positive, which reads events: events' contents are needed
        assertEquals(List.of("events"), change(program(false, 0, false), program(false, 0, true)).missingContents());
        final ProgramDefinition before = builder ->
        {
            program(false, 0, false).define(builder);
            builder.materialize("events");
        };
        final ProgramDefinition after = builder ->
        {
            program(false, 0, true).define(builder);
            builder.materialize("events");
        };
        assertEquals(List.of(), change(before, after).missingContents());
        // a removed view needs nothing recomputed
        assertEquals(List.of(), change(program(true, 0, false), program(false, 0, false)).missingContents());
    }
}
