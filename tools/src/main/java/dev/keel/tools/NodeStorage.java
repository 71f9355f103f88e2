package dev.keel.tools;

import dev.keel.checkpoint.FileCheckpointStore;
import dev.keel.engine.KeelException;
import dev.keel.engine.api.FaultToleranceContext;
import dev.keel.engine.config.PipelineConfig;
import dev.keel.engine.config.SyncConfig;
import dev.keel.engine.status.KeelCounters;
import dev.keel.engine.storage.StorageDirectory;
import dev.keel.sync.S3CheckpointSync;
import dev.keel.sync.SyncContext;
import dev.keel.sync.SyncSettings;
import dev.keel.wal.AeronJournal;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * What a {@link KeelNode} does with its storage directory besides the checkpoints and the journal: the
 * {@value KeelNode#RUNNING_MARKER} marker that tells a restart the previous run did not stop cleanly, and the sync
 * writer over its checkpoints directory.
 */
final class NodeStorage
{
    private static final Logger LOG = System.getLogger(KeelNode.class.getName());

    private NodeStorage()
    {
    }

    /**
     * Gives the sync agent a {@link JournalShipper} when the journal is shipped ({@code exactly_once},
     * {@code ship_journal}); with {@code release_output: "shipped"} the shipper ships continuously and feeds the
     * circuit's output release limit.
     *
     * @param pulled the checkpoint this node was started from out of the bucket, or null.
     * @throws KeelException (CONFIG_INVALID) naming {@code $.storage.backend.config.sync.release_output} if
     *                       {@code "shipped"} is asked for without a journal.
     */
    static void shipJournal(final SyncConfig syncConfig, final PipelineConfig config,
        final CheckpointSyncAgent agent, final FaultToleranceContext faultTolerance, final UUID pulled)
    {
        final boolean holdOutput = syncConfig.releaseOutput() == SyncConfig.ReleaseOutput.SHIPPED;
        if (holdOutput && !(faultTolerance.journal() instanceof AeronJournal))
        {
            throw new KeelException(KeelException.Category.CONFIG, "CONFIG_INVALID",
                "$.storage.backend.config.sync.release_output: \"shipped\" holds output until its journal record " +
                "is shipped, which needs fault_tolerance.model \"exactly_once\" (got \"" +
                config.faultTolerance().model().name().toLowerCase(Locale.ROOT) + "\")");
        }
        if (syncConfig.shipJournal() && faultTolerance.journal() instanceof AeronJournal journal)
        {
            final JournalShipper shipper = new JournalShipper(agent.sync(), journal, pulled, holdOutput);
            agent.shipJournal(shipper);
            if (holdOutput)
            {
                faultTolerance.outputReleaseLimit(shipper.releaseLimit());
                LOG.log(Level.INFO, "release_output \"shipped\": output is released once its step's journal " +
                    "record is in " + agent.sync().bucket() + " (shipped continuously)");
            }
        }
    }

    /**
     * The sync writer on {@code bucket}, pushing from the checkpoints directory (the names {@code filesOf} lists
     * are relative to it). The owner id is the pipeline's name: the bucket prefix belongs to one pipeline.
     */
    static CheckpointSyncAgent openSync(final SyncConfig syncConfig, final PipelineConfig config,
        final StorageDirectory storage, final FileCheckpointStore store, final KeelCounters counters)
    {
        final S3CheckpointSync sync = S3CheckpointSync.open(new SyncContext()
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

    static void warnIfUncleanStop(
        final StorageDirectory storage, final PipelineConfig config, final FileCheckpointStore store)
    {
        if (!Files.exists(storage.path().resolve(KeelNode.RUNNING_MARKER)))
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
            "kill or power loss; " + storage.path().resolve(KeelNode.RUNNING_MARKER) + " was left behind): " + consequence);
    }

    static void markRunning(final StorageDirectory storage)
    {
        try
        {
            Files.writeString(storage.path().resolve(KeelNode.RUNNING_MARKER), ProcessHandle.current().pid() + "\n");
        }
        catch (final IOException ex)
        {
            throw new KeelException(KeelException.Category.STORAGE, "STORAGE_IO_ERROR",
                "cannot write " + storage.path().resolve(KeelNode.RUNNING_MARKER) + ": " + ex, ex);
        }
    }
}
