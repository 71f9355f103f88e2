package dev.keel.tools;

import dev.keel.checkpoint.FileCheckpointStore;
import dev.keel.engine.api.Keel;
import dev.keel.engine.KeelException;
import dev.keel.engine.api.EngineContext;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.status.KeelCounters;
import dev.keel.engine.circuit.PipelineState;
import dev.keel.engine.config.FaultToleranceModel;
import dev.keel.engine.config.InputEndpointConfig;
import dev.keel.engine.config.OutputEndpointConfig;
import dev.keel.engine.config.PipelineConfig;
import dev.keel.engine.config.StorageConfig;
import dev.keel.engine.config.SyncConfig;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.connector.ConnectorRegistry;
import dev.keel.engine.connector.http.HttpEndpoints;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.spi.Journal;
import dev.keel.engine.storage.StorageDirectory;
import dev.keel.wal.AeronJournal;
import dev.keel.wal.JournalMedia;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersReader;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The composition root: turns a {@link PipelineConfig} and a program into a running pipeline with its
 * connectors, its storage directory (locked for the node's lifetime) and, for {@code exactly_once}, the
 * embedded Aeron Archive journal. Close it to stop everything in order.
 * <p>
 * The node owns, besides the pipeline: the storage lock, the crash-surviving error log ({@code keel-errors.dat},
 * fed by the pipeline's error handler and the journal media's), the counters registry the pipeline and the journal
 * allocate in (exported by the control server) and the journal's media driver and archive ({@link JournalMedia});
 * it closes them after the pipeline, in the reverse order of their creation.
 * <p>
 * With {@code storage.backend.config.sync}: before the checkpoint store opens, {@link SyncStart} may pull a
 * checkpoint from the bucket ({@code start_from_checkpoint}); then a {@link CheckpointSyncAgent} on its own
 * thread pushes committed checkpoints (set on the context as the pipeline's {@code CheckpointSync}); it stops
 * before the pipeline closes, so the checkpoint taken on close is local only until the next run pushes it.
 * <p>
 * <b>Two phases.</b> {@link #create} builds a node that has opened nothing, so that a host can serve the node's
 * state (the control server) before anything slow happens; {@link #start()} opens the storage, the error log,
 * the counters and the journal, then either launches the pipeline (recovery: BOOTSTRAPPING, REPLAYING, then
 * RUNNING, all visible through {@link #state()}) or, with {@code sync.standby: true}, enters {@code STANDBY}: a
 * {@link StandbyFollower} pulls checkpoints from the bucket into the local storage until {@link #activate()},
 * which pulls once more on a thread of its own ({@code keel-activate}) and launches the pipeline from the
 * newest pulled checkpoint. A standby pushes nothing and opens no checkpoint store until it is activated.
 */
public final class KeelNode implements AutoCloseable, ServedNode
{
    private static final Logger LOG = System.getLogger(KeelNode.class.getName());

    /** Present in the storage directory while a node runs; left behind by a crash (SIGKILL, power loss). */
    public static final String RUNNING_MARKER = "keel.running";

    private final PipelineConfig config;
    private final ProgramDefinition program;
    private final ConnectorRegistry connectors;
    private final Consumer<EngineContext> customizer;
    private final SyncConfig syncConfig;
    /** The node's own resources, closed after the pipeline in reverse order (the storage lock last). */
    private final List<AutoCloseable> owned = new ArrayList<>();
    /** Opened for the pipeline (journal, store, sync agent): the pipeline owns them once it launched. */
    private final List<AutoCloseable> forPipeline = new ArrayList<>();
    private final Object lifecycleLock = new Object();
    private StorageDirectory storage;
    private NodeErrorLog errorLog;
    private KeelCounters counters;
    private EngineContext ctx;
    private final ConnectorContext connectorContext;
    private CheckpointSyncAgent syncAgent;
    private StandbyFollower follower;
    /** The checkpoint SyncStart pulled: the journal after it is in the bucket already, in the lost node's positions. */
    private java.util.UUID pulledCheckpoint;
    private AtomicCounter standbyStateCounter;
    private Thread activation;
    private volatile boolean started;
    private volatile boolean standby;
    private volatile boolean activating;
    private volatile KeelPipeline pipeline;
    private volatile Throwable failure;
    private volatile boolean closed;
    private StatusFile status;

    private KeelNode(
        final PipelineConfig config,
        final ProgramDefinition program,
        final ConnectorRegistry connectors,
        final Consumer<EngineContext> customizer)
    {
        this.connectorContext = new ConnectorContext()
            .pipelineName(config.name()).faultToleranceModel(config.faultTolerance().model());
        this.config = config;
        this.program = program;
        this.connectors = connectors;
        this.customizer = customizer;
        this.syncConfig = config.storage().flatMap(StorageConfig::sync).orElse(null);
    }

    /** Starts a pipeline from its configuration; the program comes from {@code program} or the config. */
    public static KeelNode launch(final PipelineConfig config, final ProgramDefinition program)
    {
        return launch(config, program, ctx -> {});
    }

    /**
     * Starts a pipeline like {@link #launch(PipelineConfig, ProgramDefinition)}, letting the caller add to the
     * {@link EngineContext} once the node configured it and just before the pipeline launches (embedders and
     * the benchmark harness attach endpoints that are not in the config, a step listener, arena settings).
     *
     * @param customizer called once with the node's context; endpoints it attaches are owned by the pipeline.
     */
    public static KeelNode launch(
        final PipelineConfig config, final ProgramDefinition program, final Consumer<EngineContext> customizer)
    {
        return launch(config, program, ConnectorRegistry.discover(), customizer);
    }

    /**
     * Starts a pipeline like {@link #launch(PipelineConfig, ProgramDefinition, Consumer)}, creating the configured
     * endpoints with the connectors of {@code connectors} instead of those discovered on the class path. With
     * {@code sync.standby: true} it returns in {@code STANDBY}, without a pipeline until {@link #activate()}.
     *
     * @param connectors the transports the configuration may name.
     */
    public static KeelNode launch(
        final PipelineConfig config,
        final ProgramDefinition program,
        final ConnectorRegistry connectors,
        final Consumer<EngineContext> customizer)
    {
        final KeelNode node = create(config, program, connectors, customizer);
        node.start();
        return node;
    }

    /**
     * A node that has opened nothing yet; {@link #start()} starts it. Its {@link #state()} is INITIALIZING until
     * then, so that a control server can serve it from the beginning.
     *
     * @param connectors the transports the configuration may name.
     * @param customizer called once with the node's context just before the pipeline launches.
     * @return the node.
     */
    public static KeelNode create(
        final PipelineConfig config,
        final ProgramDefinition program,
        final ConnectorRegistry connectors,
        final Consumer<EngineContext> customizer)
    {
        return new KeelNode(config, program, connectors, customizer);
    }

    /**
     * Opens the node's resources and launches the pipeline (returning once it replays or runs), or, with
     * {@code sync.standby: true}, starts following the bucket and returns in {@code STANDBY}. On an error
     * everything opened is closed again and the error is rethrown (and kept as {@link #failure()}).
     *
     * @throws IllegalStateException if called twice.
     */
    public void start()
    {
        synchronized (lifecycleLock)
        {
            if (started)
            {
                throw new IllegalStateException("node '" + config.name() + "' was started already");
            }
            started = true;
            if (closed)
            {
                throw new IllegalStateException("node '" + config.name() + "' is closed");
            }
            try
            {
                openNode();
                if (null != syncConfig && syncConfig.standby() && null != storage)
                {
                    enterStandby();
                }
                else
                {
                    if (null != storage && null != syncConfig)
                    {
                        pulledCheckpoint =
                            SyncStart.startFromSynced(syncConfig, storage, ctx.faultTolerance().journal());
                    }
                    launchPipeline();
                }
            }
            catch (final RuntimeException ex)
            {
                failure = ex;
                closeAllQuietly(ex);
                throw ex;
            }
        }
    }

    /**
     * Activates a standby and returns at once: on the {@code keel-activate} thread the pull loop stops, the
     * checkpoint {@code start_from_checkpoint} names is pulled once more, and the pipeline launches from it
     * (BOOTSTRAPPING, REPLAYING, RUNNING). If that last pull fails, the node stays in STANDBY (the error is in
     * the standby status, the error log and the counters) and following resumes; activate again to retry.
     *
     * @throws IllegalStateException if the node is not in STANDBY, or is being activated already.
     */
    public void activate()
    {
        synchronized (lifecycleLock)
        {
            final PipelineState state = state();
            if (state != PipelineState.STANDBY || activating)
            {
                throw new IllegalStateException("pipeline '" + config.name() + "' is " + state +
                    (activating ? " and being activated already" : "") + "; only a node in STANDBY " +
                    "(storage.backend.config.sync.standby: true) can be activated");
            }
            activating = true;
            activation = new Thread(this::runActivation, "keel-activate");
            activation.start();
        }
    }

    /**
     * Activates a standby ({@link #activate()}) and waits until its pipeline runs.
     *
     * @param timeout longest wait.
     * @return the state reached: RUNNING (or PAUSED, COMPLETED), or the current state on time-out.
     * @throws IllegalStateException if the node is not in STANDBY.
     * @throws KeelException         if the activation failed: the last pull (SYNC_PULL_FAILED, the node stays in
     *                               STANDBY) or the launch (the node is FAILED).
     * @throws InterruptedException  if interrupted while waiting.
     */
    public PipelineState activate(final Duration timeout) throws InterruptedException
    {
        activate();
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        while (true)
        {
            final Thread t = activation;
            final long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime());
            if (null == t || remainingMs <= 0)
            {
                break;
            }
            t.join(Math.max(1, remainingMs));
            if (!t.isAlive())
            {
                break;
            }
        }
        final KeelPipeline launched = pipeline;
        if (null == launched)
        {
            final Throwable error = failure;
            if (null != error)
            {
                throw error instanceof KeelException ? (KeelException)error : new KeelException(
                    KeelException.Category.INTERNAL, "ACTIVATION_FAILED", "activation of '" + config.name() +
                    "' failed: " + error, error);
            }
            final StandbyFollower.Status status = null == follower ? null : follower.status();
            if (!activating && null != status && null != status.lastError())
            {
                throw new KeelException(KeelException.Category.SYNC, "SYNC_PULL_FAILED", status.lastError());
            }
            return state();
        }
        PipelineState state = launched.state();
        while (state != PipelineState.RUNNING && state != PipelineState.PAUSED && state != PipelineState.COMPLETED &&
            !state.isTerminal() && deadlineNs - System.nanoTime() > 0)
        {
            Thread.sleep(1);
            state = launched.state();
        }
        return state;
    }

    public PipelineConfig config()
    {
        return config;
    }

    /** The pipeline, or null before it launched (a node starting, or in STANDBY). */
    public KeelPipeline pipeline()
    {
        return pipeline;
    }

    /**
     * The node's state: its pipeline's once it launched; before that STANDBY, or INITIALIZING, BOOTSTRAPPING and
     * REPLAYING as the launching pipeline publishes them in the node's counters; FAILED if starting failed. Any
     * thread.
     */
    public PipelineState state()
    {
        final KeelPipeline p = pipeline;
        if (null != p)
        {
            return p.state();
        }
        if (null != failure)
        {
            return PipelineState.FAILED;
        }
        if (closed)
        {
            return PipelineState.STOPPED;
        }
        if (standby)
        {
            return PipelineState.STANDBY;
        }
        final KeelCounters c = counters;
        if (null != c)
        {
            final int[] code = { -1 };
            final String label = KeelCounters.metricName(KeelCounters.PIPELINE_STATE_TYPE_ID) + " pipeline=" +
                config.name();
            c.countersManager().forEach((counterId, typeId, keyBuffer, counterLabel) ->
            {
                if (typeId == KeelCounters.PIPELINE_STATE_TYPE_ID && counterLabel.equals(label))
                {
                    code[0] = (int)c.countersManager().getCounterValue(counterId);
                }
            });
            if (code[0] >= 0)
            {
                return PipelineState.fromCode(code[0]);
            }
        }
        return PipelineState.INITIALIZING;
    }

    /** What stopped the start or the activation, or the pipeline's failure; null if none. */
    public Throwable failure()
    {
        final KeelPipeline p = pipeline;
        return null != p ? p.failure() : failure;
    }

    /** Errors the pipeline reported, 0 before it launched (a standby's pull errors are in its status). */
    public long errorCount()
    {
        final KeelPipeline p = pipeline;
        return null != p ? p.errorCount() : 0;
    }

    /** The node's counters (the pipeline's, the journal's and the sync's), or null before {@link #start()}. */
    public CountersReader counters()
    {
        final KeelCounters c = counters;
        return null == c ? null : c.countersManager();
    }

    /** The HTTP ingress ({@code http_input}) and egress endpoints, for the control server's routes. */
    public HttpEndpoints httpEndpoints()
    {
        return HttpEndpoints.of(connectorContext);
    }

    /** The standby's pulls so far, or null if the node is not a standby. */
    public StandbyFollower.Status standbyStatus()
    {
        final StandbyFollower f = follower;
        return null == f ? null : f.status();
    }

    public void close()
    {
        close(true);
    }

    /**
     * Stops without the checkpoint on close (Feldera's forced stop): a restart resumes from the previous checkpoint,
     * as after a crash, and {@value #RUNNING_MARKER} stays so that the restart says what that costs.
     */
    public void closeWithoutCheckpoint()
    {
        close(false);
    }

    private void openNode()
    {
        if (config.storageEnabled())
        {
            storage = StorageDirectory.lock(Path.of(config.storage().orElseThrow().path()));
            owned.add(storage);
        }
        if (null != storage)
        {
            errorLog = NodeErrorLog.open(storage.path());
            owned.add(errorLog);
        }
        counters = new KeelCounters(KeelCounters.DEFAULT_VALUES_BUFFER_LENGTH);
        owned.add(counters);
        ctx = new EngineContext()
            .pipelineName(config.name())
            .threadingMode(config.threadingMode())
            .idleStrategy(config.idleStrategy())
            .minBatchSizeRecords(config.minBatchSizeRecords())
            .maxBufferingDelayUsecs(config.maxBufferingDelayUsecs())
            .workers(config.workers())
            .counters(counters);
        if (!config.pinCpus().isEmpty())
        {
            ctx.pinCpus(config.pinCpus().stream().mapToInt(Integer::intValue).toArray());
        }
        int maxBatch = Integer.MAX_VALUE;
        // endpoints are created by the pipeline once it built the program, from their table's or view's schema
        for (final InputEndpointConfig input : config.inputs().values())
        {
            ctx.input(input.name(), input.stream(),
                schema -> connectors.input(input, schema, connectorContext), "$.inputs." + input.name() + ".stream");
            maxBatch = (int)Math.min(maxBatch, input.maxBatchSize());
        }
        for (final OutputEndpointConfig output : config.outputs().values())
        {
            ctx.output(output.name(), output.stream(),
                schema -> connectors.output(output, schema, connectorContext),
                "$.outputs." + output.name() + ".stream");
        }
        HttpEgress.attach(config, ctx, connectorContext);
        if (maxBatch != Integer.MAX_VALUE)
        {
            ctx.maxBatchSizeRecords(maxBatch);
        }
        if (config.faultTolerance().model() == FaultToleranceModel.EXACTLY_ONCE)
        {
            final JournalMedia media = JournalMedia.launch(new JournalMedia.Context()
                .journalDir(storage.journalDir())
                .sync(config.faultTolerance().journalSync())
                .threadingMode(config.threadingMode())
                .errorHandler(errorLog));
            owned.add(media);
            final AeronJournal journal = AeronJournal.launch(new AeronJournal.Context()
                .media(media)
                .countersManager(counters.countersManager())
                .counterPipelineName(config.name()));
            forPipeline.add(journal);
            final String repair = journal.tailRepair();
            if (null != repair && !repair.isEmpty())
            {
                LOG.log(Level.WARNING, "journal tail repaired: " + repair);
            }
            ctx.faultTolerance().journal(journal);
        }
    }

    private void enterStandby()
    {
        final Journal journal = ctx.faultTolerance().journal();
        standbyStateCounter = KeelCounters.newCounter(
            counters.countersManager(), KeelCounters.PIPELINE_STATE_TYPE_ID, config.name(), null);
        standbyStateCounter.setRelease(PipelineState.STANDBY.code());
        // a pull killed after its download completed is finished before anything looks at the directory
        SyncStart.finishInterrupted(storage, journal);
        follower = new StandbyFollower(syncConfig, storage.checkpointsDir(), storage.path(),
            null == journal ? -1 : journal.position(), counters.countersManager(), config.name(), errorLog);
        owned.add(follower);
        standby = true;
        follower.start();
        LOG.log(Level.INFO, "pipeline '" + config.name() + "': STANDBY, following " + follower.status().bucket() +
            " (start_from_checkpoint " + follower.status().startFrom() + ", pull_interval " +
            syncConfig.pullIntervalSecs() + " s) until activated");
    }

    private void runActivation()
    {
        final long startNs = System.nanoTime();
        follower.stop();
        final java.util.List<dev.keel.sync.JournalChunk> shipped;
        try
        {
            follower.pullOnce();
            // exactly_once: the steps the primary ran after that checkpoint, replayed after it
            shipped = null == ctx.faultTolerance().journal() || !syncConfig.shipJournal() ?
                java.util.List.of() : follower.pullJournal();
        }
        catch (final RuntimeException ex)
        {
            LOG.log(Level.WARNING, "pipeline '" + config.name() + "': activation refused, staying in STANDBY: the " +
                "last pull failed: " + ex.getMessage());
            synchronized (lifecycleLock)
            {
                activating = false;
                if (!closed)
                {
                    follower.start(false);
                }
            }
            return;
        }
        synchronized (lifecycleLock)
        {
            try
            {
                if (closed)
                {
                    return;
                }
                final StandbyFollower.Status status = follower.status();
                if (null == status.adopted())
                {
                    if (syncConfig.failIfNoCheckpoint())
                    {
                        throw new KeelException(KeelException.Category.SYNC, "SYNC_NO_CHECKPOINT",
                            "activate: no checkpoint in " + status.bucket() + ", and fail_if_no_checkpoint is true; " +
                            "refusing a fresh start");
                    }
                    LOG.log(Level.WARNING, "pipeline '" + config.name() + "': activated with no checkpoint in " +
                        status.bucket() + ": starting fresh (fail_if_no_checkpoint is false)");
                }
                if (null != status.adopted() && null != ctx.faultTolerance().journal())
                {
                    SyncStart.importChunks(shipped, ctx.faultTolerance().journal(), status.adopted());
                    pulledCheckpoint = status.adopted();
                }
                // the pipeline publishes its own state from INITIALIZING on
                counters.countersManager().free(standbyStateCounter.id());
                standbyStateCounter = null;
                standby = false;
                launchPipeline();
                LOG.log(Level.INFO, "pipeline '" + config.name() + "': activated from checkpoint " +
                    status.adopted() + " (step " + status.adoptedStep() + ") in " +
                    (System.nanoTime() - startNs) / 1_000_000 + " ms (last pull included)");
            }
            catch (final RuntimeException ex)
            {
                failure = ex;
                LOG.log(Level.ERROR, "pipeline '" + config.name() + "': activation failed: " + ex.getMessage());
                closeForPipelineQuietly(ex);
            }
            finally
            {
                activating = false;
            }
        }
    }

    /** Opens the checkpoint store and the sync writer, and launches the pipeline. Under the lifecycle lock. */
    private void launchPipeline()
    {
        Path createdMarker = null;
        try
        {
            if (null != storage)
            {
                final FileCheckpointStore store = new FileCheckpointStore(new FileCheckpointStore.Context()
                    .checkpointsDir(storage.checkpointsDir())
                    .retainedCheckpoints(config.faultTolerance().retainedCheckpoints()));
                forPipeline.add(store);
                ctx.faultTolerance().checkpointStore(store)
                    .checkpointRequestsDir(storage.checkpointsDir())
                    .checkpointIntervalNs(TimeUnit.SECONDS.toNanos(
                        config.faultTolerance().checkpointIntervalSecs().orElse(0)));
                NodeStorage.warnIfUncleanStop(storage, config, store);
                if (null != syncConfig)
                {
                    syncAgent = NodeStorage.openSync(syncConfig, config, storage, store, counters);
                    NodeStorage.shipJournal(syncConfig, config, syncAgent, ctx.faultTolerance(), pulledCheckpoint);
                    forPipeline.add(syncAgent);
                    ctx.faultTolerance().checkpointSync(syncAgent);
                }
            }
            final FaultToleranceModel model = config.faultTolerance().model();
            ctx.faultTolerance().faultToleranceModel(null == storage && model != FaultToleranceModel.EXACTLY_ONCE ?
                FaultToleranceModel.NONE : model);
            ctx.faultTolerance().bootstrapPolicy(config.faultTolerance().bootstrapPolicy());
            // restart memory: a pipeline paused when it stopped restarts paused
            final StatusFile previous = null == storage ? null : StatusFile.read(storage.path());
            ctx.faultTolerance().startPaused(null != previous && StatusFile.PAUSED.equals(previous.desiredStatus()));
            customizer.accept(ctx);
            if (null != storage)
            {
                status = (null == previous ? StatusFile.fresh(ctx.faultTolerance().bootstrapPolicy()) :
                    previous.withBootstrapPolicy(ctx.faultTolerance().bootstrapPolicy()))
                    .withDesiredStatus(ctx.faultTolerance().startPaused() ? StatusFile.PAUSED : StatusFile.RUNNING);
                status.write(storage.path());
                LOG.log(Level.INFO, "pipeline '" + config.name() + "': deployment " + status.deploymentId() +
                    ", desired status " + status.desiredStatus() + ", bootstrap_policy " +
                    status.bootstrapPolicy().jsonName() + " (" + storage.path().resolve(StatusFile.NAME) + ")");
            }
            if (null != errorLog)
            {
                // every error an agent reports goes to the log first, then to a handler the embedder set
                final NodeErrorLog log = errorLog;
                final ErrorHandler host = ctx.errorHandler();
                ctx.errorHandler(null == host ? log : error ->
                {
                    log.onError(error);
                    host.onError(error);
                });
            }
            if (null != storage)
            {
                // before any step can run: from here until a clean close, a crash loses progress
                final Path marker = storage.path().resolve(RUNNING_MARKER);
                if (!Files.exists(marker))
                {
                    createdMarker = marker;
                }
                NodeStorage.markRunning(storage);
            }
            pipeline = Keel.launch(ctx, program);
            if (null != syncAgent)
            {
                syncAgent.start();
            }
        }
        catch (final RuntimeException ex)
        {
            if (null != createdMarker)
            {
                // nothing ran: a launch that failed is not an unclean stop (a marker left by a crash stays)
                try
                {
                    Files.deleteIfExists(createdMarker);
                }
                catch (final IOException deleteError)
                {
                    ex.addSuppressed(deleteError);
                }
            }
            throw ex;
        }
    }

    private void closeForPipelineQuietly(final RuntimeException cause)
    {
        final List<AutoCloseable> toClose = new ArrayList<>(forPipeline);
        forPipeline.clear();
        java.util.Collections.reverse(toClose);
        try
        {
            CloseHelper.quietCloseAll(toClose);
        }
        catch (final RuntimeException ex)
        {
            cause.addSuppressed(ex);
        }
    }

    private void closeAllQuietly(final RuntimeException cause)
    {
        closeForPipelineQuietly(cause);
        final List<AutoCloseable> toClose = new ArrayList<>(owned);
        owned.clear();
        java.util.Collections.reverse(toClose);
        CloseHelper.quietCloseAll(toClose);
    }

    private void close(final boolean checkpoint)
    {
        final Thread activating;
        synchronized (lifecycleLock)
        {
            if (closed)
            {
                return;
            }
            closed = true;
            activating = activation;
        }
        if (null != activating && activating != Thread.currentThread())
        {
            try
            {
                activating.join();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (lifecycleLock)
        {
            if (null != follower)
            {
                follower.stop();
            }
            final KeelPipeline p = pipeline;
            if (null == p)
            {
                // never launched (a standby, or a start that failed): the journal and store were never handed over
                closeForPipelineQuietly(new KeelException(KeelException.Category.INTERNAL, "CLOSE", "close"));
                final List<AutoCloseable> toClose = new ArrayList<>(owned);
                owned.clear();
                java.util.Collections.reverse(toClose);
                CloseHelper.closeAll(toClose);
                return;
            }
            final PipelineState stateAtStop = p.state();
            final boolean clean = checkpoint && stateAtStop != PipelineState.FAILED;
            if (clean && (stateAtStop == PipelineState.PAUSED || stateAtStop == PipelineState.RUNNING ||
                stateAtStop == PipelineState.COMPLETED))
            {
                try
                {
                    recordDesiredStatus(stateAtStop);
                }
                catch (final KeelException ex)
                {
                    LOG.log(Level.WARNING, ex.getMessage());
                }
            }
            try
            {
                // the sync reads the checkpoint store, which the pipeline closes
                CloseHelper.quietClose(syncAgent);
                if (checkpoint)
                {
                    p.close();
                }
                else
                {
                    p.closeWithoutCheckpoint();
                }
                if (null != storage && clean)
                {
                    try
                    {
                        Files.deleteIfExists(storage.path().resolve(RUNNING_MARKER));
                    }
                    catch (final IOException ex)
                    {
                        LOG.log(Level.WARNING, "cannot remove " + storage.path().resolve(RUNNING_MARKER) + ": " + ex);
                    }
                }
            }
            finally
            {
                // the node's own resources, even if the pipeline's close threw (the storage lock last)
                final List<AutoCloseable> toClose = new ArrayList<>(owned);
                owned.clear();
                java.util.Collections.reverse(toClose);
                CloseHelper.closeAll(toClose);
            }
        }
    }

    /** The deployment id kept in {@value StatusFile#NAME}, or null without storage. */
    public synchronized java.util.UUID deploymentId()
    {
        return null == status ? null : status.deploymentId();
    }

    /**
     * Records the desired status in {@value StatusFile#NAME} after a pause or resume (a restart honours it);
     * nothing without storage. Any thread.
     *
     * @param state PAUSED for {@code Paused}; any other state for {@code Running}.
     */
    public synchronized void recordDesiredStatus(final dev.keel.engine.circuit.PipelineState state)
    {
        if (null == status)
        {
            return;
        }
        final String desired = state == dev.keel.engine.circuit.PipelineState.PAUSED ? StatusFile.PAUSED :
            StatusFile.RUNNING;
        if (!desired.equals(status.desiredStatus()))
        {
            status = status.withDesiredStatus(desired);
            status.write(storage.path());
        }
    }

}
