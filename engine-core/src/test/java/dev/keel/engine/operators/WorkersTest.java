package dev.keel.engine.operators;

import dev.keel.engine.KeelException;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.examples.TradesVwap;
import dev.keel.engine.program.Program;
import dev.keel.engine.state.MetaBuffer;
import dev.keel.engine.state.PagedArena;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code workers} = N: the program with every stateful operator (aggregate, distinct, left join, window aggregate,
 * topN, windowed self-join, the VWAP example) run by N workers emits, step by step, the same consolidated view
 * deltas as one worker; a checkpoint of N workers (arena lanes, two freezes, the second incremental) restores
 * into N fresh workers that continue like the original; a checkpoint of one worker count does not restore into
 * another.
 */
class WorkersTest
{
    private final Map<Integer, byte[]> pages = new HashMap<>();
    private byte[] arenaMeta;

    private static Harness harness(final int workers)
    {
        return new Harness(Program.build(new EverythingProgram(), PagedArena.lanes(workers, 4, false), "test", null));
    }

    private static RowWriter[] writers()
    {
        return new RowWriter[] {
            new RowWriter(TradesVwap.TRADES), new RowWriter(EverythingProgram.EVENTS),
            new RowWriter(EverythingProgram.DIMS) };
    }

    private static void step(final Harness harness, final long step, final RowWriter[] writers)
    {
        EverythingProgram.feed(harness.program(), step, writers[0], writers[1], writers[2]);
        harness.step(Map.of());
    }

    private void checkpoint(final PagedArena arena)
    {
        final PagedArena.Snapshot snapshot = arena.freeze();
        for (int i = 0; i < snapshot.pageCount(); i++)
        {
            final ByteBuffer page = snapshot.acquire(i);
            final byte[] bytes = new byte[page.remaining()];
            page.get(bytes);
            pages.put(snapshot.page(i), bytes);
            snapshot.release(i);
        }
        arenaMeta = snapshot.meta();
        snapshot.close();
    }

    @ParameterizedTest
    @ValueSource(ints = { 2, 3 })
    void workersEmitTheSameViewDeltasAsOne(final int workers)
    {
        final RowWriter[] one = writers();
        final RowWriter[] many = writers();
        try (Harness single = harness(1); Harness sharded = harness(workers))
        {
            assertEquals(workers, sharded.program().workerCount());
            for (long step = 0; step < 60; step++)
            {
                step(single, step, one);
                step(sharded, step, many);
                for (final String view : EverythingProgram.VIEWS)
                {
                    assertEquals(single.delta(view), sharded.delta(view), "view " + view + " at step " + step);
                }
            }
            for (final String view : EverythingProgram.VIEWS)
            {
                assertFalse(single.view(view).isEmpty(), view);
                assertEquals(single.view(view), sharded.view(view), "integrated view " + view);
            }
            // the state really is split: every worker holds some of the aggregate's groups
            int groups = 0;
            for (int w = 0; w < workers; w++)
            {
                final int held = ((AggregateOperator)sharded.program().worker(w).view("agg")).groupCount();
                assertTrue(held > 0, "worker " + w + " holds no group");
                groups += held;
            }
            assertEquals(((AggregateOperator)single.program().view("agg")).groupCount(), groups);
        }
    }

    /**
     * One key's event time runs ahead: with one worker its rows raise the watermark for every key, so the other
     * keys' later rows into closed windows are late. Sharded, the key that runs ahead sits on one worker only; the
     * workers share the largest event time at each step boundary, so the result is the same.
     */
    @ParameterizedTest
    @ValueSource(ints = { 2, 3 })
    void watermarkIsThatOfTheWholeInput(final int workers)
    {
        final dev.keel.engine.data.Schema schema = dev.keel.engine.data.Schema.of(
            dev.keel.engine.data.Column.of("g", dev.keel.engine.data.ColumnType.INT64),
            dev.keel.engine.data.Column.of("t", dev.keel.engine.data.ColumnType.INT64));
        final dev.keel.engine.program.ProgramDefinition definition = (program) ->
        {
            final dev.keel.engine.program.Stream events = program.zsetTable("events", schema);
            program.view("win", events.windowAggregate("win", "t", 10, 10, 0, new String[]{ "g" }, Agg.count("n")));
            final dev.keel.engine.program.Stream windowed = events.window("windowed", "t", 10, 10);
            final String[] keys = { "g", "window_end" };
            program.view("pairs", windowed.windowedJoin("pairs", windowed, keys, keys, "window_end", "window_end", 0,
                JoinType.INNER, schema, (l, r, out) -> out.copyColumn(0, l, 0).copyColumn(1, l, 1), "1"));
        };
        try (Harness single = new Harness(definition);
            Harness sharded = new Harness(Program.build(definition, PagedArena.lanes(workers, 4, false), "t", null)))
        {
            final List<Change> first = new java.util.ArrayList<>();
            final List<Change> second = new java.util.ArrayList<>();
            for (long g = 0; g < 32; g++)
            {
                first.add(new Change(ZSets.row(g, 5L), 1));
                second.add(new Change(ZSets.row(g, 6L), 1));
            }
            first.add(new Change(ZSets.row(100L, 1000L), 1));
            single.step("events", first);
            sharded.step("events", first);
            single.step("events", second);
            sharded.step("events", second);
            for (final String view : new String[]{ "win", "pairs" })
            {
                assertEquals(single.view(view), sharded.view(view), "view " + view);
            }
            assertEquals(32, ((WindowAggregateOperator)single.program().view("win")).lateRecords());
        }
    }

