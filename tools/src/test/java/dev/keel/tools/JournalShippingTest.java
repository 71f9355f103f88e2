package dev.keel.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.engine.api.InputHandle;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.config.PipelineConfigParser;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.spi.CheckpointStatus;
import dev.keel.sync.SyncFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Exactly-once disaster recovery: a primary with {@code exactly_once} and a non-replayable input (the embedded
 * {@link InputHandle}) pushes a checkpoint and ships the journal after it to a real S3 server on loopback; it
 * stops without a checkpoint of its own and its storage is deleted; a new node on fresh storage started from the
 * bucket replays the shipped steps, so its state holds every row exactly once and its output continues unchanged.
 * Without the shipped journal (deleted from the bucket) the rows after the checkpoint are lost. Retention deletes
 * the journal shipped after a checkpoint with it.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class JournalShippingTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] SYMBOLS = {"AAPL", "MSFT", "NVDA", "AMZN", "TSLA"};

    @TempDir
    Path dir;

    @BeforeAll
    static void startS3()
    {
        SyncFixture.shared();
    }

    @Test
    void aNodeStartedFromTheBucketReplaysTheShippedJournalAndLosesNothingWithoutItTheStepsAreLost() throws Exception
    {
        final SyncFixture s3 = SyncFixture.shared();
        final String bucket = s3.newBucket();
        final Path expected = dir.resolve("trades.json");
        final Path output = dir.resolve("vwap.json");
        final String sync = "\"bucket\": \"" + bucket + "/dr\", \"push_interval\": 1";

        // the machine that is lost: rows A, a pushed checkpoint, rows B after it, then it stops without a checkpoint
        final UUID checkpoint = loseShippedMachine(s3, bucket, "dr/", sync, output, expected, dir.resolve("lost"),
            600, 1_500);
        final List<String> primaryOutput = Files.readAllLines(output);
        assertEquals(NodeSyncTest.aggregates(expected), RunCommandTest.applyChanges(output));
        final Path outputCopy = Files.copy(output, dir.resolve("vwap-copy.json"));
        final Path expectedCopy = Files.copy(expected, dir.resolve("trades-copy.json"));

        // a new machine: pulls the checkpoint and the journal after it, replays rows B, then takes rows C
        try (KeelNode node = launch(config(output, dir.resolve("new"),
            sync + ", \"start_from_checkpoint\": \"latest\", \"fail_if_no_checkpoint\": true")))
        {
            final KeelPipeline pipeline = node.pipeline();
            awaitReplayed(pipeline);
            awaitOutput(output, expected);
            assertEquals(primaryOutput, Files.readAllLines(output),
                "the replayed steps re-create transactions the sink already has: nothing is written twice");
            insert(pipeline, expected, 1_501, 2_000);
            awaitOutput(output, expected);
        }
        assertEquals(NodeSyncTest.aggregates(expected), RunCommandTest.applyChanges(output),
            "every row of A, B and C counted exactly once");

        // the old behaviour: no journal in the bucket, so the new node starts from the checkpoint alone
        s3.admin.deleteObjects(b -> b.bucket(bucket).delete(d -> d.objects(s3.listAll(bucket).keySet().stream()
            .filter(k -> k.startsWith("dr/journal/"))
            .map(k -> software.amazon.awssdk.services.s3.model.ObjectIdentifier.builder().key(k).build())
            .toList()))).join();
        try (KeelNode node = launch(config(outputCopy, dir.resolve("without"),
            "\"bucket\": \"" + bucket + "/dr\", \"start_from_checkpoint\": \"" + checkpoint + "\"")))
        {
            final KeelPipeline pipeline = node.pipeline();
            insert(pipeline, expectedCopy, 1_501, 2_000);
            Thread.sleep(1_000);
            assertEquals(0, NodeSyncTest.metric(PrometheusExporter.export(pipeline.counters()),
                "keel_replayed_steps_total"), "nothing to replay: the steps after the checkpoint are gone");
        }
        assertNotEquals(NodeSyncTest.aggregates(expectedCopy), RunCommandTest.applyChanges(outputCopy),
            "without the shipped journal the rows acknowledged after the checkpoint are lost");
    }

    /**
     * The machine that is lost: rows 1..{@code checkpointed}, a checkpoint pushed to the bucket, rows up to
     * {@code last} after it, in the journal and shipped; then it stops without a checkpoint and its storage is
     * deleted.
     *
     * @param prefix the bucket prefix of {@code sync} ("" or "dr/").
     * @return the pushed checkpoint.
     */
    static UUID loseShippedMachine(
        final SyncFixture s3,
        final String bucket,
        final String prefix,
        final String sync,
        final Path output,
        final Path expected,
        final Path storage,
        final int checkpointed,
        final int last) throws Exception
    {
        final UUID checkpoint;
        try (KeelNode node = launch(config(output, storage, sync, s3.s3Port)))
        {
            final KeelPipeline pipeline = node.pipeline();
            insert(pipeline, expected, 1, checkpointed);
            awaitOutput(output, expected);
            assertEquals(CheckpointStatus.SUCCESS, pipeline.checkpoint(Duration.ofSeconds(30)));
            checkpoint = pipeline.syncCheckpoint(Duration.ofSeconds(30));
            insert(pipeline, expected, checkpointed + 1, last);
            awaitOutput(output, expected);
            final long durable = NodeSyncTest.metric(PrometheusExporter.export(pipeline.counters()),
                "keel_journal_durable_position");
            assertTrue(durable > 0, "steps after the checkpoint are in the journal");
            awaitShipped(s3, bucket, prefix + "journal/" + checkpoint + "/", durable);
        }
        NodeSyncStartTest.deleteTree(storage);
        return checkpoint;
    }

    @Test
    void withShipJournalOffNothingIsShippedAndANodeStartedFromTheBucketLosesTheStepsAfterTheCheckpoint()
        throws Exception
    {
        final SyncFixture s3 = SyncFixture.shared();
        final String bucket = s3.newBucket();
        final Path expected = dir.resolve("trades.json");
        final Path output = dir.resolve("vwap.json");
        final String sync = "\"bucket\": \"" + bucket + "\", \"push_interval\": 1, \"ship_journal\": false";
        final UUID checkpoint;
        try (KeelNode node = launch(config(output, dir.resolve("lost"), sync)))
        {
            final KeelPipeline pipeline = node.pipeline();
            insert(pipeline, expected, 1, 300);
            awaitOutput(output, expected);
            assertEquals(CheckpointStatus.SUCCESS, pipeline.checkpoint(Duration.ofSeconds(30)));
            checkpoint = pipeline.syncCheckpoint(Duration.ofSeconds(30));
            insert(pipeline, expected, 301, 600);
            awaitOutput(output, expected);
            // three push intervals: with shipping on, the tail would be in the bucket by now
            Thread.sleep(3_000);
            assertTrue(NodeSyncTest.metric(PrometheusExporter.export(pipeline.counters()),
                "keel_journal_durable_position") > 0, "the steps after the checkpoint are in the local journal");
        }
        assertTrue(s3.listAll(bucket).keySet().stream().noneMatch(k -> k.startsWith("journal/")),
            "ship_journal is false, yet the journal was shipped: " + s3.listAll(bucket).keySet());
        assertTrue(s3.listAll(bucket).keySet().stream().anyMatch(k -> k.startsWith("files/" + checkpoint + "/")),
            "the checkpoint itself is pushed: " + s3.listAll(bucket).keySet());
        NodeSyncStartTest.deleteTree(dir.resolve("lost"));

        try (KeelNode node = launch(config(output, dir.resolve("new"),
            sync + ", \"start_from_checkpoint\": \"latest\", \"fail_if_no_checkpoint\": true")))
        {
            final KeelPipeline pipeline = node.pipeline();
            insert(pipeline, expected, 601, 700);
            Thread.sleep(1_000);
            assertEquals(0, NodeSyncTest.metric(PrometheusExporter.export(pipeline.counters()),
                "keel_replayed_steps_total"), "nothing imported, nothing replayed");
        }
        assertNotEquals(NodeSyncTest.aggregates(expected), RunCommandTest.applyChanges(output),
            "with ship_journal off the rows acknowledged after the last pushed checkpoint are lost");
    }

    @Test
    void retentionDeletesTheJournalShippedAfterARetiredCheckpoint() throws Exception
    {
        final SyncFixture s3 = SyncFixture.shared();
        final String bucket = s3.newBucket();
        final Path expected = dir.resolve("trades.json");
        final Path output = dir.resolve("vwap.json");
        final String sync = "\"bucket\": \"" + bucket + "\", \"push_interval\": 1, \"retention_min_count\": 1, " +
            "\"retention_min_age\": 0";
        try (KeelNode node = launch(config(output, dir.resolve("storage"), sync)))
        {
            final KeelPipeline pipeline = node.pipeline();
            insert(pipeline, expected, 1, 300);
            awaitOutput(output, expected);
            assertEquals(CheckpointStatus.SUCCESS, pipeline.checkpoint(Duration.ofSeconds(30)));
            final UUID first = pipeline.syncCheckpoint(Duration.ofSeconds(30));
            insert(pipeline, expected, 301, 600);
            awaitOutput(output, expected);
            awaitShipped(s3, bucket, "journal/" + first + "/", 1);

            UUID last = first;
            for (int i = 0; i < 2; i++)
            {
                insert(pipeline, expected, 601 + 100 * i, 700 + 100 * i);
                awaitOutput(output, expected);
                assertEquals(CheckpointStatus.SUCCESS, pipeline.checkpoint(Duration.ofSeconds(30)));
                last = pipeline.syncCheckpoint(Duration.ofSeconds(30));
            }
            final UUID newest = last;
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (s3.listAll(bucket).keySet().stream().anyMatch(k -> k.startsWith("journal/" + first + "/")))
            {
                assertTrue(System.nanoTime() < deadline, "the journal after the retired checkpoint " + first +
                    " is still in the bucket: " + s3.listAll(bucket).keySet());
                Thread.sleep(50);
            }
            assertNotEquals(first, newest);
        }
    }

    static void insert(final KeelPipeline pipeline, final Path expected, final int firstId, final int lastId)
        throws IOException
    {
        final InputHandle in = pipeline.inputHandle("trades");
        final RowWriter row = new RowWriter(in.schema());
        final Random random = new Random(firstId);
        final StringBuilder json = new StringBuilder();
        for (int id = firstId; id <= lastId; id++)
        {
            final String symbol = SYMBOLS[random.nextInt(SYMBOLS.length)];
            final long price = 100 + random.nextInt(10_000);
            final long qty = 1 + random.nextInt(100);
            row.reset().putLong(0, id).putString(1, symbol).putLong(2, price).putLong(3, qty).putLong(4, id * 1000L);
            row.finish();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!in.insert(row))
            {
                assertTrue(System.nanoTime() < deadline, "input full for 30 s");
                Thread.onSpinWait();
            }
            json.append("{\"id\":").append(id).append(",\"symbol\":\"").append(symbol).append("\",\"price\":")
                .append(price).append(",\"qty\":").append(qty).append(",\"ts\":").append(id * 1000L).append("}\n");
        }
        Files.writeString(expected, json, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    static void awaitOutput(final Path output, final Path expected) throws Exception
    {
        final Map<String, List<Long>> want = NodeSyncTest.aggregates(expected);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Map<String, List<Long>> got = Map.of();
        while (System.nanoTime() < deadline)
        {
            got = Files.exists(output) ? new TreeMap<>(RunCommandTest.applyChanges(output)) : Map.of();
            if (want.equals(got))
            {
                return;
            }
            Thread.sleep(20);
        }
        assertEquals(want, got, "output did not reach the rows inserted");
    }

    static void awaitShipped(final SyncFixture s3, final String bucket, final String prefix,
        final long position) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true)
        {
            long end = -1;
            for (final String key : s3.listAll(bucket).keySet())
            {
                if (key.startsWith(prefix) && key.endsWith(".kjc"))
                {
                    final String name = key.substring(prefix.length());
                    end = Math.max(end, Long.parseLong(name.substring(20, 39)));
                }
            }
            if (end >= position)
            {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "journal under " + prefix + " shipped to " + end + ", not " +
                position + ": " + s3.listAll(bucket).keySet());
            Thread.sleep(50);
        }
    }

    static void awaitReplayed(final KeelPipeline pipeline) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (NodeSyncTest.metric(PrometheusExporter.export(pipeline.counters()), "keel_replayed_steps_total") <= 0)
        {
            assertTrue(System.nanoTime() < deadline, "no shipped step was replayed");
            Thread.sleep(20);
        }
    }

    static KeelNode launch(final String config)
    {
        return KeelNode.launch(PipelineConfigParser.parse(config), ProgramRegistry.resolve("trades-vwap"),
            ctx -> ctx.faultTolerance().checkpointOnClose(false));
    }

    /** exactly_once trades-vwap with the trades table fed in-process (not replayable), vwap to a file. */
    private static String config(final Path output, final Path storage, final String sync) throws IOException
    {
        return config(output, storage, sync, SyncFixture.shared().s3Port);
    }

    /** As {@link #config(Path, Path, String)}, the S3 endpoint on {@code s3Port} (a fault proxy's). */
    static String config(final Path output, final Path storage, final String sync, final int s3Port)
        throws IOException
    {
        return "{\n" +
            "  \"program\": \"trades-vwap\",\n" +
            "  \"storage\": {\"min_storage_bytes\": 0, \"backend\": {\"name\": \"file\", \"config\": {\"sync\": {" +
            sync + ", \"endpoint\": \"http://127.0.0.1:" + s3Port + "\", \"region\": " +
            "\"us-east-1\", \"provider\": \"Minio\", \"access_key\": \"" + SyncFixture.ACCESS_KEY + "\", " +
            "\"secret_key\": \"" + SyncFixture.SECRET_KEY + "\"}}}},\n" +
            "  \"storage_config\": {\"path\": " + JSON.writeValueAsString(storage.toString()) + "},\n" +
            "  \"fault_tolerance\": {\"model\": \"exactly_once\", \"checkpoint_interval_secs\": null},\n" +
            "  \"threading_mode\": \"shared\",\n" +
            "  \"inputs\": {},\n" +
            "  \"outputs\": {\"vwap\": {\"stream\": \"vwap\",\n" +
            "    \"transport\": {\"name\": \"file_output\", \"config\": {\"path\": " +
            JSON.writeValueAsString(output.toString()) + "}},\n" +
            "    \"format\": {\"name\": \"json\"}}}\n" +
            "}\n";
    }
}
