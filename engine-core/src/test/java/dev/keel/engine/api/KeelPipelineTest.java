package dev.keel.engine.api;

import dev.keel.engine.KeelException;
import dev.keel.engine.status.KeelCounters;
import dev.keel.engine.circuit.PipelineState;
import dev.keel.engine.circuit.TestInputEndpoint;
import dev.keel.engine.circuit.TestJournal;
import dev.keel.engine.circuit.TestOutputEndpoint;
import dev.keel.engine.config.IdleStrategyType;
import dev.keel.engine.config.ThreadingMode;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.program.ProgramDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(60)
class KeelPipelineTest
{
    private static final Schema SCHEMA = Schema.of(
        Column.of("id", ColumnType.INT64), Column.of("name", ColumnType.STRING));
    private static final ProgramDefinition PROGRAM = p -> p.view("out", p.zsetTable("t", SCHEMA));
    private static final Duration WAIT = Duration.ofSeconds(20);

    private static boolean insert(final InputHandle handle, final RowWriter writer, final long id, final String name)
    {
        writer.reset().putLong(0, id).putString(1, name).finish();
        return handle.insert(writer);
    }

    private static void awaitCondition(final BooleanSupplier condition, final Runnable duty, final String what)
    {
        final long deadlineNs = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                fail("timed out waiting until " + what);
            }
            duty.run();
            LockSupport.parkNanos(100_000);
        }
    }

    private static Map<Long, Long> content(final OutputHandle handle)
    {
        final Map<Long, Long> rows = new TreeMap<>();
        handle.forEachRow((row, weight) -> rows.put(row.getLong(0), weight));
        return rows;
    }

    @Test
    void invokerModeRunsOnTheHostThread() throws InterruptedException
    {
        final EngineContext ctx = new EngineContext().threadingMode(ThreadingMode.INVOKER);
        final KeelPipeline pipeline = Keel.launch(ctx, PROGRAM);
        try
        {
            final InputHandle in = pipeline.inputHandle("t");
            final OutputHandle out = pipeline.outputHandle("out");
            final RowWriter writer = new RowWriter(SCHEMA);
            assertTrue(insert(in, writer, 1, "a"));
            assertTrue(insert(in, writer, 2, "b"));
            assertEquals(0, out.poll(), "nothing runs until the host invokes");

            pipeline.invoke();
            pipeline.invoke();
            final List<String> seen = new ArrayList<>();
            assertEquals(1, out.poll((txn, delta) -> seen.add(txn + ":" + delta.size())));
            assertEquals(List.of("1:2"), seen);
            assertEquals(Map.of(1L, 1L, 2L, 1L), content(out));

            writer.reset().putLong(0, 1).putString(1, "a").finish();
            assertTrue(in.delete(writer));
            pipeline.invoke();
            out.poll();
            assertEquals(Map.of(2L, 1L), content(out));
            assertEquals(2, out.lastTransactionId());
            assertEquals(PipelineState.RUNNING, pipeline.state());

            in.close();
            assertTrue(pipeline.awaitCompletion(WAIT));
            assertEquals(PipelineState.COMPLETED, pipeline.state());
            assertThrows(IllegalStateException.class, () -> insert(in, writer, 3, "c"));
        }
        finally
        {
            pipeline.close();
        }
        pipeline.close();
        assertEquals(PipelineState.STOPPED, pipeline.state());
    }

    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = { "DEDICATED", "SHARED" })
    void threadedModesRunEndToEnd(final ThreadingMode mode) throws Exception
    {
        final EngineContext ctx = new EngineContext()
            .threadingMode(mode)
            .idleStrategy(IdleStrategyType.SLEEPING)
            .pipelineName("e2e-" + mode.name().toLowerCase());
        try (KeelPipeline pipeline = Keel.launch(ctx, PROGRAM))
        {
            final InputHandle in = pipeline.inputHandle("t");
            final OutputHandle out = pipeline.outputHandle("out");
            final int producers = 3;
            final int rowsEach = 500;
            final List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++)
            {
                final int producer = p;
                final Thread thread = new Thread(() ->
                {
                    final RowWriter writer = new RowWriter(SCHEMA);
                    for (int i = 0; i < rowsEach; i++)
                    {
                        final long id = producer * 10_000L + i;
                        while (!insert(in, writer, id, "p" + producer))
                        {
                            Thread.onSpinWait();
                        }
                    }
                });
                threads.add(thread);
                thread.start();
            }
            for (final Thread thread : threads)
            {
                thread.join();
            }
            awaitCondition(() -> out.rowCount() == producers * rowsEach, out::poll, "every row is in the view");
            assertEquals(PipelineState.RUNNING, pipeline.state());

            final ZSetBatch retractions = new ZSetBatch(SCHEMA);
            final RowWriter writer = new RowWriter(SCHEMA);
            for (int i = 0; i < rowsEach; i++)
            {
                writer.reset().putLong(0, i).putString(1, "p0").finish();
                retractions.add(writer, -1);
            }
            while (!in.push(retractions))
            {
                Thread.onSpinWait();
            }
            in.close();
            assertTrue(pipeline.awaitCompletion(WAIT));
            out.poll();
            assertEquals((producers - 1) * rowsEach, out.rowCount());
            assertTrue(content(out).keySet().stream().allMatch(id -> id >= 10_000));
            assertEquals(0, pipeline.errorCount());
        }
    }

    @ParameterizedTest
    @EnumSource(ThreadingMode.class)
    void endpointAgentsAreScheduledByTheThreadingMode(final ThreadingMode mode) throws InterruptedException
    {
        final AgentInputEndpoint reader = new AgentInputEndpoint("reader", SCHEMA, 1000, -1);
        final EngineContext ctx = new EngineContext()
            .threadingMode(mode)
            .idleStrategy(IdleStrategyType.SLEEPING)
            .pinCircuitThread(false)
            .input("reader", "t", reader)
            .outputHandle("out")
            .output("sink", "out", new TestOutputEndpoint("sink"));
        try (KeelPipeline pipeline = Keel.launch(ctx, PROGRAM))
        {
            assertTrue(pipeline.awaitCompletion(WAIT));
            final OutputHandle out = pipeline.outputHandle("out");
            out.poll();
            assertEquals(1000, out.rowCount());
            final Thread agentThread = reader.agentThread();
            if (mode == ThreadingMode.INVOKER)
            {
                assertSame(Thread.currentThread(), agentThread);
            }
            else
            {
                assertNotSame(Thread.currentThread(), agentThread);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = { "DEDICATED", "SHARED" })
    void anEndpointAgentErrorFailsThePipelineOnce(final ThreadingMode mode) throws InterruptedException
    {
        final AgentInputEndpoint reader = new AgentInputEndpoint("reader", SCHEMA, 1000, 500);
        final EngineContext ctx = new EngineContext()
            .threadingMode(mode)
            .idleStrategy(IdleStrategyType.SLEEPING)
            .pinCircuitThread(false)
            .input("reader", "t", reader)
            .output("sink", "out", new TestOutputEndpoint("sink"));
        try (KeelPipeline pipeline = Keel.launch(ctx, PROGRAM))
        {
            final KeelException thrown = assertThrows(KeelException.class, () -> pipeline.awaitCompletion(WAIT));
            assertTrue(thrown.getMessage().contains("read error at record 500"), thrown.getMessage());
            assertEquals(PipelineState.FAILED, pipeline.state());
            assertEquals(1, pipeline.errorCount(), "a failed agent is not run again");
        }
    }

    @Test
    void connectorEndpointsAttachThroughTheContext() throws InterruptedException
    {
        final TestInputEndpoint file = new TestInputEndpoint("file", SCHEMA, true).addRange(1, 5).end();
        final TestOutputEndpoint sink = new TestOutputEndpoint("sink");
        final EngineContext ctx = new EngineContext()
            .threadingMode(ThreadingMode.INVOKER)
            .input("file", "t", file)
            .output("sink", "out", sink)
            .outputHandle("out");
        try (KeelPipeline pipeline = Keel.launch(ctx, PROGRAM))
        {
            assertEquals(0, file.openedAt());
            assertThrows(IllegalArgumentException.class, () -> pipeline.inputHandle("t"),
                "a table with a connector has no handle unless asked for");
            assertTrue(pipeline.awaitCompletion(WAIT));
            assertEquals(List.of(1L), sink.transactions());
            final OutputHandle out = pipeline.outputHandle("out");
            out.poll();
            assertEquals(5, out.rowCount());
        }
        assertTrue(file.isClosed());
        assertTrue(sink.isClosed());
    }

    @Test
    void anEndpointErrorFailsThePipelineAndSurfacesTheMessage() throws InterruptedException
    {
        final TestInputEndpoint bad = new TestInputEndpoint("bad", SCHEMA, true)
            .failNextPoll(new KeelException(KeelException.Category.CONNECTOR, "CONNECTOR_PARSE",
                "endpoint 'bad': malformed record at offset 17"));
        final EngineContext ctx = new EngineContext()
            .threadingMode(ThreadingMode.DEDICATED)
            .idleStrategy(IdleStrategyType.SLEEPING)
            .pinCircuitThread(false)
            .input("bad", "t", bad)
            .inputHandle("t");
        try (KeelPipeline pipeline = Keel.launch(ctx, PROGRAM))
        {
            final KeelException thrown = assertThrows(KeelException.class, () -> pipeline.awaitCompletion(WAIT));
            assertTrue(thrown.getMessage().contains("malformed record at offset 17"), thrown.getMessage());
            assertEquals(KeelException.Category.CONNECTOR, thrown.category());
            assertEquals(PipelineState.FAILED, pipeline.state());
            assertEquals("CONNECTOR_PARSE", ((KeelException)pipeline.failure()).code());
            assertEquals(1, pipeline.errorCount());
            final RowWriter writer = new RowWriter(SCHEMA);
            assertThrows(KeelException.class, () -> insert(pipeline.inputHandle("t"), writer, 1, "x"));
        }
    }

    @Test
    void aSlowOutputHandleStallsThePipelineWithoutLosingRows()
    {
        final EngineContext ctx = new EngineContext()
            .threadingMode(ThreadingMode.INVOKER)
            .outputHandleBufferLength(1024)
            .maxBatchSizeRecords(300);
        try (KeelPipeline pipeline = Keel.launch(ctx, PROGRAM))
        {
            final InputHandle in = pipeline.inputHandle("t");
            final OutputHandle out = pipeline.outputHandle("out");
            final RowWriter writer = new RowWriter(SCHEMA);
            for (int i = 0; i < 1000; i++)
            {
                assertTrue(insert(in, writer, i, "row-" + i));
            }
            for (int i = 0; i < 50; i++)
            {
                pipeline.invoke();
            }
            assertTrue(pipeline.circuit().pendingStepCount() > 0, "the full handle holds output back");
            awaitCondition(() -> out.rowCount() == 1000, () ->
            {
                pipeline.invoke();
                out.poll();
            }, "all rows went through a 1 KiB handle");
            assertEquals(4, out.lastTransactionId(), "300 + 300 + 300 + 100 records");
        }
    }

    @Test
    void anExactlyOnceEmbeddedPipelineRecoversPushedRowsFromTheJournal() throws InterruptedException
    {
        final TestJournal journal = new TestJournal().autoDurable(true);
        final Map<Long, Long> before;
        try (KeelPipeline pipeline = Keel.launch(
            new EngineContext().threadingMode(ThreadingMode.INVOKER).faultTolerance().journal(journal).context(), PROGRAM))
        {
            final InputHandle in = pipeline.inputHandle("t");
            final RowWriter writer = new RowWriter(SCHEMA);
            insert(in, writer, 1, "a");
            insert(in, writer, 2, "b");
            pipeline.invoke();
            pipeline.invoke();
            insert(in, writer, 3, "c");
            pipeline.invoke();
            final OutputHandle out = pipeline.outputHandle("out");
            out.poll();
            before = content(out);
            assertEquals(2, journal.entries().size());
        }

        journal.reopen();
        try (KeelPipeline pipeline = Keel.launch(
            new EngineContext().threadingMode(ThreadingMode.INVOKER).faultTolerance().journal(journal).context(), PROGRAM))
        {
            pipeline.invoke();
            final OutputHandle out = pipeline.outputHandle("out");
            out.poll();
            assertEquals(before, content(out));
            assertEquals(2, out.lastTransactionId());
            assertEquals(2, pipeline.counters().getCounterValue(findCounter(pipeline, KeelCounters.REPLAYED_STEPS_TYPE_ID)));
        }
    }

    private static int findCounter(final KeelPipeline pipeline, final int typeId)
    {
        final int[] id = {-1};
        pipeline.counters().forEach((value, counterId, label) ->
        {
            if (pipeline.counters().getCounterTypeId(counterId) == typeId)
            {
                id[0] = counterId;
            }
        });
        return id[0];
    }

    @Test
    void contextValidationNamesFieldValueAndAllowed()
    {
        final KeelException batch = assertThrows(KeelException.class,
            () -> new EngineContext().maxBatchSizeRecords(0).conclude());
        assertEquals(KeelException.Category.CONFIG, batch.category());
        assertEquals("[CONFIG_INVALID] EngineContext.maxBatchSizeRecords = 0 is invalid; allowed: 1..16777216",
            batch.getMessage());

        final KeelException pending = assertThrows(KeelException.class,
            () -> new EngineContext().pendingStepCapacity(48).conclude());
        assertTrue(pending.getMessage().contains("pendingStepCapacity = 48") &&
            pending.getMessage().contains("power of two"), pending.getMessage());

        final KeelException pin = assertThrows(KeelException.class,
            () -> new EngineContext().threadingMode(ThreadingMode.INVOKER).pinCpus(1).conclude());
        assertTrue(pin.getMessage().contains("pinCpus = [1]"), pin.getMessage());

        final KeelException delay = assertThrows(KeelException.class,
            () -> new EngineContext().maxBufferingDelayUsecs(10_000_001).conclude());
        assertTrue(delay.getMessage().contains("0..10000000"), delay.getMessage());
    }

    @Test
    void anEndpointBoundToAnUnknownTableFailsLaunchAndIsClosed()
    {
        final TestInputEndpoint input = new TestInputEndpoint("in", SCHEMA, true);
        final EngineContext ctx = new EngineContext().threadingMode(ThreadingMode.INVOKER).input("in", "nope", input);
        final KeelException thrown = assertThrows(KeelException.class, () -> Keel.launch(ctx, PROGRAM));
        assertEquals("CONFIG_UNKNOWN_TABLE", thrown.code());
        assertTrue(thrown.getMessage().contains("'nope'") && thrown.getMessage().contains("[t]"), thrown.getMessage());
        assertTrue(input.isClosed());
    }

    @Test
    void aCpuThatCannotBePinnedLeavesThePipelineRunningUnpinned() throws InterruptedException
    {
        final EngineContext ctx = new EngineContext()
            .threadingMode(ThreadingMode.SHARED)
            .idleStrategy(IdleStrategyType.SLEEPING)
            .pinCpus(4096);
        try (KeelPipeline pipeline = Keel.launch(ctx, PROGRAM))
        {
            final InputHandle in = pipeline.inputHandle("t");
            assertTrue(insert(in, new RowWriter(SCHEMA), 1, "a"));
            in.close();
            assertTrue(pipeline.awaitCompletion(WAIT));
            assertFalse(pipeline.circuit().isPinned());
            assertEquals(0, pipeline.errorCount());
        }
    }

    @Test
    void pinningDefaultsFollowTheThreadingMode()
    {
        assertTrue(new EngineContext().conclude().pinCircuitThread());
        assertFalse(new EngineContext().threadingMode(ThreadingMode.SHARED).conclude().pinCircuitThread());
        assertTrue(new EngineContext().threadingMode(ThreadingMode.SHARED).pinCpus(1).conclude().pinCircuitThread());
        assertFalse(new EngineContext().pinCircuitThread(false).conclude().pinCircuitThread());
    }
}
