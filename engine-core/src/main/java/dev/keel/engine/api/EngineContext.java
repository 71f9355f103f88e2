package dev.keel.engine.api;

import dev.keel.engine.KeelException;
import dev.keel.engine.circuit.EndpointFactory;
import dev.keel.engine.circuit.InputAttachment;
import dev.keel.engine.circuit.OutputAttachment;
import dev.keel.engine.status.KeelCounters;
import dev.keel.engine.circuit.CircuitSettings;
import dev.keel.engine.circuit.StepListener;
import dev.keel.engine.config.IdleStrategyType;
import dev.keel.engine.config.ThreadingMode;
import dev.keel.engine.connector.InputEndpoint;
import dev.keel.engine.connector.OutputEndpoint;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static dev.keel.engine.api.ContextChecks.invalid;
import static dev.keel.engine.api.ContextChecks.requireNonNull;
import static dev.keel.engine.api.ContextChecks.requireRange;
import static dev.keel.engine.api.ContextChecks.requireRingLength;

/**
 * Every setting of an embedded pipeline, each with a name and a default. Set what you need, then
 * {@link dev.keel.engine.api.Keel#launch(EngineContext, dev.keel.engine.program.ProgramDefinition)} calls
 * {@link #conclude()}, which validates once and fails naming the field, the value and what is allowed.
 * <p>
 * Settings mirror the pipeline JSON config (in parentheses) so that the node can map one onto the other.
 * Endpoints and the counters given here are owned by the pipeline from launch on and closed with it; the
 * fault-tolerance settings, with the journal and the checkpoint store, are in {@link #faultTolerance()}.
 */
public final class EngineContext
{
    /** Default of {@link #pipelineName(String)}. */
    public static final String DEFAULT_PIPELINE_NAME = "pipeline";
    /** Default of {@link #maxBatchSizeRecords(int)}: records one endpoint may contribute to one step. */
    public static final int DEFAULT_MAX_BATCH_SIZE_RECORDS = 10_000;
    /** Largest {@link #maxBatchSizeRecords(int)}. */
    public static final int MAX_MAX_BATCH_SIZE_RECORDS = 1 << 24;
    /** Largest {@link #maxBufferingDelayUsecs(long)}: ten seconds, as in the JSON config. */
    public static final long MAX_MAX_BUFFERING_DELAY_USECS = 10_000_000;
    /** Default of {@link #pendingStepCapacity(int)}. */
    public static final int DEFAULT_PENDING_STEP_CAPACITY = 64;
    /** Default of {@link #pendingDeltaInitialBytes(int)}. */
    public static final int DEFAULT_PENDING_DELTA_INITIAL_BYTES = 16 * 1024;
    /** Default of {@link #inputStagingInitialBytes(int)}. */
    public static final int DEFAULT_INPUT_STAGING_INITIAL_BYTES = 64 * 1024;
    /** Default of {@link #arenaPagesPerChunk(int)}: 64 pages (4 MiB chunks), as {@code new PagedArena()}. */
    public static final int DEFAULT_ARENA_PAGES_PER_CHUNK = 64;
    /** Default of {@link #housekeepingIntervalNs(long)}: 1 ms. */
    public static final long DEFAULT_HOUSEKEEPING_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(1);
    /** Default of {@link #sleepingIdlePeriodNs(long)}: 100 µs. */
    public static final long DEFAULT_SLEEPING_IDLE_PERIOD_NS = TimeUnit.MICROSECONDS.toNanos(100);
    /** Default of {@link #inputHandleBufferLength(int)} and {@link #outputHandleBufferLength(int)}: 1 MiB. */
    public static final int DEFAULT_HANDLE_BUFFER_LENGTH = 1024 * 1024;

