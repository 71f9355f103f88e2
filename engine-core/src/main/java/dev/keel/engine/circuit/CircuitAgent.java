package dev.keel.engine.circuit;

import dev.keel.engine.KeelException;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.program.InputTable;
import dev.keel.engine.operators.Operator;
import dev.keel.engine.program.Program;
import dev.keel.engine.spi.Journal;
import dev.keel.engine.spi.StepRecord;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.status.CountersManager;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The circuit agent: the conductor of one pipeline. It owns the {@link Program} (all operator state), the
 * {@link PipelineLifecycle} and the parts a step goes through, each with its own state: the {@link InputStage}
 * (collect), the program (evaluate), the {@link Journal} (journal) and the {@link OutputStage} (emit); during
 * recovery a {@link ReplaySession}.
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
 * <li><b>emit</b>: see {@link OutputStage}: output leaves only once its step is durable. While the output ring
 * is full no new step starts.</li>
 * </ol>
 * The transaction id of a step is its step number; steps are numbered from 1 without gaps.
 * <p>
 * Lifecycle, advanced one duty cycle at a time and never blocking:
 * <pre>
 *   INITIALIZING --(bootstrap task, if any: load a checkpoint, open the endpoints)--> BOOTSTRAPPING
 *   INITIALIZING | BOOTSTRAPPING --(endpoints opened; a journal to replay)--> REPLAYING --(replayed)--> RUNNING
 *   INITIALIZING | BOOTSTRAPPING --(endpoints opened; nothing to replay)--> RUNNING
 * </pre>
 * The bootstrap task ({@link #bootstrapTask(Runnable)}) runs in the first duty cycle; without one, the owner opens
 * the endpoints itself ({@link #openEndpoints()}, or {@link #openEndpointsAt} at a checkpoint) before any agent
 * runs. The replay starts at {@link CircuitSettings#journalReplayFromPosition()}, or where recovery set it. After
 * every step the {@link StepListener} sees a {@link StepBoundary}: the checkpoint hook.
 * <p>
 * Every method except {@link #lifecycle()}, {@link #state()}, {@link #requestBoundary()} and
 * {@link #isPinned()} is called on the circuit thread (or before its agent starts). {@link #doWork()} never
 * throws: errors go to the {@link PipelineLifecycle}, which counts and keeps them and fails the pipeline.
 */
public final class CircuitAgent implements Agent, AutoCloseable
{
    private static final System.Logger LOGGER = System.getLogger("dev.keel.engine.circuit");

    private final String pipelineName;
    private final NanoClock clock;
    private final Program program;
    private final Operator[] views;
    private final InputStage inputs;
    private final OutputStage outputs;
    private final Journal journal;
    private final StepRecord stepRecord = new StepRecord();
    private final PipelineLifecycle lifecycle;
    private final CircuitCounters counters;
    private final CpuPinning pinning;
    private final CircuitBoundary boundary;
    private final long housekeepingIntervalNs;
    private final long replayStallTimeoutNs;
    private StepListener stepListener;
    private DutyCycleHook dutyCycleHook;
    private java.util.function.BooleanSupplier bootstrapTask;
    private java.util.Set<String> recomputeEmits;
    private Runnable afterRecompute;
    private ReplaySession replaySession;
    private long journalReplayFromPosition;

    private final boolean startPaused;
    private long nextStep = 1;
    private long nextHousekeepingNs;
    private boolean completionFlushed;
    private boolean closed;
    private volatile boolean boundaryRequested;
    private volatile boolean endpointsOpened;
    private volatile boolean started;

    /**
     * Builds the circuit over a program. Endpoints are not opened here (see {@link #openEndpoints()}).
     *
     * @param settings        concluded settings ({@code EngineContext.circuitSettings()}).
     * @param program         the program, owned by the circuit from now on.
     * @param inputs          input endpoints in journal order, each bound to a table of the program.
     * @param outputs         output endpoints, each bound to a view of the program.
     * @param countersManager where the pipeline's counters are allocated.
     */
    public CircuitAgent(
        final CircuitSettings settings,
        final Program program,
        final List<InputAttachment> inputs,
        final List<OutputAttachment> outputs,
        final CountersManager countersManager)
    {
        this.pipelineName = settings.pipelineName();
        this.clock = settings.nanoClock();
        this.program = program;
        this.journal = settings.journal();
        this.stepListener = settings.stepListener();
        this.housekeepingIntervalNs = settings.housekeepingIntervalNs();
        this.replayStallTimeoutNs = settings.replayStallTimeoutNs();
        this.startPaused = settings.startPaused();
        this.journalReplayFromPosition = null == journal ? -1 : settings.journalReplayFromPosition();
        this.pinning = new CpuPinning(roleName(), settings.pinCpu());

        final Map<String, Operator> viewMap = program.views();
        this.views = viewMap.values().toArray(new Operator[0]);
        final String[] viewNames = viewMap.keySet().toArray(new String[0]);

        final InputStage.Binding[] inputBindings = new InputStage.Binding[inputs.size()];
        for (int i = 0; i < inputBindings.length; i++)
        {
            final InputAttachment input = inputs.get(i);
            inputBindings[i] = new InputStage.Binding(
                i, input.name(), table(program, input), input.endpoint(), settings.inputStagingInitialBytes());
        }
        this.inputs = new InputStage(inputBindings, settings.maxBatchSizeRecords(), settings.minBatchSizeRecords(),
            settings.maxBufferingDelayNs());

        this.boundary = new CircuitBoundary(this.inputs, program);
        this.counters = new CircuitCounters(countersManager, pipelineName, viewNames);
        final OutputStage.Binding[] outputBindings = new OutputStage.Binding[outputs.size()];
        for (int i = 0; i < outputBindings.length; i++)
        {
            final OutputAttachment output = outputs.get(i);
            outputBindings[i] = new OutputStage.Binding(
                output.name(), viewIndex(viewNames, output), output.endpoint());
        }
        this.outputs = new OutputStage(outputBindings, views, journal, settings.outputReleaseLimit(),
            settings.pendingStepCapacity(), settings.pendingDeltaInitialBytes(), counters.backPressure);
        this.lifecycle = new PipelineLifecycle(pipelineName, counters.state, counters.errors, settings.errorHandler());
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
        return outputs.durableTransactionId();
    }

    /** Highest transaction id that every output has accepted; circuit thread. */
    public long emittedTransactionId()
    {
        return outputs.emittedTransactionId();
    }

    /** Steps whose output is not yet accepted by every output; circuit thread. */
    public int pendingStepCount()
    {
        return outputs.pendingCount();
    }

    /** Input endpoints, in journal order. */
    public int inputEndpointCount()
    {
        return inputs.count();
    }

    /**
     * True once the bootstrap is over: the endpoints are open and the pipeline replays or runs; any thread. A
     * failure after this point is the running pipeline's, not its start's.
     */
    public boolean isStarted()
    {
        return started;
    }

    /** Highest transaction id handed to every output so far; circuit thread. */
    public long offeredTransactionId()
    {
        return outputs.offeredTransactionId(nextStep - 1);
    }

    /**
     * Sets the work of the first duty cycle: recovery loading a checkpoint into the program and opening the
     * endpoints where it left them (or fresh). It runs on the circuit thread; an error fails the pipeline. Before
     * any agent runs.
     *
     * @param task the bootstrap, which must end by opening the endpoints.
     */
    public void bootstrapTask(final Runnable task)
    {
        this.bootstrapTask = () ->
        {
            task.run();
            return true;
        };
    }

    /**
     * Sets a bootstrap task that is polled, once per duty cycle, until it answers true (it may wait for an approval
     * meanwhile, in AWAITING_APPROVAL); when it does, the endpoints must be open. Before any agent runs.
     *
     * @param task the bootstrap: true once done.
     */
    public void bootstrapTask(final java.util.function.BooleanSupplier task)
    {
        this.bootstrapTask = task;
    }

    /**
     * After a bootstrap over a changed program ({@link Program#restoreChanged}): the first live step, once the
     * journal is replayed, is the recompute step, with no input, in which {@code emittedViews} emit their full
     * contents (the other views nothing); then {@code afterRecompute} runs (recovery requests a checkpoint).
     *
     * @param emittedViews   the added and modified views.
     * @param afterRecompute run on the circuit thread after the step, or null.
     */
    public void recomputeOnStart(final java.util.Set<String> emittedViews, final Runnable afterRecompute)
    {
        this.recomputeEmits = emittedViews;
        this.afterRecompute = afterRecompute;
    }

    /**
     * Opens every endpoint fresh: inputs at position 0, outputs with no delivered transaction. Call once,
     * before any agent runs or from the bootstrap task.
     */
    public void openEndpoints()
    {
        inputs.openFresh();
        outputs.openFresh();
        endpointsOpened = true;
    }

    /**
     * Opens every endpoint where a checkpoint taken at the boundary of {@code step} left it, and resumes
     * numbering after it ({@link #startAfter(long)}): replayable inputs at their checkpointed positions, other
     * inputs fresh, outputs restored to their delivered positions with transaction {@code step} delivered (a
     * checkpoint completes only once every output delivered its last step). Call once, before any agent runs
     * or from the bootstrap task, after the program's state was loaded; the replay then starts at the
     * checkpoint's journal position ({@link #journalReplayFromPosition(long)}).
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
        Arrays.fill(outputTransactionIds, step);
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
        if (inputPositions.length != inputs.count() || outputPositions.length != outputs.count())
        {
            throw new KeelException(KeelException.Category.RECOVERY, "RECOVERY_ENDPOINTS_CHANGED", "pipeline '" +
                pipelineName + "': the checkpoint at step " + step + " has " + inputPositions.length +
                " input and " + outputPositions.length + " output endpoints, the pipeline has " + inputs.count() +
                " inputs " + inputs.names() + " and " + outputs.count() + " outputs");
        }
        openEndpointsAt(step, inputPositions, null, outputPositions, outputTransactionIds);
    }

    /**
     * As {@link #openEndpointsAt(long, long[], long[], long[])}, with the position tokens the checkpoint kept for
     * the inputs that use them ({@link dev.keel.engine.connector.InputEndpoint#usesPositionToken()}).
     *
     * @param inputTokens per input endpoint, in journal order, its token or null; null when there are none.
     */
    public void openEndpointsAt(
        final long step,
        final long[] inputPositions,
        final byte[][] inputTokens,
        final long[] outputPositions,
        final long[] outputTransactionIds)
    {
        if (inputPositions.length != inputs.count() || outputPositions.length != outputs.count())
        {
            throw new KeelException(KeelException.Category.RECOVERY, "RECOVERY_ENDPOINTS_CHANGED", "pipeline '" +
                pipelineName + "': the checkpoint at step " + step + " has " + inputPositions.length +
                " input and " + outputPositions.length + " output endpoints, the pipeline has " + inputs.count() +
                " inputs " + inputs.names() + " and " + outputs.count() + " outputs");
        }
        startAfter(step);
        inputs.openAt(inputPositions, inputTokens);
        outputs.restore(outputPositions, outputTransactionIds);
        endpointsOpened = true;
    }

    /**
     * Replays the journal from {@code position} instead of {@link CircuitSettings#journalReplayFromPosition()}
     * when the pipeline starts: set by recovery once it loaded a checkpoint. Before the endpoints are opened.
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
     * Replaces {@link CircuitSettings#stepListener()} (the checkpoint coordinator wraps the host's). Before the
     * first step.
     *
     * @param listener the listener, or null.
     */
    public void stepListener(final StepListener listener)
    {
        this.stepListener = listener;
    }

    /**
     * Sets the hook called at the end of every duty cycle while the pipeline runs, pauses or completes (the
     * checkpoint coordinator's). Before the first step.
     *
     * @param hook the hook, or null.
     */
    public void dutyCycleHook(final DutyCycleHook hook)
    {
        this.dutyCycleHook = hook;
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
        outputs.startAfter(step);
    }

    /** {@inheritDoc} Pins the thread if configured; a CPU that cannot be had is logged once, not an error. */
    public void onStart()
    {
        pinning.pin();
    }

    /** {@inheritDoc} Releases the CPU; resources are closed by {@link #close()}. */
    public void onClose()
    {
        pinning.release();
    }

    /** True if this agent's thread holds a CPU pin. */
    public boolean isPinned()
    {
        return pinning.isPinned();
    }

    /**
     * One duty cycle: reads the clock once, never blocks, never throws.
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
                case AWAITING_APPROVAL:
                    workCount += start();
                    if (lifecycle.state() != PipelineState.REPLAYING)
                    {
                        break;
                    }
                    // fall through: replay as much as is ready in this same duty cycle

                case REPLAYING:
                    workCount += replay(nowNs);
                    break;

                case RUNNING:
                    if (null != recomputeEmits)
                    {
                        if (!outputs.isFull())
                        {
                            workCount += runStep(nowNs);
                        }
                        workCount += outputs.emit();
                        break;
                    }
                    workCount += inputs.collect(nowNs);
                    if (!outputs.isFull() && inputs.readyToStep(nowNs))
                    {
                        workCount += runStep(nowNs);
                    }
                    workCount += outputs.emit();
                    workCount += inputs.durable(outputs.durableTransactionId());
                    break;

                case PAUSED:
                case COMPLETED:
                    workCount += outputs.emit();
                    workCount += inputs.durable(outputs.durableTransactionId());
                    break;

                default:
                    return 0;
            }

            // checkpoints start only once the pipeline runs live: replayed steps are in the journal already
            final boolean live = endpointsOpened && lifecycle.state() != PipelineState.REPLAYING;
            if (boundaryRequested && live)
            {
                workCount += onRequestedBoundary();
            }

            if (null != dutyCycleHook && live)
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
        closeables.add(replaySession);
        for (int i = 0; i < inputs.count(); i++)
        {
            closeables.add(inputs.binding(i).endpoint);
        }
        for (int i = 0; i < outputs.count(); i++)
        {
            closeables.add(outputs.binding(i).endpoint);
        }
        closeables.add(journal);
        closeables.add(program);
        closeables.add(counters);
        CloseHelper.closeAll(closeables);
    }

    /** Runs a journaled step whose input the replay staged and verified; see {@link ReplaySession}. */
    void runReplayedStep(final long step, final long journalPosition, final long nowNs)
    {
        evaluate();
        finishStep(step, journalPosition, inputs.stepCount(), inputs.stepHash(), true, nowNs);
        outputs.markDurable(step);
        counters.replayedSteps.incrementRelease();
        counters.replayedJournalBytes.setRelease(journalPosition - journalReplayFromPosition);
    }

    private int start()
    {
        if (null != bootstrapTask)
        {
            if (!bootstrapTask.getAsBoolean())
            {
                return 0;
            }
            bootstrapTask = null;
            if (!endpointsOpened)
            {
                throw new IllegalStateException("pipeline '" + pipelineName + "': the bootstrap task did not open " +
                    "the endpoints");
            }
        }
        if (!endpointsOpened)
        {
            // the owner opens the endpoints (or sets a bootstrap task) before the agent is meant to start
            return 0;
        }
        if (journalReplayFromPosition >= 0)
        {
            replaySession = new ReplaySession(this, journal.openReplay(journalReplayFromPosition), inputs, outputs,
                pipelineName, nextStep, replayStallTimeoutNs);
            // the replay's extent, for progress (keel_replayed_journal_bytes of keel_replay_journal_bytes)
            counters.replayedJournalBytes.setRelease(0);
            counters.replayJournalBytes.setRelease(Math.max(0, journal.position() - journalReplayFromPosition));
            lifecycle.transition(PipelineState.REPLAYING);
        }
        else
        {
            goLive();
        }
        started = true;
        return 1;
    }

    private int replay(final long nowNs)
    {
        final int workCount = replaySession.doWork(nowNs);
        if (replaySession.isDone())
        {
            final long endPosition = replaySession.position();
            replaySession.close();
            replaySession = null;
            LOGGER.log(System.Logger.Level.INFO, "pipeline ''{0}'': replayed up to step {1}, journal position {2}",
                pipelineName, lastStep(), endPosition);
            goLive();
            return workCount + 1;
        }
        return workCount;
    }

    private int runStep(final long nowNs)
    {
        final long step = nextStep;
        final boolean journaled = null != journal;
        if (journaled)
        {
            stepRecord.reset(step, step, inputs.count());
        }
        // the input hash (a pass over every input byte) is for the journal and the step listener only
        inputs.seal(journaled ? stepRecord : null, journaled || null != stepListener);
        inputs.sealed(step);
        final Runnable afterStep = null == recomputeEmits ? null : afterRecompute;
        if (null == recomputeEmits)
        {
            evaluate();
        }
        else
        {
            // the recompute step: no input; the recomputed views emit their whole contents
            final long rows = program.recompute(recomputeEmits);
            LOGGER.log(System.Logger.Level.INFO, "pipeline ''{0}'': bootstrap step {1} recomputed views {2} from " +
                "the input tables ({3} rows emitted)", pipelineName, step, recomputeEmits, rows);
            recomputeEmits = null;
            afterRecompute = null;
        }

        long journalPosition = 0;
        if (journaled)
        {
            stepRecord.inputCount(inputs.stepCount()).inputHash(inputs.stepHash());
            journalPosition = journal.append(stepRecord);
        }
        finishStep(step, journalPosition, inputs.stepCount(), inputs.stepHash(), false, nowNs);
        if (!journaled)
        {
            outputs.markDurable(step);
        }
        return 1;
    }

    private void goLive()
    {
        inputs.live();
        lifecycle.transition(startPaused ? PipelineState.PAUSED : PipelineState.RUNNING);
    }

    private void evaluate()
    {
        inputs.moveToTables();
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
        outputs.add(step, journalPosition, !replaying && null == journal);
        counters.countViewOutput(views);
        program.endStep();
        nextStep = step + 1;
        inputs.stepDone();

        counters.steps.incrementRelease();
        counters.recordsIn.getAndAddRelease(inputCount);
        // a second clock read, only when a step ran: the duty cycle itself reads the clock once
        final long stepNanos = clock.nanoTime() - startNs;
        counters.stepNanosTotal.getAndAddRelease(stepNanos);
        counters.stepNanosMax.proposeMaxRelease(stepNanos);

        if (null != stepListener)
        {
            boundary.set(step, journalPosition, inputCount, inputHash, replaying);
            stepListener.onStepEnd(boundary);
        }
    }

    private int onRequestedBoundary()
    {
        boundaryRequested = false;
        if (null == stepListener)
        {
            return 0;
        }
        if (boundary.step() != nextStep - 1)
        {
            // no step ran in this process yet (fresh start, or after a checkpoint without replayed steps)
            boundary.set(nextStep - 1, null == journal ? 0 : journal.position(), 0, 0, false);
        }
        stepListener.onStepEnd(boundary);
        return 1;
    }

    private int housekeeping()
    {
        outputs.checkErrors();
        counters.pendingSteps.setRelease(outputs.pendingCount());
        counters.durableTransaction.setRelease(outputs.durableTransactionId());
        if (lifecycle.state() == PipelineState.RUNNING)
        {
            return checkCompletion();
        }
        return 0;
    }

    private int checkCompletion()
    {
        if (inputs.hasBuffered() || !outputs.isEmpty() || !inputs.allEnded())
        {
            return 0;
        }
        if (!completionFlushed)
        {
            completionFlushed = true;
            outputs.flushAll();
            return 1;
        }
        final long lastTransactionId = nextStep - 1;
        if (lastTransactionId > 0 && !outputs.allDelivered(lastTransactionId))
        {
            return 0;
        }
        lifecycle.transition(PipelineState.COMPLETED);
        return 1;
    }

    private static InputTable table(final Program program, final InputAttachment input)
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

    private int viewIndex(final String[] viewNames, final OutputAttachment output)
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
}
