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

    /** Two workers: the circuit thread and the other worker's thread allocate nothing per step either. */
    @Test
    void stepsOfTwoWorkersAllocateNothingInSteadyState()
    {
        run(true, 2);
    }

    private static void run(final boolean materialized)
    {
        run(materialized, 1);
    }

    private static void run(final boolean materialized, final int workers)
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
            dev.keel.engine.state.PagedArena.lanes(workers, materialized ? 1024 : 64, false), "opalloc", null))
        {
            final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
            final java.util.List<Thread> workerThreads = new java.util.ArrayList<>();
            for (final Thread thread : Thread.getAllStackTraces().keySet())
            {
                if (thread.getName().startsWith("keel-worker-opalloc-"))
                {
                    workerThreads.add(thread);
                }
            }
            assertEquals(workers - 1, workerThreads.size(), "worker threads");
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
            long before = allocated();
            for (final Thread thread : workerThreads)
            {
                before += threads.getThreadAllocatedBytes(thread.getId());
            }
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
            long bytes = allocated() - before;
            for (final Thread thread : workerThreads)
            {
                bytes += threads.getThreadAllocatedBytes(thread.getId());
            }
            assertTrue(outputRows > 500 * 100, "the measured steps must do work: " + outputRows + " output rows");
            assertTrue(bytes < BOUND_BYTES, "500 steps allocated " + bytes + " bytes");
        }
    }
}
