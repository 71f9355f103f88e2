package dev.keel.engine.circuit;

import dev.keel.engine.status.KeelCounters;

import dev.keel.engine.KeelException;
import dev.keel.engine.api.EngineContext;
import dev.keel.engine.config.ThreadingMode;
import dev.keel.engine.connector.InputEndpoint;
import dev.keel.engine.connector.file.FileOutputEndpoint;
import dev.keel.engine.connector.file.FileOutputSettings;
import dev.keel.engine.connector.format.FormatSettings;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.program.Program;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.spi.StepRecord;
import dev.keel.engine.state.MetaBuffer;
import dev.keel.engine.state.PagedArena;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

@Timeout(30)
class CircuitAgentTest
{
    static final Schema SCHEMA = Schema.of(Column.of("id", ColumnType.INT64), Column.of("name", ColumnType.STRING));
    static final ProgramDefinition PROGRAM = p -> p.view("out", p.zsetTable("t", SCHEMA));
    private static final long HOUSEKEEPING_NS = 1_000;

    private final CachedNanoClock clock = new CachedNanoClock();
    private final KeelCounters counters = new KeelCounters(KeelCounters.DEFAULT_VALUES_BUFFER_LENGTH);
    private final List<CircuitAgent> circuits = new ArrayList<>();

    @AfterEach
    void closeAll()
    {
        circuits.forEach(CircuitAgent::close);
        counters.close();
    }

    private EngineContext context()
    {
        return new EngineContext()
            .threadingMode(ThreadingMode.INVOKER)
            .nanoClock(clock)
            .housekeepingIntervalNs(HOUSEKEEPING_NS);
    }

    private EngineContext journaled(final dev.keel.engine.spi.Journal journal)
    {
        return context().faultTolerance().journal(journal).context();
    }

    private CircuitAgent circuit(
        final EngineContext ctx, final List<TestInputEndpoint> inputs, final List<TestOutputEndpoint> outputs)
    {
        final List<InputAttachment> in = new ArrayList<>();
        for (final TestInputEndpoint input : inputs)
        {
            in.add(new InputAttachment(input.name(), "t", input));
        }
        final List<OutputAttachment> out = new ArrayList<>();
        for (final TestOutputEndpoint output : outputs)
        {
            out.add(new OutputAttachment(output.name(), "out", output));
        }
        final CircuitAgent circuit = new CircuitAgent(ctx.circuitSettings(), Program.build(PROGRAM), in, out, counters.countersManager());
        circuit.openEndpoints();
        circuits.add(circuit);
        return circuit;
    }

    private static int cycles(final CircuitAgent circuit, final int count)
    {
        int work = 0;
        for (int i = 0; i < count; i++)
        {
            work += circuit.doWork();
        }
        return work;
    }

    private void tick(final CircuitAgent circuit)
    {
        clock.advance(HOUSEKEEPING_NS);
        circuit.doWork();
    }

    private static List<String> rows(final long... ids)
    {
        final List<String> rows = new ArrayList<>();
        for (final long id : ids)
        {
            rows.add("(" + id + ", 'r" + id + "') x1");
        }
        return rows;
    }

    private long counter(final int typeId)
    {
        final long[] value = {Long.MIN_VALUE};
        counters.countersManager().forEach((counterValue, counterId, label) ->
        {
            if (counters.countersManager().getCounterTypeId(counterId) == typeId)
            {
                value[0] = counterValue;
            }
        });
        return value[0];
    }

    @Test
    void stepsRunOnlyWhenThereIsInput()
    {
        final TestInputEndpoint input = new TestInputEndpoint("in", SCHEMA, true);
        final TestOutputEndpoint output = new TestOutputEndpoint("o");
        final CircuitAgent circuit = circuit(context(), List.of(input), List.of(output));

        cycles(circuit, 10);
        assertEquals(PipelineState.RUNNING, circuit.state());
        assertEquals(0, circuit.lastStep());
        assertTrue(output.transactions().isEmpty());
        assertEquals(0, circuit.doWork(), "an idle duty cycle reports no work");

        input.addRange(1, 3);
        assertTrue(circuit.doWork() > 0);
        assertEquals(1, circuit.lastStep());
        assertEquals(List.of(1L), output.transactions());
        assertEquals(rows(1, 2, 3), output.deltas().get(0));

        cycles(circuit, 10);
        assertEquals(1, circuit.lastStep(), "no empty steps");
        assertEquals(1, counter(KeelCounters.STEPS_TYPE_ID));
        assertEquals(3, counter(KeelCounters.RECORDS_IN_TYPE_ID));
        assertEquals(3, counter(KeelCounters.RECORDS_OUT_TYPE_ID));
        assertEquals(PipelineState.RUNNING.code(), counter(KeelCounters.PIPELINE_STATE_TYPE_ID));
    }

