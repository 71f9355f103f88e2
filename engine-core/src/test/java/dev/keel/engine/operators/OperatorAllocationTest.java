package dev.keel.engine.operators;

import dev.keel.engine.data.RowWriter;
import dev.keel.engine.examples.TradesVwap;
import dev.keel.engine.program.Program;
import dev.keel.engine.program.ProgramDefinition;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Steady state allocates nothing per step: after a warm-up that sizes tables, free lists and scratch
 * buffers, a few hundred steps of every stateful operator (inserts, retractions, closing windows) are
 * measured with the thread's allocation counter. The bound leaves room for a few one-off objects, far
 * below one byte per processed row.
 */
class OperatorAllocationTest
{
    private static final long BOUND_BYTES = 16 * 1024;

    private static long allocated()
    {
        return ((com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void stepsAllocateNothingInSteadyState()
    {
        run(false);
    }

    /**
     * With fault tolerance on, the input tables keep their contents (for a bootstrap): still nothing per step. The
     * trades table grows without bound here, so the arena is given chunks large enough that it does not grow
     * its page arrays while measured (growing state costs a few heap objects per chunk, as for any operator).
     */
    @Test
    void stepsWithMaterializedTablesAllocateNothingInSteadyState()
    {
        run(true);
    }

    private static void run(final boolean materialized)
    {
        final RowWriter trades = new RowWriter(TradesVwap.TRADES);
        final RowWriter events = new RowWriter(EverythingProgram.EVENTS);
        final RowWriter dims = new RowWriter(EverythingProgram.DIMS);
        final ProgramDefinition definition = !materialized ? new EverythingProgram() : builder ->
        {
            new EverythingProgram().define(builder);
            builder.materialize(TradesVwap.TABLE, "events", "dims");
        };
        try (Program program = Program.build(definition,
            materialized ? new dev.keel.engine.state.PagedArena(1024, false) : new dev.keel.engine.state.PagedArena()))
        {
            if (materialized)
            {
                program.materializeTables();
            }
            final Operator[] views = new Operator[EverythingProgram.VIEWS.length];
            for (int i = 0; i < views.length; i++)
            {
                views[i] = program.view(EverythingProgram.VIEWS[i]);
            }
            long step = 0;
            long outputRows = 0;
            for (; step < 1500; step++)
            {
                EverythingProgram.feed(program, step, trades, events, dims);
                program.step();
                program.endStep();
            }
            final long before = allocated();
            for (; step < 2000; step++)
            {
                EverythingProgram.feed(program, step, trades, events, dims);
                program.step();
                for (final Operator view : views)
                {
                    outputRows += view.output().size();
                }
                program.endStep();
            }
            final long bytes = allocated() - before;
            assertTrue(outputRows > 500 * 100, "the measured steps must do work: " + outputRows + " output rows");
            assertTrue(bytes < BOUND_BYTES, "500 steps allocated " + bytes + " bytes");
        }
    }
}
