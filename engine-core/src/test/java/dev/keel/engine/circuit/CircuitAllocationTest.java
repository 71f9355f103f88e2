package dev.keel.engine.circuit;

import dev.keel.engine.status.KeelCounters;

import dev.keel.engine.api.EngineContext;
import dev.keel.engine.config.ThreadingMode;
import dev.keel.engine.connector.InputEndpoint;
import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.program.Program;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.spi.Journal;
import dev.keel.engine.spi.StepRecord;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.util.List;

import static dev.keel.engine.circuit.CircuitAgentTest.SCHEMA;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Steady-state steps allocate nothing on the circuit thread: measured with the JVM's per-thread
 * allocation counter around many duty cycles, after warm-up, with endpoints and a journal that do not
 * allocate themselves. The JMH {@code -prof gc} benchmark belongs in {@code benchmarks/}.
 */
@Timeout(60)
class CircuitAllocationTest
{
    private static final int ROWS_PER_STEP = 16;

    /** Delivers the same rows (alternating two values per key) on every poll. */
    static final class RepeatingInput implements InputEndpoint
    {
        private final ZSetBatch[] batches = { new ZSetBatch(SCHEMA), new ZSetBatch(SCHEMA) };
        private final boolean replayable;
        private long position;
        private int flip;

        RepeatingInput(final boolean replayable, final long firstId)
        {
            this.replayable = replayable;
            final RowWriter writer = new RowWriter(SCHEMA);
            for (int i = 0; i < ROWS_PER_STEP; i++)
            {
                writer.reset().putLong(0, firstId + i).putString(1, "a").finish();
                batches[0].add(writer, 1);
                writer.reset().putLong(0, firstId + i).putString(1, "bb").finish();
                batches[1].add(writer, 1);
            }
        }

        public String name()
        {
            return "repeat";
        }

        public boolean replayable()
        {
            return replayable;
        }

        public void open(final long resumePosition)
        {
        }

        public int poll(final ZSetBatch out, final int maxRecords, final long stopAtPosition)
        {
            final ZSetBatch batch = batches[flip];
            flip ^= 1;
            out.addAll(batch, 1);
            position += batch.size();
            return batch.size();
        }

        public long position()
        {
            return replayable ? position : NO_POSITION;
        }

        public boolean endOfInput()
        {
            return false;
        }

        public long skippedRecords()
        {
            return 0;
        }

        public void close()
        {
        }
    }

    static final class CountingOutput implements OutputEndpoint
    {
        long records;
        long delivered;

        public String name()
        {
            return "count";
        }

        public void open()
        {
        }

        public void restore(final long position, final long transactionId)
        {
        }

        public boolean offer(final long transactionId, final ZSetBatch delta)
        {
            records += delta.size();
            delivered = transactionId;
            return true;
        }

        public long deliveredTransactionId()
        {
            return delivered;
        }

        public long deliveredPosition()
        {
            return 0;
        }

        public void flush()
        {
        }

        public void checkError()
        {
        }

        public void close()
        {
        }
    }

    static final class PositionOnlyJournal implements Journal
    {
        long position;
        long bytes;

        public long append(final StepRecord record)
        {
            for (int i = 0; i < record.endpointCount(); i++)
            {
                bytes += record.dataLength(i);
            }
            position += 64;
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
            // a fresh journal: nothing to replay
            return Replay.empty(position);
        }

        public void releaseBefore(final long position)
        {
        }

        public void close()
        {
        }
    }

    @ParameterizedTest(name = "journaled={0}")
    @ValueSource(booleans = { true, false })
    void steadyStateStepsAllocateNothing(final boolean journaled)
    {
        run(journaled, 1, 50_000, 5_000);
    }

    /**
     * Two circuit workers: neither the circuit thread (worker 0) nor the other worker's thread allocates per step
     * (exchange parts, barrier and view merge are preallocated). Fewer steps: each one crosses the barriers.
     */
    @org.junit.jupiter.api.Test
    void steadyStateStepsOfTwoWorkersAllocateNothing()
    {
        run(true, 2, 10_000, 1_000);
    }

