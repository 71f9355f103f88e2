package dev.keel.connector.delta;

import dev.keel.engine.KeelException;
import dev.keel.engine.config.ConfigException;
import dev.keel.engine.config.FaultToleranceModel;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.ZSetBatch;
import io.delta.kernel.Table;
import io.delta.kernel.engine.Engine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.keel.connector.delta.DeltaTestSupport.SCHEMA;
import static dev.keel.connector.delta.DeltaTestSupport.output;
import static dev.keel.connector.delta.DeltaTestSupport.readTable;
import static dev.keel.connector.delta.DeltaTestSupport.sorted;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code delta_table_output} on a local-filesystem table, read back with delta-kernel: every column type, inserts and
 * deletes with the change columns, the {@code txn} action per commit, and exactly once across restarts (a replay from
 * an older checkpoint skips the steps the table already holds).
 */
class DeltaOutputEndpointTest
{
    @TempDir
    Path dir;

    private final RowWriter writer = new RowWriter(SCHEMA);

    private DeltaOutputEndpoint endpoint(final String uri, final FaultToleranceModel model)
    {
        return (DeltaOutputEndpoint)new DeltaOutputConnector().create(output("{\"uri\": \"" + uri + "\"}"), SCHEMA,
            new ConnectorContext().pipelineName("p").faultToleranceModel(model));
    }

    private ZSetBatch step(final long transaction)
    {
        final ZSetBatch batch = new ZSetBatch(SCHEMA);
        for (int i = 0; i < 3; i++)
        {
            final long id = transaction * 10 + i;
            writer.reset().putLong(0, id).putInt(2, i).putDouble(3, id + 0.5).putLong(4, id * 100 + 25)
                .putLong(5, 1_700_000_000_000_000L + id).putBool(6, i % 2 == 0);
            if (i == 2)
            {
                writer.putNull(1).putNull(7);
            }
            else
            {
                writer.putString(1, "s\u00e9" + transaction).putBytes(7, new byte[]{(byte)i, (byte)0xff});
            }
            writer.finish();
            batch.add(writer, i == 1 && transaction % 2 == 0 ? -1 : 1);
        }
        return batch;
    }

    private static List<String> expected(final long from, final long to)
    {
        final List<String> records = new ArrayList<>();
        for (long t = from; t <= to; t++)
        {
            for (int i = 0; i < 3; i++)
            {
                final long id = t * 10 + i;
                final String op = i == 1 && t % 2 == 0 ? "d" : "i";
                records.add(id + "|" + (i == 2 ? "null" : "s\u00e9" + t) + "|" + i + "|" + (id + 0.5) + "|" +
                    (id + ".25") + "|" + (1_700_000_000_000_000L + id) + "|" + (i % 2 == 0) + "|" +
                    (i == 2 ? "null" : String.format("%02xff", i)) + "|" + op + "|" + t);
            }
        }
        return records;
    }

    private void offerAll(final DeltaOutputEndpoint endpoint, final long from, final long to) throws Exception
    {
        for (long t = from; t <= to; t++)
        {
            final ZSetBatch batch = step(t);
            final long deadline = System.nanoTime() + 30_000_000_000L;
            endpoint.onDurable(t); // no journal: durable as it runs, as the circuit reports it
            while (!endpoint.offer(t, batch))
            {
                assertTrue(System.nanoTime() < deadline);
                endpoint.agent().doWork();
            }
        }
    }

    private static void awaitDelivered(final DeltaOutputEndpoint endpoint, final long transaction) throws Exception
    {
        endpoint.flush();
        final long deadline = System.nanoTime() + 60_000_000_000L;
        while (endpoint.deliveredTransactionId() < transaction)
        {
            assertTrue(System.nanoTime() < deadline, "delivered " + endpoint.deliveredTransactionId());
            endpoint.agent().doWork();
            endpoint.checkError();
        }
    }

    private static long latestTxn(final String uri)
    {
        final Engine engine = DeltaTables.engine(Map.of());
        return Table.forPath(engine, uri).getLatestSnapshot(engine).getLatestTransactionVersion(engine, "p/out")
            .orElse(-1L);
    }

    @Test
    void aHeldStepIsNotInTheTableBeforeItIsDurable() throws Exception
    {
        final String uri = dir.resolve("held").toString();
        try (DeltaOutputEndpoint endpoint = endpoint(uri, FaultToleranceModel.EXACTLY_ONCE))
        {
            assertTrue(endpoint.holdsUntilDurable());
            endpoint.open();
            endpoint.onDurable(1);
            for (long t = 1; t <= 3; t++)
            {
                assertTrue(endpoint.offer(t, step(t)));
            }
            endpoint.flush();
            // flushed, drained, past the 100 ms commit delay: only the durability of steps 2 and 3 is missing
            final long until = System.nanoTime() + 300_000_000L;
            while (System.nanoTime() < until)
            {
                endpoint.agent().doWork();
                endpoint.checkError();
            }
            assertTrue(endpoint.deliveredTransactionId() < 1, "delivered " + endpoint.deliveredTransactionId());
            assertFalse(Files.exists(dir.resolve("held").resolve("_delta_log")), "no commit before durable");
            endpoint.onDurable(3);
            awaitDelivered(endpoint, 3);
            assertEquals(3, latestTxn(uri));
            endpoint.agent().onClose();
        }
        assertEquals(sorted(expected(1, 3)), sorted(readTable(uri)));
    }

