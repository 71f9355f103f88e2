package dev.keel.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

class RunCommandTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] SYMBOLS = { "AAPL", "MSFT", "GOOG", "JPM", "TSLA" };

    @TempDir
    Path dir;

    @Test
    void tradesVwapOutputAppliedInOrderEqualsPerSymbolAggregates() throws IOException
    {
        final Path trades = writeTrades(5_000, 11);
        final Path output = dir.resolve("vwap.json");
        final Path config = writeConfig("exactly_once", trades, output, 97);

        assertEquals(0, KeelCli.execute("run", "--config", config.toString(), "--exit-at-eoi"));

        final Map<String, List<Long>> expected = aggregates(trades);
        final Map<String, List<Long>> actual = applyChanges(output);
        assertEquals(expected, actual);
        assertTrue(Files.readAllLines(output).stream().anyMatch(l -> l.startsWith("{\"delete\"")),
            "several steps: updates retract the previous aggregate");
    }

    @Test
    void secondRunResumesAndWritesTheSameOutput() throws IOException
    {
        final Path trades = writeTrades(3_000, 5);
        final Path output = dir.resolve("vwap.json");
        final Path config = writeConfig("exactly_once", trades, output, 500);
        assertEquals(0, KeelCli.execute("run", "--config", config.toString(), "--exit-at-eoi"));
        final List<String> first = Files.readAllLines(output);

        assertEquals(0, KeelCli.execute("run", "--config", config.toString(), "--exit-at-eoi"));
        assertEquals(first, Files.readAllLines(output), "a resumed run neither loses nor repeats output");
        assertEquals(aggregates(trades), applyChanges(output));
    }

    @Test
    void readmeDemoConfigRunTwiceResumesFromItsCheckpoint() throws IOException
    {
        final Path storage = dir.resolve("keel-data");
        final Path output = storage.resolve("vwap.json");
        final String demo = Files.readString(Path.of("..", "examples", "trades-vwap.json"))
            .replace("\"examples/trades.json\"", JSON.writeValueAsString(
                Path.of("..", "examples", "trades.json").toAbsolutePath().normalize().toString()))
            .replace("\"keel-data/trades-vwap/vwap.json\"", JSON.writeValueAsString(output.toString()))
            .replace("\"keel-data/trades-vwap\"", JSON.writeValueAsString(storage.toString()));
        assertTrue(demo.contains(storage.toString()) && demo.contains(output.toString()), demo);
        final Path config = dir.resolve("trades-vwap.json");
        Files.writeString(config, demo);

        assertEquals(0, KeelCli.execute("run", "--config", config.toString(), "--exit-at-eoi"));
        final List<String> first = Files.readAllLines(output);
        assertFalse(first.isEmpty());
        assertEquals(0, KeelCli.execute("checkpoint", "verify", "--storage", storage.toString()),
            "the clean stop wrote a checkpoint");

        assertEquals(0, KeelCli.execute("run", "--config", config.toString(), "--exit-at-eoi"));
        assertEquals(first, Files.readAllLines(output), "the second run resumed: nothing lost, nothing repeated");
        assertEquals(aggregates(Path.of("..", "examples", "trades.json")), applyChanges(output));
    }

    @Test
    void invalidConfigFailsWithThePathOfTheField() throws IOException
    {
        final Path config = dir.resolve("bad.json");
        Files.writeString(config, "{\"program\": \"trades-vwap\", \"workers\": 0}");
        final java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        final java.io.PrintStream saved = System.err;
        System.setErr(new java.io.PrintStream(err, true));
        try
        {
            assertEquals(1, KeelCli.execute("run", "--config", config.toString()));
        }
        finally
        {
            System.setErr(saved);
        }
        assertTrue(err.toString().contains("$.workers"), err.toString());
    }

    @Test
    void unknownProgramIsNamed()
    {
        final RuntimeException e = assertThrows(RuntimeException.class, () -> ProgramRegistry.resolve("nope"));
        assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("trades-vwap"), e.getMessage());
    }

    private Path writeTrades(final int count, final long seed) throws IOException
    {
        final Random random = new Random(seed);
        final StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= count; i++)
        {
            sb.append("{\"id\":").append(i)
                .append(",\"symbol\":\"").append(SYMBOLS[random.nextInt(SYMBOLS.length)])
                .append("\",\"price\":").append(100 + random.nextInt(10_000))
                .append(",\"qty\":").append(1 + random.nextInt(100))
                .append(",\"ts\":").append(1_000_000L * i).append("}\n");
        }
        final Path trades = dir.resolve("trades.json");
        Files.writeString(trades, sb);
        return trades;
    }

    private Path writeConfig(final String model, final Path trades, final Path output, final int maxBatch)
        throws IOException
    {
        final String config = "{\n" +
            "  \"program\": \"trades-vwap\",\n" +
            "  \"storage_config\": {\"path\": " + JSON.writeValueAsString(dir.resolve("storage").toString()) + "},\n" +
            "  \"fault_tolerance\": {\"model\": \"" + model + "\"},\n" +
            "  \"threading_mode\": \"shared\",\n" +
            "  \"inputs\": {\"trades\": {\"stream\": \"trades\", \"max_batch_size\": " + maxBatch + ",\n" +
            "    \"transport\": {\"name\": \"file_input\", \"config\": {\"path\": " +
            JSON.writeValueAsString(trades.toString()) + "}},\n" +
            "    \"format\": {\"name\": \"json\", \"config\": {\"update_format\": \"raw\"}}}},\n" +
            "  \"outputs\": {\"vwap\": {\"stream\": \"vwap\",\n" +
            "    \"transport\": {\"name\": \"file_output\", \"config\": {\"path\": " +
            JSON.writeValueAsString(output.toString()) + "}},\n" +
            "    \"format\": {\"name\": \"json\"}}}\n" +
            "}\n";
        final Path file = dir.resolve("pipeline.json");
        Files.writeString(file, config);
        return file;
    }

    /** symbol -> [trades, volume, notional, low, high], computed from the input directly. */
    static Map<String, List<Long>> aggregates(final Path trades) throws IOException
    {
        final Map<String, long[]> acc = new TreeMap<>();
        for (final String line : Files.readAllLines(trades))
        {
            final JsonNode t = JSON.readTree(line);
            final long price = t.get("price").asLong();
            final long qty = t.get("qty").asLong();
            final long[] a = acc.computeIfAbsent(t.get("symbol").asText(),
                s -> new long[]{ 0, 0, 0, Long.MAX_VALUE, Long.MIN_VALUE });
            a[0]++;
            a[1] += qty;
            a[2] += price * qty;
            a[3] = Math.min(a[3], price);
            a[4] = Math.max(a[4], price);
        }
        final Map<String, List<Long>> result = new TreeMap<>();
        acc.forEach((s, a) -> result.put(s, List.of(a[0], a[1], a[2], a[3], a[4])));
        return result;
    }

    /** Applies the insert/delete lines in order; a delete of an absent row fails the test. */
    static Map<String, List<Long>> applyChanges(final Path output) throws IOException
    {
        final Map<String, Map<List<Long>, Integer>> rows = new HashMap<>();
        for (final String line : Files.readAllLines(output))
        {
            final JsonNode change = JSON.readTree(line);
            final boolean insert = change.has("insert");
            final JsonNode row = insert ? change.get("insert") : change.get("delete");
            final String symbol = row.get("symbol").asText();
            final List<Long> values = List.of(row.get("trades").asLong(), row.get("volume").asLong(),
                row.get("notional").asLong(), row.get("low").asLong(), row.get("high").asLong());
            final Map<List<Long>, Integer> bySymbol = rows.computeIfAbsent(symbol, s -> new HashMap<>());
            final int weight = bySymbol.getOrDefault(values, 0) + (insert ? 1 : -1);
            assertTrue(weight >= 0, "delete of a row that is not there: " + line);
            if (weight == 0)
            {
                bySymbol.remove(values);
            }
            else
            {
                bySymbol.put(values, weight);
            }
        }
        final Map<String, List<Long>> result = new TreeMap<>();
        rows.forEach((symbol, set) ->
        {
            if (!set.isEmpty())
            {
                assertEquals(1, set.size(), "one aggregate row per symbol: " + symbol + " " + set);
                result.put(symbol, set.keySet().iterator().next());
            }
        });
        return result;
    }
}
