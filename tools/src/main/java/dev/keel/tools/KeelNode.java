package dev.keel.tools;

import dev.keel.checkpoint.FileCheckpointStore;
import dev.keel.engine.Keel;
import dev.keel.engine.KeelException;
import dev.keel.engine.api.EngineContext;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.circuit.KeelCounters;
import dev.keel.engine.config.FaultToleranceModel;
import dev.keel.engine.config.InputEndpointConfig;
import dev.keel.engine.config.OutputEndpointConfig;
import dev.keel.engine.config.PipelineConfig;
import dev.keel.engine.config.StorageConfig;
import dev.keel.engine.config.SyncConfig;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.connector.ConnectorRegistry;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.storage.StorageDirectory;
import dev.keel.sync.S3CheckpointSync;
import dev.keel.sync.SyncSettings;
import dev.keel.wal.AeronJournal;
import dev.keel.wal.JournalMedia;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
 */
public final class KeelNode implements AutoCloseable
{
    private static final Logger LOG = System.getLogger(KeelNode.class.getName());

    /** Present in the storage directory while a node runs; left behind by a crash (SIGKILL, power loss). */
    public static final String RUNNING_MARKER = "keel.running";

    private final PipelineConfig config;
    private final StorageDirectory storage;
    private final KeelPipeline pipeline;
    private final List<AutoCloseable> owned;
    private final CheckpointSyncAgent syncAgent;
    private boolean closed;

    private KeelNode(
        final PipelineConfig config,
        final StorageDirectory storage,
        final KeelPipeline pipeline,
        final List<AutoCloseable> owned,
        final CheckpointSyncAgent syncAgent)
    {
        this.syncAgent = syncAgent;
        this.config = config;
        this.storage = storage;
        this.pipeline = pipeline;
        this.owned = owned;
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
     * endpoints with the connectors of {@code connectors} instead of those discovered on the class path.
     *
     * @param connectors the transports the configuration may name.
     */
    public static KeelNode launch(
        final PipelineConfig config,
        final ProgramDefinition program,
        final ConnectorRegistry connectors,
        final Consumer<EngineContext> customizer)
    {
        final List<AutoCloseable> opened = new ArrayList<>();
        Path createdMarker = null;
        try
        {
            StorageDirectory storage = null;
            CheckpointSyncAgent syncAgent = null;
            if (config.storage().flatMap(StorageConfig::sync).map(SyncConfig::standby).orElse(false))
            {
                // parsed and validated, but a node that ignored it would start running instead of waiting
                throw new KeelException(KeelException.Category.CONFIG, "CONFIG_UNSUPPORTED",
                    "$.storage.backend.config.sync.standby: standby is not available in this build of the node; " +
                    "set it to false (start_from_checkpoint, push_interval and read_bucket work)");
            }
            if (config.storageEnabled())
            {
                storage = StorageDirectory.lock(Path.of(config.storage().orElseThrow().path()));
                opened.add(storage);
            }
            // the node's own resources, closed after the pipeline in reverse order (the storage lock last)
            final List<AutoCloseable> owned = new ArrayList<>(opened);
            NodeErrorLog errorLog = null;
            if (null != storage)
            {
                errorLog = NodeErrorLog.open(storage.path());
                opened.add(errorLog);
                owned.add(errorLog);
            }
            final KeelCounters counters = new KeelCounters(KeelCounters.DEFAULT_VALUES_BUFFER_LENGTH);
            opened.add(counters);
            owned.add(counters);
            final EngineContext ctx = new EngineContext()
                .pipelineName(config.name())
                .threadingMode(config.threadingMode())
                .idleStrategy(config.idleStrategy())
                .minBatchSizeRecords(config.minBatchSizeRecords())
                .maxBufferingDelayUsecs(config.maxBufferingDelayUsecs())
                .counters(counters);
            if (!config.pinCpus().isEmpty())
            {
                ctx.pinCpus(config.pinCpus().stream().mapToInt(Integer::intValue).toArray());
            }
            int maxBatch = Integer.MAX_VALUE;
            final ConnectorContext connectorContext = new ConnectorContext()
                .pipelineName(config.name()).faultToleranceModel(config.faultTolerance().model());
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
            if (maxBatch != Integer.MAX_VALUE)
            {
                ctx.maxBatchSizeRecords(maxBatch);
            }
            final FaultToleranceModel model = config.faultTolerance().model();
            if (model == FaultToleranceModel.EXACTLY_ONCE)
            {
                final JournalMedia media = JournalMedia.launch(new JournalMedia.Context()
                    .journalDir(storage.journalDir())
                    .sync(config.faultTolerance().journalSync())
                    .threadingMode(config.threadingMode())
                    .errorHandler(errorLog));
                opened.add(media);
                owned.add(media);
                final AeronJournal journal = AeronJournal.launch(new AeronJournal.Context()
                    .media(media)
                    .countersManager(counters.countersManager())
                    .counterPipelineName(config.name()));
                opened.add(journal);
                final String repair = journal.tailRepair();
                if (null != repair && !repair.isEmpty())
                {
                    LOG.log(Level.WARNING, "journal tail repaired: " + repair);
                }
                ctx.faultTolerance().journal(journal);
            }
            final SyncConfig syncConfig = config.storage().flatMap(StorageConfig::sync).orElse(null);
            if (null != storage && null != syncConfig)
            {
                SyncStart.startFromSynced(syncConfig, storage, ctx.faultTolerance().journal());
            }
            if (null != storage)
            {
                final FileCheckpointStore store = new FileCheckpointStore(new FileCheckpointStore.Context()
                    .checkpointsDir(storage.checkpointsDir())
                    .retainedCheckpoints(config.faultTolerance().retainedCheckpoints()));
                opened.add(store);
                ctx.faultTolerance().checkpointStore(store)
                    .checkpointRequestsDir(storage.checkpointsDir())
                    .checkpointIntervalNs(TimeUnit.SECONDS.toNanos(
                        config.faultTolerance().checkpointIntervalSecs().orElse(0)));
                warnIfUncleanStop(storage, config, store);
                if (null != syncConfig)
                {
                    syncAgent = openSync(syncConfig, config, storage, store, counters);
                    opened.add(syncAgent);
                    ctx.faultTolerance().checkpointSync(syncAgent);
                }
            }
            ctx.faultTolerance().faultToleranceModel(null == storage && model != FaultToleranceModel.EXACTLY_ONCE ?
                FaultToleranceModel.NONE : model);
            customizer.accept(ctx);
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
                markRunning(storage);
            }
            final KeelPipeline pipeline = Keel.launch(ctx, program);
            opened.clear();
            java.util.Collections.reverse(owned);
            return new KeelNode(config, storage, pipeline, owned, null == syncAgent ? null : syncAgent.start());
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
            java.util.Collections.reverse(opened);
            CloseHelper.quietCloseAll(opened);
            throw ex;
        }
    }

