package dev.keel.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.sync.SyncFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Exactly-once disaster recovery with real processes: {@code keel run} with {@code exactly_once}, HTTP ingress (not
 * replayable: only the node holds what it acknowledged) and sync to a real S3 server on loopback takes
 * acknowledged batches, pushes one checkpoint after a third of them and ships the journal; it is killed with SIGKILL and its storage
 * deleted; a second {@code keel run} on fresh storage starts from the bucket and every acknowledged batch is in
 * the output exactly once, whole.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JournalShippingCrashTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BATCHES = 60;
    private static final int PER_BATCH = 20;

    @TempDir
    Path dir;

    private final HttpClient http = HttpIngressChild.client();

    @BeforeAll
    static void startS3()
    {
        SyncFixture.shared();
    }

    @Test
    void everyAcknowledgedBatchSurvivesTheLossOfTheMachineExactlyOnce() throws Exception
    {
        final SyncFixture s3 = SyncFixture.shared();
        final String bucket = s3.newBucket();
        final Path output = dir.resolve("vwap.json");
        final String sync = "\"bucket\": \"" + bucket + "/dr\", \"push_interval\": 1";

        final Path primaryLog = dir.resolve("primary.log");
        final Process primary =
            HttpIngressChild.start(writeConfig(output, dir.resolve("primary"), sync), primaryLog, "-Xmx256m");
        try
        {
            final int port = HttpIngressChild.awaitPort(primary, primaryLog);
            for (int batch = 0; batch < BATCHES; batch++)
            {
                int status = HttpIngressChild.post(http, port, "dr", batch, PER_BATCH);
                final long readyBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (503 == status && System.nanoTime() < readyBy)
                {
                    Thread.sleep(20); // PIPELINE_NOT_READY: the API answers before the pipeline runs; not taken
                    status = HttpIngressChild.post(http, port, "dr", batch, PER_BATCH);
                }
                assertEquals(200, status, "batch " + batch + " acknowledged");
                if (batch == BATCHES / 3)
                {
                    checkpointAndSync(port);
                }
            }
            // every acknowledged batch is durable in the primary's journal; wait until the bucket holds it too
            final long durable = metric(port, "keel_journal_durable_position");
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (shippedEnd(s3.listAll(bucket)) < durable)
            {
                assertTrue(System.nanoTime() < deadline, "shipped to " + shippedEnd(s3.listAll(bucket)) + " < " +
                    durable + ": " + s3.listAll(bucket).keySet());
                Thread.sleep(50);
            }
            primary.destroyForcibly(); // SIGKILL: the machine is lost with its storage
            assertTrue(primary.waitFor(30, TimeUnit.SECONDS));
        }
        finally
        {
            primary.destroyForcibly().waitFor();
        }
        NodeSyncStartTest.deleteTree(dir.resolve("primary"));

        final Path log = dir.resolve("new.log");
        final Process node = HttpIngressChild.start(writeConfig(output, dir.resolve("new"), sync +
            ", \"start_from_checkpoint\": \"latest\", \"fail_if_no_checkpoint\": true"), log, "-Xmx256m");
        try
        {
            HttpIngressChild.awaitPort(node, log);
            HttpIngressChild.awaitLine(node, log, "replayed up to step");
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (RunCommandTest.applyChanges(output).size() < BATCHES)
            {
                assertTrue(node.isAlive() && System.nanoTime() < deadline, "the new node's output reaches every " +
                    "acknowledged batch: " + RunCommandTest.applyChanges(output).size() + " of " + BATCHES + "\n" +
                    Files.readString(log));
                Thread.sleep(50);
            }
            Thread.sleep(500);
        }
        finally
        {
            node.destroyForcibly().waitFor();
        }
        final String text = Files.readString(log);
        assertTrue(text.contains("shipped journal step(s)"), "the shipped journal was imported: " + text);
        final Map<String, List<Long>> result = RunCommandTest.applyChanges(output);
        assertEquals(BATCHES, result.size(), result.keySet().toString());
        for (int batch = 0; batch < BATCHES; batch++)
        {
            final List<Long> row = result.get("B" + batch);
            assertNotNull(row, "acknowledged batch " + batch + " survived the machine");
            assertEquals(List.of((long)PER_BATCH, (long)PER_BATCH), row.subList(0, 2),
                "batch " + batch + " counted exactly once, whole");
        }
    }

    /** One checkpoint, pushed: the batches after it are only in the journal (no periodic checkpoints). */
    private void checkpointAndSync(final int port) throws Exception
    {
        final String base = "http://127.0.0.1:" + port + "/v0/pipelines/dr";
        final long seq = JSON.readTree(send("POST", base + "/checkpoint")).get("checkpoint_sequence_number").asLong();
        awaitField(base + "/checkpoint_status?seq=" + seq, "Success");
        final String uuid = JSON.readTree(send("POST", base + "/checkpoint/sync")).get("checkpoint_uuid").asText();
        awaitField(base + "/checkpoint/sync_status?uuid=" + uuid, "Success");
    }

    private void awaitField(final String url, final String status) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String body = "";
        while (System.nanoTime() < deadline)
        {
            body = send("GET", url);
            if (status.equals(JSON.readTree(body).path("status").asText()))
            {
                return;
            }
            Thread.sleep(20);
        }
        fail(url + " did not reach " + status + ": " + body);
    }

    private String send(final String method, final String url) throws Exception
    {
        final HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url))
            .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), method + " " + url + ": " + response.body());
        return response.body();
    }

    private static long shippedEnd(final Map<String, Long> objects)
    {
        long end = -1;
        for (final String key : objects.keySet())
        {
            if (key.startsWith("dr/journal/") && key.endsWith(".kjc"))
            {
                final String name = key.substring(key.lastIndexOf('/') + 1);
                end = Math.max(end, Long.parseLong(name.substring(20, 39)));
            }
        }
        return end;
    }

    private long metric(final int port, final String name) throws Exception
    {
        final String metrics = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/v0/pipelines/dr/metrics")).GET().build(),
            HttpResponse.BodyHandlers.ofString()).body();
        final long value = NodeSyncTest.metric(metrics, name);
        assertTrue(value > 0, name + " in " + metrics);
        return value;
    }

    private Path writeConfig(final Path output, final Path storage, final String sync) throws IOException
    {
        final String config = "{\n" +
            "  \"name\": \"dr\",\n" +
            "  \"program\": \"trades-vwap\",\n" +
            "  \"storage\": {\"min_storage_bytes\": 0, \"backend\": {\"name\": \"file\", \"config\": {\"sync\": {" +
            sync + ", \"endpoint\": \"http://127.0.0.1:" + SyncFixture.shared().s3Port + "\", \"region\": " +
            "\"us-east-1\", \"provider\": \"Minio\", \"access_key\": \"" + SyncFixture.ACCESS_KEY + "\", " +
            "\"secret_key\": \"" + SyncFixture.SECRET_KEY + "\"}}}},\n" +
            "  \"storage_config\": {\"path\": " + JSON.writeValueAsString(storage.toString()) + "},\n" +
            "  \"fault_tolerance\": {\"model\": \"exactly_once\", \"checkpoint_interval_secs\": null},\n" +
            "  \"threading_mode\": \"shared\",\n" +
            "  \"inputs\": {\"trades\": {\"stream\": \"trades\", \"transport\": {\"name\": \"http_input\"}}},\n" +
            "  \"outputs\": {\"vwap\": {\"stream\": \"vwap\", \"transport\": {\"name\": \"file_output\", " +
            "\"config\": {\"path\": " + JSON.writeValueAsString(output.toString()) + "}}, \"format\": {\"name\": " +
            "\"json\"}}}\n}\n";
        final Path path = Files.createDirectories(dir.resolve("configs")).resolve(storage.getFileName() + ".json");
        Files.writeString(path, config);
        return path;
    }
}