    private String pipelineName = DEFAULT_PIPELINE_NAME;
    private ThreadingMode threadingMode = ThreadingMode.DEDICATED;
    private IdleStrategyType idleStrategy = IdleStrategyType.BACKOFF;
    private long sleepingIdlePeriodNs = DEFAULT_SLEEPING_IDLE_PERIOD_NS;
    private Boolean pinCircuitThread;
    private int[] pinCpus = new int[0];
    private int maxBatchSizeRecords = DEFAULT_MAX_BATCH_SIZE_RECORDS;
    private long minBatchSizeRecords = 0;
    private long maxBufferingDelayUsecs = 0;
    private int pendingStepCapacity = DEFAULT_PENDING_STEP_CAPACITY;
    private int pendingDeltaInitialBytes = DEFAULT_PENDING_DELTA_INITIAL_BYTES;
    private int inputStagingInitialBytes = DEFAULT_INPUT_STAGING_INITIAL_BYTES;
    private long housekeepingIntervalNs = DEFAULT_HOUSEKEEPING_INTERVAL_NS;
    private NanoClock nanoClock = SystemNanoClock.INSTANCE;
    private KeelCounters counters;
    private int countersValuesBufferLength = KeelCounters.DEFAULT_VALUES_BUFFER_LENGTH;
    private StepListener stepListener;
    private int arenaPagesPerChunk = DEFAULT_ARENA_PAGES_PER_CHUNK;
    private int workers = 1;
    private boolean arenaPreTouch = false;
    private ErrorHandler errorHandler;
    private int inputHandleBufferLength = DEFAULT_HANDLE_BUFFER_LENGTH;
    private int outputHandleBufferLength = DEFAULT_HANDLE_BUFFER_LENGTH;
    private final List<InputAttachment> inputs = new ArrayList<>();
    private final List<OutputAttachment> outputs = new ArrayList<>();
    private final List<ViewOutputFactory.EveryView> everyViewOutputs = new ArrayList<>();
    private final Set<String> inputHandleTables = new LinkedHashSet<>();
    private final Set<String> outputHandleViews = new LinkedHashSet<>();
    private final FaultToleranceContext faultTolerance = new FaultToleranceContext(this);
    private boolean concluded;

    /**
     * Validates every setting and derives defaults; called by launch. Idempotent.
     *
     * @return this.
     * @throws KeelException of category CONFIG naming the field, the value and what is allowed.
     */
    public EngineContext conclude()
    {
        if (concluded)
        {
            return this;
        }
        if (null == pipelineName || !pipelineName.matches("[A-Za-z0-9_.-]+"))
        {
            throw invalid("pipelineName", pipelineName, "a name of [A-Za-z0-9_.-]+");
        }
        requireNonNull("threadingMode", threadingMode);
        requireNonNull("idleStrategy", idleStrategy);
        requireNonNull("nanoClock", nanoClock);
        requireRange("sleepingIdlePeriodNs", sleepingIdlePeriodNs, 1, TimeUnit.SECONDS.toNanos(1));
        requireRange("maxBatchSizeRecords", maxBatchSizeRecords, 1, MAX_MAX_BATCH_SIZE_RECORDS);
        requireRange("minBatchSizeRecords", minBatchSizeRecords, 0, Long.MAX_VALUE);
        requireRange("maxBufferingDelayUsecs", maxBufferingDelayUsecs, 0, MAX_MAX_BUFFERING_DELAY_USECS);
        ContextChecks.requirePowerOfTwo("pendingStepCapacity", pendingStepCapacity, 1 << 16);
        requireRange("pendingDeltaInitialBytes", pendingDeltaInitialBytes, 64, 1 << 30);
        requireRange("inputStagingInitialBytes", inputStagingInitialBytes, 64, 1 << 30);
        requireRange("housekeepingIntervalNs", housekeepingIntervalNs, 1, TimeUnit.SECONDS.toNanos(10));
        faultTolerance.conclude();
        requireRange("arenaPagesPerChunk", arenaPagesPerChunk, 1, 16384);
        requireRange("workers", workers, 1, 64);
        ContextChecks.requireMultipleInRange("countersValuesBufferLength", countersValuesBufferLength, 128, 1 << 26);
        requireRingLength("inputHandleBufferLength", inputHandleBufferLength);
        requireRingLength("outputHandleBufferLength", outputHandleBufferLength);
        ContextChecks.checkPinning(threadingMode, pinCpus, pinCircuitThread, workers);
        Attachments.checkUniqueNames(inputs, outputs);
        concluded = true;
        return this;
    }

