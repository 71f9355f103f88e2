package dev.keel.tools;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.keel.engine.KeelException;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.status.KeelCounters;
import dev.keel.engine.circuit.PipelineState;
import dev.keel.engine.program.ProgramChange;
import dev.keel.tools.HttpRouter.ApiError;
import dev.keel.tools.HttpRouter.Request;
import dev.keel.tools.HttpRouter.Response;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static dev.keel.tools.HttpRouter.JSON;
import static dev.keel.tools.HttpRouter.details;

/**
 * The node's HTTP control API, Feldera-shaped, on a loopback address by default. The routes are the table in
 * {@link #routes(HttpRouter)} (and in README.md); routing is exact (see {@link HttpRouter}).
 * <p>
 * Feldera's paths live under {@code /v0/pipelines/{name}} for the one pipeline this node runs (another name is
 * 404). {@code deployment_status} uses Feldera's names; Keel's COMPLETED (every input ended, all output delivered)
 * is reported as Feldera does for a pipeline whose inputs are exhausted: {@code Running} with
 * {@code "pipeline_complete": true}. What a host did not provide (a stop handler) answers 501
 * {@code NOT_SUPPORTED} saying what is missing.
 * <p>
 * The server serves a {@link ServedNode}: it may start before the node's pipeline exists, so that STANDBY,
 * BOOTSTRAPPING and REPLAYING are visible on {@code GET /v0/pipelines/{name}}; a route that needs the pipeline
 * answers 503 {@code PIPELINE_NOT_READY} with the state until it exists. {@code POST .../activate} activates a
 * standby (202), or answers 409 {@code ILLEGAL_PIPELINE_ACTION} in any other state. The bare paths of
 * earlier releases ({@code /status}, {@code /metrics}, {@code /pause}, {@code /resume}, {@code /checkpoint},
 * {@code /checkpoint_status}) keep their answers.
 * <p>
 * One thread serves requests, and only through {@link KeelPipeline}'s thread-safe methods: none touches the
 * circuit. HTTP ingress and egress ({@link Context#httpEndpoints}) are handed off to threads of their own
 * ({@link HttpConnectorRoutes}) so that a waiting or streaming client never holds this one. {@link #close()} waits for a request in progress, so that the pipeline (and its counters) can be closed
 * right after.
 */
public final class ControlServer implements AutoCloseable
{
    /** What {@code POST /v0/pipelines/{name}/stop} asks the host to do; called once the 202 is sent. */
    @FunctionalInterface
    public interface StopHandler
    {
        /**
         * Stops the node, on another thread than the caller's (which is the server's).
         *
         * @param force true to stop without the checkpoint on close.
         */
        void stop(boolean force);
    }

    /** Settings of a {@link ControlServer}; {@link #conclude()} validates them. */
    public static final class Context
    {
        private InetSocketAddress address;
        private ServedNode node;
        private String pipelineName;
        private byte[] bearerToken;
        private StopHandler stopHandler;
        private dev.keel.engine.connector.http.HttpEndpoints httpEndpoints;
        private boolean durableIngress;
        private java.util.function.Consumer<PipelineState> desiredStatusListener;

        /** Where to listen; default 127.0.0.1 on a free port. */
        public Context address(final InetSocketAddress address)
        {
            this.address = address;
            return this;
        }

        /** The pipeline served (one the embedder launched); this or {@link #node(ServedNode)} is required. */
        public Context pipeline(final KeelPipeline pipeline)
        {
            this.node = null == pipeline ? null : ServedNode.of(pipeline);
            return this;
        }

        /**
         * The node served, whose pipeline may not exist yet ({@link KeelNode} before and during recovery, or in
         * STANDBY); this or {@link #pipeline(KeelPipeline)} is required.
         */
        public Context node(final ServedNode node)
        {
            this.node = node;
            return this;
        }

        /** Its name, the {@code {name}} of Feldera's paths; required. */
        public Context pipelineName(final String name)
        {
            this.pipelineName = name;
            return this;
        }

        /** A bearer token every request must carry, or null (default) for none; never logged or echoed. */
        public Context bearerToken(final String token)
        {
            this.bearerToken = null == token ? null : token.getBytes(StandardCharsets.UTF_8);
            return this;
        }

        /** What {@code POST .../stop} does; null (default) answers it 501 (the embedding host owns the pipeline). */
        public Context stopHandler(final StopHandler handler)
        {
            this.stopHandler = handler;
            return this;
        }