    @Test
    void checkpointOfTwoWorkersRestoresIntoTwoWorkers()
    {
        final RowWriter[] one = writers();
        final RowWriter[] two = writers();
        try (Harness reference = harness(1); Harness original = harness(2))
        {
            long step = 0;
            for (; step < 12; step++)
            {
                step(reference, step, one);
                step(original, step, two);
            }
            checkpoint(original.program().arena());
            for (; step < 30; step++)
            {
                step(reference, step, one);
                step(original, step, two);
            }
            checkpoint(original.program().arena());
            final int pageCount = original.program().arena().pageCount();
            for (int page = 1; page < pageCount; page++)
            {
                assertTrue(pages.containsKey(page), "page " + page + " of " + pageCount + " not in any checkpoint");
            }
            final MetaBuffer meta = new MetaBuffer();
            original.program().saveMeta(meta);
            final byte[] programMeta = meta.toByteArray();

            final PagedArena[] lanes = PagedArena.lanes(2, 4, false);
            try (Harness restored = new Harness(Program.build(new EverythingProgram(), lanes, "restored", null)))
            {
                lanes[0].restoreMeta(arenaMeta);
                pages.forEach((page, bytes) -> lanes[0].restorePage(page).put(bytes));
                restored.program().loadMeta(new MetaBuffer(programMeta));
                for (final String view : EverythingProgram.VIEWS)
                {
                    restored.seed(view, new HashMap<>(original.view(view)));
                }
                final RowWriter[] again = writers();
                for (; step < 60; step++)
                {
                    step(reference, step, one);
                    step(restored, step, again);
                    for (final String view : EverythingProgram.VIEWS)
                    {
                        assertEquals(reference.delta(view), restored.delta(view), "view " + view + " at step " + step);
                    }
                }
                for (final String view : EverythingProgram.VIEWS)
                {
                    assertEquals(reference.view(view), restored.view(view), "integrated view " + view);
                }
            }
        }
    }

    @Test
    void checkpointDoesNotRestoreIntoAnotherWorkerCount()
    {
        final RowWriter[] writers = writers();
        try (Harness two = harness(2))
        {
            for (long step = 0; step < 5; step++)
            {
                step(two, step, writers);
            }
            checkpoint(two.program().arena());
        }
        final KeelException intoOne = assertThrows(KeelException.class, () -> new PagedArena().restoreMeta(arenaMeta));
        assertTrue(intoOne.getMessage().contains("stored $.workers = 2") &&
            intoOne.getMessage().contains("($.workers = 1)") &&
            intoOne.getMessage().contains("set \"workers\": 2"), intoOne.getMessage());

        try (Harness one = harness(1))
        {
            for (long step = 0; step < 5; step++)
            {
                step(one, step, writers());
            }
            checkpoint(one.program().arena());
        }
        final KeelException intoThree = assertThrows(KeelException.class,
            () -> PagedArena.lanes(3, 4, false)[0].restoreMeta(arenaMeta));
        assertTrue(intoThree.getMessage().contains("stored $.workers = 1") &&
            intoThree.getMessage().contains("($.workers = 3)"), intoThree.getMessage());
    }

    /**
     * The shape of a checkpoint of two workers reads like that of one (a later program version compares its
     * operators with it), and a bootstrap over a changed program is refused with two workers, naming $.workers.
     */
    @Test
    void changedProgramIsRefusedWithTwoWorkers()
    {
        try (Harness one = harness(1); Harness two = harness(2))
        {
            final MetaBuffer oneMeta = new MetaBuffer();
            one.program().saveMeta(oneMeta);
            final MetaBuffer twoMeta = new MetaBuffer();
            two.program().saveMeta(twoMeta);
            final dev.keel.engine.program.ProgramShape a = dev.keel.engine.program.ProgramShape.read(oneMeta.toByteArray());
            final dev.keel.engine.program.ProgramShape b = dev.keel.engine.program.ProgramShape.read(twoMeta.toByteArray());
            assertNotNull(b);
            assertEquals(a.views(), b.views());
            assertEquals(a.operators().size(), b.operators().size());

            final dev.keel.engine.program.ProgramChange change =
                dev.keel.engine.program.ProgramChange.between(b, two.program());
            final KeelException error = assertThrows(KeelException.class, () -> two.program().restoreChanged(change));
            assertTrue(error.getMessage().contains("$.workers = 2"), error.getMessage());
            final KeelException loaded = assertThrows(KeelException.class,
                () -> one.program().loadMeta(new MetaBuffer(twoMeta.toByteArray())));
            assertTrue(loaded.getMessage().contains("stored $.workers = 2"), loaded.getMessage());
        }
    }

    @Test
    void contextChecksWorkersAndOneCpuPerWorker()
    {
        final RuntimeException none = assertThrows(RuntimeException.class,
            () -> new dev.keel.engine.api.EngineContext().workers(0).conclude());
        assertTrue(none.getMessage().contains("workers"), none.getMessage());
        final RuntimeException tooFew = assertThrows(RuntimeException.class,
            () -> new dev.keel.engine.api.EngineContext().workers(2).pinCpus(1).conclude());
        assertTrue(tooFew.getMessage().contains("pinCpus") && tooFew.getMessage().contains("workers=2"),
            tooFew.getMessage());
        new dev.keel.engine.api.EngineContext().workers(2).pinCpus(0, 1).conclude();
    }
}