    /**
     * The settings the circuit runs with, derived from this context (concluding it first).
     *
     * @return the circuit's settings.
     */
    public CircuitSettings circuitSettings()
    {
        conclude();
        return new CircuitSettings(
            pipelineName(),
            nanoClock(),
            faultTolerance.journal(),
            stepListener(),
            housekeepingIntervalNs(),
            faultTolerance.replayStallTimeoutNs(),
            faultTolerance.journalReplayFromPosition(),
            faultTolerance.startPaused(),
            threadingMode() != ThreadingMode.INVOKER && pinCircuitThread() ?
                (pinCpus().length > 0 ? pinCpus()[0] : CircuitSettings.ANY_CPU) : CircuitSettings.NO_PINNING,
            inputStagingInitialBytes(),
            maxBatchSizeRecords(),
            minBatchSizeRecords(),
            TimeUnit.MICROSECONDS.toNanos(maxBufferingDelayUsecs()),
            pendingStepCapacity(),
            pendingDeltaInitialBytes(),
            errorHandler(),
            faultTolerance.outputReleaseLimit());
    }

    /**
     * The fault-tolerance settings: journal, checkpoint store and sync, model, checkpoint schedule.
     *
     * @return the fault-tolerance context of this context, concluded by {@link #conclude()}.
     */
    public FaultToleranceContext faultTolerance()
    {
        return faultTolerance;
    }

    /** True once {@link #conclude()} succeeded. */
    public boolean isConcluded()
    {
        return concluded;
    }

    /**
     * Name of the pipeline, in logs and counter labels ({@code name}).
     *
     * @param name the name; default {@value #DEFAULT_PIPELINE_NAME}.
     * @return this.
     */
    public EngineContext pipelineName(final String name)
    {
        checkNotConcluded();
        this.pipelineName = name;
        return this;
    }

    /** @return the pipeline name. */
    public String pipelineName()
    {
        return pipelineName;
    }

    /**
     * How agents get threads ({@code threading_mode}); default DEDICATED.
     *
     * @param mode the mode.
     * @return this.
     */
    public EngineContext threadingMode(final ThreadingMode mode)
    {
        checkNotConcluded();
        this.threadingMode = mode;
        return this;
    }

    /** @return the threading mode. */
    public ThreadingMode threadingMode()
    {
        return threadingMode;
    }

    /**
     * What idle agent threads do ({@code idle_strategy}); default BACKOFF.
     *
     * @param idleStrategy the strategy type.
     * @return this.
     */
    public EngineContext idleStrategy(final IdleStrategyType idleStrategy)
    {
        checkNotConcluded();
        this.idleStrategy = idleStrategy;
        return this;
    }

    /** @return the idle strategy type. */
    public IdleStrategyType idleStrategy()
    {
        return idleStrategy;
    }

    /**
     * Park period of the SLEEPING idle strategy; default 100 µs.
     *
     * @param periodNs nanoseconds, 1..1 s.
     * @return this.
     */
    public EngineContext sleepingIdlePeriodNs(final long periodNs)
    {
        checkNotConcluded();
        this.sleepingIdlePeriodNs = periodNs;
        return this;
    }

    /** @return the sleeping idle period. */
    public long sleepingIdlePeriodNs()
    {
        return sleepingIdlePeriodNs;
    }

    /**
     * A new idle strategy instance of the configured type (one per thread: they keep state).
     *
     * @return the idle strategy.
     */
    public IdleStrategy newIdleStrategy()
    {
        return idleStrategy.newIdleStrategy(sleepingIdlePeriodNs);
    }

    /**
     * Whether to pin the circuit thread to a CPU; default: yes with DEDICATED threads, no otherwise.
     * Pinning that the machine cannot honour is logged once and the thread runs unpinned.
     *
     * @param pin true to pin.
     * @return this.
     */
    public EngineContext pinCircuitThread(final boolean pin)
    {
        checkNotConcluded();
        this.pinCircuitThread = pin;
        return this;
    }

    /** @return true if the circuit thread is to be pinned, after defaults. */
    public boolean pinCircuitThread()
    {
        if (pinCpus.length > 0)
        {
            return true;
        }
        if (null != pinCircuitThread)
        {
            return pinCircuitThread;
        }
        return threadingMode == ThreadingMode.DEDICATED;
    }

    /**
     * CPUs to pin the circuit workers to ({@code pin_cpus}): worker i (worker 0 is the circuit thread) to the i-th
     * CPU; at least one per worker. Setting any requests pinning. Default: none, the affinity library picks one.
     *
     * @param cpus CPU numbers.
     * @return this.
     */
    public EngineContext pinCpus(final int... cpus)
    {
        checkNotConcluded();
        this.pinCpus = cpus.clone();
        return this;
    }

    /** @return the CPUs to pin to, possibly empty. */
    public int[] pinCpus()
    {
        return pinCpus.clone();
    }

