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
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.connector.ConnectorRegistry;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.storage.StorageDirectory;
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
    private boolean closed;

    private KeelNode(
        final PipelineConfig config,
        final StorageDirectory storage,
        final KeelPipeline pipeline,
        final List<AutoCloseable> owned)
    {
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
            if (config.storage().flatMap(StorageConfig::sync).isPresent())
            {
                // parsed and validated, but a node that ignored it would silently leave the bucket empty
                throw new KeelException(KeelException.Category.CONFIG, "CONFIG_UNSUPPORTED",
                    "$.storage.backend.config.sync: checkpoint sync to object storage is not available in this " +
                    "build of the node; remove the sync section to run with local checkpoints only");
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
            final ConnectorContext connectorContext = new ConnectorContext();
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
                ctx.journal(journal);
            }
            if (null != storage)
            {
                final FileCheckpointStore store = new FileCheckpointStore(new FileCheckpointStore.Context()
                    .checkpointsDir(storage.checkpointsDir())
                    .retainedCheckpoints(config.faultTolerance().retainedCheckpoints()));
                opened.add(store);
                ctx.checkpointStore(store)
                    .checkpointRequestsDir(storage.checkpointsDir())
                    .checkpointIntervalNs(TimeUnit.SECONDS.toNanos(
                        config.faultTolerance().checkpointIntervalSecs().orElse(0)));
                warnIfUncleanStop(storage, config, store);
            }
            ctx.faultToleranceModel(null == storage && model != FaultToleranceModel.EXACTLY_ONCE ?
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
            return new KeelNode(config, storage, pipeline, owned);
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
