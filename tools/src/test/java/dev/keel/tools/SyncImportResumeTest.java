package dev.keel.tools;

import dev.keel.checkpoint.FileCheckpointStore;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.config.PipelineConfigParser;
import dev.keel.engine.config.SyncConfig;
import dev.keel.sync.JournalChunk;
import dev.keel.sync.PulledCheckpoint;
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
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * An import from the bucket interrupted after its download completed: the storage is left as a crash between
 * committing the pulled checkpoint and appending the shipped journal leaves it (the staging area's READY, the
 * checkpoint committed under {@code checkpoints/}, an empty journal). The next start must finish the import rather
 * than start from the committed checkpoint alone, which would silently drop the steps shipped after it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SyncImportResumeTest
{
    @TempDir
    Path dir;

    @BeforeAll
    static void startS3()
    {
        SyncFixture.shared();
    }

    @Test
    void aStartFinishesAnImportACrashInterruptedAfterTheCheckpointWasCommitted() throws Exception
    {
        final SyncFixture s3 = SyncFixture.shared();
        final String bucket = s3.newBucket();
        final Path expected = dir.resolve("trades.json");
        final Path output = dir.resolve("vwap.json");
        final String sync = "\"bucket\": \"" + bucket + "\", \"push_interval\": 1";
        final UUID checkpoint = JournalShippingTest.loseShippedMachine(s3, bucket, "", sync, output, expected,
            dir.resolve("lost"), 400, 1_000);
        final List<String> primaryOutput = Files.readAllLines(output);

        // the interrupted import, step by step as SyncStart runs it, stopped before the journal is appended
        final Path storage = dir.resolve("new");
        final String config = JournalShippingTest.config(output, storage,
            sync + ", \"start_from_checkpoint\": \"latest\", \"fail_if_no_checkpoint\": true", s3.s3Port);
        final SyncConfig syncConfig = PipelineConfigParser.parse(config).storage().orElseThrow().sync().orElseThrow();
        final ImportStaging staging = new ImportStaging(storage);
        final PulledCheckpoint pulled;
        final List<JournalChunk> chunks;
        try (S3CheckpointSync reader = S3CheckpointSync.openReadOnly(new SyncContext()
            .settings(SyncSettings.from(syncConfig)).localRoot(staging.checkpointRoot())))
        {
            pulled = reader.pull("latest", staging.checkpointRoot()).join().orElseThrow();
            chunks = reader.pullJournal(pulled.checkpoint().id()).join();
        }
        assertEquals(checkpoint, pulled.checkpoint().id());
        assertFalse(chunks.isEmpty(), "a journal was shipped after the checkpoint");
        final ImportStaging.Ready ready = staging.markReady(pulled, 0, staging.stageJournal(chunks));
        final Path checkpoints = storage.resolve("checkpoints");
        staging.publishFiles(ready, checkpoints);
        FileCheckpointStore.adoptPulled(checkpoints, checkpoint, 0);
        assertTrue(FileCheckpointStore.hasCommittedCheckpoint(checkpoints));

        // the next start: finishes the import, replays the shipped steps, continues exactly once
        try (KeelNode node = JournalShippingTest.launch(config))
        {
            final KeelPipeline pipeline = node.pipeline();
            JournalShippingTest.awaitReplayed(pipeline);
            JournalShippingTest.awaitOutput(output, expected);
            assertEquals(primaryOutput, Files.readAllLines(output),
                "the replayed steps re-create transactions the sink already has: nothing is written twice");
            assertFalse(Files.exists(staging.root()), "the staging area is deleted once the import is finished");
            JournalShippingTest.insert(pipeline, expected, 1_001, 1_300);
            JournalShippingTest.awaitOutput(output, expected);
        }
        assertEquals(NodeSyncTest.aggregates(expected), RunCommandTest.applyChanges(output),
            "every row counted exactly once");
    }
}
