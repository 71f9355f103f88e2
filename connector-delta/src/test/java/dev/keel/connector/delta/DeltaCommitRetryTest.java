package dev.keel.connector.delta;

import dev.keel.engine.KeelException;
import dev.keel.engine.config.ConfigException;
import dev.keel.engine.config.FaultToleranceModel;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.connector.EndpointCounters;
import dev.keel.engine.data.RowWriter;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.sync.FaultProxy;
import dev.keel.sync.SyncFixture;
import io.delta.kernel.Table;
import io.delta.kernel.engine.Engine;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static dev.keel.connector.delta.DeltaTestSupport.SCHEMA;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Commit retries of {@code delta_table_output} on an {@code s3://} table, with faults injected into single
 * requests by a {@link FaultProxy} between the client and S3Mock: a log entry stored whose answer is lost (the
 * retry finds its {@code txn} version and does not write the step again), data-file PUTs failing more often than
 * the SDK's own retries (rewritten under fresh names), retries exhausted (the error names table, version, step and
 * cause), and the retry settings' errors with their JSON path.
 */
class DeltaCommitRetryTest
{
    private static final String CONFIG = "$.outputs.out.transport.config";
    private static SyncFixture s3;

    private final RowWriter writer = new RowWriter(SCHEMA);

    @BeforeAll
    static void server()
    {
        s3 = SyncFixture.shared();
    }

    static String settings(final String uri, final int port, final String extra)
    {
        return "{\"uri\": \"" + uri + "\", \"region\": \"us-east-1\", \"endpoint_url\": \"http://127.0.0.1:" +
            port + "\", \"aws_access_key_id\": \"" + SyncFixture.ACCESS_KEY + "\", \"aws_secret_access_key\": \"" +
            SyncFixture.SECRET_KEY + "\"" + extra + "}";
    }

    static Map<String, String> options()
    {
        return Map.of("region", "us-east-1", "endpoint_url", "http://127.0.0.1:" + SyncFixture.shared().s3Port,
            "aws_access_key_id", SyncFixture.ACCESS_KEY, "aws_secret_access_key", SyncFixture.SECRET_KEY);
    }

    private static DeltaOutputEndpoint endpoint(final String uri, final int port, final String extra)
    {
        return (DeltaOutputEndpoint)new DeltaOutputConnector().create(
            DeltaTestSupport.output(settings(uri, port, extra)), SCHEMA,
            new ConnectorContext().pipelineName("p").faultToleranceModel(FaultToleranceModel.EXACTLY_ONCE));
    }

    private ZSetBatch step(final long t, final int rows)
    {
        final ZSetBatch batch = new ZSetBatch(SCHEMA);
        for (int i = 0; i < rows; i++)
        {
            writer.reset().putLong(0, t * 100 + i).putString(1, "s" + t).putInt(2, i).putDouble(3, 1.5)
                .putLong(4, 12345).putLong(5, 7).putBool(6, true).putNull(7).finish();
            batch.add(writer, 1);
        }
        return batch;
    }

    /** Offers steps from..to and drives the agent until all are delivered. */
    private void write(final DeltaOutputEndpoint out, final long from, final long to) throws Exception
    {
        for (long t = from; t <= to; t++)
        {
            final ZSetBatch batch = step(t, 3);
            final long deadline = System.nanoTime() + 60_000_000_000L;
            out.onDurable(t); // no journal: durable as it runs, as the circuit reports it
            while (!out.offer(t, batch))
            {
                assertTrue(System.nanoTime() < deadline, "offer of step " + t);
                out.agent().doWork();
                out.checkError();
            }
            out.flush();
            while (out.deliveredTransactionId() < t)
            {
                assertTrue(System.nanoTime() < deadline, "delivery of step " + t);
                out.agent().doWork();
                out.checkError();
            }
        }
    }

    static List<String> rows(final long from, final long to, final int rows)
    {
        final List<String> records = new ArrayList<>();
        for (long t = from; t <= to; t++)
        {
            for (int i = 0; i < rows; i++)
            {
                records.add((t * 100 + i) + "|s" + t + "|" + i + "|1.5|123.45|7|true|null|i|" + t);
            }
        }
        return records;
    }

    static List<String> sorted(final List<String> records)
    {
        final List<String> copy = new ArrayList<>(records);
        Collections.sort(copy);
        return copy;
    }

    static long txn(final String uri)
    {
        final Engine engine = DeltaTables.engine(uri, options());
        return Table.forPath(engine, uri).getLatestSnapshot(engine).getLatestTransactionVersion(engine, "p/out")
            .orElseThrow();
    }

    private static Predicate<FaultProxy.Request> put(final String suffix)
    {
        return r -> "PUT".equals(r.method()) && r.target().contains(suffix);
    }

    @Test
    void aLogEntryStoredWithItsAnswerLostIsNotCommittedAgain() throws Exception
    {
        final String uri = "s3://" + s3.newBucket() + "/lost-answer";
        try (FaultProxy proxy = new FaultProxy(s3.s3Port);
            DeltaOutputEndpoint out = endpoint(uri, proxy.port(), ", \"commit_retry_initial_backoff_ms\": 10"))
        {
            final EndpointCounters counters = EndpointCounters.detached("out");
            out.counters(counters);
            out.open();
            write(out, 1, 1);
            // the second log entry reaches S3Mock, its answer is lost: the SDK's retry of the conditional PUT then
            // finds the version taken (412), which the kernel reports as a conflict with this appId's own txn
            proxy.inject(put("_delta_log/00000000000000000001.json"), FaultProxy.Action.DROP_RESPONSE, 1);
            write(out, 2, 3);
            assertEquals(1, proxy.injectedCount());
            assertTrue(counters.retries().get() >= 1, counters.toString());
            assertEquals(0, counters.errors().get());
            out.agent().onClose();
            counters.close();
        }
        assertEquals(sorted(rows(1, 3, 3)), sorted(DeltaTestSupport.readTable(uri, options())),
            "each step exactly once");
        assertEquals(3, txn(uri));
    }

