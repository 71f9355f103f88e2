package dev.keel.engine.api;

import dev.keel.engine.circuit.OutputAttachment;

import dev.keel.engine.circuit.InputAttachment;

import dev.keel.engine.KeelException;
import dev.keel.engine.circuit.CircuitAgent;
import dev.keel.engine.circuit.CpuPinning;
import dev.keel.engine.status.KeelCounters;
import dev.keel.engine.connector.EndpointCounters;
import dev.keel.engine.circuit.PipelineLifecycle;
import dev.keel.engine.circuit.PipelineState;
import dev.keel.engine.connector.InputEndpoint;
import dev.keel.engine.connector.OutputEndpoint;
import dev.keel.engine.ft.CheckpointCoordinator;
import dev.keel.engine.spi.CheckpointStatus;
import dev.keel.engine.ft.Recovery;
import dev.keel.engine.spi.CheckpointSync;
import dev.keel.engine.program.InputTable;
import dev.keel.engine.operators.Operator;
import dev.keel.engine.program.Program;
import dev.keel.engine.state.PagedArena;
import dev.keel.engine.program.ProgramDefinition;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.status.CountersReader;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A running pipeline embedded in the host: push rows through {@link #inputHandle(String)}, read view
 * changes through {@link #outputHandle(String)}, watch {@link #state()}, and {@link #close()} it.
 * <p>
 * Threads follow {@link EngineContext#threadingMode()}: DEDICATED gives the circuit agent and every
 * endpoint agent a thread each (the circuit's pinned to a CPU when possible); SHARED runs them all in one
 * composite agent on one thread; INVOKER starts no thread and the host calls {@link #invoke()}.
 * <p>
 * Tables without a connector input get an input handle, views without a connector output an output
 * handle; {@link EngineContext#inputHandle(String)} and {@link EngineContext#outputHandle(String)} add them
 * elsewhere. An error in any agent or endpoint fails the pipeline: {@link #state()} becomes FAILED and
 * {@link #failure()} returns the error.
 */
public final class KeelPipeline implements AutoCloseable
{
    private static final System.Logger LOGGER = System.getLogger("dev.keel.engine.api");

    private final EngineContext ctx;
    private final CircuitAgent circuit;
    private final PipelineLifecycle lifecycle;
    private final KeelCounters ownedCounters;
    private final KeelCounters counters;
    private final Map<String, InputHandle> inputHandles;
    private final Map<String, OutputHandle> outputHandles;
    private final List<AgentRunner> runners = new ArrayList<>();
    private final List<EndpointCounters> endpointCounters = new ArrayList<>();
    private volatile CheckpointCoordinator coordinator;
    private volatile Recovery recovery;
    private AgentInvoker invoker;
    private boolean closed;
    private volatile boolean skipCheckpointOnClose;

    private KeelPipeline(
        final EngineContext ctx,
        final CircuitAgent circuit,
        final KeelCounters ownedCounters,
        final KeelCounters counters,
        final Map<String, InputHandle> inputHandles,
        final Map<String, OutputHandle> outputHandles)
    {
        this.ctx = ctx;
        this.circuit = circuit;
        this.lifecycle = circuit.lifecycle();
        this.ownedCounters = ownedCounters;
        this.counters = counters;
        this.inputHandles = inputHandles;
        this.outputHandles = outputHandles;
    }

    /**
     * Builds the program, binds endpoints and handles, opens endpoints and starts the agents.
     *
     * @param ctx        settings; concluded here.
     * @param definition the program.
     * @return the running pipeline.
     */
    public static KeelPipeline launch(final EngineContext ctx, final ProgramDefinition definition)
    {
        ctx.conclude();
        final int[] cpus = ctx.pinCpus();
        final Program program = Program.build(
            definition, PagedArena.lanes(ctx.workers(), ctx.arenaPagesPerChunk(), ctx.arenaPreTouch()),
            ctx.pipelineName(), cpus.length == 0 ? null : (w) -> CpuPinning.pinWorker(ctx.pipelineName(), w, cpus[w]));
        if (null != ctx.faultTolerance().checkpointStore())
        {
            // a bootstrap after a program change recomputes views from the tables' contents, kept in checkpoints
            program.materializeTables();
        }
        final KeelCounters ownedCounters = null == ctx.counters() ?
            new KeelCounters(ctx.countersValuesBufferLength()) : null;
        final KeelCounters counters = null == ownedCounters ? ctx.counters() : ownedCounters;
        final List<AutoCloseable> toCloseOnFailure = new ArrayList<>();
        toCloseOnFailure.add(program);
        for (final InputAttachment input : ctx.inputs())
        {
            toCloseOnFailure.add(input.endpoint());
        }
        for (final OutputAttachment output : ctx.outputs())
        {
            toCloseOnFailure.add(output.endpoint());
        }
        final List<InputAttachment> attachedInputs = new ArrayList<>();
        final List<OutputAttachment> attachedOutputs = new ArrayList<>();
        toCloseOnFailure.add(ctx.faultTolerance().journal());
        toCloseOnFailure.add(ctx.faultTolerance().checkpointStore());
        toCloseOnFailure.add(ownedCounters);

        CircuitAgent circuit = null;
        KeelPipeline pipeline = null;
        final List<EndpointCounters> endpointCounters = new ArrayList<>();
        try
        {
            Attachments.checkNames("inputHandle", ctx.inputHandleTables(), program.tables().keySet());
            Attachments.checkNames("outputHandle", ctx.outputHandleViews(), program.views().keySet());

            Attachments.resolveEndpoints(ctx, program, attachedInputs, attachedOutputs, toCloseOnFailure);
            final List<InputAttachment> inputs = new ArrayList<>(attachedInputs);
            final Map<String, InputHandle> inputHandles = new LinkedHashMap<>();
            for (final Map.Entry<String, InputTable> entry : program.tables().entrySet())
            {
                final String table = entry.getKey();
                if (ctx.inputHandleTables().contains(table) || !Attachments.hasInput(ctx, table))
                {
                    final ManyToOneRingBuffer ringBuffer = new ManyToOneRingBuffer(new UnsafeBuffer(
                        ByteBuffer.allocateDirect(Attachments.ringCapacity(ctx.inputHandleBufferLength()))));
                    final InputHandle handle = new InputHandle(table, entry.getValue().outputSchema(), ringBuffer);
                    final String name = table + ".handle";
                    inputs.add(new InputAttachment(name, table, new PushInputEndpoint(name, handle)));
                    inputHandles.put(table, handle);
                }
            }
            final List<OutputAttachment> outputs = new ArrayList<>(attachedOutputs);
            final Map<String, OutputHandle> outputHandles = new LinkedHashMap<>();
            for (final Map.Entry<String, Operator> entry : program.views().entrySet())
            {
                final String view = entry.getKey();
                if (ctx.outputHandleViews().contains(view) || !Attachments.hasOutput(attachedOutputs, view))
                {
                    final OneToOneRingBuffer ringBuffer = new OneToOneRingBuffer(new UnsafeBuffer(
                        ByteBuffer.allocateDirect(Attachments.ringCapacity(ctx.outputHandleBufferLength()))));
                    final String name = view + ".handle";
                    outputs.add(new OutputAttachment(
                        name, view, new HandleOutputEndpoint(name, ringBuffer)));
                    outputHandles.put(view, new OutputHandle(view, entry.getValue().outputSchema(), ringBuffer));
                }
            }

            bindCounters(ctx.pipelineName(), counters, inputs, outputs, endpointCounters);
            circuit = new CircuitAgent(ctx.circuitSettings(), program, inputs, outputs, counters.countersManager());
            for (final InputHandle handle : inputHandles.values())
            {
                handle.lifecycle(circuit.lifecycle());
            }

            final KeelPipeline started = new KeelPipeline(ctx, circuit, ownedCounters, counters,
                Collections.unmodifiableMap(inputHandles), Collections.unmodifiableMap(outputHandles));
            pipeline = started;
            pipeline.endpointCounters.addAll(endpointCounters);
            final CircuitAgent boundCircuit = circuit;
            // the circuit's first duty cycle bootstraps: loading a checkpoint and opening the endpoints happen on
            // its thread, so that the lifecycle advances there one duty cycle at a time
            if (null != ctx.faultTolerance().checkpointStore())
            {
                final Recovery recovery = new Recovery(ctx.faultTolerance().recoverySettings(), boundCircuit, inputs, outputs, counters.countersManager());
                started.recovery = recovery;
                circuit.bootstrapTask(() ->
                {
                    final boolean done = recovery.getAsBoolean();
                    started.coordinator = recovery.coordinator();
                    return done;
                });
            }
            else
            {
                circuit.bootstrapTask(boundCircuit::openEndpoints);
            }
            pipeline.start(inputs, outputs);
            pipeline.awaitBootstrapped();
            return pipeline;
        }
        catch (final RuntimeException ex)
        {
            if (null != pipeline)
            {
                CloseHelper.quietClose(pipeline);
                throw ex;
            }
            if (null != circuit)
            {
                CloseHelper.quietClose(circuit);
                CloseHelper.quietClose(ctx.faultTolerance().checkpointStore());
            }
            else
            {
                CloseHelper.quietCloseAll(toCloseOnFailure);
            }
            if (null == pipeline)
            {
                CloseHelper.quietCloseAll(endpointCounters);
            }
            if (null != ownedCounters)
            {
                ownedCounters.close();
            }
            throw ex;
        }
    }

    /** Allocates every endpoint's counters (connectors and handles alike) and hands them over before open. */
    private static void bindCounters(
        final String pipelineName,
        final KeelCounters counters,
        final List<InputAttachment> inputs,
        final List<OutputAttachment> outputs,
        final List<EndpointCounters> allocated)
    {
        for (final InputAttachment input : inputs)
        {
            final EndpointCounters endpointCounters = EndpointCounters.allocate(
                counters.countersManager(), pipelineName, input.name(), EndpointCounters.INPUT);
            allocated.add(endpointCounters);
            input.endpoint().counters(endpointCounters);
        }
        for (final OutputAttachment output : outputs)
        {
            final EndpointCounters endpointCounters = EndpointCounters.allocate(
                counters.countersManager(), pipelineName, output.name(), EndpointCounters.OUTPUT);
            allocated.add(endpointCounters);
            output.endpoint().counters(endpointCounters);
        }
    }

    /**
     * Waits until the circuit's first duty cycle loaded the checkpoint (if any) and opened the endpoints, running
     * the duty cycles itself in INVOKER mode; rethrows what failed the bootstrap.
     */
    private void awaitBootstrapped()
    {
        final IdleStrategy idle = null != invoker ? ctx.newIdleStrategy() : null;
        boolean interrupted = false;
        PipelineState state = lifecycle.state();
        while (!circuit.isStarted() && !state.isTerminal() && state != PipelineState.AWAITING_APPROVAL)
        {
            if (null != idle)
            {
                idle.idle(invoker.invoke());
            }
            else
            {
                try
                {
                    lifecycle.await(1, TimeUnit.SECONDS, PipelineState.REPLAYING, PipelineState.RUNNING,
                        PipelineState.PAUSED, PipelineState.COMPLETED, PipelineState.STOPPED,
                        PipelineState.AWAITING_APPROVAL);
                }
                catch (final InterruptedException ex)
                {
                    interrupted = true;
                }
            }
            state = lifecycle.state();
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
        if (!circuit.isStarted() && state == PipelineState.FAILED)
        {
            final Throwable failure = lifecycle.failure();
            if (failure instanceof RuntimeException)
            {
                throw (RuntimeException)failure;
            }
            lifecycle.throwIfFailed("launch");
        }
    }

    /** Current state, from any thread. */
    public PipelineState state()
    {
        return lifecycle.state();
    }

    /** The first error that failed the pipeline, or null. */
    public Throwable failure()
    {
        return lifecycle.failure();
    }

    /** Number of errors reported by agents and endpoints. */
    public long errorCount()
    {
        return lifecycle.errorCount();
    }

    /** The counters (for export); valid until {@link #close()}. */
    public CountersReader counters()
    {
        return counters.countersManager();
    }

    /** The circuit agent (for the checkpoint and recovery machinery of the node). */
    public CircuitAgent circuit()
    {
        return circuit;
    }

    /**
     * Asks for a checkpoint and returns at once. Requests made before a checkpoint starts are all satisfied by
     * it. The sequence number and its status survive a restart on the same storage.
     *
     * @return the request's sequence number, for {@link #checkpointStatus(long)}.
     * @throws IllegalStateException without a checkpoint store (storage disabled).
     */
    public long checkpoint()
    {
        return coordinator().request();
    }

    /**
     * Asks for a checkpoint and waits for it. In INVOKER mode the calling thread runs the duty cycles meanwhile.
     *
     * @param timeout longest wait.
     * @return {@link CheckpointStatus.Success}, {@link CheckpointStatus.Failure}, or
     * {@link CheckpointStatus.InProgress} on time-out.
     * @throws InterruptedException if interrupted while waiting.
     */
    public CheckpointStatus checkpoint(final Duration timeout) throws InterruptedException
    {
        return awaitCheckpoint(coordinator().request(), timeout.toNanos());
    }

    /**
     * What became of a checkpoint request.
     *
     * @param seq a sequence number from {@link #checkpoint()}.
     * @return Success, Failure(error), InProgress, or Unknown (never issued, or older than the statuses kept).
     */
    public CheckpointStatus checkpointStatus(final long seq)
    {
        return coordinator().status(seq);
    }

    /**
     * Queues a push of the newest committed checkpoint to object storage and returns at once.
     *
     * @return the id of the checkpoint being synced, for {@link #syncCheckpointStatus(UUID)}.
     * @throws IllegalStateException without a sync ({@code storage.backend.config.sync} not configured).
     * @throws KeelException         if no checkpoint was committed yet.
     */
    public UUID syncCheckpoint()
    {
        return checkpointSync().syncLatest();
    }

    /**
     * Syncs the newest committed checkpoint and waits until the bucket's catalog names it.
     *
     * @param timeout how long to wait.
     * @return the id of the synced checkpoint.
     * @throws IllegalStateException without a sync ({@code storage.backend.config.sync} not configured).
     * @throws KeelException         if there is no committed checkpoint, the push failed (SYNC_FAILED, with the
     *                               cause) or did not finish in time (SYNC_TIMEOUT; it goes on in the background).
     * @throws InterruptedException  if interrupted while waiting.
     */
    public UUID syncCheckpoint(final Duration timeout) throws InterruptedException
    {
        final CheckpointSync sync = checkpointSync();
        final UUID id = sync.syncLatest();
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        while (true)
        {
            final CheckpointStatus status = sync.status(id);
            if (status instanceof CheckpointStatus.Success)
            {
                return id;
            }
            if (status instanceof CheckpointStatus.Failure failure)
            {
                throw new KeelException(KeelException.Category.SYNC, "SYNC_FAILED",
                    "sync of checkpoint " + id + " failed: " + failure.error());
            }
            if (System.nanoTime() - deadlineNs >= 0)
            {
                throw new KeelException(KeelException.Category.SYNC, "SYNC_TIMEOUT", "sync of checkpoint " + id +
                    " did not finish within " + timeout + " (" + status + "); it goes on in the background, see " +
                    "syncCheckpointStatus");
            }
            if (Thread.interrupted())
            {
                throw new InterruptedException();
            }
            if (null != invoker)
            {
                invoker.invoke();
            }
            TimeUnit.MILLISECONDS.sleep(5);
        }
    }

    /**
     * What became of a checkpoint sync.
     *
     * @param checkpoint an id from {@link #syncCheckpoint()}.
     * @return Success, Failure(error), InProgress, or Unknown (never synced by this process).
     * @throws IllegalStateException without a sync ({@code storage.backend.config.sync} not configured).
     */
    public CheckpointStatus syncCheckpointStatus(final UUID checkpoint)
    {
        return checkpointSync().status(checkpoint);
    }

    /**
     * @return the newest checkpoint this process synced successfully, or empty.
     * @throws IllegalStateException without a sync ({@code storage.backend.config.sync} not configured).
     */
    public Optional<UUID> lastSuccessfulCheckpointSync()
    {
        return checkpointSync().lastSuccessful();
    }

    private CheckpointSync checkpointSync()
    {
        final CheckpointSync sync = ctx.faultTolerance().checkpointSync();
        if (null == sync)
        {
            throw new IllegalStateException("pipeline '" + ctx.pipelineName() + "' has no checkpoint sync: set " +
                "storage.backend.config.sync (with storage.backend.name \"file\") in the configuration, or " +
                "EngineContext.checkpointSync");
        }
        return sync;
    }

    /**
     * Lets a start waiting in AWAITING_APPROVAL (program changed, bootstrap_policy await_approval) bootstrap: the
     * circuit proceeds in its next duty cycle. Any thread.
     *
     * @throws IllegalStateException if the pipeline is not awaiting approval.
     */
    public void approve()
    {
        if (null == recovery)
        {
            throw new IllegalStateException("pipeline '" + ctx.pipelineName() + "' has no checkpoint store: there " +
                "is nothing to approve");
        }
        recovery.approve();
    }

    /** What changed in the program since the checkpoint this start restored (or awaits approval for), or null. */
    public dev.keel.engine.program.ProgramChange programChange()
    {
        return null == recovery ? null : recovery.change();
    }

    /** The checkpoint coordinator, or null without a checkpoint store (for counts and tests). */
    public CheckpointCoordinator checkpointCoordinator()
    {
        return coordinator;
    }

    /** The checkpoint store, or null without one; its {@code list()} may be called from any thread. */
    public dev.keel.engine.spi.CheckpointStore checkpointStore()
    {
        return ctx.faultTolerance().checkpointStore();
    }

    private CheckpointCoordinator coordinator()
    {
        if (null == coordinator)
        {
            throw new IllegalStateException("pipeline '" + ctx.pipelineName() + "' has no checkpoint store " +
                "(EngineContext.checkpointStore, or storage in the configuration)");
        }
        return coordinator;
    }

    private CheckpointStatus awaitCheckpoint(final long seq, final long timeoutNs) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        final IdleStrategy idle = null != invoker ? ctx.newIdleStrategy() : null;
        while (true)
        {
            final CheckpointStatus status = coordinator.status(seq);
            if (!(status instanceof CheckpointStatus.InProgress) || System.nanoTime() - deadlineNs >= 0 ||
                lifecycle.state().isTerminal())
            {
                return status;
            }
            if (Thread.interrupted())
            {
                throw new InterruptedException();
            }
            if (null != idle)
            {
                idle.idle(invoker.invoke());
            }
            else
            {
                Thread.sleep(1);
            }
        }
    }

    /**
     * The handle that pushes rows into a table.
     *
     * @param table the table.
     * @return its handle.
     * @throws IllegalArgumentException if the table has none (see {@link EngineContext#inputHandle(String)}).
     */
    public InputHandle inputHandle(final String table)
    {
        final InputHandle handle = inputHandles.get(table);
        if (null == handle)
        {
            throw new IllegalArgumentException("no input handle for table '" + table + "'; handles exist for " +
                inputHandles.keySet() + " (tables with connector inputs need EngineContext.inputHandle(table))");
        }
        return handle;
    }

    /**
     * The handle that reads a view's changes.
     *
     * @param view the view.
     * @return its handle.
     * @throws IllegalArgumentException if the view has none (see {@link EngineContext#outputHandle(String)}).
     */
    public OutputHandle outputHandle(final String view)
    {
        final OutputHandle handle = outputHandles.get(view);
        if (null == handle)
        {
            throw new IllegalArgumentException("no output handle for view '" + view + "'; handles exist for " +
                outputHandles.keySet() + " (views with connector outputs need EngineContext.outputHandle(view))");
        }
        return handle;
    }

    /**
     * Runs one duty cycle of every agent on the calling thread; INVOKER mode only.
     *
     * @return work done.
     */
    public int invoke()
    {
        if (null == invoker)
        {
            throw new IllegalStateException("invoke() needs threadingMode INVOKER, the pipeline runs " +
                ctx.threadingMode());
        }
        return invoker.invoke();
    }

    /** Stops taking input; pending output still drains. */
    public void pause()
    {
        lifecycle.transition(PipelineState.PAUSED);
    }

    /** Takes input again after {@link #pause()}. */
    public void resume()
    {
        lifecycle.transition(PipelineState.RUNNING);
    }

    /**
     * Waits until every input ended and every output delivered the last transaction. In INVOKER mode the
     * calling thread runs the duty cycles meanwhile.
     *
     * @param timeout longest wait.
     * @return true if COMPLETED, false on time-out.
     * @throws KeelException carrying the failure if the pipeline failed.
     * @throws InterruptedException if interrupted while waiting.
     */
    public boolean awaitCompletion(final Duration timeout) throws InterruptedException
    {
        PipelineState state;
        if (null != invoker)
        {
            final IdleStrategy idle = ctx.newIdleStrategy();
            final long deadlineNs = System.nanoTime() + timeout.toNanos();
            while (true)
            {
                state = lifecycle.state();
                if (state == PipelineState.COMPLETED || state.isTerminal() || System.nanoTime() - deadlineNs >= 0)
                {
                    break;
                }
                if (Thread.interrupted())
                {
                    throw new InterruptedException();
                }
                idle.idle(invoker.invoke());
            }
        }
        else
        {
            state = lifecycle.await(timeout.toNanos(), TimeUnit.NANOSECONDS, PipelineState.COMPLETED,
                PipelineState.STOPPED);
        }
        lifecycle.throwIfFailed("complete");
        return state == PipelineState.COMPLETED;
    }

    /** Stops every agent, then closes endpoints, journal, program state and counters. Idempotent. */
    public void close()
    {
        synchronized (this)
        {
            if (closed)
            {
                return;
            }
            closed = true;
        }
        checkpointOnClose();
        // threads first, so that no agent touches an endpoint or the arena while it is closed
        final List<AutoCloseable> closeables = new ArrayList<>(runners);
        closeables.add(invoker);
        if (null != coordinator)
        {
            closeables.add(coordinator::abortInProgress);
            closeables.add(coordinator::close);
        }
        closeables.add(circuit);
        closeables.add(ctx.faultTolerance().checkpointStore());
        closeables.addAll(endpointCounters);
        closeables.add(ownedCounters);
        CloseHelper.closeAll(closeables);
    }

    /**
     * Closes like {@link #close()} but without the checkpoint on close (Feldera's forced stop): a restart resumes
     * from the previous checkpoint, as after a crash. Idempotent; any thread.
     */
    public void closeWithoutCheckpoint()
    {
        skipCheckpointOnClose = true;
        close();
    }

    private void checkpointOnClose()
    {
        final PipelineState state = lifecycle.state();
        if (null == coordinator || !ctx.faultTolerance().checkpointOnClose() || skipCheckpointOnClose ||
            (state != PipelineState.RUNNING && state != PipelineState.PAUSED && state != PipelineState.COMPLETED))
        {
            return;
        }
        // no new step from here: the checkpoint then covers every step run, and outputs deliver all of it
        lifecycle.tryTransition(PipelineState.PAUSED);
        final long seq = coordinator.request();
        CheckpointStatus status;
        try
        {
            status = awaitCheckpoint(seq, ctx.faultTolerance().checkpointOnCloseTimeoutNs());
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            status = new CheckpointStatus.Failure("interrupted while closing");
        }
        if (status instanceof CheckpointStatus.Success)
        {
            LOGGER.log(System.Logger.Level.INFO, "pipeline ''{0}'': checkpoint on close committed (request {1})",
                ctx.pipelineName(), seq);
        }
        else
        {
            LOGGER.log(System.Logger.Level.WARNING, "pipeline ''{0}'': no checkpoint on close ({1}); a restart " +
                "resumes from the previous checkpoint", ctx.pipelineName(), status);
        }
    }

    private void start(
        final List<InputAttachment> inputs, final List<OutputAttachment> outputs)
    {
        final ErrorHandler errorHandler = lifecycle::onError;
        final List<Agent> endpointAgents = new ArrayList<>();
        for (final InputAttachment input : inputs)
        {
            addAgent(endpointAgents, input.endpoint());
        }
        for (final OutputAttachment output : outputs)
        {
            addAgent(endpointAgents, output.endpoint());
        }
        endpointAgents.replaceAll(agent -> new GuardedAgent(agent, lifecycle));

        switch (ctx.threadingMode())
        {
            case DEDICATED:
                for (final Agent agent : endpointAgents)
                {
                    runners.add(new AgentRunner(ctx.newIdleStrategy(), errorHandler, null, agent));
                }
                runners.add(new AgentRunner(ctx.newIdleStrategy(), errorHandler, null, circuit));
                break;

            case SHARED:
            {
                final List<Agent> all = new ArrayList<>(endpointAgents);
                all.add(0, circuit);
                runners.add(new AgentRunner(ctx.newIdleStrategy(), errorHandler, null, new CompositeAgent(all)));
                break;
            }

            default:
            {
                final List<Agent> all = new ArrayList<>(endpointAgents);
                all.add(0, circuit);
                invoker = new AgentInvoker(errorHandler, null, new CompositeAgent(all));
                invoker.start();
            }
        }
        for (final AgentRunner runner : runners)
        {
            AgentRunner.startOnThread(runner);
        }
    }

    private static void addAgent(final List<Agent> agents, final Object endpoint)
    {
        final Agent agent = endpoint instanceof InputEndpoint ?
            ((InputEndpoint)endpoint).agent() : ((OutputEndpoint)endpoint).agent();
        if (null != agent && !agents.contains(agent))
        {
            agents.add(agent);
        }
    }
}
