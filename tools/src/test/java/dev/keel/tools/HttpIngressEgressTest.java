package dev.keel.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.engine.config.PipelineConfigParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * HTTP ingress and egress against a real node and its control server over loopback, with
 * {@link java.net.http.HttpClient}: what a client posts to {@code /ingress/items} comes out of
 * {@code /egress/items_out}.
 */
class HttpIngressEgressTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private KeelNode node;
    private ControlServer server;
    private String base;
    private String token;

    @AfterEach
    void close()
    {
        if (null != server)
        {
            server.close();
        }
        if (null != node)
        {
            node.close();
        }
    }

    private void start(final String model, final long maxQueuedRecords, final String outputs, final String token)
        throws Exception
    {
        final String storage = "none".equals(model) ? "" :
            "\"storage_config\": {\"path\": " + JSON.writeValueAsString(dir.resolve("storage").toString()) + "},";
        final String config = "{\"name\": \"h\", " + storage +
            "\"fault_tolerance\": {\"model\": \"" + model + "\"}," +
            "\"inputs\": {\"items_http\": {\"stream\": \"items\", \"max_queued_records\": " + maxQueuedRecords + "," +
            " \"max_batch_size\": 2000," +
            " \"transport\": {\"name\": \"http_input\"}}}," +
            "\"outputs\": {" + outputs + "}}";
        node = KeelNode.launch(PipelineConfigParser.parse(config), new HttpItemsProgram());
        this.token = token;
        server = ControlServer.start(new ControlServer.Context()
            .address(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .pipeline(node.pipeline())
            .pipelineName("h")
            .bearerToken(token)
            .httpEndpoints(node.httpEndpoints(), "exactly_once".equals(model)));
        base = "http://127.0.0.1:" + server.port() + "/v0/pipelines/h";
    }

    private HttpResponse<String> post(final String pathAndQuery, final String body) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + pathAndQuery))
            .POST(HttpRequest.BodyPublishers.ofString(body));
        if (null != token)
        {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Follows the egress stream of {@code items_out} on a thread of its own, line by line. */
    private LinkedBlockingQueue<String> follow() throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + "/egress/items_out?format=json"));
        if (null != token)
        {
            request.header("Authorization", "Bearer " + token);
        }
        final HttpResponse<Stream<String>> response = http.send(request.build(), HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, response.statusCode());
        final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final Thread reader = new Thread(() -> response.body().forEach(lines::add), "egress-reader");
        reader.setDaemon(true);
        reader.start();
        awaitClients(1);
        return lines;
    }

    private void awaitClients(final int count) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (node.httpEndpoints().output("items_out").clientCount() < count)
        {
            assertTrue(System.nanoTime() < deadline, "egress client connected");
            Thread.sleep(2);
        }
    }

    /** Applies {@code n} egress lines to a map id -> (name, qty) with multiplicity, failing on a bad delete. */
    private static void take(final LinkedBlockingQueue<String> lines, final int n, final Map<Long, Integer> weights)
        throws Exception
    {
        for (int i = 0; i < n; i++)
        {
            final String line = lines.poll(20, TimeUnit.SECONDS);
            assertNotNull(line, "egress line " + (i + 1) + " of " + n);
            final JsonNode change = JSON.readTree(line);
            assertFalse(change.has("error"), line);
            final boolean insert = change.has("insert");
            final long id = (insert ? change.get("insert") : change.get("delete")).get("id").asLong();
            final int weight = weights.getOrDefault(id, 0) + (insert ? 1 : -1);
            assertTrue(weight >= 0, "delete of a row that is not there: " + line);
            if (weight == 0)
            {
                weights.remove(id);
            }
            else
            {
                weights.put(id, weight);
            }
        }
    }

    @Test
    void jsonAndCsvUpdateFormatsGoInAndComeOutOfEgress() throws Exception
    {
        start("none", 1000, "", null);
        final LinkedBlockingQueue<String> lines = follow();
        final Map<Long, Integer> view = new TreeMap<>();

        HttpResponse<String> response = post("/ingress/items?format=json&update_format=raw",
            "{\"id\": 1, \"name\": \"a\", \"qty\": 10}\n{\"id\": 2, \"name\": \"b\", \"qty\": 20}\n");
        assertEquals(200, response.statusCode(), response.body());
        assertEquals(2, JSON.readTree(response.body()).get("records").asInt());
        take(lines, 2, view);
        assertEquals(Map.of(1L, 1, 2L, 1), view);

        response = post("/ingress/items?format=json&update_format=insert_delete",
            "{\"delete\": {\"id\": 1, \"name\": \"a\", \"qty\": 10}}\n\n{\"insert\": {\"id\": 3, \"name\": \"c\", \"qty\": 30}}");
        assertEquals(200, response.statusCode(), response.body());
        take(lines, 2, view);
        assertEquals(Map.of(2L, 1, 3L, 1), view);

        response = post("/ingress/items?format=csv", "4,d,40\r\n5,\"e, quoted\",50\n");
        assertEquals(200, response.statusCode(), response.body());
        take(lines, 2, view);
        assertEquals(Map.of(2L, 1, 3L, 1, 4L, 1, 5L, 1), view);

        // the default of an endpoint without a format is json / insert_delete
        response = post("/ingress/items", "{\"insert\": {\"id\": 6, \"name\": \"f\", \"qty\": 60}}\n");
        assertEquals(200, response.statusCode(), response.body());
        take(lines, 1, view);
        assertTrue(view.containsKey(6L));

        final HttpResponse<String> badParameter = post("/ingress/items?format=csv&update_format=raw", "7,g,70\n");
        assertEquals(400, badParameter.statusCode());
        assertEquals("update_format", JSON.readTree(badParameter.body()).get("details").get("parameter").asText());
        assertEquals(400, post("/ingress/items?format=xml", "").statusCode());
        assertEquals(400, post("/ingress/items?colour=red", "").statusCode());
    }

    @Test
    void aBadRecordRefusesTheWholeBodyNamingItsLineAndNothingAcceptedIsLost() throws Exception
    {
        start("none", 1000, "", null);
        final LinkedBlockingQueue<String> lines = follow();
        final Map<Long, Integer> view = new TreeMap<>();
        assertEquals(200, post("/ingress/items?update_format=raw", "{\"id\": 1, \"name\": \"a\", \"qty\": 1}\n")
            .statusCode());

        final HttpResponse<String> bad = post("/ingress/items?update_format=raw",
            "{\"id\": 2, \"name\": \"b\", \"qty\": 2}\n{\"id\": 3, \"name\": \"c\", \"qty\": \"many\"}\n" +
            "{\"id\": 4, \"name\": \"d\", \"qty\": 4}\n");
        assertEquals(400, bad.statusCode(), bad.body());
        final JsonNode error = JSON.readTree(bad.body());
        assertEquals("PARSE_ERROR", error.get("error_code").asText());
        assertEquals(2, error.get("details").get("line").asInt(), bad.body());
        assertEquals(33, error.get("details").get("offset").asInt(), bad.body());
        assertTrue(error.get("message").asText().contains("line 2"), bad.body());
        assertTrue(error.get("message").asText().contains("'qty'"), bad.body());

        final HttpResponse<String> badCsv = post("/ingress/items?format=csv", "5,e,5\n6,f\n");
        assertEquals(400, badCsv.statusCode(), badCsv.body());
        assertEquals(2, JSON.readTree(badCsv.body()).get("details").get("line").asInt(), badCsv.body());

        // the fixed body is accepted whole; the earlier body is still there, the refused ones never were
        assertEquals(200, post("/ingress/items?update_format=raw", "{\"id\": 7, \"name\": \"g\", \"qty\": 7}\n")
            .statusCode());
        take(lines, 2, view);
        assertEquals(Map.of(1L, 1, 7L, 1), view);
        assertNull(lines.poll(200, TimeUnit.MILLISECONDS), "nothing of a refused body reaches the view");
        final JsonNode stats = JSON.readTree(get("/stats").body());
        assertTrue(stats.toString().contains("items_http"), stats.toString());
    }

    @Test
    void aFullBufferAnswers503WithRetryAfterAndLosesNothing() throws Exception
    {
        start("none", 10, "", null);
        final LinkedBlockingQueue<String> lines = follow();
        assertEquals(202, post("/pause", "").statusCode());
        awaitState("Paused");
        assertEquals(200, post("/ingress/items?format=csv", csv(1, 6)).statusCode());
        final HttpResponse<String> full = post("/ingress/items?format=csv", csv(7, 6));
        assertEquals(503, full.statusCode(), full.body());
        assertEquals("1", full.headers().firstValue("Retry-After").orElse(null));
        assertEquals("INGRESS_BUFFER_FULL", JSON.readTree(full.body()).get("error_code").asText());
        final HttpResponse<String> tooLarge = post("/ingress/items?format=csv", csv(20, 11));
        assertEquals(413, tooLarge.statusCode(), tooLarge.body());

        assertEquals(202, post("/resume", "").statusCode());
        HttpResponse<String> retried;
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        do
        {
            retried = post("/ingress/items?format=csv", csv(7, 6));
            assertTrue(System.nanoTime() < deadline, "the retry is accepted once the pipeline drained the buffer");
        }
        while (retried.statusCode() == 503);
        assertEquals(200, retried.statusCode(), retried.body());
        final Map<Long, Integer> view = new TreeMap<>();
        take(lines, 12, view);
        assertEquals(12, view.size());
        assertNull(lines.poll(200, TimeUnit.MILLISECONDS));
    }

    @Test
    void routingErrorsAndTheToken() throws Exception
    {
        start("none", 1000, "", "s3cret");
        assertEquals(401, http.send(HttpRequest.newBuilder(URI.create(base + "/ingress/items"))
            .POST(HttpRequest.BodyPublishers.ofString("1,a,1\n")).build(), HttpResponse.BodyHandlers.ofString())
            .statusCode());
        assertEquals(401, http.send(HttpRequest.newBuilder(URI.create(base + "/egress/items_out")).build(),
            HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(200, post("/ingress/items?format=csv", "1,a,1\n").statusCode());

        final HttpResponse<String> unknown = post("/ingress/nope", "");
        assertEquals(404, unknown.statusCode());
        assertEquals("UNKNOWN_INPUT_TABLE", JSON.readTree(unknown.body()).get("error_code").asText());
        assertEquals(404, post("/ingress/items_out", "").statusCode());
        assertEquals(404, http.send(HttpRequest.newBuilder(URI.create(base.replace("/h", "/other") +
            "/ingress/items")).header("Authorization", "Bearer s3cret")
            .POST(HttpRequest.BodyPublishers.ofString("1,a,1\n")).build(), HttpResponse.BodyHandlers.ofString())
            .statusCode());
        assertEquals(404, get("/egress/nope").statusCode());

        final HttpResponse<String> wrongMethod = get("/ingress/items");
        assertEquals(405, wrongMethod.statusCode());
        assertEquals("POST", wrongMethod.headers().firstValue("Allow").orElse(null));
        assertEquals(405, post("/egress/items_out", "").statusCode());
        assertEquals(400, get("/egress/items_out?format=csv").statusCode());
    }

    @Test
    void exactlyOnceAnswersOnceTheRecordsAreDurable() throws Exception
    {
        start("exactly_once", 1000, "", null);
        final LinkedBlockingQueue<String> lines = follow();
        final long startNs = System.nanoTime();
        for (int i = 0; i < 20; i++)
        {
            final HttpResponse<String> response = post("/ingress/items?format=csv", csv(i * 5, 5));
            assertEquals(200, response.statusCode(), response.body());
            assertTrue(JSON.readTree(response.body()).get("durable").asBoolean());
        }
        System.out.println("HttpIngressEgressTest exactly_once: 20 sequential requests answered in " +
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs) + " ms");
        final Map<Long, Integer> view = new TreeMap<>();
        take(lines, 100, view);
        assertEquals(100, view.size());
    }

    @Test
    void aSlowEgressClientIsDroppedWithoutStallingThePipeline() throws Exception
    {
        start("none", 1_000_000, "\"items_http_out\": {\"stream\": \"items_out\", \"transport\": " +
            "{\"name\": \"http_output\", \"config\": {\"client_buffer_bytes\": 1048576}}}", null);
        final LinkedBlockingQueue<String> fast = follow();
        try (Socket slow = new Socket())
        {
            slow.setReceiveBufferSize(4096);
            slow.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()));
            final OutputStream request = slow.getOutputStream();
            request.write(("GET /v0/pipelines/h/egress/items_out HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
            request.flush();
            awaitClients(2);

            // the slow client reads nothing while 200 000 changes flow through; the fast one reads each batch's
            // changes before the next is posted, so it never lags by more than one batch (~100 KB) however loaded
            // the machine, while the slow one falls behind by everything
            final int batches = 100;
            final int perBatch = 2_000;
            final Map<Long, Integer> view = new TreeMap<>();
            for (int b = 0; b < batches; b++)
            {
                HttpResponse<String> response;
                do
                {
                    response = post("/ingress/items?format=csv", csv(b * perBatch, perBatch));
                }
                while (response.statusCode() == 503);
                assertEquals(200, response.statusCode(), response.body());
                take(fast, perBatch, view);
            }
            assertEquals(batches * perBatch, view.size(), "the connected client sees every change");

            // the slow client's stream ends with the reason it was dropped
            slow.setSoTimeout(20_000);
            final InputStream in = slow.getInputStream();
            final StringBuilder tail = new StringBuilder();
            final byte[] chunk = new byte[1 << 16];
            int read;
            // until the last chunk (the connection itself stays open for keep-alive)
            while (!tail.toString().endsWith("\r\n0\r\n\r\n") && (read = in.read(chunk)) > 0)
            {
                tail.append(new String(chunk, 0, read, StandardCharsets.UTF_8));
                if (tail.length() > 4096)
                {
                    tail.delete(0, tail.length() - 4096);
                }
            }
            assertTrue(tail.toString().contains("EGRESS_CLIENT_TOO_SLOW"), tail.toString());
        }
        awaitClients(1);
        assertEquals(1, node.httpEndpoints().output("items_out").clientCount());
    }

    private HttpResponse<String> get(final String path) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
        if (null != token)
        {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private void awaitState(final String status) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!status.equals(JSON.readTree(get("").body()).get("deployment_status").asText()))
        {
            assertTrue(System.nanoTime() < deadline, status);
            Thread.sleep(5);
        }
    }

    private static String csv(final int firstId, final int count)
    {
        final StringBuilder body = new StringBuilder();
        for (int i = firstId; i < firstId + count; i++)
        {
            body.append(i).append(",n").append(i).append(',').append(i * 10).append('\n');
        }
        return body.toString();
    }
}