    /**
     * Most records one input endpoint contributes to one step; default {@value #DEFAULT_MAX_BATCH_SIZE_RECORDS}.
     *
     * @param records 1..2^24.
     * @return this.
     */
    public EngineContext maxBatchSizeRecords(final int records)
    {
        checkNotConcluded();
        this.maxBatchSizeRecords = records;
        return this;
    }

    /** @return most records per endpoint per step. */
    public int maxBatchSizeRecords()
    {
        return maxBatchSizeRecords;
    }

    /**
     * A step waits until at least this many records are buffered, or until {@link #maxBufferingDelayUsecs(long)}
     * passed since the first one ({@code min_batch_size_records}); default 0.
     *
     * @param records {@code >= 0}.
     * @return this.
     */
    public EngineContext minBatchSizeRecords(final long records)
    {
        checkNotConcluded();
        this.minBatchSizeRecords = records;
        return this;
    }

    /** @return the minimum batch size. */
    public long minBatchSizeRecords()
    {
        return minBatchSizeRecords;
    }

    /**
     * Longest a step waits for {@link #minBatchSizeRecords(long)} ({@code max_buffering_delay_usecs}); default 0.
     *
     * @param usecs 0..10,000,000.
     * @return this.
     */
    public EngineContext maxBufferingDelayUsecs(final long usecs)
    {
        checkNotConcluded();
        this.maxBufferingDelayUsecs = usecs;
        return this;
    }

    /** @return the buffering delay. */
    public long maxBufferingDelayUsecs()
    {
        return maxBufferingDelayUsecs;
    }

    /**
     * Most steps whose output may wait for the journal or for outputs at once; more input waits in the
     * endpoints. Default {@value #DEFAULT_PENDING_STEP_CAPACITY}.
     *
     * @param steps a power of two, 1..65536.
     * @return this.
     */
    public EngineContext pendingStepCapacity(final int steps)
    {
        checkNotConcluded();
        this.pendingStepCapacity = steps;
        return this;
    }

    /** @return the pending step capacity. */
    public int pendingStepCapacity()
    {
        return pendingStepCapacity;
    }

    /**
     * Initial off-heap bytes of each pending view delta (they grow on demand, then stay).
     *
     * @param bytes 64..2^30; default 16 KiB.
     * @return this.
     */
    public EngineContext pendingDeltaInitialBytes(final int bytes)
    {
        checkNotConcluded();
        this.pendingDeltaInitialBytes = bytes;
        return this;
    }

    /** @return initial bytes of a pending delta. */
    public int pendingDeltaInitialBytes()
    {
        return pendingDeltaInitialBytes;
    }

    /**
     * Initial off-heap bytes of each input endpoint's staging batch.
     *
     * @param bytes 64..2^30; default 64 KiB.
     * @return this.
     */
    public EngineContext inputStagingInitialBytes(final int bytes)
    {
        checkNotConcluded();
        this.inputStagingInitialBytes = bytes;
        return this;
    }

    /** @return initial bytes of an input staging batch. */
    public int inputStagingInitialBytes()
    {
        return inputStagingInitialBytes;
    }

    /**
     * Period of the circuit's slow tick (output error checks, end-of-input detection, gauges).
     *
     * @param intervalNs 1 ns..10 s; default 1 ms.
     * @return this.
     */
    public EngineContext housekeepingIntervalNs(final long intervalNs)
    {
        checkNotConcluded();
        this.housekeepingIntervalNs = intervalNs;
        return this;
    }

    /** @return the housekeeping interval. */
    public long housekeepingIntervalNs()
    {
        return housekeepingIntervalNs;
    }

    /**
     * Clock of the circuit's duty cycle (tests use a hand clock).
     *
     * @param clock the clock; default the system's.
     * @return this.
     */
    public EngineContext nanoClock(final NanoClock clock)
    {
        checkNotConcluded();
        this.nanoClock = clock;
        return this;
    }

    /** @return the clock. */
    public NanoClock nanoClock()
    {
        return nanoClock;
    }

    /**
     * Counters to allocate the pipeline's counters in (the node passes the one it exports); default: the
     * pipeline creates and owns its own.
     *
     * @param counters the counters.
     * @return this.
     */
    public EngineContext counters(final KeelCounters counters)
    {
        checkNotConcluded();
        this.counters = counters;
        return this;
    }

