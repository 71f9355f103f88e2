package dev.keel.tools;

import dev.keel.engine.Keel;
import dev.keel.engine.KeelException;
import dev.keel.engine.api.EngineContext;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.config.FaultToleranceModel;
import dev.keel.engine.config.InputEndpointConfig;
import dev.keel.engine.config.OutputEndpointConfig;
import dev.keel.engine.config.PipelineConfig;
import dev.keel.engine.connector.Connectors;
import dev.keel.engine.program.Program;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.storage.StorageDirectory;
import dev.keel.wal.AeronJournal;
import dev.keel.wal.JournalSync;
import org.agrona.CloseHelper;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The composition root: turns a {@link PipelineConfig} and a program into a running pipeline with its
 * connectors, its storage directory (locked for the node's lifetime) and, for {@code exactly_once}, the
 * embedded Aeron Archive journal. Close it to stop everything in order.
 */
public final class KeelNode implements AutoCloseable
{
    private static final Logger LOG = System.getLogger(KeelNode.class.getName());

    private final PipelineConfig config;
    private final StorageDirectory storage;
    private final KeelPipeline pipeline;
    private boolean closed;

    private KeelNode(final PipelineConfig config, final StorageDirectory storage, final KeelPipeline pipeline)
    {
        this.config = config;
        this.storage = storage;
        this.pipeline = pipeline;
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
        final List<AutoCloseable> opened = new ArrayList<>();
        try
        {
            StorageDirectory storage = null;
            if (config.storageEnabled())
            {
                storage = StorageDirectory.lock(Path.of(config.storage().orElseThrow().path()));
                opened.add(storage);
            }
            final EngineContext ctx = new EngineContext()
                .pipelineName(config.name())
                .threadingMode(config.threadingMode())
                .idleStrategy(config.idleStrategy())
                .minBatchSizeRecords(config.minBatchSizeRecords())
                .maxBufferingDelayUsecs(config.maxBufferingDelayUsecs());
            if (!config.pinCpus().isEmpty())
            {
                ctx.pinCpus(config.pinCpus().stream().mapToInt(Integer::intValue).toArray());
            }
            int maxBatch = Integer.MAX_VALUE;
            try (Program shape = Program.build(program))
            {
                for (final InputEndpointConfig input : config.inputs().values())
                {
                    final var table = shape.tables().get(input.stream());
                    if (null == table)
                    {
                        throw new KeelException(KeelException.Category.CONFIG, "CONFIG_UNKNOWN_STREAM",
                            "$.inputs." + input.name() + ".stream: no input table '" + input.stream() +
                            "' in the program; tables: " + shape.tables().keySet());
                    }
                    final var endpoint = Connectors.input(input, table.outputSchema());
                    opened.add(endpoint);
                    ctx.input(input.name(), input.stream(), endpoint);
                    maxBatch = (int)Math.min(maxBatch, input.maxBatchSize());
                }
                for (final OutputEndpointConfig output : config.outputs().values())
                {
                    final var view = shape.views().get(output.stream());
                    if (null == view)
                    {
                        throw new KeelException(KeelException.Category.CONFIG, "CONFIG_UNKNOWN_STREAM",
                            "$.outputs." + output.name() + ".stream: no view '" + output.stream() +
                            "' in the program; views: " + shape.views().keySet());
                    }
                    final var endpoint = Connectors.output(output, view.outputSchema());
                    opened.add(endpoint);
                    ctx.output(output.name(), output.stream(), endpoint);
                }
            }
            if (maxBatch != Integer.MAX_VALUE)
            {
                ctx.maxBatchSizeRecords(maxBatch);
            }
            final FaultToleranceModel model = config.faultTolerance().model();
            if (model == FaultToleranceModel.EXACTLY_ONCE)
            {
                final AeronJournal journal = AeronJournal.launch(new AeronJournal.Context()
                    .journalDir(storage.journalDir())
                    .sync(JournalSync.valueOf(config.faultTolerance().journalSync().name())));
                opened.add(journal);
                final String repair = journal.tailRepair();
                if (null != repair && !repair.isEmpty())
                {
                    LOG.log(Level.WARNING, "journal tail repaired: " + repair);
                }
                ctx.journal(journal);
            }
            customizer.accept(ctx);
            final KeelPipeline pipeline = Keel.launch(ctx, program);
            return new KeelNode(config, storage, pipeline);
        }
        catch (final RuntimeException ex)
        {
            java.util.Collections.reverse(opened);
            CloseHelper.quietCloseAll(opened);
            throw ex;
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
        if (!closed)
        {
            closed = true;
            CloseHelper.closeAll(pipeline, storage);
        }
    }
}
