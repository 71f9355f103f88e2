package dev.keel.tools;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.circuit.PipelineState;
import dev.keel.engine.connector.format.Format;
import dev.keel.engine.connector.format.FormatSettings;
import dev.keel.engine.connector.format.UpdateFormat;
import dev.keel.engine.connector.http.EgressClient;
import dev.keel.engine.connector.http.HttpEndpoints;
import dev.keel.engine.connector.http.HttpInputEndpoint;
import dev.keel.engine.connector.http.HttpOutputEndpoint;
import dev.keel.engine.connector.http.IngressException;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.tools.HttpRouter.ApiError;
import dev.keel.tools.HttpRouter.Request;
import dev.keel.tools.HttpRouter.Response;
import org.agrona.ExpandableDirectByteBuffer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static dev.keel.tools.HttpRouter.JSON;
import static dev.keel.tools.HttpRouter.details;

/**
 * {@code POST /v0/pipelines/{name}/ingress/{table}} and {@code GET /v0/pipelines/{name}/egress/{view}}: the HTTP
 * side of the {@code http_input} and {@code http_output} endpoints ({@link HttpEndpoints}). Neither runs on the
 * control server's one thread: an ingress request is read, parsed and submitted on a small bounded pool, and its
 * answer, which with {@code exactly_once} waits for the journal, is sent when the endpoint's acknowledgement
 * completes (no thread waits meanwhile; a watchdog fails the answers of a pipeline that failed, and after
 * {@value #DURABLE_TIMEOUT_SECONDS} s); an egress stream has a thread of its own, up to
 * {@value #MAX_EGRESS_CLIENTS} at once. Beyond either bound the answer is 503 with {@code Retry-After}.
 */
final class HttpConnectorRoutes implements AutoCloseable
{
    static final int INGRESS_THREADS = 4;
    static final int INGRESS_QUEUE = 64;
    static final int MAX_EGRESS_CLIENTS = 32;
    static final long MAX_BODY_BYTES = 256L << 20;
    static final long DURABLE_TIMEOUT_SECONDS = 60;
    static final long DURABLE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(DURABLE_TIMEOUT_SECONDS);
    private static final String RETRY_AFTER_SECONDS = "1";

    private final HttpEndpoints endpoints;
    private final ServedNode node;
    private final String pipelineName;
    private final boolean durableAck;
    private final ThreadPoolExecutor ingress;
    private final AtomicInteger egressClients = new AtomicInteger();
    private final Set<Waiting> awaiting = ConcurrentHashMap.newKeySet();
    private final HttpInputEndpoint[] inputEndpoints;
    private final Thread answers;
    private volatile boolean closed;

