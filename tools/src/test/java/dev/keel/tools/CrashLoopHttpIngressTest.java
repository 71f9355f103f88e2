package dev.keel.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * HTTP ingress with {@code exactly_once} under SIGKILL: a client posts numbered batches to a real {@code keel run}
 * process ({@code trades-vwap}, batch {@code b} is {@value #PER_BATCH} trades of symbol {@code B<b>}) and notes
 * which were answered 200; the process is killed at seeded random moments and restarted. At the end every
 * acknowledged batch is in the file output exactly once (its symbol's row counts {@value #PER_BATCH} trades) and
 * no batch, acknowledged or not, is there twice; an unacknowledged batch is either absent or there once, whole.
 */
@Tag("crash")
class CrashLoopHttpIngressTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PER_BATCH = 20;
    private static final int KILLS = Integer.getInteger("keel.crash.http.kills", 4);

    @TempDir
    Path dir;

    private final HttpClient http = HttpIngressChild.client();
    private final AtomicInteger port = new AtomicInteger(-1);
    private final AtomicBoolean posting = new AtomicBoolean(true);
    private final Set<Integer> acked = new ConcurrentSkipListSet<>();
    private final Set<Integer> unacked = new ConcurrentSkipListSet<>();

    @Test
    void acknowledgedBatchesSurviveSigkillExactlyOnce() throws Exception
    {
        final long seed = Long.getLong("keel.crash.seed", System.nanoTime());
        System.out.println("CrashLoopHttpIngressTest seed " + seed + " (rerun with -Dkeel.crash.seed=" + seed + ")");
        final Random random = new Random(seed);
        final Path output = dir.resolve("vwap.json");
        final Path config = writeConfig(output);
        final Thread client = new Thread(this::postBatches, "http-crash-client");
        client.setDaemon(true);
        client.start();
        final List<String> events = new ArrayList<>();
        try
        {
            for (int run = 0; run <= KILLS; run++)
            {
                final Path log = dir.resolve("run-" + run + ".log");
                final Process process = HttpIngressChild.start(config, log, "-Xmx256m");
                try
                {
                    port.set(HttpIngressChild.awaitPort(process, log));
                    if (run < KILLS)
                    {
                        if (0 == run)
                        {
                            // the first kill after a periodic checkpoint, so that a restart restores one
                            HttpIngressChild.awaitLine(process, log, "committed at step");
                        }
                        final long delayMs = 100 + random.nextInt(1200);
                        Thread.sleep(delayMs);
                        port.set(-1);
                        process.destroyForcibly();
                        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
                        events.add("kill@" + delayMs + "ms acked=" + acked.size());
                        continue;
                    }
                    // the last run: stop posting, wait until every acknowledged batch is in the output, stop cleanly
                    Thread.sleep(500);
                    posting.set(false);
                    client.join(30_000);
                    // only after recovery: before, the file may show lines the restore truncates and replays
                    HttpIngressChild.awaitRunning(http, process, port.get(), "crash");
                    awaitAcknowledgedInOutput(output, process);
                    port.set(-1);
                    process.destroy();
                    assertTrue(process.waitFor(60, TimeUnit.SECONDS), Files.readString(log));
                    assertEquals(143, process.exitValue(), Files.readString(log));
                }
                finally
                {
                    process.destroyForcibly().waitFor();
                }
            }
        }
        finally
        {
            posting.set(false);
        }
        System.out.println("CrashLoopHttpIngressTest " + events + ", acknowledged " + acked.size() +
            ", unacknowledged " + unacked.size());

        final Map<String, List<Long>> result = RunCommandTest.applyChanges(output);
        for (final int batch : acked)
        {
            final List<Long> row = result.get("B" + batch);
            assertNotNull(row, "acknowledged batch " + batch + " is in the output; " + events);
        }
        int unackedPresent = 0;
        for (final Map.Entry<String, List<Long>> entry : result.entrySet())
        {
            final int batch = Integer.parseInt(entry.getKey().substring(1));
            assertTrue(acked.contains(batch) || unacked.contains(batch), "batch " + batch + " was posted");
            assertEquals(List.of((long)PER_BATCH, (long)PER_BATCH), entry.getValue().subList(0, 2),
                "batch " + batch + " counted exactly once, whole: " + entry.getValue() + "; " + events);
            unackedPresent += acked.contains(batch) ? 0 : 1;
        }
        System.out.println("CrashLoopHttpIngressTest unacknowledged batches in the output: " + unackedPresent);
        final StringBuilder logs = new StringBuilder();
        for (int run = 1; run <= KILLS; run++)
        {
            logs.append(Files.readString(dir.resolve("run-" + run + ".log")));
        }
        assertTrue(logs.toString().contains("replayed up to step"), "a restart replayed the journal: " + logs);
        assertTrue(acked.size() > KILLS, "batches were acknowledged between the kills: " + acked.size());
    }

    private void postBatches()
    {
        int batch = 0;
        while (posting.get())
        {
            final int current = port.get();
            if (current < 0)
            {
                sleep(5);
                continue;
            }
            final int posted = batch++;
            try
            {
                if (HttpIngressChild.post(http, current, "crash", posted, PER_BATCH) == 200)
                {
                    acked.add(posted);
                }
                else
                {
                    unacked.add(posted);
                    sleep(5);
                }
            }
            catch (final IOException ex)
            {
                // refused or reset by the kill: never resent (it may be durable), so at most once
                unacked.add(posted);
                sleep(5);
            }
            catch (final InterruptedException ex)
            {
                unacked.add(posted);
                return;
            }
        }
    }

    private void awaitAcknowledgedInOutput(final Path output, final Process process) throws Exception
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true)
        {
            final Set<String> seen = new java.util.HashSet<>();
            if (Files.exists(output))
            {
                final String text = Files.readString(output);
                final int end = text.lastIndexOf('\n');
                for (final String line : (end < 0 ? "" : text.substring(0, end)).split("\n"))
                {
                    if (!line.isEmpty() && line.startsWith("{\"insert\""))
                    {
                        seen.add(JSON.readTree(line).get("insert").get("symbol").asText());
                    }
                }
            }
            boolean all = true;
            for (final int batch : acked)
            {
                all &= seen.contains("B" + batch);
            }
            if (all)
            {
                return;
            }
            assertTrue(process.isAlive() && System.nanoTime() < deadline, "acknowledged batches reach the output");
            Thread.sleep(20);
        }
    }

    private Path writeConfig(final Path output) throws IOException
    {
        final String config = "{\n" +
            "  \"name\": \"crash\",\n" +
            "  \"program\": \"trades-vwap\",\n" +
            "  \"storage_config\": {\"path\": " + JSON.writeValueAsString(dir.resolve("storage").toString()) + "},\n" +
            "  \"fault_tolerance\": {\"model\": \"exactly_once\", \"checkpoint_interval_secs\": 1},\n" +
            "  \"threading_mode\": \"shared\",\n" +
            "  \"inputs\": {\"trades\": {\"stream\": \"trades\", \"transport\": {\"name\": \"http_input\"}}},\n" +
            "  \"outputs\": {\"vwap\": {\"stream\": \"vwap\", \"transport\": {\"name\": \"file_output\", " +
            "\"config\": {\"path\": " + JSON.writeValueAsString(output.toString()) + "}}, \"format\": {\"name\": " +
            "\"json\"}}}\n}\n";
        final Path path = dir.resolve("crash.json");
        Files.writeString(path, config);
        return path;
    }

    private static void sleep(final long millis)
    {
        try
        {
            Thread.sleep(millis);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
