package dev.keel.connector.delta;

import dev.keel.engine.KeelException;
import dev.keel.engine.api.EngineContext;
import dev.keel.engine.api.Keel;
import dev.keel.engine.api.KeelPipeline;
import dev.keel.engine.circuit.PipelineState;
import dev.keel.engine.config.ConfigException;
import dev.keel.engine.config.FaultToleranceModel;
import dev.keel.engine.config.IdleStrategyType;
import dev.keel.engine.config.InputEndpointConfig;
import dev.keel.engine.config.PipelineConfigParser;
import dev.keel.engine.config.ThreadingMode;
import dev.keel.engine.connector.ConnectorContext;
import dev.keel.engine.data.ZSetBatch;
import dev.keel.engine.program.ProgramDefinition;
import dev.keel.engine.status.KeelCounters;
import dev.keel.sync.LoopbackProxy;
import dev.keel.sync.SyncFixture;
import io.delta.kernel.exceptions.TableNotFoundException;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.keel.connector.delta.DeltaCommitRetryTest.options;
import static dev.keel.connector.delta.DeltaCommitRetryTest.rows;
import static dev.keel.connector.delta.DeltaCommitRetryTest.settings;
import static dev.keel.connector.delta.DeltaS3OutageTest.value;
import static dev.keel.connector.delta.DeltaS3OutageTest.withoutStep;
import static dev.keel.connector.delta.DeltaTestSupport.SCHEMA;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A running pipeline (its own circuit and endpoint threads) reads an {@code s3://} table with
 * {@code delta_table_input} ({@code snapshot_and_follow}) through a {@link LoopbackProxy} in front of S3Mock and
 * writes what it reads to a second table (directly, exactly once). The proxy is stopped for three seconds (refused
 * and reset connections: the input's version polls and reads fail) while versions are committed to the source, then
 * restarted on the same address, with the default retry settings. The pipeline rides through: it stays RUNNING, the
 * input retries, and the output holds every source row exactly once, as an uninterrupted run's does.
 */
class DeltaS3InputOutageTest
{
    private static final ProgramDefinition PROGRAM = p -> p.view("v", p.zsetTable("t", SCHEMA));
    private static final int ROWS = 20;

    private static DeltaOutputEndpoint output(final String uri, final int port)
    {
        return (DeltaOutputEndpoint)new DeltaOutputConnector().create(
            DeltaTestSupport.output(settings(uri, port, "")), SCHEMA,
            new ConnectorContext().pipelineName("p").faultToleranceModel(FaultToleranceModel.EXACTLY_ONCE));
    }

    private static DeltaInputEndpoint input(final String uri, final int port)
    {
        return input(uri, port, "");
    }

    private static DeltaInputEndpoint input(final String uri, final int port, final String extra)
    {
        final InputEndpointConfig config = PipelineConfigParser.parse("{\"inputs\": {\"in\": {\"stream\": \"t\", " +
            "\"transport\": {\"name\": \"delta_table_input\", \"config\": " +
            settings(uri, port, ", \"mode\": \"snapshot_and_follow\", \"poll_interval_ms\": 20" + extra) + "}}}}")
            .inputs().get("in");
        return (DeltaInputEndpoint)new DeltaInputConnector().create(config, SCHEMA, new ConnectorContext());
    }

    @Test
    void exhaustedReadRetriesFailNamingTableVersionAndCause() throws Exception
    {
        final SyncFixture s3 = SyncFixture.shared();
        final String source = "s3://" + s3.newBucket() + "/down";
        try (LoopbackProxy proxy = new LoopbackProxy(s3.s3Port).start())
        {
            proxy.stop();
            try (DeltaInputEndpoint in = input(source, proxy.port(), ", \"read_max_retries\": 1, " +
                "\"read_retry_initial_backoff_ms\": 1, \"read_retry_max_backoff_ms\": 1"))
            {
                in.open(0, new ExpandableArrayBuffer(), 0, 0);
                in.live();
                final ZSetBatch batch = new ZSetBatch(SCHEMA);
                final long deadline = System.nanoTime() + 120_000_000_000L;
                KeelException failure = null;
                while (null == failure)
                {
                    assertTrue(System.nanoTime() < deadline, "no failure");
                    in.agent().doWork();
                    try
                    {
                        in.poll(batch, 100, Long.MAX_VALUE);
                    }
                    catch (final KeelException e)
                    {
                        failure = e;
                    }
                    Thread.sleep(1);
                }
                assertEquals("CONNECTOR_DELTA_READ_FAILED", failure.code(), failure.getMessage());
                assertTrue(failure.getMessage().contains("table " + source + ": version latest, the log: the read " +
                    "failed 2 times (read_max_retries 1)"), failure.getMessage());
                assertTrue(failure.getMessage().contains("connection refused"), failure.getMessage());
                in.agent().onClose();
            }
        }
    }

    @Test
    void readRetrySettingsErrorsNameTheirJsonPath()
    {
        final ConfigException below = assertThrows(ConfigException.class, () -> input("s3://b/t", 1,
            ", \"read_retry_initial_backoff_ms\": 500, \"read_retry_max_backoff_ms\": 100"));
        assertTrue(below.getMessage().contains("$.inputs.in.transport.config.read_retry_max_backoff_ms"),
            below.getMessage());
        assertTrue(below.getMessage().contains("below read_retry_initial_backoff_ms (500)"), below.getMessage());
        final ConfigException negative = assertThrows(ConfigException.class, () -> input("s3://b/t", 1,
            ", \"read_max_retries\": -1"));
        assertTrue(negative.getMessage().contains("$.inputs.in.transport.config.read_max_retries"),
            negative.getMessage());
    }

    @Test
    void aRunningPipelineReadingAnS3TableRidesThroughAnS3OutageWithNothingLostOrDuplicated() throws Exception
    {
        final SyncFixture s3 = SyncFixture.shared();
        final String bucket = s3.newBucket();
        final String source = "s3://" + bucket + "/source";
        final String sink = "s3://" + bucket + "/sink";
        final DeltaOutputEndpoint writer = output(source, s3.s3Port);
        writer.open();
        DeltaS3TableTest.write(writer, 1, 5, ROWS);
        final List<String> expected = withoutStep(rows(1, 15, ROWS));
        try (LoopbackProxy proxy = new LoopbackProxy(s3.s3Port).start())
        {
            final EngineContext ctx = new EngineContext()
                .pipelineName("inoutage")
                .threadingMode(ThreadingMode.DEDICATED)
                .idleStrategy(IdleStrategyType.SLEEPING)
                .pinCircuitThread(false)
                .input("in", "t", input(source, proxy.port()))
                .output("out", "v", output(sink, s3.s3Port));
            try (KeelPipeline pipeline = Keel.launch(ctx, PROGRAM))
            {
                awaitRows(pipeline, sink, 5 * ROWS);

                proxy.stop();
                final long outageEndNs = System.nanoTime() + 3_000_000_000L;
                DeltaS3TableTest.write(writer, 6, 10, ROWS);
                while (System.nanoTime() < outageEndNs)
                {
                    Thread.sleep(10);
                }
                assertEquals(PipelineState.RUNNING, pipeline.state(), String.valueOf(pipeline.failure()));
                assertTrue(retries(pipeline.counters()) >= 1, "the input retried in the outage");
                proxy.start();
                DeltaS3TableTest.write(writer, 11, 15, ROWS);

                awaitRows(pipeline, sink, 15 * ROWS);
                assertEquals(PipelineState.RUNNING, pipeline.state(), String.valueOf(pipeline.failure()));
                assertEquals(0, pipeline.errorCount());
                assertEquals(0, value(pipeline.counters(), "inoutage", KeelCounters.ENDPOINT_ERRORS_TYPE_ID,
                    "endpoint=in direction=input"));
                assertTrue(retries(pipeline.counters()) >= 1);
            }
        }
        writer.agent().onClose();
        writer.close();
        assertEquals(expected, withoutStep(DeltaTestSupport.readTable(sink, options())),
            "every source row exactly once, as an uninterrupted run reads them");
    }

    /** Waits until the sink holds at least {@code count} rows (it is read back only when the pipeline is running). */
    private static void awaitRows(final KeelPipeline pipeline, final String sink, final int count) throws Exception
    {
        final long deadline = System.nanoTime() + 120_000_000_000L;
        while (true)
        {
            assertEquals(PipelineState.RUNNING, pipeline.state(), String.valueOf(pipeline.failure()));
            int rows = 0;
            try
            {
                rows = DeltaTestSupport.readTable(sink, options()).size();
            }
            catch (final TableNotFoundException e)
            {
                // the output has not committed yet
            }
            if (rows >= count)
            {
                return;
            }
            assertTrue(System.nanoTime() < deadline, "the sink holds " + rows + " of " + count + " rows");
            Thread.sleep(200);
        }
    }

    private static long retries(final CountersReader counters)
    {
        return value(counters, "inoutage", KeelCounters.ENDPOINT_RETRIES_TYPE_ID, "endpoint=in direction=input");
    }
}
