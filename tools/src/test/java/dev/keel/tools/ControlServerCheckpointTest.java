package dev.keel.tools;

import dev.keel.checkpoint.FileCheckpointStore;
import dev.keel.engine.api.Keel;
import dev.keel.engine.api.EngineContext;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.config.FaultToleranceModel;
import dev.keel.engine.config.ThreadingMode;
import dev.keel.engine.data.Column;
import dev.keel.engine.data.ColumnType;
import dev.keel.engine.data.Schema;
import dev.keel.engine.operators.Agg;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The HTTP control API's checkpoint operations: {@code POST /checkpoint} and {@code GET /checkpoint_status?seq=N}.
 */
class ControlServerCheckpointTest
{
    private static final Schema TRADES = Schema.of(
        Column.of("symbol", ColumnType.STRING), Column.of("qty", ColumnType.INT64));

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void checkpointAndItsStatusOverHttp() throws Exception
    {
        try (KeelPipeline pipeline = Keel.launch(new EngineContext()
            .threadingMode(ThreadingMode.SHARED)
            .faultTolerance()
            .faultToleranceModel(FaultToleranceModel.NONE)
            .checkpointStore(new FileCheckpointStore(new FileCheckpointStore.Context().storageDir(dir)))
            .checkpointRequestsDir(dir.resolve("checkpoints"))
            .context(),
            p -> p.view("volume", p.table("trades", TRADES)
                .aggregate("by_symbol", new String[]{ "symbol" }, Agg.sum("qty", "volume"))));
            ControlServer server = ControlServer.start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), pipeline, "pipeline"))
        {
            final HttpResponse<String> requested = send(server, "/checkpoint", true);
            assertEquals(200, requested.statusCode(), requested.body());
            assertEquals("{\"checkpoint_sequence_number\":1}\n", requested.body());

            String status = "";
            final long deadline = System.nanoTime() + 30_000_000_000L;
            while (!status.contains("\"Success\""))
            {
                assertTrue(System.nanoTime() < deadline, status);
                status = send(server, "/checkpoint_status?seq=1", false).body();
                Thread.sleep(5);
            }
            assertEquals("{\"seq\":1,\"status\":\"Success\",\"error\":null}\n", status);
            assertTrue(send(server, "/checkpoint_status?seq=9", false).body().contains("\"Unknown\""));
            assertEquals(400, send(server, "/checkpoint_status", false).statusCode());
            assertEquals(405, send(server, "/checkpoint", false).statusCode());
        }
    }

    private HttpResponse<String> send(final ControlServer server, final String path, final boolean post)
        throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.port() + path));
        return http.send(post ? request.POST(HttpRequest.BodyPublishers.noBody()).build() : request.GET().build(),
            HttpResponse.BodyHandlers.ofString());
    }
}
