package dev.keel.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.connector.delta.DeltaSchemas;
import dev.keel.connector.delta.DeltaTableReader;
import dev.keel.connector.delta.DeltaTables;
import dev.keel.sync.SyncFixture;
import io.delta.kernel.Snapshot;
import io.delta.kernel.Table;
import io.delta.kernel.data.ColumnarBatch;
import io.delta.kernel.data.FilteredColumnarBatch;
import io.delta.kernel.engine.Engine;
import io.delta.kernel.utils.CloseableIterator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static dev.keel.tools.CrashHarness.SEED;
import static org.junit.jupiter.api.Assertions.*;

/**
 * File in -> trades-vwap -> {@code delta_table_output} with {@code exactly_once}, real {@code keel run} processes
 * SIGKILLed at seeded random moments ({@link CrashHarness#crashLoop}) and restarted on the same storage: the final
 * table, read with delta-kernel and applied step by step ({@code __keel_ts} order), never deletes a row that is not
 * there and ends with exactly one row per symbol, equal to the aggregates of the input, as the table of an
 * uninterrupted run does: each step's changes are in the table exactly once, the {@code txn} version is the last
 * step. The same with the table in a bucket of the loopback S3 server ({@code s3://}, Keel's S3 file access;
 * opt-in: {@code -Dkeel.delta.s3.crash=true}).
 */
