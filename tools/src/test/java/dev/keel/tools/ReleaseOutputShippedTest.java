package dev.keel.tools;

import dev.keel.engine.KeelException;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.circuit.PipelineState;
import dev.keel.engine.config.ConfigException;
import dev.keel.engine.config.PipelineConfigParser;
import dev.keel.engine.spi.CheckpointStatus;
import dev.keel.sync.SyncFixture;
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

import static dev.keel.tools.NodeSyncTest.writeTrades;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code "release_output": "shipped"}: output is released only up to the step whose journal record is in the
 * bucket. The option is validated; with a push interval of an hour the output still follows the input (the
 * journal is shipped continuously, not per interval); and after a SIGKILL of a primary mid-input, the standby's
 * output keeps every line the primary had released: nothing a reader saw is rewritten.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class ReleaseOutputShippedTest
{
    @TempDir
    Path dir;

    @BeforeAll
    static void startS3()
    {
        SyncFixture.shared();
    }

    @Test
    void theOptionIsValidatedAndTheErrorNamesItsPath() throws Exception
    {
        final Path storage = dir.resolve("s");
        final ConfigException bad = assertThrows(ConfigException.class, () -> PipelineConfigParser.parse(
            JournalShippingTest.config(dir.resolve("o.json"), storage, "\"bucket\": \"bkt-x\", \"release_output\": " +
            "\"eventually\"", 1)));
        assertTrue(bad.getMessage().contains("$.storage.backend.config.sync.release_output"), bad.getMessage());
        assertTrue(bad.getMessage().contains("durable") && bad.getMessage().contains("shipped"), bad.getMessage());

        final ConfigException noShipping = assertThrows(ConfigException.class, () -> PipelineConfigParser.parse(
            JournalShippingTest.config(dir.resolve("o.json"), storage, "\"bucket\": \"bkt-x\", \"release_output\": " +
            "\"shipped\", \"ship_journal\": false", 1)));
        assertTrue(noShipping.getMessage().contains("$.storage.backend.config.sync.release_output"),
            noShipping.getMessage());

        final String atLeastOnce = JournalShippingTest.config(dir.resolve("o.json"), storage, "\"bucket\": \"" +
            SyncFixture.shared().newBucket() + "\", \"release_output\": \"shipped\"", SyncFixture.shared().s3Port)
            .replace("\"exactly_once\"", "\"at_least_once\"");
        final KeelException noJournal =
            assertThrows(KeelException.class, () -> JournalShippingTest.launch(atLeastOnce));
        assertTrue(noJournal.getMessage().contains("$.storage.backend.config.sync.release_output") &&
            noJournal.getMessage().contains("exactly_once"), noJournal.getMessage());

        assertEquals("shipped", PipelineConfigParser.parse(JournalShippingTest.config(dir.resolve("o.json"), storage,
            "\"bucket\": \"bkt-x\", \"release_output\": \"shipped\"", 1)).storage().orElseThrow().sync().orElseThrow()
            .releaseOutput().name().toLowerCase(java.util.Locale.ROOT));
    }

    @Test
    void withAPushIntervalOfAnHourTheOutputStillFollowsTheInput() throws Exception
    {
        final SyncFixture s3 = SyncFixture.shared();
        final String bucket = s3.newBucket();
        final Path expected = dir.resolve("trades.json");
        final Path output = dir.resolve("vwap.json");
        final String sync = "\"bucket\": \"" + bucket + "\", \"push_interval\": 3600, \"release_output\": \"shipped\"";
        try (KeelNode node = JournalShippingTest.launch(JournalShippingTest.config(output, dir.resolve("s"), sync,
            s3.s3Port)))
        {
            final KeelPipeline pipeline = node.pipeline();
            // before this node pushed a checkpoint nothing is held (a node started from the bucket starts fresh)
            JournalShippingTest.insert(pipeline, expected, 1, 300);
            JournalShippingTest.awaitOutput(output, expected);
            assertEquals(CheckpointStatus.SUCCESS, pipeline.checkpoint(Duration.ofSeconds(30)));
            final UUID pushed = pipeline.syncCheckpoint(Duration.ofSeconds(30));
            // now each step's output waits for its journal record to reach the bucket: shipped chunk after chunk
            for (int round = 0; round < 3; round++)
            {
                final int first = 301 + round * 200;
                JournalShippingTest.insert(pipeline, expected, first, first + 199);
                JournalShippingTest.awaitOutput(output, expected);
            }
            final long durable = NodeSyncTest.metric(PrometheusExporter.export(pipeline.counters()),
                "keel_journal_durable_position");
            JournalShippingTest.awaitShipped(s3, bucket, "journal/" + pushed + "/", durable);
            final long chunks = s3.listAll(bucket).keySet().stream()
                .filter(k -> k.startsWith("journal/" + pushed + "/") && k.endsWith(".kjc")).count();
            assertTrue(chunks >= 3, "the journal was shipped as the steps became durable, not once an hour: " +
                chunks + " chunk(s)");
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void afterAKillOfThePrimaryTheStandbyRewritesNoOutputAReaderSaw() throws Exception
    {
        final String bucket = SyncFixture.shared().newBucket();
        final Path trades = writeTrades(dir.resolve("trades.json"), 1, 300_000, 23);
        final Path output = dir.resolve("vwap.json");
        final String sync = "\"bucket\": \"" + bucket + "/dr\", \"push_interval\": 1, \"release_output\": \"shipped\"";
        final Path primaryConfig = dir.resolve("primary.json");
        Files.writeString(primaryConfig, StandbyNodeTest.config(trades, output, dir.resolve("primary"), sync, 1, 1));
        // no --exit-at-eoi: a fast machine may finish the input before the kill, and the primary must not exit then
        final Process primary = CrashHarness.start(primaryConfig, dir.resolve("primary.log"), false);
        try (KeelNode standby = KeelNode.launch(PipelineConfigParser.parse(StandbyNodeTest.config(trades, output,
            dir.resolve("standby"), sync + ", \"standby\": true, \"start_from_checkpoint\": \"latest\", " +
            "\"pull_interval\": 1", 97, 0)), ProgramRegistry.resolve("trades-vwap"), ctx -> {}))
        {
            StandbyNodeTest.await(() -> null != standby.standbyStatus().adopted() || !primary.isAlive(), 60,
                "the standby follows the primary's pushes");
            StandbyNodeTest.await(() -> SyncFixture.shared().listAll(bucket).keySet().stream().anyMatch(k ->
                k.startsWith("dr/journal/" + standby.standbyStatus().adopted() + "/")) || !primary.isAlive(), 30,
                "the journal after the adopted checkpoint is shipped");
            assertTrue(primary.isAlive(), "the primary still runs (it was to be killed mid-input): " +
                Files.readString(dir.resolve("primary.log")));
            primary.destroyForcibly(); // SIGKILL mid-input
            assertTrue(primary.waitFor(30, TimeUnit.SECONDS));
            final List<String> atKill = Files.exists(output) ? Files.readAllLines(output) : List.of();
            assertFalse(atKill.isEmpty(), "the primary released output before the kill");

            standby.activate(Duration.ofSeconds(60));
            assertTrue(standby.pipeline().awaitCompletion(Duration.ofSeconds(90)), "" + standby.state());
            assertEquals(PipelineState.COMPLETED, standby.state());
            final List<String> combined = Files.readAllLines(output);
            int same = 0;
            while (same < atKill.size() && same < combined.size() && atKill.get(same).equals(combined.get(same)))
            {
                same++;
            }
            System.out.println("ReleaseOutputShippedTest: " + atKill.size() + " output lines at the kill, " + same +
                " kept by the standby, " + (atKill.size() - same) + " rewritten");
            assertEquals(atKill.size(), same, "the standby rewrote output the primary had released (first " +
                "difference at line " + (same + 1) + " of " + atKill.size() + ")");
            VwapChangeStream.assertExactlyOnce(combined, trades, "the output after the failover");
            assertEquals(NodeSyncTest.aggregates(trades), CrashHarness.lastInsertPerSymbol(output));
        }
        finally
        {
            primary.destroyForcibly();
        }
    }
}
