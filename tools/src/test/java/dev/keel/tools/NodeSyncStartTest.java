package dev.keel.tools;

import dev.keel.sync.SyncFixture;
import dev.keel.engine.KeelException;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.config.PipelineConfigParser;
import dev.keel.engine.spi.CheckpointStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static dev.keel.tools.NodeSyncTest.config;
import static dev.keel.tools.NodeSyncTest.writeTrades;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A node started from a synced checkpoint ({@code start_from_checkpoint}) against a real S3 server on loopback:
 * the lost machine's storage is deleted, a new node pulls from the bucket (latest, by UUID) or from
 * {@code read_bucket}, and its output continues to the result of an uninterrupted run; no checkpoint with
 * {@code fail_if_no_checkpoint} and a network error both fail the launch.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NodeSyncStartTest
{
    @TempDir
    Path dir;

    /** Outside the tests' timeouts: Spring Boot's start takes seconds, many more on a loaded machine. */
    @BeforeAll
    static void startS3()
    {
        SyncFixture.shared();
    }

    @Test
    void roundTripFromTheBucketLatestAndByUuid() throws Exception
    {
        final SyncFixture s3 = SyncFixture.shared();
        final String bucket = s3.newBucket();
        final Path trades = writeTrades(dir.resolve("trades.json"), 1, 2_000, 7);
        final Path output = dir.resolve("vwap.json");
        final String sync = "\"bucket\": \"" + bucket + "/dr\"";

        // the machine that is lost: runs, syncs, and its storage disappears
        final UUID first = runAndSync(config(trades, output, dir.resolve("lost"), sync));
        deleteTree(dir.resolve("lost"));
        final Path outputAtFirst = Files.copy(output, dir.resolve("vwap-at-first.json"));
        writeTrades(trades, 2_001, 4_000, 7);

        // latest: a new machine continues from the bucket, then syncs a newer checkpoint
        final UUID second;
        try (KeelNode node = launch(config(trades, output, dir.resolve("new"),
            sync + ", \"start_from_checkpoint\": \"latest\", \"fail_if_no_checkpoint\": true")))
        {
            assertTrue(node.pipeline().awaitCompletion(Duration.ofSeconds(30)));
            assertTrue(Files.isDirectory(dir.resolve("new/checkpoints/" + first)), "pulled " + first);
            assertEquals(CheckpointStatus.SUCCESS, node.pipeline().checkpoint(Duration.ofSeconds(30)));
            second = node.pipeline().syncCheckpoint(Duration.ofSeconds(30));
        }
        assertNotEquals(first, second);
        assertEquals(NodeSyncTest.aggregates(trades), RunCommandTest.applyChanges(output),
            "the output continued to the result of an uninterrupted run: nothing lost, nothing repeated");

        // by UUID: the older checkpoint, though a newer one is the latest; its output continues the same way
        try (KeelNode node = launch(config(trades, outputAtFirst, dir.resolve("by-uuid"),
            sync + ", \"start_from_checkpoint\": \"" + first + "\"")))
        {
            assertTrue(node.pipeline().awaitCompletion(Duration.ofSeconds(30)));
            assertTrue(Files.isDirectory(dir.resolve("by-uuid/checkpoints/" + first)));
            assertFalse(Files.exists(dir.resolve("by-uuid/checkpoints/" + second)), "only the one asked for");
        }
        assertEquals(NodeSyncTest.aggregates(trades), RunCommandTest.applyChanges(outputAtFirst));
    }

    @Test
    void aRestartAfterStartingFromTheBucketReplaysTheLocalJournalOnTopOfThePulledCheckpoint() throws Exception
    {
        final String bucket = SyncFixture.shared().newBucket();
        final Path trades = writeTrades(dir.resolve("trades.json"), 1, 1_500, 19);
        final Path output = dir.resolve("vwap.json");
        final String sync = "\"bucket\": \"" + bucket + "\"";
        final UUID pulled = runAndSync(config(trades, output, dir.resolve("lost"), sync));
        writeTrades(trades, 1_501, 3_000, 19);

        // the new node runs steps after the pulled checkpoint and stops without a checkpoint of its own, as a
        // crash would leave it: its only checkpoint is the pulled one, its journal holds the steps after it
        final String config = config(trades, output, dir.resolve("new"), sync + ", \"start_from_checkpoint\": \"" +
            pulled + "\"");
        try (KeelNode node = KeelNode.launch(PipelineConfigParser.parse(config),
            ProgramRegistry.resolve("trades-vwap"), ctx -> ctx.faultTolerance().checkpointOnClose(false)))
        {
            assertTrue(node.pipeline().awaitCompletion(Duration.ofSeconds(30)));
        }
        final java.util.List<String> before = Files.readAllLines(output);
        assertEquals(NodeSyncTest.aggregates(trades), RunCommandTest.applyChanges(output));

        // the restart recovers locally: the pulled checkpoint (rebased onto the local journal) plus a replay of
        // every local step; a foreign journal position would be refused (RECOVERY_JOURNAL_GAP) or misread
        try (KeelNode node = launch(config))
        {
            assertTrue(node.pipeline().awaitCompletion(Duration.ofSeconds(30)));
            assertTrue(NodeSyncTest.metric(PrometheusExporter.export(node.pipeline().counters()),
                "keel_replayed_steps_total") > 0, "the local steps were replayed");
        }
        assertEquals(before, Files.readAllLines(output), "replayed, not repeated");
    }

    @Test
    void readBucketOnlyWhenTheBucketIsEmptyAndNeverWritten() throws Exception
    {
        final SyncFixture s3 = SyncFixture.shared();
        final String backup = s3.newBucket();
        final String primary = s3.newBucket();
        final Path trades = writeTrades(dir.resolve("trades.json"), 1, 1_500, 11);
        final Path output = dir.resolve("vwap.json");
        runAndSync(config(trades, output, dir.resolve("lost"), "\"bucket\": \"" + backup + "/b\""));
        final Map<String, Long> backupBefore = s3.listAll(backup);
        assertFalse(backupBefore.isEmpty());
        writeTrades(trades, 1_501, 3_000, 11);

        try (KeelNode node = launch(config(trades, output, dir.resolve("new"), "\"bucket\": \"" + primary +
            "/p\", \"read_bucket\": \"" + backup + "/b\", \"start_from_checkpoint\": \"latest\"")))
        {
            assertTrue(node.pipeline().awaitCompletion(Duration.ofSeconds(30)));
            assertEquals(CheckpointStatus.SUCCESS, node.pipeline().checkpoint(Duration.ofSeconds(30)));
        }
        assertEquals(NodeSyncTest.aggregates(trades), RunCommandTest.applyChanges(output));
        assertEquals(backupBefore, s3.listAll(backup), "read_bucket is never written, not even an owner marker");
        assertEquals(Map.of(), s3.listAll(primary), "the pull wrote nothing to the primary bucket either");
    }

    @Test
    void failIfNoCheckpointWithAnEmptyBucketFailsAndOtherwiseStartsFresh() throws Exception
    {
        final String bucket = SyncFixture.shared().newBucket();
        final Path trades = writeTrades(dir.resolve("trades.json"), 1, 500, 13);
        final KeelException e = assertThrows(KeelException.class, () -> launch(config(trades,
            dir.resolve("vwap.json"), dir.resolve("storage"), "\"bucket\": \"" + bucket +
            "\", \"start_from_checkpoint\": \"latest\", \"fail_if_no_checkpoint\": true")));
        assertEquals("SYNC_NO_CHECKPOINT", e.code(), e.getMessage());
        assertTrue(e.getMessage().contains(bucket) && e.getMessage().contains("fail_if_no_checkpoint"),
            e.getMessage());
        assertFalse(e.getMessage().contains(SyncFixture.SECRET_KEY));
        assertFalse(Files.exists(dir.resolve("vwap.json")), "nothing ran");

        try (KeelNode node = launch(config(trades, dir.resolve("vwap.json"), dir.resolve("storage"),
            "\"bucket\": \"" + bucket + "\", \"start_from_checkpoint\": \"latest\"")))
        {
            assertTrue(node.pipeline().awaitCompletion(Duration.ofSeconds(30)));
        }
        assertEquals(NodeSyncTest.aggregates(trades), RunCommandTest.applyChanges(dir.resolve("vwap.json")),
            "fail_if_no_checkpoint false: a fresh start");
    }

    @Test
    void aNetworkErrorDuringThePullFailsTheLaunchInsteadOfStartingFresh() throws Exception
    {
        final int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            closedPort = socket.getLocalPort();
        }
        final Path trades = writeTrades(dir.resolve("trades.json"), 1, 200, 17);
        final KeelException e = assertThrows(KeelException.class, () -> launch(config(trades,
            dir.resolve("vwap.json"), dir.resolve("storage"), "\"bucket\": \"nobody-home\", " +
            "\"start_from_checkpoint\": \"latest\"", closedPort)));
        assertEquals("SYNC_START_FAILED", e.code(), e.getMessage());
        assertTrue(e.getMessage().contains("nobody-home"), e.getMessage());
        assertFalse(e.getMessage().contains(SyncFixture.SECRET_KEY));
        assertFalse(Files.exists(dir.resolve("vwap.json")), "no fresh start");
    }

    static UUID runAndSync(final String config) throws Exception
    {
        try (KeelNode node = launch(config))
        {
            final KeelPipeline pipeline = node.pipeline();
            assertTrue(pipeline.awaitCompletion(Duration.ofSeconds(30)));
            assertEquals(CheckpointStatus.SUCCESS, pipeline.checkpoint(Duration.ofSeconds(30)));
            return pipeline.syncCheckpoint(Duration.ofSeconds(30));
        }
    }

    static KeelNode launch(final String config)
    {
        return KeelNode.launch(PipelineConfigParser.parse(config), ProgramRegistry.resolve("trades-vwap"));
    }

    static void deleteTree(final Path root) throws IOException
    {
        try (Stream<Path> paths = Files.walk(root))
        {
            for (final Path p : (Iterable<Path>)paths.sorted(Comparator.reverseOrder())::iterator)
            {
                Files.delete(p);
            }
        }
    }
}