        /**
         * Serves {@code POST .../ingress/{table}} and {@code GET .../egress/{view}} with these endpoints (a node's
         * {@link KeelNode#httpEndpoints()}); null (default) answers both paths 404.
         *
         * @param endpoints   the node's HTTP endpoints.
         * @param durableAck  true ({@code exactly_once}) to answer an ingress request only once its records are
         *                    durable in the journal, false to answer once they are accepted.
         */
        public Context httpEndpoints(final dev.keel.engine.connector.http.HttpEndpoints endpoints,
            final boolean durableAck)
        {
            this.httpEndpoints = endpoints;
            this.durableIngress = durableAck;
            return this;
        }

        /** Told of every pause (PAUSED) and resume (RUNNING) done through the API (a node records it), or null. */
        public Context desiredStatusListener(final java.util.function.Consumer<PipelineState> listener)
        {
            this.desiredStatusListener = listener;
            return this;
        }

        /** Validates and fills in defaults; called by {@link ControlServer#start(Context)}. */
        public Context conclude()
        {
            if (null == node)
            {
                throw new IllegalArgumentException("ControlServer.Context.pipeline (or node) is required");
            }
            if (null == pipelineName || pipelineName.isEmpty())
            {
                throw new IllegalArgumentException(
                    "ControlServer.Context.pipelineName = " + pipelineName + " is invalid; allowed: a non-empty name");
            }
            if (null != bearerToken && bearerToken.length == 0)
            {
                throw new IllegalArgumentException(
                    "ControlServer.Context.bearerToken is empty; allowed: null (no token) or a non-empty token");
            }
            if (null == address)
            {
                address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
            }
            return this;
        }

        /** Never shows the token. */
        public String toString()
        {
            return "ControlServer.Context{address=" + address + ", pipelineName=" + pipelineName +
                ", bearerToken=" + (null == bearerToken ? "none" : "set") + "}";
        }
    }

