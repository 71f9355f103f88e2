package dev.keel.tools;

import dev.keel.engine.api.Keel;
import dev.keel.engine.api.EngineContext;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.config.ThreadingMode;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.Schema;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

class ControlServerTest
{
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void servesStatusMetricsAndPauseResume() throws Exception
    {
        final Schema schema = Schema.of(Column.of("k", ColumnType.INT64));
        try (KeelPipeline pipeline = Keel.launch(new EngineContext().threadingMode(ThreadingMode.SHARED)
            .pipelineName("ctl"), p -> p.view("out", p.zsetTable("in", schema)));
            ControlServer server = ControlServer.start(new InetSocketAddress("127.0.0.1", 0), pipeline, "ctl"))
        {
            final RowWriter row = new RowWriter(schema);
            for (int i = 0; i < 10; i++)
            {
                row.reset().putLong(0, i);
                row.finish();
                assertTrue(pipeline.inputHandle("in").insert(row));
            }
            final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            String metrics;
            do
            {
                metrics = get(server, "/metrics").body();
                Thread.onSpinWait();
            }
            while (!metrics.contains("keel_records_in_total{pipeline=\"ctl\"} 10") && System.nanoTime() < deadline);
            assertTrue(metrics.contains("# TYPE keel_records_in_total counter"), metrics);
            assertTrue(metrics.contains("keel_records_in_total{pipeline=\"ctl\"} 10"), metrics);
            assertTrue(metrics.contains("keel_records_out_total{pipeline=\"ctl\",view=\"out\"} 10"), metrics);

            final HttpResponse<String> status = get(server, "/status");
            assertEquals(200, status.statusCode());
            assertTrue(status.body().contains("\"state\":\"RUNNING\""), status.body());

            assertEquals(405, get(server, "/pause").statusCode(), "pause needs POST");
            assertTrue(post(server, "/pause").body().contains("PAUSED"));
            assertTrue(get(server, "/status").body().contains("\"state\":\"PAUSED\""));
            assertTrue(post(server, "/resume").body().contains("RUNNING"));
        }
    }

    @Test
    void quotesJsonStrings()
    {
        assertEquals("\"a\\\"b\\\\c\\nd\\u0001\"", ControlServer.quote("a\"b\\c\nd\u0001"));
    }

    private HttpResponse<String> get(final ControlServer server, final String path) throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(final ControlServer server, final String path) throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }
}
