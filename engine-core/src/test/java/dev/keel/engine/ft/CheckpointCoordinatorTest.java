package dev.keel.engine.ft;

import dev.keel.engine.spi.CheckpointStatus;

import dev.keel.engine.circuit.InputAttachment;
import dev.keel.engine.circuit.OutputAttachment;
import dev.keel.engine.api.EngineContext;
import dev.keel.engine.circuit.CircuitAgent;
import dev.keel.engine.status.KeelCounters;
import dev.keel.engine.circuit.PipelineState;
import dev.keel.engine.circuit.TestInputEndpoint;
import dev.keel.engine.circuit.TestOutputEndpoint;
import dev.keel.engine.config.ThreadingMode;
import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.program.Program;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.spi.CheckpointInfo;
import dev.keel.engine.storage.FaultInjectingStorageBackend;
import dev.keel.engine.storage.MemoryStorageBackend;
import org.agrona.concurrent.CachedNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The coordinator on a real circuit driven duty cycle by duty cycle with a hand clock, over a store whose writer
 * the test runs step by step (on a named thread) on the memory backend.
 */
@Timeout(30)
class CheckpointCoordinatorTest
{
    private static final Schema SCHEMA = Schema.of(Column.of("id", ColumnType.INT64), Column.of("name", ColumnType.STRING));
    private static final ProgramDefinition PROGRAM = p -> p.view("out", p.zsetTable("t", SCHEMA));
    private static final long HOUSEKEEPING_NS = 1_000;
    private static final long INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    private static final String WRITER = "test-checkpoint-writer";

    private final CachedNanoClock clock = new CachedNanoClock();
    private final KeelCounters counters = new KeelCounters(KeelCounters.DEFAULT_VALUES_BUFFER_LENGTH);
    private final MemoryStorageBackend memory = new MemoryStorageBackend();
    private final FaultInjectingStorageBackend storeBackend = new FaultInjectingStorageBackend(memory);
    private final FaultInjectingStorageBackend requestsBackend =
        new FaultInjectingStorageBackend(new MemoryStorageBackend());
    private final BackendCheckpointStore store = new BackendCheckpointStore(storeBackend, 2);
    private final TestInputEndpoint input = new TestInputEndpoint("in", SCHEMA, true);
    private final TestOutputEndpoint output = new TestOutputEndpoint("o");
    private CircuitAgent circuit;
    private CheckpointCoordinator coordinator;
    private long nextId = 1;

    @AfterEach
    void closeAll()
    {
        if (null != coordinator)
        {
            coordinator.close();
        }
        if (null != circuit)
        {
            circuit.close();
        }
        counters.close();
    }

    private void start(final long intervalNs)
    {
        final EngineContext ctx = new EngineContext()
            .threadingMode(ThreadingMode.INVOKER)
            .nanoClock(clock)
            .housekeepingIntervalNs(HOUSEKEEPING_NS);
        circuit = new CircuitAgent(ctx.circuitSettings(), Program.build(PROGRAM),
            List.of(new InputAttachment(input.name(), "t", input)),
            List.of(new OutputAttachment(output.name(), "out", output)), counters.countersManager());
        circuit.openEndpoints();
        coordinator = new CheckpointCoordinator("test", store, null, "at_least_once", new String[]{ output.name() },
            new OutputEndpoint[]{ output }, null, intervalNs, new CheckpointRequests(requestsBackend, Set.of()),
            counters.countersManager());
        coordinator.bind(circuit);
        circuit.stepListener(coordinator);
        circuit.dutyCycleHook(coordinator);
        cycles(3);
        assertEquals(PipelineState.RUNNING, circuit.state());
    }

    private void cycles(final int count)
    {
        for (int i = 0; i < count; i++)
        {
            clock.advance(HOUSEKEEPING_NS);
            circuit.doWork();
        }
    }

    private void step()
    {
        final long before = circuit.lastStep();
        input.addRange(nextId, 3);
        nextId += 3;
        cycles(2);
        assertEquals(before + 1, circuit.lastStep(), "one step ran");
    }

