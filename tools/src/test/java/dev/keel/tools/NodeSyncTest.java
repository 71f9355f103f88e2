package dev.keel.tools;

import dev.keel.sync.SyncFixture;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.config.PipelineConfigParser;
import dev.keel.engine.spi.CheckpointStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A real node (trades-vwap, file input and output, exactly_once) syncing its checkpoints to a real S3 server on
 * loopback: periodic and manual pushes, the embedded sync API and the {@code keel_sync_*} counters.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NodeSyncTest
{
    static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] SYMBOLS = { "AAPL", "MSFT", "GOOG", "JPM", "TSLA" };

    @TempDir
    Path dir;

    /** Outside the tests' timeouts: Spring Boot's start takes seconds, many more on a loaded machine. */
    @BeforeAll
    static void startS3()
    {
        SyncFixture.shared();
    }

    @Test
    void pushesPeriodicallyAndOnRequestAndExportsCounters() throws Exception
    {
        final SyncFixture s3 = SyncFixture.shared();
        final String bucket = s3.newBucket();
        final Path trades = writeTrades(dir.resolve("trades.json"), 1, 2_000, 3);
        final String config = config(trades, dir.resolve("vwap.json"), dir.resolve("storage"),
            "\"bucket\": \"" + bucket + "/ckpt\", \"push_interval\": 1");
        try (KeelNode node = KeelNode.launch(PipelineConfigParser.parse(config), ProgramRegistry.resolve("trades-vwap")))
        {
            final KeelPipeline pipeline = node.pipeline();
            assertTrue(pipeline.awaitCompletion(Duration.ofSeconds(30)), "end of input");
            assertEquals(CheckpointStatus.SUCCESS, pipeline.checkpoint(Duration.ofSeconds(30)));

            // periodic: within a few intervals the committed checkpoint shows up in the bucket without a request
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (pipeline.lastSuccessfulCheckpointSync().isEmpty() && System.nanoTime() < deadline)
            {
                Thread.sleep(50);
            }
            final UUID periodic = pipeline.lastSuccessfulCheckpointSync().orElseThrow(
                () -> new AssertionError("no periodic push within 20 s"));
            assertEquals(CheckpointStatus.SUCCESS, pipeline.syncCheckpointStatus(periodic));
            final Map<String, Long> objects = s3.listAll(bucket);
            assertTrue(objects.containsKey("ckpt/keel-sync.catalog"), objects.toString());
            assertTrue(objects.containsKey("ckpt/files/" + periodic + "/manifest"), objects.toString());

            // on request: a newer checkpoint, synced and waited for
            assertEquals(CheckpointStatus.SUCCESS, pipeline.checkpoint(Duration.ofSeconds(30)));
            final UUID manual = pipeline.syncCheckpoint(Duration.ofSeconds(30));
            assertNotEquals(periodic, manual, "the newest committed checkpoint");
            assertEquals(CheckpointStatus.SUCCESS, pipeline.syncCheckpointStatus(manual));
            assertEquals(manual, pipeline.lastSuccessfulCheckpointSync().orElseThrow());
            assertTrue(s3.listAll(bucket).containsKey("ckpt/files/" + manual + "/manifest"));
            assertEquals(manual, pipeline.syncCheckpoint(), "already synced: the same id, no second push");
            assertEquals(CheckpointStatus.UNKNOWN, pipeline.syncCheckpointStatus(UUID.randomUUID()));

            final String metrics = awaitMetric(pipeline, "keel_sync_pushes_total", 2);
            assertTrue(metrics.contains("# TYPE keel_sync_pushes_total counter"), metrics);
            assertTrue(metric(metrics, "keel_sync_push_failures_total") == 0, metrics);
            assertTrue(metric(metrics, "keel_sync_bytes_transferred_total") > 0, metrics);
            assertTrue(metric(metrics, "keel_sync_last_synced_step") > 0, metrics);
            assertFalse(metrics.contains(SyncFixture.SECRET_KEY));
        }
    }

    @Test
    void syncApiWithoutSyncConfiguredNamesTheKey() throws Exception
    {
        final Path trades = writeTrades(dir.resolve("trades.json"), 1, 100, 3);
        final String config = config(trades, dir.resolve("vwap.json"), dir.resolve("storage"), null);
        try (KeelNode node = KeelNode.launch(PipelineConfigParser.parse(config), ProgramRegistry.resolve("trades-vwap")))
        {
            final IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> node.pipeline().syncCheckpoint());
            assertTrue(e.getMessage().contains("storage.backend.config.sync"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> node.pipeline().lastSuccessfulCheckpointSync());
            assertThrows(IllegalStateException.class, () -> node.pipeline().syncCheckpointStatus(UUID.randomUUID()));
        }
    }

    static String awaitMetric(final KeelPipeline pipeline, final String name, final long atLeast)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String metrics = PrometheusExporter.export(pipeline.counters());
        while (metric(metrics, name) < atLeast && System.nanoTime() < deadline)
        {
            Thread.sleep(20);
            metrics = PrometheusExporter.export(pipeline.counters());
        }
        assertTrue(metric(metrics, name) >= atLeast, name + " >= " + atLeast + ":\n" + metrics);
        return metrics;
    }

    static long metric(final String metrics, final String name)
    {
        for (final String line : metrics.split("\n"))
        {
            if (line.startsWith(name + "{"))
            {
                return Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return Long.MIN_VALUE;
    }

    /** Trades {@code from..to} (ids), appended to {@code file}. */
    static Path writeTrades(final Path file, final int from, final int to, final long seed) throws IOException
    {
        final Random random = new Random(seed * 1_000_003 + from);
        final StringBuilder sb = new StringBuilder();
        for (int i = from; i <= to; i++)
        {
            sb.append("{\"id\":").append(i)
                .append(",\"symbol\":\"").append(SYMBOLS[random.nextInt(SYMBOLS.length)])
                .append("\",\"price\":").append(100 + random.nextInt(10_000))
                .append(",\"qty\":").append(1 + random.nextInt(100))
                .append(",\"ts\":").append(1_000_000L * i).append("}\n");
        }
        Files.writeString(file, sb, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        return file;
    }

    /** An exactly_once trades-vwap node config; {@code sync} is the sync object's members, or null for none. */
    static String config(final Path trades, final Path output, final Path storage, final String sync)
        throws IOException
    {
        return config(trades, output, storage, sync, SyncFixture.shared().s3Port);
    }

    /** As {@link #config(Path, Path, Path, String)} with the S3 endpoint on {@code s3Port}. */
    static String config(final Path trades, final Path output, final Path storage, final String sync,
        final int s3Port) throws IOException
    {
        final String syncJson = null == sync ? "" :
            ", \"backend\": {\"name\": \"file\", \"config\": {\"sync\": {" + sync +
            ", \"endpoint\": \"http://127.0.0.1:" + s3Port + "\", \"region\": \"us-east-1\", " +
            "\"provider\": \"Minio\", \"access_key\": \"" + SyncFixture.ACCESS_KEY + "\", \"secret_key\": \"" +
            SyncFixture.SECRET_KEY + "\"}}}";
        return "{\n" +
            "  \"program\": \"trades-vwap\",\n" +
            "  \"storage\": {\"min_storage_bytes\": 0" + syncJson + "},\n" +
            "  \"storage_config\": {\"path\": " + JSON.writeValueAsString(storage.toString()) + "},\n" +
            "  \"fault_tolerance\": {\"model\": \"exactly_once\", \"checkpoint_interval_secs\": null},\n" +
            "  \"threading_mode\": \"shared\",\n" +
            "  \"inputs\": {\"trades\": {\"stream\": \"trades\", \"max_batch_size\": 97,\n" +
            "    \"transport\": {\"name\": \"file_input\", \"config\": {\"path\": " +
            JSON.writeValueAsString(trades.toString()) + "}},\n" +
            "    \"format\": {\"name\": \"json\", \"config\": {\"update_format\": \"raw\"}}}},\n" +
            "  \"outputs\": {\"vwap\": {\"stream\": \"vwap\",\n" +
            "    \"transport\": {\"name\": \"file_output\", \"config\": {\"path\": " +
            JSON.writeValueAsString(output.toString()) + "}},\n" +
            "    \"format\": {\"name\": \"json\"}}}\n" +
            "}\n";
    }

    static Map<String, java.util.List<Long>> aggregates(final Path trades) throws IOException
    {
        return new TreeMap<>(RunCommandTest.aggregates(trades));
    }
}
