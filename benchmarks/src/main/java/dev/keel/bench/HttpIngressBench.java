package dev.keel.bench;

import dev.keel.engine.config.PipelineConfigParser;
import dev.keel.tools.ControlServer;
import dev.keel.tools.KeelNode;
import dev.keel.tools.ProgramRegistry;
import org.HdrHistogram.Histogram;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * HTTP ingress at a fixed rate: a real node ({@code trades-vwap}, one {@code http_input}, the view to a
 * {@code file_output}, storage in a temporary directory) and its control server on loopback; a {@link HttpClient}
 * sends {@code requestsPerSecond} requests of
 * {@code recordsPerRequest} JSON records each, on a fixed schedule (open loop: each latency is measured from the
 * request's scheduled send time to its answer, so a stall counts against every request it delays), for
 * {@code seconds} after as many seconds of warm-up; per model ({@code exactly_once}: the answer waits until the
 * records are durable in the journal; {@code none}: until they are accepted). Prints records/s acknowledged and
 * the ack latency percentiles (HdrHistogram), and counts answers other than 200.
 * <pre>
 *   java -cp benchmarks.jar dev.keel.bench.HttpIngressBench requestsPerSecond recordsPerRequest seconds [model...]
 * </pre>
 */
public final class HttpIngressBench
{
    private HttpIngressBench()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final int rate = Integer.parseInt(args[0]);
        final int perRequest = Integer.parseInt(args[1]);
        final int seconds = Integer.parseInt(args[2]);
        final String[] models = args.length > 3 ?
            java.util.Arrays.copyOfRange(args, 3, args.length) : new String[]{ "exactly_once", "none" };
        for (final String model : models)
        {
            run(model, rate, perRequest, seconds);
        }
    }

    private static void run(final String model, final int rate, final int perRequest, final int seconds)
        throws Exception
    {
        final Path dir = Files.createTempDirectory("keel-http-bench");
        final String storage = "none".equals(model) ? "" : "\"storage_config\": {\"path\": \"" +
            dir.resolve("storage").toString().replace("\\", "/") + "\"},";
        final String config = "{\"name\": \"bench\", " + storage +
            "\"fault_tolerance\": {\"model\": \"" + model + "\", \"checkpoint_interval_secs\": 60}," +
            "\"inputs\": {\"trades\": {\"stream\": \"trades\", \"transport\": {\"name\": \"http_input\"}}}," +
            "\"outputs\": {\"vwap\": {\"stream\": \"vwap\", \"transport\": {\"name\": \"file_output\", " +
            "\"config\": {\"path\": \"" + dir.resolve("vwap.json").toString().replace("\\", "/") + "\"}}, " +
            "\"format\": {\"name\": \"json\"}}}}";
        try (KeelNode node =
                KeelNode.launch(PipelineConfigParser.parse(config), ProgramRegistry.resolve("trades-vwap"));
            ControlServer server = ControlServer.start(new ControlServer.Context()
                .address(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .pipeline(node.pipeline()).pipelineName("bench")
                .httpEndpoints(node.httpEndpoints(), "exactly_once".equals(model))))
        {
            final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            final URI uri = URI.create("http://127.0.0.1:" + server.port() +
                "/v0/pipelines/bench/ingress/trades?update_format=raw");
            final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            final AtomicLong acked = new AtomicLong();
            final AtomicLong refused = new AtomicLong();
            final java.util.Map<String, AtomicLong> statuses = new java.util.concurrent.ConcurrentSkipListMap<>();
            final ConcurrentLinkedQueue<CompletableFuture<?>> inFlight = new ConcurrentLinkedQueue<>();
            final long intervalNs = TimeUnit.SECONDS.toNanos(1) / rate;
            final long total = (long)rate * seconds * 2;
            final long startNs = System.nanoTime();
            final long measureFromNs = startNs + TimeUnit.SECONDS.toNanos(seconds);
            long id = 0;
            for (long i = 0; i < total; i++)
            {
                final long scheduledNs = startNs + i * intervalNs;
                long now;
                while ((now = System.nanoTime()) < scheduledNs)
                {
                    LockSupport.parkNanos(Math.min(scheduledNs - now, 200_000));
                }
                final StringBuilder body = new StringBuilder(perRequest * 80);
                for (int r = 0; r < perRequest; r++, id++)
                {
                    body.append("{\"id\":").append(id).append(",\"symbol\":\"S").append(id % 64)
                        .append("\",\"price\":").append(100 + id % 100).append(",\"qty\":1,\"ts\":").append(id)
                        .append("}\n");
                }
                final boolean measured = scheduledNs >= measureFromNs;
                inFlight.add(http.sendAsync(HttpRequest.newBuilder(uri)
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                    HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) ->
                    {
                        final long answeredNs = System.nanoTime();
                        if (null == error && response.statusCode() == 200)
                        {
                            if (measured)
                            {
                                synchronized (latency)
                                {
                                    latency.recordValue(answeredNs - scheduledNs);
                                }
                                acked.addAndGet(perRequest);
                            }
                        }
                        else if (measured)
                        {
                            refused.incrementAndGet();
                            statuses.computeIfAbsent(null == error ? String.valueOf(response.statusCode()) :
                                error.getClass().getSimpleName(), k -> new AtomicLong()).incrementAndGet();
                        }
                    }));
                while (inFlight.size() > 256 && inFlight.peek().isDone())
                {
                    inFlight.poll();
                }
            }
            for (final CompletableFuture<?> future : inFlight)
            {
                future.handle((r, e) -> null).get(60, TimeUnit.SECONDS);
            }
            final double measuredSeconds = (System.nanoTime() - measureFromNs) / 1e9;
            System.out.printf("model=%s rate=%d req/s x %d records: acked %.0f records/s over %.1f s, " +
                "p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms, max %.2f ms, non-200 answers %d %s%n", model, rate,
                perRequest, acked.get() / measuredSeconds, measuredSeconds,
                latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6,
                latency.getValueAtPercentile(99.9) / 1e6, latency.getMaxValue() / 1e6, refused.get(), statuses);
        }
    }
}