    @Test
    void minBatchSizeWaitsForRecordsOrForTheBufferingDelay()
    {
        final TestInputEndpoint input = new TestInputEndpoint("in", SCHEMA, true);
        final TestOutputEndpoint output = new TestOutputEndpoint("o");
        final CircuitAgent circuit = circuit(
            context().minBatchSizeRecords(5).maxBufferingDelayUsecs(100), List.of(input), List.of(output));
        circuit.doWork();

        input.addRange(1, 3);
        cycles(circuit, 5);
        assertEquals(0, circuit.lastStep(), "3 of 5 records, no delay passed");
        clock.advance(TimeUnit.MICROSECONDS.toNanos(50));
        cycles(circuit, 5);
        assertEquals(0, circuit.lastStep(), "50 of 100 us");
        input.addRange(4, 2);
        circuit.doWork();
        assertEquals(1, circuit.lastStep(), "5 records reached");
        assertEquals(rows(1, 2, 3, 4, 5), output.deltas().get(0));

        input.addRange(6, 1);
        circuit.doWork();
        clock.advance(TimeUnit.MICROSECONDS.toNanos(99));
        cycles(circuit, 5);
        assertEquals(1, circuit.lastStep(), "99 us after the first buffered record");
        clock.advance(TimeUnit.MICROSECONDS.toNanos(1));
        circuit.doWork();
        assertEquals(2, circuit.lastStep(), "100 us after the first buffered record");
        assertEquals(rows(6), output.deltas().get(1));
    }

    @Test
    void maxBatchSizeBoundsEachEndpointPerStepAndTransactionsIncreaseByOne()
    {
        final TestInputEndpoint a = new TestInputEndpoint("a", SCHEMA, true);
        final TestInputEndpoint b = new TestInputEndpoint("b", SCHEMA, false);
        final TestOutputEndpoint output = new TestOutputEndpoint("o");
        final CircuitAgent circuit = circuit(context().maxBatchSizeRecords(2), List.of(a, b), List.of(output));
        circuit.doWork();

        a.addRange(1, 5);
        b.addRange(100, 1);
        cycles(circuit, 10);
        assertEquals(List.of(1L, 2L, 3L), output.transactions());
        assertEquals(rows(1, 2, 100), output.deltas().get(0));
        assertEquals(rows(3, 4), output.deltas().get(1));
        assertEquals(rows(5), output.deltas().get(2));
        assertEquals(3, circuit.lastStep());
        assertEquals(3, circuit.emittedTransactionId());
    }

    @Test
    void everyOutputGetsEveryStepOnceInOrderIncludingEmptyDeltas()
    {
        final ProgramDefinition twoViews = p ->
        {
            p.view("out", p.zsetTable("t", SCHEMA));
            p.view("other", p.zsetTable("u", SCHEMA));
        };
        final TestInputEndpoint t = new TestInputEndpoint("t_in", SCHEMA, true);
        final TestInputEndpoint u = new TestInputEndpoint("u_in", SCHEMA, true);
        final TestOutputEndpoint outA = new TestOutputEndpoint("a");
        final TestOutputEndpoint outB = new TestOutputEndpoint("b");
        final TestOutputEndpoint other = new TestOutputEndpoint("c");
        final CircuitAgent circuit = new CircuitAgent(context().circuitSettings(), Program.build(twoViews),
            List.of(new InputAttachment("t_in", "t", t), new InputAttachment("u_in", "u", u)),
            List.of(new OutputAttachment("a", "out", outA),
                new OutputAttachment("b", "out", outB),
                new OutputAttachment("c", "other", other)),
            counters.countersManager());
        circuits.add(circuit);
        circuit.openEndpoints();
        circuit.doWork();

        t.addRange(1, 2);
        circuit.doWork();
        u.addRange(10, 1);
        circuit.doWork();
        t.add(1, "r1", -1);
        circuit.doWork();

        assertEquals(List.of(1L, 2L, 3L), outA.transactions());
        assertEquals(outA.deltas(), outB.deltas());
        assertEquals(List.of(rows(1, 2), List.of(), List.of("(1, 'r1') x-1")), outA.deltas());
        assertEquals(List.of(1L, 2L, 3L), other.transactions());
        assertEquals(List.of(List.of(), rows(10), List.of()), other.deltas());
    }