    /** Pages, then commit, each writer step followed by circuit duty cycles. */
    private void writeAndCommit() throws InterruptedException
    {
        assertEquals(1, store.writerDoWorkOn(WRITER), "pages written");
        cycles(2);
        assertEquals(1, store.writerDoWorkOn(WRITER), "commit ran");
        cycles(2);
    }

    private List<UUID> listed()
    {
        return store.list().stream().map(CheckpointInfo::id).toList();
    }

    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();

    @Test
    void periodicCheckpointFollowsTheHandClockAndItsCommitNeverRunsOnTheCircuitThread() throws InterruptedException
    {
        start(INTERVAL_NS);
        step();
        cycles(100);
        assertEquals(0, store.begins(), "not due before the interval");

        clock.advance(INTERVAL_NS);
        cycles(3);
        assertEquals(1, store.begins(), "due: frozen at the requested boundary and begun");
        cycles(10);
        assertEquals(0, coordinator.succeededCount(), "the writer has not run");

        assertEquals(1, store.writerDoWorkOn(WRITER));
        cycles(1);
        // COMMITTING: the circuit goes on polling, never waiting, and allocates nothing while it does
        step();
        cycles(100);
        long work = 0;
        for (int i = 0; i < 50_000; i++)
        {
            work += coordinator.onDutyCycle(clock.nanoTime());
        }
        // the coordinator's hook alone (the test endpoints allocate); minimum over windows, as CircuitAllocationTest
        // does: the first ones may pay for class loading and JIT
        long minimum = Long.MAX_VALUE;
        for (int window = 0; window < 4; window++)
        {
            final long before = THREADS.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 10_000; i++)
            {
                work += coordinator.onDutyCycle(clock.nanoTime());
            }
            minimum = Math.min(minimum, THREADS.getCurrentThreadAllocatedBytes() - before);
        }
        assertEquals(0, work, "polling an unfinished commit is no work");
        assertEquals(0, minimum, "bytes allocated by 10,000 duty cycles polling a commit");
        assertEquals(0, coordinator.succeededCount());
        assertEquals(-1, coordinator.lastCommittedStep());
        assertTrue(listed().isEmpty());

        assertEquals(1, store.writerDoWorkOn(WRITER));
        cycles(1);
        assertEquals(1, coordinator.succeededCount());
        assertEquals(1, coordinator.lastCommittedStep());
        assertEquals(1, coordinator.timings().count());
        assertEquals(1, listed().size());

        final List<String> syncs = storeBackend.syncThreads();
        assertEquals(4, syncs.size(), "pages, manifest, catalog, CURRENT: " + syncs);
        assertEquals(Set.of(WRITER), new HashSet<>(syncs), "every fsync on the writer, none on the circuit thread");

