package dev.keel.tools;

import dev.keel.checkpoint.FileCheckpointStore;
import dev.keel.engine.KeelException;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.sync.FaultProxy;
import dev.keel.sync.SyncFixture;
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
 * A start from the bucket whose download breaks in the middle (the fault proxy relays half of a GET's body, then
 * resets the connection) fails and leaves nothing under the checkpoints directory or in the journal that a later
 * start would take as valid; the next start, with the network healthy, imports the checkpoint and the shipped
 * journal and its output continues exactly once.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class SyncImportFaultTest
{
    @TempDir
    Path dir;

    @BeforeAll
    static void startS3()
    {
        SyncFixture.shared();
    }

    @Test
    void anImportCutMidDownloadLeavesNoCheckpointAndTheRetryImportsItExactlyOnce() throws Exception
    {
        final SyncFixture s3 = SyncFixture.shared();
        final String bucket = s3.newBucket();
        final Path expected = dir.resolve("trades.json");
        final Path output = dir.resolve("vwap.json");
        final String sync = "\"bucket\": \"" + bucket + "/dr\", \"push_interval\": 1";

        // the lost machine: rows A, a pushed checkpoint, rows B shipped in the journal after it
        final UUID checkpoint = JournalShippingTest.loseShippedMachine(s3, bucket, "dr/", sync, output, expected,
            dir.resolve("lost"), 600, 1_500);
        final List<String> primaryOutput = Files.readAllLines(output);

        final Path storage = dir.resolve("new");
        final String start = sync + ", \"start_from_checkpoint\": \"latest\", \"fail_if_no_checkpoint\": true";
        try (FaultProxy proxy = new FaultProxy(s3.s3Port))
        {
            final String viaProxy = JournalShippingTest.config(output, storage, start, proxy.port());

            // 1. a checkpoint file's download is cut in the middle, on every attempt
            proxy.inject(r -> "GET".equals(r.method()) && r.target().contains(checkpoint.toString()) &&
                !r.target().contains(".kjc") && !r.target().contains("list-type"),
                FaultProxy.Action.CUT_RESPONSE, 1_000);
            assertImportFails(viaProxy, storage, checkpoint);
            assertTrue(proxy.injectedCount() > 0, "no checkpoint file download was cut: " + proxy.requests());

            // 2. the checkpoint downloads, the shipped journal's download is cut in the middle
            proxy.clearFaults();
            final int before = proxy.injectedCount();
            proxy.inject(r -> "GET".equals(r.method()) && r.target().endsWith(".kjc"),
                FaultProxy.Action.CUT_RESPONSE, 1_000);
            assertImportFails(viaProxy, storage, checkpoint);
            assertTrue(proxy.injectedCount() > before, "no journal chunk download was cut: " + proxy.requests());

            // 3. the network heals: the retry imports the checkpoint and the journal after it
            proxy.clearFaults();
            try (KeelNode node = JournalShippingTest.launch(viaProxy))
            {
                final KeelPipeline pipeline = node.pipeline();
                JournalShippingTest.awaitReplayed(pipeline);
                JournalShippingTest.awaitOutput(output, expected);
                assertEquals(primaryOutput, Files.readAllLines(output),
                    "the replayed steps re-create transactions the sink already has: nothing is written twice");
                assertFalse(Files.exists(storage.resolve(ImportStaging.DIR)), "the staging area is deleted");
                JournalShippingTest.insert(pipeline, expected, 1_501, 2_000);
                JournalShippingTest.awaitOutput(output, expected);
            }
        }
        assertEquals(NodeSyncTest.aggregates(expected), RunCommandTest.applyChanges(output),
            "every row of A, B and C counted exactly once");
    }

    private static void assertImportFails(final String config, final Path storage, final UUID checkpoint)
    {
        final KeelException error = assertThrows(KeelException.class, () ->
        {
            try (KeelNode ignored = JournalShippingTest.launch(config))
            {
                fail("the start succeeded through a broken download");
            }
        });
        assertEquals("SYNC_START_FAILED", error.code(), error.getMessage());
        final Path checkpoints = storage.resolve("checkpoints");
        assertFalse(FileCheckpointStore.hasCommittedCheckpoint(checkpoints), "a checkpoint was committed");
        assertFalse(Files.exists(checkpoints.resolve(checkpoint.toString())),
            "files of the checkpoint being imported are under " + checkpoints + " after a failed import");
        assertFalse(Files.exists(storage.resolve(ImportStaging.DIR).resolve(ImportStaging.READY)),
            "the failed import was marked complete");
        assertFalse(error.getMessage().contains(SyncFixture.SECRET_KEY), "the secret is redacted");
    }
}