    @Test
    void backPressureStallsEmittingAndThenStepsButLosesNothing()
    {
        final TestInputEndpoint input = new TestInputEndpoint("in", SCHEMA, true);
        final TestOutputEndpoint slow = new TestOutputEndpoint("slow").refuse(true);
        final TestOutputEndpoint fast = new TestOutputEndpoint("fast");
        final CircuitAgent circuit = circuit(
            context().pendingStepCapacity(4).maxBatchSizeRecords(1), List.of(input), List.of(slow, fast));
        circuit.doWork();

        input.addRange(1, 10);
        cycles(circuit, 20);
        assertEquals(4, circuit.lastStep(), "4 steps fill the pending ring, then stepping stalls");
        assertEquals(4, circuit.pendingStepCount());
        assertEquals(5, input.buffered(), "input waits in the endpoint, one record is staged for step 5");
        assertTrue(slow.transactions().isEmpty());
        assertEquals(List.of(1L, 2L, 3L, 4L), fast.transactions(), "a fast output does not wait for a slow one");
        assertTrue(slow.refusals() > 0);
        assertTrue(counter(KeelCounters.OUTPUT_BACK_PRESSURE_TYPE_ID) > 0);

        slow.refuse(false);
        cycles(circuit, 30);
        assertEquals(10, circuit.lastStep());
        final List<Long> expected = List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
        assertEquals(expected, slow.transactions());
        assertEquals(expected, fast.transactions());
        for (int i = 0; i < 10; i++)
        {
            assertEquals(rows(i + 1), slow.deltas().get(i));
        }
        assertEquals(0, circuit.pendingStepCount());
    }

    @Test
    void outputWaitsForTheJournalAndSeveralStepsAreReleasedByOneSync()
    {
        final TestJournal journal = new TestJournal();
        final TestInputEndpoint input = new TestInputEndpoint("in", SCHEMA, true);
        final TestOutputEndpoint output = new TestOutputEndpoint("o");
        final CircuitAgent circuit = circuit(journaled(journal), List.of(input), List.of(output));
        circuit.doWork();

        input.addRange(1, 1);
        cycles(circuit, 3);
        input.addRange(2, 1);
        cycles(circuit, 3);
        input.addRange(3, 1);
        cycles(circuit, 3);
        assertEquals(3, circuit.lastStep(), "steps keep running while the journal syncs");
        assertEquals(3, journal.entries().size());
        assertTrue(output.transactions().isEmpty(), "nothing leaves before it is durable");
        assertEquals(3, circuit.pendingStepCount());

        journal.makeDurable(TestJournal.RECORD_LENGTH);
        circuit.doWork();
        assertEquals(List.of(1L), output.transactions());
        assertEquals(1, circuit.durableTransactionId());

        journal.makeAllDurable();
        circuit.doWork();
        assertEquals(List.of(1L, 2L, 3L), output.transactions(), "one sync released two pending steps");
        assertEquals(List.of(rows(1), rows(2), rows(3)), output.deltas());
        assertEquals(0, circuit.pendingStepCount());
    }

    @Test
    void aHoldingOutputTakesStepsAtOnceButDeliversOnlyWhatTheJournalMadeDurable()
    {
        final TestJournal journal = new TestJournal();
        final TestInputEndpoint input = new TestInputEndpoint("in", SCHEMA, true);
        final TestOutputEndpoint holding = new TestOutputEndpoint("holding").holdUntilDurable(true);
        final TestOutputEndpoint waiting = new TestOutputEndpoint("waiting");
        final CircuitAgent circuit = circuit(journaled(journal), List.of(input), List.of(holding, waiting));
        circuit.doWork();

        input.addRange(1, 1);
        cycles(circuit, 3);
        input.addRange(2, 1);
        cycles(circuit, 3);
        input.addRange(3, 1);
        cycles(circuit, 3);
        assertEquals(3, circuit.lastStep());
        assertEquals(List.of(1L, 2L, 3L), holding.transactions(), "a holding output is offered each step as it ran");
        assertEquals(List.of(rows(1), rows(2), rows(3)), holding.deltas());
        assertEquals(0, holding.deliveredTransactionId(), "but delivers nothing before the journal is durable");
        assertTrue(holding.durableCalls().isEmpty());
        assertTrue(waiting.transactions().isEmpty(), "an output that does not hold still waits for the journal");
        assertEquals(3, circuit.pendingStepCount());

        journal.makeDurable(TestJournal.RECORD_LENGTH);
        circuit.doWork();
        assertEquals(List.of(1L), holding.durableCalls());
        assertEquals(1, holding.deliveredTransactionId());
        assertEquals(List.of(1L), waiting.transactions());

        journal.makeAllDurable();
        circuit.doWork();
        assertEquals(List.of(1L, 3L), holding.durableCalls(), "one call per advance of the durable step");
        assertEquals(3, holding.deliveredTransactionId());
        assertEquals(List.of(rows(1), rows(2), rows(3)), waiting.deltas(), "the copy kept for the waiting output");
        assertEquals(List.of(1L, 2L, 3L), holding.transactions(), "no step is offered twice");
        assertEquals(0, circuit.pendingStepCount());
    }

