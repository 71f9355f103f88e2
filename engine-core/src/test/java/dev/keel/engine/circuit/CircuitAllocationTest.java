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
            CircuitAgent circuit = new CircuitAgent(ctx.circuitSettings(), Program.build(program),
                List.of(new InputAttachment("replayable", "t", new RepeatingInput(true, 0)),
                    new InputAttachment("pushed", "t", new RepeatingInput(false, 1000)),
                    new InputAttachment("keyed", "k", new RepeatingInput(false, 0))),
                List.of(new OutputAttachment("p", "plain", plainOut),
                    new OutputAttachment("k", "keyed", keyedOut)),
                counters.countersManager()))
        {
            circuit.openEndpoints();
            run(circuit, clock, 50_000);
            assertEquals(PipelineState.RUNNING, circuit.state());

            // the JIT may allocate a few bytes once while it recompiles: a per-step allocation shows in every window
            long minimum = Long.MAX_VALUE;
            long total = 0;
            for (int window = 0; window < 4; window++)
            {
                final long before = threads.getCurrentThreadAllocatedBytes();
                run(circuit, clock, 5_000);
                final long allocated = threads.getCurrentThreadAllocatedBytes() - before;
                minimum = Math.min(minimum, allocated);
                total += allocated;
            }

            assertEquals(PipelineState.RUNNING, circuit.state());
            assertEquals(70_000, circuit.lastStep());
            assertEquals(70_000L * 2 * ROWS_PER_STEP, plainOut.records);
            // first step inserts 16 keys, every later step replaces each of them: retraction + insert
            assertEquals(ROWS_PER_STEP + 69_999L * 2 * ROWS_PER_STEP, keyedOut.records);
            assertEquals(journaled, journal.bytes > 0, "non-replayable input was journaled as bytes");
            assertEquals(0, minimum, "bytes allocated by 5,000 steady-state steps");
            assertTrue(total < 20_000, "less than a byte per step over all windows: " + total);
        }
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