    static
    {
        // the JDK server writes the headers and a short body in two packets: without TCP_NODELAY, Nagle's
        // algorithm and the client's delayed ACK hold every answer ~40 ms (read once, when its config loads)
        if (null == System.getProperty("sun.net.httpserver.nodelay"))
        {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private static final String V0 = "/v0/pipelines/{name}";

    private final HttpServer server;
    private final ExecutorService executor;
    private final ServedNode node;
    private final String pipelineName;
    private final StopHandler stopHandler;
    private final HttpConnectorRoutes connectorRoutes;
    private final CheckpointRoutes checkpoints;
    private final java.util.function.Consumer<PipelineState> desiredStatusListener;

    private ControlServer(final HttpServer server, final ExecutorService executor, final Context ctx)
    {
        this.connectorRoutes = null == ctx.httpEndpoints ? null :
            new HttpConnectorRoutes(ctx.httpEndpoints, ctx.node, ctx.pipelineName, ctx.durableIngress);
        this.server = server;
        this.executor = executor;
        this.node = ctx.node;
        this.pipelineName = ctx.pipelineName;
        this.checkpoints = new CheckpointRoutes(this::pipeline, ctx.pipelineName);
        this.stopHandler = ctx.stopHandler;
        this.desiredStatusListener = ctx.desiredStatusListener;
    }

    /** Starts serving on {@code address} (port 0 picks a free port; see {@link #port()}), without a token. */
    public static ControlServer start(
        final InetSocketAddress address, final KeelPipeline pipeline, final String pipelineName) throws IOException
    {
        return start(new Context().address(address).pipeline(pipeline).pipelineName(pipelineName));
    }

    /** Starts serving as {@code ctx} says. */
    public static ControlServer start(final Context ctx) throws IOException
    {
        ctx.conclude();
        final HttpServer server = HttpServer.create(ctx.address, 16);
        final ExecutorService executor = Executors.newSingleThreadExecutor(runnable ->
        {
            final Thread thread = new Thread(runnable, "keel-control");
            thread.setDaemon(true);
            return thread;
        });
        final ControlServer control = new ControlServer(server, executor, ctx);
        final HttpRouter router = control.routes(new HttpRouter()).bearerToken(ctx.bearerToken);
        server.createContext("/", router::dispatch);
        server.setExecutor(executor);
        server.start();
        return control;
    }

    private HttpRouter routes(final HttpRouter router)
    {
        if (null != connectorRoutes)
        {
            connectorRoutes.routes(router, V0);
        }
        return router
            .route("GET", "/v0/pipelines", r -> Response.json(200, JSON.createArrayNode().add(status())))
            .route("GET", V0, named(r -> Response.json(200, status())))
            .route("GET", V0 + "/stats", named(r -> Response.json(200, stats())))
            .route("GET", V0 + "/metrics", named(r -> metrics()))
            .route("POST", V0 + "/pause", named(r -> lifecycle(PipelineState.PAUSED, 202)))
            .route("POST", V0 + "/resume", named(r -> lifecycle(PipelineState.RUNNING, 202)))
            .route("POST", V0 + "/stop", Set.of("force"), named(this::stop))
            .route("POST", V0 + "/checkpoint", named(r -> checkpoints.checkpoint()))
            .route("GET", V0 + "/checkpoint_status", Set.of("seq"), named(checkpoints::checkpointStatus))
            .route("GET", V0 + "/checkpoints", named(r -> checkpoints.checkpoints()))
            .route("POST", V0 + "/checkpoint/sync", named(r -> checkpoints.syncCheckpoint()))
            .route("GET", V0 + "/checkpoint/sync_status", Set.of("uuid"), named(checkpoints::syncStatus))
            .route("POST", V0 + "/activate", named(r -> activate()))
            .route("POST", V0 + "/approve", named(r -> approve()))
            // the bare paths of earlier releases, with their answers
            .route("GET", "/status", r -> Response.json(200, legacyStatus()))
            .route("GET", "/metrics", r -> metrics())
            .route("POST", "/pause", r -> lifecycle(PipelineState.PAUSED, 200))
            .route("POST", "/resume", r -> lifecycle(PipelineState.RUNNING, 200))
            .route("POST", "/checkpoint", r -> checkpoints.checkpoint())
            .route("GET", "/checkpoint_status", Set.of("seq"), checkpoints::legacyCheckpointStatus);
    }

    /** The port listened on. */
    public int port()
    {
        return server.getAddress().getPort();
    }

    /** Stops listening and waits (briefly) for a request in progress, so that the pipeline can be closed next. */
    public void close()
    {
        if (null != connectorRoutes)
        {
            connectorRoutes.close();
        }
        server.stop(0);
        executor.shutdown();
        try
        {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS))
            {
                executor.shutdownNow();
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private HttpRouter.Handler named(final HttpRouter.Handler handler)
    {
        return request ->
        {
            final String name = request.path("name");
            if (!pipelineName.equals(name))
            {
                throw new ApiError(404, "UNKNOWN_PIPELINE_NAME", "unknown pipeline '" + name + "': this node runs '" +
                    pipelineName + "'", details("pipeline_name", name, "known", pipelineName));
            }
            return handler.handle(request);
        };
    }

    private ObjectNode status()
    {
        final PipelineState state = node.state();
        final ObjectNode body = JSON.createObjectNode();
        body.put("name", pipelineName);
        body.put("deployment_status", deploymentStatus(state));
        body.put("pipeline_complete", state == PipelineState.COMPLETED);
        body.put("state", state.name());
        body.put("errors", node.errorCount());
        final Throwable failure = node.failure();
        if (state == PipelineState.FAILED || null != failure)
        {
            body.set("deployment_error", errorOf(failure));
        }
        else
        {
            body.putNull("deployment_error");
        }
        final StandbyFollower.Status standby = node.standbyStatus();
        if (null != standby)
        {
            body.set("standby", standbyOf(standby));
        }
        final KeelPipeline pipeline = node.pipeline();
        final ProgramChange change = null == pipeline ? null : pipeline.programChange();
        if (null != change)
        {
            // what the bootstrap recomputes (or, in AwaitingApproval, would recompute once approved)
            final ObjectNode bootstrap = body.putObject("bootstrap");
            bootstrap.put("awaiting_approval", state == PipelineState.AWAITING_APPROVAL);
            names(bootstrap.putObject("views"), change.addedViews(), change.removedViews(), change.modifiedViews());
            names(bootstrap.putObject("operators"), change.addedOperators(), change.removedOperators(),
                change.modifiedOperators());
            names(bootstrap.putObject("tables"), change.addedTables(), change.removedTables(),
                change.modifiedTables());
            change.recomputedOperators().forEach(bootstrap.putArray("recomputed_operators")::add);
        }
        return body;
    }

    private static void names(
        final ObjectNode node, final List<String> added, final List<String> removed, final List<String> modified)
    {
        added.forEach(node.putArray("added")::add);
        removed.forEach(node.putArray("removed")::add);
        modified.forEach(node.putArray("modified")::add);
    }

    private Response approve()
    {
        final KeelPipeline pipeline = pipeline();
        try
        {
            pipeline.approve();
        }
        catch (final IllegalStateException ex)
        {
            throw new ApiError(409, "ILLEGAL_PIPELINE_ACTION", ex.getMessage(),
                details("state", pipeline.state().name(), "action", "approve"));
        }
        return Response.json(202, status());
    }

    /**
     * Feldera's {@code deployment_status} of a Keel state.
     *
     * @param state the pipeline's state.
     * @return its Feldera name; COMPLETED is {@code Running} (with {@code pipeline_complete} true), as in Feldera.
     */
    static String deploymentStatus(final PipelineState state)
    {
        return switch (state)
        {
            case INITIALIZING -> "Initializing";
            case BOOTSTRAPPING -> "Bootstrapping";
            case REPLAYING -> "Replaying";
            case RUNNING, COMPLETED -> "Running";
            case PAUSED -> "Paused";
            case FAILED -> "Failed";
            case STOPPED -> "Stopped";
            case STANDBY -> "Standby";
            case AWAITING_APPROVAL -> "AwaitingApproval";
        };
    }

    private static ObjectNode standbyOf(final StandbyFollower.Status standby)
    {
        final ObjectNode body = JSON.createObjectNode();
        body.put("bucket", standby.bucket());
        body.put("start_from_checkpoint", standby.startFrom());
        body.put("checkpoint_uuid", null == standby.adopted() ? null : standby.adopted().toString());
        body.put("checkpoint_step", standby.adoptedStep());
        body.put("pulls", standby.pulls());
        body.put("pull_failures", standby.pullFailures());
        body.put("bytes_downloaded", standby.bytesDownloaded());
        body.put("last_files_downloaded", standby.lastFilesDownloaded());
        body.put("last_files_present", standby.lastFilesPresent());
        body.put("last_pull_at", null == standby.lastPullAt() ? null : standby.lastPullAt().toString());
        body.put("last_error", standby.lastError());
        return body;
    }

    private Response activate()
    {
        try
        {
            node.activate();
        }
        catch (final IllegalStateException ex)
        {
            throw new ApiError(409, "ILLEGAL_PIPELINE_ACTION", ex.getMessage(),
                details("state", node.state().name(), "action", "activate"));
        }
        final ObjectNode body = status();
        body.put("activating", true);
        return Response.json(202, body);
    }

    /** The pipeline, or 503 PIPELINE_NOT_READY while the node has none (starting, recovering, in STANDBY). */
    private KeelPipeline pipeline()
    {
        final KeelPipeline pipeline = node.pipeline();
        if (null == pipeline)
        {
            final PipelineState state = node.state();
            throw new ApiError(503, "PIPELINE_NOT_READY", "pipeline '" + pipelineName + "' is " + state +
                (state == PipelineState.STANDBY ? " (POST /v0/pipelines/" + pipelineName + "/activate to run it)" :
                state == PipelineState.FAILED ? "" : "; try again once it replays or runs"),
                details("state", state.name(), "pipeline_name", pipelineName));
        }
        return pipeline;
    }

    private org.agrona.concurrent.status.CountersReader counters()
    {
        return node.counters();
    }

    private static ObjectNode errorOf(final Throwable failure)
    {
        final ObjectNode error = JSON.createObjectNode();
        error.put("message", null == failure ? "unknown error" : String.valueOf(failure.getMessage()));
        final ObjectNode details = JSON.createObjectNode();
        if (failure instanceof KeelException)
        {
            final KeelException keel = (KeelException)failure;
            error.put("error_code", keel.code());
            details.put("category", keel.category().name());
        }
        else
        {
            error.put("error_code", "INTERNAL");
            details.put("exception", null == failure ? null : failure.getClass().getName());
        }
        error.set("details", details);
        return error;
    }

    private ObjectNode legacyStatus()
    {
        final Throwable failure = node.failure();
        final ObjectNode body = JSON.createObjectNode();
        body.put("pipeline", pipelineName);
        body.put("state", node.state().name());
        body.put("errors", node.errorCount());
        body.put("failure", null == failure ? null : String.valueOf(failure.getMessage()));
        return body;
    }

    private Response metrics()
    {
        final org.agrona.concurrent.status.CountersReader counters = counters();
        return new Response(200, "text/plain; version=0.0.4",
            null == counters ? "" : PrometheusExporter.export(counters), null);
    }

    /**
     * Global metrics are this pipeline's counters without a label besides {@code pipeline}; a counter with another
     * label ({@code view=v}, {@code input=i}, ...) goes into the list named after that label ({@code views},
     * {@code inputs}, ...), one entry per value. Metric names are the Prometheus ones without {@code keel_} and
     * {@code _total}, so a counter added to {@link KeelCounters} shows up here without a change.
     */
    private ObjectNode stats()
    {
        final PipelineState state = node.state();
        final org.agrona.concurrent.status.CountersReader counters = counters();
        final ObjectNode global = JSON.createObjectNode();
        global.put("state", deploymentStatus(state));
        global.put("pipeline_complete", state == PipelineState.COMPLETED);
        final Map<String, Map<String, ObjectNode>> groups = new TreeMap<>();
        groups.put("inputs", new TreeMap<>());
        groups.put("outputs", new TreeMap<>());
        final long[] recordsOut = { 0 };
        final String pipelineLabel = "pipeline=" + pipelineName;
        final org.agrona.concurrent.status.CountersReader reader = null == counters ?
            new org.agrona.concurrent.status.CountersReader(new org.agrona.concurrent.UnsafeBuffer(new byte[0]),
            new org.agrona.concurrent.UnsafeBuffer(new byte[0])) : counters;
        reader.forEach((counterId, typeId, keyBuffer, label) ->
        {
            final String metric;
            try
            {
                metric = KeelCounters.metricName(typeId);
            }
            catch (final IllegalArgumentException notOurs)
            {
                return;
            }
            final String[] parts = label.split(" ");
            if (parts.length < 2 || !parts[1].equals(pipelineLabel))
            {
                return; // another pipeline's counter in a shared registry
            }
            final String name = statName(metric);
            final long value = reader.getCounterValue(counterId);
            if (typeId == KeelCounters.RECORDS_OUT_TYPE_ID)
            {
                recordsOut[0] += value;
            }
            final int eq = parts.length > 2 ? parts[2].indexOf('=') : -1;
            if (eq <= 0)
            {
                global.put(name, value);
                return;
            }
            final String group = parts[2].substring(0, eq) + "s";
            final String key = parts[2].substring(eq + 1);
            final ObjectNode entry = groups.computeIfAbsent(group, g -> new TreeMap<>()).computeIfAbsent(key, k ->
            {
                final ObjectNode created = JSON.createObjectNode();
                created.put("name", k);
                created.putObject("metrics");
                return created;
            });
            ((ObjectNode)entry.get("metrics")).put(name, value);
        });
        global.put("records_out", recordsOut[0]);
        final ObjectNode body = JSON.createObjectNode();
        body.put("name", pipelineName);
        body.set("global_metrics", global);
        groups.forEach((group, entries) ->
        {
            final ArrayNode list = body.putArray(group);
            entries.values().forEach(list::add);
        });
        return body;
    }

    static String statName(final String metric)
    {
        String name = metric.startsWith("keel_") ? metric.substring(5) : metric;
        if (name.endsWith("_total"))
        {
            name = name.substring(0, name.length() - 6);
        }
        return name;
    }

    private Response lifecycle(final PipelineState target, final int okStatus)
    {
        final KeelPipeline pipeline = pipeline();
        try
        {
            // asking for the state the pipeline is in is not an error (Feldera's actions are idempotent)
            if (pipeline.state() != target)
            {
                if (target == PipelineState.PAUSED)
                {
                    pipeline.pause();
                }
                else
                {
                    pipeline.resume();
                }
            }
        }
        catch (final IllegalStateException ex)
        {
            throw new ApiError(409, "ILLEGAL_PIPELINE_ACTION", ex.getMessage(),
                details("state", pipeline.state().name(), "action", target == PipelineState.PAUSED ? "pause" : "resume"));
        }
        if (null != desiredStatusListener)
        {
            desiredStatusListener.accept(target);
        }
        final ObjectNode body = okStatus == 200 ? JSON.createObjectNode().put("state", pipeline.state().name()) :
            status();
        return Response.json(okStatus, body);
    }

    private Response stop(final Request request)
    {
        final boolean force = bool(request, "force");
        if (null == stopHandler)
        {
            throw notSupportedError("this control server has no stop handler (ControlServer.Context.stopHandler): " +
                "the host that embeds the pipeline stops it");
        }
        final ObjectNode body = status();
        body.put("stopping", true);
        body.put("checkpoint_on_close", !force);
        return Response.json(202, body).andThen(() -> stopHandler.stop(force));
    }

    private static boolean bool(final Request request, final String name)
    {
        final String value = request.query().get(name);
        if (null == value || "false".equals(value))
        {
            return false;
        }
        if ("true".equals(value) || value.isEmpty())
        {
            return true;
        }
        throw HttpRouter.badParameter(name, "= '" + value + "' is invalid; allowed: true or false");
    }

    private static ApiError notSupportedError(final String message)
    {
        return new ApiError(501, "NOT_SUPPORTED", message, Map.of());
    }

    static String quote(final String value)
    {
        return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(value)) + '"';
    }
}