    @Test
    void whenEveryOutputHoldsTheRingKeepsOnlyPositionsAndARefusedStepIsKeptInFull()
    {
        final TestJournal journal = new TestJournal();
        final TestInputEndpoint input = new TestInputEndpoint("in", SCHEMA, true);
        final TestOutputEndpoint holding = new TestOutputEndpoint("holding").holdUntilDurable(true);
        final CircuitAgent circuit = circuit(
            journaled(journal).pendingStepCapacity(4).maxBatchSizeRecords(1), List.of(input), List.of(holding));
        circuit.doWork();

        input.addRange(1, 10);
        cycles(circuit, 20);
        assertEquals(4, circuit.lastStep(), "undurable steps still fill the ring (their journal positions)");
        assertEquals(List.of(1L, 2L, 3L, 4L), holding.transactions());
        assertEquals(0, holding.deliveredTransactionId());

        journal.makeAllDurable();
        circuit.doWork();
        assertEquals(4, holding.deliveredTransactionId());
        holding.refuse(true);
        cycles(circuit, 5);
        assertEquals(8, circuit.lastStep(), "steps 5 to 8 were refused and kept in the ring, which is full");
        assertEquals(4, circuit.pendingStepCount());
        assertEquals(4, holding.transactions().size());
        holding.refuse(false);
        journal.makeAllDurable();
        cycles(circuit, 30);
        journal.makeAllDurable();
        cycles(circuit, 5);
        assertEquals(10, circuit.lastStep());
        final List<Long> expected = List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
        assertEquals(expected, holding.transactions());
        for (int i = 0; i < 10; i++)
        {
            assertEquals(rows(i + 1), holding.deltas().get(i), "transaction " + (i + 1));
        }
        assertEquals(10, holding.deliveredTransactionId());
        assertEquals(0, circuit.pendingStepCount());
    }

    @Test
    void aHoldingOutputWithoutAJournalIsToldEachStepIsDurable()
    {
        final TestInputEndpoint input = new TestInputEndpoint("in", SCHEMA, true);
        final TestOutputEndpoint holding = new TestOutputEndpoint("holding").holdUntilDurable(true);
        final CircuitAgent circuit = circuit(context().maxBatchSizeRecords(1), List.of(input), List.of(holding));
        circuit.doWork();

        input.addRange(1, 3);
        cycles(circuit, 10);
        assertEquals(3, circuit.lastStep());
        assertEquals(List.of(1L, 2L, 3L), holding.transactions());
        assertEquals(3, holding.deliveredTransactionId());
        assertEquals(3, holding.durableCalls().get(holding.durableCalls().size() - 1));
    }

    @Test
    void journalRecordCarriesPositionsForReplayableEndpointsAndBytesForOthers()
    {
        final TestJournal journal = new TestJournal().autoDurable(true);
        final TestInputEndpoint file = new TestInputEndpoint("file", SCHEMA, true);
        final TestInputEndpoint push = new TestInputEndpoint("push", SCHEMA, false);
        final CircuitAgent circuit = circuit(journaled(journal), List.of(file, push), List.of());
        circuit.doWork();

        file.addRange(1, 2);
        push.addRange(10, 3);
        circuit.doWork();

        final TestJournal.Entry entry = journal.entry(1);
        assertEquals(1, entry.transactionId);
        assertEquals(5, entry.inputCount);
        assertEquals(2, entry.positions[0]);
        assertEquals(StepRecord.NO_POSITION, entry.positions[1]);
        assertEquals(3 * BatchCodec.entryLength(SCHEMA.fixedLength() + 3), entry.data[1].length);
        assertNull(entry.data[0]);
    }

    @Test
    void replayReproducesTheOutputsOfTheJournaledRun()
    {
        final TestJournal journal = new TestJournal().autoDurable(true);
        final TestInputEndpoint file = new TestInputEndpoint("file", SCHEMA, true);
        final TestInputEndpoint push = new TestInputEndpoint("push", SCHEMA, false);
        final TestOutputEndpoint output = new TestOutputEndpoint("o");
        final CircuitAgent first = circuit(
            journaled(journal).maxBatchSizeRecords(2), List.of(file, push), List.of(output));
        first.doWork();
        file.addRange(1, 3);
        push.addRange(10, 1);
        cycles(first, 5);
        push.add(10, "r10", -1).addRange(11, 1);
        file.addRange(4, 1);
        cycles(first, 5);
        assertEquals(3, first.lastStep());
        first.close();
        assertTrue(journal.isClosed());

        // restart: same file content, the pushed rows exist only in the journal
        journal.reopen();
        final TestInputEndpoint fileAgain = new TestInputEndpoint("file", SCHEMA, true).addRange(1, 4).addRange(5, 2);
        final TestInputEndpoint pushAgain = new TestInputEndpoint("push", SCHEMA, false);
        final TestOutputEndpoint freshOutput = new TestOutputEndpoint("o");
        final List<Long> boundaries = new ArrayList<>();
        final CircuitAgent second = circuit(
            journaled(journal).maxBatchSizeRecords(100).stepListener(b ->
            {
                if (b.replaying())
                {
                    boundaries.add(b.inputPosition(0));
                }
            }),
            List.of(fileAgain, pushAgain), List.of(freshOutput));
        second.doWork();

        assertEquals(List.of(2L, 3L, 4L), boundaries, "replay keeps the journaled step boundaries");
        assertEquals(output.transactions(), freshOutput.transactions());
        assertEquals(output.deltas(), freshOutput.deltas());
        assertEquals(0, journal.appendsSinceReopen(), "replayed steps are not journaled again");
        assertEquals(3, counter(KeelCounters.REPLAYED_STEPS_TYPE_ID));
        assertEquals(PipelineState.RUNNING, second.state());

        cycles(second, 3);
        assertEquals(4, second.lastStep(), "live input continues after the replayed steps");
        assertEquals(List.of(1L, 2L, 3L, 4L), freshOutput.transactions());
        assertEquals(rows(5, 6), freshOutput.deltas().get(3));
    }