        // the next one is due an interval after the freeze, not after the commit
        clock.advance(INTERVAL_NS);
        step();
        cycles(2);
        assertEquals(2, store.begins());
    }

    @Test
    void requestsBeforeTheFreezeAreCoalescedAndSucceedOnlyOnceDurable() throws Exception
    {
        start(0);
        step();
        final long first = coordinator.request();
        final long second = coordinator.request();
        cycles(2);
        assertEquals(1, store.begins(), "two requests, one checkpoint");
        final long third = coordinator.request();
        assertEquals(CheckpointStatus.IN_PROGRESS, coordinator.status(first));

        assertEquals(1, store.writerDoWorkOn(WRITER));
        final int requestSyncs = requestsBackend.syncThreads().size();
        cycles(2);
        assertEquals(CheckpointStatus.IN_PROGRESS, coordinator.status(second), "requested, not durable yet");
        assertNull(requestsBackend.read(CheckpointRequests.STATUSES_FILE),
            "the circuit thread requested the commit and wrote nothing down itself");

        assertEquals(1, store.writerDoWorkOn(WRITER));
        final String statuses = new String(requestsBackend.read(CheckpointRequests.STATUSES_FILE),
            StandardCharsets.UTF_8);
        assertTrue(statuses.startsWith("succeeded " + second + "\n"), statuses);
        final List<String> statusSyncs = requestsBackend.syncThreads().subList(requestSyncs,
            requestsBackend.syncThreads().size());
        assertEquals(List.of(WRITER, WRITER), statusSyncs,
            "'committing' before the manifest and 'succeeded' after CURRENT, both on the writer thread");
        cycles(1);
        assertEquals(CheckpointStatus.SUCCESS, coordinator.status(first));
        assertEquals(CheckpointStatus.SUCCESS, coordinator.status(second));
        assertEquals(CheckpointStatus.IN_PROGRESS, coordinator.status(third), "issued after the freeze");

        cycles(2);
        assertEquals(2, store.begins(), "the later request gets its own checkpoint, even without a new step");
        writeAndCommit();
        assertEquals(CheckpointStatus.SUCCESS, coordinator.status(third));
        assertEquals(2, coordinator.succeededCount());
        assertEquals(CheckpointStatus.UNKNOWN, coordinator.status(third + 1));

        // statuses survive a restart
        final Set<UUID> committed = new HashSet<>(listed());
        final CheckpointRequests reloaded = new CheckpointRequests(requestsBackend, committed);
        assertEquals(CheckpointStatus.SUCCESS, reloaded.status(first));
        assertEquals(CheckpointStatus.SUCCESS, reloaded.status(third));
    }

    @Test
    void failedCommitReportsFailureKeepsThePreviousCheckpointNewestAndThePipelineRunsOn()
        throws InterruptedException
    {
        start(0);
        step();
        final long first = coordinator.request();
        cycles(2);
        writeAndCommit();
        assertEquals(CheckpointStatus.SUCCESS, coordinator.status(first));
        final UUID previous = listed().get(0);

        step();
        final long second = coordinator.request();
        cycles(2);
        assertEquals(1, store.writerDoWorkOn(WRITER));
        cycles(2);
        // the catalog's commit (manifest, then catalog, then CURRENT) fails
        storeBackend.failNth(FaultInjectingStorageBackend.Operation.SYNC, 1, "catalog");
        assertEquals(1, store.writerDoWorkOn(WRITER));
        cycles(1);
        final CheckpointStatus status = coordinator.status(second);
        assertInstanceOf(CheckpointStatus.Failure.class, status);
        assertTrue(((CheckpointStatus.Failure)status).error().contains("injected SYNC failure on catalog"),
            status.toString());
        assertEquals(1, coordinator.failedCount());
        assertEquals(1, coordinator.succeededCount());
        assertNotNull(coordinator.lastFailure());
        assertEquals(List.of(previous), listed(), "the previous checkpoint stays the newest");
        assertEquals(previous.toString(), new String(memory.read("CURRENT"), StandardCharsets.UTF_8));

        step();
        step();
        assertEquals(PipelineState.RUNNING, circuit.state(), "the pipeline runs on");
        final long third = coordinator.request();
        cycles(2);
        writeAndCommit();
        assertEquals(CheckpointStatus.SUCCESS, coordinator.status(third));
        assertEquals(2, listed().size());
        assertFalse(listed().contains(null));

        final CheckpointRequests reloaded = new CheckpointRequests(requestsBackend, new HashSet<>(listed()));
        assertInstanceOf(CheckpointStatus.Failure.class, reloaded.status(second), "the failure survives a restart");
        assertEquals(CheckpointStatus.SUCCESS, reloaded.status(third));
    }

    @Test
    void failedPageWriteFailsTheRequestAndTheNextCheckpointIsFull() throws InterruptedException
    {
        start(0);
        step();
        final long first = coordinator.request();
        cycles(2);
        storeBackend.failNth(FaultInjectingStorageBackend.Operation.WRITE, 1, "");
        assertEquals(1, store.writerDoWorkOn(WRITER));
        cycles(1);
        final CheckpointStatus status = coordinator.status(first);
        assertInstanceOf(CheckpointStatus.Failure.class, status);
        assertTrue(((CheckpointStatus.Failure)status).error().contains("writing the checkpoint of step 1 failed"),
            status.toString());
        assertEquals(1, coordinator.failedCount());

        final long second = coordinator.request();
        cycles(2);
        assertEquals(2, store.begins());
        writeAndCommit();
        assertEquals(CheckpointStatus.SUCCESS, coordinator.status(second));
        assertEquals(1, coordinator.lastCommittedStep());
    }
}
