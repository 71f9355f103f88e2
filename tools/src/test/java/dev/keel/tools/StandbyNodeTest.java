package dev.keel.tools;

import dev.keel.sync.SyncFixture;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.engine.KeelException;
import dev.keel.engine.circuit.PipelineState;
import dev.keel.engine.config.PipelineConfigParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static dev.keel.tools.NodeSyncTest.writeTrades;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Sync standby ({@code sync.standby: true}) against a real S3 server on loopback: a standby by UUID pulls that one
 * checkpoint once and activates from it; a pull error is reported and retried, never taken as "no checkpoint".
 * The failover from a killed primary is {@link StandbyFailoverTest}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StandbyNodeTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Outside the tests' timeouts: Spring Boot's start takes seconds, many more on a loaded machine. */
    @BeforeAll
    static void startS3()
    {
        SyncFixture.shared();
    }

    @Test
    void standbyByUuidPullsThatCheckpointOnceAndActivatesFromIt() throws Exception
    {
        final String bucket = SyncFixture.shared().newBucket();
        final Path trades = writeTrades(dir.resolve("trades.json"), 1, 1_500, 29);
        final Path output = dir.resolve("vwap.json");
        final String sync = "\"bucket\": \"" + bucket + "\"";
        final UUID first = NodeSyncStartTest.runAndSync(NodeSyncTest.config(trades, output, dir.resolve("p"), sync));
        final Path outputAtFirst = Files.copy(output, dir.resolve("vwap-at-first.json"));
        writeTrades(trades, 1_501, 3_000, 29);
        final UUID second = NodeSyncStartTest.runAndSync(NodeSyncTest.config(trades, output, dir.resolve("p"),
            sync));
        assertNotEquals(first, second);

        try (KeelNode standby = NodeSyncStartTest.launch(NodeSyncTest.config(trades, outputAtFirst,
            dir.resolve("standby"), sync + ", \"standby\": true, \"pull_interval\": 1, \"start_from_checkpoint\": \"" +
            first + "\"")))
        {
            assertEquals(PipelineState.STANDBY, standby.state());
            await(() -> first.equals(standby.standbyStatus().adopted()), 30, "pulled " + first);
            Thread.sleep(2_500); // more than two pull intervals: a UUID is pulled once, then the standby waits
            assertEquals(1, standby.standbyStatus().pulls(), standby.standbyStatus().toString());
            assertFalse(Files.exists(dir.resolve("standby/checkpoints/" + second)), "only the one asked for");

            final PipelineState state = standby.activate(Duration.ofSeconds(30));
            assertTrue(state == PipelineState.RUNNING || state == PipelineState.COMPLETED, state.toString());
            assertThrows(IllegalStateException.class, standby::activate);
            assertTrue(standby.pipeline().awaitCompletion(Duration.ofSeconds(30)));
            assertEquals(first, standby.pipeline().checkpointStore().list().get(0).id(),
                "started from the checkpoint named, though a newer one is the latest");
        }
        assertEquals(NodeSyncTest.aggregates(trades), RunCommandTest.applyChanges(outputAtFirst));
    }

    @Test
    void aPullErrorIsReportedAndRetriedAndActivationRefusedNotAFreshStart() throws Exception
    {
        final int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            closedPort = socket.getLocalPort();
        }
        final Path trades = writeTrades(dir.resolve("trades.json"), 1, 200, 31);
        final Path output = dir.resolve("vwap.json");
        try (KeelNode standby = KeelNode.launch(PipelineConfigParser.parse(NodeSyncTest.config(trades, output,
            dir.resolve("standby"), "\"bucket\": \"nobody-home\", \"standby\": true, \"pull_interval\": 1, " +
            "\"start_from_checkpoint\": \"latest\"", closedPort)), ProgramRegistry.resolve("trades-vwap")))
        {
            await(() -> standby.standbyStatus().pullFailures() >= 1, 60, "a failed pull");
            final StandbyFollower.Status status = standby.standbyStatus();
            assertEquals(PipelineState.STANDBY, standby.state());
            assertNotNull(status.lastError());
            assertTrue(status.lastError().contains("SYNC_PULL_FAILED") && status.lastError().contains("nobody-home"),
                status.lastError());
            assertFalse(status.lastError().contains(SyncFixture.SECRET_KEY));
            assertTrue(NodeSyncTest.metric(PrometheusExporter.export(standby.counters()),
                "keel_sync_pull_failures_total") >= 1);
            assertTrue(new String(Files.readAllBytes(dir.resolve("standby").resolve(NodeErrorLog.FILE_NAME)),
                java.nio.charset.StandardCharsets.ISO_8859_1).contains("SYNC_PULL_FAILED"), "in the error log");

            final KeelException e = assertThrows(KeelException.class, () -> standby.activate(Duration.ofSeconds(60)));
            assertEquals("SYNC_PULL_FAILED", e.code(), e.getMessage());
            assertEquals(PipelineState.STANDBY, standby.state(), "still a standby: activate again to retry");
            assertTrue(standby.standbyStatus().pullFailures() >= 2, "the activation's pull is counted too");
            assertFalse(Files.exists(output), "no fresh start");
        }
    }

    static long outputRecords(final KeelNode node)
    {
        if (null == node.pipeline())
        {
            return 0;
        }
        final String metrics = PrometheusExporter.export(node.counters());
        long total = 0;
        for (final String line : metrics.split("\n"))
        {
            if (line.startsWith("keel_endpoint_records_total{") && line.contains("direction=\"output\""))
            {
                total += Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    /** An exactly_once trades-vwap node named {@code standby-test}. */
    static String config(final Path trades, final Path output, final Path storage, final String sync,
        final int maxBatch, final int checkpointSecs) throws IOException
    {
        return NodeSyncTest.config(trades, output, storage, sync)
            .replace("\"program\": \"trades-vwap\",", "\"name\": \"standby-test\", \"program\": \"trades-vwap\",")
            .replace("\"max_batch_size\": 97", "\"max_batch_size\": " + maxBatch)
            .replace("\"checkpoint_interval_secs\": null",
                "\"checkpoint_interval_secs\": " + (checkpointSecs > 0 ? checkpointSecs : "null"));
    }

    static JsonNode get(final int port, final String path) throws Exception
    {
        final HttpResponse<String> response = send(port, "GET", path);
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    static HttpResponse<String> send(final int port, final String method, final String path) throws Exception
    {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port +
            "/v0/pipelines/standby-test" + path)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    static void await(final BooleanSupplier condition, final int seconds, final String what)
        throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean())
        {
            assertTrue(System.nanoTime() < deadline, "timed out waiting: " + what);
            Thread.sleep(1);
        }
    }
}