    /**
     * The sync writer on {@code bucket}, pushing from the checkpoints directory (the names {@code filesOf} lists
     * are relative to it). The owner id is the pipeline's name: the bucket prefix belongs to one pipeline.
     */
    private static CheckpointSyncAgent openSync(final SyncConfig syncConfig, final PipelineConfig config,
        final StorageDirectory storage, final FileCheckpointStore store, final KeelCounters counters)
    {
        final S3CheckpointSync sync = S3CheckpointSync.open(new S3CheckpointSync.Context()
            .settings(SyncSettings.from(syncConfig))
            .ownerId(syncOwnerId(config))
            .localRoot(storage.checkpointsDir()));
        return new CheckpointSyncAgent(sync, store,
            TimeUnit.SECONDS.toMillis(syncConfig.pushIntervalSecs().orElse(0)), counters.countersManager(),
            config.name());
    }

    private static String syncOwnerId(final PipelineConfig config)
    {
        return "keel-pipeline-" + config.name().replaceAll("[^A-Za-z0-9._:\\-]", "_");
    }

    private static void warnIfUncleanStop(
        final StorageDirectory storage, final PipelineConfig config, final FileCheckpointStore store)
    {
        if (!Files.exists(storage.path().resolve(RUNNING_MARKER)))
        {
            return;
        }
        final var checkpoints = store.list();
        final String since = checkpoints.isEmpty() ? "since the start (no checkpoint)" :
            "since the last checkpoint (step " + checkpoints.get(checkpoints.size() - 1).step() + ")";
        final String consequence;
        switch (config.faultTolerance().model())
        {
            case EXACTLY_ONCE:
                consequence = "the journal replays the steps " + since + "; no output is lost or repeated";
                break;
            case AT_LEAST_ONCE:
                consequence = "input " + since + " is read again; output after that checkpoint may repeat";
                break;
            default:
                consequence = "progress " + since + " is lost (fault_tolerance.model none): input after it is " +
                    "read again, output after it may repeat";
        }
        LOG.log(Level.WARNING, "pipeline '" + config.name() + "': the previous run did not stop cleanly (crash, " +
            "kill or power loss; " + storage.path().resolve(RUNNING_MARKER) + " was left behind): " + consequence);
    }

    private static void markRunning(final StorageDirectory storage)
    {
        try
        {
            Files.writeString(storage.path().resolve(RUNNING_MARKER), ProcessHandle.current().pid() + "\n");
        }
        catch (final IOException ex)
        {
            throw new KeelException(KeelException.Category.STORAGE, "STORAGE_IO_ERROR",
                "cannot write " + storage.path().resolve(RUNNING_MARKER) + ": " + ex, ex);
        }
    }

    public PipelineConfig config()
    {
        return config;
    }

    public KeelPipeline pipeline()
    {
        return pipeline;
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

    private void close(final boolean checkpoint)
    {
        if (!closed)
        {
            closed = true;
            final boolean clean = checkpoint && pipeline.state() != dev.keel.engine.circuit.PipelineState.FAILED;
            // the sync reads the checkpoint store, which the pipeline closes
            CloseHelper.quietClose(syncAgent);
            if (checkpoint)
            {
                pipeline.close();
            }
            else
            {
                pipeline.closeWithoutCheckpoint();
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
            CloseHelper.closeAll(owned);
        }
    }
}
