package dev.keel.tools;

import dev.keel.sync.SyncFixture;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.engine.circuit.PipelineState;
import dev.keel.engine.config.PipelineConfigParser;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.keel.tools.NodeSyncTest.writeTrades;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Failover to a sync standby against a real S3 server on loopback: a standby follows the pushes of a primary
 * running in another process, the primary is killed with SIGKILL, the standby is activated over HTTP and continues
 * from the last pushed checkpoint to the final view state of an uninterrupted run (activate-to-first-output time
 * printed); {@code keel run} serves a standby on its HTTP API before there is a pipeline and activates it there.
 * The change streams are checked with {@link VwapChangeStream} against an uninterrupted run over the same input.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StandbyFailoverTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** Outside the tests' timeouts: Spring Boot's start takes seconds, many more on a loaded machine. */
    @BeforeAll
    static void startS3()
    {
        SyncFixture.shared();
    }

    @Test
    void standbyFollowsAPrimaryAndContinuesItsOutputAfterTheKill() throws Exception
    {
        final String bucket = SyncFixture.shared().newBucket();
        final Path trades = writeTrades(dir.resolve("trades.json"), 1, 300_000, 23);
        final Path output = dir.resolve("vwap.json");
        final String sync = "\"bucket\": \"" + bucket + "/dr\", \"push_interval\": 1";
        final Path primaryConfig = dir.resolve("primary.json");
        Files.writeString(primaryConfig, StandbyNodeTest.config(trades, output, dir.resolve("primary"), sync, 1, 1));
        // no --exit-at-eoi: a fast machine may finish the input before the kill, and the primary must not exit then
        final Process primary = CrashHarness.start(primaryConfig, dir.resolve("primary.log"), false);
        try (KeelNode standby = KeelNode.create(PipelineConfigParser.parse(StandbyNodeTest.config(trades, output,
                dir.resolve("standby"), sync + ", \"standby\": true, \"start_from_checkpoint\": \"latest\", " +
                "\"pull_interval\": 1", 97, 0)), ProgramRegistry.resolve("trades-vwap"),
                dev.keel.engine.connector.ConnectorRegistry.discover(), ctx -> {});
            ControlServer control = ControlServer.start(new ControlServer.Context().node(standby)
                .pipelineName("standby-test")
                .address(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))))
        {
            final int port = control.port();
            assertEquals("Initializing", StandbyNodeTest.get(port, "").get("deployment_status").asText(),
                "the server answers before the node started");
            standby.start();
            final JsonNode status = StandbyNodeTest.get(port, "");
            assertEquals("Standby", status.get("deployment_status").asText(), status.toString());
            assertEquals("STANDBY", status.get("state").asText());
            assertNull(standby.pipeline(), "no pipeline while in standby");
            assertEquals(503, StandbyNodeTest.send(port, "POST", "/checkpoint").statusCode(), "nothing to checkpoint yet");

            // it follows: two different checkpoints of the primary are committed locally, one after the other
            final List<UUID> followed = new ArrayList<>();
            StandbyNodeTest.await(() ->
            {
                final UUID adopted = standby.standbyStatus().adopted();
                if (null != adopted && !followed.contains(adopted))
                {
                    followed.add(adopted);
                }
                return followed.size() >= 2 || !primary.isAlive();
            }, 60, "the standby follows the primary's pushes: " + followed);
            assertTrue(primary.isAlive(), "the primary still runs (it was to be killed before the end)");
            final String metrics = PrometheusExporter.export(standby.counters());
            assertEquals(PipelineState.STANDBY.code(), NodeSyncTest.metric(metrics, "keel_pipeline_state"), metrics);
            assertTrue(NodeSyncTest.metric(metrics, "keel_sync_pulls_total") >= 2, metrics);

            // exactly_once: the primary ships the journal after each pushed checkpoint; kill it once the steps
            // after the checkpoint the standby holds are in the bucket, so the standby has something to replay
            StandbyNodeTest.await(() -> SyncFixture.shared().listAll(bucket).keySet().stream().anyMatch(k ->
                k.startsWith("dr/journal/" + standby.standbyStatus().adopted() + "/")) || !primary.isAlive(), 30,
                "the journal after the adopted checkpoint is shipped: " +
                SyncFixture.shared().listAll(bucket).keySet());
            primary.destroyForcibly(); // SIGKILL: the primary's storage and unpushed progress are gone
            assertTrue(primary.waitFor(30, TimeUnit.SECONDS));
            // what the primary's sink had committed when it died: a reader of the output may have seen all of it
            final List<String> atKill = Files.exists(output) ? Files.readAllLines(output) : List.of();

            // the bucket no longer changes: one more pull finds every file present and downloads nothing
            final long pullsAtKill = standby.standbyStatus().pulls();
            StandbyNodeTest.await(() -> standby.standbyStatus().pulls() >= pullsAtKill + 2, 30, "two more pulls");
            final StandbyFollower.Status quiet = standby.standbyStatus();
            assertEquals(0, quiet.lastFilesDownloaded(), quiet.toString());
            assertTrue(quiet.lastFilesPresent() > 0, quiet.toString());
            final long bytesBefore = NodeSyncTest.metric(PrometheusExporter.export(standby.counters()),
                "keel_sync_pulled_bytes_total");
            assertEquals(quiet.bytesDownloaded(), bytesBefore);
            assertTrue(bytesBefore > 0);

            final long activateNs = System.nanoTime();
            final HttpResponse<String> activated = StandbyNodeTest.send(port, "POST", "/activate");
            assertEquals(202, activated.statusCode(), activated.body());
            StandbyNodeTest.await(() -> null != standby.pipeline() && standby.pipeline().state() == PipelineState.RUNNING ||
                standby.state() == PipelineState.COMPLETED || standby.state() == PipelineState.FAILED, 60, "running");
            final long runningNs = System.nanoTime();
            StandbyNodeTest.await(() -> StandbyNodeTest.outputRecords(standby) > 0 || standby.state() == PipelineState.FAILED, 60, "first output");
            final long firstOutputNs = System.nanoTime();
            System.out.println("StandbyFailoverTest: activate -> RUNNING " + (runningNs - activateNs) / 1_000_000 +
                " ms, activate -> first output " + (firstOutputNs - activateNs) / 1_000_000 + " ms (followed " +
                followed.size() + " checkpoints, " + bytesBefore + " bytes pulled)");
            assertEquals(409, StandbyNodeTest.send(port, "POST", "/activate").statusCode(), "activated already");

            assertTrue(standby.pipeline().awaitCompletion(Duration.ofSeconds(60)), "" + standby.state());
            assertTrue(NodeSyncTest.metric(PrometheusExporter.export(standby.counters()),
                "keel_replayed_steps_total") > 0, "the standby replayed the journal the primary shipped");
            assertEquals(NodeSyncTest.aggregates(trades), CrashHarness.lastInsertPerSymbol(output),
                "primary until its last push, then the standby: the final view state of an uninterrupted run");
            // the change stream in the file: the standby's sink truncated it to the adopted checkpoint's position,
            // replayed the shipped steps with the primary's boundaries, then went on with its own: exactly once
            final List<String> combined = Files.readAllLines(output);
            VwapChangeStream.assertExactlyOnce(combined, trades, "the output after the failover");
            // a kill mid-input: the primary's sink released the steps it made durable locally after the last chunk
            // that reached the bucket, and the standby redid those with boundaries of its own, so a reader who saw
            // that output saw changes the standby rewrote (README: what a failover loses). The test after this one
            // kills the primary once its output is all shipped and asserts the reader's stream exactly once.
            final int kept = firstDifference(atKill, combined) - 1;
            System.out.println("StandbyFailoverTest: " + atKill.size() + " output lines at the kill, " + kept +
                " of them kept by the standby, " + (atKill.size() - kept) + " rewritten");
        }
        finally
        {
            primary.destroyForcibly();
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void whenThePrimaryDiesWithItsOutputShippedTheReadersChangeStreamIsExactlyOnce() throws Exception
    {
        final String bucket = SyncFixture.shared().newBucket();
        final Path trades = writeTrades(dir.resolve("trades.json"), 1, 40_000, 29);
        final Path output = dir.resolve("vwap.json");
        final String sync = "\"bucket\": \"" + bucket + "\", \"push_interval\": 1";
        final Path primaryConfig = dir.resolve("primary.json");
        Files.writeString(primaryConfig, StandbyNodeTest.config(trades, output, dir.resolve("primary"), sync, 1, 0));
        // no --exit-at-eoi: at the end of its input the primary stays up, idle, as a server whose input paused;
        // one checkpoint, taken mid-input over HTTP, so the shipped journal after it holds the rest of the run
        final Path primaryLog = dir.resolve("primary.log");
        final List<String> command = new ArrayList<>(CrashHarness.keelCommand("-Xmx512m"));
        command.addAll(List.of("run", "--config", primaryConfig.toString(), "--http-port", "0"));
        final Process primary = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(primaryLog.toFile()).start();
        try (KeelNode standby = KeelNode.launch(PipelineConfigParser.parse(StandbyNodeTest.config(trades, output,
            dir.resolve("standby"), sync + ", \"standby\": true, \"start_from_checkpoint\": \"latest\", " +
            "\"pull_interval\": 1", 97, 0)), ProgramRegistry.resolve("trades-vwap"), ctx -> {}))
        {
            final int primaryPort = controlPort(primaryLog, primary);
            StandbyNodeTest.await(() -> !primary.isAlive() || Files.exists(output) && sizeOf(output) > 0, 60,
                "the primary's first output");
            final HttpResponse<String> checkpointed = StandbyNodeTest.send(primaryPort, "POST", "/checkpoint");
            assertTrue(checkpointed.statusCode() / 100 == 2, checkpointed.body());
            StandbyNodeTest.await(() -> null != standby.standbyStatus().adopted(), 60, "the standby adopted it");
            final UUID adopted = standby.standbyStatus().adopted();
            final java.util.Map<String, List<Long>> all = NodeSyncTest.aggregates(trades);
            StandbyNodeTest.await(() -> !primary.isAlive() || outputReaches(output, all), 90,
                "the primary's output covers its whole input");
            // its journal tail is in the bucket once the chunk ends stop moving for three push intervals
            final String[] last = { "" };
            final long[] stableSince = { System.nanoTime() };
            StandbyNodeTest.await(() ->
            {
                final String chunks = SyncFixture.shared().listAll(bucket).keySet().stream()
                    .filter(k -> k.endsWith(".kjc")).sorted().reduce("", (a, b) -> a + " " + b);
                if (!chunks.equals(last[0]))
                {
                    last[0] = chunks;
                    stableSince[0] = System.nanoTime();
                }
                return !chunks.isEmpty() && System.nanoTime() - stableSince[0] > TimeUnit.SECONDS.toNanos(3);
            }, 60, "the journal shipping settles");
            assertEquals(adopted, standby.standbyStatus().adopted(), "one checkpoint only: the one mid-input");
            assertTrue(primary.isAlive(), "the primary ran until the kill: " + Files.readString(primaryLog));
            primary.destroyForcibly();
            assertTrue(primary.waitFor(30, TimeUnit.SECONDS));
            final List<String> atKill = Files.readAllLines(output);

            // more input arrives; the standby takes over
            writeTrades(trades, 40_001, 46_000, 29);
            standby.activate(Duration.ofSeconds(60));
            assertTrue(standby.pipeline().awaitCompletion(Duration.ofSeconds(60)), "" + standby.state());
            assertTrue(NodeSyncTest.metric(PrometheusExporter.export(standby.counters()),
                "keel_replayed_steps_total") > 0, "the standby replayed the journal the primary shipped");
            final List<String> after = Files.readAllLines(output);
            assertTrue(after.size() > atKill.size() && after.subList(0, atKill.size()).equals(atKill),
                "the standby rewrote output the primary had committed (" + atKill.size() + " lines at the kill, " +
                "first difference at line " + firstDifference(atKill, after) + ")");
            // what a reader of the output saw: the primary's lines, then the standby's new ones, against an
            // uninterrupted run over all 46,000 trades: no row lost, none twice
            VwapChangeStream.assertExactlyOnce(after, trades, "primary until the kill, then the standby");
        }
        finally
        {
            primary.destroyForcibly();
        }
    }

    private static int controlPort(final Path log, final Process process) throws Exception
    {
        final java.util.regex.Pattern api =
            java.util.regex.Pattern.compile("control API on http://127\\.0\\.0\\.1:(\\d+)/");
        final int[] port = { -1 };
        StandbyNodeTest.await(() ->
        {
            final java.util.regex.Matcher m = api.matcher(Files.exists(log) ? readQuietly(log) : "");
            if (m.find())
            {
                port[0] = Integer.parseInt(m.group(1));
            }
            return port[0] > 0 || !process.isAlive();
        }, 60, "the control API's port in " + log);
        assertTrue(port[0] > 0, readQuietly(log));
        return port[0];
    }

    private static String readQuietly(final Path file)
    {
        try
        {
            return Files.readString(file);
        }
        catch (final IOException ex)
        {
            return "";
        }
    }

    private static long sizeOf(final Path file)
    {
        try
        {
            return Files.size(file);
        }
        catch (final IOException ex)
        {
            return 0;
        }
    }

    private static boolean outputReaches(final Path output, final java.util.Map<String, List<Long>> want)
    {
        try
        {
            return Files.exists(output) && want.equals(RunCommandTest.applyChanges(output));
        }
        catch (final IOException | RuntimeException | AssertionError ex)
        {
            return false; // a line being written
        }
    }

    @Test
    void keelRunServesTheStandbyAndActivatesItOverHttp() throws Exception
    {
        final String bucket = SyncFixture.shared().newBucket();
        final Path trades = writeTrades(dir.resolve("trades.json"), 1, 1_200, 37);
        final Path output = dir.resolve("vwap.json");
        final String sync = "\"bucket\": \"" + bucket + "\"";
        final UUID pushed = NodeSyncStartTest.runAndSync(StandbyNodeTest.config(trades, output, dir.resolve("lost"), sync, 97, 0));
        writeTrades(trades, 1_201, 2_400, 37);
        final Path standbyConfig = dir.resolve("standby.json");
        Files.writeString(standbyConfig, StandbyNodeTest.config(trades, output, dir.resolve("standby"), sync +
            ", \"standby\": true, \"pull_interval\": 1, \"start_from_checkpoint\": \"latest\"", 97, 0));
        final Path log = dir.resolve("standby.log");
        final Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx512m", "-cp",
            System.getProperty("java.class.path"), KeelCli.class.getName(), "run", "--config", standbyConfig.toString(),
            "--http-port", "0", "--exit-at-eoi").redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try
        {
            final java.util.regex.Pattern api = java.util.regex.Pattern.compile("control API on http://127\\.0\\.0\\.1:(\\d+)/");
            final int[] port = { -1 };
            StandbyNodeTest.await(() ->
            {
                try
                {
                    final java.util.regex.Matcher m = api.matcher(Files.exists(log) ? Files.readString(log) : "");
                    if (m.find())
                    {
                        port[0] = Integer.parseInt(m.group(1));
                    }
                }
                catch (final IOException ex)
                {
                    throw new java.io.UncheckedIOException(ex);
                }
                return port[0] > 0 || !process.isAlive();
            }, 60, "the control API's port in " + log);
            StandbyNodeTest.await(() -> pushed.toString().equals(standbyField(port[0], "checkpoint_uuid")) || !process.isAlive(), 60,
                "keel run in standby pulled " + pushed);
            final JsonNode status = StandbyNodeTest.get(port[0], "");
            assertEquals("Standby", status.get("deployment_status").asText(), status.toString());
            assertEquals(503, StandbyNodeTest.send(port[0], "GET", "/checkpoints").statusCode(), "no pipeline yet");

            final HttpResponse<String> activated = StandbyNodeTest.send(port[0], "POST", "/activate");
            assertEquals(202, activated.statusCode(), activated.body());
            assertTrue(JSON.readTree(activated.body()).get("activating").asBoolean());
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "exits at end of input after activation");
            assertEquals(0, process.exitValue(), Files.readString(log));
        }
        finally
        {
            process.destroyForcibly();
        }
        assertTrue(Files.readString(log).contains("in standby"), Files.readString(log));
        assertEquals(NodeSyncTest.aggregates(trades), RunCommandTest.applyChanges(output),
            "the lost node stopped at its pushed checkpoint: the standby continues the change stream exactly");
    }

    private static int firstDifference(final List<String> a, final List<String> b)
    {
        int i = 0;
        while (i < a.size() && i < b.size() && a.get(i).equals(b.get(i)))
        {
            i++;
        }
        return i + 1;
    }

    private static String standbyField(final int port, final String field)
    {
        try
        {
            final JsonNode standby = StandbyNodeTest.get(port, "").get("standby");
            return null == standby || standby.get(field).isNull() ? null : standby.get(field).asText();
        }
        catch (final Exception ex)
        {
            return null;
        }
    }
}
