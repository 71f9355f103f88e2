package dev.keel.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.checkpoint.FileCheckpointStore;
import dev.keel.engine.api.Keel;
import dev.keel.engine.KeelException;
import dev.keel.engine.api.EngineContext;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.config.FaultToleranceModel;
import dev.keel.engine.config.ThreadingMode;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import dev.keel.engine.spi.CheckpointStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every route of the control API through a real HTTP client against a running pipeline: Feldera's paths and
 * shapes, exact routing (404, 405 with Allow, 400), the 501 of features this build lacks, the bearer token.
 */
class ControlServerApiTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Schema SCHEMA = Schema.of(Column.of("k", ColumnType.INT64));
    private static final String P = "/v0/pipelines/ctl";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private int port;
    private String token;

    @Test
    void feldersPathsOnARunningPipeline() throws Exception
    {
        final FailingOnceCheckpointStore store = new FailingOnceCheckpointStore(
            new FileCheckpointStore(new FileCheckpointStore.Context().storageDir(dir)));
        try (KeelPipeline pipeline = launch(store);
            ControlServer server = ControlServer.start(new ControlServer.Context().pipeline(pipeline)
                .pipelineName("ctl")))
        {
            port = server.port();
            JsonNode status = json(send("GET", P), 200);
            assertEquals("ctl", status.get("name").asText());
            assertEquals("Running", status.get("deployment_status").asText());
            assertTrue(status.get("deployment_error").isNull(), status.toString());
            assertEquals(1, json(send("GET", "/v0/pipelines"), 200).size());

            final JsonNode unknown = error(send("GET", "/v0/pipelines/other/stats"), 404, "UNKNOWN_PIPELINE_NAME");
            assertTrue(unknown.get("message").asText().contains("'ctl'"), unknown.toString());

            // the first checkpoint fails (injected), the second commits
            assertEquals(1, json(send("POST", P + "/checkpoint"), 200).get("checkpoint_sequence_number").asLong());
            JsonNode one = await(P + "/checkpoint_status?seq=1", s -> !"InProgress".equals(s.get("status").asText()));
            assertEquals("Failure", one.get("status").asText(), one.toString());
            assertTrue(one.get("error").asText().contains("injected"), one.toString());
            JsonNode overall = json(send("GET", P + "/checkpoint_status"), 200);
            assertTrue(overall.get("success").isNull(), overall.toString());
            assertEquals(1, overall.get("failure").get("sequence_number").asLong(), overall.toString());
            assertTrue(overall.get("failure").get("error").asText().contains("injected"), overall.toString());
            Instant.parse(overall.get("failure").get("failed_at").asText());

            assertEquals(2, json(send("POST", P + "/checkpoint"), 200).get("checkpoint_sequence_number").asLong());
            final JsonNode two = await(P + "/checkpoint_status?seq=2", s -> "Success".equals(s.get("status").asText()));
            assertEquals("{\"sequence_number\":2,\"status\":\"Success\",\"error\":null}", two.toString());
            overall = json(send("GET", P + "/checkpoint_status"), 200);
            assertEquals(2, overall.get("success").asLong(), overall.toString());
            assertEquals(1, overall.get("failure").get("sequence_number").asLong(), overall.toString());
            assertEquals("Unknown", json(send("GET", P + "/checkpoint_status?seq=9"), 200).get("status").asText());

            final JsonNode checkpoints = json(send("GET", P + "/checkpoints"), 200);
            assertEquals(store.list().size(), checkpoints.size(), checkpoints.toString());
            assertEquals(store.list().get(0).id(), UUID.fromString(checkpoints.get(0).get("uuid").asText()));
            assertEquals(store.list().get(0).step(), checkpoints.get(0).get("step").asLong());
            Instant.parse(checkpoints.get(0).get("created_at").asText());

            final RowWriter row = new RowWriter(SCHEMA);
            for (int i = 0; i < 10; i++)
            {
                row.reset().putLong(0, i);
                row.finish();
                assertTrue(pipeline.inputHandle("in").insert(row));
            }
            final JsonNode stats = await(P + "/stats", s -> s.get("global_metrics").get("records_out").asLong() == 10);
            final JsonNode global = stats.get("global_metrics");
            assertEquals("Running", global.get("state").asText());
            assertEquals(10, global.get("records_in").asLong(), stats.toString());
            assertEquals(1, global.get("checkpoints").asLong(), stats.toString());
            assertEquals(1, global.get("checkpoint_failures").asLong(), stats.toString());
            assertTrue(global.get("steps").asLong() >= 1, stats.toString());
            assertEquals(0, global.get("errors").asLong(), stats.toString());
            assertTrue(global.has("pending_steps"), stats.toString());
            assertEquals("out", stats.get("views").get(0).get("name").asText(), stats.toString());
            assertEquals(10, stats.get("views").get(0).get("metrics").get("records_out").asLong(), stats.toString());
            assertTrue(stats.get("inputs").isArray() && stats.get("outputs").isArray(), stats.toString());

            final HttpResponse<String> metrics = send("GET", P + "/metrics");
            assertEquals(200, metrics.statusCode());
            assertTrue(metrics.body().contains("keel_records_out_total{pipeline=\"ctl\",view=\"out\"} 10"),
                metrics.body());
            assertEquals(metrics.body(), send("GET", "/metrics").body());

            assertEquals("Paused", json(send("POST", P + "/pause"), 202).get("deployment_status").asText());
            assertEquals("Paused", json(send("GET", P), 200).get("deployment_status").asText());
            assertEquals("Paused", json(send("POST", P + "/pause"), 202).get("deployment_status").asText(),
                "pausing a paused pipeline is not an error");
            assertEquals("Running", json(send("POST", P + "/resume"), 202).get("deployment_status").asText());

            // exact routing
            final HttpResponse<String> wrongMethod = send("GET", P + "/pause");
            error(wrongMethod, 405, "METHOD_NOT_ALLOWED");
            assertEquals("POST", wrongMethod.headers().firstValue("Allow").orElse(""));
            assertEquals("GET", send("DELETE", P).headers().firstValue("Allow").orElse(""));
            assertEquals("GET", send("POST", "/status").headers().firstValue("Allow").orElse(""));
            error(send("GET", "/status/anything"), 404, "NOT_FOUND");
            error(send("GET", "/status/"), 404, "NOT_FOUND");
            error(send("GET", P + "/nope"), 404, "NOT_FOUND");
            error(send("GET", "/"), 404, "NOT_FOUND");
            error(send("GET", P + "/checkpoint_status?seq=abc"), 400, "INVALID_PARAMETER");
            error(send("GET", P + "/checkpoint_status?seq=0"), 400, "INVALID_PARAMETER");
            error(send("GET", P + "/checkpoint_status?seq=1&seq=2"), 400, "INVALID_PARAMETER");
            final JsonNode unknownParameter = error(send("GET", P + "/stats?verbose=1"), 400, "INVALID_PARAMETER");
            assertEquals("verbose", unknownParameter.get("details").get("parameter").asText());
            error(send("GET", "/checkpoint_status"), 400, "INVALID_PARAMETER");

            // no sync configured: 409 naming the config key, and no silent local checkpoint
            final JsonNode noSync = error(send("POST", P + "/checkpoint/sync"), 409, "SYNC_NOT_CONFIGURED");
            assertTrue(noSync.get("message").asText().contains("storage.backend.config.sync"), noSync.toString());
            error(send("GET", P + "/checkpoint/sync_status"), 409, "SYNC_NOT_CONFIGURED");
            error(send("GET", P + "/checkpoint/sync_status?uuid=nope"), 400, "INVALID_PARAMETER");
            // activate is for a node in STANDBY only: 409 naming the state and what is needed
            final JsonNode notStandby = error(send("POST", P + "/activate"), 409, "ILLEGAL_PIPELINE_ACTION");
            assertTrue(notStandby.get("message").asText().contains("RUNNING") &&
                notStandby.get("message").asText().contains("STANDBY"), notStandby.toString());
            assertEquals("activate", notStandby.get("details").get("action").asText());
            // approve outside AwaitingApproval: 409 saying why
            final JsonNode notAwaiting = error(send("POST", P + "/approve"), 409, "ILLEGAL_PIPELINE_ACTION");
            assertTrue(notAwaiting.get("message").asText().contains("nothing to approve"), notAwaiting.toString());
            assertEquals(3, json(send("POST", P + "/checkpoint"), 200).get("checkpoint_sequence_number").asLong(),
                "checkpoint/sync issued no checkpoint request");
            error(send("POST", P + "/stop"), 501, "NOT_SUPPORTED");
            error(send("POST", "/v0/pipelines/other/approve"), 404, "UNKNOWN_PIPELINE_NAME");
        }
    }

    @Test
    void failedPipelineShowsItsErrorAndStopCallsTheHost() throws Exception
    {
        final List<Boolean> stops = new CopyOnWriteArrayList<>();
        try (KeelPipeline pipeline = Keel.launch(new EngineContext().threadingMode(ThreadingMode.SHARED)
            .pipelineName("ctl"), p -> p.view("out", p.zsetTable("in", SCHEMA)));
            ControlServer server = ControlServer.start(new ControlServer.Context().pipeline(pipeline)
                .pipelineName("ctl").stopHandler(stops::add)))
        {
            port = server.port();
            error(send("POST", P + "/checkpoint"), 409, "NO_CHECKPOINT_STORE");
            error(send("GET", P + "/checkpoints"), 409, "NO_CHECKPOINT_STORE");

            assertEquals(true, json(send("POST", P + "/stop"), 202).get("checkpoint_on_close").asBoolean());
            assertEquals(false, json(send("POST", P + "/stop?force=true"), 202).get("checkpoint_on_close").asBoolean());
            error(send("POST", P + "/stop?force=maybe"), 400, "INVALID_PARAMETER");
            assertEquals(List.of(false, true), stops);

            // the failure an endpoint would report, through the lifecycle's error handler
            pipeline.circuit().lifecycle().onError(new KeelException(KeelException.Category.CONNECTOR,
                "INPUT_PARSE_ERROR", "endpoint 'in': bad record"));
            final JsonNode status = json(send("GET", P), 200);
            assertEquals("Failed", status.get("deployment_status").asText(), status.toString());
            assertEquals("INPUT_PARSE_ERROR", status.get("deployment_error").get("error_code").asText());
            assertEquals("CONNECTOR", status.get("deployment_error").get("details").get("category").asText());
            assertTrue(status.get("deployment_error").get("message").asText().contains("bad record"));
            error(send("POST", P + "/resume"), 409, "ILLEGAL_PIPELINE_ACTION");
        }
    }

    @Test
    void bearerTokenIsRequiredWhenSet() throws Exception
    {
        final String secret = "s3cret-" + UUID.randomUUID();
        final ControlServer.Context ctx = new ControlServer.Context().bearerToken(secret).pipelineName("ctl");
        try (KeelPipeline pipeline = Keel.launch(new EngineContext().threadingMode(ThreadingMode.SHARED)
            .pipelineName("ctl"), p -> p.view("out", p.zsetTable("in", SCHEMA)));
            ControlServer server = ControlServer.start(ctx.pipeline(pipeline)))
        {
            port = server.port();
            assertFalse(ctx.toString().contains(secret), ctx.toString());
            for (final String path : new String[]{ P, "/status", "/nope" })
            {
                final HttpResponse<String> missing = send("GET", path);
                error(missing, 401, "UNAUTHORIZED");
                assertEquals("Bearer", missing.headers().firstValue("WWW-Authenticate").orElse(""));
            }
            token = "Bearer wrong";
            final HttpResponse<String> wrong = send("GET", P);
            error(wrong, 401, "UNAUTHORIZED");
            assertFalse(wrong.body().contains(secret) || wrong.body().contains("wrong"), wrong.body());
            token = "Bearer " + secret.substring(0, secret.length() - 1);
            error(send("GET", P), 401, "UNAUTHORIZED");
            token = "Basic " + secret;
            error(send("GET", P), 401, "UNAUTHORIZED");

            token = "Bearer " + secret;
            assertEquals("Running", json(send("GET", P), 200).get("deployment_status").asText());
            error(send("GET", "/nope"), 404, "NOT_FOUND");
            token = "bearer " + secret;
            assertEquals(200, send("GET", "/status").statusCode(), "the scheme is case-insensitive");
        }
    }

    private KeelPipeline launch(final CheckpointStore store)
    {
        return Keel.launch(new EngineContext()
            .threadingMode(ThreadingMode.SHARED)
            .pipelineName("ctl")
            .faultTolerance()
            .faultToleranceModel(FaultToleranceModel.NONE)
            .checkpointStore(store)
            .checkpointRequestsDir(dir.resolve("checkpoints"))
            .context(), p -> p.view("out", p.zsetTable("in", SCHEMA)));
    }

    private JsonNode await(final String path, final Predicate<JsonNode> done) throws Exception
    {
        final long deadline = System.nanoTime() + 30_000_000_000L;
        while (true)
        {
            final JsonNode body = json(send("GET", path), 200);
            if (done.test(body))
            {
                return body;
            }
            assertTrue(System.nanoTime() < deadline, path + ": " + body);
            Thread.sleep(5);
        }
    }

    private static JsonNode json(final HttpResponse<String> response, final int status) throws Exception
    {
        assertEquals(status, response.statusCode(), response.uri() + ": " + response.body());
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElse(""));
        return JSON.readTree(response.body());
    }

    /** Asserts Feldera's error shape and returns the body. */
    private static JsonNode error(final HttpResponse<String> response, final int status, final String code)
        throws Exception
    {
        final JsonNode body = json(response, status);
        assertEquals(code, body.get("error_code").asText(), body.toString());
        assertFalse(body.get("message").asText().isEmpty(), body.toString());
        assertTrue(body.get("details").isObject(), body.toString());
        return body;
    }

    private HttpResponse<String> send(final String method, final String path) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .method(method, HttpRequest.BodyPublishers.noBody());
        if (null != token)
        {
            request.header("Authorization", token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
