package dev.keel.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static dev.keel.tools.CrashHarness.KILLS;
import static dev.keel.tools.CrashHarness.SEED;
import static org.junit.jupiter.api.Assertions.*;

/**
 * exactly_once under SIGKILL ({@link CrashHarness}) for Nexmark q8 (two window aggregates and a windowed join) over
 * the rate-limited, seeded Nexmark generator: the output applied in order never deletes a row that is not there,
 * and its final view equals the uninterrupted run's, row for row.
 */
@Tag("crash")
class CrashLoopNexmarkTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void windowedJoinOverTheGeneratorSurvivesSigkill() throws Exception
    {
        final CrashHarness harness = new CrashHarness(dir);
        final Path baselineOutput = dir.resolve("baseline-q8.json");
        final Path baselineConfig = writeConfig(dir.resolve("baseline-storage"), baselineOutput);
        final long startNs = System.nanoTime();
        final Process baseline = CrashHarness.start(baselineConfig, dir.resolve("baseline.log"));
        assertTrue(baseline.waitFor(180, TimeUnit.SECONDS));
        assertEquals(0, baseline.exitValue(), Files.readString(dir.resolve("baseline.log")));
        final long runMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
        final Map<String, Integer> expected = apply(baselineOutput);
        assertFalse(expected.isEmpty(), "q8 found new users");

        final Path output = dir.resolve("q8.json");
        final CrashHarness.RunLog log = harness.crashLoop(
            writeConfig(dir.resolve("storage"), output), new Random(SEED + 3), KILLS, false, runMillis);
        assertEquals(expected, apply(output), log.toString());
        assertTrue(log.kills > 0 && log.restores() > 0, "killed, and restarted from a checkpoint: " + log);
    }

    /** Applies insert/delete lines in order as a multiset of rows; a delete of an absent row fails. */
    private static Map<String, Integer> apply(final Path output) throws IOException
    {
        final Map<String, Integer> rows = new TreeMap<>();
        for (final String line : Files.readAllLines(output))
        {
            final JsonNode change = JSON.readTree(line);
            final boolean insert = change.has("insert");
            final String row = (insert ? change.get("insert") : change.get("delete")).toString();
            final int weight = rows.getOrDefault(row, 0) + (insert ? 1 : -1);
            assertTrue(weight >= 0, "delete of a row that is not there: " + line);
            if (0 == weight)
            {
                rows.remove(row);
            }
            else
            {
                rows.put(row, weight);
            }
        }
        return rows;
    }

    private Path writeConfig(final Path storage, final Path output) throws IOException
    {
        final StringBuilder inputs = new StringBuilder();
        for (final String table : new String[]{ "person", "auction" })
        {
            inputs.append(inputs.length() > 0 ? ",\n" : "").append("    \"").append(table).append("\": {\"stream\": \"")
                .append(table).append("\", \"max_batch_size\": 200, \"transport\": {\"name\": \"nexmark\", ")
                .append("\"config\": {\"table\": \"").append(table).append("\", \"seed\": 7, ")
                .append("\"max_events\": 300000, \"events_per_second\": 60000}}}");
        }
        final String config = "{\n" +
            "  \"name\": \"q8\",\n" +
            "  \"program\": \"nexmark-q8\",\n" +
            "  \"storage_config\": {\"path\": " + JSON.writeValueAsString(storage.toString()) + "},\n" +
            "  \"fault_tolerance\": {\"model\": \"exactly_once\", \"checkpoint_interval_secs\": 1},\n" +
            "  \"threading_mode\": \"shared\",\n" +
            "  \"inputs\": {\n" + inputs + "},\n" +
            "  \"outputs\": {\"q8\": {\"stream\": \"q8\",\n" +
            "    \"transport\": {\"name\": \"file_output\", \"config\": {\"path\": " +
            JSON.writeValueAsString(output.toString()) + "}},\n" +
            "    \"format\": {\"name\": \"json\"}}}\n" +
            "}\n";
        final Path file = dir.resolve("q8-" + storage.getFileName() + ".json");
        Files.writeString(file, config);
        return file;
    }
}
