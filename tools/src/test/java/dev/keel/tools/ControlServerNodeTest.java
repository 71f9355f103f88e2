package dev.keel.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The control API of a real {@code keel run} child process: {@code POST .../stop} stops it (exit 0) with or without
 * the close checkpoint, SIGTERM logs the close checkpoint and STOPPED (the JUL shutdown no longer closes the
 * handlers first), and a failing pipeline makes it exit 1 with the error printed once.
 */
class ControlServerNodeTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PORT = Pattern.compile("control API on http://127\\.0\\.0\\.1:(\\d+)/");

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void postStopStopsTheNodeWithItsCloseCheckpointAndExitsZero() throws Exception
    {
        final String secret = "tok-" + System.nanoTime();
        final Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, secret + "\n");
        final Path log = dir.resolve("run.log");
        final Process process = start(writeConfig(trades(20, ""), "fail"), log,
            "--http-port", "0", "--http-token-file", tokenFile.toString());
        try
        {
            final int port = awaitPort(process, log);
            assertEquals(401, send(port, "GET", "/v0/pipelines/node", null).statusCode());
            final JsonNode status = awaitRunning(port, "Bearer " + secret);
            assertEquals("node", status.get("name").asText());

            final HttpResponse<String> stop = send(port, "POST", "/v0/pipelines/node/stop", "Bearer " + secret);
            assertEquals(202, stop.statusCode(), stop.body());
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "keel run stopped: " + Files.readString(log));
            final String output = Files.readString(log);
            assertEquals(0, process.exitValue(), output);
            assertTrue(output.contains("checkpoint on close committed"), output);
            assertTrue(output.contains("-> STOPPED"), output);
            assertFalse(output.contains(secret), "the token is never logged: " + output);
            assertFalse(Files.exists(dir.resolve("storage").resolve(KeelNode.RUNNING_MARKER)), "a clean stop");
        }
        finally
        {
            process.destroyForcibly().waitFor();
        }
    }

    @Test
    void forcedStopSkipsTheCloseCheckpoint() throws Exception
    {
        final Path log = dir.resolve("run.log");
        final Process process = startWithEnvToken(writeConfig(trades(20, ""), "fail"), log, "env-token",
            "--http-port", "0");
        try
        {
            final int port = awaitPort(process, log);
            assertEquals(401, send(port, "GET", "/v0/pipelines/node", "Bearer env-tokem").statusCode());
            awaitRunning(port, "Bearer env-token");
            assertEquals(400, send(port, "POST", "/v0/pipelines/node/stop?force=yes", "Bearer env-token").statusCode());
            assertTrue(process.isAlive(), "a bad parameter does not stop the node");
            assertEquals(202, send(port, "POST", "/v0/pipelines/node/stop?force=true", "Bearer env-token")
                .statusCode());
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "keel run stopped: " + Files.readString(log));
            final String output = Files.readString(log);
            assertEquals(0, process.exitValue(), output);
            assertFalse(output.contains("checkpoint on close committed"), output);
            assertTrue(output.contains("force: no checkpoint on close"), output);
            assertFalse(output.contains("env-token"), "the token is never logged: " + output);
            assertTrue(Files.exists(dir.resolve("storage").resolve(KeelNode.RUNNING_MARKER)),
                "the restart is told that progress since the last checkpoint is lost");
        }
        finally
        {
            process.destroyForcibly().waitFor();
        }
    }

    @Test
    void sigtermLogsTheCloseCheckpointAndStopped() throws Exception
    {
        final Path log = dir.resolve("run.log");
        final Process process = start(writeConfig(trades(20, ""), "fail"), log, "--http-port", "0");
        try
        {
            awaitRunning(awaitPort(process, log), null);
            process.destroy();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "keel run stopped: " + Files.readString(log));
            final String output = Files.readString(log);
            assertEquals(143, process.exitValue(), output);
            assertTrue(output.contains("checkpoint on close committed"), output);
            assertTrue(output.contains("-> STOPPED"), output);
        }
        finally
        {
            process.destroyForcibly().waitFor();
        }
    }

    @Test
    void failingPipelineExitsNonZeroWithTheErrorOnce() throws Exception
    {
        final Path log = dir.resolve("run.log");
        final Process process = start(writeConfig(trades(20, "{\"id\": oops}\n"), "fail"), log);
        try
        {
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "keel run exits on failure: " + Files.readString(log));
            final String output = Files.readString(log);
            assertEquals(1, process.exitValue(), output);
            final List<String> reported = new ArrayList<>();
            for (final String line : output.split("\n"))
            {
                if (line.startsWith("keel: "))
                {
                    reported.add(line);
                }
            }
            final List<String> failures = reported.stream().filter(l -> l.contains("failed")).toList();
            assertEquals(1, failures.size(), output);
            assertTrue(failures.get(0).startsWith("keel: pipeline 'node' failed: [CONNECTOR_PARSE_ERROR] "), output);
            assertTrue(failures.get(0).contains("line 21"), failures.get(0));
            assertFalse(output.contains("\tat dev.keel."), "a connector error is logged without a stack trace: " +
                output);
        }
        finally
        {
            process.destroyForcibly().waitFor();
        }
    }

    @Test
    void tokenFileMustHoldATokenAndNeedsTheApi() throws Exception
    {
        final Path config = writeConfig(trades(1, ""), "fail");
        final Path empty = dir.resolve("empty-token");
        Files.writeString(empty, " \n");
        final java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        final java.io.PrintStream saved = System.err;
        System.setErr(new java.io.PrintStream(err, true));
        try
        {
            assertEquals(1, KeelCli.execute("run", "--config", config.toString(), "--http-port", "0",
                "--http-token-file", empty.toString()));
            assertEquals(1, KeelCli.execute("run", "--config", config.toString(), "--http-token-file",
                empty.toString()));
        }
        finally
        {
            System.setErr(saved);
        }
        assertTrue(err.toString().contains("is empty"), err.toString());
        assertTrue(err.toString().contains("--http-token-file needs --http-port"), err.toString());
    }

    private JsonNode awaitRunning(final int port, final String authorization) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true)
        {
            final HttpResponse<String> response = send(port, "GET", "/v0/pipelines/node", authorization);
            assertEquals(200, response.statusCode(), response.body());
            final JsonNode status = JSON.readTree(response.body());
            if ("Running".equals(status.get("deployment_status").asText()))
            {
                return status;
            }
            assertTrue(System.nanoTime() < deadline, status.toString());
            Thread.sleep(10);
        }
    }

    private HttpResponse<String> send(final int port, final String method, final String path,
        final String authorization) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .method(method, HttpRequest.BodyPublishers.noBody());
        if (null != authorization)
        {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int awaitPort(final Process process, final Path log) throws Exception
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
            Thread.sleep(10);
        }
    }

    private Path trades(final int count, final String tail) throws IOException
    {
        final StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= count; i++)
        {
            sb.append("{\"id\":").append(i).append(",\"symbol\":\"AAPL\",\"price\":").append(100 + i)
                .append(",\"qty\":1,\"ts\":").append(1_000_000L * i).append("}\n");
        }
        final Path trades = dir.resolve("trades.json");
        Files.writeString(trades, sb.append(tail));
        return trades;
    }

    private Path writeConfig(final Path trades, final String onError) throws IOException
    {
        // follow: the input never ends, so that only a stop, a signal or a failure ends the run
        final String config = "{\n" +
            "  \"name\": \"node\",\n" +
            "  \"program\": \"trades-vwap\",\n" +
            "  \"storage_config\": {\"path\": " + JSON.writeValueAsString(dir.resolve("storage").toString()) + "},\n" +
            "  \"fault_tolerance\": {\"model\": \"none\"},\n" +
            "  \"threading_mode\": \"shared\",\n" +
            "  \"inputs\": {\"trades\": {\"stream\": \"trades\", \"on_error\": \"" + onError + "\",\n" +
            "    \"transport\": {\"name\": \"file_input\", \"config\": {\"path\": " +
            JSON.writeValueAsString(trades.toString()) + ", \"follow\": true}},\n" +
            "    \"format\": {\"name\": \"json\", \"config\": {\"update_format\": \"raw\"}}}},\n" +
            "  \"outputs\": {\"vwap\": {\"stream\": \"vwap\",\n" +
            "    \"transport\": {\"name\": \"file_output\", \"config\": {\"path\": " +
            JSON.writeValueAsString(dir.resolve("vwap.json").toString()) + "}},\n" +
            "    \"format\": {\"name\": \"json\"}}}\n" +
            "}\n";
        final Path file = dir.resolve("pipeline.json");
        Files.writeString(file, config);
        return file;
    }

    /** A {@code keel run} child JVM as the launcher starts it (its main picks the Keel log manager). */
    private static Process start(final Path config, final Path log, final String... options) throws IOException
    {
        return startWithEnvToken(config, log, null, options);
    }

    /** @param envToken the {@value RunCommand#TOKEN_ENV} of the child, or null for none. */
    private static Process startWithEnvToken(final Path config, final Path log, final String envToken,
        final String... options) throws IOException
    {
        final List<String> command = new ArrayList<>();
        command.addAll(CrashHarness.keelCommand("-Xmx256m"));
        command.add("run");
        command.add("--config");
        command.add(config.toString());
        command.addAll(List.of(options));
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(log.toFile());
        builder.environment().remove(RunCommand.TOKEN_ENV);
        if (null != envToken)
        {
            builder.environment().put(RunCommand.TOKEN_ENV, envToken);
        }
        return builder.start();
    }
}