    /** @return the counters given, or null. */
    public KeelCounters counters()
    {
        return counters;
    }

    /**
     * Values buffer length of counters the pipeline creates itself.
     *
     * @param length a multiple of 128; default 64 KiB.
     * @return this.
     */
    public EngineContext countersValuesBufferLength(final int length)
    {
        checkNotConcluded();
        this.countersValuesBufferLength = length;
        return this;
    }

    /** @return the counters values buffer length. */
    public int countersValuesBufferLength()
    {
        return countersValuesBufferLength;
    }

    /**
     * Called on the circuit thread after every step: the checkpoint hook.
     *
     * @param listener the listener, or null.
     * @return this.
     */
    public EngineContext stepListener(final StepListener listener)
    {
        checkNotConcluded();
        this.stepListener = listener;
        return this;
    }

    /** @return the step listener, or null. */
    public StepListener stepListener()
    {
        return stepListener;
    }

    /**
     * Number of circuit workers ({@code workers}): the circuit thread and N-1 more threads evaluate each step
     * together, every stateful operator's state sharded by its key across them (see
     * {@link dev.keel.engine.program.Workers}). With {@link #pinCpus(int...)}, worker i is pinned to the i-th CPU.
     *
     * @param workers 1..64; default 1.
     * @return this.
     */
    public EngineContext workers(final int workers)
    {
        checkNotConcluded();
        this.workers = workers;
        return this;
    }

    /** @return the number of circuit workers. */
    public int workers()
    {
        return workers;
    }

    /**
     * Pages per off-heap chunk of the state arena: the arena grows by one chunk at a time, and the first
     * chunk is allocated when the pipeline launches. Benchmarks size it to hold all state so that no chunk
     * is allocated (and page-faulted) during a measured run.
     *
     * @param pages 1..16384 (64 KiB pages); default {@value #DEFAULT_ARENA_PAGES_PER_CHUNK}.
     * @return this.
     */
    public EngineContext arenaPagesPerChunk(final int pages)
    {
        checkNotConcluded();
        this.arenaPagesPerChunk = pages;
        return this;
    }

    /** @return pages per state arena chunk. */
    public int arenaPagesPerChunk()
    {
        return arenaPagesPerChunk;
    }

    /**
     * Whether the state arena writes every page of a new chunk once when it allocates it, so that page
     * faults do not land inside steps.
     *
     * @param preTouch true to pre-fault; default false.
     * @return this.
     */
    public EngineContext arenaPreTouch(final boolean preTouch)
    {
        checkNotConcluded();
        this.arenaPreTouch = preTouch;
        return this;
    }

    /** @return whether arena chunks are pre-faulted. */
    public boolean arenaPreTouch()
    {
        return arenaPreTouch;
    }

    /**
     * Also told of every error (after the pipeline counted and kept it), on the thread that hit it.
     *
     * @param handler the handler, or null.
     * @return this.
     */
    public EngineContext errorHandler(final ErrorHandler handler)
    {
        checkNotConcluded();
        this.errorHandler = handler;
        return this;
    }

    /** @return the host error handler, or null. */
    public ErrorHandler errorHandler()
    {
        return errorHandler;
    }

    /**
     * Buffer length of each input handle's ring buffer; a pushed row or batch must fit in an eighth of it.
     *
     * @param length a power of two, at least 1 KiB; default 1 MiB.
     * @return this.
     */
    public EngineContext inputHandleBufferLength(final int length)
    {
        checkNotConcluded();
        this.inputHandleBufferLength = length;
        return this;
    }

    /** @return the input handle buffer length. */
    public int inputHandleBufferLength()
    {
        return inputHandleBufferLength;
    }

    /**
     * Buffer length of each output handle's ring buffer: output not polled by the host beyond this stalls
     * the pipeline (back pressure).
     *
     * @param length a power of two, at least 1 KiB; default 1 MiB.
     * @return this.
     */
    public EngineContext outputHandleBufferLength(final int length)
    {
        checkNotConcluded();
        this.outputHandleBufferLength = length;
        return this;
    }

    /** @return the output handle buffer length. */
    public int outputHandleBufferLength()
    {
        return outputHandleBufferLength;
    }

