package dev.keel.tools;

import dev.keel.checkpoint.FileCheckpointStore;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.circuit.PipelineState;
import dev.keel.engine.config.PipelineConfigParser;
import dev.keel.engine.config.SyncConfig;
import dev.keel.engine.spi.CheckpointInfo;
import dev.keel.engine.spi.CheckpointStatus;
import dev.keel.sync.FaultProxy;
import dev.keel.sync.PulledCheckpoint;
import dev.keel.sync.RemoteCheckpoint;
import dev.keel.sync.S3CheckpointSync;
import dev.keel.sync.SyncContext;
import dev.keel.sync.SyncFixture;
import dev.keel.sync.SyncSettings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A standby's pull interrupted after its download completed ({@code READY} with {@code mode replace} committed,
 * part of the files moved into {@code checkpoints/}, the new checkpoint not committed): the standby's next start
 * finishes it (commits the new checkpoint in place of the old one) before following the bucket again, even when
 * every request to the bucket fails.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StandbyPullResumeTest
{
    @TempDir
    Path dir;

    @BeforeAll
    static void startS3()
    {
        SyncFixture.shared();
    }

    @Test
    void aStandbysStartFinishesAPullInterruptedAfterReady() throws Exception
    {
        final SyncFixture s3 = SyncFixture.shared();
        final String bucket = s3.newBucket();
        final Path expected = dir.resolve("trades.json");
        final Path output = dir.resolve("vwap.json");
        final String sync = "\"bucket\": \"" + bucket + "\", \"push_interval\": 1";
        final Path storage = dir.resolve("standby");
        final Path checkpoints = storage.resolve("checkpoints");
        final String follow = sync + ", \"standby\": true, \"start_from_checkpoint\": \"latest\", \"pull_interval\": 1";
        try (FaultProxy proxy = new FaultProxy(s3.s3Port);
            KeelNode primary = JournalShippingTest.launch(JournalShippingTest.config(output, dir.resolve("primary"),
                sync, s3.s3Port)))
        {
            final KeelPipeline pipeline = primary.pipeline();
            JournalShippingTest.insert(pipeline, expected, 1, 300);
            JournalShippingTest.awaitOutput(output, expected);
            assertEquals(CheckpointStatus.SUCCESS, pipeline.checkpoint(Duration.ofSeconds(30)));
            final UUID first = pipeline.syncCheckpoint(Duration.ofSeconds(30));
            final String config = JournalShippingTest.config(output, storage, follow, proxy.port());
            try (KeelNode standby = KeelNode.launch(PipelineConfigParser.parse(config),
                ProgramRegistry.resolve("trades-vwap"), ctx -> {}))
            {
                StandbyNodeTest.await(() -> first.equals(standby.standbyStatus().adopted()), 60, "pulls " + first);
            }
            JournalShippingTest.insert(pipeline, expected, 301, 600);
            JournalShippingTest.awaitOutput(output, expected);
            assertEquals(CheckpointStatus.SUCCESS, pipeline.checkpoint(Duration.ofSeconds(30)));
            final UUID second = pipeline.syncCheckpoint(Duration.ofSeconds(30));

            // the follower's pull of the second checkpoint, step by step, stopped after READY and one file moved
            final SyncConfig syncConfig =
                PipelineConfigParser.parse(config).storage().orElseThrow().sync().orElseThrow();
            final ImportStaging staging = new ImportStaging(storage);
            final PulledCheckpoint pulled;
            try (S3CheckpointSync reader = S3CheckpointSync.openReadOnly(new SyncContext()
                .settings(SyncSettings.from(syncConfig)).localRoot(staging.checkpointRoot())))
            {
                final RemoteCheckpoint remote = reader.listRemote().join().get(0);
                assertEquals(second, remote.id());
                assertTrue(staging.seedFrom(checkpoints, remote.files()) > 0, "the first checkpoint's files " +
                    "the second references are linked, not downloaded");
                pulled = reader.pull(second, staging.checkpointRoot()).join().orElseThrow();
            }
            assertFalse(pulled.alreadyPresent().isEmpty(), pulled.toString());
            final ImportStaging.Ready ready = staging.markReady(pulled, currentJournalPosition(checkpoints),
                List.of(), true);
            assertTrue(ready.replace());
            assertEquals(ready, staging.readReady(), "READY reads back as written, mode included");
            assertEquals(first, committed(checkpoints).id(), "the first one is committed until the publication");
            // (no store is opened after this: its open would delete the moved file as unreferenced)
            staging.publishFiles(new ImportStaging.Ready(ready.checkpoint(), ready.rebase(),
                ready.files().subList(0, 1), List.of(), true), checkpoints);

            // the standby starts again while the bucket answers every request with 500: only READY can help
            proxy.inject(r -> true, FaultProxy.Action.ERROR_500, 1_000_000);
            try (KeelNode standby = KeelNode.launch(PipelineConfigParser.parse(config),
                ProgramRegistry.resolve("trades-vwap"), ctx -> {}))
            {
                assertEquals(PipelineState.STANDBY, standby.state());
                assertFalse(Files.exists(staging.root()), "the staging area is deleted once the pull is finished");
            }
            final CheckpointInfo after = committed(checkpoints);
            assertEquals(second, after.id(), "the interrupted pull was finished at the start");
            assertEquals(ready.rebase(), after.journalPosition(), "rebased onto the standby's journal");
        }
    }

    private static long currentJournalPosition(final Path checkpoints)
    {
        return committed(checkpoints).journalPosition();
    }

    private static CheckpointInfo committed(final Path checkpoints)
    {
        try (FileCheckpointStore store = new FileCheckpointStore(new FileCheckpointStore.Context()
            .checkpointsDir(checkpoints)))
        {
            final List<CheckpointInfo> list = store.list();
            assertEquals(1, list.size(), list.toString());
            return list.get(0);
        }
    }
}
