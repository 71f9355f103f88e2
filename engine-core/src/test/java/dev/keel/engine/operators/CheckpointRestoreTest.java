package dev.keel.engine.operators;

import dev.keel.engine.data.RowWriter;
import dev.keel.engine.examples.TradesVwap;
import dev.keel.engine.state.MetaBuffer;
import dev.keel.engine.state.PagedArena;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A program restored from a checkpoint (arena pages of two freezes, the second incremental, plus the
 * program's metadata) continues exactly like the program that kept running: every view's delta of every
 * later step is equal.
 */
class CheckpointRestoreTest
{
    private final Map<Integer, byte[]> pages = new HashMap<>();
    private byte[] arenaMeta;

    private void checkpoint(final PagedArena arena)
    {
        final PagedArena.Snapshot snapshot = arena.freeze();
        for (int i = 0; i < snapshot.pageCount(); i++)
        {
            final ByteBuffer page = snapshot.acquire(i);
            final byte[] bytes = new byte[page.remaining()];
            page.get(bytes);
            pages.put(snapshot.page(i), bytes); // a later checkpoint's page replaces the earlier one
            snapshot.release(i);
        }
        arenaMeta = snapshot.meta();
        snapshot.close();
    }

    private static void step(final Harness harness, final long step, final RowWriter[] writers)
    {
        EverythingProgram.feed(harness.program(), step, writers[0], writers[1], writers[2]);
        harness.step(Map.of());
    }

    @Test
    void restoredProgramContinuesLikeTheOriginal()
    {
        final EverythingProgram definition = new EverythingProgram();
        final RowWriter[] writers = {
            new RowWriter(TradesVwap.TRADES), new RowWriter(EverythingProgram.EVENTS),
            new RowWriter(EverythingProgram.DIMS) };
        try (Harness original = new Harness(definition))
        {
            long step = 0;
            for (; step < 12; step++)
            {
                step(original, step, writers);
            }
            checkpoint(original.program().arena());
            for (; step < 30; step++)
            {
                step(original, step, writers);
            }
            checkpoint(original.program().arena());
            final MetaBuffer meta = new MetaBuffer();
            original.program().saveMeta(meta);
            final byte[] programMeta = meta.toByteArray();
            final Map<String, Map<List<Object>, Long>> atCheckpoint = new HashMap<>();
            for (final String view : EverythingProgram.VIEWS)
            {
                atCheckpoint.put(view, new HashMap<>(original.view(view)));
            }

            final PagedArena arena = new PagedArena();
            try (Harness restored = new Harness(definition, arena))
            {
                arena.restoreMeta(arenaMeta);
                pages.forEach((page, bytes) -> arena.restorePage(page).put(bytes));
                restored.program().loadMeta(new MetaBuffer(programMeta));
                // the restored program's sink already holds what was emitted before the checkpoint
                atCheckpoint.forEach(restored::seed);
                assertEquals(original.program().fingerprint(), restored.program().fingerprint());

                for (; step < 60; step++)
                {
                    step(original, step, writers);
                    step(restored, step, writers);
                    for (final String view : EverythingProgram.VIEWS)
                    {
                        assertEquals(original.delta(view), restored.delta(view), "view " + view + " at step " + step);
                    }
                }
                for (final String view : EverythingProgram.VIEWS)
                {
                    assertFalse(atCheckpoint.get(view).isEmpty(), view);
                    assertEquals(original.view(view), restored.view(view), "integrated view " + view);
                }
                final WindowAggregateOperator a = (WindowAggregateOperator)original.program().view("win");
                final WindowAggregateOperator b = (WindowAggregateOperator)restored.program().view("win");
                assertEquals(a.lateRecords(), b.lateRecords());
                assertEquals(a.groupCount(), b.groupCount());
                final JoinOperator pairsA = (JoinOperator)original.program().view("pairs");
                final JoinOperator pairsB = (JoinOperator)restored.program().view("pairs");
                assertTrue(pairsA.lateRecords() > 0);
                assertEquals(pairsA.lateRecords(), pairsB.lateRecords());
                assertEquals(pairsA.indexedKeys(), pairsB.indexedKeys());
            }
        }
    }
}