    @Test
    void outputsSkipReplayedTransactionsTheyAlreadyDelivered()
    {
        final TestJournal journal = new TestJournal().autoDurable(true);
        final TestInputEndpoint push = new TestInputEndpoint("push", SCHEMA, false);
        final TestOutputEndpoint output = new TestOutputEndpoint("o");
        final CircuitAgent first = circuit(journaled(journal), List.of(push), List.of(output));
        first.doWork();
        push.addRange(1, 1);
        first.doWork();
        push.addRange(2, 1);
        first.doWork();
        first.close();

        journal.reopen();
        final TestOutputEndpoint restored = new TestOutputEndpoint("o");
        final CircuitAgent second = circuit(
            journaled(journal), List.of(new TestInputEndpoint("push", SCHEMA, false)), List.of(restored));
        restored.restore(0, 1);
        second.doWork();
        assertEquals(List.of(2L), restored.transactions());
        assertEquals(List.of(rows(2)), restored.deltas());
    }

    @Test
    void aJournalWrittenWithTheEarlierInputHashStillReplays()
    {
        final TestJournal journal = new TestJournal().autoDurable(true);
        final TestInputEndpoint file = new TestInputEndpoint("file", SCHEMA, true);
        final CircuitAgent first = circuit(journaled(journal), List.of(file), List.of());
        first.doWork();
        file.addRange(1, 1);
        first.doWork();
        file.addRange(2, 1);
        first.doWork();
        first.close();

        // what a journal of the version before the cheaper content hash holds for step 2
        final ZSetBatch step2 = new ZSetBatch(SCHEMA);
        final RowWriter writer = new RowWriter(SCHEMA);
        writer.reset().putLong(0, 2).putString(1, "r2").finish();
        step2.add(writer, 1);
        assertNotEquals(step2.contentHash(), step2.legacyContentHash());
        assertEquals(journal.entry(2).inputHash, dev.keel.engine.data.Hashing.combine(0, step2.contentHash()));
        journal.setHash(2, dev.keel.engine.data.Hashing.combine(0, step2.legacyContentHash()));

        journal.reopen();
        final TestOutputEndpoint output = new TestOutputEndpoint("o");
        final CircuitAgent second = circuit(journaled(journal),
            List.of(new TestInputEndpoint("file", SCHEMA, true).addRange(1, 2)), List.of(output));
        second.doWork();
        assertNotEquals(PipelineState.FAILED, second.state(), String.valueOf(second.lifecycle().failure()));
        assertEquals(List.of(1L, 2L), output.transactions(), "both steps replayed");
    }

    @Test
    void replayOfATamperedStepFailsNamingTheStep()
    {
        final TestJournal journal = new TestJournal().autoDurable(true);
        final TestInputEndpoint file = new TestInputEndpoint("file", SCHEMA, true);
        final CircuitAgent first = circuit(journaled(journal), List.of(file), List.of());
        first.doWork();
        file.addRange(1, 1);
        first.doWork();
        file.addRange(2, 1);
        first.doWork();
        first.close();

        journal.reopen();
        journal.tamperHash(2);
        final TestOutputEndpoint output = new TestOutputEndpoint("o");
        final CircuitAgent second = circuit(journaled(journal),
            List.of(new TestInputEndpoint("file", SCHEMA, true).addRange(1, 2)), List.of(output));
        second.doWork();

        assertEquals(PipelineState.FAILED, second.state());
        final KeelException failure = assertInstanceOf(KeelException.class, second.lifecycle().failure());
        assertEquals(KeelException.Category.RECOVERY, failure.category());
        assertEquals("RECOVERY_STEP_MISMATCH", failure.code());
        assertTrue(failure.getMessage().contains("step 2"), failure.getMessage());
        assertEquals(List.of(1L), output.transactions(), "steps before the mismatch were replayed");
        assertEquals(1, second.lifecycle().errorCount());
    }

    @Test
    void replayWithDifferentEndpointsFailsNamingTheChange()
    {
        final TestJournal journal = new TestJournal().autoDurable(true);
        final TestInputEndpoint file = new TestInputEndpoint("file", SCHEMA, true);
        final CircuitAgent first = circuit(journaled(journal), List.of(file), List.of());
        first.doWork();
        file.addRange(1, 1);
        first.doWork();
        first.close();

        journal.reopen();
        final CircuitAgent second = circuit(journaled(journal), List.of(
            new TestInputEndpoint("file", SCHEMA, true).addRange(1, 1), new TestInputEndpoint("x", SCHEMA, true)),
            List.of());
        second.doWork();
        final KeelException failure = assertInstanceOf(KeelException.class, second.lifecycle().failure());
        assertEquals("RECOVERY_ENDPOINTS_CHANGED", failure.code());
        assertTrue(failure.getMessage().contains("step 1"), failure.getMessage());
    }

