package dev.keel.tools;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.ft.CheckpointStatus;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The node's HTTP control API, on a loopback address by default:
 * <ul>
 * <li>{@code GET /status}: {@code {"pipeline": ..., "state": ..., "errors": n, "failure": ...}};</li>
 * <li>{@code GET /metrics}: every counter in Prometheus text format;</li>
 * <li>{@code POST /pause}, {@code POST /resume}: stop and restart taking input.</li>
 * </ul>
 * One thread serves requests; none of them touches the circuit's thread.
 */
public final class ControlServer implements AutoCloseable
{
    private final HttpServer server;
    private final KeelPipeline pipeline;
    private final String pipelineName;

    private ControlServer(final HttpServer server, final KeelPipeline pipeline, final String pipelineName)
    {
        this.server = server;
        this.pipeline = pipeline;
        this.pipelineName = pipelineName;
    }

    /** Starts serving on {@code address} (port 0 picks a free port; see {@link #port()}). */
    public static ControlServer start(
        final InetSocketAddress address, final KeelPipeline pipeline, final String pipelineName) throws IOException
    {
        final HttpServer server = HttpServer.create(address, 16);
        final ControlServer control = new ControlServer(server, pipeline, pipelineName);
        server.createContext("/status", control::status);
        server.createContext("/metrics", control::metrics);
        server.createContext("/pause", exchange -> control.command(exchange, true));
        server.createContext("/resume", exchange -> control.command(exchange, false));
        server.createContext("/checkpoint", control::checkpoint);
        server.createContext("/checkpoint_status", control::checkpointStatus);
        server.start();
        return control;
    }

    public int port()
    {
        return server.getAddress().getPort();
    }

    public void close()
    {
        server.stop(0);
    }

    private void status(final HttpExchange exchange) throws IOException
    {
        if (!"GET".equals(exchange.getRequestMethod()))
        {
            reply(exchange, 405, "text/plain", "use GET\n");
            return;
        }
        final Throwable failure = pipeline.failure();
        final String body = "{\"pipeline\":" + quote(pipelineName) + ",\"state\":" + quote(pipeline.state().name()) +
            ",\"errors\":" + pipeline.errorCount() +
            ",\"failure\":" + (null == failure ? "null" : quote(String.valueOf(failure.getMessage()))) + "}\n";
        reply(exchange, 200, "application/json", body);
    }

    private void metrics(final HttpExchange exchange) throws IOException
    {
        if (!"GET".equals(exchange.getRequestMethod()))
        {
            reply(exchange, 405, "text/plain", "use GET\n");
            return;
        }
        reply(exchange, 200, "text/plain; version=0.0.4", PrometheusExporter.export(pipeline.counters()));
    }

    private void command(final HttpExchange exchange, final boolean pause) throws IOException
    {
        if (!"POST".equals(exchange.getRequestMethod()))
        {
            reply(exchange, 405, "text/plain", "use POST\n");
            return;
        }
        try
        {
            if (pause)
            {
                pipeline.pause();
            }
            else
            {
                pipeline.resume();
            }
            reply(exchange, 200, "application/json", "{\"state\":" + quote(pipeline.state().name()) + "}\n");
        }
        catch (final RuntimeException ex)
        {
            reply(exchange, 409, "application/json", "{\"error\":" + quote(String.valueOf(ex.getMessage())) + "}\n");
        }
    }

    /** {@code POST /checkpoint}: requests a checkpoint, returns its sequence number at once. */
    private void checkpoint(final HttpExchange exchange) throws IOException
    {
        if (!"POST".equals(exchange.getRequestMethod()))
        {
            reply(exchange, 405, "text/plain", "use POST\n");
            return;
        }
        try
        {
            final long seq = pipeline.checkpoint();
            reply(exchange, 200, "application/json", "{\"checkpoint_sequence_number\":" + seq + "}\n");
        }
        catch (final RuntimeException ex)
        {
            reply(exchange, 409, "application/json", "{\"error\":" + quote(String.valueOf(ex.getMessage())) + "}\n");
        }
    }

    /** {@code GET /checkpoint_status?seq=N}: Success, Failure (with the error), InProgress or Unknown. */
    private void checkpointStatus(final HttpExchange exchange) throws IOException
    {
        if (!"GET".equals(exchange.getRequestMethod()))
        {
            reply(exchange, 405, "text/plain", "use GET\n");
            return;
        }
        final String query = exchange.getRequestURI().getQuery();
        final long seq;
        try
        {
            if (null == query || !query.startsWith("seq="))
            {
                throw new NumberFormatException("missing");
            }
            seq = Long.parseLong(query.substring(4));
        }
        catch (final NumberFormatException ex)
        {
            reply(exchange, 400, "application/json", "{\"error\":" + quote("query seq=N is required, got " + query) +
                "}\n");
            return;
        }
        try
        {
            final CheckpointStatus status = pipeline.checkpointStatus(seq);
            final String error = status instanceof CheckpointStatus.Failure ?
                quote(((CheckpointStatus.Failure)status).error()) : "null";
            reply(exchange, 200, "application/json", "{\"seq\":" + seq + ",\"status\":" +
                quote(status.getClass().getSimpleName()) + ",\"error\":" + error + "}\n");
        }
        catch (final RuntimeException ex)
        {
            reply(exchange, 409, "application/json", "{\"error\":" + quote(String.valueOf(ex.getMessage())) + "}\n");
        }
    }

    private static void reply(final HttpExchange exchange, final int code, final String type, final String body)
        throws IOException
    {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = exchange.getResponseBody())
        {
            out.write(bytes);
        }
    }

    static String quote(final String value)
    {
        return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(value)) + '"';
    }
}
