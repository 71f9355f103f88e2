package dev.keel.engine.api;

import dev.keel.engine.circuit.PipelineState;
import dev.keel.engine.config.ThreadingMode;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The embedded path allocates nothing per row or step outside the host's output polling: inserting
 * through an {@link InputHandle} and the agents' duty cycles (push endpoint, circuit with a journal,
 * handle output endpoint) are measured with the JVM's per-thread allocation counter.
 */
@Timeout(60)
class HandleAllocationTest
{
    private static final int WARM_UP_ROUNDS = 50_000;
    private static final int WINDOWS = 5;
    private static final int ROUNDS_PER_WINDOW = 5_000;
    private static final Schema SCHEMA = Schema.of(
        Column.of("id", ColumnType.INT64), Column.of("name", ColumnType.STRING));

    @Test
    void insertAndDutyCyclesAllocateNothingInSteadyState()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final EngineContext ctx = new EngineContext().threadingMode(ThreadingMode.INVOKER)
            .faultTolerance().journal(new CircuitJournalWithoutCopies()).context()
            .outputHandleBufferLength(8 * 1024 * 1024);
        try (KeelPipeline pipeline = Keel.launch(ctx, p -> p.view("out", p.keyedTable("t", SCHEMA, "id"))))
        {
            final InputHandle in = pipeline.inputHandle("t");
            final OutputHandle out = pipeline.outputHandle("out");
            final RowWriter writer = new RowWriter(SCHEMA);
            int round = 0;
            for (; round < WARM_UP_ROUNDS; round++)
            {
                round(pipeline, in, writer, round);
                out.poll();
            }

            // the host's poll allocates (it integrates into a map), so it stays out of the measured windows;
            // the JIT may allocate a few bytes once while it recompiles: a per-step allocation shows in every window
            long minimum = Long.MAX_VALUE;
            long total = 0;
            for (int window = 0; window < WINDOWS; window++)
            {
                final long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < ROUNDS_PER_WINDOW; i++, round++)
                {
                    round(pipeline, in, writer, round);
                }
                final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
                minimum = Math.min(minimum, allocated);
                total += allocated;
                out.poll();
            }

            out.poll();
            assertEquals(PipelineState.RUNNING, pipeline.state());
            assertEquals(8, out.rowCount());
            assertEquals(WARM_UP_ROUNDS + WINDOWS * ROUNDS_PER_WINDOW, out.lastTransactionId());
            assertEquals(0, minimum, "bytes allocated by " + ROUNDS_PER_WINDOW + " rounds of 8 inserts and 2 duty cycles");
            assertTrue(total < WINDOWS * ROUNDS_PER_WINDOW, "less than a byte per round over all windows: " + total);
        }
    }

    private static void round(final KeelPipeline pipeline, final InputHandle in, final RowWriter writer, final int round)
    {
        for (int i = 0; i < 8; i++)
        {
            writer.reset().putLong(0, i).putString(1, (round & 1) == 0 ? "even" : "odd").finish();
            if (!in.insert(writer))
            {
                throw new AssertionError("input handle full in round " + round);
            }
        }
        pipeline.invoke();
        pipeline.invoke();
    }

    /** Journal that keeps only positions: the test measures the engine, not a fake's copies. */
    static final class CircuitJournalWithoutCopies implements dev.keel.engine.spi.Journal
    {
        private long position;

        public long append(final dev.keel.engine.spi.StepRecord record)
        {
            position += 64 + record.dataLength(0);
            return position;
        }

        public long durablePosition()
        {
            return position;
        }

        public long position()
        {
            return position;
        }

        public Replay openReplay(final long fromPosition)
        {
            return Replay.empty(fromPosition);
        }

        public void releaseBefore(final long position)
        {
        }

        public void close()
        {
        }
    }
}