@Tag("crash")
class DeltaCrashLoopTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TRADES = Integer.getInteger("keel.delta.crash.trades", 20_000);
    private static final int KILLS = Integer.getInteger("keel.delta.crash.kills", 3);

    @TempDir
    Path dir;

    @Test
    void exactlyOnceTableSurvivesSigkill() throws Exception
    {
        final CrashHarness harness = new CrashHarness(dir);
        final Path trades = harness.writeTrades(TRADES, 31);
        final Map<String, List<Long>> aggregates = RunCommandTest.aggregates(trades);

        final Path baselineTable = dir.resolve("baseline-table");
        final Path baselineConfig = writeConfig(trades, baselineTable, dir.resolve("baseline-storage"));
        final long startNs = System.nanoTime();
        final Process baseline = CrashHarness.start(baselineConfig, dir.resolve("baseline.log"));
        assertTrue(baseline.waitFor(180, TimeUnit.SECONDS), "baseline run finished");
        assertEquals(0, baseline.exitValue(), Files.readString(dir.resolve("baseline.log")));
        final long runMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
        assertEquals(aggregates, applyTable(baselineTable), "the uninterrupted run's table");

        final Path table = dir.resolve("table");
        final Path config = writeConfig(trades, table, dir.resolve("storage"));
        final CrashHarness.RunLog log = harness.crashLoop(config, new Random(SEED), KILLS, false, runMillis);
        assertTrue(log.kills > 0 && log.restores() > 0, "killed, and restarted from a checkpoint: " + log);
        assertEquals(aggregates, applyTable(table), "each step exactly once: " + log);
        System.out.println("DeltaCrashLoopTest uninterrupted " + runMillis + " ms, " + log);
    }

    @Test
    // 112 s here (load average 10-15 on 2 cores) against 54 s for the local table: opt-in, to keep the default
    // suite short
    @EnabledIfSystemProperty(named = "keel.delta.s3.crash", matches = "true")
    void exactlyOnceTableInS3SurvivesSigkill() throws Exception
    {
        final SyncFixture s3 = SyncFixture.shared();
        final String bucket = s3.newBucket();
        final Map<String, String> options = Map.of("region", "us-east-1", "endpoint_url", "http://127.0.0.1:" +
            s3.s3Port, "aws_access_key_id", SyncFixture.ACCESS_KEY, "aws_secret_access_key", SyncFixture.SECRET_KEY);
        final CrashHarness harness = new CrashHarness(dir);
        final Path trades = harness.writeTrades(TRADES, 37);
        final Map<String, List<Long>> aggregates = RunCommandTest.aggregates(trades);

        final String baselineUri = "s3://" + bucket + "/baseline";
        final Path baselineConfig = writeConfig(trades, s3Table(baselineUri, options), dir.resolve("baseline-storage"));
        final long startNs = System.nanoTime();
        final Process baseline = CrashHarness.start(baselineConfig, dir.resolve("baseline.log"));
        assertTrue(baseline.waitFor(180, TimeUnit.SECONDS), "baseline run finished");
        assertEquals(0, baseline.exitValue(), Files.readString(dir.resolve("baseline.log")));
        final long runMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
        assertEquals(aggregates, applyTable(baselineUri, options), "the uninterrupted run's table in S3");

        final String uri = "s3://" + bucket + "/vwap";
        final Path config = writeConfig(trades, s3Table(uri, options), dir.resolve("storage"));
        final CrashHarness.RunLog log = harness.crashLoop(config, new Random(SEED + 5), KILLS, false, runMillis);
        assertTrue(log.kills > 0 && log.restores() > 0, "killed, and restarted from a checkpoint: " + log);
        assertEquals(aggregates, applyTable(uri, options), "each step exactly once in the S3 table: " + log);
        assertFalse(log.allOutput.contains(SyncFixture.SECRET_KEY), "the secret never reaches the log");
        System.out.println("DeltaCrashLoopTest S3 uninterrupted " + runMillis + " ms, " + log);
    }

    private static String s3Table(final String uri, final Map<String, String> options) throws Exception
    {
        final Map<String, String> settings = new TreeMap<>(options);
        settings.put("uri", uri);
        return JSON.writeValueAsString(settings);
    }

    private Path writeConfig(final Path trades, final Path table, final Path storage) throws Exception
    {
        return writeConfig(trades, "{\"uri\": " + JSON.writeValueAsString(table.toString()) + "}", storage);
    }

    private Path writeConfig(final Path trades, final String tableSettings, final Path storage) throws Exception
    {
        final String config = "{\n" +
            "  \"name\": \"crash\",\n" +
            "  \"program\": \"trades-vwap\",\n" +
            "  \"storage_config\": {\"path\": " + JSON.writeValueAsString(storage.toString()) + "},\n" +
            "  \"fault_tolerance\": {\"model\": \"exactly_once\", \"checkpoint_interval_secs\": 1},\n" +
            "  \"threading_mode\": \"dedicated\",\n" +
            "  \"inputs\": {\"trades\": {\"stream\": \"trades\", \"max_batch_size\": 1,\n" +
            "    \"transport\": {\"name\": \"file_input\", \"config\": {\"path\": " +
            JSON.writeValueAsString(trades.toString()) + "}},\n" +
            "    \"format\": {\"name\": \"json\", \"config\": {\"update_format\": \"raw\"}}}},\n" +
            "  \"outputs\": {\"vwap\": {\"stream\": \"vwap\",\n" +
            "    \"transport\": {\"name\": \"delta_table_output\", \"config\": " + tableSettings + "}}}\n" +
            "}\n";
        final Path file = dir.resolve("pipeline-" + storage.getFileName() + ".json");
        Files.writeString(file, config);
        return file;
    }

    /**
     * Applies the table's changes step by step in {@code __keel_ts} order; after every step no row has a negative
     * count; at the end there is one row per symbol. Also checks the {@code txn} version is the table's last step.
     */
    static Map<String, List<Long>> applyTable(final Path table) throws Exception
    {
        return applyTable(table.toString(), Map.of());
    }

    /** The same for the table at {@code uri} with its storage options (an {@code s3://} table's S3 settings). */
    static Map<String, List<Long>> applyTable(final String uri, final Map<String, String> options) throws Exception
    {
        final Engine engine = DeltaTables.engine(uri, options);
        final Snapshot snapshot = Table.forPath(engine, uri).getLatestSnapshot(engine);
        final DeltaTableReader reader = new DeltaTableReader(engine, snapshot);
        final TreeMap<Long, List<Object[]>> steps = new TreeMap<>();
        for (int f = 0; f < reader.fileCount(); f++)
        {
            try (CloseableIterator<FilteredColumnarBatch> batches = reader.read(f))
            {
                while (batches.hasNext())
                {
                    final ColumnarBatch batch = batches.next().getData();
                    final int symbol = batch.getSchema().indexOf("symbol");
                    final int op = batch.getSchema().indexOf(DeltaSchemas.OP_COLUMN);
                    final int ts = batch.getSchema().indexOf(DeltaSchemas.TRANSACTION_COLUMN);
                    final String[] names = { "trades", "volume", "notional", "low", "high" };
                    for (int r = 0; r < batch.getSize(); r++)
                    {
                        final List<Long> values = new ArrayList<>();
                        for (final String name : names)
                        {
                            values.add(batch.getColumnVector(batch.getSchema().indexOf(name)).getLong(r));
                        }
                        steps.computeIfAbsent(batch.getColumnVector(ts).getLong(r), t -> new ArrayList<>())
                            .add(new Object[]{ batch.getColumnVector(symbol).getString(r),
                                batch.getColumnVector(op).getString(r), values });
                    }
                }
            }
        }
        assertEquals(steps.lastKey(), snapshot.getLatestTransactionVersion(engine, "crash/vwap").orElseThrow(),
            "the txn version is the last step in the table");
        final Map<String, Map<List<Long>, Integer>> rows = new HashMap<>();
        steps.forEach((step, changes) ->
        {
            for (final Object[] change : changes)
            {
                @SuppressWarnings("unchecked") final List<Long> values = (List<Long>)change[2];
                rows.computeIfAbsent((String)change[0], s -> new HashMap<>())
                    .merge(values, "i".equals(change[1]) ? 1 : -1, Integer::sum);
            }
            rows.forEach((symbol, set) -> set.forEach((values, weight) ->
                assertTrue(weight >= 0 && weight <= 1, "step " + step + ": " + symbol + " " + values + " count " +
                    weight)));
            rows.values().forEach(set -> set.values().removeIf(w -> w == 0));
        });
        final Map<String, List<Long>> result = new TreeMap<>();
        rows.forEach((symbol, set) ->
        {
            assertEquals(1, set.size(), "one aggregate row per symbol: " + symbol + " " + set);
            result.put(symbol, set.keySet().iterator().next());
        });
        return result;
    }
}
