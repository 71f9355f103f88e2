package dev.keel.tools;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keel.checkpoint.FileCheckpointStore;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.spi.CheckpointStatus;
import dev.keel.sync.FaultProxy;
import dev.keel.sync.SyncFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A standby ({@code keel run} child) killed with SIGKILL in the middle of pulling a newer checkpoint: the fault
 * proxy stalls the downloads of the new checkpoint's files, the child is killed while they hang. The checkpoints
 * directory then holds the checkpoint committed before and nothing of the one being pulled (the pull is staged in
 * {@code sync-import}); the restarted standby downloads only what it lacks (the older checkpoint's files it holds
 * are linked, not downloaded), commits the new checkpoint, is activated, replays the journal shipped after it,
 * and the output is exactly once.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class StandbyPullCrashTest
{
    private static final Pattern API = Pattern.compile("control API on http://127\\.0\\.0\\.1:(\\d+)/");

    @TempDir
    Path dir;

    @BeforeAll
    static void startS3()
    {
        SyncFixture.shared();
    }

    @Test
    void aStandbyKilledMidPullKeepsItsCommittedCheckpointAndActivatesExactlyOnce() throws Exception
    {
        final SyncFixture s3 = SyncFixture.shared();
        final String bucket = s3.newBucket();
        final Path expected = dir.resolve("trades.json");
        final Path output = dir.resolve("vwap.json");
        final String sync = "\"bucket\": \"" + bucket + "/dr\", \"push_interval\": 1";
        final Path standbyStorage = dir.resolve("standby");
        final Path checkpoints = standbyStorage.resolve("checkpoints");
        final List<Process> children = new ArrayList<>();
        try (FaultProxy proxy = new FaultProxy(s3.s3Port);
            KeelNode primary = JournalShippingTest.launch(JournalShippingTest.config(output, dir.resolve("primary"),
                sync, s3.s3Port)))
        {
            final Path standbyConfig = dir.resolve("standby.json");
            Files.writeString(standbyConfig, JournalShippingTest.config(output, standbyStorage, sync +
                ", \"standby\": true, \"start_from_checkpoint\": \"latest\", \"pull_interval\": 1", proxy.port())
                .replace("\"program\": \"trades-vwap\",", "\"name\": \"standby-test\", \"program\": \"trades-vwap\","));
            final KeelPipeline pipeline = primary.pipeline();

            // checkpoint 1, followed by the standby
            JournalShippingTest.insert(pipeline, expected, 1, 600);
            JournalShippingTest.awaitOutput(output, expected);
            assertEquals(CheckpointStatus.SUCCESS, pipeline.checkpoint(Duration.ofSeconds(30)));
            final UUID first = pipeline.syncCheckpoint(Duration.ofSeconds(30));
            final Process killed = start(standbyConfig, dir.resolve("standby-1.log"), children);
            final int port1 = port(dir.resolve("standby-1.log"), killed);
            StandbyNodeTest.await(() -> first.toString().equals(standbyField(port1, "checkpoint_uuid")) ||
                !killed.isAlive(), 60, "the standby commits checkpoint " + first);
            assertTrue(killed.isAlive(), read(dir.resolve("standby-1.log")));

            // checkpoint 2: every download of a file the standby lacks (not checkpoint 1's) hangs
            proxy.inject(r -> "GET".equals(r.method()) && r.target().contains("/files/") &&
                !r.target().contains(first.toString()), FaultProxy.Action.STALL, 10_000);
            JournalShippingTest.insert(pipeline, expected, 601, 1_200);
            JournalShippingTest.awaitOutput(output, expected);
            assertEquals(CheckpointStatus.SUCCESS, pipeline.checkpoint(Duration.ofSeconds(30)));
            final UUID second = pipeline.syncCheckpoint(Duration.ofSeconds(30));
            assertNotEquals(first, second);
            StandbyNodeTest.await(() -> proxy.injectedCount() > 0 || !killed.isAlive(), 60,
                "the standby's pull of " + second + " hangs: " + proxy.requests());
            killed.destroyForcibly(); // SIGKILL mid-pull
            assertTrue(killed.waitFor(30, TimeUnit.SECONDS));
            assertEquals(137, killed.exitValue(), "killed by SIGKILL");

            // nothing of the checkpoint being pulled is under checkpoints/; checkpoint 1 is still the one committed
            assertFalse(Files.exists(checkpoints.resolve(second.toString())), "files of the half-pulled " +
                "checkpoint " + second + " are in " + checkpoints + ": " + list(checkpoints));
            assertTrue(FileCheckpointStore.hasCommittedCheckpoint(checkpoints));
            final List<String> notOfFirst = list(checkpoints).stream()
                .filter(name -> name.contains("/") && !name.startsWith(first + "/")).toList();
            assertEquals(List.of(), notOfFirst, "only checkpoint " + first + "'s files are under " + checkpoints);

            // the primary goes on, its journal after checkpoint 2 is shipped, then it is lost
            JournalShippingTest.insert(pipeline, expected, 1_201, 1_500);
            JournalShippingTest.awaitOutput(output, expected);
            final long durable = NodeSyncTest.metric(PrometheusExporter.export(pipeline.counters()),
                "keel_journal_durable_position");
            JournalShippingTest.awaitShipped(s3, bucket, "dr/journal/" + second + "/", durable);
            primary.close();
            NodeSyncStartTest.deleteTree(dir.resolve("primary"));
            final List<String> primaryOutput = Files.readAllLines(output);

            // the standby restarts on its storage with the network healthy: it pulls checkpoint 2, reusing 1's files
            proxy.clearFaults();
            final Path log2 = dir.resolve("standby-2.log");
            final Process standby = start(standbyConfig, log2, children);
            final int port2 = port(log2, standby);
            StandbyNodeTest.await(() -> second.toString().equals(standbyField(port2, "checkpoint_uuid")) ||
                !standby.isAlive(), 60, "the restarted standby commits checkpoint " + second);
            assertTrue(standby.isAlive(), read(log2));
            // checkpoint 1's files: linked into the staging area by the killed pull, found there by this one
            final Matcher linked = Pattern.compile("standby: checkpoint " + second + " .* (\\d+) already present")
                .matcher(read(log2));
            assertTrue(linked.find(), read(log2));
            assertTrue(Integer.parseInt(linked.group(1)) > 0, "the files of checkpoint " + first + " the standby " +
                "holds were downloaded again: " + linked.group());
            assertFalse(Files.exists(standbyStorage.resolve(ImportStaging.DIR)), "the staging area is deleted");

            final HttpResponse<String> activated = StandbyNodeTest.send(port2, "POST", "/activate");
            assertEquals(202, activated.statusCode(), activated.body());
            StandbyNodeTest.await(() -> "RUNNING".equals(field(port2, "state")) || !standby.isAlive(), 60,
                "the activated standby runs (the shipped steps replayed)");
            assertTrue(standby.isAlive(), read(log2));
            JournalShippingTest.awaitOutput(output, expected);
            final List<String> combined = Files.readAllLines(output);
            assertEquals(primaryOutput, combined, "the standby replayed the shipped steps with the primary's " +
                "boundaries: the output it re-created is the primary's, nothing twice");
            VwapChangeStream.assertExactlyOnce(combined, expected, "primary, then the restarted standby");
            assertTrue(read(log2).contains("imported"), read(log2));
        }
        finally
        {
            for (final Process child : children)
            {
                child.destroyForcibly();
            }
        }
    }

    private static Process start(final Path config, final Path log, final List<Process> children) throws IOException
    {
        final List<String> command = new ArrayList<>(CrashHarness.keelCommand("-Xmx512m"));
        command.addAll(List.of("run", "--config", config.toString(), "--http-port", "0"));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
            .start();
        children.add(process);
        return process;
    }

    private static int port(final Path log, final Process process) throws InterruptedException
    {
        final int[] port = { -1 };
        StandbyNodeTest.await(() ->
        {
            final Matcher m = API.matcher(read(log));
            if (m.find())
            {
                port[0] = Integer.parseInt(m.group(1));
            }
            return port[0] > 0 || !process.isAlive();
        }, 60, "the control API's port in " + log);
        assertTrue(port[0] > 0, read(log));
        return port[0];
    }

    private static String field(final int port, final String field)
    {
        try
        {
            final JsonNode value = StandbyNodeTest.get(port, "").get(field);
            return null == value || value.isNull() ? null : value.asText();
        }
        catch (final Exception ex)
        {
            return null;
        }
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

    /** Paths relative to {@code root}, {@code /}-separated, files only. */
    private static List<String> list(final Path root) throws IOException
    {
        if (!Files.isDirectory(root))
        {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(root))
        {
            return files.filter(Files::isRegularFile).map(p -> root.relativize(p).toString().replace('\\', '/'))
                .sorted().toList();
        }
    }

    private static String read(final Path file)
    {
        try
        {
            return Files.exists(file) ? Files.readString(file) : "";
        }
        catch (final IOException ex)
        {
            return "";
        }
    }
}