    private static void run(final boolean journaled, final int workers, final int warmUp, final int window)
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported());

        final ProgramDefinition program = p ->
        {
            p.view("plain", p.zsetTable("t", SCHEMA));
            p.view("keyed", p.keyedTable("k", SCHEMA, "id"));
        };
        final CachedNanoClock clock = new CachedNanoClock();
        final PositionOnlyJournal journal = new PositionOnlyJournal();
        final CountingOutput plainOut = new CountingOutput();
        final CountingOutput keyedOut = new CountingOutput();
        final EngineContext ctx = new EngineContext()
            .threadingMode(ThreadingMode.INVOKER)
            .nanoClock(clock)
            .housekeepingIntervalNs(3)
            .faultTolerance()
            .journal(journaled ? journal : null)
            .journalReplayFromPosition(-1)
            .context();
        try (KeelCounters counters = new KeelCounters(KeelCounters.DEFAULT_VALUES_BUFFER_LENGTH);
            CircuitAgent circuit = new CircuitAgent(ctx.circuitSettings(), Program.build(program,
                dev.keel.engine.state.PagedArena.lanes(workers, 64, false), "alloc", null),
                List.of(new InputAttachment("replayable", "t", new RepeatingInput(true, 0)),
                    new InputAttachment("pushed", "t", new RepeatingInput(false, 1000)),
                    new InputAttachment("keyed", "k", new RepeatingInput(false, 0))),
                List.of(new OutputAttachment("p", "plain", plainOut),
                    new OutputAttachment("k", "keyed", keyedOut)),
                counters.countersManager()))
        {
            circuit.openEndpoints();
            run(circuit, clock, warmUp);
            assertEquals(PipelineState.RUNNING, circuit.state());
            final List<Thread> workerThreads = new java.util.ArrayList<>();
            for (final Thread thread : Thread.getAllStackTraces().keySet())
            {
                if (thread.getName().startsWith("keel-worker-alloc-"))
                {
                    workerThreads.add(thread);
                }
            }
            assertEquals(workers - 1, workerThreads.size(), "worker threads");

            // the JIT may allocate a few bytes once while it recompiles: a per-step allocation shows in every window
            long minimum = Long.MAX_VALUE;
            long total = 0;
            for (int w = 0; w < 4; w++)
            {
                final long before = threads.getCurrentThreadAllocatedBytes() + allocated(threads, workerThreads);
                run(circuit, clock, window);
                final long allocated =
                    threads.getCurrentThreadAllocatedBytes() + allocated(threads, workerThreads) - before;
                minimum = Math.min(minimum, allocated);
                total += allocated;
            }

            final int steps = warmUp + 4 * window;
            assertEquals(PipelineState.RUNNING, circuit.state());
            assertEquals(steps, circuit.lastStep());
            assertEquals(steps * 2L * ROWS_PER_STEP, plainOut.records);
            // first step inserts 16 keys, every later step replaces each of them: retraction + insert
            assertEquals(ROWS_PER_STEP + (steps - 1L) * 2 * ROWS_PER_STEP, keyedOut.records);
            assertEquals(journaled, journal.bytes > 0, "non-replayable input was journaled as bytes");
            assertEquals(0, minimum, "bytes allocated by " + window + " steady-state steps");
            assertTrue(total < 20_000, "less than a byte per step over all windows: " + total);
        }
    }

    private static long allocated(final com.sun.management.ThreadMXBean threads, final List<Thread> workerThreads)
    {
        long sum = 0;
        for (int i = 0; i < workerThreads.size(); i++) // no iterator: the measured thread must not allocate here
        {
            sum += threads.getThreadAllocatedBytes(workerThreads.get(i).getId());
        }
        return sum;
    }

    private static void run(final CircuitAgent circuit, final CachedNanoClock clock, final int steps)
    {
        final long target = circuit.lastStep() + steps;
        while (circuit.lastStep() < target)
        {
            clock.advance(1);
            circuit.doWork();
        }
    }
}