    @Test
    void dataFilePutsFailingBeyondTheSdkRetriesAreRewritten() throws Exception
    {
        final String uri = "s3://" + s3.newBucket() + "/data-503";
        try (FaultProxy proxy = new FaultProxy(s3.s3Port);
            DeltaOutputEndpoint out = endpoint(uri, proxy.port(), ", \"commit_retry_initial_backoff_ms\": 10"))
        {
            final EndpointCounters counters = EndpointCounters.detached("out");
            out.counters(counters);
            out.open();
            write(out, 1, 1);
            proxy.inject(put(".parquet"), FaultProxy.Action.ERROR_503, 5);
            write(out, 2, 3);
            assertEquals(5, proxy.injectedCount());
            assertTrue(counters.retries().get() >= 1, counters.toString());
            out.agent().onClose();
            counters.close();
        }
        assertEquals(sorted(rows(1, 3, 3)), sorted(DeltaTestSupport.readTable(uri, options())));
        assertEquals(3, txn(uri));
    }

    @Test
    void exhaustedRetriesNameTableVersionStepAndCause() throws Exception
    {
        final String uri = "s3://" + s3.newBucket() + "/exhausted";
        try (FaultProxy proxy = new FaultProxy(s3.s3Port);
            DeltaOutputEndpoint out = endpoint(uri, proxy.port(), ", \"commit_max_retries\": 2, " +
                "\"commit_retry_initial_backoff_ms\": 1, \"commit_retry_max_backoff_ms\": 5"))
        {
            final EndpointCounters counters = EndpointCounters.detached("out");
            out.counters(counters);
            out.open();
            write(out, 1, 1);
            proxy.inject(r -> "PUT".equals(r.method()), FaultProxy.Action.ERROR_503, 1_000_000);
            out.onDurable(2);
            assertTrue(out.offer(2, step(2, 3)));
            out.flush();
            final long deadline = System.nanoTime() + 60_000_000_000L;
            KeelException thrown = null;
            while (null == thrown)
            {
                assertTrue(System.nanoTime() < deadline, "no failure");
                out.agent().doWork();
                try
                {
                    out.checkError();
                }
                catch (final KeelException e)
                {
                    thrown = e;
                }
            }
            final String message = thrown.getMessage();
            assertEquals("CONNECTOR_DELTA_COMMIT_FAILED", thrown.code(), message);
            assertTrue(message.contains(uri), message);
            assertTrue(message.contains("steps up to 2") && message.contains("txn version 2 of p/out"), message);
            assertTrue(message.contains("failed 3 times (commit_max_retries 2)"), message);
            assertTrue(message.contains("503") || message.contains("SlowDown"), message);
            assertFalse(message.contains(SyncFixture.SECRET_KEY), message);
            assertEquals(2, counters.retries().get());
            assertEquals(1, counters.errors().get());
            assertEquals(1, out.deliveredTransactionId());
            counters.close();
        }
        assertEquals(sorted(rows(1, 1, 3)), sorted(DeltaTestSupport.readTable(uri, options())));
    }

    @Test
    void retrySettingsErrorsNameTheirJsonPath()
    {
        final ConnectorContext context = new ConnectorContext().pipelineName("p");
        final ConfigException negative = assertThrows(ConfigException.class, () -> DeltaOutputConnector.settings(
            DeltaTestSupport.output("{\"uri\": \"/tmp/t\", \"commit_max_retries\": -1}"), context));
        assertTrue(negative.getMessage().contains(CONFIG + ".commit_max_retries"), negative.getMessage());
        final ConfigException zero = assertThrows(ConfigException.class, () -> DeltaOutputConnector.settings(
            DeltaTestSupport.output("{\"uri\": \"/tmp/t\", \"commit_retry_initial_backoff_ms\": 0}"), context));
        assertTrue(zero.getMessage().contains(CONFIG + ".commit_retry_initial_backoff_ms"), zero.getMessage());
        final ConfigException below = assertThrows(ConfigException.class, () -> DeltaOutputConnector.settings(
            DeltaTestSupport.output("{\"uri\": \"/tmp/t\", \"commit_retry_initial_backoff_ms\": 500, " +
            "\"commit_retry_max_backoff_ms\": 100}"), context));
        assertTrue(below.getMessage().contains(CONFIG + ".commit_retry_max_backoff_ms"), below.getMessage());
        assertTrue(below.getMessage().contains("below commit_retry_initial_backoff_ms (500)"), below.getMessage());
        final ConfigException text = assertThrows(ConfigException.class, () -> DeltaOutputConnector.settings(
            DeltaTestSupport.output("{\"uri\": \"/tmp/t\", \"commit_max_retries\": \"many\"}"), context));
        assertTrue(text.getMessage().contains(CONFIG + ".commit_max_retries"), text.getMessage());
        final DeltaOutputSettings defaults = DeltaOutputConnector.settings(
            DeltaTestSupport.output("{\"uri\": \"/tmp/t\"}"), context);
        assertEquals(10, defaults.commitMaxRetries());
        assertEquals(100, defaults.commitRetryInitialBackoffMs());
        assertEquals(5_000, defaults.commitRetryMaxBackoffMs());
    }
}
