package dev.keel.engine.circuit;

import dev.keel.engine.KeelException;
import dev.keel.engine.api.EngineContext;
import dev.keel.engine.config.ThreadingMode;
import dev.keel.engine.connector.InputEndpoint;
import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.data.Hashing;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.program.InputTable;
import dev.keel.engine.program.Operator;
import dev.keel.engine.program.Program;
import dev.keel.engine.spi.Journal;
import dev.keel.engine.spi.StepRecord;
import net.openhft.affinity.AffinityLock;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The circuit agent: owns the {@link Program} (all operator state) and its endpoints, and runs steps.
 * <p>
 * One step (DESIGN.md, "Execution: the step"):
 * <ol>
 * <li><b>collect</b>: every duty cycle polls each input endpoint into its own staging batch, at most
 * {@code maxBatchSizeRecords} per endpoint per step; a step starts once records are buffered and
 * {@code minBatchSizeRecords} are there, or {@code maxBufferingDelayUsecs} passed since the first one, or an
 * endpoint reached its bound, or every input ended. Empty steps are not run. The step's input count and
 * hash (each endpoint's {@link ZSetBatch#contentHash()}, combined in endpoint order) are computed;</li>
 * <li><b>evaluate</b>: the staged records move to the tables' inputs and {@link Program#step()} runs;</li>
 * <li><b>journal</b> (with a {@link Journal}, i.e. {@code exactly_once}): a reused {@link StepRecord} carries
 * per endpoint its resume position (replayable) or its records in {@link BatchCodec} layout (not
 * replayable), and is appended without waiting;</li>
 * <li><b>emit</b>: the views' deltas are copied into a bounded ring of pending steps; every duty cycle hands
 * each output, in transaction order, the deltas of steps the journal reports durable (several steps per
 * sync: group commit). Without a journal a step is offered straight from the operators' outputs and
 * copied into the ring only if an output refuses it. A refused offer ({@code offer} false) is retried with
 * the same entries in the same order (possibly from the ring's copy); nothing is dropped. While the ring is
 * full no new step starts.</li>
 * </ol>
 * The transaction id of a step is its step number; steps are numbered from 1 without gaps.
 * <p>
 * Start and recovery: in {@link PipelineState#INITIALIZING} (fresh start) or
 * {@link PipelineState#BOOTSTRAPPING} (a checkpoint is being loaded into the program by its owner), the
 * first duty cycle after the endpoints were opened ({@link #openEndpoints()}, or {@link #openEndpointsAt} at
 * a checkpoint) replays the journal from {@link EngineContext#journalReplayFromPosition()} (see
 * {@link #replay(long)}) and then runs live. After
 * every step the {@link StepListener} sees a {@link StepBoundary}: the checkpoint hook.
 * <p>
 * Every method except {@link #lifecycle()}, {@link #state()}, {@link #requestBoundary()} and
 * {@link #isPinned()} is called on the circuit thread (or before its agent starts). {@link #doWork()} never throws: errors go to the
 * {@link PipelineLifecycle}, which counts and keeps them and fails the pipeline.
 */
public final class CircuitAgent implements Agent, AutoCloseable
{
    private static final System.Logger LOGGER = System.getLogger("dev.keel.engine.circuit");
    private static final AtomicBoolean PIN_FAILURE_LOGGED = new AtomicBoolean();
    private static final int NO_PINNING = -2;
    private static final int ANY_CPU = -1;

    /** An input endpoint bound to a table, with the records it contributed to the coming step. */
    static final class InputBinding
    {
        final int index;
        final String name;
        final InputTable table;
        final InputEndpoint endpoint;
        final Agent agent;
        final boolean replayable;
        final ZSetBatch staging;
        final ZSetBatch.Cursor stagingCursor;
        int stepRecords;
        long position = InputEndpoint.NO_POSITION;

        InputBinding(
            final int index, final String name, final InputTable table, final InputEndpoint endpoint, final int bytes)
        {
            this.index = index;
            this.name = name;
            this.table = table;
            this.endpoint = endpoint;
            this.agent = endpoint.agent();
            this.replayable = endpoint.replayable();
            this.staging = new ZSetBatch(table.outputSchema(), bytes);
            this.stagingCursor = staging.cursor();
        }
    }

    /** An output endpoint bound to a view, with the next transaction to offer it. */
    static final class OutputBinding
    {
        final String name;
        final int viewIndex;
        final OutputEndpoint endpoint;
        final Agent agent;
        long nextTransactionId;

        OutputBinding(final String name, final int viewIndex, final OutputEndpoint endpoint)
        {
            this.name = name;
            this.viewIndex = viewIndex;
            this.endpoint = endpoint;
            this.agent = endpoint.agent();
        }
    }

    private final String pipelineName;
    private final NanoClock clock;
    private final Program program;
    private final Operator[] views;
    private final String[] viewNames;
    private final InputBinding[] inputs;
    private final OutputBinding[] outputs;
    private final Journal journal;
    private final StepRecord stepRecord = new StepRecord();
    private final PendingSteps pending;
    private StepListener stepListener;
    private final PipelineLifecycle lifecycle;
    private final Boundary boundary = new Boundary();
    private final Journal.StepRecordHandler replayHandler = this::onReplayRecord;
    private final IdleStrategy replayIdle = new BackoffIdleStrategy();
    private final int maxBatchSizeRecords;
    private final long minBatchSizeRecords;
    private final long maxBufferingDelayNs;
    private final long housekeepingIntervalNs;
    private final long replayStallTimeoutNs;
    private long journalReplayFromPosition;
    private DutyCycleHook dutyCycleHook;
    private final int pinCpu;
    private final boolean endpointAgentsOnThisThread;

    private final AtomicCounter stepsCounter;
    private final AtomicCounter recordsInCounter;
    private final AtomicCounter[] recordsOutCounters;
    private final AtomicCounter stepNanosTotalCounter;
    private final AtomicCounter stepNanosMaxCounter;
    private final AtomicCounter pendingStepsCounter;
    private final AtomicCounter backPressureCounter;
    private final AtomicCounter replayedStepsCounter;
    private final AtomicCounter durableTransactionCounter;
    private final AtomicCounter stateCounter;
    private final AtomicCounter errorCounter;

    private long nextStep = 1;
    private long durableTransactionId;
    private long bufferedRecords;
    private long firstBufferedNs;
    private boolean endpointFull;
    private long nextHousekeepingNs;
    private boolean completionFlushed;
    private volatile AffinityLock affinityLock;
    private boolean closed;
    private volatile boolean boundaryRequested;
    private volatile boolean endpointsOpened;

    /**
     * Builds the circuit over a program. Endpoints are not opened here (see {@link #openEndpoints()}).
     *
     * @param ctx             concluded settings.
     * @param program         the program, owned by the circuit from now on.
     * @param inputs          input endpoints in journal order, each bound to a table of the program.
     * @param outputs         output endpoints, each bound to a view of the program.
     * @param countersManager where the pipeline's counters are allocated.
     */
    public CircuitAgent(
        final EngineContext ctx,
        final Program program,
        final List<EngineContext.InputAttachment> inputs,
        final List<EngineContext.OutputAttachment> outputs,
        final CountersManager countersManager)
    {
        ctx.conclude();
        this.pipelineName = ctx.pipelineName();
        this.clock = ctx.nanoClock();
        this.program = program;
        this.journal = ctx.journal();
        this.stepListener = ctx.stepListener();
        this.maxBatchSizeRecords = ctx.maxBatchSizeRecords();
        this.minBatchSizeRecords = ctx.minBatchSizeRecords();
        this.maxBufferingDelayNs = TimeUnit.MICROSECONDS.toNanos(ctx.maxBufferingDelayUsecs());
        this.housekeepingIntervalNs = ctx.housekeepingIntervalNs();
        this.replayStallTimeoutNs = ctx.replayStallTimeoutNs();
        this.journalReplayFromPosition = null == journal ? -1 : ctx.journalReplayFromPosition();
        this.endpointAgentsOnThisThread = ctx.threadingMode() != ThreadingMode.DEDICATED;
        if (ctx.threadingMode() != ThreadingMode.INVOKER && ctx.pinCircuitThread())
        {
            final int[] cpus = ctx.pinCpus();
            this.pinCpu = cpus.length > 0 ? cpus[0] : ANY_CPU;
        }
        else
        {
            this.pinCpu = NO_PINNING;
        }

        final Map<String, Operator> viewMap = program.views();
        this.views = viewMap.values().toArray(new Operator[0]);
        this.viewNames = viewMap.keySet().toArray(new String[0]);

        this.inputs = new InputBinding[inputs.size()];
        for (int i = 0; i < this.inputs.length; i++)
        {
            final EngineContext.InputAttachment input = inputs.get(i);
            this.inputs[i] = new InputBinding(
                i, input.name(), table(program, input), input.endpoint(), ctx.inputStagingInitialBytes());
        }
        this.outputs = new OutputBinding[outputs.size()];
        for (int i = 0; i < this.outputs.length; i++)
        {
            final EngineContext.OutputAttachment output = outputs.get(i);
            this.outputs[i] = new OutputBinding(output.name(), viewIndex(output), output.endpoint());
            this.outputs[i].nextTransactionId = 1;
        }
        this.pending = new PendingSteps(ctx.pendingStepCapacity(), views, ctx.pendingDeltaInitialBytes(), 1);

        stateCounter = KeelCounters.newCounter(countersManager, KeelCounters.PIPELINE_STATE_TYPE_ID, pipelineName, null);
        errorCounter = KeelCounters.newCounter(countersManager, KeelCounters.ERRORS_TYPE_ID, pipelineName, null);
        stepsCounter = KeelCounters.newCounter(countersManager, KeelCounters.STEPS_TYPE_ID, pipelineName, null);
        recordsInCounter = KeelCounters.newCounter(countersManager, KeelCounters.RECORDS_IN_TYPE_ID, pipelineName, null);
        recordsOutCounters = new AtomicCounter[views.length];
        for (int i = 0; i < views.length; i++)
        {
            recordsOutCounters[i] = KeelCounters.newCounter(
                countersManager, KeelCounters.RECORDS_OUT_TYPE_ID, pipelineName, "view=" + viewNames[i]);
        }
        stepNanosTotalCounter = KeelCounters.newCounter(
            countersManager, KeelCounters.STEP_NANOS_TOTAL_TYPE_ID, pipelineName, null);
        stepNanosMaxCounter = KeelCounters.newCounter(
            countersManager, KeelCounters.STEP_NANOS_MAX_TYPE_ID, pipelineName, null);
        pendingStepsCounter = KeelCounters.newCounter(
            countersManager, KeelCounters.PENDING_STEPS_TYPE_ID, pipelineName, null);
        backPressureCounter = KeelCounters.newCounter(
            countersManager, KeelCounters.OUTPUT_BACK_PRESSURE_TYPE_ID, pipelineName, null);
        replayedStepsCounter = KeelCounters.newCounter(
            countersManager, KeelCounters.REPLAYED_STEPS_TYPE_ID, pipelineName, null);
        durableTransactionCounter = KeelCounters.newCounter(
            countersManager, KeelCounters.DURABLE_TRANSACTION_TYPE_ID, pipelineName, null);
        this.lifecycle = new PipelineLifecycle(pipelineName, stateCounter, errorCounter, ctx.errorHandler());
    }

    /** Agent name for threads and logs. */
    public String roleName()
    {
        return "keel-circuit-" + pipelineName;
    }

    /** The lifecycle: state and errors, readable from any thread. */
    public PipelineLifecycle lifecycle()
    {
        return lifecycle;
    }

    /** Current state, from any thread. */
    public PipelineState state()
    {
        return lifecycle.state();
    }

    /** The program this circuit runs. */
    public Program program()
    {
        return program;
    }

    /** Number of the last step run (0 before the first); circuit thread (others read the counters). */
    public long lastStep()
    {
        return nextStep - 1;
    }

    /** Highest transaction id durable in the journal (or run, without a journal); circuit thread. */
    public long durableTransactionId()
    {
        return durableTransactionId;
    }

    /** Highest transaction id that every output has accepted; circuit thread. */
    public long emittedTransactionId()
    {
        return pending.headTransactionId() - 1;
    }

    /** Steps whose output is not yet accepted by every output; circuit thread. */
    public int pendingStepCount()
    {
        return pending.size();
    }

    /** Input endpoints, in journal order. */
    public int inputEndpointCount()
    {
        return inputs.length;
    }

    /**
     * Opens every endpoint fresh: inputs at position 0, outputs with no delivered transaction. Call once,
     * before any agent runs.
     */
    public void openEndpoints()
    {
        for (final InputBinding input : inputs)
        {
            input.endpoint.open(0);
            input.position = input.replayable ? 0 : InputEndpoint.NO_POSITION;
        }
        for (final OutputBinding output : outputs)
        {
            output.endpoint.open();
        }
        endpointsOpened = true;
    }

    /**
     * Opens every endpoint where a checkpoint taken at the boundary of {@code step} left it, and resumes
     * numbering after it ({@link #startAfter(long)}): replayable inputs at their checkpointed positions, other
     * inputs fresh, outputs restored to their delivered positions with transaction {@code step} delivered (a
     * checkpoint completes only once every output delivered its last step). Call once, before any agent runs,
     * after the program's state was loaded; then the first duty cycle replays the journal from the
     * checkpoint's journal position ({@link EngineContext#journalReplayFromPosition(long)}).
     *
     * @param step            the checkpoint's step.
     * @param inputPositions  each input endpoint's position at the checkpoint, in journal order
     *                        ({@link StepBoundary#inputPosition(int)}).
     * @param outputPositions each output endpoint's delivered position, in attachment order
     *                        ({@link dev.keel.engine.connector.OutputEndpoint#deliveredPosition()}).
     */
    public void openEndpointsAt(final long step, final long[] inputPositions, final long[] outputPositions)
    {
        final long[] outputTransactionIds = new long[outputPositions.length];
        java.util.Arrays.fill(outputTransactionIds, step);
        openEndpointsAt(step, inputPositions, outputPositions, outputTransactionIds);
    }

    /**
     * As {@link #openEndpointsAt(long, long[], long[])}, with each output's delivered transaction id paired with
     * its position: a checkpoint records whatever (position, transaction) pair an output had published when it
     * was taken, which may be past {@code step}; the output truncates to the position and skips transactions up
     * to its id while the journal's replay re-emits them.
     *
     * @param step                 the checkpoint's step.
     * @param inputPositions       each input endpoint's position at the checkpoint, in journal order.
     * @param outputPositions      each output endpoint's delivered position, in attachment order.
     * @param outputTransactionIds the transaction id delivered at that position, each {@code >= step}.
     */
    public void openEndpointsAt(
        final long step, final long[] inputPositions, final long[] outputPositions, final long[] outputTransactionIds)
    {
        if (inputPositions.length != inputs.length || outputPositions.length != outputs.length)
        {
            throw new KeelException(KeelException.Category.RECOVERY, "RECOVERY_ENDPOINTS_CHANGED", "pipeline '" +
                pipelineName + "': the checkpoint at step " + step + " has " + inputPositions.length +
                " input and " + outputPositions.length + " output endpoints, the pipeline has " + inputs.length +
                " inputs " + inputNames() + " and " + outputs.length + " outputs");
        }
        startAfter(step);
        for (final InputBinding input : inputs)
        {
            final long position = inputPositions[input.index];
            input.endpoint.open(input.replayable && position != InputEndpoint.NO_POSITION ? position : 0);
            input.position = input.replayable ? position : InputEndpoint.NO_POSITION;
        }
        for (int i = 0; i < outputs.length; i++)
        {
            outputs[i].endpoint.restore(outputPositions[i], outputTransactionIds[i]);
        }
        endpointsOpened = true;
    }

    /**
     * Replays the journal from {@code position} instead of {@link EngineContext#journalReplayFromPosition()}
     * when the pipeline starts: set by recovery once it loaded a checkpoint. Before any agent runs.
     *
     * @param position a checkpoint's journal position, or -1 to skip replay.
     */
    public void journalReplayFromPosition(final long position)
    {
        if (null == journal)
        {
            throw new IllegalStateException("replay position without a journal");
        }
        journalReplayFromPosition = position;
    }

    /**
     * Replaces {@link EngineContext#stepListener()} (the checkpoint coordinator wraps the host's). Before any
     * agent runs.
     *
     * @param listener the listener, or null.
     */
    public void stepListener(final StepListener listener)
    {
        this.stepListener = listener;
    }

    /**
     * Sets the hook called at the end of every duty cycle while the pipeline runs, pauses, completes or replays
     * (the checkpoint coordinator's). Before any agent runs.
     *
     * @param hook the hook, or null.
     */
    public void dutyCycleHook(final DutyCycleHook hook)
    {
        this.dutyCycleHook = hook;
    }

    /** Highest transaction id handed to every output so far; circuit thread. */
    public long offeredTransactionId()
    {
        long min = nextStep - 1;
        for (final OutputBinding output : outputs)
        {
            min = Math.min(min, output.nextTransactionId - 1);
        }
        return min;
    }

    /**
     * Asks for a {@link StepListener} call at the next duty cycle even if no step runs, describing the last
     * step (a checkpoint requested while the pipeline is idle). Any thread.
     */
    public void requestBoundary()
    {
        boundaryRequested = true;
    }

    /**
     * Resumes numbering after a checkpoint taken at the boundary of {@code step}: the next step is
     * {@code step + 1}, whose output is the next transaction every output gets. Call before the first duty
     * cycle (state INITIALIZING or BOOTSTRAPPING), after the program's state was restored.
     *
     * @param step the checkpoint's step.
     */
    public void startAfter(final long step)
    {
        final PipelineState state = lifecycle.state();
        if (state != PipelineState.INITIALIZING && state != PipelineState.BOOTSTRAPPING)
        {
            throw new IllegalStateException("startAfter(" + step + ") in state " + state);
        }
        if (step < 0)
        {
            throw new IllegalArgumentException("step must be >= 0, got " + step);
        }
        nextStep = step + 1;
        durableTransactionId = step;
        pending.reset(step + 1);
        for (final OutputBinding output : outputs)
        {
            output.nextTransactionId = step + 1;
        }
    }

    /** {@inheritDoc} Pins the thread if configured; a CPU that cannot be had is logged once, not an error. */
    public void onStart()
    {
        if (pinCpu != NO_PINNING)
        {
            AffinityLock lock = null;
            String reason = "no reservable CPU; see -Daffinity.reserved";
            try
            {
                lock = pinCpu == ANY_CPU ? AffinityLock.acquireLock() : AffinityLock.acquireLock(pinCpu);
            }
            catch (final RuntimeException | LinkageError ex)
            {
                // pinning is an optimisation: a platform without it runs unpinned, which the log says once
                reason = ex.toString();
            }
            if (null != lock && lock.isBound())
            {
                affinityLock = lock;
                LOGGER.log(System.Logger.Level.INFO, "{0} pinned to CPU {1}", roleName(), lock.cpuId());
            }
            else
            {
                if (null != lock)
                {
                    lock.release();
                }
                if (PIN_FAILURE_LOGGED.compareAndSet(false, true))
                {
                    LOGGER.log(System.Logger.Level.WARNING, "{0}: cannot pin to CPU {1} ({2}), running unpinned",
                        roleName(), pinCpu == ANY_CPU ? "any" : pinCpu, reason);
                }
            }
        }
    }

    /** {@inheritDoc} Releases the CPU; resources are closed by {@link #close()}. */
    public void onClose()
    {
        if (null != affinityLock)
        {
            affinityLock.release();
            affinityLock = null;
        }
    }

    /** True if this agent's thread holds a CPU pin. */
    public boolean isPinned()
    {
        return null != affinityLock;
    }

    /**
     * One duty cycle: reads the clock once, never blocks (except while replaying the journal in
     * INITIALIZING), never throws.
     *
     * @return work done, 0 when idle.
     */
    public int doWork()
    {
        final long nowNs = clock.nanoTime();
        int workCount = 0;
        try
        {
            switch (lifecycle.state())
            {
                case INITIALIZING:
                case BOOTSTRAPPING:
                    // a bootstrap (checkpoint load) may run on another thread: start once it opened the endpoints
                    if (endpointsOpened)
                    {
                        workCount += start();
                    }
                    break;

                case RUNNING:
                    workCount += collect(nowNs);
                    if (readyToStep(nowNs))
                    {
                        workCount += runStep(nowNs);
                    }
                    workCount += emit();
                    break;

                case PAUSED:
                case COMPLETED:
                    workCount += emit();
                    break;

                default:
                    return 0;
            }

            if (boundaryRequested)
            {
                workCount += onRequestedBoundary();
            }

            if (null != dutyCycleHook)
            {
                workCount += dutyCycleHook.onDutyCycle(nowNs);
            }

            if (nowNs - nextHousekeepingNs >= 0)
            {
                nextHousekeepingNs = nowNs + housekeepingIntervalNs;
                workCount += housekeeping();
            }
        }
        catch (final Throwable ex)
        {
            lifecycle.onError(ex);
            workCount++;
        }
        return workCount;
    }

    /**
     * Re-runs the journaled steps from {@code fromPosition} with their original boundaries: replayable
     * endpoints are polled up to the journaled positions, other endpoints are fed the journaled records,
     * and each step's input count and hash must match the journal or recovery fails naming the step.
     * Replayed output goes to the outputs (which skip transactions they already delivered). Runs on the
     * circuit thread, from INITIALIZING or BOOTSTRAPPING; blocks until the journal is consumed, invoking the
     * endpoints' agents itself when they share this thread.
     *
     * @param fromPosition journal position to start at (0, or a checkpoint's).
     * @return journal position after the last replayed record.
     * @throws KeelException of category RECOVERY if the run cannot be reproduced.
     */
    public long replay(final long fromPosition)
    {
        if (null == journal)
        {
            throw new IllegalStateException("replay without a journal");
        }
        lifecycle.transition(PipelineState.REPLAYING);
        final long endPosition = journal.replay(fromPosition, replayHandler);
        LOGGER.log(System.Logger.Level.INFO, "pipeline ''{0}'': replayed up to step {1}, journal position {2}",
            pipelineName, lastStep(), endPosition);
        return endPosition;
    }

    /** Stops the circuit for good: closes endpoints, journal, program and counters. Idempotent. */
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        lifecycle.tryTransition(PipelineState.STOPPED);
        final List<AutoCloseable> closeables = new ArrayList<>();
        for (final InputBinding input : inputs)
        {
            closeables.add(input.endpoint);
        }
        for (final OutputBinding output : outputs)
        {
            closeables.add(output.endpoint);
        }
        closeables.add(journal);
        closeables.add(program);
        closeables.add(stepsCounter);
        closeables.add(recordsInCounter);
        for (final AtomicCounter counter : recordsOutCounters)
        {
            closeables.add(counter);
        }
        closeables.add(stepNanosTotalCounter);
        closeables.add(stepNanosMaxCounter);
        closeables.add(pendingStepsCounter);
        closeables.add(backPressureCounter);
        closeables.add(replayedStepsCounter);
        closeables.add(durableTransactionCounter);
        closeables.add(stateCounter);
        closeables.add(errorCounter);
        CloseHelper.closeAll(closeables);
    }

    private int start()
    {
        if (journalReplayFromPosition >= 0)
        {
            replay(journalReplayFromPosition);
        }
        lifecycle.transition(PipelineState.RUNNING);
        return 1;
    }

    private int collect(final long nowNs)
    {
        int polled = 0;
        for (final InputBinding input : inputs)
        {
            final int room = maxBatchSizeRecords - input.stepRecords;
            if (room > 0)
            {
                final int count = input.endpoint.poll(input.staging, room, Long.MAX_VALUE);
                if (count > 0)
                {
                    input.stepRecords += count;
                    polled += count;
                    if (input.stepRecords >= maxBatchSizeRecords)
                    {
                        endpointFull = true;
                    }
                }
            }
        }
        if (polled > 0)
        {
            if (0 == bufferedRecords)
            {
                firstBufferedNs = nowNs;
            }
            bufferedRecords += polled;
        }
        return polled;
    }

    private boolean readyToStep(final long nowNs)
    {
        if (0 == bufferedRecords || pending.isFull())
        {
            return false;
        }
        return bufferedRecords >= minBatchSizeRecords ||
            endpointFull ||
            nowNs - firstBufferedNs >= maxBufferingDelayNs ||
            allInputsEnded();
    }

    private int runStep(final long nowNs)
    {
        final long step = nextStep;
        final boolean journaled = null != journal;
        if (journaled)
        {
            stepRecord.reset(step, step, inputs.length);
        }
        long inputCount = 0;
        long inputHash = 0;
        for (final InputBinding input : inputs)
        {
            final ZSetBatch staging = input.staging;
            inputCount += staging.size();
            inputHash = Hashing.combine(inputHash, staging.contentHash());
            input.position = input.replayable ? input.endpoint.position() : InputEndpoint.NO_POSITION;
            if (journaled)
            {
                if (input.replayable)
                {
                    stepRecord.position(input.index, input.position);
                }
                else
                {
                    BatchCodec.encode(
                        input.stagingCursor, stepRecord.dataForWrite(input.index, staging.byteLength()), 0);
                }
            }
        }

        evaluate();

        long journalPosition = 0;
        if (journaled)
        {
            stepRecord.inputCount(inputCount).inputHash(inputHash);
            journalPosition = journal.append(stepRecord);
        }
        finishStep(step, journalPosition, inputCount, inputHash, false, nowNs);
        if (!journaled)
        {
            durableTransactionId = step;
        }
        return 1;
    }

    private void evaluate()
    {
        for (final InputBinding input : inputs)
        {
            final ZSetBatch staging = input.staging;
            if (!staging.isEmpty())
            {
                input.table.input().addAll(staging, 1);
                staging.clear();
            }
            input.stepRecords = 0;
        }
        program.step();
    }

    private void finishStep(
        final long step,
        final long journalPosition,
        final long inputCount,
        final long inputHash,
        final boolean replaying,
        final long startNs)
    {
        if (!replaying && null == journal && pending.isEmpty())
        {
            emitDirect(step);
        }
        else
        {
            pending.add(step, journalPosition, views);
        }
        for (int i = 0; i < views.length; i++)
        {
            final int size = views[i].output().size();
            if (size > 0)
            {
                recordsOutCounters[i].getAndAddRelease(size);
            }
        }
        program.endStep();
        nextStep = step + 1;
        bufferedRecords = 0;
        endpointFull = false;

        stepsCounter.incrementRelease();
        recordsInCounter.getAndAddRelease(inputCount);
        // a second clock read, only when a step ran: the duty cycle itself reads the clock once
        final long stepNanos = clock.nanoTime() - startNs;
        stepNanosTotalCounter.getAndAddRelease(stepNanos);
        stepNanosMaxCounter.proposeMaxRelease(stepNanos);

        if (null != stepListener)
        {
            boundary.set(step, journalPosition, inputCount, inputHash, replaying);
            stepListener.onStepEnd(boundary);
        }
    }

    /**
     * Without a journal a step is durable at once: offer the views' deltas straight from the operators,
     * and copy the step into the pending ring only if an output refused it.
     */
    private void emitDirect(final long step)
    {
        boolean allAccepted = true;
        for (final OutputBinding output : outputs)
        {
            if (output.endpoint.offer(step, views[output.viewIndex].output()))
            {
                output.nextTransactionId = step + 1;
            }
            else
            {
                backPressureCounter.incrementRelease();
                allAccepted = false;
            }
        }
        if (allAccepted)
        {
            pending.reset(step + 1);
        }
        else
        {
            pending.add(step, 0, views);
        }
    }

    private int onRequestedBoundary()
    {
        boundaryRequested = false;
        if (null == stepListener)
        {
            return 0;
        }
        if (boundary.step != nextStep - 1)
        {
            // no step ran in this process yet (fresh start, or after a checkpoint without replayed steps)
            boundary.set(nextStep - 1, null == journal ? 0 : journal.position(), 0, 0, false);
        }
        stepListener.onStepEnd(boundary);
        return 1;
    }

    private int emit()
    {
        final long lastQueued = pending.tailTransactionId() - 1;
        if (null != journal && durableTransactionId < lastQueued)
        {
            final long durablePosition = journal.durablePosition();
            while (durableTransactionId < lastQueued &&
                pending.slot(durableTransactionId + 1).journalPosition <= durablePosition)
            {
                durableTransactionId++;
            }
        }

        int workCount = 0;
        final long durable = durableTransactionId;
        long releaseBefore = durable + 1;
        for (final OutputBinding output : outputs)
        {
            while (output.nextTransactionId <= durable)
            {
                final long transactionId = output.nextTransactionId;
                if (!output.endpoint.offer(transactionId, pending.slot(transactionId).deltas[output.viewIndex]))
                {
                    backPressureCounter.incrementRelease();
                    break;
                }
                output.nextTransactionId = transactionId + 1;
                workCount++;
            }
            releaseBefore = Math.min(releaseBefore, output.nextTransactionId);
        }
        pending.releaseBefore(releaseBefore);
        return workCount;
    }

    private int housekeeping()
    {
        for (final OutputBinding output : outputs)
        {
            output.endpoint.checkError();
        }
        pendingStepsCounter.setRelease(pending.size());
        durableTransactionCounter.setRelease(durableTransactionId);
        if (lifecycle.state() == PipelineState.RUNNING)
        {
            return checkCompletion();
        }
        return 0;
    }

    private int checkCompletion()
    {
        if (0 != bufferedRecords || !pending.isEmpty() || !allInputsEnded())
        {
            return 0;
        }
        if (!completionFlushed)
        {
            completionFlushed = true;
            for (final OutputBinding output : outputs)
            {
                output.endpoint.flush();
            }
            return 1;
        }
        final long lastTransactionId = nextStep - 1;
        if (lastTransactionId > 0)
        {
            for (final OutputBinding output : outputs)
            {
                if (output.endpoint.deliveredTransactionId() < lastTransactionId)
                {
                    return 0;
                }
            }
        }
        lifecycle.transition(PipelineState.COMPLETED);
        return 1;
    }

    private boolean allInputsEnded()
    {
        for (final InputBinding input : inputs)
        {
            if (!input.endpoint.endOfInput())
            {
                return false;
            }
        }
        return true;
    }

    private void onReplayRecord(final long endPosition, final StepRecord record)
    {
        final long startNs = clock.nanoTime();
        final long step = record.step();
        if (step != nextStep)
        {
            throw recovery("RECOVERY_STEP_GAP", "the journal holds step " + step + " where step " + nextStep +
                " was expected (journal position " + endPosition + ")");
        }
        if (record.transactionId() != step)
        {
            throw recovery("RECOVERY_TRANSACTION_MISMATCH", "step " + step + " was journaled with transaction id " +
                record.transactionId() + ", expected " + step);
        }
        if (record.endpointCount() != inputs.length)
        {
            throw recovery("RECOVERY_ENDPOINTS_CHANGED", "step " + step + " was journaled with " +
                record.endpointCount() + " input endpoints, the pipeline has " + inputs.length + ": " + inputNames());
        }

        long inputCount = 0;
        long inputHash = 0;
        for (final InputBinding input : inputs)
        {
            final long journaledPosition = record.position(input.index);
            if (input.replayable)
            {
                if (journaledPosition == StepRecord.NO_POSITION)
                {
                    throw recovery("RECOVERY_ENDPOINTS_CHANGED", "input endpoint '" + input.name + "' is replayable " +
                        "but step " + step + " journaled its records, not a position");
                }
                pollTo(input, journaledPosition, step);
                input.position = journaledPosition;
            }
            else
            {
                if (journaledPosition != StepRecord.NO_POSITION)
                {
                    throw recovery("RECOVERY_ENDPOINTS_CHANGED", "input endpoint '" + input.name + "' is not " +
                        "replayable but step " + step + " journaled a position for it");
                }
                try
                {
                    BatchCodec.decode(record.data(input.index), 0, record.dataLength(input.index), input.staging);
                }
                catch (final IllegalArgumentException ex)
                {
                    throw recovery("RECOVERY_CORRUPT_RECORD", "step " + step + ", input endpoint '" + input.name +
                        "': journaled records are malformed: " + ex.getMessage());
                }
                input.position = InputEndpoint.NO_POSITION;
            }
            inputCount += input.staging.size();
            inputHash = Hashing.combine(inputHash, input.staging.contentHash());
        }

        if (inputCount != record.inputCount() || inputHash != record.inputHash())
        {
            for (final InputBinding input : inputs)
            {
                input.staging.clear();
            }
            throw recovery("RECOVERY_STEP_MISMATCH", "replay of step " + step + " (transaction " + step +
                ") does not reproduce the journal: journaled " + record.inputCount() + " records with hash " +
                Long.toHexString(record.inputHash()) + ", replay read " + inputCount + " records with hash " +
                Long.toHexString(inputHash) + " from endpoints " + inputNames());
        }

        evaluate();
        awaitPendingCapacity(step);
        finishStep(step, endPosition, inputCount, inputHash, true, startNs);
        durableTransactionId = step;
        replayedStepsCounter.incrementRelease();
        emit();
    }

    private void pollTo(final InputBinding input, final long targetPosition, final long step)
    {
        long position = input.endpoint.position();
        long lastProgressNs = clock.nanoTime();
        while (position < targetPosition)
        {
            int workCount = input.endpoint.poll(input.staging, Integer.MAX_VALUE, targetPosition);
            if (0 == workCount && endpointAgentsOnThisThread && null != input.agent)
            {
                workCount += invoke(input.agent);
            }
            final long newPosition = input.endpoint.position();
            final long nowNs = clock.nanoTime();
            if (newPosition != position || workCount > 0)
            {
                lastProgressNs = nowNs;
            }
            else if (nowNs - lastProgressNs > replayStallTimeoutNs)
            {
                throw recovery("RECOVERY_INPUT_STALLED", "input endpoint '" + input.name + "' made no progress " +
                    "from position " + position + " towards position " + targetPosition + " of step " + step);
            }
            position = newPosition;
            replayIdle.idle(workCount);
        }
        replayIdle.reset();
        if (position > targetPosition)
        {
            throw recovery("RECOVERY_INPUT_OVERSHOOT", "input endpoint '" + input.name + "' is at position " +
                position + ", beyond position " + targetPosition + " journaled for step " + step);
        }
    }

    private void awaitPendingCapacity(final long step)
    {
        long lastProgressNs = clock.nanoTime();
        while (pending.isFull())
        {
            int workCount = emit();
            if (endpointAgentsOnThisThread)
            {
                for (final OutputBinding output : outputs)
                {
                    if (null != output.agent)
                    {
                        workCount += invoke(output.agent);
                    }
                }
            }
            final long nowNs = clock.nanoTime();
            if (workCount > 0)
            {
                lastProgressNs = nowNs;
            }
            else if (nowNs - lastProgressNs > replayStallTimeoutNs)
            {
                throw recovery("RECOVERY_OUTPUT_STALLED", "outputs accepted no replayed output for " +
                    TimeUnit.NANOSECONDS.toMillis(replayStallTimeoutNs) + " ms before step " + step);
            }
            replayIdle.idle(workCount);
        }
        replayIdle.reset();
    }

    private static int invoke(final Agent agent)
    {
        try
        {
            return agent.doWork();
        }
        catch (final RuntimeException ex)
        {
            throw ex;
        }
        catch (final Exception ex)
        {
            throw new KeelException(KeelException.Category.CONNECTOR, "AGENT_ERROR",
                "agent '" + agent.roleName() + "' failed: " + ex.getMessage(), ex);
        }
    }

    private String inputNames()
    {
        final StringBuilder names = new StringBuilder("[");
        for (final InputBinding input : inputs)
        {
            names.append(names.length() > 1 ? ", " : "").append(input.name);
        }
        return names.append(']').toString();
    }

    private KeelException recovery(final String code, final String message)
    {
        return new KeelException(KeelException.Category.RECOVERY, code, "pipeline '" + pipelineName + "': " + message);
    }

    private static InputTable table(final Program program, final EngineContext.InputAttachment input)
    {
        final InputTable table = program.tables().get(input.table());
        if (null == table)
        {
            throw new KeelException(KeelException.Category.CONFIG, "CONFIG_UNKNOWN_TABLE", "input endpoint '" +
                input.name() + "' feeds table '" + input.table() + "', which the program does not have; tables: " +
                program.tables().keySet());
        }
        return table;
    }

    private int viewIndex(final EngineContext.OutputAttachment output)
    {
        for (int i = 0; i < viewNames.length; i++)
        {
            if (viewNames[i].equals(output.view()))
            {
                return i;
            }
        }
        throw new KeelException(KeelException.Category.CONFIG, "CONFIG_UNKNOWN_VIEW", "output endpoint '" +
            output.name() + "' receives view '" + output.view() + "', which the program does not have; views: " +
            program.views().keySet());
    }

    private final class Boundary implements StepBoundary
    {
        private long step;
        private long journalPosition;
        private long inputCount;
        private long inputHash;
        private boolean replaying;

        void set(
            final long step,
            final long journalPosition,
            final long inputCount,
            final long inputHash,
            final boolean replaying)
        {
            this.step = step;
            this.journalPosition = journalPosition;
            this.inputCount = inputCount;
            this.inputHash = inputHash;
            this.replaying = replaying;
        }

        public long step()
        {
            return step;
        }

        public long transactionId()
        {
            return step;
        }

        public long journalPosition()
        {
            return journalPosition;
        }

        public long inputCount()
        {
            return inputCount;
        }

        public long inputHash()
        {
            return inputHash;
        }

        public boolean replaying()
        {
            return replaying;
        }

        public int inputEndpointCount()
        {
            return inputs.length;
        }

        public String inputName(final int endpoint)
        {
            return inputs[endpoint].name;
        }

        public long inputPosition(final int endpoint)
        {
            return inputs[endpoint].position;
        }

        public Program program()
        {
            return program;
        }
    }
}