    @Test
    void aFileOutputTakesAStepLargerThanItsQueueThatTheCircuitReoffersFromItsPendingCopy(@TempDir final Path dir)
        throws Exception
    {
        // without a journal a step is offered straight from the operators; when the output takes only part of it,
        // the circuit copies the step into its pending ring and offers the copy: another batch instance
        final Path file = dir.resolve("out.json");
        final TestInputEndpoint input = new TestInputEndpoint("in", SCHEMA, true);
        final FileOutputEndpoint output = FileOutputEndpoint.create("file", SCHEMA, FileOutputSettings.builder()
            .path(file).format(FormatSettings.json()).queueCapacityBytes(4096).build(), clock);
        final CircuitAgent circuit = new CircuitAgent(context().maxBatchSizeRecords(1000).circuitSettings(),
            Program.build(PROGRAM), List.of(new InputAttachment("in", "t", input)),
            List.of(new OutputAttachment("file", "out", output)), counters.countersManager());
        circuit.openEndpoints();
        circuits.add(circuit);
        circuit.doWork();

        input.addRange(1, 500);
        for (int i = 0; i < 10_000 && output.deliveredTransactionId() < 1; i++)
        {
            circuit.doWork();
            output.agent().doWork();
            output.checkError();
            if (circuit.lastStep() >= 1 && circuit.pendingStepCount() == 0)
            {
                output.flush();
            }
        }
        assertEquals(PipelineState.RUNNING, circuit.state(), () -> String.valueOf(circuit.lifecycle().failure()));
        assertEquals(1, circuit.lastStep(), "one step of 500 rows");
        assertEquals(1, output.deliveredTransactionId());
        final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertEquals(500, lines.size(), "every row once");
        for (int i = 0; i < 500; i++)
        {
            assertTrue(lines.get(i).contains("\"id\":" + (i + 1) + ","), lines.get(i));
        }
    }

    @Test
    void completesWhenEveryInputEndedAndEveryOutputDeliveredTheLastTransaction()
    {
        final TestInputEndpoint a = new TestInputEndpoint("a", SCHEMA, true);
        final TestInputEndpoint b = new TestInputEndpoint("b", SCHEMA, false);
        final TestOutputEndpoint output = new TestOutputEndpoint("o").deliverOnFlush(true);
        final CircuitAgent circuit = circuit(context(), List.of(a, b), List.of(output));
        circuit.doWork();

        a.addRange(1, 2).end();
        b.addRange(3, 1);
        tick(circuit);
        tick(circuit);
        assertEquals(PipelineState.RUNNING, circuit.state(), "b has not ended");
        assertEquals(0, output.flushes());

        b.end();
        tick(circuit);
        assertEquals(1, output.flushes(), "outputs are flushed at end of input");
        tick(circuit);
        assertEquals(PipelineState.COMPLETED, circuit.state());
        assertEquals(1, output.deliveredTransactionId());
        assertEquals(PipelineState.COMPLETED.code(), counter(KeelCounters.PIPELINE_STATE_TYPE_ID));
    }

    @Test
    void doesNotCompleteBeforeTheLastTransactionIsDelivered()
    {
        final TestInputEndpoint a = new TestInputEndpoint("a", SCHEMA, true);
        final TestOutputEndpoint output = new TestOutputEndpoint("o").refuse(true);
        final CircuitAgent circuit = circuit(context(), List.of(a), List.of(output));
        circuit.doWork();
        a.addRange(1, 1).end();
        for (int i = 0; i < 5; i++)
        {
            tick(circuit);
        }
        assertEquals(PipelineState.RUNNING, circuit.state());
        output.refuse(false);
        for (int i = 0; i < 3; i++)
        {
            tick(circuit);
        }
        assertEquals(PipelineState.COMPLETED, circuit.state());
        assertEquals(List.of(1L), output.transactions());
    }