    @Test
    void writesEveryColumnTypeWithChangeColumnsAndExactlyOnceAcrossRestarts() throws Exception
    {
        final String uri = dir.resolve("table").toString();
        try (DeltaOutputEndpoint endpoint = endpoint(uri, FaultToleranceModel.EXACTLY_ONCE))
        {
            endpoint.open();
            offerAll(endpoint, 1, 2);
            awaitDelivered(endpoint, 2);
            offerAll(endpoint, 3, 5);
            awaitDelivered(endpoint, 5);
            endpoint.agent().onClose();
        }
        assertEquals(sorted(expected(1, 5)), sorted(readTable(uri)));
        assertEquals(5, latestTxn(uri), "the last commit's txn action names step 5");
        final String log = Files.readString(dir.resolve("table/_delta_log/00000000000000000000.json"));
        assertTrue(log.contains("\"txn\":{\"appId\":\"p/out\",\"version\":2"), log);

        // a restart from a checkpoint at step 3 replays steps 4..8: 4 and 5 are in the table already
        try (DeltaOutputEndpoint endpoint = endpoint(uri, FaultToleranceModel.EXACTLY_ONCE))
        {
            endpoint.restore(3, 3);
            endpoint.agent().doWork();
            assertEquals(5, endpoint.deliveredTransactionId(), "the table holds steps up to 5");
            offerAll(endpoint, 4, 8);
            awaitDelivered(endpoint, 8);
            endpoint.agent().onClose();
        }
        assertEquals(sorted(expected(1, 8)), sorted(readTable(uri)), "each step exactly once");
        assertEquals(8, latestTxn(uri));

        // a fresh start (no checkpoint) that replays the journal from the beginning skips everything committed
        try (DeltaOutputEndpoint endpoint = endpoint(uri, FaultToleranceModel.EXACTLY_ONCE))
        {
            endpoint.open();
            offerAll(endpoint, 1, 9);
            awaitDelivered(endpoint, 9);
            endpoint.agent().onClose();
        }
        assertEquals(sorted(expected(1, 9)), sorted(readTable(uri)));
    }

    @Test
    void writesTableCheckpointsSoARestartReadsAShortLog() throws Exception
    {
        final String uri = dir.resolve("long").toString();
        try (DeltaOutputEndpoint endpoint = endpoint(uri, FaultToleranceModel.EXACTLY_ONCE))
        {
            endpoint.open();
            for (long t = 1; t <= 12; t++)
            {
                offerAll(endpoint, t, t);
                awaitDelivered(endpoint, t);
            }
            endpoint.agent().onClose();
        }
        assertTrue(Files.exists(dir.resolve("long/_delta_log/00000000000000000010.checkpoint.parquet")),
            "the kernel's checkpoint at version 10");
        assertEquals(sorted(expected(1, 12)), sorted(readTable(uri)));
        assertEquals(12, latestTxn(uri), "the txn version survives the checkpoint");
    }

    @Test
    void withoutExactlyOnceNoTxnActionAndNothingSkipped() throws Exception
    {
        final String uri = dir.resolve("alo").toUri().toString();
        assertTrue(uri.startsWith("file:/"));
        try (DeltaOutputEndpoint endpoint = endpoint(uri, FaultToleranceModel.AT_LEAST_ONCE))
        {
            endpoint.open();
            offerAll(endpoint, 1, 3);
            awaitDelivered(endpoint, 3);
            endpoint.agent().onClose();
        }
        try (DeltaOutputEndpoint endpoint = endpoint(uri, FaultToleranceModel.AT_LEAST_ONCE))
        {
            endpoint.restore(2, 2);
            offerAll(endpoint, 3, 3);
            awaitDelivered(endpoint, 3);
            endpoint.agent().onClose();
        }
        final List<String> twice = new ArrayList<>(expected(1, 3));
        twice.addAll(expected(3, 3));
        assertEquals(sorted(twice), sorted(readTable(uri)), "at least once: step 3 again");
        assertEquals(-1, latestTxn(uri));
    }

    @Test
    void backPressureWhenTheQueueIsFull() throws Exception
    {
        final String uri = dir.resolve("bp").toString();
        final DeltaOutputEndpoint endpoint = (DeltaOutputEndpoint)new DeltaOutputConnector().create(
            output("{\"uri\": \"" + uri + "\", \"queue_capacity_bytes\": 65536}"), SCHEMA,
            new ConnectorContext().pipelineName("p").faultToleranceModel(FaultToleranceModel.EXACTLY_ONCE));
        endpoint.open();
        final ZSetBatch big = new ZSetBatch(SCHEMA);
        for (int i = 0; i < 2000; i++)
        {
            writer.reset().putLong(0, i).putNull(1).putInt(2, 0).putDouble(3, 0).putLong(4, 0).putLong(5, 0)
                .putBool(6, false).putNull(7).finish();
            big.add(writer, 1);
        }
        endpoint.onDurable(1);
        assertFalse(endpoint.offer(1, big), "2000 rows do not fit a 64 KiB queue");
        final long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (!endpoint.offer(1, big))
        {
            endpoint.agent().doWork();
            endpoint.checkError();
            assertTrue(System.nanoTime() < deadline, "the queue never took the step");
        }
        awaitDelivered(endpoint, 1);
        endpoint.agent().onClose();
        assertEquals(1, latestTxn(uri));
    }