    /**
     * Attaches an input endpoint (from a connector) to a table. Endpoints are journaled in attachment
     * order, followed by the input handles' endpoints in table order: keep the order across restarts.
     *
     * @param name     endpoint name.
     * @param table    table to feed.
     * @param endpoint the endpoint, owned by the pipeline from launch.
     * @return this.
     */
    public EngineContext input(final String name, final String table, final InputEndpoint endpoint)
    {
        checkNotConcluded();
        inputs.add(new InputAttachment(name, table, endpoint));
        return this;
    }

    /**
     * Attaches an input endpoint that the pipeline creates at launch from its table's schema, in this place of the
     * journal order; it is owned by the pipeline.
     *
     * @param name    endpoint name, unique across inputs and outputs.
     * @param table   table it feeds.
     * @param factory creates the endpoint.
     * @param where   where the binding was configured (a JSON path), named if the table does not exist.
     * @return this.
     */
    public EngineContext input(
        final String name, final String table, final EndpointFactory<InputEndpoint> factory, final String where)
    {
        checkNotConcluded();
        inputs.add(new InputAttachment(name, table, factory, where));
        return this;
    }

    /** @return the attached input endpoints, in order. */
    public List<InputAttachment> inputs()
    {
        return Collections.unmodifiableList(inputs);
    }

    /**
     * Attaches an output endpoint (from a connector) to a view.
     *
     * @param name     endpoint name.
     * @param view     view to receive.
     * @param endpoint the endpoint, owned by the pipeline from launch.
     * @return this.
     */
    public EngineContext output(final String name, final String view, final OutputEndpoint endpoint)
    {
        checkNotConcluded();
        outputs.add(new OutputAttachment(name, view, endpoint));
        return this;
    }

    /**
     * Attaches an output endpoint that the pipeline creates at launch from its view's schema; it is owned by the
     * pipeline.
     *
     * @param name    endpoint name, unique across inputs and outputs.
     * @param view    view it receives.
     * @param factory creates the endpoint.
     * @param where   where the binding was configured (a JSON path), named if the view does not exist.
     * @return this.
     */
    public EngineContext output(
        final String name, final String view, final EndpointFactory<OutputEndpoint> factory, final String where)
    {
        checkNotConcluded();
        outputs.add(new OutputAttachment(name, view, factory, where));
        return this;
    }

    /**
     * Attaches an output endpoint to every view of the program, each created at launch from its view's schema once
     * the program is built (a host that serves every view, as the node's HTTP egress does, needs not know the views
     * beforehand). A view that gets one has an output: it gets no implicit output handle.
     *
     * @param nameSuffix appended to a view's name to name its endpoint, e.g. {@code ".egress"}.
     * @param factory    creates the endpoint of each view, or returns null to skip one.
     * @return this.
     */
    public EngineContext outputForEveryView(final String nameSuffix, final ViewOutputFactory factory)
    {
        checkNotConcluded();
        everyViewOutputs.add(new ViewOutputFactory.EveryView(nameSuffix, factory));
        return this;
    }

    /** @return the outputs attached to every view, in order. */
    public List<ViewOutputFactory.EveryView> everyViewOutputs()
    {
        return Collections.unmodifiableList(everyViewOutputs);
    }

    /** @return the attached output endpoints, in order. */
    public List<OutputAttachment> outputs()
    {
        return Collections.unmodifiableList(outputs);
    }

    /**
     * Requests an {@link InputHandle} for a table that also has connector inputs (tables without any
     * get one anyway).
     *
     * @param table the table.
     * @return this.
     */
    public EngineContext inputHandle(final String table)
    {
        checkNotConcluded();
        inputHandleTables.add(table);
        return this;
    }

    /** @return tables with an explicitly requested input handle. */
    public Set<String> inputHandleTables()
    {
        return Collections.unmodifiableSet(inputHandleTables);
    }

    /**
     * Requests an {@link OutputHandle} for a view that also has connector outputs (views without any get
     * one anyway). The host must then poll it, or the pipeline stalls once its buffer is full.
     *
     * @param view the view.
     * @return this.
     */
    public EngineContext outputHandle(final String view)
    {
        checkNotConcluded();
        outputHandleViews.add(view);
        return this;
    }

    /** @return views with an explicitly requested output handle. */
    public Set<String> outputHandleViews()
    {
        return Collections.unmodifiableSet(outputHandleViews);
    }

    private void checkNotConcluded()
    {
        if (concluded)
        {
            throw new IllegalStateException("EngineContext already concluded: settings are fixed");
        }
    }
}
