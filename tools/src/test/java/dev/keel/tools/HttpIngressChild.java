package dev.keel.tools;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What the HTTP-ingress crash tests share: a {@code keel run} child with its control API on a free loopback port,
 * the port read from its log, and numbered batches of trades posted to {@code trades-vwap}'s {@code trades} table
 * (batch {@code b} is {@code perBatch} trades of symbol {@code B<b>}, so that the output shows whether a batch is
 * there exactly once and whole).
 */
final class HttpIngressChild
{
    private static final Pattern PORT = Pattern.compile("control API on http://127\\.0\\.0\\.1:(\\d+)/");

    private HttpIngressChild()
    {
    }

    /** A client for the child's API: connections refused by a killed child fail fast. */
    static HttpClient client()
    {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    }

    /**
     * Starts {@code keel run --config config --http-port 0} (no {@code --exit-at-eoi}: HTTP input has no end).
     *
     * @param maxHeap the child's {@code -Xmx} option.
     */
    static Process start(final Path config, final Path log, final String maxHeap) throws IOException
    {
        final List<String> command = new ArrayList<>(CrashHarness.keelCommand(maxHeap));
        command.add("run");
        command.add("--config");
        command.add(config.toString());
        command.add("--http-port");
        command.add("0");
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** The port the child's control API listens on, from its log; fails if the child dies or 60 s pass first. */
    static int awaitPort(final Process process, final Path log) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true)
        {
            final String text = Files.exists(log) ? Files.readString(log) : "";
            final Matcher matcher = PORT.matcher(text);
            if (matcher.find())
            {
                return Integer.parseInt(matcher.group(1));
            }
            assertTrue(process.isAlive() && System.nanoTime() < deadline, "no control API line: " + text);
            Thread.sleep(5);
        }
    }

    /** Waits until the child's log holds {@code line}; fails if the child dies or 60 s pass first. */
    static void awaitLine(final Process process, final Path log, final String line) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(log) && Files.readString(log).contains(line)))
        {
            assertTrue(process.isAlive() && System.nanoTime() < deadline, "no '" + line + "' in " + log);
            Thread.sleep(5);
        }
    }

    /**
     * Waits until the child's pipeline reports {@code deployment_status} {@code Running} on its API: its output file
     * may hold lines of an earlier run that the restore is about to truncate and the replay to write again, so it
     * means something only after recovery. Fails if the child dies or 60 s pass first.
     */
    static void awaitRunning(final HttpClient http, final Process process, final int port, final String pipeline)
        throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String body = "";
        while (true)
        {
            try
            {
                body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v0/pipelines/" +
                    pipeline)).timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString())
                    .body();
                if (body.contains("\"deployment_status\":\"Running\""))
                {
                    return;
                }
            }
            catch (final IOException ex)
            {
                body = ex.toString();
            }
            assertTrue(process.isAlive() && System.nanoTime() < deadline, "pipeline not Running: " + body);
            Thread.sleep(20);
        }
    }

    /**
     * Posts batch {@code batch} (JSON lines, {@code update_format=raw}) to the {@code trades} table of pipeline
     * {@code pipeline} and returns the HTTP status; 200 with {@code exactly_once} means the batch is durable.
     *
     * @throws IOException when the child refuses or resets the connection (e.g. it was killed meanwhile).
     */
    static int post(final HttpClient http, final int port, final String pipeline, final int batch,
        final int perBatch) throws IOException, InterruptedException
    {
        final StringBuilder body = new StringBuilder(perBatch * 64);
        for (int i = 0; i < perBatch; i++)
        {
            body.append("{\"id\":").append(batch * perBatch + i).append(",\"symbol\":\"B").append(batch)
                .append("\",\"price\":").append(100 + i).append(",\"qty\":1,\"ts\":").append(batch).append("}\n");
        }
        return http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/v0/pipelines/" + pipeline + "/ingress/trades?update_format=raw"))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