    @Test
    void anInputEndpointErrorFailsThePipelineWithTheMessage()
    {
        final TestInputEndpoint input = new TestInputEndpoint("in", SCHEMA, true);
        final TestOutputEndpoint output = new TestOutputEndpoint("o");
        final CircuitAgent circuit = circuit(context(), List.of(input), List.of(output));
        circuit.doWork();
        input.failNextPoll(new KeelException(KeelException.Category.CONNECTOR, "CONNECTOR_READ",
            "endpoint 'in': cannot read /data/x.csv at offset 42"));
        circuit.doWork();

        assertEquals(PipelineState.FAILED, circuit.state());
        assertTrue(circuit.lifecycle().failure().getMessage().contains("/data/x.csv at offset 42"));
        assertEquals(1, counter(KeelCounters.ERRORS_TYPE_ID));
        assertEquals(PipelineState.FAILED.code(), counter(KeelCounters.PIPELINE_STATE_TYPE_ID));

        input.addRange(1, 1);
        final int polls = input.polls();
        assertEquals(0, cycles(circuit, 3), "a failed circuit does no work");
        assertEquals(polls, input.polls());
        assertTrue(output.transactions().isEmpty());
        final KeelException thrown = assertThrows(KeelException.class, () -> circuit.lifecycle().throwIfFailed("x"));
        assertTrue(thrown.getMessage().contains("offset 42"), thrown.getMessage());
    }

    @Test
    void anOutputEndpointErrorIsFoundOnTheSlowTick()
    {
        final TestInputEndpoint input = new TestInputEndpoint("in", SCHEMA, true);
        final TestOutputEndpoint output = new TestOutputEndpoint("o");
        final CircuitAgent circuit = circuit(context(), List.of(input), List.of(output));
        circuit.doWork();
        output.error(new IllegalStateException("sink 'o': disk full"));
        circuit.doWork();
        assertEquals(PipelineState.RUNNING, circuit.state(), "not before the slow tick");
        tick(circuit);
        assertEquals(PipelineState.FAILED, circuit.state());
        assertEquals("sink 'o': disk full", circuit.lifecycle().failure().getMessage());
    }

    @Test
    void anOperatorErrorFailsThePipeline()
    {
        final ProgramDefinition appendOnly = p -> p.view("out", p.table("t", SCHEMA));
        final TestInputEndpoint input = new TestInputEndpoint("in", SCHEMA, true);
        final CircuitAgent circuit = new CircuitAgent(context().circuitSettings(), Program.build(appendOnly),
            List.of(new InputAttachment("in", "t", input)), List.of(), counters.countersManager());
        circuits.add(circuit);
        circuit.openEndpoints();
        circuit.doWork();
        input.add(1, "r1", -1);
        circuit.doWork();
        assertEquals(PipelineState.FAILED, circuit.state());
        assertEquals("INPUT_RETRACTION_APPEND_ONLY", ((KeelException)circuit.lifecycle().failure()).code());
    }

    @Test
    void stepBoundaryIsWhereACheckpointFreezesState()
    {
        final ProgramDefinition keyed = p -> p.view("out", p.keyedTable("t", SCHEMA, "id"));
        final TestJournal journal = new TestJournal().autoDurable(true);
        final TestInputEndpoint input = new TestInputEndpoint("in", SCHEMA, true);
        final List<String> seen = new ArrayList<>();
        final List<PagedArena.Snapshot> snapshots = new ArrayList<>();
        final EngineContext ctx = journaled(journal).stepListener(boundary ->
        {
            final PagedArena.Snapshot snapshot = boundary.program().arena().freeze();
            final MetaBuffer meta = new MetaBuffer();
            boundary.program().saveMeta(meta);
            snapshots.add(snapshot);
            seen.add("step=" + boundary.step() + " txn=" + boundary.transactionId() + " journal=" +
                boundary.journalPosition() + " " + boundary.inputName(0) + "@" + boundary.inputPosition(0) +
                " count=" + boundary.inputCount() + " pages=" + snapshot.pageCount() + " meta=" + meta.remaining());
            snapshot.close();
        });
        final CircuitAgent circuit = new CircuitAgent(ctx.circuitSettings(), Program.build(keyed),
            List.of(new InputAttachment("in", "t", input)), List.of(), counters.countersManager());
        circuits.add(circuit);
        circuit.openEndpoints();
        circuit.doWork();
        input.addRange(1, 3);
        circuit.doWork();
        input.add(2, "changed");
        circuit.doWork();

        assertEquals(2, seen.size());
        assertTrue(seen.get(0).startsWith("step=1 txn=1 journal=100 in@3 count=3 pages="), seen.get(0));
        assertTrue(seen.get(1).startsWith("step=2 txn=2 journal=200 in@4 count=1 pages="), seen.get(1));
        assertTrue(snapshots.get(0).pageCount() > 0, "the first step dirtied pages of the keyed table");
    }