    @Test
    void aCommitNeverHoldsPartOfAStep() throws Exception
    {
        final String uri = dir.resolve("partial").toString();
        final DeltaOutputEndpoint endpoint = (DeltaOutputEndpoint)new DeltaOutputConnector().create(
            output("{\"uri\": \"" + uri + "\", \"queue_capacity_bytes\": 65536}"), SCHEMA,
            new ConnectorContext().pipelineName("p").faultToleranceModel(FaultToleranceModel.EXACTLY_ONCE));
        endpoint.open();
        offerAll(endpoint, 1, 1);
        final ZSetBatch big = new ZSetBatch(SCHEMA);
        for (int i = 0; i < 2000; i++)
        {
            writer.reset().putLong(0, 1000 + i).putString(1, "big").putInt(2, 0).putDouble(3, 0).putLong(4, 0)
                .putLong(5, 0).putBool(6, false).putNull(7).finish();
            big.add(writer, 1);
        }
        endpoint.onDurable(2);
        assertFalse(endpoint.offer(2, big), "step 2 is taken in part");
        // the agent drains step 1 and part of step 2, and commits step 1 only
        while (endpoint.deliveredTransactionId() < 1)
        {
            endpoint.agent().doWork();
            endpoint.checkError();
        }
        assertEquals(sorted(expected(1, 1)), sorted(readTable(uri)), "no record of step 2 yet");
        assertEquals(1, latestTxn(uri));
        while (!endpoint.offer(2, big))
        {
            endpoint.agent().doWork();
        }
        awaitDelivered(endpoint, 2);
        endpoint.agent().onClose();
        final List<String> records = readTable(uri);
        assertEquals(3 + 2000, records.size());
        assertEquals(2000, records.stream().filter(r -> r.endsWith("|i|2")).count());
        assertEquals(2, latestTxn(uri));
    }

    @Test
    void badSettingsNameTheirPath()
    {
        final ConnectorContext context = new ConnectorContext();
        final ConfigException unknown = assertThrows(ConfigException.class, () -> new DeltaOutputConnector()
            .create(output("{\"uri\": \"/tmp/x\", \"bogus\": 1}"), SCHEMA, context));
        assertEquals("$.outputs.out.transport.config.bogus", unknown.path());
        final ConfigException missing = assertThrows(ConfigException.class, () -> new DeltaOutputConnector()
            .create(output("{}"), SCHEMA, context));
        assertEquals("$.outputs.out.transport.config.uri", missing.path());
        final ConfigException mode = assertThrows(ConfigException.class, () -> new DeltaOutputConnector()
            .create(output("{\"uri\": \"/tmp/x\", \"mode\": \"truncate\"}"), SCHEMA, context));
        assertEquals("$.outputs.out.transport.config.mode", mode.path());
    }

    @Test
    void refusesATableOfAnotherSchemaAndAnExistingTableWithErrorIfExists() throws Exception
    {
        final String uri = dir.resolve("other").toString();
        try (DeltaOutputEndpoint endpoint = endpoint(uri, FaultToleranceModel.EXACTLY_ONCE))
        {
            endpoint.open();
            offerAll(endpoint, 1, 1);
            awaitDelivered(endpoint, 1);
            endpoint.agent().onClose();
        }
        final DeltaOutputEndpoint other = (DeltaOutputEndpoint)new DeltaOutputConnector().create(
            output("{\"uri\": \"" + uri + "\"}"), SCHEMA.project(0, 1), new ConnectorContext().pipelineName("p"));
        other.open();
        other.agent().doWork();
        final KeelException schema = assertThrows(KeelException.class, other::checkError);
        assertEquals("CONNECTOR_SCHEMA_MISMATCH", schema.code());

        final DeltaOutputEndpoint exists = (DeltaOutputEndpoint)new DeltaOutputConnector().create(
            output("{\"uri\": \"" + uri + "\", \"mode\": \"error_if_exists\"}"), SCHEMA,
            new ConnectorContext().pipelineName("q"));
        exists.open();
        exists.agent().doWork();
        assertEquals("CONNECTOR_TABLE_EXISTS", assertThrows(KeelException.class, exists::checkError).code());
        try (Stream<Path> files = Files.list(dir.resolve("other/_delta_log")))
        {
            assertEquals(1, files.filter(p -> p.toString().endsWith(".json")).count());
        }
        assertNotNull(StandardCharsets.UTF_8);
    }
}
