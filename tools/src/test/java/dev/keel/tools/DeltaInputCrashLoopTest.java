package dev.keel.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.connector.delta.DeltaOutputConnector;
import dev.keel.connector.delta.DeltaOutputEndpoint;
import dev.keel.engine.config.FaultToleranceModel;
import dev.keel.engine.config.PipelineConfigParser;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.examples.TradesVwap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static dev.keel.tools.CrashHarness.SEED;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code delta_table_input} (a table of trades in several data files) -> trades-vwap -> {@code file_output} with
 * {@code exactly_once}, real {@code keel run} processes SIGKILLed at seeded random moments
 * ({@link CrashHarness#crashLoop}): the output applied in order never deletes a row that is not there and equals
 * the aggregates of the input, so every table record was read exactly once across the restarts (resumed from the
 * journaled position tokens).
 */
@Tag("crash")
class DeltaInputCrashLoopTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TRADES = Integer.getInteger("keel.delta.crash.trades", 20_000);
    private static final int KILLS = Integer.getInteger("keel.delta.crash.kills", 3);

    @TempDir
    Path dir;

    @Test
    void exactlyOnceFromATableSurvivesSigkill() throws Exception
    {
        final CrashHarness harness = new CrashHarness(dir);
        final Path trades = harness.writeTrades(TRADES, 37);
        final Path table = dir.resolve("trades-table");
        writeTable(trades, table, 4);
        final Map<String, List<Long>> aggregates = RunCommandTest.aggregates(trades);

        final Path baselineOutput = dir.resolve("baseline.json");
        final Path baselineConfig = writeConfig(table, baselineOutput, dir.resolve("baseline-storage"));
        final long startNs = System.nanoTime();
        final Process baseline = CrashHarness.start(baselineConfig, dir.resolve("baseline.log"));
        assertTrue(baseline.waitFor(180, TimeUnit.SECONDS), "baseline run finished");
        assertEquals(0, baseline.exitValue(), Files.readString(dir.resolve("baseline.log")));
        final long runMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
        assertEquals(aggregates, RunCommandTest.applyChanges(baselineOutput), "the uninterrupted run");

        final Path output = dir.resolve("vwap.json");
        final Path config = writeConfig(table, output, dir.resolve("storage"));
        final CrashHarness.RunLog log = harness.crashLoop(config, new Random(SEED), KILLS, false, runMillis);
        assertTrue(log.kills > 0 && log.restores() > 0, "killed, and restarted from a checkpoint: " + log);
        assertEquals(aggregates, RunCommandTest.applyChanges(output), "each table record exactly once: " + log);
        System.out.println("DeltaInputCrashLoopTest uninterrupted " + runMillis + " ms, " + log);
    }

    /** Writes the trades into a Delta table in {@code commits} commits (one data file each). */
    private static void writeTable(final Path trades, final Path table, final int commits) throws Exception
    {
        final List<String> lines = Files.readAllLines(trades);
        final RowWriter writer = new RowWriter(TradesVwap.TRADES);
        try (DeltaOutputEndpoint out = (DeltaOutputEndpoint)new DeltaOutputConnector().create(
            PipelineConfigParser.parse("{\"outputs\": {\"t\": {\"stream\": \"trades\", \"transport\": " +
                "{\"name\": \"delta_table_output\", \"config\": {\"uri\": " +
                JSON.writeValueAsString(table.toString()) + "}}}}}").outputs().get("t"),
            TradesVwap.TRADES,
            new ConnectorContext().pipelineName("load").faultToleranceModel(FaultToleranceModel.NONE)))
        {
            out.open();
            final int per = (lines.size() + commits - 1) / commits;
            for (int c = 0; c < commits; c++)
            {
                final ZSetBatch batch = new ZSetBatch(TradesVwap.TRADES);
                for (int i = c * per; i < Math.min(lines.size(), (c + 1) * per); i++)
                {
                    final JsonNode t = JSON.readTree(lines.get(i));
                    writer.reset().putLong(0, t.get("id").asLong()).putString(1, t.get("symbol").asText())
                        .putLong(2, t.get("price").asLong()).putLong(3, t.get("qty").asLong())
                        .putLong(4, t.get("ts").asLong()).finish();
                    batch.add(writer, 1);
                }
                out.onDurable(c + 1);
                while (!out.offer(c + 1, batch))
                {
                    out.agent().doWork();
                }
                out.flush();
                while (out.deliveredTransactionId() < c + 1)
                {
                    out.agent().doWork();
                    out.checkError();
                }
            }
            out.agent().onClose();
        }
    }

    private Path writeConfig(final Path table, final Path output, final Path storage) throws Exception
    {
        final String config = "{\n" +
            "  \"name\": \"crash\",\n" +
            "  \"program\": \"trades-vwap\",\n" +
            "  \"storage_config\": {\"path\": " + JSON.writeValueAsString(storage.toString()) + "},\n" +
            "  \"fault_tolerance\": {\"model\": \"exactly_once\", \"checkpoint_interval_secs\": 1},\n" +
            "  \"threading_mode\": \"dedicated\",\n" +
            "  \"inputs\": {\"trades\": {\"stream\": \"trades\", \"max_batch_size\": 1,\n" +
            "    \"transport\": {\"name\": \"delta_table_input\", \"config\": {\"uri\": " +
            JSON.writeValueAsString(table.toString()) + "}}}},\n" +
            "  \"outputs\": {\"vwap\": {\"stream\": \"vwap\",\n" +
            "    \"transport\": {\"name\": \"file_output\", \"config\": {\"path\": " +
            JSON.writeValueAsString(output.toString()) + "}},\n" +
            "    \"format\": {\"name\": \"json\"}}}\n" +
            "}\n";
        final Path file = dir.resolve("pipeline-" + storage.getFileName() + ".json");
        Files.writeString(file, config);
        return file;
    }
}