    @Test
    void recoveryFromACheckpointBoundaryReplaysOnlyTheLaterSteps()
    {
        final TestJournal journal = new TestJournal().autoDurable(true);
        final TestInputEndpoint file = new TestInputEndpoint("file", SCHEMA, true);
        final TestInputEndpoint push = new TestInputEndpoint("push", SCHEMA, false);
        final TestOutputEndpoint output = new TestOutputEndpoint("o");
        final long[] checkpoint = new long[4];
        final CircuitAgent first = circuit(journaled(journal).stepListener(boundary ->
        {
            if (boundary.step() == 2)
            {
                checkpoint[0] = boundary.step();
                checkpoint[1] = boundary.journalPosition();
                checkpoint[2] = boundary.inputPosition(0);
                checkpoint[3] = boundary.inputPosition(1);
            }
        }), List.of(file, push), List.of(output));
        first.doWork();
        for (int step = 1; step <= 4; step++)
        {
            file.addRange(step * 10, step);
            push.addRange(step * 100, 1);
            first.doWork();
        }
        assertEquals(4, first.lastStep());
        assertEquals(3, checkpoint[2], "file position after steps 1 and 2");
        assertEquals(InputEndpoint.NO_POSITION, checkpoint[3]);
        first.close();

        journal.reopen();
        final TestInputEndpoint fileAgain = new TestInputEndpoint("file", SCHEMA, true)
            .addRange(10, 1).addRange(20, 2).addRange(30, 3).addRange(40, 4);
        final TestOutputEndpoint restored = new TestOutputEndpoint("o");
        final List<InputAttachment> in = List.of(
            new InputAttachment("file", "t", fileAgain),
            new InputAttachment("push", "t", new TestInputEndpoint("push", SCHEMA, false)));
        final CircuitAgent second = new CircuitAgent(journaled(journal).faultTolerance().journalReplayFromPosition(checkpoint[1]).context().circuitSettings(),
            Program.build(PROGRAM), in, List.of(new OutputAttachment("o", "out", restored)),
            counters.countersManager());
        circuits.add(second);
        second.openEndpointsAt(checkpoint[0], new long[]{ checkpoint[2], checkpoint[3] }, new long[]{ 2 });
        assertEquals(3, fileAgain.openedAt());
        second.doWork();

        assertEquals(PipelineState.RUNNING, second.state());
        assertEquals(4, second.lastStep());
        assertEquals(List.of(3L, 4L), restored.transactions());
        assertEquals(output.deltas().subList(2, 4), restored.deltas());
        assertEquals(0, journal.appendsSinceReopen());
    }

    @Test
    void aRequestedBoundaryReachesTheListenerWithoutAStep()
    {
        final TestInputEndpoint input = new TestInputEndpoint("in", SCHEMA, true);
        final List<Long> boundaries = new ArrayList<>();
        final CircuitAgent circuit = circuit(context().stepListener(b -> boundaries.add(b.step() * 1000 +
            b.inputPosition(0))), List.of(input), List.of());
        circuit.doWork();
        circuit.requestBoundary();
        circuit.doWork();
        input.addRange(1, 2);
        circuit.doWork();
        cycles(circuit, 3);
        circuit.requestBoundary();
        input.addRange(3, 1);
        circuit.doWork();
        assertEquals(List.of(0L, 1002L, 2003L, 2003L), boundaries,
            "requested at the start, after step 1, and once more after step 2 in the same duty cycle");
    }

    @Test
    void doesNotStartBeforeTheEndpointsAreOpened()
    {
        final TestInputEndpoint input = new TestInputEndpoint("in", SCHEMA, true).addRange(1, 1);
        final CircuitAgent circuit = new CircuitAgent(context().circuitSettings(), Program.build(PROGRAM),
            List.of(new InputAttachment("in", "t", input)), List.of(), counters.countersManager());
        circuits.add(circuit);
        circuit.lifecycle().transition(PipelineState.BOOTSTRAPPING);
        assertEquals(0, cycles(circuit, 3));
        assertEquals(PipelineState.BOOTSTRAPPING, circuit.state());
        assertEquals(0, input.polls());
        circuit.openEndpointsAt(0, new long[]{ 0 }, new long[0]);
        cycles(circuit, 2);
        assertEquals(PipelineState.RUNNING, circuit.state());
        assertEquals(1, circuit.lastStep());
    }

    @Test
    void startAfterACheckpointNumbersTheNextStep()
    {
        final TestInputEndpoint input = new TestInputEndpoint("in", SCHEMA, true);
        final TestOutputEndpoint output = new TestOutputEndpoint("o");
        final CircuitAgent circuit = circuit(context(), List.of(input), List.of(output));
        circuit.startAfter(41);
        circuit.doWork();
        input.addRange(1, 1);
        circuit.doWork();
        assertEquals(42, circuit.lastStep());
        assertEquals(List.of(42L), output.transactions());
        assertThrows(IllegalStateException.class, () -> circuit.startAfter(1));
    }

    @Test
    void closeClosesEndpointsAndJournalOnceAndStops()
    {
        final TestJournal journal = new TestJournal();
        final TestInputEndpoint input = new TestInputEndpoint("in", SCHEMA, true);
        final TestOutputEndpoint output = new TestOutputEndpoint("o");
        final CircuitAgent circuit = circuit(journaled(journal), List.of(input), List.of(output));
        circuit.doWork();
        circuit.close();
        circuit.close();
        assertTrue(input.isClosed());
        assertTrue(output.isClosed());
        assertTrue(journal.isClosed());
        assertEquals(PipelineState.STOPPED, circuit.state());
        assertEquals(0, circuit.doWork());
    }
}