    HttpConnectorRoutes(
        final HttpEndpoints endpoints, final ServedNode node, final String pipelineName, final boolean durableAck)
    {
        this.endpoints = endpoints;
        this.node = node;
        this.pipelineName = pipelineName;
        this.durableAck = durableAck;
        final AtomicInteger threads = new AtomicInteger();
        this.ingress = new ThreadPoolExecutor(INGRESS_THREADS, INGRESS_THREADS, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(INGRESS_QUEUE), runnable ->
            {
                final Thread thread = new Thread(runnable, "keel-ingress-" + threads.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            });
        // completes the acknowledgements, sends the answers of durable requests and runs the watchdog: the
        // endpoints' agents (perhaps on the circuit's thread) only unpark it
        this.inputEndpoints = endpoints.inputs().values().toArray(new HttpInputEndpoint[0]);
        this.answers = new Thread(this::acknowledge, "keel-ingress-answers");
        answers.setDaemon(true);
        for (final HttpInputEndpoint endpoint : inputEndpoints)
        {
            endpoint.acknowledgedBy(answers);
        }
        answers.start();
    }

    private void acknowledge()
    {
        long nextWatchdogNs = System.nanoTime();
        while (!closed || !awaiting.isEmpty())
        {
            for (final HttpInputEndpoint endpoint : inputEndpoints)
            {
                endpoint.completeDurable();
            }
            final long nowNs = System.nanoTime();
            if (nowNs - nextWatchdogNs >= 0 || closed)
            {
                nextWatchdogNs = nowNs + TimeUnit.MILLISECONDS.toNanos(50);
                watchdog();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    HttpRouter routes(final HttpRouter router, final String v0)
    {
        return router
            .exchangeRoute("POST", v0 + "/ingress/{table}", Set.of("format", "update_format"), this::ingress)
            .exchangeRoute("GET", v0 + "/egress/{view}", Set.of("format"), this::egress);
    }

    private void ingress(final HttpExchange exchange, final Request request) throws IOException
    {
        try
        {
            ingress.execute(() -> serveAsync(exchange, request));
        }
        catch (final RejectedExecutionException ex)
        {
            HttpRouter.drain(exchange.getRequestBody());
            reply(exchange, new ApiError(503, "INGRESS_BUSY", "every ingress thread of this node is busy (" +
                INGRESS_THREADS + " threads, " + INGRESS_QUEUE + " queued requests); retry later",
                Map.of(), Map.of("Retry-After", RETRY_AFTER_SECONDS)));
        }
    }

    private void egress(final HttpExchange exchange, final Request request) throws IOException
    {
        HttpRouter.drain(exchange.getRequestBody());
        final HttpOutputEndpoint endpoint;
        try
        {
            checkName(request);
            endpoint = egressEndpoint(request);
        }
        catch (final ApiError error)
        {
            reply(exchange, error);
            return;
        }
        if (egressClients.incrementAndGet() > MAX_EGRESS_CLIENTS || closed)
        {
            egressClients.decrementAndGet();
            reply(exchange, new ApiError(503, "EGRESS_BUSY", "this node streams to " + MAX_EGRESS_CLIENTS +
                " egress clients at most; retry later", Map.of(), Map.of("Retry-After", RETRY_AFTER_SECONDS)));
            return;
        }
        final Thread thread = new Thread(() ->
        {
            try
            {
                stream(exchange, endpoint);
            }
            finally
            {
                egressClients.decrementAndGet();
            }
        }, "keel-egress-" + endpoint.view());
        thread.setDaemon(true);
        thread.start();
    }

    private void checkName(final Request request)
    {
        final String name = request.path("name");
        if (!pipelineName.equals(name))
        {
            throw new ApiError(404, "UNKNOWN_PIPELINE_NAME", "unknown pipeline '" + name + "': this node runs '" +
                pipelineName + "'", details("pipeline_name", name, "known", pipelineName));
        }
    }

    private CompletableFuture<Response> ingress(final InputStream bodyStream, final Request request)
        throws IOException
    {
        final byte[] body;
        try (InputStream in = bodyStream)
        {
            checkName(request);
            final String table = request.path("table");
            final KeelPipeline pipeline = node.pipeline();
            if (null == pipeline)
            {
                throw new ApiError(503, "PIPELINE_NOT_READY", "table '" + table + "': the pipeline is " +
                    node.state() + " and not launched yet; nothing was accepted",
                    details("table", table, "state", node.state().name()));
            }
            final HttpInputEndpoint endpoint = endpoints.input(table);
            if (null == endpoint)
            {
                final boolean exists = pipeline.circuit().program().tables().containsKey(table);
                throw new ApiError(404, "UNKNOWN_INPUT_TABLE", exists ?
                    "table '" + table + "' has no http_input endpoint: add one to the config, e.g. \"inputs\": {\"" +
                    table + "_http\": {\"stream\": \"" + table + "\", \"transport\": {\"name\": \"http_input\"}}}" :
                    "no input table '" + table + "'; tables with an http_input endpoint: " +
                    endpoints.inputs().keySet(), details("table", table, "http_tables", endpoints.inputs().keySet()));
            }
            final FormatSettings format = format(endpoint.defaultFormat(), request);
            body = in.readNBytes((int)MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES)
            {
                throw new ApiError(413, "BODY_TOO_LARGE", "table '" + table + "': a request body takes at most " +
                    MAX_BODY_BYTES + " bytes; split it", details("table", table, "max_bytes", MAX_BODY_BYTES));
            }
            return ingest(endpoint, format, body);
        }
    }

    private CompletableFuture<Response> ingest(
        final HttpInputEndpoint endpoint, final FormatSettings format, final byte[] body)
    {
        final String table = endpoint.table();
        final PipelineState state = node.state();
        if (state == PipelineState.FAILED || state == PipelineState.STOPPED)
        {
            throw new ApiError(503, "PIPELINE_UNAVAILABLE", "table '" + table + "': the pipeline is " + state +
                "; nothing was accepted", details("table", table, "state", state.name()));
        }
        final HttpInputEndpoint.Ack ack;
        try
        {
            final ZSetBatch batch = endpoint.parse(body, format);
            ack = endpoint.submit(batch, body.length);
        }
        catch (final IngressException ex)
        {
            switch (ex.kind())
            {
                case BAD_RECORD:
                    throw new ApiError(400, "PARSE_ERROR", ex.getMessage(),
                        details("table", table, "line", ex.line(), "offset", ex.offset()));
                case FULL:
                    throw new ApiError(503, "INGRESS_BUFFER_FULL", ex.getMessage(),
                        details("table", table, "max_queued_records", endpoint.maxQueuedRecords()),
                        Map.of("Retry-After", RETRY_AFTER_SECONDS));
                case TOO_LARGE:
                    throw new ApiError(413, "BODY_TOO_LARGE", ex.getMessage(), details("table", table));
                default:
                    throw new ApiError(503, "PIPELINE_UNAVAILABLE", ex.getMessage(), details("table", table),
                        Map.of("Retry-After", RETRY_AFTER_SECONDS));
            }
        }
        final ObjectNode answer = JSON.createObjectNode();
        answer.put("table", table);
        answer.put("records", ack.records());
        answer.put("durable", durableAck);
        final Response ok = Response.json(200, answer);
        if (!durableAck)
        {
            return CompletableFuture.completedFuture(ok);
        }
        // no thread waits: the answer leaves when the endpoint's agent completes the ack, or the watchdog gives up
        final CompletableFuture<Response> answerFuture = new CompletableFuture<>();
        final Waiting waiting = new Waiting(table, answerFuture, System.nanoTime() + DURABLE_TIMEOUT_NS);
        awaiting.add(waiting);
        ack.durable().whenComplete((ignored, error) ->
        {
            awaiting.remove(waiting);
            if (null == error)
            {
                answerFuture.complete(ok);
            }
            else
            {
                final Throwable cause = error instanceof java.util.concurrent.CompletionException &&
                    null != error.getCause() ? error.getCause() : error;
                answerFuture.completeExceptionally(new ApiError(503, "PIPELINE_UNAVAILABLE",
                    String.valueOf(cause.getMessage()), details("table", table)));
            }
        });
        return answerFuture;
    }

    /** An answer waiting for its records to be durable. */
    private record Waiting(String table, CompletableFuture<Response> answer, long deadlineNs)
    {
    }

    /** Fails the answers still waiting when the pipeline failed or stopped, or their time is up; every 50 ms. */
    private void watchdog()
    {
        if (awaiting.isEmpty())
        {
            return;
        }
        final PipelineState state = node.state();
        final boolean gone = state == PipelineState.FAILED || state == PipelineState.STOPPED || closed;
        final long nowNs = System.nanoTime();
        for (final Waiting waiting : awaiting)
        {
            if (gone)
            {
                waiting.answer.completeExceptionally(new ApiError(503, "PIPELINE_UNAVAILABLE", "table '" +
                    waiting.table + "': the pipeline is " + state + " and the records were accepted but are not " +
                    "known to be durable; they may or may not appear after a restart",
                    details("table", waiting.table, "state", state.name())));
                awaiting.remove(waiting);
            }
            else if (nowNs - waiting.deadlineNs > 0)
            {
                waiting.answer.completeExceptionally(new ApiError(504, "DURABILITY_TIMEOUT", "table '" +
                    waiting.table + "': the records were accepted but the journal did not make them durable within " +
                    TimeUnit.NANOSECONDS.toSeconds(DURABLE_TIMEOUT_NS) + " s (pipeline " + state + "); they will " +
                    "be processed, do not resend them", details("table", waiting.table, "state", state.name())));
                awaiting.remove(waiting);
            }
        }
    }

    private static FormatSettings format(final FormatSettings defaults, final Request request)
    {
        final String formatName = request.query().get("format");
        final String updateName = request.query().get("update_format");
        final Format format;
        try
        {
            format = null == formatName ? defaults.format() : Format.fromConfigName(formatName);
        }
        catch (final IllegalArgumentException ex)
        {
            throw HttpRouter.badParameter("format", "'" + formatName + "' is not a format; allowed: json, csv");
        }
        if (null != updateName && format != Format.JSON)
        {
            throw HttpRouter.badParameter("update_format", "applies to format json only");
        }
        final FormatSettings.Builder builder;
        if (format == defaults.format())
        {
            builder = FormatSettings.builder(format).updateFormat(defaults.updateFormat())
                .csvHeader(defaults.csvHeader()).csvWeightColumn(defaults.csvWeightColumn())
                .csvDelimiter(defaults.csvDelimiter());
        }
        else
        {
            builder = FormatSettings.builder(format);
        }
        if (null != updateName)
        {
            try
            {
                builder.updateFormat(UpdateFormat.fromConfigName(updateName));
            }
            catch (final IllegalArgumentException ex)
            {
                throw HttpRouter.badParameter("update_format", "'" + updateName + "' is not an update format; " +
                    "allowed: insert_delete, raw");
            }
        }
        return builder.build();
    }

    private HttpOutputEndpoint egressEndpoint(final Request request)
    {
        final String view = request.path("view");
        final String formatName = request.query().get("format");
        if (null != formatName && !"json".equals(formatName))
        {
            throw HttpRouter.badParameter("format", "'" + formatName + "' is not an egress format; allowed: json");
        }
        final HttpOutputEndpoint endpoint = endpoints.output(view);
        if (null == endpoint)
        {
            throw new ApiError(404, "UNKNOWN_OUTPUT_VIEW", "no view '" + view + "'; views: " +
                endpoints.outputs().keySet(), details("view", view, "views", endpoints.outputs().keySet()));
        }
        return endpoint;
    }

    private void stream(final HttpExchange exchange, final HttpOutputEndpoint endpoint)
    {
        final EgressClient client;
        try
        {
            client = endpoint.subscribe();
        }
        catch (final IllegalStateException ex)
        {
            serve(exchange, () ->
            {
                throw new ApiError(503, "PIPELINE_UNAVAILABLE", ex.getMessage(), details("view", endpoint.view()));
            });
            return;
        }
        final ExpandableDirectByteBuffer buffer = new ExpandableDirectByteBuffer(64 << 10);
        byte[] bytes = new byte[64 << 10];
        try
        {
            exchange.getResponseHeaders().set("Content-Type", "application/x-ndjson");
            exchange.sendResponseHeaders(200, 0);
            try (OutputStream out = exchange.getResponseBody())
            {
                out.flush();
                long idleNs = 0;
                while (!closed)
                {
                    final int length = client.drain(buffer);
                    if (length > 0)
                    {
                        if (bytes.length < length)
                        {
                            bytes = new byte[Math.max(length, bytes.length * 2)];
                        }
                        buffer.getBytes(0, bytes, 0, length);
                        out.write(bytes, 0, length);
                        out.flush();
                        idleNs = 0;
                        continue;
                    }
                    final String dropped = client.dropReason();
                    if (null != dropped && client.isEmpty())
                    {
                        final ObjectNode error = JSON.createObjectNode();
                        error.putObject("error").put("message", dropped).put("error_code", "EGRESS_CLIENT_TOO_SLOW");
                        out.write((JSON.writeValueAsString(error) + "\n").getBytes(StandardCharsets.UTF_8));
                        return;
                    }
                    if (client.isClosed() && client.isEmpty())
                    {
                        return;
                    }
                    // idle: back off to 1 ms between looks
                    idleNs = Math.min(TimeUnit.MILLISECONDS.toNanos(1), idleNs + 50_000);
                    LockSupport.parkNanos(idleNs);
                }
            }
        }
        catch (final IOException ex)
        {
            // the client went away
        }
        finally
        {
            client.close();
            exchange.close();
        }
    }

    /** Serves one ingress request: parses and submits on this thread, answers when its future completes. */
    private void serveAsync(final HttpExchange exchange, final Request request)
    {
        CompletableFuture<Response> answer;
        try
        {
            answer = ingress(exchange.getRequestBody(), request);
        }
        catch (final IOException | RuntimeException ex)
        {
            answer = CompletableFuture.failedFuture(ex);
        }
        answer.whenComplete((response, error) ->
        {
            if (null == error)
            {
                serve(exchange, () -> response);
            }
            else
            {
                final Throwable cause = error instanceof java.util.concurrent.CompletionException &&
                    null != error.getCause() ? error.getCause() : error;
                if (cause instanceof IOException)
                {
                    exchange.close();
                    return;
                }
                serve(exchange, () ->
                {
                    throw cause instanceof RuntimeException ? (RuntimeException)cause : new IllegalStateException(cause);
                });
            }
        });
    }

    /** Serves one request on the calling thread: its answer, or the API error it threw. */
    private void serve(final HttpExchange exchange, final IoSupplier handler)
    {
        try
        {
            Response response;
            Map<String, String> headers = Map.of();
            try
            {
                response = handler.get();
            }
            catch (final ApiError error)
            {
                response = error.toResponse();
                headers = error.headers;
            }
            catch (final RuntimeException ex)
            {
                response = new ApiError(500, "INTERNAL_ERROR", String.valueOf(ex.getMessage()),
                    Map.of("exception", ex.getClass().getName())).toResponse();
            }
            HttpRouter.send(exchange, response, headers);
        }
        catch (final IOException ex)
        {
            exchange.close();
        }
    }

    private static void reply(final HttpExchange exchange, final ApiError error) throws IOException
    {
        HttpRouter.send(exchange, error.toResponse(), error.headers);
    }

    /** Stops taking requests; streams end within a millisecond. */
    public void close()
    {
        closed = true;
        LockSupport.unpark(answers);
        ingress.shutdown();
        try
        {
            if (!ingress.awaitTermination(2, TimeUnit.SECONDS))
            {
                ingress.shutdownNow();
            }
            answers.join(2000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    @FunctionalInterface
    private interface IoSupplier
    {
        Response get() throws IOException;
    }
}
