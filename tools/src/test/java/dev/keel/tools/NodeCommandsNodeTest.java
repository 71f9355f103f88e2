package dev.keel.tools;

import dev.keel.sync.SyncFixture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.engine.config.PipelineConfig;
import dev.keel.engine.config.PipelineConfigParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The client commands against real nodes: a {@code keel run} child process (token from its environment, the
 * client's from a file) driven from status to a clean stop; {@code keel sync --wait} pushing to a real S3 server on
 * loopback; and the replay figures a restarted exactly_once node publishes for a progress bar.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NodeCommandsNodeTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PORT = Pattern.compile("control API on http://127\\.0\\.0\\.1:(\\d+)/");

    @TempDir
    Path dir;

    private String out;
    private String err;

    /** Outside the tests' timeouts: S3Mock's start takes seconds, more on a loaded machine. */
    @BeforeAll
    static void startS3()
    {
        SyncFixture.shared();
    }

    @Test
    void drivesAKeelRunProcessFromStatusToACleanStop() throws Exception
    {
        final Path trades = NodeSyncTest.writeTrades(dir.resolve("trades.json"), 1, 50, 7);
        final Path config = dir.resolve("pipeline.json");
        Files.writeString(config, followConfig(trades));
        final Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, "run-token\n");
        final Path log = dir.resolve("run.log");
        final List<String> command = new ArrayList<>(List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx256m",
            "-cp", System.getProperty("java.class.path"), KeelCli.class.getName(),
            "run", "--config", config.toString(), "--http-port", "0"));
        final ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(log.toFile());
        builder.environment().put(RunCommand.TOKEN_ENV, "run-token");
        final Process process = builder.start();
        try
        {
            final String port = String.valueOf(awaitPort(process, log));
            final String[] auth = { "--port", port, "--token-file", tokenFile.toString() };
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            do
            {
                assertEquals(0, keel(with(auth, "status")), err);
                assertTrue(System.nanoTime() < deadline, out);
                Thread.sleep(20);
            }
            while (!out.contains("records      in 50,"));
            assertTrue(out.contains("pipeline     cli\n") && out.contains("status       Running\n"), out);
            assertEquals(1, keel("status", "--port", port), "no token");
            assertTrue(err.contains("[UNAUTHORIZED]"), err);

            // a client process with the token in KEEL_API_TOKEN: its exit code and its output on a pipe
            final List<String> client = new ArrayList<>(command.subList(0, command.indexOf("run")));
            client.addAll(List.of("status", "--port", port));
            final ProcessBuilder clientBuilder = new ProcessBuilder(client).redirectErrorStream(true);
            clientBuilder.environment().remove(RunCommand.TOKEN_ENV);
            clientBuilder.environment().put(ApiOptions.TOKEN_ENV, "run-token");
            final Process status = clientBuilder.start();
            final String statusText = new String(status.getInputStream().readAllBytes());
            assertTrue(status.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, status.exitValue(), statusText);
            assertTrue(statusText.startsWith("pipeline     cli\nstatus       Running\n"), statusText);
            clientBuilder.environment().put(ApiOptions.TOKEN_ENV, "wrong");
            final Process denied = clientBuilder.start();
            final String deniedText = new String(denied.getInputStream().readAllBytes());
            assertTrue(denied.waitFor(60, TimeUnit.SECONDS));
            assertEquals(1, denied.exitValue(), deniedText);
            assertTrue(deniedText.startsWith("keel: [UNAUTHORIZED] "), deniedText);

            assertEquals(0, keel(with(auth, "checkpoint", "create", "--wait", "--timeout", "60")), err);
            assertTrue(out.contains("checkpoint #1: done after "), out);
            assertFalse(out.contains("\r"), "not a terminal: plain lines");
            assertEquals(0, keel(with(auth, "status")), err);
            assertTrue(out.contains("checkpoints  1 taken, 0 failed, newest at step "), out);
            assertTrue(out.contains("last request succeeded: #1"), out);

            assertEquals(0, keel(with(auth, "pause")), err);
            assertEquals("pipeline 'cli': Paused\n", out);
            assertEquals(0, keel(with(auth, "resume")), err);

            assertEquals(0, keel(with(auth, "stop", "--wait", "--timeout", "60")), err);
            assertTrue(out.startsWith("pipeline 'cli': stopping with a checkpoint on close\n"), out);
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), Files.readString(log));
            final String text = Files.readString(log);
            assertEquals(0, process.exitValue(), text);
            assertTrue(text.contains("checkpoint on close committed"), text);
            assertEquals(3, keel(with(auth, "status")), "the node is gone");
        }
        finally
        {
            process.destroyForcibly().waitFor();
        }
    }

    @Test
    void syncWaitPushesToTheBucketAndStatusShowsIt() throws Exception
    {
        final SyncFixture s3 = SyncFixture.shared();
        final String bucket = s3.newBucket();
        final Path trades = NodeSyncTest.writeTrades(dir.resolve("trades.json"), 1, 2_000, 3);
        final PipelineConfig config = PipelineConfigParser.parse(NodeSyncTest.config(trades, dir.resolve("vwap.json"),
            dir.resolve("storage"), "\"bucket\": \"" + bucket + "/ckpt\""));
        try (KeelNode node = KeelNode.launch(config, ProgramRegistry.resolve("trades-vwap"));
            ControlServer server = ControlServer.start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), node.pipeline(), config.name()))
        {
            final String port = String.valueOf(server.port());
            assertTrue(node.pipeline().awaitCompletion(Duration.ofSeconds(30)));
            assertEquals(1, keel("sync", "--port", port), "no checkpoint yet");
            assertTrue(err.contains("[SYNC_NO_CHECKPOINT]"), err);

            assertEquals(0, keel("checkpoint", "create", "--wait", "--port", port), err);
            assertEquals(0, keel("sync", "--wait", "--port", port), err);
            final Matcher requested = Pattern.compile("^sync of checkpoint ([0-9a-f-]{36}) requested\n").matcher(out);
            assertTrue(requested.find(), out);
            final String uuid = requested.group(1);
            assertTrue(out.contains("sync " + uuid + ": done after "), out);
            final Map<String, Long> objects = s3.listAll(bucket);
            assertTrue(objects.containsKey("ckpt/files/" + uuid + "/manifest"), objects.toString());

            assertEquals(0, keel("status", "--port", port), err);
            assertTrue(out.contains("sync         bucket=") || out.contains("sync         " + bucket), out);
            assertTrue(out.contains("1 pushes, 0 failed, ") && out.contains("last synced checkpoint: " + uuid), out);
            // the progress gauges are refreshed every 200 ms by the sync agent: idle again soon after the push
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            JsonNode metrics;
            do
            {
                Thread.sleep(50);
                metrics = JSON.readTree(statsOf(port, config.name())).get("buckets").get(0).get("metrics");
            }
            while (metrics.get("sync_operation_bytes").asLong() != 0 && System.nanoTime() < deadline);
            assertEquals(0, metrics.get("sync_operation_bytes").asLong(), "idle again: " + metrics);
            assertTrue(metrics.get("sync_bytes_transferred").asLong() > 0, metrics.toString());
        }
    }

    @Test
    void aRestartedNodePublishesItsReplayProgress() throws Exception
    {
        final Path trades = NodeSyncTest.writeTrades(dir.resolve("trades.json"), 1, 3_000, 5);
        final PipelineConfig config = PipelineConfigParser.parse(NodeSyncTest.config(trades, dir.resolve("vwap.json"),
            dir.resolve("storage"), null));
        final KeelNode first = KeelNode.launch(config, ProgramRegistry.resolve("trades-vwap"));
        try
        {
            assertTrue(first.pipeline().awaitCompletion(Duration.ofSeconds(30)));
        }
        finally
        {
            first.closeWithoutCheckpoint(); // no checkpoint: the restart replays the whole journal
        }
        try (KeelNode node = KeelNode.launch(config, ProgramRegistry.resolve("trades-vwap"));
            ControlServer server = ControlServer.start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), node.pipeline(), config.name()))
        {
            final String port = String.valueOf(server.port());
            assertTrue(node.pipeline().awaitCompletion(Duration.ofSeconds(30)));
            final JsonNode global = JSON.readTree(statsOf(port, config.name())).get("global_metrics");
            final long total = global.get("replay_journal_bytes").asLong();
            assertTrue(total > 0 && global.get("replayed_steps").asLong() > 0, global.toString());
            assertEquals(total, global.get("replayed_journal_bytes").asLong(), "the replay went to the end: " + global);
            assertEquals(0, keel("status", "--port", port), err);
            assertTrue(out.contains(Progress.bytes(total) + " of " + Progress.bytes(total) + " of journal"), out);
        }
    }

    private String statsOf(final String port, final String name)
    {
        // through the client, as the commands read it
        return new NodeClient(java.net.URI.create("http://127.0.0.1:" + port), null, name)
            .pipelineCall("GET", "/stats").raw();
    }

    private static String[] with(final String[] auth, final String... args)
    {
        final List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of(auth));
        return all.toArray(new String[0]);
    }

    private int keel(final String... args)
    {
        final StringWriter o = new StringWriter();
        final StringWriter e = new StringWriter();
        final int code = KeelCli.execute(new PrintWriter(o), new PrintWriter(e), args);
        out = o.toString();
        err = e.toString();
        return code;
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

    private String followConfig(final Path trades) throws IOException
    {
        return "{\n" +
            "  \"name\": \"cli\",\n" +
            "  \"program\": \"trades-vwap\",\n" +
            "  \"storage_config\": {\"path\": " + JSON.writeValueAsString(dir.resolve("run-storage").toString()) +
            "},\n" +
            "  \"fault_tolerance\": {\"model\": \"exactly_once\"},\n" +
            "  \"threading_mode\": \"shared\",\n" +
            "  \"inputs\": {\"trades\": {\"stream\": \"trades\",\n" +
            "    \"transport\": {\"name\": \"file_input\", \"config\": {\"path\": " +
            JSON.writeValueAsString(trades.toString()) + ", \"follow\": true}},\n" +
            "    \"format\": {\"name\": \"json\", \"config\": {\"update_format\": \"raw\"}}}},\n" +
            "  \"outputs\": {\"vwap\": {\"stream\": \"vwap\",\n" +
            "    \"transport\": {\"name\": \"file_output\", \"config\": {\"path\": " +
            JSON.writeValueAsString(dir.resolve("run-vwap.json").toString()) + "}},\n" +
            "    \"format\": {\"name\": \"json\"}}}\n" +
            "}\n";
    }
}
